"""One problem's case and what a fishbone test gives back, with the judgements tests share.

Every test of every category looks at the same case (the segment against the rest of the
centre) and answers the same way: a verdict, evidence as a message record, a strength.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final, Literal

import pandas as pd

from csreview import facts as f
from csreview import schema as s
from csreview.messages import Message, Segment, Text, Value, say
from csreview.messages import mark as _n
from tasks import kpis as k
from tasks.fishbone.defects import KINDS_BY_KPI, DefectKind, source_frame
from tasks.fishbone.review_data import ReviewData

Verdict = Literal["verified", "not_supported", "not_testable"]
VERDICTS: Final = ("verified", "not_supported", "not_testable")

REST_COLUMNS: Final = (  # what the tests read of the contacts outside the segment
    s.CHANNEL, f.HOUR, f.ANSWERED, f.HANDLE, f.NOT_REPEATED, f.HANDLED_TRANSFERRED,
)  # fmt: skip
SEG_COLUMNS: Final = (*REST_COLUMNS, f.WAIT)  # and of the segment's


@dataclass(frozen=True)
class Case:
    """One problem segment against the rest of the centre, with the review's data."""

    rank: int
    kpi: str
    segment: Segment
    data: ReviewData

    @property
    def kind(self) -> DefectKind:
        return KINDS_BY_KPI[self.kpi]

    @cached_property
    def inside(self) -> pd.Series:
        """Which contacts of the period are in the segment (worked out once per problem)."""
        return k.in_segment(self.data.facts.contacts, self.segment)

    @cached_property
    def seg(self) -> pd.DataFrame:
        """The segment's contacts, over the columns the tests read of them: a centre-wide
        segment holds most of the period, and copying all the facts' columns of it only cost
        memory."""
        return self.data.facts.contacts.loc[self.inside, list(SEG_COLUMNS)]

    @cached_property
    def rest(self) -> pd.DataFrame:
        """The other contacts, over the columns the tests read of them (nearly every row of
        the period: copying all the facts' columns for each problem took seconds)."""
        return self.data.facts.contacts.loc[~self.inside, list(REST_COLUMNS)]

    @property
    def handled(self) -> pd.Series:
        return self.data.facts.contacts[f.ANSWERED] == 1

    def defined_by(self, dimension: str) -> bool:
        return any(d == dimension for d, _value in self.segment)

    def source(self) -> pd.DataFrame:
        """The segment's rows of the facts its KPI is counted on."""
        return self._source

    @cached_property
    def _source(self) -> pd.DataFrame:
        """`source`, picked once per problem (four tests read it) over the columns they read:
        the KPI's measures, who handled each row, and its contact (for its day)."""
        frame = source_frame(self.data.facts, self.kind.source)
        read = (*self.kind.measures, f.AGENT, s.TEAM, s.CONTACT_ID)
        return frame.loc[self.in_source, [c for c in read if c in frame.columns]]

    @cached_property
    def in_source(self) -> pd.Series:
        """Which rows of the facts its KPI is counted on are the segment's (`source`)."""
        frame = source_frame(self.data.facts, self.kind.source)
        return k.in_segment(frame, self.segment)

    def defects_by(self, column: str) -> pd.DataFrame:
        """The segment's defects (`_defects`) and base (`_base`) per agent or team; rows
        with none left out."""
        frame = self.source()
        frame = frame[frame[column].astype(str) != f.UNASSIGNED]
        return (
            frame.assign(_defects=self.kind.defects(frame), _base=frame[self.kind.base])
            .groupby(column, observed=True)[["_defects", "_base"]]
            .sum()
        )


@dataclass(frozen=True)
class Result:
    """What one test found: its verdict, the numbers (a message record), and how far past
    its threshold."""

    verdict: Verdict
    evidence: Text
    strength: float = 0.0


Limits = Mapping[str, Any]
Check = Callable[[Case, Limits], Result]


@dataclass(frozen=True)
class Test:
    """One fishbone hypothesis: its category, statement, short label, test rule and check."""

    key: str
    category: str
    hypothesis: str  # msgid
    label: str  # msgid: what the fishbone drawing shows
    rule: str  # msgid, formatted with the playbook's thresholds
    check: Check


# ---------------------------------------------------------------- judgements
def untestable(evidence: Text) -> Result:
    return Result("not_testable", evidence)


def judged(passed: bool, strength: float, evidence: Text) -> Result:
    return Result("verified" if passed else "not_supported", evidence, strength)


def share(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else math.nan


def rate(frame: pd.DataFrame, numerator: str, denominator: str) -> float:
    return share(frame[numerator].sum(), frame[denominator].sum())


def ratio_and_gap(seg: float, rest: float, ratio: float, gap: float) -> tuple[bool, float]:
    """Segment against rest: at least `ratio` times and `gap` above; strength is the
    smaller of the two margins."""
    by_ratio = seg / rest / ratio if rest > 0 else (math.inf if seg > 0 else 0.0)
    by_gap = (seg - rest) / gap if gap > 0 else math.inf
    strength = min(by_ratio, by_gap)
    return strength >= 1, strength


def rates(seg: float, rest: float, limits: Limits, ratio: str, gap: str, evidence: str) -> Result:
    """Two rates judged by `ratio_and_gap` against the playbook's `ratio` and `gap`, with
    the evidence (a msgid with `{seg}` and `{rest}`) filled in; a rate without a base
    leaves nothing to compare."""
    if math.isnan(seg) or math.isnan(rest):
        return untestable(NO_HANDLED)
    passed, strength = ratio_and_gap(seg, rest, limits[ratio], limits[gap])
    return judged(passed, strength, say(evidence, seg=seg, rest=rest))


def past(value: float, threshold: float, evidence: Text) -> Result:
    """Verified when `value` reaches `threshold`; strength is value ÷ threshold."""
    return judged(value >= threshold, value / threshold, evidence)


def gap(seg: float, rest: float, limits: Limits, key: str, evidence: str, **more: Value) -> Result:
    """Segment − rest judged against the playbook's `key`, with the evidence (a msgid with
    `{seg}`, `{rest}` and `more`) filled in."""
    return past(seg - rest, limits[key], say(evidence, seg=seg, rest=rest, **more))


def p_text(p: float) -> str:
    """A test's p-value as quoted in evidence (the same in every language)."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


NO_HANDLED: Final = Message(_n("no handled contacts to compare"))
