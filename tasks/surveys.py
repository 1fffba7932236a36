"""Satisfaction: CSAT distribution, NPS split with its 95 % interval, and masked verbatims.

Managers need the distribution and the customers' own words, not only a mean; personal data
in comments is masked before any of it is stored or shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import pandas as pd

from csreview import schema as s
from csreview.frames import among
from csreview.personal_data import QUOTE_CHARS, display_text
from csreview.personal_data import mask_personal_data as mask_personal_data  # its old home

MAX_QUOTE_CHARS: Final = QUOTE_CHARS
VERBATIMS: Final = 6  # verbatims shown
SCORES: Final = range(1, 6)  # the CSAT scale
_LOW: Final = "_low"  # a verbatim's rank: its CSAT, a missing one as 3 (neither end)
CANDIDATE: Final = (s.SURVEY_ID, s.CSAT, s.CATEGORY, s.CHANNEL, s.COMMENT, _LOW)


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
    return nps_of_counts(len(valid), int((valid >= 9).sum()), int((valid <= 6).sum()))


def nps_of_counts(n: int, promoters: int, detractors: int) -> NpsSplit:
    """The NPS split of N answers with so many promoters and detractors: counts merge by
    addition, so parts of a period give the whole's split."""
    if n == 0:
        return NpsSplit(0, 0, 0, 0, None, None, None)
    p, d = promoters / n, detractors / n
    nps = 100 * (p - d)
    half = 1.96 * 100 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
    return NpsSplit(
        n, promoters, n - promoters - detractors, detractors, nps, nps - half, nps + half
    )


def csat_counts(scores: pd.Series) -> tuple[int, ...]:
    """How many answers gave each CSAT score 1–5."""
    valid = scores.dropna().astype(int)
    return tuple(int(n) for n in valid.value_counts().reindex(SCORES, fill_value=0))


def csat_distribution(scores: pd.Series) -> pd.DataFrame:
    """Count and share of each CSAT score 1–5 (every score listed, even with no answer)."""
    return distribution_of_counts(csat_counts(scores))


def distribution_of_counts(counts: Sequence[int]) -> pd.DataFrame:
    """Count and share of each CSAT score 1–5 from the counts of scores 1–5."""
    counted = pd.Series(counts, index=pd.Index(SCORES, name="score"), dtype="int64")
    total = int(counted.sum())
    shares = counted / total if total else counted.astype("float64") * float("nan")
    return pd.DataFrame({"count": counted, "share": shares}).reset_index()


def verbatim_candidates(
    surveys: pd.DataFrame, contacts: pd.DataFrame, limit: int = VERBATIMS
) -> pd.DataFrame:
    """The first LIMIT distinct comments by (CSAT, missing as 3; survey_id), each with its
    contact's category and channel: what a merge of parts needs to pick the whole's."""
    with_comment = surveys[surveys[s.COMMENT].notna() & (surveys[s.COMMENT].str.strip() != "")]
    theirs = contacts[among(contacts[s.CONTACT_ID], with_comment[s.CONTACT_ID])]
    joined = with_comment.merge(theirs[[s.CONTACT_ID, s.CATEGORY, s.CHANNEL]], on=s.CONTACT_ID)
    return _first_distinct(
        joined.assign(**{_LOW: joined[s.CSAT].fillna(3)})[list(CANDIDATE)], limit
    )


def _first_distinct(candidates: pd.DataFrame, limit: int) -> pd.DataFrame:
    """The first LIMIT rows of distinct comments, by (low, survey_id, comment)."""
    ranked = candidates.sort_values([_LOW, s.SURVEY_ID, s.COMMENT], kind="stable")
    return ranked.drop_duplicates(s.COMMENT).head(limit).reset_index(drop=True)


def merge_candidates(a: pd.DataFrame, b: pd.DataFrame, limit: int = VERBATIMS) -> pd.DataFrame:
    """Two parts' verbatim candidates as one part's: each comment's first row in either part
    is in that part's first LIMIT, so the union's first LIMIT distinct are the whole's."""
    if b.empty:
        return a
    if a.empty:
        return b
    return _first_distinct(pd.concat([a, b], ignore_index=True), limit)


def quoted(candidates: pd.DataFrame) -> pd.DataFrame:
    """The verbatims shown: CSAT, category, channel and the comment as display text."""
    quotes = candidates[s.COMMENT].map(lambda t: display_text(t, MAX_QUOTE_CHARS))
    return pd.DataFrame(
        {
            s.CSAT: candidates[s.CSAT].to_numpy(),
            s.CATEGORY: candidates[s.CATEGORY].to_numpy(),
            s.CHANNEL: candidates[s.CHANNEL].to_numpy(),
            "quote": quotes.to_numpy(),
        }
    )


def verbatims(
    surveys: pd.DataFrame, contacts: pd.DataFrame, limit: int = VERBATIMS
) -> pd.DataFrame:
    """A few comments of unhappy customers (CSAT ≤ 2 first), masked, in a stable order; the
    quotes are display text (invisible characters removed, shortened with an ellipsis)."""
    return quoted(verbatim_candidates(surveys, contacts, limit))


@dataclass(frozen=True)
class Satisfaction:
    """The satisfaction section of a review."""

    distribution: pd.DataFrame
    nps: NpsSplit
    verbatims: pd.DataFrame
    comments: int


def period_surveys(
    clean: Mapping[str, pd.DataFrame], period_contacts: pd.DataFrame
) -> pd.DataFrame:
    """The surveys of the period's contacts (`period_contacts`: rows with a contact_id)."""
    surveys = clean[s.SURVEYS.name]
    return surveys[among(surveys[s.CONTACT_ID], period_contacts[s.CONTACT_ID])]


@dataclass(frozen=True)
class SatisfactionPart:
    """The satisfaction of a part of a period's contacts, mergeable: counts of CSAT scores
    1–5, of NPS answers, promoters and detractors, of comments, and the verbatim candidates."""

    csat: tuple[int, ...]
    nps: tuple[int, int, int]  # answers, promoters, detractors
    comments: int
    candidates: pd.DataFrame  # verbatim_candidates: at most VERBATIMS rows


def satisfaction_part(
    clean: Mapping[str, pd.DataFrame], period_contacts: pd.DataFrame
) -> SatisfactionPart:
    """The satisfaction part of these rows (a part holds its contacts' surveys)."""
    mine = period_surveys(clean, period_contacts)
    nps = mine[s.NPS].dropna()
    return SatisfactionPart(
        csat=csat_counts(mine[s.CSAT]),
        nps=(len(nps), int((nps >= 9).sum()), int((nps <= 6).sum())),
        comments=int(mine[s.COMMENT].notna().sum()),
        candidates=verbatim_candidates(mine, clean[s.CONTACTS.name]),
    )


def merge_satisfaction(a: SatisfactionPart, b: SatisfactionPart) -> SatisfactionPart:
    """The satisfaction part of two disjoint parts: counts added, candidates merged."""
    return SatisfactionPart(
        csat=tuple(x + y for x, y in zip(a.csat, b.csat, strict=True)),
        nps=(a.nps[0] + b.nps[0], a.nps[1] + b.nps[1], a.nps[2] + b.nps[2]),
        comments=a.comments + b.comments,
        candidates=merge_candidates(a.candidates, b.candidates),
    )


def finish_satisfaction(part: SatisfactionPart) -> Satisfaction:
    """The satisfaction section read from a (merged) part."""
    return Satisfaction(
        distribution=distribution_of_counts(part.csat),
        nps=nps_of_counts(*part.nps),
        verbatims=quoted(part.candidates),
        comments=part.comments,
    )


def summarise_satisfaction(
    clean: Mapping[str, pd.DataFrame], period_contacts: pd.DataFrame
) -> Satisfaction:
    """Satisfaction of the period's contacts (rows with a contact_id): distribution, NPS split,
    masked verbatims (the whole period as one part)."""
    return finish_satisfaction(satisfaction_part(clean, period_contacts))
