"""The runner: every category tested, no verified claim without numbers, the strongest cause
of each category chosen."""

from __future__ import annotations

from csreview import facts as f
from csreview.messages import Message
from tasks.fishbone.case import Case, Limits, Result
from tasks.fishbone.case import Test as FishboneTest
from tasks.fishbone.registry import FISHBONE, TESTS
from tasks.fishbone.runner import fishbone_hypotheses, strongest
from tasks.render.root_cause_words import word
from tests.tasks.fishbone.tiny import (
    BILLING,
    EN,
    IN_BILLING,
    LIMITS,
    contacts,
    hypothesis,
    review,
)


def test_every_category_has_several_hypotheses_and_each_is_tested() -> None:
    by_category = {c: [t.key for t in TESTS if t.category == c] for c in FISHBONE}
    assert all(len(keys) >= 2 for keys in by_category.values()), by_category
    frame = contacts((20, IN_BILLING | {f.HANDLED_TRANSFERRED: 1}), (20, {}))
    found = fishbone_hypotheses(2, "complaint_rate", BILLING, review(frame), LIMITS)
    assert [h.key for h in found] == [t.key for t in TESTS]
    assert all(h.problem_rank == 2 for h in found)
    assert [h.key for h in found if h.verified] == ["transfers"]
    rules = [word(h.test, EN) for h in found]
    assert all(rule and "{" not in rule for rule in rules)  # thresholds filled in


def test_a_verified_claim_without_numbers_is_not_supported() -> None:
    def wordy(case: Case, limits: Limits) -> Result:
        return Result("verified", Message("the segment looks understaffed"), 9.0)

    tests = (FishboneTest("wordy", "environment", "h", "l", "r", wordy),)
    frame = contacts((5, IN_BILLING), (5, {}))  # a segment with a rest: the usual tests
    found = fishbone_hypotheses(1, "complaint_rate", BILLING, review(frame), LIMITS, tests)
    assert found[0].verdict == "not_supported"


def test_the_strongest_verified_cause_of_each_category_is_chosen() -> None:
    causes = [
        hypothesis("environment", "agent_load", "verified", 2.0),
        hypothesis("environment", "erlang_gaps", "verified", 3.0),
        hypothesis("environment", "volume_spike", "not_supported", 9.0),
        hypothesis("method", "transfers", "verified", 1.5),
        hypothesis("method", "escalations", "verified", 1.5),  # a tie: the first one stays
        hypothesis("people", "junior_share", "not_supported", 0.5),
    ]
    assert [h.key for h in strongest(causes)] == ["erlang_gaps", "transfers"]
