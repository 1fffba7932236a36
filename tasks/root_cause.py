"""Root cause: the problem list, fishbone hypotheses tested on data, 5 whys and SMART drafts.

From symptoms to causes: name the few segments that hold most of the excess defects, test
each 6M hypothesis for them against the data, and draft an action for every verified cause.
The drafts are records — message keys with their numbers, segments as (dimension, value)
pairs — worded once per report language by `tasks.render.root_cause_words`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd

from csreview import facts as f
from csreview.messages import Joined, KpiName, KpiValue, Message, Value, Where, say
from csreview.messages import mark as _n
from csreview.periods import Period
from csreview.settings import Settings
from tasks.actions import ACTION_COLUMNS as ACTION_COLUMNS
from tasks.actions import SCOPE, SEGMENT, draft_actions
from tasks.fishbone.review_data import review_data
from tasks.fishbone.runner import Hypothesis, fishbone_hypotheses, strongest
from tasks.playbook import cause_template
from tasks.problems import Problem, problem_list
from tasks.workforce import PeriodFigures

PROBLEM_COLUMNS: Final = (
    "rank", "title", "segment", "kpi", "value", "baseline", "defects",
    "defect_share", "cumulative_share", "priority", "trend",
)  # fmt: skip
ROOT_CAUSE_COLUMNS: Final = (
    "problem_rank", "category", "hypothesis", "verified", "evidence",
    "verdict", "test", "hypothesis_id",
)  # fmt: skip
WHY_COLUMNS: Final = ("problem_rank", "category", "step", "why", "because")
FOLLOWUP_COLUMNS: Final = (
    "action_id",
    "opened_in",
    "kpi",
    "baseline",
    "target",
    "current",
    "verdict",
)


TEXT_COLUMNS: Final = {  # per table: the columns holding message records, worded per language
    "problems": ("title",),
    "causes": ("hypothesis", "evidence", "test", "label"),
    "actions": ("action", "owner_role", "resource", "risk", SCOPE),
    "whys": ("why", "because"),
}
SEGMENT_COLUMNS: Final = {"problems": ("segment",), "actions": (SEGMENT,)}  # (dimension, value)s


@dataclass(frozen=True)
class RootCause:
    """The root-cause section: problems, tested hypotheses, 5-Why chains, actions and
    follow-ups. As drafted, the `TEXT_COLUMNS` hold message records and the
    `SEGMENT_COLUMNS` segments; worded (`tasks.render.root_cause_words.worded_root_cause`), the
    same tables hold one language's text and segment labels."""

    problems: pd.DataFrame
    causes: pd.DataFrame
    actions: pd.DataFrame
    followups: pd.DataFrame
    whys: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(WHY_COLUMNS)))


# ---------------------------------------------------------------- 5 whys
def five_whys(
    problems: list[Problem], causes: list[Hypothesis], playbook: Mapping[str, Any]
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
        title = problem_title(by_rank[cause.problem_rank])
        chain = [
            (
                say(_n("Why: {symptom}?"), symptom=title),
                Joined((cause.hypothesis, " (", cause.evidence, ")")),
            ),
            (Message(_n("Why does that happen?")), Message(str(template["why"]))),
            (Message(_n("Why is it not prevented?")), Message(str(template["root"]))),
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
def problem_title(problem: Problem) -> Message:
    """A plain-language title, e.g. 'time band 20-24: service level 22.0 % (target 80.0 %); …';
    an incident's against the usual days of their kind, with its hours where known."""
    if problem.days:
        values: dict[str, Value] = {
            "where": Where(problem.segment),
            "kpi": KpiName(problem.kpi),
            "value": KpiValue(problem.kpi, problem.value),
            "usual": KpiValue(problem.kpi, problem.baseline),
            "target": KpiValue(problem.kpi, problem.target),
        }
        if problem.hours is None:
            return say(
                _n(
                    "incident, {where}: {kpi} {value} against {usual} on usual days (target {target})"
                ),
                **values,
            )
        return say(
            _n(
                "incident, {where}: {kpi} {value} against {usual} on usual days (target "
                "{target}), worst {start:02d}:00–{end:02d}:00"
            ),
            start=problem.hours[0],
            end=problem.hours[1],
            **values,
        )
    return say(
        _n("{where}: {kpi} {value} (target {target}); {share} of all such defects"),
        where=Where(problem.segment),
        kpi=KpiName(problem.kpi),
        value=KpiValue(problem.kpi, problem.value),
        target=KpiValue(problem.kpi, problem.target),
        share=f"{problem.defect_share:.0%}",
    )


def draft_root_cause(
    facts: f.Facts,
    clean: dict[str, pd.DataFrame],
    period: Period,
    tenant: str,
    settings: Settings,
    playbook: Mapping[str, Any],
    *,
    previous: pd.DataFrame | None = None,
    staffing: pd.DataFrame | None = None,
    quarantine: Mapping[str, pd.DataFrame] | None = None,
    earlier: Mapping[str, PeriodFigures] | None = None,
) -> RootCause:
    """Problem list → fishbone tests → 5 whys and SMART drafts, deterministic for the same
    input and the same in every language. `previous` (the previous period's KPI rows from
    the results store), `staffing` (the Erlang C staffing summary) and `quarantine`
    (validation's rejected rows) and `earlier` (earlier periods' figures, from the results
    store) feed the trend and the hypotheses that need them; without them those are not
    testable."""
    problems = problem_list(facts, settings, playbook, previous)
    data = review_data(
        facts,
        clean,
        period,
        settings,
        previous=previous,
        staffing=staffing,
        quarantine=quarantine,
        earlier=earlier,
    )
    limits = playbook["thresholds"]
    causes = [
        h for p in problems for h in fishbone_hypotheses(p.rank, p.kpi, p.segment, data, limits)
    ]
    problems_frame = pd.DataFrame(
        [
            {
                "rank": p.rank,
                "title": problem_title(p),
                "segment": p.segment,
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
                "group": p.group,
                "days": p.days,
                "hours": p.hours,
            }
            for p in problems
        ],
        # target, base, group and an incident's days for crisis grading; previous,
        # trend_factor and an incident's hours for the report
        columns=[
            *PROBLEM_COLUMNS,
            "target",
            "base",
            "previous",
            "trend_factor",
            "group",
            "days",
            "hours",
        ],
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
        actions=draft_actions(problems, causes, period, tenant, settings, playbook, staffing),
        followups=pd.DataFrame(columns=list(FOLLOWUP_COLUMNS)),
        whys=five_whys(problems, causes, playbook),
    )
