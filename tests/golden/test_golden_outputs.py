"""Golden outputs: what four generated centres' reviews publish, pinned byte for byte.

The demo centre (evening understaffing, with the demo's messy export) and three centres with
other planted problems are reviewed for October 2026 in both languages (one of them with
Chinese as review.pdf's language, the others with English). Their
CSV files and the text of their reports (PDF and HTML, both languages) must equal the files
under `tests/golden/CENTRE/`, but for run ids and the moment of the run. A change of
structure changes none of it; a change of behaviour updates the files on purpose:

    CSREVIEW_UPDATE_GOLDEN=1 .venv/bin/pytest tests/golden

and the diff of `tests/golden/` shows what a reader of the review will see differently.
"""

from __future__ import annotations

import html.parser
import json
import os
import re
import subprocess
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest

from csreview import store
from csreview.demo import DemoSpec, PlantedProblem, generate, to_database
from csreview.messy_export import plant_bad_rows
from flows.cli import main
from tasks import root_cause
from tests.conftest import AFTER_WINDOW, OCTOBER, ZONE, pdf_not_rendered
from tests.tasks.render.page_fit import words_past_the_margin

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]

GOLDEN = Path(__file__).parent
UPDATE = os.environ.get("CSREVIEW_UPDATE_GOLDEN") == "1"
CSV_FILES = (
    "kpis.csv",
    "problems.csv",
    "root_causes.csv",
    "actions.csv",
    "followups.csv",
    "scorecard.csv",
)
CENTRES: dict[str, tuple[PlantedProblem, int, bool, str]] = {
    # name: planted problem, seed, the demo's messy export planted and September reviewed
    # first (so that October is compared with it and shows the trend), the language of
    # review.pdf (the other one is review.LANG.pdf): either way the text is the same
    "demo": ("evening_understaffing", 20261001, True, "en"),
    "billing": ("billing_transfers", 7, False, "zh-CN"),
    "outage": ("returns_outage", 8, False, "en"),
    "weak-agents": ("weak_agents", 9, False, "en"),
}
LANGUAGES = ("en", "zh-CN")
# what differs from run to run: the run's id and the moment it ran
RUN_ID = re.compile(r"\d{4}-(?:\d{2}|Q\d)_\d{8}T\d{6}Z_[0-9a-f]{6}")
RUN_MOMENT = re.compile(
    r"\b2\d{3}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?: ?UTC|Z|[+-]\d{2}:?\d{2})?"
    r"|\b[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2}\s?[AP]M"
    r"|\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}:\d{2}"
)


class _Text(html.parser.HTMLParser):
    """The text a reader sees in an HTML page: no scripts, styles or embedded images."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def html_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text("utf-8"))
    return "\n".join(parser.parts) + "\n"


def pdf_text(path: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
    )
    # columns are aligned with spaces whose count follows the widest cell: one space is kept
    lines = [" ".join(line.split()) for line in done.stdout.decode("utf-8").splitlines()]
    return "\n".join(lines) + "\n"


def normalised(text: str, run_id: str) -> str:
    """The text with the run's id and the moments of the run replaced by placeholders."""
    text = text.replace(run_id, "RUN_ID")
    return RUN_MOMENT.sub("MOMENT", RUN_ID.sub("RUN_ID", text))


def documents(folder: Path, primary: str) -> dict[str, str]:
    """Each language's report, without its suffix: review.pdf is the primary language's."""
    return {
        language: "review" if language == primary else f"review.{language}"
        for language in LANGUAGES
    }


def outputs(folder: Path, primary: str) -> dict[str, str]:
    """The pinned outputs of a published folder, as text."""
    run_id = folder.resolve().name
    files = {name: (folder / name).read_text("utf-8") for name in CSV_FILES}
    for language, name in documents(folder, primary).items():
        files[f"review.{language}.pdf.txt"] = pdf_text(folder / f"{name}.pdf")
        files[f"review.{language}.html.txt"] = html_text(folder / f"{name}.html")
    return {name: normalised(text, run_id) for name, text in files.items()}


def check_languages(folder: Path, primary: str, texts: dict[str, str]) -> None:
    """One review per language, each wholly in its language, each listed in the manifest
    (TEXTS: the outputs as text)."""
    names = documents(folder, primary)
    english, chinese = texts["review.en.pdf.txt"], texts["review.zh-CN.pdf.txt"]
    assert "Executive summary" in english and "执行摘要" not in english
    assert "月度服务质量复盘" in chinese and "根因分析" in chinese and "五问法" in chinese
    assert "Executive summary" not in chinese
    page = (folder / f"{names['zh-CN']}.html").read_text("utf-8")
    assert '<html lang="zh-CN"' in page
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert {f"{n}.{kind}" for n in names.values() for kind in ("pdf", "html")} <= set(
        manifest["outputs"]
    )


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A config per language of review.pdf, with the other language as the extra copy."""
    folder = tmp_path_factory.mktemp("golden-config")
    paths = {}
    for primary in LANGUAGES:
        (other,) = (x for x in LANGUAGES if x != primary)
        paths[primary] = folder / f"{primary}.toml"
        paths[primary].write_text(
            f'language = "{primary}"\nextra_languages = ["{other}"]\n', "utf-8"
        )
    return paths


@pytest.mark.parametrize("centre", sorted(CENTRES))
def test_published_outputs_equal_the_golden_files(
    centre: str, configs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each review publishes two languages from one root-cause draft (counted), and its
    outputs equal the golden files."""
    problem, seed, messy, primary = CENTRES[centre]
    drafts: list[str] = []
    draft = root_cause.draft_root_cause

    def counted(*args: Any, **kwargs: Any) -> root_cause.RootCause:
        drafts.append("drafted")
        return draft(*args, **kwargs)

    monkeypatch.setattr(root_cause, "draft_root_cause", counted)
    spec = DemoSpec(OCTOBER, months=2, contacts_per_day=100, seed=seed, problem=problem)
    frames = generate(spec, now=AFTER_WINDOW)
    if messy:
        frames, _ = plant_bad_rows(frames, OCTOBER, ZONE)
    source = f"sqlite:///{tmp_path / 'centre.sqlite'}"
    to_database(frames, source)
    out = tmp_path / "out"
    for period in (OCTOBER.previous(), OCTOBER) if messy else (OCTOBER,):
        args = ["run", "--cadence", "monthly", "--period", period.label, "--source", source]
        unread = period != OCTOBER  # September's documents are not compared: no PDF
        with pdf_not_rendered() if unread else nullcontext():
            assert main([*args, "--out", str(out), "--config", str(configs[primary])]) == 0
        assert drafts == ["drafted"]  # not once more for the second language
        drafts.clear()

    if messy:  # September recorded the figures October's centre-wide tests compare with
        kept = store.figure_history(
            f"sqlite:///{out / 'store.sqlite'}", "default", "monthly", OCTOBER.previous().label
        )
        assert kept["scheduled_agent_hours"] > 0 and kept["rota_agents"] > 0
    published = out / "monthly" / OCTOBER.label
    got = outputs(published, primary)
    check_languages(published, primary, got)
    for name in documents(published, primary).values():  # no text past the page's edge
        assert words_past_the_margin(published / f"{name}.pdf") == [], f"{centre}/{name}.pdf"
    folder = GOLDEN / centre
    if UPDATE:
        folder.mkdir(exist_ok=True)
        for name, text in got.items():
            (folder / name).write_text(text, "utf-8")
    expected = {p.name: p.read_text("utf-8") for p in sorted(folder.iterdir())}
    assert sorted(got) == sorted(expected)
    for name, text in got.items():
        assert text == expected[name], f"{centre}/{name} differs from the golden file"
