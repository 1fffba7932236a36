"""The problem list: segment excess counted as a groupby would, and the trend in a problem's
priority worked out by hand."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from csreview import facts as f
from csreview import schema as s
from csreview.settings import load_settings
from tasks import compare
from tasks import problem_parts as pp
from tasks import problems as pr
from tasks.fishbone.defects import KINDS_BY_KPI
from tasks.playbook import load_playbook
from tests.tasks.fishbone.tiny import contacts

EVENING = ((f.HOUR_BAND, "20-24"),)
SERVICE_LEVEL = KINDS_BY_KPI["service_level"]
FACTORS = {"worse": 1.5, "better": 0.75}


def history(kpi: str, numerator: float, denominator: float, segment: str = "20-24") -> pd.DataFrame:
    row = {
        f.KPI: kpi, f.DIMENSION: f.HOUR_BAND, f.SEGMENT: segment,
        f.VALUE: numerator / denominator, f.NUMERATOR: numerator, f.DENOMINATOR: denominator,
        compare.VARIANCE: math.nan,
    }  # fmt: skip
    return pd.DataFrame([row], columns=list(compare.HISTORY_COLUMNS))


# ---------------------------------------------------------------- segment excess
def _counted(channel: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            s.CHANNEL: channel,
            f.HOUR_BAND: pd.Categorical(
                ["08-12", "20-24", "20-24", "20-24", None, "08-12"],
                categories=["00-08", "08-12", "20-24"],  # "00-08" never met
            ),
            f.COUNTED: [1, 1, 1, 1, 1, 0],
            f.WITHIN_SL: [1, 0, 0, 1, 1, 0],
        }
    )


@pytest.mark.parametrize(
    "channel",
    [
        pd.Series(["voice", "voice", "chat", "voice", "chat", None]),
        pd.Series(["voice", "voice", "chat", "voice", "chat", None], dtype="category"),
    ],
)
@pytest.mark.parametrize("dims", [(s.CHANNEL,), (f.HOUR_BAND,), (f.HOUR_BAND, s.CHANNEL)])
def test_segment_excess_is_the_grouped_sum_of_defects(
    channel: pd.Series, dims: tuple[str, ...]
) -> None:
    """Counted with codes and bincount, as a groupby counts it: segments met in the data,
    in groupby's order, a row without a segment in the totals only."""
    frame = _counted(channel)
    counts = pp.defect_counts(frame, SERVICE_LEVEL, [s.CHANNEL, f.HOUR_BAND])
    found = pr.segment_excess(counts, 0.2, dims, min_base=0)
    grouped = (
        frame.assign(d=frame[f.COUNTED] - frame[f.WITHIN_SL])
        .groupby(list(dims), observed=True)[["d", f.COUNTED]]
        .sum()
    )
    assert [tuple(map(str, i)) if len(dims) > 1 else (str(i),) for i in found.index] == [
        tuple(map(str, i)) if len(dims) > 1 else (str(i),) for i in grouped.index
    ]
    assert found["defects"].tolist() == grouped["d"].tolist()
    assert found["base"].tolist() == grouped[f.COUNTED].tolist()
    # 2 misses in 5 counted contacts, both in the evening's 3; none in the other 2
    if dims == (f.HOUR_BAND,):
        evening = found.loc["20-24"]
        assert (evening["defects"], evening["base"], evening["rest_rate"]) == (2, 3, 0.0)
        assert evening["excess"] == pytest.approx(2 - 0.2 * 3)
        assert evening["share"] == 1.0


def test_segment_excess_keeps_segments_with_the_minimum_base_only() -> None:
    counts = pp.defect_counts(_counted(pd.Series(["v"] * 6)), SERVICE_LEVEL, [f.HOUR_BAND])
    assert list(pr.segment_excess(counts, 0.2, (f.HOUR_BAND,), min_base=2).index) == ["20-24"]


@pytest.mark.parametrize("dims", [(s.CHANNEL,), (f.HOUR_BAND, s.CHANNEL), (s.CHANNEL, f.HOUR_BAND)])
def test_segments_summed_from_the_cube_equal_those_summed_over_the_rows(
    dims: tuple[str, ...],
) -> None:
    """Whole-number counts are summed once per combination of all the segments: every
    segmentation then equals the one summed row by row, in the same order."""
    channel = pd.Series(["voice", "voice", "chat", "voice", "chat", None], dtype="category")
    counts = pp.defect_counts(_counted(channel), SERVICE_LEVEL, [f.HOUR_BAND, s.CHANNEL])
    assert counts.cube is not None and counts.cube[0].sum() == 6  # every row, once
    by_rows = dataclasses.replace(counts, cube=None)
    found = pr.segment_excess(counts, 0.2, dims, min_base=0)
    pd.testing.assert_frame_equal(found, pr.segment_excess(by_rows, 0.2, dims, min_base=0))
    assert found["defects"].dtype == np.int64


def test_a_category_never_met_is_no_segment() -> None:
    """A categorical's own codes are read: its unmet category "00-08" is in no row."""
    counts = pp.defect_counts(_counted(pd.Series(["v"] * 6)), SERVICE_LEVEL, [f.HOUR_BAND])
    assert list(counts.labels[f.HOUR_BAND]) == ["00-08", "08-12", "20-24"]
    assert list(pr.segment_excess(counts, 0.2, (f.HOUR_BAND,), min_base=0).index) == [
        "08-12",
        "20-24",
    ]


# ---------------------------------------------------------------- trend
@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        # now 60 misses of 100; before SL 80/100 → 20 misses: z = 5.8 → worse
        (80, 100, pr.Trend("worse", 0.8, 1.5)),
        # before SL 10/100 → 90 misses: better
        (10, 100, pr.Trend("better", 0.1, 0.75)),
        # before 41/100 → 59 misses: pooled 0.595, z = 0.14, p = 0.89
        (41, 100, pr.Trend("no_change", 0.41, 1.0)),
        (16, 20, pr.Trend("low_sample", 0.8, 1.0)),
    ],
)
def test_trend_of_a_problem_against_the_previous_period(
    numerator: float, denominator: float, expected: pr.Trend
) -> None:
    before = history("service_level", numerator, denominator)
    trend = pr.segment_trend(SERVICE_LEVEL, EVENING, 60, 100, before, 30, FACTORS)
    assert trend == expected


def test_without_an_earlier_figure_the_trend_is_neutral() -> None:
    before = history("service_level", 80, 100)
    pair = (*EVENING, (s.CHANNEL, "chat"))
    assert pr.segment_trend(SERVICE_LEVEL, EVENING, 60, 100, None, 30, FACTORS) == pr.Trend("na")
    assert pr.segment_trend(SERVICE_LEVEL, pair, 60, 100, before, 30, FACTORS).verdict == "na"
    other = history("abandon_rate", 5, 100)
    assert pr.segment_trend(SERVICE_LEVEL, EVENING, 60, 100, other, 30, FACTORS).verdict == "na"


def evening_facts() -> f.Facts:
    """40 evening contacts, 20 of them missing the service level, split over two categories
    and two channels (so no two-dimension segment wins); 60 daytime contacts, none missed."""
    groups = [
        (n, {f.HOUR_BAND: "20-24", s.CATEGORY: category, s.CHANNEL: channel, f.WITHIN_SL: sl})
        for category in ("billing", "returns")
        for channel in ("phone", "chat")
        for n, sl in ((5, 0), (5, 1))
    ]
    frame = contacts(*groups, (60, {}))
    empty = frame.iloc[0:0]
    return f.Facts(frame, empty, empty, empty, empty, fcr_provisional=False)


def test_a_worse_trend_raises_the_priority_and_shows_in_the_problem_list() -> None:
    # evening: 20 misses of 40 against a 20 % allowance → 12 excess, weight 1; before
    # 36 of 40 met it (4 misses): worse, ×1.5
    settings, playbook = load_settings(), load_playbook(None)
    facts = evening_facts()
    neutral = pr.problem_list(facts, settings, playbook)[0]
    assert (neutral.segment, neutral.trend) == (EVENING, "na")
    assert neutral.priority == pytest.approx(12.0)
    before = history("service_level", 36, 40)
    worse = pr.problem_list(facts, settings, playbook, before)[0]
    assert (worse.trend, worse.previous) == ("worse", 0.9)
    assert worse.priority == pytest.approx(18.0)


def test_a_segment_label_is_what_the_csv_and_the_store_keep() -> None:
    assert pr.segment_label((*EVENING, (s.CHANNEL, "chat"))) == "hour_band=20-24;channel=chat"


LIVE = ((f.CHANNEL_GROUP, "live"),)


def test_a_one_channel_centre_failing_everywhere_shows_its_problem_once() -> None:
    # 40 phone calls, 30 beyond the service level: channel phone = group live = the centre
    frame = contacts((30, {f.WITHIN_SL: 0}), (10, {}))
    empty = frame.iloc[0:0]
    facts = f.Facts(frame, empty, empty, empty, empty, fcr_provisional=False)
    found = pr.problem_list(facts, load_settings(), load_playbook(None))
    service = [p for p in found if p.kpi == "service_level"]
    assert [(p.segment, p.group, p.target) for p in service] == [(LIVE, "live", 0.80)]
    assert (service[0].defects, service[0].base, service[0].excess) == (30, 40, 22.0)


def test_live_and_queued_are_judged_apart_with_their_own_targets() -> None:
    # phone: 10 of 40 miss (25 %, live allows 20 %: 2 excess); e-mail: 20 of 40 miss
    # (queued allows 20 %: 12 excess); one all-channel target would blur them
    frame = contacts(
        (10, {f.WITHIN_SL: 0}),
        (30, {}),
        (20, {s.CHANNEL: "email", f.WITHIN_SL: 0}),
        (20, {s.CHANNEL: "email"}),
    )
    empty = frame.iloc[0:0]
    facts = f.Facts(frame, empty, empty, empty, empty, fcr_provisional=False)
    found = pr.problem_list(facts, load_settings(), load_playbook(None))
    service = {p.group: p for p in found if p.kpi == "service_level"}
    # each group is one channel here, so the group names it
    assert service["live"].segment == LIVE
    assert service["live"].excess == pytest.approx(2.0)
    assert service["queued"].segment == ((f.CHANNEL_GROUP, "queued"),)
    assert service["queued"].excess == pytest.approx(12.0)


@pytest.mark.parametrize(
    ("centre", "segment", "expected"),
    [
        # the group holds phone and chat in two time bands; the centre has e-mails too
        (60, ((f.HOUR_BAND, "20-24"),), (*LIVE, (f.HOUR_BAND, "20-24"))),
        (60, ((s.CHANNEL, "chat"), (f.HOUR_BAND, "20-24")), ((s.CHANNEL, "chat"), (f.HOUR_BAND, "20-24"))),
        (60, ((s.CATEGORY, "other"),), LIVE),  # every contact of the group: the group itself
        (60, ((s.CATEGORY, "other"), (f.HOUR_BAND, "20-24")), (*LIVE, (f.HOUR_BAND, "20-24"))),
        # the group is the whole centre: no need to name it
        (40, ((f.HOUR_BAND, "20-24"),), ((f.HOUR_BAND, "20-24"),)),
        (40, ((s.CATEGORY, "other"),), LIVE),
    ],
)  # fmt: skip
def test_a_segment_is_named_once_by_its_most_general_name(
    centre: int, segment: pr.Segment, expected: pr.Segment
) -> None:
    group = contacts((20, {f.HOUR_BAND: "20-24"}), (10, {s.CHANNEL: "chat"}), (10, {}))
    assert pr.grouped_segment(group, centre, "live", segment) == expected
    assert pr.grouped_segment(group, centre, "", segment) == segment


def test_an_incident_is_a_problem_with_its_dates_ranked_by_excess_over_usual_days() -> None:
    from tests.tasks.test_incidents import month

    frame = month({"2026-10-09": 20, "2026-10-10": 18, "2026-10-11": 22})
    playbook = load_playbook(None)
    kind = KINDS_BY_KPI["complaint_rate"]
    counted = pp.kind_part(frame, kind, ())
    (found,) = pr.incident_problems(counted, kind, "", len(frame), 0.03, load_settings(), playbook)
    assert found["segment"] == ((f.DATE, "2026-10-09/2026-10-11"),)
    assert (found["defects"], found["base"], found["days"]) == (
        60, 180, ("2026-10-09", "2026-10-10", "2026-10-11")
    )  # fmt: skip
    assert found["value"] == pytest.approx(60 / 180)
    assert found["baseline"] == pytest.approx(2 / 60)  # the usual day, not the target
    # 54 complaints over the usual 6, at the complaint weight 3
    assert found["priority"] == pytest.approx(54 * 3.0)
    assert found["defect_share"] == pytest.approx(60 / (60 + 28 * 2))
