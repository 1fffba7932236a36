"""People (人): whether who handles the segment explains it — juniors, new hires, a few
agents holding most defects, agents who score low on QA."""

from __future__ import annotations

import math
from typing import Final

import numpy as np

from csreview import facts as f
from csreview import schema as s
from csreview.messages import Message, say
from csreview.messages import mark as _n
from tasks.fishbone.case import (
    NO_HANDLED,
    Case,
    Limits,
    Result,
    Test,
    gap,
    judged,
    p_text,
    past,
    untestable,
)
from tasks.fishbone.defects import BASE_NOUNS
from tasks.fishbone.review_data import AGENT_QA, TENURE
from tasks.significance import chi2_contingency_p

CIRCULAR_TIER: Final = Message(
    _n("the segment is defined by agent tier, so its junior share cannot explain it")
)


def junior_share(case: Case, limits: Limits) -> Result:
    """Junior agents' share of the segment's handled contacts against the rest's."""
    if case.defined_by(s.TIER):
        return untestable(CIRCULAR_TIER)
    handled = case.handled
    junior = case.data.facts.contacts[s.TIER] == "junior"
    inside, outside = handled & case.inside, handled & ~case.inside
    j_seg = float(junior[inside].mean()) if inside.any() else math.nan
    j_rest = float(junior[outside].mean()) if outside.any() else math.nan
    if math.isnan(j_seg) or math.isnan(j_rest):
        return untestable(NO_HANDLED)
    return gap(
        j_seg,
        j_rest,
        limits,
        "junior_share_gap",
        _n("junior agents handled {seg:.0%} of the segment's contacts vs {rest:.0%} elsewhere"),
    )


def new_hires(case: Case, limits: Limits) -> Result:
    """Share of the segment's handled contacts taken by agents hired shortly before the period."""
    if case.defined_by(s.TIER):
        return untestable(
            Message(
                _n(
                    "the segment is defined by agent tier, which follows tenure, so tenure cannot explain it"
                )
            )
        )
    tenure = case.data.details[TENURE]
    seg, rest = tenure[case.inside].dropna(), tenure[~case.inside].dropna()
    if seg.empty or rest.empty:
        return untestable(NO_HANDLED)
    days = float(limits["new_hire_days"])
    return gap(
        float((seg < days).mean()),
        float((rest < days).mean()),
        limits,
        "new_hire_share_gap",
        _n(
            "agents hired less than {days:.0f} days before the period handled {seg:.0%} of the "
            "segment's contacts vs {rest:.0%} elsewhere (median tenure {seg_median:.0f} vs "
            "{rest_median:.0f} days)"
        ),
        days=days,
        seg_median=float(seg.median()),
        rest_median=float(rest.median()),
    )


def agent_concentration(case: Case, limits: Limits) -> Result:
    """Whether a few agents hold most of the segment's defects: the agents with most defects
    against their share of the base, and a χ² test that agents' defect rates differ."""
    if not case.kind.by_agent:
        return untestable(
            Message(_n("waits and abandons happen before an agent answers, so no agent holds them"))
        )
    per_agent = case.defects_by(f.AGENT)
    per_agent = per_agent[per_agent["_base"] > 0]
    n = len(per_agent)
    if n < limits["min_agents"]:
        return untestable(
            say(
                _n("only {n} agents handled the segment; at least {least} are needed"),
                n=n,
                least=limits["min_agents"],
            )
        )
    defects, base = float(per_agent["_defects"].sum()), float(per_agent["_base"].sum())
    if defects == 0 or defects == base:
        return judged(
            False, 0.0, say(_n("the segment's {n} agents all have the same defect rate"), n=n)
        )
    top_n = max(1, math.ceil(limits["top_agents_share"] * n))
    ordered = per_agent.reset_index().sort_values(
        ["_defects", "_base", f.AGENT], ascending=[False, True, True], kind="stable"
    )
    top = ordered.head(top_n)
    defect_share = float(top["_defects"].sum()) / defects
    base_share = float(top["_base"].sum()) / base
    ratio = defect_share / base_share
    table = np.column_stack(
        [
            per_agent["_defects"].to_numpy(float),
            (per_agent["_base"] - per_agent["_defects"]).to_numpy(float),
        ]
    )
    p = chi2_contingency_p(table)
    return judged(
        p < limits["concentration_p"] and ratio >= limits["concentration_ratio"],
        ratio / limits["concentration_ratio"] if p < limits["concentration_p"] else 0.0,
        say(
            _n(
                "the top {top} of {n} agents by defects hold {defects:.0%} of the segment's "
                "defects with {base:.0%} of its {noun} ({ratio:.1f}×); χ² test of agents' "
                "defect rates: {p}"
            ),
            top=top_n,
            n=n,
            defects=defect_share,
            base=base_share,
            noun=Message(BASE_NOUNS[case.kind.source]),
            ratio=ratio,
            p=p_text(p),
        ),
    )


def agent_qa(case: Case, limits: Limits) -> Result:
    """The QA scores of the agents handling the segment (per contact handled) against the rest's."""
    if case.kpi == "qa_fail_rate":
        return untestable(
            Message(
                _n(
                    "the problem is the QA result itself, so the agents' QA scores cannot explain it"
                )
            )
        )
    scores = case.data.details[AGENT_QA]
    seg, rest = scores[case.inside].dropna(), scores[~case.inside].dropna()
    if len(seg) < case.data.min_sample or rest.empty:
        return untestable(
            say(
                _n("only {n} of the segment's contacts were handled by agents with QA reviews"),
                n=len(seg),
            )
        )
    return past(
        float(rest.mean() - seg.mean()),
        limits["qa_score_gap"],
        say(
            _n(
                "the agents handling the segment score {seg:.1f} QA points on average (per "
                "contact handled) vs {rest:.1f} elsewhere"
            ),
            seg=float(seg.mean()),
            rest=float(rest.mean()),
        ),
    )


TESTS: Final = (
    Test(
        "junior_share", "people",
        _n("The segment is handled mostly by junior agents"),
        _n("junior agents"),
        _n("junior share of handled contacts: segment − rest ≥ {junior_share_gap:.0%}"),
        junior_share,
    ),
    Test(
        "new_hires", "people",
        _n("Agents hired recently handle the segment's contacts"),
        _n("new hires"),
        _n("share handled by agents hired < {new_hire_days:.0f} days before the period: segment − rest ≥ {new_hire_share_gap:.0%}"),
        new_hires,
    ),
    Test(
        "agent_concentration", "people",
        _n("A few agents hold most of the segment's defects"),
        _n("a few agents, most defects"),
        _n("top {top_agents_share:.0%} of agents by defects: share of defects ≥ {concentration_ratio:.1f}× their share of the base, χ² p < {concentration_p}"),
        agent_concentration,
    ),
    Test(
        "agent_qa", "people",
        _n("The agents handling the segment score low on QA"),
        _n("agents' QA scores"),
        _n("mean QA score of the handling agents: rest − segment ≥ {qa_score_gap:.1f} points"),
        agent_qa,
    ),
)  # fmt: skip
