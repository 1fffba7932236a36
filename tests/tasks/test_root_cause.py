"""Root-cause drafting on generated centres: each planted problem is rank 1 with its planted
cause verified and one 5-Why chain; a healthy centre raises no crisis and claims no cause
without evidence."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from csreview import demo
from csreview import schema as s
from csreview.periods import Period
from csreview.settings import load_settings
from tasks import compare as cmp
from tasks import crisis as cr
from tasks import kpis as k
from tasks import root_cause as rc
from tasks import staffing as st
from tasks import workforce as wf
from tasks.extract import extract_period
from tasks.playbook import load_playbook
from tasks.render.root_cause_words import worded_root_cause
from tasks.validate import validate
from tests.conftest import ZONE

SEPTEMBER = Period("monthly", 2026, 9)
NOW = datetime(2026, 11, 20, tzinfo=ZONE)


def drafted(
    problem: demo.PlantedProblem, folder: Path
) -> tuple[rc.RootCause, str | None, pd.DataFrame]:
    """A generated centre's September as the review drafts it (validated, with the Erlang C
    staffing summary and the quarantine), worded in English, and its crisis level."""
    settings = load_settings()
    spec = demo.DemoSpec(SEPTEMBER, months=2, contacts_per_day=120, seed=11, problem=problem)
    demo.to_folder(demo.generate(spec, now=NOW), str(folder))
    validation = validate(extract_period(str(folder), SEPTEMBER, ZONE, NOW), settings, False)
    facts = k.build_facts(validation.clean, SEPTEMBER, settings, fcr_provisional=False)
    kpis = k.compute_kpis(facts, settings)
    staffing = st.plan_staffing(
        validation.clean[s.CONTACTS.name],
        validation.clean[s.SHIFTS.name],
        pd.Timestamp(SEPTEMBER.start(ZONE)),
        pd.Timestamp(SEPTEMBER.end(ZONE)),
        target_seconds=settings.service_level_seconds,
        service_level_target=settings.targets["service_level"].target,
        chat_concurrency=settings.chat_concurrency,
    )
    playbook = load_playbook(None)
    result = rc.draft_root_cause(
        facts,
        validation.clean,
        SEPTEMBER,
        "t",
        settings,
        playbook,
        staffing=staffing.summary,
        quarantine=validation.quarantine,
    )
    level = cr.crisis_level(result.problems, kpis, None, playbook["crisis"]).level
    return worded_root_cause(result, "en"), level, kpis


@pytest.mark.slow
@pytest.mark.parametrize(
    ("problem", "segment", "kpi", "cause", "verified"),
    [
        ("evening_understaffing", "channel_group=live;hour_band=20-24", "service_level", "environment",
         {"agent_load", "erlang_gaps"}),
        ("billing_transfers", "category=billing", "complaint_rate", "method", {"transfers"}),
        # the outage's incident (9–11 September; see below) outranks its category
        ("returns_outage", r"date=2026-09-09/2026-09-1\d", "complaint_rate", "machine",
         {"day_spikes"}),
        ("weak_agents", "category=product", "complaint_rate", "people",
         {"agent_concentration"}),
    ],
)  # fmt: skip
def test_planted_problem_is_rank_one_with_its_cause_verified(
    problem: demo.PlantedProblem,
    segment: str,
    kpi: str,
    cause: str,
    verified: set[str],
    tmp_path: Path,
) -> None:
    result, level, _ = drafted(problem, tmp_path)
    first = result.problems.iloc[0]
    assert re.fullmatch(segment, first["segment"]) and first["kpi"] == kpi
    causes = result.causes[result.causes["problem_rank"] == 1]
    found = set(causes.loc[causes["verdict"] == "verified", "hypothesis_id"])
    whys = result.whys[result.whys["problem_rank"] == 1]
    actions = result.actions[result.actions["problem_rank"] == 1]
    assert level is not None  # far off target in a large segment
    if problem == "returns_outage":
        # the outage's incident, 9–11 September (at 120 contacts a day an adjacent day of
        # chance complaints may join it; at the demo's 600 it is exactly 9–11,
        # tests/tasks/test_incidents.py), with the returns system's slowdown verified; its
        # days hold the outage's category mix, so a team-level test (routing) may verify too
        spikes = causes[causes["hypothesis_id"] == "day_spikes"].iloc[0]
        assert "in category returns" in spikes["evidence"]
        assert verified <= found and cause in set(whys["category"])
        return
    assert found == verified
    assert (causes.loc[causes["verified"] == "true", "category"] == cause).all()
    assert set(whys["category"]) == {cause} and len(whys) == 3  # one chain: the strongest
    assert len(actions) == 1
    assert not result.problems["segment"].str.startswith("date=").any()  # no incident


@pytest.mark.slow
def test_a_healthy_centre_raises_no_crisis_and_claims_nothing(tmp_path: Path) -> None:
    """The demo's healthy centre (a rota covering every hour, calibrated reviewers): no
    incident, no crisis, no verified cause and so no action, whatever chance puts on the
    problem list."""
    result, level, _ = drafted("none", tmp_path)
    assert level is None
    assert not result.problems["segment"].str.contains("date=").any()  # no incident
    assert len(result.problems) <= 1  # at most a small segment's chance breach
    assert result.causes.empty or (result.causes["verdict"] != "verified").all()
    assert result.actions.empty
    assert set(result.causes.columns) >= set(rc.ROOT_CAUSE_COLUMNS)


def two_months(
    problem: demo.PlantedProblem, leave_day: int, folder: Path
) -> tuple[rc.RootCause, rc.RootCause]:
    """September then October of a generated centre, reviewed in a row: October's fishbone
    reads September's figures as the results store keeps them (its KPI rows and rota
    figures), never September's rows."""
    settings, playbook = load_settings(), load_playbook(None)
    october = Period("monthly", 2026, 10)
    spec = demo.DemoSpec(
        october, months=2, contacts_per_day=120, seed=11, problem=problem, leave_day=leave_day
    )
    demo.to_folder(demo.generate(spec, now=NOW), str(folder))
    earlier: dict[str, wf.PeriodFigures] = {}
    drafts = []
    for period in (SEPTEMBER, october):
        validation = validate(extract_period(str(folder), period, ZONE, NOW), settings, False)
        clean = validation.clean
        facts = k.build_facts(clean, period, settings, fcr_provisional=False)
        rows = wf.kpi_rows(clean[s.AGENTS.name], period, settings, facts.months)
        kpis = wf.with_workforce(k.compute_kpis(facts, settings), rows)
        before = {"previous": earlier["now"]} if earlier else None
        result = rc.draft_root_cause(facts, clean, period, "t", settings, playbook, earlier=before)
        drafts.append(worded_root_cause(result, "en"))
        stored = cmp.history_rows(kpis, facts)
        figures = wf.rota_figures(clean[s.SHIFTS.name], period, settings)
        earlier = {"now": wf.stored_figures(period, settings, stored, figures)}
    return drafts[0], drafts[1]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("problem", "leave_day", "verified"),
    [
        # a fifth of the agents leave on 1 October: against September, not week against week
        ("thinned_rota", 1, {"staffing_over_time", "turnover_over_time"}),
        # … on 15 October: the second half's weeks are the worst, and thinner
        ("thinned_rota", 15, {"weekly_staffing", "turnover_over_time"}),
        ("none", 1, set()),
    ],
)
def test_a_centre_whose_rota_thinned_gets_a_verified_staffing_cause(
    problem: demo.PlantedProblem, leave_day: int, verified: set[str], tmp_path: Path
) -> None:
    september, october = two_months(problem, leave_day, tmp_path)
    over = {"staffing_over_time", "weekly_staffing", "turnover_over_time", "handling_over_time",
            "transfers_over_time", "repeats_over_time"}  # fmt: skip
    first = september.causes
    assert not (first["hypothesis_id"].isin(over) & (first["verdict"] == "verified")).any()
    unrecorded = first[first["hypothesis_id"] == "staffing_over_time"]
    assert unrecorded["evidence"].astype(str).str.contains("review or backfill the previous").all()
    causes = october.causes[october.causes["problem_rank"] == 1]
    found = causes[causes["hypothesis_id"].isin(over) & (causes["verdict"] == "verified")]
    assert set(found["hypothesis_id"]) == verified
    if problem == "thinned_rota":
        assert october.problems.iloc[0]["kpi"] == "service_level"
        staffing = found[found["category"] == "environment"].iloc[0]["evidence"]
        assert "2026-09" in staffing or "from 10-" in staffing  # both periods' or weeks' figures
        assert "environment" in set(october.whys[october.whys["problem_rank"] == 1]["category"])
