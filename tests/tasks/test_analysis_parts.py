"""The review's analyses of customer-hash partitions, merged, equal those of the whole."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from functools import reduce

import pandas as pd
import pytest

from bench.data import extract_of
from csreview import demo
from csreview.frames import among
from csreview.settings import load_settings
from tasks import analysis_parts as ap
from tasks import compare, pdca, problem_parts, problems, qa, scorecard, staffing, surveys, themes
from tasks import kpis as k
from tasks.kpis import distributed
from tasks.playbook import load_playbook
from tasks.validate import check_rules
from tests.conftest import OCTOBER, ZONE

THEMES = themes.load_themes()
APPROVED = (
    {"action_id": "A1", "opened_in": "2026-09", "segment": "channel=phone;hour_band=08-12",
     "kpi": "service_level", "baseline": 0.5, "target": 0.9, "due_date": "2026-12-31"},
    {"action_id": "A2", "opened_in": "2026-09", "segment": "",
     "kpi": "frt_p90_seconds", "baseline": 60.0, "target": 30.0, "due_date": "2026-10-15"},
)  # fmt: skip


@pytest.fixture(scope="module")
def clean() -> dict[str, pd.DataFrame]:
    settings = load_settings()
    frames = demo.generate(demo.DemoSpec(OCTOBER, months=1, contacts_per_day=8))
    extract = extract_of(frames, OCTOBER, settings.zone, datetime(2026, 11, 23, tzinfo=UTC))
    return check_rules(extract, settings).clean


@pytest.fixture(scope="module")
def whole(clean: dict[str, pd.DataFrame]) -> ap.Analyses:
    """The single-machine steps' results."""
    settings = load_settings()
    facts = k.build_facts(clean, OCTOBER, settings, False)
    evaluations = clean["qa_evaluations"]
    in_period = evaluations[among(evaluations["contact_id"], facts.contacts["contact_id"])]
    return ap.Analyses(
        satisfaction=surveys.summarise_satisfaction(clean, facts.contacts),
        themes=themes.verbatim_themes(surveys.period_surveys(clean, facts.contacts), THEMES),
        sales=scorecard.sales_balance(facts),
        variances=compare.kpi_variances(facts),
        staffing=staffing.staffing_part(
            clean["contacts"], pd.Timestamp(OCTOBER.start(ZONE)), pd.Timestamp(OCTOBER.end(ZONE))
        ),
        problems=problem_parts.problems_part(facts, settings.targets),
        followups=pdca.follow_up(APPROVED, facts, settings, OCTOBER.end(ZONE).date()),
        calibration=qa.summarise_calibration(in_period, settings.qa_pass_mark),
    )


@pytest.fixture(scope="module")
def got(clean: dict[str, pd.DataFrame]) -> ap.Analyses:
    """The analyses of two customer partitions, merged and finished."""
    settings = load_settings()
    split = distributed.split_by_customer(clean, 2)
    return ap.finish(
        reduce(
            ap.merge_analyses,
            (
                ap.period_parts(p, OCTOBER, settings, False, THEMES, approved=APPROVED).analyses
                for p in split
            ),
        ),
        settings,
    )


def test_customer_partitions_give_the_analyses_of_the_whole(
    got: ap.Analyses, whole: ap.Analyses
) -> None:
    assert whole.satisfaction.comments > 10 and len(whole.themes) > 3  # something to merge
    pd.testing.assert_frame_equal(got.satisfaction.distribution, whole.satisfaction.distribution)
    assert got.satisfaction.nps == whole.satisfaction.nps
    assert got.satisfaction.comments == whole.satisfaction.comments
    pd.testing.assert_frame_equal(got.satisfaction.verbatims, whole.satisfaction.verbatims)
    pd.testing.assert_frame_equal(got.themes, whole.themes)
    pd.testing.assert_frame_equal(got.sales, whole.sales)
    assert got.variances.keys() == whole.variances.keys()
    for key, variance in whole.variances.items():
        assert math.isclose(got.variances[key], variance, rel_tol=1e-12), key
    assert whole.staffing.arrivals.sum() > 100 and whole.staffing.email_counts.sum() > 0
    for field in ("arrivals", "email_ages", "email_counts"):
        assert (getattr(got.staffing, field) == getattr(whole.staffing, field)).all(), field
    assert got.staffing.answered == whole.staffing.answered
    assert got.staffing.handle_seconds == pytest.approx(whole.staffing.handle_seconds, rel=1e-12)


def test_customer_partitions_give_the_problems_of_the_whole(
    got: ap.Analyses, whole: ap.Analyses
) -> None:
    settings, playbook = load_settings(), load_playbook(None)
    found = problems.problems_of(whole.problems, settings, playbook)
    assert len(found) >= 3  # something to merge
    assert repr(problems.problems_of(got.problems, settings, playbook)) == repr(found)


def test_customer_partitions_give_the_followups_and_calibration_of_the_whole(
    got: ap.Analyses, whole: ap.Analyses
) -> None:
    assert whole.followups["current"].notna().all()
    pd.testing.assert_frame_equal(got.followups, whole.followups)
    assert whole.calibration.contacts > 5 and whole.calibration.ai_minus_human is not None
    for name in ("contacts", "reviewers", "block_shape"):
        assert getattr(got.calibration, name) == getattr(whole.calibration, name), name
    for name in ("alpha", "icc", "ai_minus_human"):
        assert getattr(got.calibration, name) == pytest.approx(getattr(whole.calibration, name))
    for name in ("bias", "rubric", "kinds"):
        pd.testing.assert_frame_equal(
            getattr(got.calibration, name), getattr(whole.calibration, name), rtol=1e-12
        )
