from __future__ import annotations

import pandas as pd
import pytest

from tasks.surveys import MAX_QUOTE_CHARS, csat_distribution, nps_split, verbatims


def test_verbatims_are_masked_inert_and_short() -> None:
    surveys = pd.DataFrame(
        {
            "survey_id": ["s1", "s2"],
            "contact_id": ["c1", "c2"],
            "csat": [1, 2],
            "comment": ["call 138\u200b0013\u200b8000\u202e now", "好" * 300],
        }
    )
    contacts = pd.DataFrame(
        {"contact_id": ["c1", "c2"], "category": ["billing", "returns"], "channel": ["phone"] * 2}
    )
    quotes = verbatims(surveys, contacts)["quote"].tolist()
    assert quotes == ["call [phone] now", "好" * (MAX_QUOTE_CHARS - 1) + "…"]


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
