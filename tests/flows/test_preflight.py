"""What the command checks before a run starts: one line, exit 2, and nothing written.

Each case would otherwise have published a period (or part of one) before failing, or
written outside `--out`; none of them starts a flow, so these tests need no Prefect server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from csreview.demo import DemoSpec, generate, to_database
from csreview.periods import Period
from flows import cli
from tasks.publish import OutsideOutError, cadence_dir, plan_run
from tests.conftest import AFTER_WINDOW, OCTOBER

SECRET = "s3cret-never-shown"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A tiny centre: the source check passes, so the case under test is what fails."""
    folder = tmp_path_factory.mktemp("centre")
    url = f"sqlite:///{folder / 'centre.sqlite'}"
    september = Period("monthly", 2026, 9)
    to_database(generate(DemoSpec(september, months=1, contacts_per_day=5), now=AFTER_WINDOW), url)
    return url


def run(
    tmp_path: Path, source: str, *extra: str, period: str = "2026-09"
) -> tuple[int, list[str], Path]:
    """`csreview run` into `tmp_path/out`; the exit code, stderr's lines and the output."""
    out = tmp_path / "out"
    args = ["run", "--cadence", "monthly", "--period", period, "--source", source]
    if "--out" not in extra:
        args += ["--out", str(out)]
    return cli.main([*args, *extra]), [], out


def refused(
    capsys: pytest.CaptureFixture[str], code: int, *words: str, secret: str = SECRET
) -> str:
    """The one line a refused run prints (exit 2, no traceback, no secret)."""
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == cli.EXIT_USAGE, lines
    assert len(lines) == 1, lines
    assert "Traceback" not in captured.err and secret not in captured.err + captured.out
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def nothing_published(out: Path) -> None:
    assert not list(out.rglob("manifest.json")), "a run started"
    assert not (out / "monthly").exists()


# ---------------------------------------------------------------- tenant names
@pytest.mark.parametrize(
    "tenant", ["/abs", "../..", ".", "monthly", "_runs", "_cache", "a\x01b", "a/b", "x" * 65]
)
def test_a_tenant_name_that_would_escape_or_collide_is_refused(
    tmp_path: Path, source: str, capsys: pytest.CaptureFixture[str], tenant: str
) -> None:
    code, _, out = run(tmp_path, source, "--tenant", tenant)
    refused(capsys, code, "tenant name", "rename it")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # not even --out was made
    for command in (["audit", "--out", str(out)], ["actions", "--out", str(out)]):
        assert cli.main([*command, "--tenant", tenant]) == cli.EXIT_USAGE
        refused(capsys, cli.EXIT_USAGE, "tenant name")


def test_a_planted_symlink_cannot_lead_a_tenant_outside_out(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    (out / "north").mkdir(parents=True)
    elsewhere.mkdir()
    (out / "east").symlink_to(elsewhere, target_is_directory=True)

    assert cadence_dir(out, "north", "monthly") == out / "north" / "monthly"
    assert cadence_dir(out, "华东", "quarterly") == out / "华东" / "quarterly"
    with pytest.raises(OutsideOutError, match="outside the output folder"):
        cadence_dir(out, "east", "monthly")
    with pytest.raises(ValueError, match="run id"):
        plan_run(out, "north", OCTOBER, "../../escape")
    with pytest.raises(ValueError, match="cadence"):
        cadence_dir(out, None, "../x")


# ---------------------------------------------------------------- periods
@pytest.mark.parametrize("period", ["9999-12", "2999-01", "1969-12"])
def test_a_period_that_cannot_have_data_is_refused_before_any_run(
    tmp_path: Path, source: str, capsys: pytest.CaptureFixture[str], period: str
) -> None:
    code, _, out = run(tmp_path, source, period=period)
    refused(capsys, code, period)
    nothing_published(out)


def test_a_backfill_into_the_future_is_refused(
    tmp_path: Path, source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["backfill", "--cadence", "quarterly", "--from", "2026-Q3", "--to", "2099-Q1"]
    code = cli.main([*args, "--source", source, "--out", str(tmp_path / "out")])
    refused(capsys, code, "2099-Q1", "not started yet")


# ---------------------------------------------------------------- secrets
@pytest.mark.parametrize(
    "extra",
    [
        ["--store", f"postgresql://review:{SECRET}@127.0.0.1:1/store"],
        ["--store", f"postgresql://review@127.0.0.1:1/store?password={SECRET}"],
    ],
)
def test_a_store_url_with_a_password_in_clear_is_refused(
    tmp_path: Path, source: str, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    code, _, out = run(tmp_path, source, *extra)
    line = refused(capsys, code, "in clear", "${PGPASSWORD}")
    assert "***" in line
    nothing_published(out)


def test_a_source_url_with_a_password_in_clear_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, out = run(tmp_path, f"postgresql://review@127.0.0.1:1/cs?password={SECRET}")
    refused(capsys, code, "source", "in clear")
    nothing_published(out)


def test_a_missing_password_variable_fails_loudly_before_the_run(
    tmp_path: Path, source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = "postgresql://review@127.0.0.1:1/store?password=${CSREVIEW_TEST_UNSET_PASSWORD}"
    code, _, out = run(tmp_path, source, "--store", store)
    refused(capsys, code, "CSREVIEW_TEST_UNSET_PASSWORD is not set")
    nothing_published(out)


# ---------------------------------------------------------------- delivery settings
@pytest.mark.parametrize(
    ("config", "words"),
    [
        (
            'smtp_url = "smtp://bot:' + SECRET + '@127.0.0.1:2525"\n',
            ("smtp_url", "in clear", "password_env"),
        ),
        (
            'smtp_url = "smtp://127.0.0.1:2525"\n'
            '[recipients.default.all]\nto = ["ops@example.com\\r\\nBcc: spy@example.com"]\n',
            ("line break",),
        ),
        (
            'smtp_url = "smtp://127.0.0.1:2525"\n'
            '[recipients.default.all]\nto = ["ops at example"]\n',
            ("not an e-mail address",),
        ),
        (
            'smtp_url = "smtp://bot@127.0.0.1:2525?password_env=CSREVIEW_TEST_UNSET_SMTP"\n'
            '[recipients.default.monthly]\nto = ["ops@example.com"]\n',
            ("CSREVIEW_TEST_UNSET_SMTP is not set",),
        ),
        (
            'smtp_url = "smtp://127.0.0.1:2525?colour=red"\nalert_to = ["ops@example.com"]\n',
            ("smtp_url",),
        ),
        ('alert_to = ["ops@example.com\\nBcc: spy@example.com"]\n', ("line break",)),
    ],
)
def test_delivery_settings_are_checked_before_anything_is_published(
    tmp_path: Path,
    source: str,
    capsys: pytest.CaptureFixture[str],
    config: str,
    words: tuple[str, ...],
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(config, "utf-8")
    code, _, out = run(tmp_path, source, "--config", str(path))
    refused(capsys, code, *words)
    nothing_published(out)


# ---------------------------------------------------------------- the output folder
def test_an_output_folder_that_cannot_be_made_is_one_line(
    tmp_path: Path, source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", "utf-8")
    code, _, _ = run(tmp_path, source, "--out", str(blocker / "out"))
    refused(capsys, code, "output folder", "cannot be written")
