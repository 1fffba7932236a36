"""Environment (环): whether the conditions explain the segment — too few agents scheduled for
its arrivals, Erlang C gaps, or a volume spike against the previous period."""

from __future__ import annotations

import math
from typing import Final

from csreview import facts as f
from csreview.messages import Message, say
from csreview.messages import mark as _n
from tasks.fishbone.case import Case, Limits, Result, Test, gap, judged, past, untestable
from tasks.fishbone.review_data import UNDERSTAFFED


def agent_load(case: Case, limits: Limits) -> Result:
    """Contacts per scheduled agent-hour in the segment's arrival hours against the rest's."""
    if not case.data.has_shifts:
        return untestable(Message(_n("the data holds no shifts")))
    load = case.data.load
    seg_hours, rest_hours = case.seg[f.HOUR].map(load), case.rest[f.HOUR].map(load)
    seg_load = float(seg_hours.mean()) if seg_hours.notna().any() else math.nan
    rest_load = float(rest_hours.mean()) if rest_hours.notna().any() else math.nan
    if len(case.seg) and math.isnan(seg_load) and not math.isnan(rest_load):
        return judged(
            True,
            limits["load_ratio"],
            say(
                _n(
                    "no agent is scheduled in the hours when the segment's {n} contacts arrive "
                    "vs {rest:.1f} contacts per scheduled agent-hour elsewhere"
                ),
                n=len(case.seg),
                rest=rest_load,
            ),
        )
    if math.isnan(seg_load) or math.isnan(rest_load) or rest_load == 0:
        return untestable(Message(_n("no scheduled hours to compare")))
    ratio = seg_load / rest_load
    return past(
        ratio,
        limits["load_ratio"],
        say(
            _n(
                "{seg:.1f} contacts per scheduled agent-hour in the segment vs {rest:.1f} elsewhere ({ratio:.1f}×)"
            ),
            seg=seg_load,
            rest=rest_load,
            ratio=ratio,
        ),
    )


def erlang_gaps(case: Case, limits: Limits) -> Result:
    """Share of the segment's phone and chat contacts arriving in intervals with fewer agents
    scheduled than Erlang C requires, against the rest's."""
    if not case.data.has_staffing:
        return untestable(Message(_n("no Erlang C staffing plan for the period")))
    flags = case.data.details[UNDERSTAFFED]
    seg, rest = flags[case.inside].dropna(), flags[~case.inside].dropna()
    if seg.empty or rest.empty:
        return untestable(
            Message(_n("the segment has no phone or chat contacts, which Erlang C staffing covers"))
        )
    return gap(
        float(seg.astype(bool).mean()),
        float(rest.astype(bool).mean()),
        limits,
        "understaffed_gap",
        _n(
            "{seg:.0%} of the segment's phone and chat contacts arrived in intervals with fewer "
            "agents scheduled than Erlang C requires vs {rest:.0%} elsewhere"
        ),
    )


def volume_spike(case: Case, limits: Limits) -> Result:
    """The segment's contacts per day against the previous period's (results store)."""
    previous = case.data.previous
    if previous.empty:
        return untestable(
            say(
                _n(
                    "the previous period {period} was not reviewed, so there is no volume to compare"
                ),
                period=case.data.previous_label,
            )
        )
    if len(case.segment) != 1:
        return untestable(
            Message(_n("earlier reviews keep volumes of one-dimension segments only"))
        )
    contacts = previous[previous[f.KPI] == "contacts"]
    dimension, value = case.segment[0]
    row = contacts[
        (contacts[f.DIMENSION] == dimension) & (contacts[f.SEGMENT].astype(str) == value)
    ]
    overall = contacts[contacts[f.DIMENSION] == f.ALL]
    now, before = float(len(case.seg)), float(row[f.VALUE].iloc[0]) if len(row) else 0.0
    if before == 0 or overall.empty:
        return judged(
            now > 0,
            limits["volume_growth"],
            say(
                _n("{now:.0f} contacts vs none in {period}"),
                now=now,
                period=case.data.previous_label,
            ),
        )
    per_day, per_day_before = now / case.data.days, before / case.data.previous_days
    growth = per_day / per_day_before
    centre_growth = (len(case.data.facts.contacts) / case.data.days) / (
        float(overall[f.VALUE].iloc[0]) / case.data.previous_days
    )
    return past(
        growth,
        limits["volume_growth"],
        say(
            _n(
                "{now:.0f} contacts ({per_day:.1f} a day) vs {before:.0f} ({per_day_before:.1f} "
                "a day) in {period}: {change:+.0%} a day (whole centre {centre:+.0%})"
            ),
            now=now,
            per_day=per_day,
            before=before,
            per_day_before=per_day_before,
            period=case.data.previous_label,
            change=growth - 1,
            centre=centre_growth - 1,
        ),
    )


TESTS: Final = (
    Test(
        "agent_load", "environment",
        _n("Too few agents are scheduled for the segment's arrival volume"),
        _n("contacts per agent-hour"),
        _n("contacts per scheduled agent-hour: segment ÷ rest ≥ {load_ratio:.1f}"),
        agent_load,
    ),
    Test(
        "erlang_gaps", "environment",
        _n("Fewer agents are scheduled than Erlang C requires when the segment's contacts arrive"),
        _n("Erlang C gaps"),
        _n("share of phone and chat contacts arriving understaffed: segment − rest ≥ {understaffed_gap:.0%}"),
        erlang_gaps,
    ),
    Test(
        "volume_spike", "environment",
        _n("The segment's volume spiked against the previous period (season, campaign, incident)"),
        _n("volume vs last period"),
        _n("contacts per day: this period ÷ the previous ≥ {volume_growth:.2f}"),
        volume_spike,
    ),
)  # fmt: skip
