"""The period's KPI table and analyses on a Dask cluster equal the single-machine ones."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from csreview import demo, messy_export
from csreview import facts as f
from csreview import schema as s
from csreview.frames import among
from csreview.settings import load_settings
from flows.distributed import Layout, dask_kpis
from tasks import compare, pdca, problems, qa, scorecard, staffing, surveys, themes, workforce
from tasks import kpis as k
from tasks.extract import extract_period
from tasks.extract.slices import SLICED
from tasks.kpis import distributed
from tasks.playbook import load_playbook
from tasks.validate import check_rules
from tasks.validate.partitioned import ROW_LEVEL_RUN_RULES
from tests.conftest import OCTOBER
from tests.tasks.test_analysis_parts import APPROVED

READ_AT = datetime(2026, 11, 23, tzinfo=UTC)
QUANTILES = ("frt_median_seconds", "frt_p90_seconds")


@pytest.mark.slow
def test_a_local_cluster_computes_the_single_machine_kpis(tmp_path: Path) -> None:
    """Two single-threaded worker processes read a messy demo month (bad rows planted),
    validate, aggregate and analyse it; the KPI table equals the single machine's, counts,
    ratios of counts and quantiles exactly, the gate's counts are the whole's (the shifts'
    from one worker's gate), and so are the satisfaction, themes, scorecard, rota figures,
    staffing plan, problem list and follow-ups, and the variances and calibration figures
    within 1e-12."""
    settings = load_settings()
    frames = demo.generate(demo.DemoSpec(OCTOBER, months=1, contacts_per_day=10))
    messy, _ = messy_export.plant_bad_rows(frames, OCTOBER, settings.zone)
    url = f"sqlite:///{tmp_path / 'source.sqlite'}"
    demo.to_database(messy, url)

    got = dask_kpis(
        url, OCTOBER, settings, READ_AT, False, memory_limit="1GiB", layout=Layout(16, 2),
        approved=APPROVED,
    )  # fmt: skip

    validation = check_rules(extract_period(url, OCTOBER, settings.zone, READ_AT), settings)
    facts = k.build_facts(validation.clean, OCTOBER, settings, False)
    people = workforce.kpi_rows(validation.clean["agents"], OCTOBER, settings, facts.months)
    whole = workforce.with_workforce(k.compute_kpis(facts, settings), people)
    assert distributed.kpi_differences(got.kpis, whole) == []
    exact = whole[f.KPI].isin([*k.integer_numerators(), *k.count_kpis(), *QUANTILES])
    assert exact.sum() > len(whole) / 2
    assert distributed.kpi_differences(got.kpis[exact], whole[exact], rtol=0.0) == []
    assert got.workers == 2 and all(0 < peak < 1024 for peak in got.worker_peak_mib)
    assert len(got.partition_contacts) == 2 and min(got.partition_contacts) > 0  # both used
    for table in (*SLICED, s.SHIFTS):  # the shifts read and gated by one worker
        assert got.totals.counts[table.name] == validation.counts[table.name]
    assert validation.counts["shifts"]["quarantined"] > 0  # bad shifts planted
    shift_rules = {
        (r.table, r.rule): r.failed
        for r in validation.rules
        if r.table == "shifts" and r.rule not in ROW_LEVEL_RUN_RULES
    }
    assert {k: n for k, n in got.totals.failed.items() if k[0] == "shifts"} == shift_rules
    assert got.totals.blocking == validation.blocking

    mine = surveys.period_surveys(validation.clean, facts.contacts)
    satisfaction = surveys.summarise_satisfaction(validation.clean, facts.contacts)
    assert satisfaction.comments > 10 and len(satisfaction.verbatims) == surveys.VERBATIMS
    got_satisfaction = got.analyses.satisfaction
    pd.testing.assert_frame_equal(got_satisfaction.distribution, satisfaction.distribution)
    assert got_satisfaction.nps == satisfaction.nps
    assert got_satisfaction.comments == satisfaction.comments
    pd.testing.assert_frame_equal(got_satisfaction.verbatims, satisfaction.verbatims)
    table = themes.verbatim_themes(mine, themes.load_themes())
    pd.testing.assert_frame_equal(got.analyses.themes, table)
    pd.testing.assert_frame_equal(got.analyses.sales, scorecard.sales_balance(facts))
    bounds = (pd.Timestamp(OCTOBER.start(settings.zone)), pd.Timestamp(OCTOBER.end(settings.zone)))
    card = scorecard.build_scorecard(whole, facts, validation.clean, *bounds, settings)
    assert card.finance.handled > 100 and card.finance.repeats > 0
    pd.testing.assert_frame_equal(got.scorecard.agents, card.agents)
    assert repr(got.scorecard.finance) == repr(card.finance)  # NaN-safe: every field equal
    pd.testing.assert_frame_equal(got.scorecard.sales, card.sales)
    assert got.rota == workforce.rota_figures(validation.clean["shifts"], OCTOBER, settings)
    assert got.rota[workforce.ROTA_AGENTS] > 0
    variances = compare.kpi_variances(facts)
    assert got.analyses.variances.keys() == variances.keys()
    for key, variance in variances.items():
        assert math.isclose(got.analyses.variances[key], variance, rel_tol=1e-12), key
    history = compare.history_rows(whole, facts)
    assert got.history[compare.VARIANCE].notna().sum() == history[compare.VARIANCE].notna().sum()
    start, end = (
        pd.Timestamp(OCTOBER.start(settings.zone)),
        pd.Timestamp(OCTOBER.end(settings.zone)),
    )
    erlang = {
        "target_seconds": settings.service_level_seconds,
        "service_level_target": settings.targets["service_level"].band(months=(10,)).target,
        "chat_concurrency": settings.chat_concurrency,
    }
    shifts = validation.clean["shifts"]
    plan = staffing.plan_staffing(validation.clean["contacts"], shifts, start, end, **erlang)
    got_plan = got.staffing  # the contacts' merged part, finished with the worker's shifts
    assert plan.summary["contacts"].sum() > 100 and plan.email_open > 0
    assert plan.summary[staffing.SCHEDULED_AGENTS].sum() > 0  # shifts count
    pd.testing.assert_frame_equal(got_plan.summary, plan.summary)
    pd.testing.assert_frame_equal(got_plan.by_time_of_day, plan.by_time_of_day)
    pd.testing.assert_frame_equal(got_plan.worst, plan.worst)
    assert (got_plan.email_open, got_plan.email_median_age_hours) == (
        plan.email_open,
        plan.email_median_age_hours,
    )

    playbook = load_playbook(None)
    found = problems.problem_list(facts, settings, playbook)
    assert len(found) >= 3  # something to merge
    assert repr(problems.problems_of(got.analyses.problems, settings, playbook)) == repr(found)
    followups = pdca.follow_up(APPROVED, facts, settings, OCTOBER.end(settings.zone).date())
    assert followups["current"].notna().all()
    pd.testing.assert_frame_equal(got.analyses.followups, followups)
    evaluations = validation.clean["qa_evaluations"]
    in_period = evaluations[among(evaluations["contact_id"], facts.contacts["contact_id"])]
    calibration = qa.summarise_calibration(in_period, settings.qa_pass_mark)
    got_calibration = got.analyses.calibration
    assert calibration.contacts > 5 and calibration.ai_minus_human is not None
    for name in ("contacts", "reviewers", "block_shape"):
        assert getattr(got_calibration, name) == getattr(calibration, name), name
    for name in ("alpha", "icc", "ai_minus_human"):
        assert math.isclose(
            getattr(got_calibration, name), getattr(calibration, name), rel_tol=1e-12
        )
    for name in ("bias", "rubric", "kinds"):
        pd.testing.assert_frame_equal(
            getattr(got_calibration, name), getattr(calibration, name), rtol=1e-12
        )
