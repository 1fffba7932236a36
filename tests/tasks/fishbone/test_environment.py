"""Environment (环): contacts per scheduled agent-hour, Erlang C gaps, volume against the
previous period."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from csreview import facts as f
from csreview import schema as s
from tasks import compare
from tasks.fishbone import environment
from tasks.fishbone import review_data as rd
from tests.tasks.fishbone.tiny import (
    BILLING,
    IN_BILLING,
    contacts,
    details,
    review,
    run,
    verdict,
)

LOAD = pd.Series({9: 2.0, 20: 6.0, 21: 2.5})  # contacts per scheduled agent-hour by hour


@pytest.mark.parametrize(
    ("hour", "expected"),
    [
        (20, ("verified", "6.0 contacts per scheduled agent-hour in the segment vs 2.0 elsewhere (3.0×)")),
        (21, ("not_supported", "2.5 contacts per scheduled agent-hour in the segment vs 2.0 elsewhere (1.2×)")),
        (3, ("verified", "no agent is scheduled in the hours when the segment's 5 contacts arrive vs 2.0 contacts per scheduled agent-hour elsewhere")),
    ],
)  # fmt: skip
def test_agent_load(hour: int, expected: tuple[str, str]) -> None:
    frame = contacts((5, IN_BILLING | {f.HOUR: hour}), (5, {}))
    assert verdict(run(environment.agent_load, review(frame, load=LOAD))) == expected
    no_shifts = review(frame, load=LOAD, has_shifts=False)
    assert run(environment.agent_load, no_shifts).verdict == "not_testable"


@pytest.mark.parametrize(
    ("short", "expected"),
    [
        (8, ("verified", "80% of the segment's phone and chat contacts arrived in intervals with fewer agents scheduled than Erlang C requires vs 10% elsewhere")),
        (3, ("not_supported", "30% of the segment's phone and chat contacts arrived in intervals with fewer agents scheduled than Erlang C requires vs 10% elsewhere")),
    ],
)  # fmt: skip
def test_erlang_c_gaps(short: int, expected: tuple[str, str]) -> None:
    frame = contacts((10, IN_BILLING), (10, {}))
    flags = [True] * short + [False] * (10 - short) + [True] + [False] * 9
    data = review(frame, details=details(frame, **{rd.UNDERSTAFFED: pd.array(flags, "boolean")}))
    assert verdict(run(environment.erlang_gaps, data)) == expected
    assert run(environment.erlang_gaps, review(frame, has_staffing=False)).verdict == "not_testable"
    assert run(environment.erlang_gaps, review(frame)).verdict == "not_testable"  # no live contact


def previous_volumes(billing: float) -> pd.DataFrame:
    rows = [("contacts", "category", "billing", billing), ("contacts", "all", "all", 20.0)]
    return pd.DataFrame(
        [
            {f.KPI: kpi, f.DIMENSION: d, f.SEGMENT: seg, f.VALUE: v, f.NUMERATOR: v,
             f.DENOMINATOR: math.nan, compare.VARIANCE: math.nan}
            for kpi, d, seg, v in rows
        ],
        columns=list(compare.HISTORY_COLUMNS),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        (10.0, ("verified", "15 contacts (15.0 a day) vs 10 (10.0 a day) in 2026-08: +50% a day (whole centre +0%)")),
        (14.0, ("not_supported", "15 contacts (15.0 a day) vs 14 (14.0 a day) in 2026-08: +7% a day (whole centre +0%)")),
    ],
)  # fmt: skip
def test_volume_spike_against_the_previous_period(before: float, expected: tuple[str, str]) -> None:
    frame = contacts((15, IN_BILLING), (5, {}))
    data = review(frame, previous=previous_volumes(before), days=1.0, previous_days=1.0)
    assert verdict(run(environment.volume_spike, data)) == expected


def test_volume_spike_needs_the_previous_review_of_a_one_dimension_segment() -> None:
    frame = contacts((15, IN_BILLING), (5, {}))
    assert verdict(run(environment.volume_spike, review(frame))) == (
        "not_testable",
        "the previous period 2026-08 was not reviewed, so there is no volume to compare",
    )
    pair = (*BILLING, (s.CHANNEL, "phone"))
    data = review(frame, previous=previous_volumes(10.0))
    assert run(environment.volume_spike, data, segment=pair).verdict == "not_testable"
