from __future__ import annotations

from functools import reduce

import pandas as pd
import pytest

from tasks import surveys as su
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


# ---------------------------------------------------------------- in parts

PART_SURVEYS = pd.DataFrame(
    {
        "survey_id": ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "t1"],
        "contact_id": ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c9"],
        "csat": [5.0, 1.0, None, 2.0, 1.0, 4.0, 3.0, 2.0, 1.0, 5.0],
        "nps": [10.0, 0.0, 7.0, None, 6.0, 9.0, 8.0, 3.0, 9.0, None],
        "comment": ["great", "slow", "ok", None, "slow", " ", "fine", "rude", "lost", "thanks"],
    }
)
PART_CONTACTS = pd.DataFrame(
    {
        "contact_id": [f"c{i}" for i in range(1, 10)],
        "category": ["billing", "returns", "billing"] * 3,
        "channel": ["phone", "chat", "email"] * 3,
    }
)


def _part(contacts: list[str]) -> su.SatisfactionPart:
    clean = {
        "surveys": PART_SURVEYS[PART_SURVEYS["contact_id"].isin(contacts)],
        "contacts": PART_CONTACTS[PART_CONTACTS["contact_id"].isin(contacts)],
    }
    return su.satisfaction_part(clean, clean["contacts"])


@pytest.mark.parametrize(
    "split",
    [
        [["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"]],
        [["c2", "c4", "c6", "c8"], ["c1", "c3", "c5", "c7", "c9"]],
        [["c5", "c9"], [], ["c1", "c2", "c3", "c4", "c6", "c7", "c8"]],
        [["c1"], ["c2", "c3", "c4"], ["c5", "c6", "c7", "c8", "c9"]],
    ],
    ids=["whole", "odd-even", "with-empty", "three"],
)
def test_satisfaction_of_merged_parts_is_the_whole(split: list[list[str]]) -> None:
    whole = su.summarise_satisfaction(
        {"surveys": PART_SURVEYS, "contacts": PART_CONTACTS}, PART_CONTACTS
    )
    for parts in (split, split[::-1]):
        got = su.finish_satisfaction(reduce(su.merge_satisfaction, map(_part, parts)))
        pd.testing.assert_frame_equal(got.distribution, whole.distribution)
        assert got.nps == whole.nps and got.comments == whole.comments == 9
        pd.testing.assert_frame_equal(got.verbatims, whole.verbatims)
    # hand-checked: CSAT 1 ×3, 2 ×2, 3, 4, 5 ×2; NPS 8 answers, 3 promoters, 3 detractors
    assert whole.distribution["count"].tolist() == [3, 2, 1, 1, 2]
    assert (whole.nps.responses, whole.nps.promoters, whole.nps.detractors) == (8, 3, 3)
    # the first six of seven distinct comments, lowest CSAT first (none as 3), then survey:
    # "slow" once (its s2 row), " " none, "thanks" (5, t1) after "great" (5, s1)
    assert whole.verbatims["quote"].tolist() == ["slow", "lost", "rude", "ok", "fine", "great"]
    assert whole.verbatims["category"].tolist()[:2] == ["returns", "billing"]
