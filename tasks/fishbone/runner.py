"""Running the fishbone for one problem: every test, and the strongest verified cause of each
category, which its 5-Why chain and action follow.

Hypotheses are records: what they claim, the rule and the evidence are messages with their
numbers, so one run serves every report language.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from csreview.messages import Message, Segment, Text, quotes_number, say
from tasks.fishbone import over_time
from tasks.fishbone.case import Case, Limits, Test, Verdict
from tasks.fishbone.registry import TESTS
from tasks.fishbone.review_data import ReviewData

UNWORDED: Final = Message("")  # a hypothesis made without its label or rule (in tests)


@dataclass(frozen=True)
class Hypothesis:
    """One fishbone hypothesis for a problem, with the test and the numbers that confirm or
    reject it."""

    problem_rank: int
    category: str
    hypothesis: Message
    verdict: Verdict
    evidence: Text
    key: str = ""
    label: Message = UNWORDED
    test: Message = UNWORDED
    strength: float = 0.0

    @property
    def verified(self) -> bool:
        return self.verdict == "verified"


def rule_with_thresholds(rule: str, limits: Limits) -> Message:
    """A test's rule with the playbook's thresholds it names."""
    names = [name for _, name, _, _ in string.Formatter().parse(rule) if name]
    return say(rule, **{name: limits[name] for name in names})


def fishbone_hypotheses(
    rank: int,
    kpi: str,
    segment: Segment,
    data: ReviewData,
    limits: Limits,
    tests: Sequence[Test] = TESTS,
) -> list[Hypothesis]:
    """Every hypothesis of the six categories tested for one problem segment, in the order
    of `tests` (`suited_tests`: over time for a centre-wide problem). A verdict `verified`
    always quotes numbers."""
    case = Case(rank, kpi, segment, data)
    out = []
    for test in suited_tests(case, limits, tests):
        result = test.check(case, limits)
        verdict = result.verdict
        if verdict == "verified" and not quotes_number(result.evidence):
            verdict = "not_supported"  # a claim without numbers is no evidence
        out.append(
            Hypothesis(
                problem_rank=rank,
                category=test.category,
                hypothesis=Message(test.hypothesis),
                verdict=verdict,
                evidence=result.evidence,
                key=test.key,
                label=Message(test.label),
                test=rule_with_thresholds(test.rule, limits),
                strength=result.strength,
            )
        )
    return out


def suited_tests(case: Case, limits: Limits, tests: Sequence[Test]) -> Sequence[Test]:
    """The tests a problem gets: a centre-wide one (nearly all of the KPI's base) the tests
    that look within its segment and the tests over time; one whose rest of the centre fails
    nearly as badly, the usual tests and those over time; any other, the usual tests."""
    if "centre_wide_share" not in limits:
        return tests
    if over_time.centre_wide(case, limits):
        within = set(limits.get("centre_wide_within", ()))
        return [*(t for t in tests if t.key in within), *over_time.OVER_TIME]
    if over_time.spread(case, limits):
        return [*tests, *over_time.OVER_TIME]
    return tests


def strongest(causes: list[Hypothesis]) -> list[Hypothesis]:
    """Per problem and category the verified hypothesis furthest past its threshold (the
    first in `TESTS` order on a tie): the one its 5-Why chain and action follow."""
    chosen: dict[tuple[int, str], Hypothesis] = {}
    for h in causes:
        if not h.verified:
            continue
        key = (h.problem_rank, h.category)
        if key not in chosen or h.strength > chosen[key].strength:
            chosen[key] = h
    return [h for h in causes if chosen.get((h.problem_rank, h.category)) is h]
