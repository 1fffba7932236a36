"""The problem list's counts in parts: added up in any split, they give the problem list
(and its incidents) of the whole, exactly."""

from __future__ import annotations

from functools import reduce

import numpy as np
import pandas as pd
import pytest

from csreview import facts as f
from csreview import schema as s
from csreview.settings import load_settings
from tasks import problem_parts as pp
from tasks import problems as pr
from tasks.playbook import load_playbook
from tests.tasks.fishbone.tiny import contacts

DAYS = [f"2026-10-{d:02d}" for d in range(1, 32)]


def centre() -> pd.DataFrame:
    """A month of a tiny centre: phone mornings meet the service level, chat evenings in
    billing miss it, e-mails miss half; complaints spike from 9 to 11 October at 10:00."""
    groups = []
    for day in DAYS:
        spike = day in ("2026-10-09", "2026-10-10", "2026-10-11")
        groups += [
            (60, {f.DATE: day}),
            (1 + 24 * spike, {f.DATE: day, f.HOUR: 10, f.HANDLED_COMPLAINT: 1}),
            (3, {f.DATE: day, s.CHANNEL: "chat", f.HOUR_BAND: "20-24", f.HOUR: 21,
                 s.CATEGORY: "billing", f.WITHIN_SL: 0}),
            (1, {f.DATE: day, s.CHANNEL: "chat", f.HOUR_BAND: "20-24", f.HOUR: 21}),
            (2, {f.DATE: day, s.CHANNEL: "email", f.WITHIN_SL: int(day < "2026-10-16")}),
        ]  # fmt: skip
    frame = contacts(*groups)
    return frame.assign(**{f.DATE: pd.Categorical(frame[f.DATE], categories=DAYS)})


def facts_of(frame: pd.DataFrame) -> f.Facts:
    empty = frame.iloc[0:0]
    return f.Facts(frame, empty, empty, empty, empty, fcr_provisional=False, months=(10,))


def parts_of(frame: pd.DataFrame, labels: np.ndarray) -> list[pp.ProblemsPart]:
    """The counts of each part of FRAME (rows labelled 0, 1, 2; part 2 may be empty)."""
    targets = load_settings().targets
    return [pp.problems_part(facts_of(frame[labels == i]), targets) for i in range(3)]


def splits(n: int) -> list[np.ndarray]:
    rng = np.random.default_rng(19)
    return [
        np.arange(n) % 2,  # alternate rows, a third part empty
        np.where(np.arange(n) < n // 3, 0, np.where(np.arange(n) < n // 2, 1, 2)),  # by days
        rng.integers(0, 3, n),
    ]


@pytest.mark.parametrize("split", range(3))
def test_merged_parts_give_the_problems_of_the_whole(split: int) -> None:
    frame = centre()
    settings, playbook = load_settings(), load_playbook(None)
    whole = pr.problem_list(facts_of(frame), settings, playbook)
    parts = parts_of(frame, splits(len(frame))[split])
    merged = reduce(pp.merge_problems, parts)
    # something worth merging: a pair segment, a named group, an incident with its hours
    segments = [p.segment for p in whole]
    assert ((s.CATEGORY, "billing"), (s.CHANNEL, "chat")) in segments
    assert ((f.CHANNEL_GROUP, f.QUEUED),) in segments
    incident = [p for p in whole if p.days]
    assert incident and incident[0].days == ("2026-10-09", "2026-10-10", "2026-10-11")
    assert incident[0].hours == (10, 11)
    assert repr(pr.problems_of(merged, settings, playbook)) == repr(whole)
    # merged in another order
    back = reduce(pp.merge_problems, parts[::-1])
    assert repr(pr.problems_of(back, settings, playbook)) == repr(whole)


def test_an_empty_part_changes_nothing() -> None:
    frame = centre()
    targets = load_settings().targets
    whole = pp.problems_part(facts_of(frame), targets)
    empty = pp.problems_part(facts_of(frame.iloc[0:0]), targets)
    assert empty.kinds == {}
    merged = pp.merge_problems(empty, whole)
    assert merged.kinds.keys() == whole.kinds.keys()
    for key, counted in whole.kinds.items():
        assert merged.kinds[key].tables.keys() == counted.tables.keys()
        for dims, table in counted.tables.items():
            pd.testing.assert_frame_equal(merged.kinds[key].tables[dims], table)


def test_a_segment_is_named_from_the_counts_as_from_the_rows() -> None:
    """Within the live group, a category every live contact is in is the group itself."""
    frame = centre()
    live = frame[frame[f.CHANNEL_GROUP] == f.LIVE]
    counted = pp.kind_part(live, pp.DEFECT_KINDS[0], pp.DRILL_DIMENSIONS[:3])
    for segment in [
        ((s.CATEGORY, "other"),),
        ((s.CHANNEL, "chat"), (f.HOUR_BAND, "20-24")),
        ((f.DATE, "2026-10-09/2026-10-11"),),
    ]:
        expected = pr.grouped_segment(live, len(frame), f.LIVE, segment)
        assert pr.part_segment(counted, len(frame), f.LIVE, segment) == expected
    assert counted.rows_in(f.DATE, "2026-10-09/2026-10-11") == 3 * (60 + 25 + 4)
