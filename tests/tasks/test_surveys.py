from __future__ import annotations

import pandas as pd
import pytest

from tasks.surveys import csat_distribution, mask_personal_data, nps_split


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("请回电 13812345678", "请回电 [phone]"),
        ("call +86 138-1234-5678 now", "call [phone] now"),
        ("mail li.lei@example.com", "mail [e-mail]"),
        ("身份证 11010519491231002X", "身份证 [ID]"),
        ("card 6222 0212 3456 7890", "card [card]"),
        ("card 6222021234567890123", "card [card]"),
        ("order 12345 arrived", "order 12345 arrived"),
    ],
)
def test_personal_data_is_masked(text: str, expected: str) -> None:
    assert mask_personal_data(text) == expected


def test_nps_textbook() -> None:
    # 10 answers: 5 promoters (9–10), 3 passives (7–8), 2 detractors (0–6) → NPS 30
    split = nps_split(pd.Series([10, 9, 9, 10, 9, 7, 8, 8, 3, 6]))
    assert (split.promoters, split.passives, split.detractors) == (5, 3, 2)
    assert split.nps == pytest.approx(30.0)
    # variance of (promoter − detractor): 0.5 + 0.2 − 0.3² = 0.61
    assert split.high - split.nps == pytest.approx(1.96 * 100 * (0.61 / 10) ** 0.5)
    assert nps_split(pd.Series([], dtype=float)).nps is None


def test_csat_distribution_lists_every_score() -> None:
    dist = csat_distribution(pd.Series([5, 5, 4, 1, None]))
    assert dist["count"].tolist() == [1, 0, 0, 1, 2]
    assert dist["share"].sum() == pytest.approx(1.0)
