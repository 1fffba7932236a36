"""Measurement (测): QA reviewers who disagree, survey response, quarantined rows."""

from __future__ import annotations

import pandas as pd
import pytest

from csreview import schema as s
from tasks.fishbone import measurement
from tasks.fishbone import review_data as rd
from tests.tasks.fishbone.tiny import (
    BASE_ROW,
    IN_BILLING,
    contacts,
    review,
    run,
    verdict,
)


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        (95.0, ("verified", "reviewers scoring the same contact differ by 15.0 points on average (target ≤ 9)")),
        (83.0, ("not_supported", "reviewers scoring the same contact differ by 3.0 points on average (target ≤ 9)")),
    ],
)  # fmt: skip
def test_qa_reviewer_disagreement(second: float, expected: tuple[str, str]) -> None:
    frame = contacts((5, IN_BILLING))
    qa = pd.DataFrame(
        [
            BASE_ROW | {s.CONTACT_ID: "c1", s.REVIEWER_ID: "R1", s.SCORE: 80.0},
            BASE_ROW | {s.CONTACT_ID: "c1", s.REVIEWER_ID: "R2", s.SCORE: second},
            BASE_ROW | {s.CONTACT_ID: "c2", s.REVIEWER_ID: "R1", s.SCORE: 60.0},  # one reviewer
        ]
    )
    data = review(frame, qa=qa)
    assert verdict(run(measurement.qa_disagreement, data, kpi="qa_fail_rate")) == expected
    assert run(measurement.qa_disagreement, data).verdict == "not_testable"  # a complaint problem


@pytest.mark.parametrize(
    ("answered", "expected"),
    [
        (1, ("verified", "survey response 5.0% in the segment vs 30.0% elsewhere")),
        (5, ("not_supported", "survey response 25.0% in the segment vs 30.0% elsewhere")),
    ],
)
def test_survey_response(answered: int, expected: tuple[str, str]) -> None:
    frame = contacts((20, IN_BILLING), (20, {}))
    surveys = pd.DataFrame([BASE_ROW | IN_BILLING] * answered + [BASE_ROW] * 6)
    assert verdict(run(measurement.survey_response, review(frame, surveys=surveys))) == expected


def rejected(in_segment: int, elsewhere: int, unplaced: int) -> dict[str, pd.DataFrame]:
    placed = [BASE_ROW | IN_BILLING] * in_segment + [BASE_ROW] * elsewhere
    rows = pd.DataFrame(placed).assign(**{rd.PLACED: True})
    lost = pd.DataFrame({rd.PLACED: [False] * unplaced})
    empty = pd.DataFrame(columns=[*BASE_ROW, rd.PLACED])
    return {"contacts": pd.concat([rows, lost], ignore_index=True), "surveys": empty, "qa": empty}


@pytest.mark.parametrize(
    ("quarantined", "expected"),
    [
        # 12 of 112 rows = 10.7 %, elsewhere 1 of 101 = 1.0 %
        (12, ("verified", "12 of the segment's customer contacts were quarantined (10.7%) vs 1.0% elsewhere; 2 more quarantined rows could not be placed in a segment")),
        # 5 rows (4.8 %) are fewer than the 10 a cause needs
        (5, ("not_supported", "5 of the segment's customer contacts were quarantined (4.8%) vs 1.0% elsewhere; 2 more quarantined rows could not be placed in a segment")),
    ],
)  # fmt: skip
def test_data_quality(quarantined: int, expected: tuple[str, str]) -> None:
    frame = contacts((100, IN_BILLING), (100, {}))
    data = review(frame, rejected=rejected(quarantined, 1, 2))
    assert verdict(run(measurement.data_quality, data)) == expected
    assert run(measurement.data_quality, review(frame)).verdict == "not_testable"
