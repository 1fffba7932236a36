"""Method (法): whether the process explains the segment — contacts routed to agents who must
transfer or escalate them, or to teams that handle them less well."""

from __future__ import annotations

from typing import Final

from csreview import facts as f
from csreview import schema as s
from csreview.messages import KpiName, KpiValue, Message, say
from csreview.messages import mark as _n
from tasks import compare
from tasks.fishbone.case import Case, Limits, Result, Test, judged, p_text, rate, rates, untestable
from tasks.fishbone.defects import BASE_NOUNS, kpi_from_defect_rate


def transfers(case: Case, limits: Limits) -> Result:
    """Transfer rate of the segment against the rest's."""
    return rates(
        rate(case.seg, f.HANDLED_TRANSFERRED, f.ANSWERED),
        rate(case.rest, f.HANDLED_TRANSFERRED, f.ANSWERED),
        limits,
        "transfer_ratio",
        "transfer_gap",
        _n("transfer rate {seg:.1%} in the segment vs {rest:.1%} elsewhere"),
    )


def escalations(case: Case, limits: Limits) -> Result:
    """Escalation rate of the segment against the rest's; for a complaint problem only over
    contacts that were not complaints, since complaints are escalated because they are ones."""
    c = case.data.facts.contacts
    keep = c[f.HANDLED_COMPLAINT] == 0 if case.kpi == "complaint_rate" else c[f.N] == 1
    columns = [f.HANDLED_ESCALATED, f.ANSWERED]
    seg, rest = c.loc[keep & case.inside, columns], c.loc[keep & ~case.inside, columns]
    return rates(
        rate(seg, f.HANDLED_ESCALATED, f.ANSWERED),
        rate(rest, f.HANDLED_ESCALATED, f.ANSWERED),
        limits,
        "escalation_ratio",
        "escalation_gap",
        _n(
            "escalation rate {seg:.1%} in the segment vs {rest:.1%} elsewhere, over contacts "
            "that were not complaints"
        )
        if case.kpi == "complaint_rate"
        else _n("escalation rate {seg:.1%} in the segment vs {rest:.1%} elsewhere"),
    )


def routing(case: Case, limits: Limits) -> Result:
    """Whether one team handles the segment much better than the others that get most of it:
    routing more of it there would cut defects."""
    if case.defined_by(s.TEAM):
        return untestable(
            Message(
                _n("the segment is defined by team, so routing between teams cannot explain it")
            )
        )
    if not case.kind.by_agent:
        return untestable(
            Message(_n("waits and abandons happen before an agent answers, so no team holds them"))
        )
    per_team = case.defects_by(s.TEAM)
    per_team = per_team[per_team["_base"] >= case.data.min_sample]
    if len(per_team) < 2:
        return untestable(
            say(
                _n("fewer than two teams handled at least {n} of the segment's {noun}"),
                n=case.data.min_sample,
                noun=Message(BASE_NOUNS[case.kind.source]),
            )
        )
    rates_ = (per_team["_defects"] / per_team["_base"]).rename("rate")
    ordered = per_team.assign(rate=rates_).reset_index()
    best = ordered.sort_values(["rate", s.TEAM], kind="stable").iloc[0]
    others = per_team.drop(index=best[s.TEAM])
    other_rate = float(others["_defects"].sum() / others["_base"].sum())
    best_share = float(best["_base"] / per_team["_base"].sum())
    p = compare.two_proportion_p(
        float(best["_defects"]), float(best["_base"]),
        float(others["_defects"].sum()), float(others["_base"].sum()),
    )  # fmt: skip
    relative = float(best["rate"]) / other_rate if other_rate > 0 else 1.0
    passed = (
        relative <= limits["routing_ratio"]
        and best_share < limits["routing_max_share"]
        and p < limits["routing_p"]
    )
    kpi = case.kpi
    return judged(
        passed,
        (1 - relative) / (1 - limits["routing_ratio"]),
        say(
            _n(
                "team {team}: {kpi} {best} in the segment vs {other} in the other teams, which "
                "handle {share:.0%} of it (z-test {p})"
            ),
            team=str(best[s.TEAM]),
            kpi=KpiName(kpi),
            best=KpiValue(kpi, kpi_from_defect_rate(kpi, float(best["rate"]))),
            other=KpiValue(kpi, kpi_from_defect_rate(kpi, other_rate)),
            share=1 - best_share,
            p=p_text(p),
        ),
    )


TESTS: Final = (
    Test(
        "transfers", "method",
        _n("Contacts of the segment are routed to agents who must transfer them"),
        _n("transfers"),
        _n("transfer rate: segment ÷ rest ≥ {transfer_ratio:.1f} and segment − rest ≥ {transfer_gap:.0%}"),
        transfers,
    ),
    Test(
        "escalations", "method",
        _n("The process makes agents escalate the segment's contacts instead of resolving them"),
        _n("escalations"),
        _n("escalation rate: segment ÷ rest ≥ {escalation_ratio:.1f} and segment − rest ≥ {escalation_gap:.0%}"),
        escalations,
    ),
    Test(
        "routing", "method",
        _n("Routing sends the segment's contacts to teams that handle them less well"),
        _n("routing by team"),
        _n("best team's defect rate ≤ {routing_ratio:.1f}× the other teams', which handle > {routing_max_share:.0%} of the segment; z-test p < {routing_p}"),
        routing,
    ),
)  # fmt: skip
