"""Satisfaction: CSAT distribution, NPS split with its 95 % interval, and masked verbatims.

Managers need the distribution and the customers' own words, not only a mean; personal data
in comments is masked before any of it is stored or shown.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final

import pandas as pd

from csreview import schema as s
from csreview.frames import among

_PERSONAL_DATA: Final = (
    # bounded local part, starting where a run of address characters starts: linear time
    # even on a 100 kB comment with no `@` (an unbounded `+` backtracks quadratically)
    (
        re.compile(
            r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,255}\.[A-Za-z]{2,}"
        ),
        "[e-mail]",
    ),
    (re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"), "[ID]"),
    (re.compile(r"(?<!\d)\d{15,19}(?!\d)"), "[card]"),
    (re.compile(r"(?<!\d)\d{4}(?:[ -]\d{4}){3,4}(?!\d)"), "[card]"),
    (re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)"), "[phone]"),
    (re.compile(r"(?<!\d)\d{3,4}-\d{7,8}(?!\d)"), "[phone]"),
)
MAX_QUOTE_CHARS: Final = 200


def mask_personal_data(text: str) -> str:
    """Replace e-mail addresses, ID-card, bank-card and phone numbers with a placeholder."""
    for pattern, placeholder in _PERSONAL_DATA:
        text = pattern.sub(placeholder, text)
    return text


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
    """A few comments of unhappy customers (CSAT ≤ 2 first), masked, in a stable order."""
    with_comment = surveys[surveys[s.COMMENT].notna() & (surveys[s.COMMENT].str.strip() != "")]
    theirs = contacts[among(contacts[s.CONTACT_ID], with_comment[s.CONTACT_ID])]
    joined = with_comment.merge(theirs[[s.CONTACT_ID, s.CATEGORY, s.CHANNEL]], on=s.CONTACT_ID)
    ranked = joined.assign(_low=joined[s.CSAT].fillna(3)).sort_values(["_low", s.SURVEY_ID])
    picked = ranked.drop_duplicates(s.COMMENT).head(limit)
    quotes = picked[s.COMMENT].map(lambda t: mask_personal_data(str(t))[:MAX_QUOTE_CHARS])
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
