"""The review's analyses of customer-hash partitions, merged, equal those of the whole."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from functools import reduce

import pandas as pd
import pytest

from bench.data import extract_of
from csreview import demo
from csreview.settings import load_settings
from tasks import analysis_parts as ap
from tasks import compare, scorecard, staffing, surveys, themes
from tasks import kpis as k
from tasks.kpis import distributed
from tasks.validate import check_rules
from tests.conftest import OCTOBER, ZONE

THEMES = themes.load_themes()


@pytest.fixture(scope="module")
def clean() -> dict[str, pd.DataFrame]:
    settings = load_settings()
    frames = demo.generate(demo.DemoSpec(OCTOBER, months=1, contacts_per_day=8))
    extract = extract_of(frames, OCTOBER, settings.zone, datetime(2026, 11, 23, tzinfo=UTC))
    return check_rules(extract, settings).clean


@pytest.fixture(scope="module")
def whole(clean: dict[str, pd.DataFrame]) -> ap.Analyses:
    """The single-machine steps' results."""
    facts = k.build_facts(clean, OCTOBER, load_settings(), False)
    return ap.Analyses(
        satisfaction=surveys.summarise_satisfaction(clean, facts.contacts),
        themes=themes.verbatim_themes(surveys.period_surveys(clean, facts.contacts), THEMES),
        sales=scorecard.sales_balance(facts),
        variances=compare.kpi_variances(facts),
        staffing=staffing.staffing_part(
            clean["contacts"], pd.Timestamp(OCTOBER.start(ZONE)), pd.Timestamp(OCTOBER.end(ZONE))
        ),
    )


@pytest.mark.parametrize("parts", [2])
def test_customer_partitions_give_the_analyses_of_the_whole(
    clean: dict[str, pd.DataFrame], whole: ap.Analyses, parts: int
) -> None:
    settings = load_settings()
    split = distributed.split_by_customer(clean, parts)
    got = ap.finish(
        reduce(
            ap.merge_analyses,
            (ap.period_parts(p, OCTOBER, settings, False, THEMES).analyses for p in split),
        )
    )
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
