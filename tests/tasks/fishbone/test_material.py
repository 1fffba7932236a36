"""Material (料): repeat contacts, unresolved contacts and repeats after a transfer."""

from __future__ import annotations

import pytest

from csreview import facts as f
from tasks.fishbone import material
from tasks.fishbone import review_data as rd
from tests.tasks.fishbone.tiny import (
    IN_BILLING,
    contacts,
    details,
    review,
    run,
    verdict,
)


@pytest.mark.parametrize(
    ("repeated", "expected"),
    [
        (6, ("verified", "30.0% of handled contacts repeated within 7 days vs 10.0% elsewhere")),
        (
            2,
            (
                "not_supported",
                "10.0% of handled contacts repeated within 7 days vs 10.0% elsewhere",
            ),
        ),
    ],
)
def test_repeat_contacts(repeated: int, expected: tuple[str, str]) -> None:
    frame = contacts(
        (repeated, IN_BILLING | {f.NOT_REPEATED: 0}),
        (20 - repeated, IN_BILLING),
        (2, {f.NOT_REPEATED: 0}),
        (18, {}),
    )
    assert verdict(run(material.repeat_contacts, review(frame))) == expected
    assert run(material.repeat_contacts, review(frame), kpi="fcr").verdict == "not_testable"


@pytest.mark.parametrize(
    ("unresolved", "expected"),
    [
        (8, ("verified", "40.0% of handled contacts were not resolved vs 10.0% elsewhere")),
        (2, ("not_supported", "10.0% of handled contacts were not resolved vs 10.0% elsewhere")),
    ],
)
def test_unresolved(unresolved: int, expected: tuple[str, str]) -> None:
    frame = contacts((20, IN_BILLING), (20, {}))
    flags = [1] * unresolved + [0] * (20 - unresolved) + [1] * 2 + [0] * 18
    data = review(frame, details=details(frame, **{rd.UNRESOLVED: flags}))
    assert verdict(run(material.unresolved, data)) == expected
    without = review(frame, resolved_known=False)
    assert run(material.unresolved, without).verdict == "not_testable"


@pytest.mark.parametrize(
    ("came_back", "expected"),
    [
        (5, ("verified", "50.0% of the segment's transferred contacts came back within 7 days vs 10.0% of its contacts that were not transferred")),
        (1, ("not_supported", "10.0% of the segment's transferred contacts came back within 7 days vs 10.0% of its contacts that were not transferred")),
    ],
)  # fmt: skip
def test_transfer_repeats(came_back: int, expected: tuple[str, str]) -> None:
    moved = {f.HANDLED_TRANSFERRED: 1}
    frame = contacts(
        (came_back, IN_BILLING | moved | {f.NOT_REPEATED: 0}),
        (10 - came_back, IN_BILLING | moved),
        (2, IN_BILLING | {f.NOT_REPEATED: 0}),
        (18, IN_BILLING),
        (30, moved | {f.NOT_REPEATED: 0}),  # the rest of the centre does not count
    )
    assert verdict(run(material.transfer_repeats, review(frame))) == expected


def test_transfer_repeats_need_enough_transfers() -> None:
    frame = contacts((3, IN_BILLING | {f.HANDLED_TRANSFERRED: 1}), (20, IN_BILLING))
    assert verdict(run(material.transfer_repeats, review(frame))) == (
        "not_testable",
        "only 3 of the segment's handled contacts were transferred",
    )
