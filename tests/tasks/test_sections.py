"""Which report sections a review could assess: each needs its data (data contract §5a)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from csreview import schema as s
from csreview.facts import KPI_COLUMNS
from csreview.settings import Settings
from tasks import kpis as k
from tasks import scorecard as sc
from tasks import staffing as st
from tasks.render.formatting import Formatter
from tasks.render.scorecard_view import balanced_page
from tasks.render.sections_view import manifest_sections, not_assessed_notes
from tasks.sections import SECTIONS, assess_sections
from tests.conftest import OCTOBER, typed_frames


def plan(scheduled: list[int]) -> st.StaffingPlan:
    summary = pd.DataFrame({st.SCHEDULED_AGENTS: scheduled})
    return st.StaffingPlan(summary, pd.DataFrame(), pd.DataFrame(), 0, math.nan)


def kpis_of(settings: Settings, without: tuple[str, ...] = ()) -> pd.DataFrame:
    clean = typed_frames()
    for table in without:
        clean[table] = clean[table].iloc[0:0]
    facts = k.build_facts(clean, OCTOBER, settings, fcr_provisional=False)
    return k.compute_kpis(facts, settings)


def test_the_tiny_centre_is_assessed_but_for_followups(settings: Settings) -> None:
    followed = pd.DataFrame({"action_id": ["A-1"]})
    found = assess_sections(kpis_of(settings), plan([2, 0]), followed)
    assert list(found) == list(SECTIONS)
    assert all(section.assessed for section in found.values())
    nothing = assess_sections(kpis_of(settings), plan([2]), followed.iloc[0:0])
    assert [n for n, sec in nothing.items() if not sec.assessed] == ["followups"]


def test_a_centre_without_surveys_qa_or_rota_says_what_it_lacks(settings: Settings) -> None:
    bare = kpis_of(settings, (s.SURVEYS.name, s.QA_EVALUATIONS.name, s.SHIFTS.name))
    found = assess_sections(bare, plan([0, 0, 0]), pd.DataFrame())
    missing = [name for name, section in found.items() if not section.assessed]
    assert missing == ["satisfaction", "nps", "qa", "calibration", "staffing", "followups"]
    record = manifest_sections(found)
    assert record["service"] == {"status": "assessed", "reason": ""}
    assert record["staffing"]["status"] == "not_assessed"
    assert "rota" in record["staffing"]["reason"]


def test_nps_alone_missing(settings: Settings) -> None:
    clean_kpis = kpis_of(settings)
    no_nps = clean_kpis[clean_kpis["kpi"] != "nps"]  # no survey answered the nps question
    found = assess_sections(no_nps, plan([1]), pd.DataFrame({"action_id": ["A-1"]}))
    assert [n for n, sec in found.items() if not sec.assessed] == ["nps"]


@pytest.mark.parametrize(("language", "word"), [("en", "Not assessed"), ("zh-CN", "未评估")])
def test_reasons_are_worded_in_the_report_language(
    settings: Settings, language: str, word: str
) -> None:
    found = assess_sections(kpis_of(settings), plan([0]), pd.DataFrame())
    notes = not_assessed_notes(found, Formatter(language))  # type: ignore[arg-type]
    assert sorted(name for name, note in notes.items() if note) == ["followups", "staffing"]
    assert notes["staffing"].startswith(word)


@pytest.mark.parametrize(("hours", "shown"), [(0.0, False), (160.0, True)])
def test_the_cost_of_agent_hours_needs_a_rota(hours: float, shown: bool) -> None:
    money = sc.Finance("CNY", hours, hours * 50, 100, hours * 0.5, 3, 12.0)
    card = sc.Scorecard(pd.DataFrame(), money, pd.DataFrame())
    page = balanced_page(pd.DataFrame(columns=list(KPI_COLUMNS)), card, Formatter("en"))
    assert (page["finance"] is not None) == shown
