"""The problem list, root-cause analysis, improvement plan and crisis level as a manager reads
them: each problem's trend, fishbone, hypotheses with their evidence, 5 whys and the causes it
shares with other problems; each action once, with the problems it answers.

Analysis hands over records; this is where they become sentences of one language."""

from __future__ import annotations

from typing import Any, Final

import pandas as pd

from csreview.facts import DIMENSION_LABELS
from csreview.i18n import mark as _n
from csreview.messages import Segment
from csreview.periods import Period
from csreview.personal_data import TEXT_CHARS, display_text
from tasks import charts
from tasks.crisis import Crisis
from tasks.render.formatting import CRISIS_LABELS, SENTENCE_CHARS, Formatter, svg_uri
from tasks.root_cause import RootCause

FISHBONE_LABELS: Final = {
    "people": _n("people"),
    "machine": _n("machine"),
    "material": _n("material"),
    "method": _n("method"),
    "environment": _n("environment"),
    "measurement": _n("measurement"),
}


TREND_SYMBOLS: Final = {  # as the comparisons: ▲ better, ▼ worse
    "worse": "▼", "better": "▲", "no_change": "—", "low_sample": "—", "na": "—",
}  # fmt: skip
TREND_LABELS: Final = {
    "worse": _n("worse than the previous period"),
    "better": _n("better than the previous period"),
    "no_change": _n("no significant change"),
    "low_sample": _n("too few to compare"),
    "na": _n("no earlier figure"),
}
CAUSE_VERDICTS: Final = {
    "verified": ("✓", _n("verified")),
    "not_supported": ("✗", _n("not supported")),
    "not_testable": ("–", _n("not testable")),
}


def _ranks(action: Any) -> list[int]:
    return [int(r) for r in str(action["problem_ranks"]).split(";")]


def shared_causes(rank: int, actions: pd.DataFrame, f: Formatter) -> list[str]:
    """What a problem shares with others: for each action that answers it and other problems
    too (the same verified cause on the same segment), one line naming them."""
    lines = []
    for _, a in actions.iterrows():
        ranks = _ranks(a)
        if rank not in ranks or len(ranks) < 2:
            continue
        others = [r for r in ranks if r != rank]
        msgid = (
            _n("Shares its verified {category} cause in {segment} with problem {others}: one action answers both ({action_id}).")
            if len(others) == 1
            else _n("Shares its verified {category} cause in {segment} with problems {others}: one action answers them all ({action_id}).")
        )  # fmt: skip
        lines.append(
            f._(msgid).format(
                category=f._(FISHBONE_LABELS[str(a["category"])]),
                segment=display_text(a["scope"]),
                others=", ".join(str(r) for r in others),
                action_id=a["action_id"],
            )
        )
    return lines


def action_rows(root_cause: RootCause, f: Formatter) -> list[dict[str, Any]]:
    """The improvement plan: each action once, with every problem it answers."""
    return [
        {
            **{str(column): value for column, value in a.items()},
            **{key: display_text(a[key], SENTENCE_CHARS) for key in ("action", "resource", "risk")},
            "ranks": ", ".join(str(r) for r in _ranks(a)),
            "kpi": f.label(str(a["kpi"])),
            "baseline": f.kpi_value(str(a["kpi"]), float(a["baseline"])),
            "target": f.kpi_value(str(a["kpi"]), float(a["target"])),
            "status": f._(str(a["status"])),
        }
        for _, a in root_cause.actions.iterrows()
    ]


def _problem_trend(p: Any, previous: Period, f: Formatter) -> dict[str, Any]:
    """A problem's trend as shown: symbol and words, the earlier value and what it did to
    the priority (one line each)."""
    verdict, kpi = str(p["trend"]), str(p["kpi"])
    details = []
    if not pd.isna(p["previous"]):
        details.append(
            f._("{value} in {period}").format(
                value=f.kpi_value(kpi, float(p["previous"])), period=previous.label
            )
        )
    if float(p["trend_factor"]) != 1.0:
        details.append(
            f._("priority × {factor}").format(factor=f.number(float(p["trend_factor"]), 2))
        )
    return {
        "verdict": verdict,
        "symbol": TREND_SYMBOLS[verdict],
        "label": f._(TREND_LABELS[verdict]),
        "details": details,
    }


def _fishbone(p: Any, causes: pd.DataFrame, f: Formatter) -> str:
    """A problem's fishbone: the six bones, each with the hypotheses the data could test
    (✓ on the verified ones)."""
    branches = {
        f._(FISHBONE_LABELS[category]): [
            (str(h["label"]), h["verdict"] == "verified")
            for _, h in causes[causes["category"] == category].iterrows()
            if h["verdict"] != "not_testable"
        ]
        for category in FISHBONE_LABELS
    }
    return svg_uri(
        charts.fishbone_chart(
            f"{p['where']}: {f.label(str(p['kpi']))} "
            f"{f.kpi_value(str(p['kpi']), float(p['value']))}",
            branches if len(causes) else {},
            no_data=f._("No hypothesis tested."),
        )
    )


def problem_pages(root_cause: RootCause, period: Period, f: Formatter) -> list[dict[str, Any]]:
    """The ranked problems with their trend, fishbone, hypotheses by category and 5 whys."""
    out = []
    for _, p in root_cause.problems.iterrows():
        causes = root_cause.causes[root_cause.causes["problem_rank"] == p["rank"]]
        whys = root_cause.whys[root_cause.whys["problem_rank"] == p["rank"]]
        out.append(
            {
                "fishbone": _fishbone(p, causes, f),
                "rank": int(p["rank"]),
                "shared": shared_causes(int(p["rank"]), root_cause.actions, f),
                "title": display_text(p["title"], TEXT_CHARS),
                "baseline": f.kpi_value(str(p["kpi"]), float(p["baseline"])),
                "defects": f.number(p["defects"], 0),
                "defect_share": f.percent(p["defect_share"], 0),
                "cumulative_share": f.percent(p["cumulative_share"], 0),
                "trend": _problem_trend(p, period.previous(), f),
                "categories": [
                    {
                        "name": f._(FISHBONE_LABELS[str(category)]),
                        "rows": [
                            {
                                "label": h["label"],
                                "verdict": h["verdict"],
                                "symbol": CAUSE_VERDICTS[str(h["verdict"])][0],
                                "verdict_label": f._(CAUSE_VERDICTS[str(h["verdict"])][1]),
                                "evidence": display_text(h["evidence"], SENTENCE_CHARS),
                            }
                            for _, h in group.iterrows()
                        ],
                    }
                    for category, group in causes.groupby("category", sort=False)
                ],
                "whys": [
                    {
                        "category": f._(FISHBONE_LABELS[str(c)]),
                        "steps": [
                            {
                                "why": display_text(w["why"], SENTENCE_CHARS),
                                "because": display_text(w["because"], SENTENCE_CHARS),
                            }
                            for _, w in chain.sort_values("step").iterrows()
                        ],
                    }
                    for c, chain in whys.groupby("category", sort=False)
                ],
            }
        )
    return out


def hypothesis_tests(causes: pd.DataFrame) -> list[dict[str, str]]:
    """Each hypothesis once, with the test that decides it (the same for every problem)."""
    first = causes.drop_duplicates("hypothesis_id")
    return [
        {"label": h["label"], "hypothesis": h["hypothesis"], "test": h["test"]}
        for _, h in first.iterrows()
    ]


def segment_words(segment: Segment, f: Formatter) -> str:
    """((hour_band, 20-24), (channel, chat)) as a reader says it: "time band 20-24, channel chat"."""
    words = ", ".join(f"{f._(DIMENSION_LABELS[d])} {f.segment(d, v)}" for d, v in segment)
    return words or f._("all contacts")


def crisis_view(crisis: Crisis | None, f: Formatter) -> dict[str, str] | None:
    if crisis is None or crisis.level is None:
        return None
    where = segment_words(crisis.segment, f)
    return {
        "level": crisis.level,
        "label": f._(CRISIS_LABELS[crisis.level]),
        "text": (
            f._("{kpi} in {where} is {severity} off its target, on {scope} of the period's days")
            if crisis.incident
            else f._(
                "{kpi} in {where} is {severity} off its target, over {scope} of the period's base"
            )
        ).format(
            kpi=f.label(crisis.kpi),
            where=where,
            severity=f.percent(crisis.severity, 0),
            scope=f.percent(crisis.scope, 0),
        )
        + (
            ""
            if not crisis.urgent
            else f._("; and it lasted to the period's end")
            if crisis.incident
            else f._("; and it is getting worse")
        ),
    }
