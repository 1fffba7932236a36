"""A review published in two languages drafts its root cause once: each language only words
the one draft."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from csreview.demo import DemoSpec, generate, to_database
from csreview.periods import Period
from flows.cli import main
from tasks import root_cause
from tests.conftest import AFTER_WINDOW

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]
SEPTEMBER = Period("monthly", 2026, 9)


def test_two_languages_draw_on_one_root_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = f"sqlite:///{tmp_path / 'centre.sqlite'}"
    spec = DemoSpec(SEPTEMBER, months=1, contacts_per_day=60, problem="billing_transfers")
    to_database(generate(spec, now=AFTER_WINDOW), source)
    config = tmp_path / "config.toml"
    config.write_text('language = "zh-CN"\nextra_languages = ["en"]\nstep_cache = false\n')
    drafts: list[str] = []
    draft = root_cause.draft_root_cause

    def counted(*args: Any, **kwargs: Any) -> root_cause.RootCause:
        drafts.append("drafted")
        return draft(*args, **kwargs)

    monkeypatch.setattr(root_cause, "draft_root_cause", counted)
    args = ["run", "--cadence", "monthly", "--period", SEPTEMBER.label, "--source", source]
    assert main([*args, "--out", str(tmp_path / "out"), "--config", str(config)]) == 0
    assert drafts == ["drafted"]  # not once more for the English copy
    folder = tmp_path / "out" / "monthly" / SEPTEMBER.label
    chinese = (folder / "review.html").read_text("utf-8")
    english = (folder / "review.en.html").read_text("utf-8")
    assert "根因分析" in chinese and "Root-cause analysis" in english
    # both show the same drafted problem, each in its own words
    assert "category billing" in english and "类别 billing" in chinese
    problems = (folder / "problems.csv").read_text("utf-8")
    assert "category=billing" in problems  # the CSV in the primary language's words
    assert "类别 billing" in problems
