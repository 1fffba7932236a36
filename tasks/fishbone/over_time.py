"""Centre-wide problems: hypotheses tested over time — against the previous period and the
same period last year (results store), and week against week within the period.

When a problem holds (nearly) the whole centre, or the rest of the centre fails as badly,
there is no healthy rest to compare with: what changed is then found against the centre's
own past — fewer agent-hours per contact, leavers, longer handling, transfers, repeats.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import pandas as pd

from csreview.messages import Joined, Message, Text, say
from csreview.messages import mark as _n
from tasks.fishbone.case import Case, Limits, Result, Test, judged, ratio_and_gap, untestable
from tasks.fishbone.defects import source_frame
from tasks.fishbone.review_data import DAY, HOURS, WEEK
from tasks.workforce import PeriodFigures

PREVIOUS: Final = "previous"
LAST_YEAR: Final = "last_year"


# ---------------------------------------------------------------- when a problem is the centre's
def base_share(case: Case) -> float:
    """The segment's share of the KPI's base over the whole centre (1: no rest)."""
    total = float(source_frame(case.data.facts, case.kind.source)[case.kind.base].sum())
    inside = float(case.source()[case.kind.base].sum())
    return inside / total if total else 1.0


def defect_rates(case: Case) -> tuple[float, float]:
    """The segment's defect rate and the rest of the centre's (NaN: no rest)."""
    frame = source_frame(case.data.facts, case.kind.source)
    defects, base = case.kind.defects(frame), frame[case.kind.base]
    inside = case.in_source  # a mask: picking the segment's rows by label hashed them all
    seg_d, seg_b = float(defects[inside].sum()), float(base[inside].sum())
    rest_d, rest_b = float(defects.sum()) - seg_d, float(base.sum()) - seg_b
    seg = seg_d / seg_b if seg_b else math.nan
    return seg, (rest_d / rest_b if rest_b else math.nan)


def centre_wide(case: Case, limits: Limits) -> bool:
    """The segment is all or nearly all of the centre: segment-against-rest tests say
    nothing, so only the tests looking within it and the tests over time are run."""
    return bool(base_share(case) >= limits["centre_wide_share"])


def spread(case: Case, limits: Limits) -> bool:
    """The rest of the centre fails nearly as badly as the segment: the problem is the
    centre's too, so the tests over time are run beside the usual ones."""
    seg, rest = defect_rates(case)
    return seg > 0 and not math.isnan(rest) and rest / seg >= limits["centre_wide_rest_ratio"]


# ---------------------------------------------------------------- against earlier periods
def _earlier(case: Case) -> tuple[PeriodFigures, PeriodFigures, PeriodFigures | None] | Result:
    """This period's figures, the previous period's and last year's (None when not on
    record); not testable when the previous period is not on record."""
    now, earlier = case.data.figures, case.data.earlier
    before = earlier.get(PREVIOUS)
    if now is None or before is None or math.isnan(before.contacts):
        label = before.label if before is not None else case.data.previous_label
        return untestable(
            say(
                _n("{period} is not on record: review or backfill the previous period"),
                period=label,
            )
        )
    last_year = earlier.get(LAST_YEAR)
    kept = last_year if last_year is not None and not math.isnan(last_year.contacts) else None
    return now, before, kept


def _also(evidence: Message, last_year: Text | None) -> Text:
    return evidence if last_year is None else Joined((evidence, "; ", last_year))


def staffing_over_time(case: Case, limits: Limits) -> Result:
    """Scheduled agent-hours per contact and agents on the rota against earlier periods."""
    got = _earlier(case)
    if isinstance(got, Result):
        return got
    now, before, last_year = got
    if math.isnan(now.hours_per_contact):
        return untestable(Message(_n("the data holds no shifts")))
    if math.isnan(before.hours_per_contact):
        return untestable(
            say(
                _n(
                    "{period} has no rota figures on record: review or backfill the previous period"
                ),
                period=before.label,
            )
        )
    drop = before.hours_per_contact / now.hours_per_contact if now.hours_per_contact else math.inf
    phrase = _n(
        "{now:.2f} scheduled agent-hours per contact with {agents:.0f} agents on the rota vs "
        "{before:.2f} with {agents_before:.0f} in {period}"
    )
    evidence = say(
        phrase,
        now=now.hours_per_contact,
        agents=now.rota_agents,
        before=before.hours_per_contact,
        agents_before=before.rota_agents,
        period=before.label,
    )
    aside = None
    if last_year is not None and not math.isnan(last_year.hours_per_contact):
        aside = say(
            _n("{value:.2f} with {agents:.0f} agents in {period}"),
            value=last_year.hours_per_contact,
            agents=last_year.rota_agents,
            period=last_year.label,
        )
    ratio = limits["staffing_drop_ratio"]
    return judged(drop >= ratio, drop / ratio, _also(evidence, aside))


def turnover_over_time(case: Case, limits: Limits) -> Result:
    """Leavers (attrition) and new hires against the previous period's."""
    got = _earlier(case)
    if isinstance(got, Result):
        return got
    now, before, last_year = got
    if math.isnan(before.attrition) or math.isnan(now.attrition):
        return untestable(
            say(
                _n(
                    "{period} has no roster figures on record: review or backfill the previous period"
                ),
                period=before.label,
            )
        )
    by_leavers = (now.attrition - before.attrition) / limits["attrition_gap"]
    by_hires = (
        (now.new_hire_share - before.new_hire_share) / limits["new_hire_gap"]
        if not (math.isnan(now.new_hire_share) or math.isnan(before.new_hire_share))
        else 0.0
    )
    strength = max(by_leavers, by_hires)
    evidence = say(
        _n(
            "{leavers:.0f} agents left ({rate:.0%} of an average {headcount:.1f}) and {hires:.0f} "
            "were hired in the last 90 days vs {leavers_before:.0f} ({rate_before:.0%}) and "
            "{hires_before:.0f} in {period}"
        ),
        leavers=now.leavers,
        rate=now.attrition,
        headcount=now.headcount,
        hires=now.new_hires,
        leavers_before=before.leavers,
        rate_before=before.attrition,
        hires_before=before.new_hires,
        period=before.label,
    )
    aside = None
    if last_year is not None and not math.isnan(last_year.attrition):
        aside = say(
            _n("{leavers:.0f} left ({rate:.0%}) in {period}"),
            leavers=last_year.leavers,
            rate=last_year.attrition,
            period=last_year.label,
        )
    return judged(strength >= 1, strength, _also(evidence, aside))


def _changed(
    case: Case, limits: Limits, figure: str, rule: tuple[str, str | None], phrases: tuple[str, str]
) -> Result:
    """One figure of the period against the previous period's: at least the rule's ratio
    times it (and its gap above it, when given); `phrases` word the comparison and last
    year's figure."""
    ratio, gap = rule
    phrase, aside_phrase = phrases
    got = _earlier(case)
    if isinstance(got, Result):
        return got
    now, before, last_year = got
    value, earlier = getattr(now, figure), getattr(before, figure)
    if math.isnan(value) or math.isnan(earlier):
        return untestable(Message(_n("no handled contacts to compare")))
    passed, strength = ratio_and_gap(value, earlier, limits[ratio], limits[gap] if gap else 0.0)
    evidence = say(phrase, now=value, before=earlier, period=before.label)
    aside = None
    if last_year is not None and not math.isnan(getattr(last_year, figure)):
        aside = say(aside_phrase, value=getattr(last_year, figure), period=last_year.label)
    return judged(passed, strength, _also(evidence, aside))


def handling_over_time(case: Case, limits: Limits) -> Result:
    """Average handle time against the previous period's."""
    return _changed(
        case, limits, "aht_seconds", ("handle_ratio", None),
        (_n("average handle time {now:.0f} s vs {before:.0f} s in {period}"),
         _n("{value:.0f} s in {period}")),
    )  # fmt: skip


def transfers_over_time(case: Case, limits: Limits) -> Result:
    """Transfer rate against the previous period's."""
    return _changed(
        case, limits, "transfer_rate", ("transfer_ratio", "transfer_gap"),
        (_n("transfer rate {now:.1%} vs {before:.1%} in {period}"), _n("{value:.1%} in {period}")),
    )  # fmt: skip


def repeats_over_time(case: Case, limits: Limits) -> Result:
    """Repeat-contact rate (1 − FCR) against the previous period's."""
    return _changed(
        case, limits, "repeat_rate", ("repeat_ratio", "repeat_gap"),
        (_n("repeat-contact rate {now:.1%} vs {before:.1%} in {period}"),
         _n("{value:.1%} in {period}")),
    )  # fmt: skip


# ---------------------------------------------------------------- week against week
def _weeks_named(days: pd.Series) -> str:
    return ", ".join(d.strftime("%m-%d") for d in sorted(days))


def weekly_staffing(case: Case, limits: Limits) -> Result:
    """The worst weeks' scheduled agent-hours per contact against the best weeks' (no
    history needed: the rota within the period)."""
    weeks = case.data.weeks
    if weeks.empty or weeks[HOURS].isna().all():
        return untestable(Message(_n("the data holds no shifts")))
    if case.kind.source != "contacts":
        return untestable(Message(_n("week against week needs a KPI counted on contacts")))
    week = case.data.details[WEEK]
    frame = case.source()
    per_week = (
        pd.DataFrame(
            {
                "defects": case.kind.defects(frame),
                "base": frame[case.kind.base],
                WEEK: week[frame.index],
            }
        )
        .groupby(WEEK)[["defects", "base"]]
        .sum()
    )
    per_week = per_week[per_week["base"] > 0]
    if len(per_week) < 2:
        return untestable(Message(_n("the period has fewer than two weeks to compare")))
    contacts = week.value_counts().reindex(weeks.index, fill_value=0)
    rate = (per_week["defects"] / per_week["base"]).sort_values(ascending=False, kind="stable")
    half = len(rate) // 2
    worst, best = rate.index[:half], rate.index[-half:]

    def per_contact(ws: pd.Index) -> float:
        n = float(contacts[ws].sum())
        return float(weeks.loc[ws, HOURS].sum()) / n if n else math.nan

    worst_hpc, best_hpc = per_contact(worst), per_contact(best)
    if math.isnan(worst_hpc) or math.isnan(best_hpc) or worst_hpc == 0:
        return untestable(Message(_n("no scheduled hours to compare")))
    drop = best_hpc / worst_hpc
    ratio = limits["staffing_drop_ratio"]
    return judged(
        drop >= ratio,
        drop / ratio,
        say(
            _n(
                "{worst:.2f} scheduled agent-hours per contact in the {n} weeks with the most "
                "defects (from {worst_weeks}: {worst_rate:.0%} defects) vs {best:.2f} in the "
                "{n} with the fewest (from {best_weeks}: {best_rate:.0%})"
            ),
            worst=worst_hpc,
            n=half,
            worst_weeks=_weeks_named(weeks.loc[worst, DAY]),
            worst_rate=float(
                per_week.loc[worst, "defects"].sum() / per_week.loc[worst, "base"].sum()
            ),
            best=best_hpc,
            best_weeks=_weeks_named(weeks.loc[best, DAY]),
            best_rate=float(per_week.loc[best, "defects"].sum() / per_week.loc[best, "base"].sum()),
        ),
    )


OVER_TIME: Final[Sequence[Test]] = (
    Test(
        "staffing_over_time", "environment",
        _n("Fewer agent-hours were scheduled per contact than in earlier periods"),
        _n("staffing vs earlier periods"),
        _n("scheduled agent-hours per contact: the previous period ÷ this one ≥ {staffing_drop_ratio:.2f}"),
        staffing_over_time,
    ),
    Test(
        "weekly_staffing", "environment",
        _n("The weeks with the most defects had fewer agent-hours scheduled per contact"),
        _n("staffing week against week"),
        _n("scheduled agent-hours per contact: the best weeks ÷ the worst ≥ {staffing_drop_ratio:.2f}"),
        weekly_staffing,
    ),
    Test(
        "turnover_over_time", "people",
        _n("Agents left or were replaced by new hires since earlier periods"),
        _n("leavers and new hires vs earlier periods"),
        _n("attrition rate, this period − the previous ≥ {attrition_gap:.0%}, or new-hire share ≥ {new_hire_gap:.0%} more"),
        turnover_over_time,
    ),
    Test(
        "handling_over_time", "machine",
        _n("Handling takes longer than in earlier periods (tools, systems or procedures)"),
        _n("handle time vs earlier periods"),
        _n("average handle time: this period ÷ the previous ≥ {handle_ratio:.1f}"),
        handling_over_time,
    ),
    Test(
        "transfers_over_time", "method",
        _n("More contacts are transferred than in earlier periods"),
        _n("transfers vs earlier periods"),
        _n("transfer rate: this period ÷ the previous ≥ {transfer_ratio:.1f} and − the previous ≥ {transfer_gap:.0%}"),
        transfers_over_time,
    ),
    Test(
        "repeats_over_time", "material",
        _n("More customers contact again than in earlier periods"),
        _n("repeat contacts vs earlier periods"),
        _n("repeat-contact rate: this period ÷ the previous ≥ {repeat_ratio:.1f} and − the previous ≥ {repeat_gap:.0%}"),
        repeats_over_time,
    ),
)  # fmt: skip
