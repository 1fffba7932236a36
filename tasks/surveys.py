"""Satisfaction: CSAT distribution, NPS split with its 95 % interval, and masked verbatims.

Managers need the distribution and the customers' own words, not only a mean; personal data
in comments is masked before any of it is stored or shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import pandas as pd

from csreview import schema as s
from csreview.frames import among
from csreview.personal_data import QUOTE_CHARS, display_text
from csreview.personal_data import mask_personal_data as mask_personal_data  # its old home

MAX_QUOTE_CHARS: Final = QUOTE_CHARS


@dataclass(frozen=True)
class NpsSplit:
    """Promoters, passives and detractors, the NPS and its 95 % confidence interval."""

    responses: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None
    low: float | None
    high: float | None


def nps_split(scores: pd.Series) -> NpsSplit:
    """NPS with a normal-approximation 95 % interval (variance of promoter − detractor)."""
    valid = scores.dropna()
    n = len(valid)
    promoters = int((valid >= 9).sum())
    detractors = int((valid <= 6).sum())
    if n == 0:
        return NpsSplit(0, 0, 0, 0, None, None, None)
    p, d = promoters / n, detractors / n
    nps = 100 * (p - d)
    half = 1.96 * 100 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
    return NpsSplit(
        n, promoters, n - promoters - detractors, detractors, nps, nps - half, nps + half
    )


def csat_distribution(scores: pd.Series) -> pd.DataFrame:
    """Count and share of each CSAT score 1–5 (every score listed, even with no answer)."""
    valid = scores.dropna().astype(int)
    counts = valid.value_counts().reindex(range(1, 6), fill_value=0).rename_axis("score")
    total = int(counts.sum())
    shares = counts / total if total else counts.astype("float64") * float("nan")
    return pd.DataFrame({"count": counts, "share": shares}).reset_index()


def verbatims(surveys: pd.DataFrame, contacts: pd.DataFrame, limit: int = 6) -> pd.DataFrame:
    """A few comments of unhappy customers (CSAT ≤ 2 first), masked, in a stable order; the
    quotes are display text (invisible characters removed, shortened with an ellipsis)."""
    with_comment = surveys[surveys[s.COMMENT].notna() & (surveys[s.COMMENT].str.strip() != "")]
    theirs = contacts[among(contacts[s.CONTACT_ID], with_comment[s.CONTACT_ID])]
    joined = with_comment.merge(theirs[[s.CONTACT_ID, s.CATEGORY, s.CHANNEL]], on=s.CONTACT_ID)
    ranked = joined.assign(_low=joined[s.CSAT].fillna(3)).sort_values(["_low", s.SURVEY_ID])
    picked = ranked.drop_duplicates(s.COMMENT).head(limit)
    quotes = picked[s.COMMENT].map(lambda t: display_text(t, MAX_QUOTE_CHARS))
    return pd.DataFrame(
        {
            s.CSAT: picked[s.CSAT].to_numpy(),
            s.CATEGORY: picked[s.CATEGORY].to_numpy(),
            s.CHANNEL: picked[s.CHANNEL].to_numpy(),
            "quote": quotes.to_numpy(),
        }
    )


@dataclass(frozen=True)
class Satisfaction:
    """The satisfaction section of a review."""

    distribution: pd.DataFrame
    nps: NpsSplit
    verbatims: pd.DataFrame
    comments: int


def period_surveys(clean: dict[str, pd.DataFrame], period_contacts: pd.DataFrame) -> pd.DataFrame:
    """The surveys of the period's contacts (`period_contacts`: rows with a contact_id)."""
    surveys = clean[s.SURVEYS.name]
    return surveys[among(surveys[s.CONTACT_ID], period_contacts[s.CONTACT_ID])]


def summarise_satisfaction(
    clean: dict[str, pd.DataFrame], period_contacts: pd.DataFrame
) -> Satisfaction:
    """Satisfaction of the period's contacts (rows with a contact_id): distribution, NPS split,
    masked verbatims."""
    mine = period_surveys(clean, period_contacts)
    return Satisfaction(
        distribution=csat_distribution(mine[s.CSAT]),
        nps=nps_split(mine[s.NPS]),
        verbatims=verbatims(mine, clean[s.CONTACTS.name]),  # their contacts: of the period
        comments=int(mine[s.COMMENT].notna().sum()),
    )
