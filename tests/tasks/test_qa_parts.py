"""QA calibration in parts: split by contact in any way, the merged parts give the figures
of the whole; each reviewer's kind is that of their earliest evaluation across parts."""

from __future__ import annotations

import math
from functools import reduce

import numpy as np
import pandas as pd
import pytest

from csreview import schema as s
from tasks import qa, qa_parts
from tests.tasks.test_qa import evaluation, qa_frame

PASS_MARK = 80.0


def evaluations() -> pd.DataFrame:
    """Twelve contacts: most scored by two or three of four reviewers, some by human and AI
    both; r4's first evaluation (e000) has no kind and its second (e001) is an AI's."""
    rows = [
        evaluation("c00", "r4", 70, kind=None),
        evaluation("c01", "r4", 88, kind="ai", attitude=4),
        evaluation("c01", "r1", 90, attitude=5, accuracy=4),
    ]
    rng = np.random.default_rng(19)
    for c in range(2, 12):
        reviewers = ["r1", "r2", "r3", "r4"][: 2 + c % 3]
        for r in reviewers:
            kind = "ai" if r == "r4" else "human"
            score = float(rng.integers(60, 100)) + 0.5 * (c % 2)
            critical = "true" if (c + len(r)) % 7 == 0 else None
            rows.append(evaluation(f"c{c:02d}", r, score, kind, critical, attitude=c % 5 + 1))
        if c % 4 == 0:  # scored twice by r1: one mean score
            rows.append(evaluation(f"c{c:02d}", "r1", 75.0, accuracy=3))
    return qa_frame(rows)


def split(frame: pd.DataFrame, how: int) -> list[pd.DataFrame]:
    """Three parts of FRAME, a contact's evaluations in one (the last part may be empty)."""
    number = frame[s.CONTACT_ID].str[1:].astype(int).to_numpy()
    labels = [number % 2, np.minimum(number // 4, 2), (number * 7 + 3) % 3][how]
    return [frame[labels == i] for i in range(3)]


@pytest.mark.parametrize("how", range(3))
def test_merged_parts_give_the_calibration_of_the_whole(how: int) -> None:
    frame = evaluations()
    whole = qa.summarise_calibration(frame, PASS_MARK)
    assert whole.contacts == 11 and whole.block_shape is not None  # something to merge
    assert whole.ai_minus_human is not None
    parts = [qa_parts.calibration_part(p, PASS_MARK) for p in split(frame, how)]
    for order in (parts, parts[::-1]):
        got = qa.finish_calibration(reduce(qa_parts.merge_calibration, order))
        assert (got.contacts, got.reviewers, got.block_shape) == (
            whole.contacts, whole.reviewers, whole.block_shape
        )  # fmt: skip
        for name in ("alpha", "icc", "ai_minus_human"):
            assert math.isclose(getattr(got, name), getattr(whole, name), rel_tol=1e-12), name
        for name in ("bias", "rubric", "kinds"):
            pd.testing.assert_frame_equal(getattr(got, name), getattr(whole, name), rtol=1e-12)


@pytest.mark.parametrize(("first_kind", "expected"), [(None, "ai"), ("human", "human")])
def test_a_reviewer_has_the_kind_of_their_earliest_evaluation_across_parts(
    first_kind: str | None, expected: str
) -> None:
    """r4's first evaluation (c00, e000) is in a part merged last: without a kind, the
    next (an AI's, in the other part) names r4; with one, it does, though merged last."""
    frame = evaluations()
    frame[s.REVIEWER_KIND] = frame[s.REVIEWER_KIND].where(
        frame[s.EVALUATION_ID] != "e000", first_kind
    )
    first, rest = frame[frame[s.CONTACT_ID] == "c00"], frame[frame[s.CONTACT_ID] != "c00"]
    merged = qa_parts.merge_calibration(
        qa_parts.calibration_part(rest, PASS_MARK), qa_parts.calibration_part(first, PASS_MARK)
    )
    whole = qa.calibration_scores(frame)
    assert (whole[whole[s.REVIEWER_ID] == "r4"][s.REVIEWER_KIND] == expected).all()
    got = qa.finish_calibration(merged).bias.set_index(s.REVIEWER_ID)[s.REVIEWER_KIND]
    assert got["r4"] == expected


def test_an_empty_part_changes_nothing() -> None:
    part = qa_parts.calibration_part(evaluations(), PASS_MARK)
    empty = qa_parts.calibration_part(evaluations().iloc[0:0], PASS_MARK)
    assert empty.scores.empty and empty.rubric.empty and empty.kinds.empty
    assert qa_parts.merge_calibration(empty, part) is part
    assert qa_parts.merge_calibration(part, empty) is part
