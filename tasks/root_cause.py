"""Root cause: the Pareto problem list, fishbone hypotheses tested on data, SMART action drafts.

From symptoms to causes: name the few segments that hold most of the excess defects, test
each 6M hypothesis for them against the data, and draft an action for every verified cause.
"""

from __future__ import annotations

import hashlib
import itertools
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Final, Protocol

import numpy as np
import pandas as pd

from csreview import schema as s
from csreview.periods import Period
from csreview.settings import Settings, config_text
from tasks import kpis as k

Gettext = Callable[[str], str]


class Wording(Protocol):
    """How the run's language words things (render.Formatter is one)."""

    def _(self, message: str) -> str: ...
    def label(self, kpi: str) -> str: ...
    def kpi_value(self, kpi: str, value: float) -> str: ...
    def segment(self, dimension: str, value: str) -> str: ...


FISHBONE: Final = ("people", "machine", "material", "method", "environment", "measurement")
DRILL_DIMENSIONS: Final = (s.CATEGORY, s.CHANNEL, k.HOUR_BAND, s.TEAM, s.TIER)
AGENT_DIMENSIONS: Final = (s.TEAM, s.TIER)

PROBLEM_COLUMNS: Final = (
    "rank", "title", "segment", "kpi", "value", "baseline", "defects",
    "defect_share", "cumulative_share", "priority",
)  # fmt: skip
ROOT_CAUSE_COLUMNS: Final = ("problem_rank", "category", "hypothesis", "verified", "evidence")
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
    """The playbook as data."""
    return tomllib.loads(playbook_text(path))


@dataclass(frozen=True)
class DefectKind:
    """A KPI read as defects over a base, e.g. service-level misses over offered contacts."""

    kpi: str
    source: str
    defects: Callable[[pd.DataFrame], pd.Series]
    base: str
    defect_rate_target: Callable[[float], float]


DEFECT_KINDS: Final = (
    DefectKind("service_level", "contacts", lambda f: f[k.COUNTED] - f[k.WITHIN_SL], k.COUNTED, lambda t: 1 - t),
    DefectKind("abandon_rate", "contacts", lambda f: f[k.ABANDON_COUNTED], k.COUNTED, lambda t: t),
    DefectKind("complaint_rate", "contacts", lambda f: f[k.HANDLED_COMPLAINT], k.ANSWERED, lambda t: t),
    DefectKind("fcr", "contacts", lambda f: f[k.ANSWERED] - f[k.NOT_REPEATED], k.ANSWERED, lambda t: 1 - t),
    DefectKind("csat_top2", "surveys", lambda f: f[k.CSAT_N] - f[k.CSAT_TOP2], k.CSAT_N, lambda t: 1 - t),
    DefectKind("qa_fail_rate", "qa", lambda f: f[k.FAILED], k.N, lambda t: t),
)  # fmt: skip


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

    @property
    def segment_label(self) -> str:
        return ";".join(f"{d}={v}" for d, v in self.segment)


@dataclass(frozen=True)
class Hypothesis:
    """One fishbone hypothesis for a problem, with the numbers that confirm or reject it."""

    problem_rank: int
    category: str
    hypothesis: str
    verified: bool
    evidence: str


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
def _source(facts: k.Facts, name: str) -> pd.DataFrame:
    return {"contacts": facts.contacts, "surveys": facts.surveys, "qa": facts.qa}[name]


def segment_excess(
    frame: pd.DataFrame, kind: DefectKind, target_rate: float, dims: tuple[str, ...], min_base: int
) -> pd.DataFrame:
    """Defects, base and excess over the target defect rate of every segment of `dims`."""
    data = frame.assign(_defects=kind.defects(frame), _base=frame[kind.base])
    grouped = data.groupby(list(dims), observed=True)[["_defects", "_base"]].sum()
    grouped = grouped[grouped["_base"] >= min_base]
    total_defects, total_base = data["_defects"].sum(), data["_base"].sum()
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


def problem_list(facts: k.Facts, settings: Settings, playbook: dict[str, Any]) -> list[Problem]:
    """The top problems: per KPI the segment holding most excess defects, ranked by priority."""
    weights: dict[str, float] = playbook["problem_weights"]
    limits = playbook["thresholds"]
    found: list[dict[str, Any]] = []
    for kind in DEFECT_KINDS:
        spec = settings.targets.get(kind.kpi)
        frame = _source(facts, kind.source)
        if spec is None or frame.empty:
            continue
        target_rate = kind.defect_rate_target(spec.target)
        # unanswered contacts have no agent: agent segments only for handled-contact defects
        dims_ = (
            DRILL_DIMENSIONS
            if kind.base != k.COUNTED
            else tuple(d for d in DRILL_DIMENSIONS if d not in AGENT_DIMENSIONS)
        )
        singles = [
            (d, segment_excess(frame, kind, target_rate, (d,), settings.min_sample)) for d in dims_
        ]
        pairs = [
            (d, segment_excess(frame, kind, target_rate, d, settings.min_sample))
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
        found.append(
            {
                "kpi": kind.kpi,
                "segment": tuple(zip(dims, values, strict=True)),
                "value": _kpi_value(kind.kpi, float(row["rate"])),
                "baseline": _kpi_value(kind.kpi, float(row["rest_rate"])),
                "target": spec.target,
                "defects": int(row["defects"]),
                "base": int(row["base"]),
                "excess": float(row["excess"]),
                "defect_share": float(row["share"]),
                "priority": float(row["excess"]) * float(weights.get(kind.kpi, 1.0)),
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


def _kpi_value(kpi: str, defect_rate: float) -> float:
    """A defect rate read back as the KPI's own value (e.g. misses → service level)."""
    return 1 - defect_rate if kpi in ("service_level", "fcr", "csat_top2") else defect_rate


# ---------------------------------------------------------------- fishbone tests
def _mask(frame: pd.DataFrame, problem: Problem) -> pd.Series:
    return k.in_segment(frame, problem.segment)


def _rate(frame: pd.DataFrame, numerator: str, denominator: str) -> float:
    d = frame[denominator].sum()
    return float(frame[numerator].sum() / d) if d else float("nan")


def hourly_load(
    contacts: pd.DataFrame, shifts: pd.DataFrame, period: Period, settings: Settings
) -> pd.Series:
    """Contacts per scheduled agent-hour, by hour of day, over the period."""
    zone = settings.zone
    start, end = pd.Timestamp(period.start(zone)), pd.Timestamp(period.end(zone))
    arrivals = contacts.groupby(k.HOUR).size().reindex(range(24), fill_value=0)
    hours = pd.Series(0.0, index=range(24))
    if not shifts.empty:
        begin = shifts[s.STARTS_AT].where(shifts[s.STARTS_AT] > start, start)
        finish = shifts[s.ENDS_AT].where(shifts[s.ENDS_AT] < end, end)
        first_slot = begin.dt.floor("h")
        for offset in range(s.MAX_SHIFT_HOURS + 2):
            slot = first_slot + pd.Timedelta(hours=offset)
            overlap = (
                finish.where(finish < slot + pd.Timedelta(hours=1), slot + pd.Timedelta(hours=1))
                - begin.where(begin > slot, slot)
            ).dt.total_seconds().clip(lower=0) / 3600
            hours = hours.add(overlap.groupby(slot.dt.hour).sum(), fill_value=0.0)
    return arrivals / hours.where(hours > 0)


def fishbone_hypotheses(
    problem: Problem,
    facts: k.Facts,
    clean: dict[str, pd.DataFrame],
    period: Period,
    settings: Settings,
    playbook: dict[str, Any],
    _: Gettext,
    load: pd.Series,
) -> list[Hypothesis]:
    """The six fishbone categories tested for one problem: segment against the rest."""
    limits = playbook["thresholds"]
    c = facts.contacts
    inside = _mask(c, problem)
    seg, rest = c[inside], c[~inside]
    out: list[Hypothesis] = []

    def add(category: str, hypothesis: str, verified: bool, evidence: str) -> None:
        out.append(Hypothesis(problem.rank, category, _(hypothesis), bool(verified), evidence))

    # environment: staffing against arrivals
    seg_load = float(seg[k.HOUR].map(load).mean()) if len(seg) else float("nan")
    rest_load = float(rest[k.HOUR].map(load).mean()) if len(rest) else float("nan")
    ratio = seg_load / rest_load if rest_load else float("nan")
    add(
        "environment",
        "Too few agents are scheduled for the segment's arrival volume",
        bool(ratio >= limits["load_ratio"]),
        _(
            "{seg:.1f} contacts per scheduled agent-hour in the segment vs {rest:.1f} elsewhere ({ratio:.1f}×)"
        ).format(seg=seg_load, rest=rest_load, ratio=ratio),
    )
    # people: junior share of handled contacts
    handled_seg, handled_rest = seg[seg[k.ANSWERED] == 1], rest[rest[k.ANSWERED] == 1]
    j_seg = float((handled_seg[s.TIER] == "junior").mean()) if len(handled_seg) else float("nan")
    j_rest = float((handled_rest[s.TIER] == "junior").mean()) if len(handled_rest) else float("nan")
    by_tier = any(dimension == s.TIER for dimension, _value in problem.segment)
    add(
        "people",
        "The segment is handled mostly by junior agents",
        not by_tier and bool(j_seg - j_rest >= limits["junior_share_gap"]),
        _("the segment is defined by agent tier, so its junior share cannot explain it")
        if by_tier
        else _(
            "junior agents handled {seg:.0%} of the segment's contacts vs {rest:.0%} elsewhere"
        ).format(seg=j_seg, rest=j_rest),
    )
    # material: repeat contacts (knowledge gaps)
    rep_seg = 1 - _rate(seg, k.NOT_REPEATED, k.ANSWERED)
    rep_rest = 1 - _rate(rest, k.NOT_REPEATED, k.ANSWERED)
    add(
        "material",
        "Customers of the segment must contact again: information or knowledge is missing",
        bool(rep_seg >= limits["repeat_ratio"] * rep_rest and rep_seg - rep_rest >= 0.05),
        _("{seg:.1%} of handled contacts repeated within 7 days vs {rest:.1%} elsewhere").format(
            seg=rep_seg, rest=rep_rest
        ),
    )
    # method: transfers (routing)
    tr_seg, tr_rest = (
        _rate(seg, k.HANDLED_TRANSFERRED, k.ANSWERED),
        _rate(rest, k.HANDLED_TRANSFERRED, k.ANSWERED),
    )
    add(
        "method",
        "Contacts of the segment are routed to agents who must transfer them",
        bool(tr_seg >= limits["transfer_ratio"] * tr_rest and tr_seg - tr_rest >= 0.03),
        _("transfer rate {seg:.1%} in the segment vs {rest:.1%} elsewhere").format(
            seg=tr_seg, rest=tr_rest
        ),
    )
    # machine: handle time
    aht_seg, aht_rest = _rate(seg, k.HANDLE, k.ANSWERED), _rate(rest, k.HANDLE, k.ANSWERED)
    add(
        "machine",
        "Systems or tools slow down the handling of the segment's contacts",
        bool(aht_seg >= limits["handle_ratio"] * aht_rest),
        _("average handle time {seg:.0f} s in the segment vs {rest:.0f} s elsewhere").format(
            seg=aht_seg, rest=aht_rest
        ),
    )
    # measurement: survey coverage (or reviewer agreement for QA problems)
    if problem.kpi == "qa_fail_rate":
        spread = _qa_spread(facts.qa)
        target = (
            settings.targets["qa_reviewer_spread"].target
            if "qa_reviewer_spread" in settings.targets
            else 9.0
        )
        add(
            "measurement",
            "QA reviewers disagree, so QA failures partly reflect who scored",
            bool(spread > target),
            _(
                "reviewers scoring the same contact differ by {spread:.1f} points on average (target ≤ {target:.0f})"
            ).format(spread=spread, target=target),
        )
    else:
        surveyed = facts.surveys
        sv_seg = _mask(surveyed, problem).sum() / max(int(seg[k.ANSWERED].sum()), 1)
        sv_rest = (~_mask(surveyed, problem)).sum() / max(int(rest[k.ANSWERED].sum()), 1)
        add(
            "measurement",
            "The segment is poorly measured: few customers answer the survey",
            bool(sv_seg < limits["response_ratio"] * sv_rest),
            _("survey response {seg:.1%} in the segment vs {rest:.1%} elsewhere").format(
                seg=sv_seg, rest=sv_rest
            ),
        )
    return out


def _qa_spread(qa: pd.DataFrame) -> float:
    per_contact = qa.groupby(s.CONTACT_ID).agg(
        reviewers=(s.REVIEWER_ID, "nunique"), high=(s.SCORE, "max"), low=(s.SCORE, "min")
    )
    calibrated = per_contact[per_contact["reviewers"] >= 2]
    return (
        float((calibrated["high"] - calibrated["low"]).mean()) if len(calibrated) else float("nan")
    )


# ---------------------------------------------------------------- actions
def action_id(tenant: str, period: Period, problem: Problem, category: str) -> str:
    """Stable across reissues of the same period: a digest of what the action is about."""
    key = (
        f"{tenant}|{period.cadence}|{period.label}|{problem.kpi}|{problem.segment_label}|{category}"
    )
    return "ACT-" + hashlib.sha256(key.encode()).hexdigest()[:10]


def draft_actions(
    problems: list[Problem],
    causes: list[Hypothesis],
    period: Period,
    tenant: str,
    settings: Settings,
    playbook: dict[str, Any],
    _: Gettext,
) -> pd.DataFrame:
    """One SMART draft per verified cause, from the playbook: owner, target, due date."""
    by_rank = {p.rank: p for p in problems}
    end = period.end(settings.zone).date()
    rows = []
    for cause in causes:
        template = playbook["actions"].get(cause.category)
        if not cause.verified or template is None:
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
    """A why-chain per verified cause: the symptom, the cause the data verified (with its
    numbers), the mechanism behind it, and a root the organisation can act on."""
    by_rank = {p.rank: p for p in problems}
    rows = []
    for cause in causes:
        template = playbook["actions"].get(cause.category)
        if not cause.verified or template is None or "root" not in template:
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
) -> RootCause:
    """Problem list → fishbone tests → SMART drafts, deterministic for the same input."""
    playbook = load_playbook(settings.playbook_file)
    problems = problem_list(facts, settings, playbook)
    load = hourly_load(facts.contacts, clean[s.SHIFTS.name], period, settings)
    causes = [
        h
        for p in problems
        for h in fishbone_hypotheses(p, facts, clean, period, settings, playbook, words._, load)
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
                "target": p.target,
                "base": p.base,
            }
            for p in problems
        ],
        columns=[*PROBLEM_COLUMNS, "target", "base"],  # the last two for crisis grading
    )
    causes_frame = pd.DataFrame(
        [
            {
                "problem_rank": h.problem_rank,
                "category": h.category,
                "hypothesis": h.hypothesis,
                "verified": "true" if h.verified else "false",
                "evidence": h.evidence,
            }
            for h in causes
        ],
        columns=list(ROOT_CAUSE_COLUMNS),
    )
    return RootCause(
        problems=problems_frame,
        causes=causes_frame,
        actions=draft_actions(problems, causes, period, tenant, settings, playbook, words._),
        followups=pd.DataFrame(columns=list(FOLLOWUP_COLUMNS)),
        whys=five_whys(problems, causes, playbook, words),
    )
