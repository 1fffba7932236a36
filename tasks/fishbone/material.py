"""Material (料): whether missing information or knowledge explains the segment — customers
who must come back, contacts left unresolved, transfers that do not help."""

from __future__ import annotations

from typing import Final

from csreview import facts as f
from csreview.messages import Message, say
from csreview.messages import mark as _n
from tasks.fishbone.case import Case, Limits, Result, Test, rate, rates, share, untestable
from tasks.fishbone.review_data import UNRESOLVED


def repeat_contacts(case: Case, limits: Limits) -> Result:
    """Repeat contacts within 7 days (low FCR) of the segment against the rest's."""
    if case.kpi == "fcr":
        return untestable(
            Message(_n("the problem is the repeat rate itself (FCR), so repeats cannot explain it"))
        )
    return rates(
        1 - rate(case.seg, f.NOT_REPEATED, f.ANSWERED),
        1 - rate(case.rest, f.NOT_REPEATED, f.ANSWERED),
        limits,
        "repeat_ratio",
        "repeat_gap",
        _n("{seg:.1%} of handled contacts repeated within 7 days vs {rest:.1%} elsewhere"),
    )


def unresolved(case: Case, limits: Limits) -> Result:
    """Handled contacts the agent did not resolve (the `resolved` flag), segment against rest."""
    if not case.data.resolved_known:
        return untestable(Message(_n("the data carries no resolved flag")))
    flags = case.data.details[UNRESOLVED]
    handled = case.data.facts.contacts[f.ANSWERED]
    return rates(
        share(flags[case.inside].sum(), handled[case.inside].sum()),
        share(flags[~case.inside].sum(), handled[~case.inside].sum()),
        limits,
        "unresolved_ratio",
        "unresolved_gap",
        _n("{seg:.1%} of handled contacts were not resolved vs {rest:.1%} elsewhere"),
    )


def transfer_repeats(case: Case, limits: Limits) -> Result:
    """Whether the segment's transferred contacts come back more than its other contacts: the
    agent who received them lacked the answer too. Compared within the segment, so a segment
    whose customers come back anyway does not count."""
    seg = case.seg[case.seg[f.ANSWERED] == 1]
    moved = seg[f.HANDLED_TRANSFERRED] == 1
    if moved.sum() < case.data.min_sample or moved.all():
        return untestable(
            say(
                _n("only {n} of the segment's handled contacts were transferred"),
                n=int(moved.sum()),
            )
        )
    return rates(
        1 - rate(seg[moved], f.NOT_REPEATED, f.ANSWERED),
        1 - rate(seg[~moved], f.NOT_REPEATED, f.ANSWERED),
        limits,
        "transfer_repeat_ratio",
        "repeat_gap",
        _n(
            "{seg:.1%} of the segment's transferred contacts came back within 7 days vs "
            "{rest:.1%} of its contacts that were not transferred"
        ),
    )


TESTS: Final = (
    Test(
        "repeat_contacts", "material",
        _n("Customers of the segment must contact again: information or knowledge is missing"),
        _n("repeat contacts"),
        _n("repeat rate: segment ÷ rest ≥ {repeat_ratio:.1f} and segment − rest ≥ {repeat_gap:.0%}"),
        repeat_contacts,
    ),
    Test(
        "unresolved", "material",
        _n("Agents cannot resolve the segment's contacts: answers are missing"),
        _n("unresolved contacts"),
        _n("unresolved share: segment ÷ rest ≥ {unresolved_ratio:.1f} and segment − rest ≥ {unresolved_gap:.0%}"),
        unresolved,
    ),
    Test(
        "transfer_repeats", "material",
        _n("Transfers do not help: the receiving agent lacks the answer too"),
        _n("repeats after transfer"),
        _n("repeat rate in the segment: transferred ÷ not transferred ≥ {transfer_repeat_ratio:.1f} and transferred − not transferred ≥ {repeat_gap:.0%}"),
        transfer_repeats,
    ),
)  # fmt: skip
