"""Root cause: the Pareto problem list, fishbone hypotheses tested on data, SMART action drafts.

From symptoms to causes: name the few segments that hold most of the excess defects, test
each 6M hypothesis for them against the data, and draft an action for every verified cause.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from csreview import schema as s
from csreview.periods import Period
from csreview.settings import Settings, config_text
from tasks import compare
from tasks import kpis as k
from tasks.fishbone import (
    DEFECT_KINDS,
    FISHBONE,
    DefectKind,
    Hypothesis,
    Segment,
    Wording,
    fishbone_hypotheses,
    kpi_from_defect_rate,
    review_data,
    source_frame,
    strongest,
)

__all__ = ["DEFECT_KINDS", "FISHBONE", "DefectKind", "Hypothesis", "Wording"]

Gettext = Callable[[str], str]

DRILL_DIMENSIONS: Final = (s.CATEGORY, s.CHANNEL, k.HOUR_BAND, s.TEAM, s.TIER)
AGENT_DIMENSIONS: Final = (s.TEAM, s.TIER)

PROBLEM_COLUMNS: Final = (
    "rank", "title", "segment", "kpi", "value", "baseline", "defects",
    "defect_share", "cumulative_share", "priority", "trend",
)  # fmt: skip
ROOT_CAUSE_COLUMNS: Final = (
    "problem_rank", "category", "hypothesis", "verified", "evidence",
    "verdict", "test", "hypothesis_id",
)  # fmt: skip
ACTION_COLUMNS: Final = (
    "action_id", "problem_rank", "action", "kpi", "baseline", "target",
    "owner_role", "due_date", "status",
)  # fmt: skip
WHY_COLUMNS: Final = ("problem_rank", "category", "step", "why", "because")
SEGMENT: Final = "segment"  # kept with an action (not in actions.csv): what follow-ups measure
FOLLOWUP_COLUMNS: Final = (
    "action_id",
    "opened_in",
    "kpi",
    "baseline",
    "target",
    "current",
    "verdict",
)


def playbook_text(path: Path | None) -> str:
    """The playbook as written: the shipped one, or the file the settings name."""
    return config_text("playbook.toml", path)


def load_playbook(path: Path | None) -> dict[str, Any]:
    """The playbook as data. A centre's own playbook written before a threshold existed
    gets the shipped value for it, so a new hypothesis never breaks an older playbook."""
    playbook = tomllib.loads(playbook_text(path))
    if path is not None:
        shipped = tomllib.loads(playbook_text(None))
        for table in ("thresholds", "trend"):
            playbook[table] = {**shipped[table], **playbook.get(table, {})}
    return playbook


@dataclass(frozen=True)
class Problem:
    """One ranked problem: a KPI's excess defects concentrated in one segment."""

    rank: int
    kpi: str
    segment: tuple[tuple[str, str], ...]
    value: float
    baseline: float
    target: float
    defects: int
    base: int
    excess: float
    defect_share: float
    cumulative_share: float
    priority: float
    trend: str = "na"
    previous: float = math.nan
    trend_factor: float = 1.0

    @property
    def segment_label(self) -> str:
        return ";".join(f"{d}={v}" for d, v in self.segment)


@dataclass(frozen=True)
class RootCause:
    """The root-cause section: problems, tested hypotheses, 5-Why chains, actions and
    follow-ups."""

    problems: pd.DataFrame
    causes: pd.DataFrame
    actions: pd.DataFrame
    followups: pd.DataFrame
    whys: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(WHY_COLUMNS)))


# ---------------------------------------------------------------- problem list
@dataclass(frozen=True)
class Trend:
    """A problem's KPI in its segment against the previous period: the verdict, the earlier
    value, and the factor it puts on the problem's priority."""

    verdict: str  # worse, better, no_change, low_sample or na (no earlier figure)
    previous: float = math.nan
    factor: float = 1.0


def segment_trend(
    kind: DefectKind,
    segment: Segment,
    defects: float,
    base: float,
    previous: pd.DataFrame | None,
    min_sample: int,
    factors: Mapping[str, float],
) -> Trend:
    """The segment's defect rate against the previous period's (its KPI rows in the results
    store, as `compare.HISTORY_COLUMNS`): worse or better only when a two-proportion z-test
    says so at 5 %, as the report's comparisons do; neutral without an earlier figure."""
    if previous is None or previous.empty or len(segment) != 1:
        return Trend("na")
    dimension, value = segment[0]
    rows = previous[
        (previous[k.KPI] == kind.kpi)
        & (previous[k.DIMENSION] == dimension)
        & (previous[k.SEGMENT].astype(str) == value)
    ]
    if rows.empty or not rows[k.DENOMINATOR].iloc[0] > 0:
        return Trend("na")
    n_before = float(rows[k.DENOMINATOR].iloc[0])
    value_before = float(rows[k.NUMERATOR].iloc[0]) / n_before
    defects_before = kpi_from_defect_rate(kind.kpi, value_before) * n_before
    if min(base, n_before) < min_sample:
        return Trend("low_sample", value_before)
    p = compare.two_proportion_p(defects, base, defects_before, n_before)
    rate, rate_before = defects / base, defects_before / n_before
    if p >= compare.ALPHA or rate == rate_before:
        return Trend("no_change", value_before)
    verdict = "worse" if rate > rate_before else "better"
    return Trend(verdict, value_before, float(factors[verdict]))


@dataclass(frozen=True)
class DefectCounts:
    """Each row's defects and base of a facts frame, and its segment of each dimension as
    integer codes (−1: none): every segmentation of a defect kind is summed from these by
    `np.bincount`, without grouping the facts frame again for each of dozens."""

    defects: np.ndarray
    base: np.ndarray
    integers: bool  # both counted in whole numbers: sums are given back as integers
    codes: dict[str, np.ndarray]
    labels: dict[str, pd.Index]


def defect_counts(frame: pd.DataFrame, kind: DefectKind, dims: Iterable[str]) -> DefectCounts:
    defects, base = kind.defects(frame), frame[kind.base]
    factorized = {d: pd.factorize(frame[d], sort=True) for d in dims}
    return DefectCounts(
        defects=defects.to_numpy(dtype=float),
        base=base.to_numpy(dtype=float),
        integers=defects.dtype.kind in "iu" and base.dtype.kind in "iu",
        codes={d: codes for d, (codes, _) in factorized.items()},
        labels={d: pd.Index(np.asarray(labels), name=d) for d, (_, labels) in factorized.items()},
    )


def _segment_sums(counts: DefectCounts, dims: tuple[str, ...]) -> pd.DataFrame:
    """Defects and base of every segment of `dims` met in the data, in the order a
    `groupby(dims, sort=True)` gives them."""
    shape = tuple(len(counts.labels[d]) for d in dims)
    size = math.prod(shape)
    codes = [counts.codes[d] for d in dims]
    unknown = np.logical_or.reduce([c < 0 for c in codes])
    if unknown.any():  # rows outside every segment of a dimension: in no segment of it
        codes = [c[~unknown] for c in codes]
    if size == 0 or len(codes[0]) == 0:
        key = np.zeros(0, dtype=np.intp)
    else:
        key = np.ravel_multi_index(tuple(codes), shape)
    seen = np.flatnonzero(np.bincount(key, minlength=size))

    def summed(values: np.ndarray) -> np.ndarray:
        known = values[~unknown] if unknown.any() else values
        sums = np.bincount(key, weights=known, minlength=size)[seen]
        return sums.astype(np.int64) if counts.integers else sums  # exact: far below 2**53

    at = np.unravel_index(seen, shape) if size else tuple(seen for _ in dims)
    index = (
        counts.labels[dims[0]][at[0]]
        if len(dims) == 1
        else pd.MultiIndex.from_arrays([counts.labels[d][a] for d, a in zip(dims, at, strict=True)])
    )
    return pd.DataFrame(
        {"_defects": summed(counts.defects), "_base": summed(counts.base)}, index=index
    )


def segment_excess(
    counts: DefectCounts, target_rate: float, dims: tuple[str, ...], min_base: int
) -> pd.DataFrame:
    """Defects, base and excess over the target defect rate of every segment of `dims`."""
    grouped = _segment_sums(counts, dims)
    grouped = grouped[grouped["_base"] >= min_base]
    total_defects, total_base = counts.defects.sum(), counts.base.sum()
    if counts.integers:
        total_defects, total_base = int(total_defects), int(total_base)
    rest_base = total_base - grouped["_base"]
    return pd.DataFrame(
        {
            "defects": grouped["_defects"],
            "base": grouped["_base"],
            "rate": grouped["_defects"] / grouped["_base"],
            "rest_rate": (total_defects - grouped["_defects"]) / rest_base.where(rest_base > 0),
            "excess": grouped["_defects"] - target_rate * grouped["_base"],
            "share": grouped["_defects"] / total_defects if total_defects else np.nan,
        }
    )


def _best(table: pd.DataFrame) -> tuple[Any, pd.Series] | None:
    if table.empty or table["excess"].max() <= 0:
        return None
    ordered = table.sort_values("excess", ascending=False, kind="stable")
    return ordered.index[0], ordered.iloc[0]


def problem_list(
    facts: k.Facts,
    settings: Settings,
    playbook: dict[str, Any],
    previous: pd.DataFrame | None = None,
) -> list[Problem]:
    """The top problems: per KPI the segment holding most excess defects, ranked by priority
    (excess defects × impact weight × trend against the previous period, when reviewed)."""
    weights: dict[str, float] = playbook["problem_weights"]
    limits = playbook["thresholds"]
    found: list[dict[str, Any]] = []
    for kind in DEFECT_KINDS:
        spec = settings.targets.get(kind.kpi)
        frame = source_frame(facts, kind.source)
        if spec is None or frame.empty:
            continue
        target_rate = kind.defect_rate_target(spec.target)
        # unanswered contacts have no agent: agent segments only for handled-contact defects
        dims_ = (
            DRILL_DIMENSIONS
            if kind.base != k.COUNTED
            else tuple(d for d in DRILL_DIMENSIONS if d not in AGENT_DIMENSIONS)
        )
        counts = defect_counts(frame, kind, dims_)
        singles = [
            (d, segment_excess(counts, target_rate, (d,), settings.min_sample)) for d in dims_
        ]
        pairs = [
            (d, segment_excess(counts, target_rate, d, settings.min_sample))
            for d in itertools.combinations(dims_, 2)
        ]
        best_single = _pick(singles)
        if best_single is None:
            continue
        best_pair = _pick(pairs)
        chosen = best_single
        if (
            best_pair is not None
            and best_pair[2]["excess"] >= limits["pair_preference"] * best_single[2]["excess"]
        ):
            chosen = best_pair
        dims, values, row = chosen
        segment = tuple(zip(dims, values, strict=True))
        trend = segment_trend(
            kind,
            segment,
            float(row["defects"]),
            float(row["base"]),
            previous,
            settings.min_sample,
            playbook["trend"],
        )
        found.append(
            {
                "kpi": kind.kpi,
                "segment": segment,
                "value": kpi_from_defect_rate(kind.kpi, float(row["rate"])),
                "baseline": kpi_from_defect_rate(kind.kpi, float(row["rest_rate"])),
                "target": spec.target,
                "defects": int(row["defects"]),
                "base": int(row["base"]),
                "excess": float(row["excess"]),
                "defect_share": float(row["share"]),
                "priority": float(row["excess"]) * float(weights.get(kind.kpi, 1.0)) * trend.factor,
                "trend": trend.verdict,
                "previous": trend.previous,
                "trend_factor": trend.factor,
            }
        )
    found.sort(key=lambda p: (-p["priority"], p["kpi"]))
    found = found[: int(limits["max_problems"])]
    total = sum(p["priority"] for p in found)
    out, running = [], 0.0
    for rank, p in enumerate(found, start=1):
        running += p["priority"]
        out.append(Problem(rank=rank, cumulative_share=running / total if total else np.nan, **p))
    return out


def _pick(
    candidates: list[tuple[Any, pd.DataFrame]],
) -> tuple[tuple[str, ...], tuple[str, ...], pd.Series] | None:
    best: tuple[tuple[str, ...], tuple[str, ...], pd.Series] | None = None
    for dims, table in candidates:
        top = _best(table)
        if top is None:
            continue
        dims_t = dims if isinstance(dims, tuple) else (dims,)
        values = top[0] if isinstance(top[0], tuple) else (top[0],)
        if best is None or top[1]["excess"] > best[2]["excess"]:
            best = (dims_t, tuple(str(v) for v in values), top[1])
    return best


# ---------------------------------------------------------------- actions
def action_id(tenant: str, period: Period, problem: Problem, category: str) -> str:
    """Stable across reissues of the same period: a digest of what the action is about."""
    key = (
        f"{tenant}|{period.cadence}|{period.label}|{problem.kpi}|{problem.segment_label}|{category}"
    )
    return "ACT-" + hashlib.sha256(key.encode()).hexdigest()[:10]


def cause_template(playbook: Mapping[str, Any], cause: Hypothesis) -> dict[str, Any] | None:
    """The playbook's texts for a cause: its category's, with what the hypothesis itself
    words differently (`[hypotheses.KEY]`) in their place; None when the category has none."""
    template = playbook["actions"].get(cause.category)
    if template is None:
        return None
    return {**template, **playbook.get("hypotheses", {}).get(cause.key, {})}


def draft_actions(
    problems: list[Problem],
    causes: list[Hypothesis],
    period: Period,
    tenant: str,
    settings: Settings,
    playbook: dict[str, Any],
    _: Gettext,
) -> pd.DataFrame:
    """One SMART draft per problem and category with a verified cause (its strongest one),
    from the playbook: owner, target, due date."""
    by_rank = {p.rank: p for p in problems}
    end = period.end(settings.zone).date()
    rows = []
    for cause in strongest(causes):
        template = cause_template(playbook, cause)
        if template is None:
            continue
        problem = by_rank[cause.problem_rank]
        rows.append(
            {
                "action_id": action_id(tenant, period, problem, cause.category),
                "problem_rank": problem.rank,
                "action": _(str(template["action"])),
                "kpi": problem.kpi,
                "baseline": problem.value,
                "target": problem.target,
                "owner_role": _(str(template["owner_role"])),
                "due_date": (end + timedelta(days=int(template["due_days"]))).isoformat(),
                "status": "proposed",
                SEGMENT: problem.segment_label,
                "resource": _(str(template.get("resource", ""))),
                "risk": _(str(template.get("risk", ""))),
            }
        )
    return pd.DataFrame(rows, columns=[*ACTION_COLUMNS, SEGMENT, "resource", "risk"])


# ---------------------------------------------------------------- 5 whys
def five_whys(
    problems: list[Problem],
    causes: list[Hypothesis],
    playbook: dict[str, Any],
    words: Wording,
) -> pd.DataFrame:
    """A why-chain per problem and category with a verified cause (its strongest one): the
    symptom, the cause the data verified (with its numbers), the mechanism behind it, and a
    root the organisation can act on."""
    by_rank = {p.rank: p for p in problems}
    rows = []
    for cause in strongest(causes):
        template = cause_template(playbook, cause)
        if template is None or "root" not in template:
            continue
        title = problem_title(by_rank[cause.problem_rank], words)
        chain = [
            (
                words._("Why: {symptom}?").format(symptom=title),
                f"{cause.hypothesis} ({cause.evidence})",
            ),
            (words._("Why does that happen?"), words._(str(template["why"]))),
            (words._("Why is it not prevented?"), words._(str(template["root"]))),
        ]
        rows += [
            {
                "problem_rank": cause.problem_rank,
                "category": cause.category,
                "step": step,
                "why": why,
                "because": because,
            }
            for step, (why, because) in enumerate(chain, start=1)
        ]
    return pd.DataFrame(rows, columns=list(WHY_COLUMNS))


# ---------------------------------------------------------------- the step
def problem_title(problem: Problem, words: Wording) -> str:
    """A plain-language title, e.g. 'time band 20-24: service level 22.0 % (target 80.0 %); …'."""
    where = ", ".join(
        f"{words._(k.DIMENSION_LABELS[d])} {words.segment(d, v)}" for d, v in problem.segment
    )
    return words._("{where}: {kpi} {value} (target {target}); {share} of all such defects").format(
        where=where,
        kpi=words.label(problem.kpi),
        value=words.kpi_value(problem.kpi, problem.value),
        target=words.kpi_value(problem.kpi, problem.target),
        share=f"{problem.defect_share:.0%}",
    )


def draft_root_cause(
    facts: k.Facts,
    clean: dict[str, pd.DataFrame],
    period: Period,
    tenant: str,
    settings: Settings,
    words: Wording,
    *,
    previous: pd.DataFrame | None = None,
    staffing: pd.DataFrame | None = None,
    quarantine: Mapping[str, pd.DataFrame] | None = None,
) -> RootCause:
    """Problem list → fishbone tests → 5 whys and SMART drafts, deterministic for the same
    input. `previous` (the previous period's KPI rows from the results store), `staffing`
    (the Erlang C staffing summary) and `quarantine` (validation's rejected rows) feed the
    trend and the hypotheses that need them; without them those are not testable."""
    playbook = load_playbook(settings.playbook_file)
    problems = problem_list(facts, settings, playbook, previous)
    data = review_data(
        facts, clean, period, settings, previous=previous, staffing=staffing, quarantine=quarantine
    )
    limits = playbook["thresholds"]
    causes = [
        h
        for p in problems
        for h in fishbone_hypotheses(p.rank, p.kpi, p.segment, data, limits, words)
    ]
    problems_frame = pd.DataFrame(
        [
            {
                "rank": p.rank,
                "title": problem_title(p, words),
                "segment": p.segment_label,
                "kpi": p.kpi,
                "value": p.value,
                "baseline": p.baseline,
                "defects": p.defects,
                "defect_share": p.defect_share,
                "cumulative_share": p.cumulative_share,
                "priority": p.priority,
                "trend": p.trend,
                "target": p.target,
                "base": p.base,
                "previous": p.previous,
                "trend_factor": p.trend_factor,
            }
            for p in problems
        ],
        # target and base for crisis grading; previous and trend_factor for the report
        columns=[*PROBLEM_COLUMNS, "target", "base", "previous", "trend_factor"],
    )
    causes_frame = pd.DataFrame(
        [
            {
                "problem_rank": h.problem_rank,
                "category": h.category,
                "hypothesis": h.hypothesis,
                "verified": "true" if h.verified else "false",
                "evidence": h.evidence,
                "verdict": h.verdict,
                "test": h.test,
                "hypothesis_id": h.key,
                "label": h.label,
            }
            for h in causes
        ],
        columns=[*ROOT_CAUSE_COLUMNS, "label"],  # label: what the fishbone drawing shows
    )
    return RootCause(
        problems=problems_frame,
        causes=causes_frame,
        actions=draft_actions(problems, causes, period, tenant, settings, playbook, words._),
        followups=pd.DataFrame(columns=list(FOLLOWUP_COLUMNS)),
        whys=five_whys(problems, causes, playbook, words),
    )
