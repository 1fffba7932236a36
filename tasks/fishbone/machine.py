"""Machine (机): whether systems or tools explain the segment — slow handling, or days when
handle time or wait spiked."""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import pandas as pd

from csreview import facts as f
from csreview import schema as s
from csreview.frames import positions, rows_at
from csreview.messages import Message, Where, say
from csreview.messages import mark as _n
from tasks import compare
from tasks import kpis as k
from tasks.fishbone.case import (
    NO_HANDLED,
    Case,
    Limits,
    Result,
    Test,
    judged,
    p_text,
    past,
    rate,
    share,
    untestable,
)
from tasks.fishbone.defects import BASE_NOUNS, source_frame
from tasks.fishbone.review_data import DAY


def handle_time(case: Case, limits: Limits) -> Result:
    """Average handle time of the segment against the rest's; like for like when the segment
    is of one channel (a chat takes longer than a call by nature)."""
    channel = dict(case.segment).get(s.CHANNEL)
    if channel is not None and len(case.segment) == 1:
        return untestable(
            Message(
                _n("the segment is one channel, and handle times differ between channels by nature")
            )
        )
    rest = case.rest
    if channel is not None:
        rest = rest[k.in_segment(rest, ((s.CHANNEL, channel),))]
    aht_seg = rate(case.seg, f.HANDLE, f.ANSWERED)
    aht_rest = rate(rest, f.HANDLE, f.ANSWERED)
    if math.isnan(aht_seg) or math.isnan(aht_rest) or aht_rest == 0:
        return untestable(NO_HANDLED)
    text = (
        _n(
            "average handle time {seg:.0f} s in the segment vs {rest:.0f} s in the same "
            "channel elsewhere"
        )
        if channel is not None
        else _n("average handle time {seg:.0f} s in the segment vs {rest:.0f} s elsewhere")
    )
    return past(aht_seg / aht_rest, limits["handle_ratio"], say(text, seg=aht_seg, rest=aht_rest))


MIN_DAYS: Final = 7  # days with enough contacts for a robust z to mean something


def robust_z(values: pd.Series) -> pd.Series:
    """(x − median) ÷ (1.4826 × MAD): how unusual each value is, not swayed by the outliers
    it looks for; 0 everywhere when the values do not vary."""
    median = values.median()
    scale = 1.4826 * float((values - median).abs().median())
    if scale == 0:
        scale = 1.2533 * float((values - median).abs().mean())
    if scale == 0:
        return pd.Series(0.0, index=values.index)
    return (values - median) / scale


def _days_of(case: Case, frame: pd.DataFrame) -> pd.Series:
    """The local day of each row of a facts frame (contacts directly, others by contact)."""
    details = case.data.details
    if case.kind.source == "contacts":
        days: pd.Series = details.loc[frame.index, DAY]
        return days
    at = positions(frame[s.CONTACT_ID], case.data.facts.contacts[s.CONTACT_ID])
    return rows_at(details[DAY], at, frame.index)


def _slowdown(on: pd.DataFrame, off: pd.DataFrame) -> tuple[float, str, float, float]:
    """The larger rise of average handle time or wait, incident days (ON: handled contacts)
    against the other days (OFF): ratio, what rose, and the two averages."""
    best = (0.0, "handle", math.nan, math.nan)
    for what, column in (("handle", f.HANDLE), ("wait", f.WAIT)):
        mean_on, mean_off = float(on[column].mean()), float(off[column].mean())
        if mean_off > 0 and mean_on / mean_off > best[0]:
            best = (mean_on / mean_off, what, mean_on, mean_off)
    return best


def incident_slowdown(case: Case, limits: Limits) -> Result:
    """For an incident: whether handle time or waits rose on its days, across the centre or
    in a category, and the KPI's defects there followed (an outage slows the contacts that
    need the failing system, and those contacts fail); the scope that supports it best."""
    dates = tuple((d, v) for d, v in case.segment if d == f.DATE)
    contacts = case.data.facts.contacts
    handled = contacts[contacts[f.ANSWERED] == 1]
    on_day = k.in_segment(handled, dates)
    frame = source_frame(case.data.facts, case.kind.source)
    frame_on = k.in_segment(frame, dates)
    days = contacts.loc[k.in_segment(contacts, dates), f.DATE].nunique()
    least = int(limits["min_day_contacts"]) * max(days, 1)
    scopes: list[tuple[str | None, pd.Series, pd.Series]] = [
        (None, pd.Series(True, index=handled.index), pd.Series(True, index=frame.index))
    ]
    for category in sorted(handled[s.CATEGORY].dropna().astype(str).unique()):
        scopes.append(
            (
                category,
                (handled[s.CATEGORY].astype(str) == category),
                (frame[s.CATEGORY].astype(str) == category),
            )
        )
    results = [
        _scope_result(case, limits, category, on, off, in_frame & frame_on, in_frame & ~frame_on)
        for category, in_handled, in_frame in scopes
        for on, off in [(handled[in_handled & on_day], handled[in_handled & ~on_day])]
        if len(on) >= least and len(off) >= least
    ]
    if not results:
        return untestable(
            say(
                _n("fewer than {n} handled contacts a day on the incident's days to compare"),
                n=int(limits["min_day_contacts"]),
            )
        )
    # the scope that best supports the cause: verified first, then the strongest
    return max(results, key=lambda r: (r.verdict == "verified", r.strength))


def _scope_result(
    case: Case,
    limits: Limits,
    category: str | None,
    on: pd.DataFrame,
    off: pd.DataFrame,
    inside: pd.Series,
    outside: pd.Series,
) -> Result:
    """One scope of an incident (the centre, or a category): its slowdown on the incident's
    days (handled contacts ON against OFF) and whether its defects (source rows INSIDE the
    days against OUTSIDE) followed."""
    ratio, what, mean_on, mean_off = _slowdown(on, off)
    frame = source_frame(case.data.facts, case.kind.source)
    defects, base = case.kind.defects(frame), frame[case.kind.base]
    d_on, b_on = float(defects[inside].sum()), float(base[inside].sum())
    d_off, b_off = float(defects[outside].sum()), float(base[outside].sum())
    rate_on, rate_off = share(d_on, b_on), share(d_off, b_off)
    follows = rate_on / rate_off if rate_off > 0 else (math.inf if rate_on > 0 else 0.0)
    p = compare.two_proportion_p(d_on, b_on, d_off, b_off) if b_on and b_off else 1.0
    strength = min(ratio / limits["handle_ratio"], follows / limits["spike_ratio"])
    return judged(
        ratio >= limits["handle_ratio"]
        and follows >= limits["spike_ratio"]
        and p < limits["spike_p"],
        strength if math.isfinite(strength) else ratio / limits["handle_ratio"],
        say(
            _n(
                "on the incident's days {what} in {scope} averaged {on:.0f} s against {off:.0f} s "
                "on the other days ({ratio:.1f}×); its defect rate there was {rate_on:.1%} "
                "against {rate_off:.1%} (z-test {p})"
            ),
            what=Message(_n("wait")) if what == "wait" else Message(_n("handle time")),
            scope=(
                Message(_n("the whole centre"))
                if category is None
                else Where(((s.CATEGORY, category),))
            ),
            on=mean_on,
            off=mean_off,
            ratio=ratio,
            rate_on=0.0 if math.isnan(rate_on) else rate_on,
            rate_off=0.0 if math.isnan(rate_off) else rate_off,
            p=p_text(p),
        ),
    )


def day_spikes(case: Case, limits: Limits) -> Result:
    """Days on which the segment's handle time or wait was far above its usual day, and the
    share of its defects those days hold; for an incident (a segment of days), whether its
    days were slow across the centre or in a category (`incident_slowdown`)."""
    if case.defined_by(f.DATE):
        return incident_slowdown(case, limits)
    answered = case.seg[case.seg[f.ANSWERED] == 1]
    daily = (
        answered.assign(**{DAY: case.data.details.loc[answered.index, DAY]})
        .groupby(DAY)
        .agg(n=(f.ANSWERED, "size"), handle=(f.HANDLE, "mean"), wait=(f.WAIT, "mean"))
    )
    daily = daily[daily["n"] >= limits["min_day_contacts"]]
    if len(daily) < MIN_DAYS:
        return untestable(
            say(
                _n(
                    "only {days} days have at least {n} handled contacts in the segment; {least} are needed"
                ),
                days=len(daily),
                n=limits["min_day_contacts"],
                least=MIN_DAYS,
            )
        )
    z_handle, z_wait = robust_z(daily["handle"]), robust_z(daily["wait"])
    worst = pd.concat([z_handle, z_wait], axis=1).max(axis=1)
    spikes = worst[worst >= limits["spike_z"]].index
    if len(spikes) == 0:
        return judged(
            False,
            0.0,
            say(
                _n(
                    "no day stands out: the highest robust z of daily handle time or wait is "
                    "{z:.1f} over {days} days"
                ),
                z=float(worst.max()),
                days=len(daily),
            ),
        )
    frame = case.source()
    on_spike = _days_of(case, frame).isin(spikes)
    defects, base = case.kind.defects(frame), frame[case.kind.base]
    defect_share = share(defects[on_spike].sum(), defects.sum())
    base_share = share(base[on_spike].sum(), base.sum())
    ratio = defect_share / base_share if base_share and not math.isnan(defect_share) else 0.0
    p = (
        compare.two_proportion_p(
            float(defects[on_spike].sum()), float(base[on_spike].sum()),
            float(defects[~on_spike].sum()), float(base[~on_spike].sum()),
        )
        if 0 < base_share < 1
        else 1.0
    )  # fmt: skip
    at = int(np.argmax(worst.to_numpy()))
    by_wait = bool(z_wait.iloc[at] >= z_handle.iloc[at])
    column = "wait" if by_wait else "handle"
    return judged(
        ratio >= limits["spike_ratio"] and p < limits["spike_p"],
        ratio / limits["spike_ratio"],
        say(
            _n(
                "days with handle time or wait far above the segment's usual: {days} (worst "
                "{day}: {what} {value:.0f} s vs a median day's {median:.0f} s); they hold "
                "{defects:.0%} of its defects with {base:.0%} of its {noun} (z-test {p})"
            ),
            p=p_text(p),
            days=len(spikes),
            day=pd.DatetimeIndex(daily.index)[at].date().isoformat(),
            what=Message(_n("wait")) if by_wait else Message(_n("handle time")),
            value=float(daily[column].iloc[at]),
            median=float(daily[column].median()),
            defects=0.0 if math.isnan(defect_share) else defect_share,
            base=base_share,
            noun=Message(BASE_NOUNS[case.kind.source]),
        ),
    )


TESTS: Final = (
    Test(
        "handle_time", "machine",
        _n("Systems or tools slow down the handling of the segment's contacts"),
        _n("handle time"),
        _n("average handle time: segment ÷ rest ≥ {handle_ratio:.1f}"),
        handle_time,
    ),
    Test(
        "day_spikes", "machine",
        _n("A system or tool failed on some days: handle time or wait spiked"),
        _n("spike days"),
        _n("days with handle time or wait at robust z ≥ {spike_z:.1f}: share of defects ≥ {spike_ratio:.1f}× their share of the base, z-test p < {spike_p}"),
        day_spikes,
    ),
)  # fmt: skip
