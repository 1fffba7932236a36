"""QA calibration: published golden values (Krippendorff 2011, Shrout & Fleiss 1979) and tiny
frames worked out by hand."""

from __future__ import annotations

import math
from collections.abc import Callable

import krippendorff
import numpy as np
import pandas as pd
import pytest

from csreview import schema as s
from tasks import qa
from tasks.extract import parse_table
from tests.conftest import ZONE, typed_frames


def evaluation(
    contact: str,
    reviewer: str,
    score: float | None,
    kind: str | None = "human",
    critical: str | None = None,
    **items: float,
) -> dict[str, object]:
    """One raw evaluation row (text values, as read); rubric items by name."""
    row: dict[str, object] = {
        s.CONTACT_ID: contact,
        s.AGENT_ID: "A1",
        s.REVIEWER_ID: reviewer,
        s.REVIEWER_KIND: kind,
        s.SCORE: None if score is None else str(score),
        s.CRITICAL_ERROR: critical,
    }
    row.update({item: str(value) for item, value in items.items()})
    return row


def qa_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """A clean qa_evaluations frame typed by the product's own parser."""
    raw = pd.DataFrame(
        [
            {
                s.EVALUATION_ID: f"e{i:03d}",
                s.EVALUATED_AT: f"2026-10-06 10:{i % 60:02d}:00",
                **row,
            }
            for i, row in enumerate(rows)
        ],
        columns=list(s.QA_EVALUATIONS.column_names),
    ).astype("object")
    return parse_table(s.QA_EVALUATIONS, raw, ZONE)


def empty_frame() -> pd.DataFrame:
    return qa_frame([])


# ---------------------------------------------------------------- golden: Krippendorff 2011
# Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", 4 observers × 12 units
NAN = math.nan
CLASSIC = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    "C": [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
}


def classic_frame() -> pd.DataFrame:
    return qa_frame(
        [
            evaluation(f"u{unit + 1:02d}", observer, value)
            for observer, values in CLASSIC.items()
            for unit, value in enumerate(values)
            if not math.isnan(value)
        ]
    )


def test_krippendorff_classic_interval() -> None:
    assert qa.krippendorff_alpha(classic_frame()) == pytest.approx(0.849, abs=5e-4)


def test_krippendorff_classic_nominal_with_the_package() -> None:
    data = np.array(list(CLASSIC.values()), dtype="float64")
    nominal = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert nominal == pytest.approx(0.743, abs=5e-4)


def test_classic_calibration_contacts() -> None:
    # unit 12 was coded by B only: not a calibration contact
    scores = qa.calibration_scores(classic_frame())
    assert scores[s.CONTACT_ID].nunique() == 11
    assert "u12" not in set(scores[s.CONTACT_ID])
    assert list(scores.columns) == list(qa.CALIBRATION_COLUMNS)


# ---------------------------------------------------------------- golden: Shrout & Fleiss 1979
# Shrout & Fleiss (1979), Table 2 (6 targets × 4 judges) and Table 4
SHROUT_FLEISS = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
    dtype="float64",
)


@pytest.mark.parametrize(
    ("icc", "expected"), [(qa.icc_1_1, 0.17), (qa.icc_2_1, 0.29), (qa.icc_3_1, 0.71)]
)
def test_shrout_fleiss_table_4(icc: Callable[[np.ndarray], float], expected: float) -> None:
    assert round(icc(SHROUT_FLEISS), 2) == expected


def test_icc_does_not_change_its_input() -> None:
    ratings = SHROUT_FLEISS.copy()
    qa.icc_2_1(ratings)
    np.testing.assert_array_equal(ratings, SHROUT_FLEISS)


def test_icc_degenerate_input() -> None:
    assert math.isnan(qa.icc_2_1(np.full((3, 2), 80.0)))
    with pytest.raises(ValueError, match="missing"):
        qa.icc_2_1(np.array([[1.0, NAN], [2.0, 3.0]]))
    with pytest.raises(ValueError, match="matrix"):
        qa.icc_2_1(np.array([[1.0, 2.0]]))


# ---------------------------------------------------------------- bias
def bias_frame() -> pd.DataFrame:
    return qa_frame(
        [
            evaluation("c1", "R1", 80),
            evaluation("c1", "R2", 70),
            evaluation("c1", "R3", 60, kind="ai"),
            evaluation("c2", "R1", 90),
            evaluation("c2", "R2", 85),
            evaluation("c2", "R2", 95),  # R2 scored c2 twice: counts once, as 90
            evaluation("c2", "R3", 75, kind="ai"),
            evaluation("c3", "R1", 50),  # one reviewer only: not a calibration contact
        ]
    )


def test_calibration_scores_average_a_reviewers_repeated_scores() -> None:
    scores = qa.calibration_scores(bias_frame())
    assert set(scores[s.CONTACT_ID]) == {"c1", "c2"}
    r2_c2 = scores[(scores[s.CONTACT_ID] == "c2") & (scores[s.REVIEWER_ID] == "R2")]
    assert r2_c2[s.SCORE].tolist() == [90.0]
    assert r2_c2[qa.EVALUATIONS].tolist() == [2]
    assert len(scores) == 6


def test_reviewer_bias_leave_one_out() -> None:
    # c1 (80, 70, 60): R1 80 − (70+60)/2 = +15   R2 70 − (80+60)/2 = 0    R3 60 − (80+70)/2 = −15
    # c2 (90, 90, 75): R1 90 − (90+75)/2 = +7.5  R2 90 − (90+75)/2 = +7.5 R3 75 − (90+90)/2 = −15
    # bias: R1 (15 + 7.5)/2 = 11.25, R2 (0 + 7.5)/2 = 3.75, R3 −15; sorted by |bias|
    bias = qa.reviewer_bias(bias_frame())
    assert list(bias.columns) == list(qa.BIAS_COLUMNS)
    assert bias[s.REVIEWER_ID].tolist() == ["R3", "R1", "R2"]
    assert bias[s.REVIEWER_KIND].tolist() == ["ai", "human", "human"]
    assert bias[qa.N].tolist() == [2, 2, 2]
    assert bias[qa.BIAS].tolist() == pytest.approx([-15.0, 11.25, 3.75])
    assert bias[qa.MEAN_ABS_DEVIATION].tolist() == pytest.approx([15.0, 11.25, 3.75])


def test_tiny_centre_has_one_calibration_contact() -> None:
    # conftest: c1 scored by R1 (90) and R2 (70); c2 and c5 by R1 only
    evaluations = typed_frames()[s.QA_EVALUATIONS.name]
    bias = qa.reviewer_bias(evaluations)
    assert bias[s.REVIEWER_ID].tolist() == ["R1", "R2"]  # |bias| tie: by reviewer_id
    assert bias[qa.BIAS].tolist() == pytest.approx([20.0, -20.0])
    assert bias[s.REVIEWER_KIND].tolist() == ["human", "human"]  # R1's first evaluation
    assert qa.krippendorff_alpha(evaluations) is None  # a single calibration contact
    assert qa.complete_block(evaluations) is None


# ---------------------------------------------------------------- complete block
def test_complete_block_prefers_more_contacts_then_reviewers_then_ids() -> None:
    # R1 & R2 share c1–c4, R2 & R3 share c1–c3 and c5 (4 each), R1 & R3 share c1–c3 (3):
    # the tie of 4 contacts × 2 reviewers goes to (R1, R2), the first sorted id tuple
    rows = [
        evaluation(c, r, 70 + i)
        for i, c in enumerate(["c1", "c2", "c3"])
        for r in ["R1", "R2", "R3"]
    ]
    rows += [evaluation("c4", "R1", 60), evaluation("c4", "R2", 65)]
    rows += [evaluation("c5", "R2", 90), evaluation("c5", "R3", 80)]
    block = qa.complete_block(qa_frame(rows))
    assert block is not None
    assert block.index.tolist() == ["c1", "c2", "c3", "c4"]
    assert block.columns.tolist() == ["R1", "R2"]
    assert block.loc["c4"].tolist() == [60.0, 65.0]
    assert not block.isna().any().any()


def test_complete_block_keeps_every_reviewer_of_a_session() -> None:
    # c1–c3 scored by R1, R2, R3: every pair shares 3 contacts, the 3-reviewer block wins;
    # c4 scored by R1 and R4 only does not enter it
    rows = [
        evaluation(c, r, score)
        for c, scores in {"c1": (70, 80, 75), "c2": (60, 65, 50), "c3": (90, 95, 85)}.items()
        for r, score in zip(["R1", "R2", "R3"], scores, strict=True)
    ]
    rows += [evaluation("c4", "R1", 60), evaluation("c4", "R4", 65)]
    frame = qa_frame(rows)
    block = qa.complete_block(frame)
    assert block is not None
    assert block.shape == (3, 3)
    assert block.columns.tolist() == ["R1", "R2", "R3"]
    summary = qa.summarise_calibration(frame, pass_mark=60)
    assert summary.block_shape == (3, 3)
    assert summary.icc == pytest.approx(qa.icc_2_1(block.to_numpy()))
    assert summary.contacts == 4
    assert summary.reviewers == 4


def test_complete_block_needs_two_contacts() -> None:
    frame = qa_frame([evaluation("c1", "R1", 80), evaluation("c1", "R2", 70)])
    assert qa.complete_block(frame) is None
    assert qa.summarise_calibration(frame, pass_mark=60).icc is None


# ---------------------------------------------------------------- rubric
def test_rubric_averages_ignore_missing_items() -> None:
    frame = qa_frame(
        [
            evaluation("c1", "R1", 80, attitude=4),
            evaluation("c2", "R1", 60, attitude=2, accuracy=3),
            evaluation("c3", "AI", 90, kind="ai", accuracy=5),
            evaluation("c4", "R9", 70, kind=None, attitude=1),
        ]
    )
    rubric = qa.rubric_averages(frame)
    assert list(rubric.columns) == list(qa.RUBRIC_COLUMNS)
    assert rubric[s.REVIEWER_KIND].unique().tolist() == ["all", "human", "ai"]
    assert len(rubric) == 3 * len(qa.RUBRIC_ROWS)
    table = rubric.set_index([s.REVIEWER_KIND, qa.ITEM])

    def cell(kind: str, item: str) -> tuple[float, int]:
        return float(table.loc[(kind, item), qa.MEAN]), int(table.loc[(kind, item), qa.N])

    assert cell("all", s.SCORE) == (75.0, 4)  # (80 + 60 + 90 + 70) / 4
    assert cell("all", "attitude") == pytest.approx((7 / 3, 3))  # (4 + 2 + 1) / 3
    assert cell("all", "accuracy") == (4.0, 2)  # (3 + 5) / 2
    assert cell("human", "attitude") == (3.0, 2)
    assert cell("human", "accuracy") == (3.0, 1)
    assert cell("ai", "accuracy") == (5.0, 1)
    mean, n = cell("ai", "attitude")
    assert math.isnan(mean) and n == 0  # no value: NaN, not 0
    mean, n = cell("all", "compliance")
    assert math.isnan(mean) and n == 0


# ---------------------------------------------------------------- human vs AI
def test_human_vs_ai() -> None:
    frame = qa_frame(
        [
            evaluation("c1", "R1", 80),
            evaluation("c1", "R2", 70),
            evaluation("c1", "AI", 90, kind="ai"),
            evaluation("c2", "R1", 50),  # fails: 50 < 60
            evaluation("c2", "AI", 55, kind="ai"),  # fails: 55 < 60
            evaluation("c3", "AI", 85, kind="ai", critical="1"),  # fails: critical error
            evaluation("c4", "R2", 65, critical=None),  # null critical error counts as false
        ]
    )
    kinds = qa.human_vs_ai(frame, pass_mark=60).set_index(s.REVIEWER_KIND)
    assert list(kinds.reset_index().columns) == list(qa.KIND_COLUMNS)
    assert kinds.index.tolist() == ["human", "ai"]
    assert kinds[qa.EVALUATIONS].tolist() == [4, 3]
    assert kinds[qa.MEAN_SCORE].tolist() == pytest.approx([66.25, 230 / 3])
    assert kinds[qa.FAILED].tolist() == [1, 2]
    assert kinds[qa.FAIL_RATE].tolist() == pytest.approx([0.25, 2 / 3])
    # paired contacts c1 (human mean 75, ai 90: +15) and c2 (human 50, ai 55: +5)
    assert kinds[qa.PAIRED_CONTACTS].tolist() == [2, 2]
    assert kinds[qa.PAIRED_MEAN_SCORE].tolist() == pytest.approx([62.5, 72.5])
    assert qa.ai_minus_human(frame) == pytest.approx(10.0)
    assert qa.summarise_calibration(frame, pass_mark=60).ai_minus_human == pytest.approx(10.0)


def test_human_vs_ai_without_pairs() -> None:
    frame = qa_frame([evaluation("c1", "R1", 80), evaluation("c2", "AI", 70, kind="ai")])
    kinds = qa.human_vs_ai(frame, pass_mark=60)
    assert kinds[qa.PAIRED_CONTACTS].tolist() == [0, 0]
    assert kinds[qa.PAIRED_MEAN_SCORE].isna().all()
    assert qa.ai_minus_human(frame) is None


# ---------------------------------------------------------------- edge cases
def test_empty_frame() -> None:
    frame = empty_frame()
    assert qa.calibration_scores(frame).empty
    assert list(qa.reviewer_bias(frame).columns) == list(qa.BIAS_COLUMNS)
    assert qa.reviewer_bias(frame).empty
    assert qa.krippendorff_alpha(frame) is None
    assert qa.complete_block(frame) is None
    assert qa.rubric_averages(frame).empty
    assert list(qa.rubric_averages(frame).columns) == list(qa.RUBRIC_COLUMNS)
    assert qa.human_vs_ai(frame, 60).empty
    assert list(qa.human_vs_ai(frame, 60).columns) == list(qa.KIND_COLUMNS)
    assert qa.ai_minus_human(frame) is None
    summary = qa.summarise_calibration(frame, pass_mark=60)
    assert (summary.contacts, summary.reviewers) == (0, 0)
    assert (summary.alpha, summary.icc, summary.block_shape) == (None, None, None)


def test_single_reviewer_has_no_calibration() -> None:
    frame = qa_frame(
        [evaluation("c1", "R1", 80), evaluation("c1", "R1", 60), evaluation("c2", "R1", 70)]
    )
    assert qa.calibration_scores(frame).empty
    assert qa.reviewer_bias(frame).empty
    assert qa.krippendorff_alpha(frame) is None
    assert qa.complete_block(frame) is None
    summary = qa.summarise_calibration(frame, pass_mark=60)
    assert (summary.contacts, summary.reviewers, summary.alpha) == (0, 0, None)
    assert summary.kinds[qa.EVALUATIONS].tolist() == [3]


def test_no_variance() -> None:
    frame = qa_frame([evaluation(c, r, 80) for c in ("c1", "c2") for r in ("R1", "R2")])
    assert qa.krippendorff_alpha(frame) is None
    summary = qa.summarise_calibration(frame, pass_mark=60)
    assert summary.block_shape == (2, 2)
    assert summary.icc is None
    assert summary.bias[qa.BIAS].tolist() == [0.0, 0.0]


def test_rows_without_score_or_reviewer_are_ignored() -> None:
    frame = qa_frame(
        [
            evaluation("c1", "R1", 80),
            evaluation("c1", "R2", None),
            evaluation("c2", "R1", 70),
            evaluation("c2", "R2", 60),
        ]
    )
    assert qa.calibration_scores(frame)[s.CONTACT_ID].tolist() == ["c2", "c2"]


def test_inputs_are_not_mutated() -> None:
    frame = bias_frame()
    before = frame.copy()
    qa.summarise_calibration(frame, pass_mark=60)
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_closed_form_alpha_equals_the_krippendorff_package(seed: int) -> None:
    rng = np.random.default_rng(seed)
    data = rng.integers(50, 100, size=(4, 30)).astype(float)
    data[rng.random(data.shape) < 0.3] = np.nan
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="interval")
    reviewers, units = np.nonzero(~np.isnan(data))
    got = qa.interval_alpha(pd.Series(units), pd.Series(data[reviewers, units]))
    assert got == pytest.approx(expected, abs=1e-12)
