"""QA calibration: how consistently reviewers score the same contacts, and human vs AI reviewers.

A score means little unless two reviewers would give the same contact the same score; the
contacts scored by two or more distinct reviewers (calibration contacts) measure exactly that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from csreview import schema as s
from tasks import qa_parts
from tasks.qa_parts import CalibrationPart

# ---------------------------------------------------------------- names
ALL: Final = qa_parts.ALL  # the reviewer_kind value of the rows over every evaluation
EVALUATIONS: Final = qa_parts.EVALUATIONS
N: Final = "n"
BIAS: Final = "bias"
MEAN_ABS_DEVIATION: Final = "mean_abs_deviation"
ITEM: Final = "item"
MEAN: Final = "mean"
MEAN_SCORE: Final = "mean_score"
FAILED: Final = qa_parts.FAILED
FAIL_RATE: Final = "fail_rate"
PAIRED_CONTACTS: Final = "paired_contacts"
PAIRED_MEAN_SCORE: Final = "paired_mean_score"

CALIBRATION_COLUMNS: Final = (s.CONTACT_ID, s.REVIEWER_ID, s.REVIEWER_KIND, s.SCORE, EVALUATIONS)
BIAS_COLUMNS: Final = (s.REVIEWER_ID, s.REVIEWER_KIND, N, BIAS, MEAN_ABS_DEVIATION)
RUBRIC_COLUMNS: Final = (s.REVIEWER_KIND, ITEM, MEAN, N)
KIND_COLUMNS: Final = (
    s.REVIEWER_KIND,
    EVALUATIONS,
    MEAN_SCORE,
    FAILED,
    FAIL_RATE,
    PAIRED_CONTACTS,
    PAIRED_MEAN_SCORE,
)
RUBRIC_ROWS: Final = qa_parts.RUBRIC_ROWS
HUMAN, AI = s.REVIEWER_KINDS

_DEVIATION: Final = "_deviation"
_ABS_DEVIATION: Final = "_abs_deviation"
_SORT_KEY: Final = "_sort_key"
_TIE_DECIMALS: Final = 9  # |bias| equal to this many decimals counts as a tie


# ---------------------------------------------------------------- calibration scores
def _reviewer_kinds(first: pd.DataFrame) -> pd.Series:
    """Each reviewer's kind: the first non-null reviewer_kind of their evaluations in
    (evaluated_at, evaluation_id) order (`qa_parts.first_kinds`), so a reviewer has one
    kind everywhere."""
    kinds = first.set_index(s.REVIEWER_ID)[s.REVIEWER_KIND]
    return kinds.astype("string")


def _with_kinds(rows: pd.DataFrame, first: pd.DataFrame) -> pd.DataFrame:
    """Calibration rows (`qa_parts.calibration_rows`) with each reviewer's kind."""
    kinds = rows[s.REVIEWER_ID].map(_reviewer_kinds(first)).astype("string")
    return rows.assign(**{s.REVIEWER_KIND: kinds}).loc[:, list(CALIBRATION_COLUMNS)]


def calibration_scores(qa: pd.DataFrame) -> pd.DataFrame:
    """One row per (calibration contact, reviewer): the reviewer's score of the contact.

    Why: a reviewer who scored a contact twice must count once, so their score is the mean of
    their scores (`evaluations` says how many); rows without contact, reviewer or score are
    ignored, and a contact is a calibration contact when 2+ distinct reviewers scored it.
    """
    return _with_kinds(qa_parts.calibration_rows(qa), qa_parts.first_kinds(qa))


# ---------------------------------------------------------------- reviewer bias
def _bias(calibration: pd.DataFrame) -> pd.DataFrame:
    by_contact = calibration.groupby(s.CONTACT_ID)[s.SCORE]
    total, count = by_contact.transform("sum"), by_contact.transform("size")
    others = (total - calibration[s.SCORE]) / (count - 1)  # count >= 2 on calibration rows
    deviation = calibration[s.SCORE] - others
    per = (
        calibration.assign(**{_DEVIATION: deviation, _ABS_DEVIATION: deviation.abs()})
        .groupby(s.REVIEWER_ID, sort=True)
        .agg(
            **{
                s.REVIEWER_KIND: pd.NamedAgg(s.REVIEWER_KIND, "first"),
                N: pd.NamedAgg(s.CONTACT_ID, "size"),
                BIAS: pd.NamedAgg(_DEVIATION, "mean"),
                MEAN_ABS_DEVIATION: pd.NamedAgg(_ABS_DEVIATION, "mean"),
            }
        )
        .reset_index()
    )
    columns: dict[str, pd.Series] = {
        s.REVIEWER_ID: per[s.REVIEWER_ID].astype("string"),
        s.REVIEWER_KIND: per[s.REVIEWER_KIND].astype("string"),
        N: per[N].astype("int64"),
        BIAS: per[BIAS].astype("float64"),
        MEAN_ABS_DEVIATION: per[MEAN_ABS_DEVIATION].astype("float64"),
        _SORT_KEY: -per[BIAS].astype("float64").abs().round(_TIE_DECIMALS),
    }
    return (
        pd.DataFrame(columns)
        .sort_values([_SORT_KEY, s.REVIEWER_ID], kind="stable")
        .loc[:, list(BIAS_COLUMNS)]
        .reset_index(drop=True)
    )


def reviewer_bias(qa: pd.DataFrame) -> pd.DataFrame:
    """One row per reviewer with calibration scores: n contacts, bias and mean |deviation|.

    Why: a reviewer's deviation on a contact is their score minus the mean of the OTHER
    reviewers' scores of it (leave-one-out, so they are not compared with themselves); bias is
    the mean deviation, sorted by |bias| descending then reviewer_id.
    """
    return _bias(calibration_scores(qa))


# ---------------------------------------------------------------- agreement
def _alpha(calibration: pd.DataFrame) -> float | None:
    reviewers = calibration[s.REVIEWER_ID].nunique()
    units = calibration[s.CONTACT_ID].nunique()
    if reviewers < 2 or units < 2 or calibration[s.SCORE].nunique() < 2:
        return None
    return interval_alpha(calibration[s.CONTACT_ID], calibration[s.SCORE])


def interval_alpha(units: pd.Series, values: pd.Series) -> float:
    """Krippendorff's α for interval data from (unit, value) pairs, in closed form.

    Why: with the squared-difference metric, observed and expected disagreement reduce to
    sums and sums of squares per unit — linear time and memory, where the coincidence
    matrix of the `krippendorff` package grows with units × distinct values² (gigabytes
    for a month of QA scores). Tests check it against the package.
    """
    frame = pd.DataFrame({"unit": units.to_numpy(), "value": values.to_numpy(dtype="float64")})
    frame = frame[frame["value"].notna()]
    per_unit = (
        frame.groupby("unit")["value"]
        .agg(["size", "sum"])
        .join((frame["value"] ** 2).groupby(frame["unit"]).sum().rename("squares"))
    )
    pairable = per_unit[per_unit["size"] >= 2]
    m, total, squares = pairable["size"], pairable["sum"], pairable["squares"]
    n = float(m.sum())
    if n < 2:
        return math.nan
    observed = float((2 * (m * squares - total**2) / (m - 1)).sum()) / n
    expected = 2 * (n * float(squares.sum()) - float(total.sum()) ** 2) / (n * (n - 1))
    return 1 - observed / expected if expected > 0 else math.nan


def krippendorff_alpha(qa: pd.DataFrame) -> float | None:
    """Interval Krippendorff's α over the reviewer × calibration-contact score matrix.

    Why: α allows missing cells (not every reviewer scores every contact); None with fewer
    than 2 reviewers or 2 calibration contacts, or when every calibration score is the same.
    """
    return _alpha(calibration_scores(qa))


class _MeanSquares(NamedTuple):
    n: int  # targets
    k: int  # judges
    bms: float  # between targets
    wms: float  # within targets
    jms: float  # between judges
    ems: float  # residual


def _mean_squares(ratings: npt.ArrayLike) -> _MeanSquares:
    x = np.asarray(ratings, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2 or not np.isfinite(x).all():
        raise ValueError("ratings must be an n ≥ 2 targets × k ≥ 2 judges matrix, no missing value")
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * float(((x.mean(axis=1) - grand) ** 2).sum())
    ss_cols = n * float(((x.mean(axis=0) - grand) ** 2).sum())
    ss_error = float(((x - grand) ** 2).sum()) - ss_rows - ss_cols
    return _MeanSquares(
        n=n,
        k=k,
        bms=ss_rows / (n - 1),
        wms=(ss_cols + ss_error) / (n * (k - 1)),
        jms=ss_cols / (k - 1),
        ems=ss_error / ((n - 1) * (k - 1)),
    )


def _divide(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator != 0 else math.nan


def icc_1_1(ratings: npt.ArrayLike) -> float:
    """ICC(1,1) of Shrout & Fleiss (1979): one-way random effects, single rater.

    Why: the reference value beside ICC(2,1); NaN when the ratings have no variance, and a
    ValueError unless ratings is an n ≥ 2 × k ≥ 2 matrix without missing values.
    """
    m = _mean_squares(ratings)
    return _divide(m.bms - m.wms, m.bms + (m.k - 1) * m.wms)


def icc_2_1(ratings: npt.ArrayLike) -> float:
    """ICC(2,1) of Shrout & Fleiss (1979): two-way random effects, single rater, absolute
    agreement — (BMS − EMS) / (BMS + (k−1)·EMS + k·(JMS − EMS)/n) over n targets × k judges.

    Why: reviewers are a sample of possible reviewers and a lenient one must count as
    disagreement; NaN without variance, ValueError on a matrix < 2 × 2 or with missing values.
    """
    m = _mean_squares(ratings)
    return _divide(m.bms - m.ems, m.bms + (m.k - 1) * m.ems + m.k * (m.jms - m.ems) / m.n)


def icc_3_1(ratings: npt.ArrayLike) -> float:
    """ICC(3,1) of Shrout & Fleiss (1979): two-way mixed effects, single rater, consistency.

    Why: the reference value beside ICC(2,1) (ignores a reviewer's constant offset); NaN
    without variance, ValueError on a matrix < 2 × 2 or with missing values.
    """
    m = _mean_squares(ratings)
    return _divide(m.bms - m.ems, m.bms + (m.k - 1) * m.ems)


# ---------------------------------------------------------------- complete block
def _block(calibration: pd.DataFrame) -> pd.DataFrame | None:
    matrix = calibration.pivot(index=s.CONTACT_ID, columns=s.REVIEWER_ID, values=s.SCORE)
    matrix = matrix.sort_index(axis=0).sort_index(axis=1)
    scored = matrix.notna().to_numpy(dtype=bool)  # contacts × reviewers
    if scored.shape[1] < 2:
        return None
    together = scored.T.astype(np.int64) @ scored.astype(np.int64)  # reviewers × reviewers
    together = np.triu(together, k=1)
    best = int(together.max())
    if best < 2:
        return None
    names = [str(r) for r in matrix.columns]
    candidates = []
    for i, j in zip(*np.nonzero(together == best), strict=True):
        rows = scored[:, i] & scored[:, j]
        columns = scored[rows].all(axis=0)
        chosen = tuple(name for name, keep in zip(names, columns, strict=True) if keep)
        candidates.append((-len(chosen), chosen, rows, columns))
    _, _, rows, columns = min(candidates, key=lambda c: (c[0], c[1]))
    block: pd.DataFrame = matrix.loc[rows, columns]
    return block


def complete_block(qa: pd.DataFrame) -> pd.DataFrame | None:
    """The largest set of calibration contacts all scored by every one of the same ≥ 2
    reviewers, as a contacts × reviewers score matrix (no missing cell); None below 2 contacts.

    Why: ICC needs a complete matrix. Largest means most contacts (so the block may hold only 2
    reviewers); ties go to the block with more reviewers, then to the lexicographically first
    sorted tuple of reviewer ids. Contacts and reviewers are sorted by id.
    """
    return _block(calibration_scores(qa))


# ---------------------------------------------------------------- rubric and kinds
def _kinds_present(kinds: pd.DataFrame) -> list[str]:
    """Kinds with at least one evaluation (KINDS: `qa_parts.kind_sums`): the contract's
    kinds in contract order, then others."""
    present = {str(k) for k in kinds.index[kinds[EVALUATIONS] > 0]}
    return [k for k in s.REVIEWER_KINDS if k in present] + sorted(present - set(s.REVIEWER_KINDS))


def _rubric(part: CalibrationPart) -> pd.DataFrame:
    """`rubric_averages` read from a calibration part's sums."""
    rows = []
    sums = part.rubric.to_dict("index")
    if part.evaluations:
        for kind in (ALL, *_kinds_present(part.kinds)):
            for item in RUBRIC_ROWS:
                count = int(sums[(kind, item)][qa_parts.COUNT])
                mean = qa_parts.mean(float(sums[(kind, item)][qa_parts.SUM]), count)
                rows.append({s.REVIEWER_KIND: kind, ITEM: item, MEAN: mean, N: count})
    table = pd.DataFrame(rows, columns=list(RUBRIC_COLUMNS))
    return table.astype({s.REVIEWER_KIND: "string", ITEM: "string", MEAN: "float64", N: "int64"})


def rubric_averages(qa: pd.DataFrame) -> pd.DataFrame:
    """Mean and count of score and each rubric item, over all evaluations and per reviewer_kind.

    Why: shows which rubric items pull scores down and whether AI and humans read them alike;
    missing items are ignored, an item with no value has mean NaN (n 0); reviewer_kind is
    `all` for every evaluation (null kinds included), then one block per kind present.
    """
    return _rubric(qa_parts.calibration_part(qa, math.inf))


def _ai_minus_human(paired: qa_parts.Paired) -> float | None:
    return paired.difference / paired.contacts if paired.contacts else None


def ai_minus_human(qa: pd.DataFrame) -> float | None:
    """Mean over contacts scored by both kinds of (AI mean score − human mean score) of it.

    Why: per-kind means compare different contacts; on the same contacts the difference is the
    AI's systematic offset. None when no contact was scored by both kinds.
    """
    return _ai_minus_human(qa_parts.paired_sums(qa))


def _human_vs_ai(part: CalibrationPart) -> pd.DataFrame:
    """`human_vs_ai` read from a calibration part's sums."""
    paired = part.paired
    rows = []
    by_kind = part.kinds.to_dict("index")
    for kind in _kinds_present(part.kinds):
        sums = by_kind[kind]
        evaluations, n_failed = int(sums[EVALUATIONS]), int(sums[FAILED])
        in_pairs = kind in (HUMAN, AI) and paired.contacts > 0
        paired_sum = paired.human if kind == HUMAN else paired.ai
        rows.append(
            {
                s.REVIEWER_KIND: kind,
                EVALUATIONS: evaluations,
                MEAN_SCORE: qa_parts.mean(
                    float(sums[qa_parts.SCORE_SUM]), int(sums[qa_parts.SCORE_N])
                ),
                FAILED: n_failed,
                FAIL_RATE: n_failed / evaluations,
                PAIRED_CONTACTS: paired.contacts if in_pairs else 0,
                PAIRED_MEAN_SCORE: paired_sum / paired.contacts if in_pairs else math.nan,
            }
        )
    table = pd.DataFrame(rows, columns=list(KIND_COLUMNS))
    return table.astype(
        {
            s.REVIEWER_KIND: "string",
            EVALUATIONS: "int64",
            MEAN_SCORE: "float64",
            FAILED: "int64",
            FAIL_RATE: "float64",
            PAIRED_CONTACTS: "int64",
            PAIRED_MEAN_SCORE: "float64",
        }
    )


def human_vs_ai(qa: pd.DataFrame, pass_mark: float) -> pd.DataFrame:
    """Per reviewer_kind: evaluations, mean score, failed and fail rate, and the mean score on
    the contacts scored by both kinds (paired_contacts, paired_mean_score).

    Why: an evaluation fails when score < pass_mark or critical_error is true (null = false).
    On the paired contacts each contact weighs once (mean of that kind's scores of it), so
    ai − human of paired_mean_score equals `ai_minus_human`; evaluations of a null kind are left
    out; kinds other than human and ai get 0 paired contacts and NaN.
    """
    return _human_vs_ai(qa_parts.calibration_part(qa, pass_mark))


# ---------------------------------------------------------------- summary
@dataclass(frozen=True)
class Calibration:
    """The QA calibration of a period: agreement figures and the frames behind them."""

    contacts: int  # calibration contacts
    reviewers: int  # reviewers with at least one calibration score
    alpha: float | None  # interval Krippendorff's α
    icc: float | None  # ICC(2,1) on the complete block
    block_shape: tuple[int, int] | None  # (contacts, reviewers) of the complete block
    bias: pd.DataFrame  # reviewer_bias
    rubric: pd.DataFrame  # rubric_averages
    kinds: pd.DataFrame  # human_vs_ai
    ai_minus_human: float | None


def summarise_calibration(qa: pd.DataFrame, pass_mark: float) -> Calibration:
    """Every calibration figure of a period's evaluations in one value.

    Why: the report shows them together; icc is None without a complete block or when the
    block's scores have no variance.
    """
    return finish_calibration(qa_parts.calibration_part(qa, pass_mark))


def finish_calibration(part: CalibrationPart) -> Calibration:
    """Every calibration figure read from a calibration part (of the whole period, or its
    parts' merged): the agreement figures from the gathered calibration rows."""
    calibration = _with_kinds(part.scores, part.first_kinds)
    block = _block(calibration)
    icc = None if block is None else icc_2_1(block.to_numpy(dtype="float64"))
    return Calibration(
        contacts=int(calibration[s.CONTACT_ID].nunique()),
        reviewers=int(calibration[s.REVIEWER_ID].nunique()),
        alpha=_alpha(calibration),
        icc=None if icc is None or math.isnan(icc) else icc,
        block_shape=None if block is None else (block.shape[0], block.shape[1]),
        bias=_bias(calibration),
        rubric=_rubric(part),
        kinds=_human_vs_ai(part),
        ai_minus_human=_ai_minus_human(part.paired),
    )
