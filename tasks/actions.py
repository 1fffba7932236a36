"""SMART action drafts: one per verified cause, naming its segment and, where the data
gives it, the size of the change.

Several problems often share one cause (four problems of the evening band, all short of
agents): a manager approves one action for it, not four, so the drafts are merged by cause
and the action names every problem it answers.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

import pandas as pd

from csreview import facts as f
from csreview.messages import Message, Named, Segment, Value, say
from csreview.periods import Period
from csreview.settings import Settings
from tasks import staffing as st
from tasks.fishbone.runner import Hypothesis, strongest
from tasks.playbook import cause_template
from tasks.problems import Problem, segment_label

ACTION_COLUMNS: Final = (
    "action_id", "problem_rank", "action", "kpi", "baseline", "target",
    "owner_role", "due_date", "status", "problem_ranks",
)  # fmt: skip
SEGMENT: Final = "segment"  # kept with an action (not in actions.csv): what follow-ups measure
CATEGORY: Final = "category"  # the fishbone category of the cause the action answers
SCOPE: Final = "scope"  # the segment the action names, as a record (`Named`)
DRAFT_COLUMNS: Final = (*ACTION_COLUMNS, SEGMENT, "resource", "risk", CATEGORY, SCOPE)
ERLANG_C: Final = "erlang_c"  # the playbook's `size` of an action sized by the staffing plan
_TOLERANCE: Final = 1e-9  # so that a gap of exactly 2.0 agents is 2, not 3


def action_id(tenant: str, period: Period, problem: Problem, category: str) -> str:
    """Stable across reissues of the same period: a digest of what the action is about —
    for an action that answers several problems, its first (highest-ranked) problem."""
    key = (
        f"{tenant}|{period.cadence}|{period.label}|{problem.kpi}|{segment_label(problem.segment)}"
        f"|{category}"
    )
    return "ACT-" + hashlib.sha256(key.encode()).hexdigest()[:10]


def action_scope(segment: Segment, acts_on: Sequence[str]) -> Segment:
    """The part of a problem's segment an action changes: its dimensions the playbook names
    in `acts_on` (a rota changes hours, not categories); all of it when it names none of them."""
    kept = tuple((d, v) for d, v in segment if d in acts_on)
    return kept or segment


@dataclass(frozen=True)
class Size:
    """How much a rota falls short in some hours: at the time of day with the largest gap,
    Erlang C's mean need and the rota's mean agents, and the whole agents to add."""

    peak: str
    need: float
    rota: float
    more: int


def _band_hours(label: str) -> tuple[int, int] | None:
    """`20-24` → (20, 24); None for what is not an hour band."""
    start, _, end = label.partition("-")
    return (int(start), int(end)) if start.isdigit() and end.isdigit() else None


def staffing_size(summary: pd.DataFrame | None, scope: Segment) -> Size | None:
    """The rota's shortfall in the scope's hours, from the Erlang C staffing summary folded
    onto one day (as the staffing page shows it); None when the scope names no hours, there
    is no staffing plan, or the rota meets the need at every time of those hours."""
    hours = next((_band_hours(v) for d, v in scope if d == f.HOUR_BAND), None)
    if hours is None or summary is None or summary.empty:
        return None
    day = st.by_time_of_day(summary)
    hour = day[st.HALF_HOUR].str.slice(0, 2).astype(int)
    inside = day[(hour >= hours[0]) & (hour < hours[1])]
    gap = inside[st.REQUIRED_AGENTS] - inside[st.SCHEDULED_AGENTS]
    if gap.empty or not gap.max() > _TOLERANCE:
        return None
    peak = inside.iloc[int(gap.to_numpy().argmax())]  # the first time of day on a tie
    return Size(
        peak=str(peak[st.HALF_HOUR]),
        need=float(peak[st.REQUIRED_AGENTS]),
        rota=float(peak[st.SCHEDULED_AGENTS]),
        more=math.ceil(float(gap.max()) - _TOLERANCE),
    )


def action_text(template: Mapping[str, Any], scope: Segment, size: Size | None) -> Message:
    """The action as a record naming its segment, with the size of the change where known."""
    where: Value = Named(scope)
    if size is None:
        return say(str(template["action"]), segment=where)
    msgid = template["sized_action_one" if size.more == 1 else "sized_action"]
    return say(
        str(msgid), segment=where, more=size.more, peak=size.peak, need=size.need, rota=size.rota
    )


def draft_actions(
    problems: list[Problem],
    causes: list[Hypothesis],
    period: Period,
    tenant: str,
    settings: Settings,
    playbook: Mapping[str, Any],
    staffing: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One SMART draft per cause: the strongest verified hypothesis of each problem and
    category, from the playbook (owner, target, due date; texts are its msgids). Problems
    whose causes call for the same action on the same segment (`action_scope`) get one
    draft, which names all of them; its KPI, baseline, target and id are its first
    problem's, which follow-ups measure."""
    by_rank = {p.rank: p for p in problems}
    end = period.end(settings.zone).date()
    drafts: dict[tuple[str, str, Segment], dict[str, Any]] = {}
    for cause in sorted(strongest(causes), key=lambda h: h.problem_rank):
        template = cause_template(playbook, cause)
        if template is None:
            continue
        problem = by_rank[cause.problem_rank]
        scope = action_scope(problem.segment, template.get("acts_on", ()))
        key = (cause.category, str(template["action"]), scope)
        if key in drafts:
            drafts[key]["ranks"].append(problem.rank)
            continue
        size = staffing_size(staffing, scope) if template.get("size") == ERLANG_C else None
        drafts[key] = {
            "action_id": action_id(tenant, period, problem, cause.category),
            "problem_rank": problem.rank,
            "action": action_text(template, scope, size),
            "kpi": problem.kpi,
            "baseline": problem.value,
            "target": problem.target,
            "owner_role": Message(str(template["owner_role"])),
            "due_date": (end + timedelta(days=int(template["due_days"]))).isoformat(),
            "status": "proposed",
            SEGMENT: problem.segment,
            "resource": Message(str(template.get("resource", ""))),
            "risk": Message(str(template.get("risk", ""))),
            CATEGORY: cause.category,
            SCOPE: Named(scope),
            "ranks": [problem.rank],
        }
    rows = [{**d, "problem_ranks": ";".join(map(str, d["ranks"]))} for d in drafts.values()]
    return pd.DataFrame(rows, columns=list(DRAFT_COLUMNS))  # without the working list `ranks`
