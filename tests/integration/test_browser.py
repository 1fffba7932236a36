"""The HTML outputs in a real browser (Debian's Chromium, driven by Playwright), with the
network cut: everything they show must come from the file itself."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from csreview import demo, messy_export
from csreview import schema as s
from csreview.settings import load_settings
from tasks import render
from tasks.extract import Extract, parse_table, select_period
from tests.conftest import AFTER_WINDOW, OCTOBER, ZONE, pdf_not_rendered

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]
QUIET = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture
def browser() -> Iterator[Any]:
    """Chromium for one test: Playwright's sync API keeps an event loop running, so flows
    must run before it starts (see `reviews`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=QUIET)
        yield chromium
        chromium.close()


def open_offline(browser: Any, page_file: Path) -> tuple[Any, list[str]]:
    """Open a file with every request but the file itself refused; returns the page and
    what went wrong: refused requests and console or page errors."""
    refused: list[str] = []
    page = browser.new_page()
    target = page_file.resolve().as_uri()

    def only_the_file(route: Any) -> None:
        if route.request.url == target:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_file)
    page.on(
        "console",
        lambda m: refused.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: refused.append(f"page error: {e}"))
    page.goto(target)
    return page, refused


@pytest.fixture(scope="module")
def validation_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tasks.validate import validate

    settings = load_settings()
    frames = demo.generate(demo.DemoSpec(OCTOBER, months=1, contacts_per_day=30))
    messy, _ = messy_export.plant_bad_rows(frames, OCTOBER, ZONE)
    typed = {n: parse_table(s.TABLES_BY_NAME[n], f, ZONE) for n, f in messy.items()}
    picks = select_period(typed, OCTOBER, ZONE)
    extract = Extract(
        OCTOBER,
        AFTER_WINDOW,
        {n: messy[n].iloc[p].reset_index(drop=True) for n, p in picks.items()},
        {n: typed[n].iloc[p].reset_index(drop=True) for n, p in picks.items()},
    )
    validation = validate(extract, settings)
    run = {
        "run_id": "2026-10_test", "tenant": "default", "cadence": "monthly",
        "period": "2026-10", "source": "demo", "read_at": AFTER_WINDOW.isoformat(),
        "contract_version": "1", "version": "test",
    }  # fmt: skip
    context = render.build_validation_context(validation, run, {}, "en")
    path = tmp_path_factory.mktemp("evidence") / "report.html"
    path.write_text(render.render_validation_report(context, "en"), encoding="utf-8")
    return path


def test_auditor_report_renders_offline(browser: Any, validation_report: Path) -> None:
    page, refused = open_offline(browser, validation_report)
    assert refused == []
    assert page.title().startswith("Validation report")
    assert page.locator("h2").count() == 1 + len(s.TABLES)
    failing = page.locator("tr.fail")
    assert failing.count() >= 20
    assert "conflicting duplicate contact_id" in page.locator("body").inner_text()
    header = page.locator("th").first
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(238, 238, 238)"
    assert page.evaluate("document.scripts.length") == 0
    shot = page.screenshot(full_page=True)
    assert len(shot) > 10_000
    page.close()


@pytest.fixture
def reviews(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Path]:
    """The demo month reviewed in both languages (before any browser starts)."""
    from flows.cli import main

    frames = demo.generate(demo.DemoSpec(OCTOBER, months=1, contacts_per_day=60), now=AFTER_WINDOW)
    messy, _ = messy_export.plant_bad_rows(frames, OCTOBER, ZONE)
    source = f"sqlite:///{tmp_path / 'centre.sqlite'}"
    demo.to_database(messy, source)
    published = {}
    for lang in ("en", "zh-CN"):
        out = tmp_path / lang
        args = ["run", "--cadence", "monthly", "--period", "2026-10", "--source", source]
        with pdf_not_rendered():  # the browser reads the HTML files only
            assert main([*args, "--out", str(out), "--lang", lang]) == 0, capsys.readouterr().err
        published[lang] = out / "monthly" / "2026-10"
    return published


@pytest.mark.usefixtures("prefect_server")
def test_review_html_renders_offline_in_both_languages(
    reviews: dict[str, Path], browser: Any, tmp_path: Path
) -> None:
    shots = tmp_path / "screenshots"
    for lang, heading in (("en", "Problem list"), ("zh-CN", "服务质量问题清单")):
        page, refused = open_offline(browser, reviews[lang] / "review.html")
        assert refused == []
        assert page.evaluate("document.documentElement.lang") == lang
        assert heading in page.locator("h2").all_inner_texts()
        assert page.evaluate("document.scripts.length") == 0
        reads_on_a_screen(page, shots / lang)
        page.close()
        report, refused = open_offline(browser, reviews[lang] / "validation" / "report.html")
        assert refused == [] and report.locator("tr.fail").count() >= 20
        report.close()


SCREENS = {"desktop": (1280, 800), "phone": (390, 844)}
OVERFLOW = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
DEAD_LINKS = """[...document.querySelectorAll('.toc a')]
    .filter(a => !document.getElementById(a.getAttribute('href').slice(1)))
    .map(a => a.getAttribute('href'))"""
UNBOXED_TABLES = """[...document.querySelectorAll('table')]
    .filter(t => !t.parentElement.classList.contains('table-box')
                 || getComputedStyle(t.parentElement).overflowX !== 'auto').length"""


def reads_on_a_screen(page: Any, shots: Path) -> None:
    """review.html on a desktop and a phone screen: nothing wider than the window (wide tables
    scroll in their own box), no blank page-sized gaps, a contents list whose every entry
    links to its section; screenshots of both kept in `shots`."""
    shots.mkdir(parents=True)
    assert page.evaluate("matchMedia('screen').matches")
    assert page.evaluate(DEAD_LINKS) == []
    assert page.locator(".toc a").count() >= 10
    assert page.evaluate(UNBOXED_TABLES) == 0
    for name, (width, height) in SCREENS.items():
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate(OVERFLOW), f"wider than a {width} px screen"
        body = page.evaluate("getComputedStyle(document.body).maxWidth")
        assert body != "none"  # a readable column, not the whole window
        cover = page.locator(".cover").bounding_box()
        assert cover is not None and cover["height"] < height  # no A4-high cover page
        breaks = (
            "[...document.querySelectorAll('section')].map(s => getComputedStyle(s).breakBefore)"
        )
        assert set(page.evaluate(breaks)) == {"auto"}  # page breaks are print's only
        page.screenshot(path=str(shots / f"{name}.png"), full_page=False)
        page.screenshot(path=str(shots / f"{name}-full.png"), full_page=True)
