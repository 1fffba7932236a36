"""QA calibration in mergeable parts: per part, the calibration rows (each calibration
contact's reviewers with their mean score of it), each reviewer's first known kind, the
rubric and per-kind sums and the human-vs-AI paired sums; merged pairwise.

A part holds whole contacts (every evaluation of a contact in one part), as a customer-hash
partition does, so the per-contact figures are computed within it. The calibration rows
grow with the calibration volume, not with contacts, so they are gathered whole and the
agreement figures (bias, α, the complete block, ICC) read them unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import pandas as pd

from csreview import schema as s
from csreview.frames import sums_added

ALL: Final = "all"  # the reviewer_kind value of the rows over every evaluation
EVALUATIONS: Final = "evaluations"
RUBRIC_ROWS: Final = (s.SCORE, *s.RUBRIC_ITEMS)
HUMAN, AI = s.REVIEWER_KINDS
SUM: Final = "sum"
COUNT: Final = "n"
SCORE_SUM: Final = "score_sum"
SCORE_N: Final = "score_n"
FAILED: Final = "failed"
FIRST_KIND_COLUMNS: Final = (s.REVIEWER_ID, s.EVALUATED_AT, s.EVALUATION_ID, s.REVIEWER_KIND)
SCORE_COLUMNS: Final = (s.CONTACT_ID, s.REVIEWER_ID, s.SCORE, EVALUATIONS)


@dataclass(frozen=True)
class Paired:
    """The contacts scored by both a human and an AI reviewer: how many, and the sums over
    them of each kind's mean score of the contact and of (AI − human)."""

    contacts: int = 0
    human: float = 0.0
    ai: float = 0.0
    difference: float = 0.0


@dataclass(frozen=True)
class CalibrationPart:
    """What a part of a period's evaluations contributes to the QA calibration."""

    scores: pd.DataFrame  # SCORE_COLUMNS: calibration contacts only, sorted by contact, reviewer
    first_kinds: pd.DataFrame  # FIRST_KIND_COLUMNS: each reviewer's earliest evaluation of a kind
    evaluations: int  # every evaluation
    rubric: pd.DataFrame  # by (reviewer_kind, item), kind `all` included: SUM, COUNT
    kinds: pd.DataFrame  # by reviewer_kind met: EVALUATIONS, SCORE_SUM, SCORE_N, FAILED
    paired: Paired


def calibration_rows(qa: pd.DataFrame) -> pd.DataFrame:
    """One row per (calibration contact, reviewer): the mean of the reviewer's scores of it
    and how many; a calibration contact has scores by 2+ distinct reviewers (rows without
    contact, reviewer or score ignored)."""
    usable = qa[qa[s.CONTACT_ID].notna() & qa[s.REVIEWER_ID].notna() & qa[s.SCORE].notna()]
    grouped = usable.groupby([s.CONTACT_ID, s.REVIEWER_ID], sort=True)[s.SCORE]
    per = pd.DataFrame({s.SCORE: grouped.mean(), EVALUATIONS: grouped.size()}).reset_index()
    reviewers = per.groupby(s.CONTACT_ID)[s.REVIEWER_ID].transform("size")
    calibration = per[(reviewers >= 2).to_numpy()]
    columns: dict[str, pd.Series] = {
        s.CONTACT_ID: calibration[s.CONTACT_ID].astype("string"),
        s.REVIEWER_ID: calibration[s.REVIEWER_ID].astype("string"),
        s.SCORE: calibration[s.SCORE].astype("float64"),
        EVALUATIONS: calibration[EVALUATIONS].astype("int64"),
    }
    return pd.DataFrame(columns, columns=list(SCORE_COLUMNS)).reset_index(drop=True)


def first_kinds(qa: pd.DataFrame) -> pd.DataFrame:
    """Each reviewer's first evaluation with a kind, in (evaluated_at, evaluation_id) order
    (missing times last): an argmin per reviewer, which merges by taking the earlier."""
    known = qa[qa[s.REVIEWER_ID].notna() & qa[s.REVIEWER_KIND].notna()]
    return _earliest(known.loc[:, list(FIRST_KIND_COLUMNS)])


def _earliest(rows: pd.DataFrame) -> pd.DataFrame:
    ordered = rows.sort_values([s.EVALUATED_AT, s.EVALUATION_ID], kind="stable", na_position="last")
    first = ordered.drop_duplicates(s.REVIEWER_ID, keep="first")
    return first.sort_values(s.REVIEWER_ID, kind="stable").reset_index(drop=True)


def kinds_met(qa: pd.DataFrame) -> set[str]:
    return {str(k) for k in qa[s.REVIEWER_KIND].dropna().unique()}


def of_kind(qa: pd.DataFrame, kind: str) -> pd.DataFrame:
    return qa[qa[s.REVIEWER_KIND].isin([kind]).to_numpy(dtype=bool)]


def sum_of(values: pd.Series) -> tuple[float, int]:
    """The sum of the non-null values and their count (a mean is the one over the other)."""
    valid = values.dropna().astype("float64")
    return float(valid.sum()), len(valid)


def rubric_sums(qa: pd.DataFrame) -> pd.DataFrame:
    """Sum and count of score and each rubric item, over every evaluation (kind `all`) and
    per reviewer_kind met."""
    groups = [(ALL, qa), *((kind, of_kind(qa, kind)) for kind in sorted(kinds_met(qa)))]
    rows = []
    for kind, frame in groups if len(qa) else []:
        for item in RUBRIC_ROWS:
            values = frame[item] if item in frame else pd.Series([], dtype="float64")
            total, count = sum_of(values)
            rows.append({s.REVIEWER_KIND: kind, "item": item, SUM: total, COUNT: count})
    table = pd.DataFrame(rows, columns=[s.REVIEWER_KIND, "item", SUM, COUNT])
    return table.astype({SUM: "float64", COUNT: "int64"}).set_index([s.REVIEWER_KIND, "item"])


def kind_sums(qa: pd.DataFrame, pass_mark: float) -> pd.DataFrame:
    """Per reviewer_kind met: evaluations, the sum and count of scores, and failed ones
    (score < pass_mark or a critical error; null = false)."""
    failed = (qa[s.SCORE] < pass_mark).to_numpy(dtype=bool) | qa[s.CRITICAL_ERROR].fillna(
        False
    ).to_numpy(dtype=bool)
    with_failed = qa.assign(**{FAILED: failed})
    rows = []
    for kind in sorted(kinds_met(qa)):
        frame = of_kind(with_failed, kind)
        total, count = sum_of(frame[s.SCORE])
        rows.append(
            {
                s.REVIEWER_KIND: kind,
                EVALUATIONS: len(frame),
                SCORE_SUM: total,
                SCORE_N: count,
                FAILED: int(frame[FAILED].sum()),
            }
        )
    table = pd.DataFrame(rows, columns=[s.REVIEWER_KIND, EVALUATIONS, SCORE_SUM, SCORE_N, FAILED])
    types = {EVALUATIONS: "int64", SCORE_SUM: "float64", SCORE_N: "int64", FAILED: "int64"}
    return table.astype(types).set_index(s.REVIEWER_KIND)


def paired_means(qa: pd.DataFrame) -> pd.DataFrame:
    """Per contact scored by both a human and an AI reviewer: each kind's mean score of it."""
    usable = qa[
        qa[s.CONTACT_ID].notna()
        & qa[s.SCORE].notna()
        & qa[s.REVIEWER_KIND].isin([HUMAN, AI]).to_numpy(dtype=bool)
    ]
    means = usable.groupby([s.CONTACT_ID, s.REVIEWER_KIND], sort=True)[s.SCORE].mean()
    wide = means.unstack(s.REVIEWER_KIND).reindex(columns=[HUMAN, AI])
    return wide[wide.notna().all(axis=1)].astype("float64")


def paired_sums(qa: pd.DataFrame) -> Paired:
    """The paired contacts' count and sums (`Paired`)."""
    paired = paired_means(qa)
    if paired.empty:
        return Paired()
    return Paired(
        len(paired),
        float(paired[HUMAN].sum()),
        float(paired[AI].sum()),
        float((paired[AI] - paired[HUMAN]).sum()),
    )


def calibration_part(qa: pd.DataFrame, pass_mark: float) -> CalibrationPart:
    """The calibration part of one part's evaluations (a contact's evaluations all in it)."""
    return CalibrationPart(
        scores=calibration_rows(qa),
        first_kinds=first_kinds(qa),
        evaluations=len(qa),
        rubric=rubric_sums(qa),
        kinds=kind_sums(qa, pass_mark),
        paired=paired_sums(qa),
    )


def merge_calibration(a: CalibrationPart, b: CalibrationPart) -> CalibrationPart:
    """The calibration parts of two disjoint parts (no contact in both): calibration rows
    gathered, first kinds the earlier, sums added."""
    if b.evaluations == 0:
        return a
    if a.evaluations == 0:
        return b
    scores = pd.concat([a.scores, b.scores], ignore_index=True)
    return CalibrationPart(
        scores=scores.sort_values([s.CONTACT_ID, s.REVIEWER_ID], kind="stable").reset_index(
            drop=True
        ),
        first_kinds=_earliest(pd.concat([a.first_kinds, b.first_kinds], ignore_index=True)),
        evaluations=a.evaluations + b.evaluations,
        rubric=sums_added(a.rubric, b.rubric),
        kinds=sums_added(a.kinds, b.kinds),
        paired=Paired(
            a.paired.contacts + b.paired.contacts,
            a.paired.human + b.paired.human,
            a.paired.ai + b.paired.ai,
            a.paired.difference + b.paired.difference,
        ),
    )


def mean(total: float, count: int) -> float:
    """A mean from its sum and count: NaN (with no warning) when there is nothing."""
    return total / count if count else math.nan
