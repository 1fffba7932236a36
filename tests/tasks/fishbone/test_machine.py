"""Machine (机): handle time like for like, and spike days holding the defects (robust z)."""

from __future__ import annotations

import pandas as pd
import pytest

from csreview import facts as f
from csreview import schema as s
from tasks.fishbone import machine
from tasks.fishbone import review_data as rd
from tests.tasks.fishbone.tiny import (
    IN_BILLING,
    contacts,
    details,
    review,
    run,
    said,
    verdict,
)


@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        (500.0, ("verified", "average handle time 500 s in the segment vs 300 s elsewhere")),
        (330.0, ("not_supported", "average handle time 330 s in the segment vs 300 s elsewhere")),
    ],
)
def test_handle_time(handle: float, expected: tuple[str, str]) -> None:
    frame = contacts((5, IN_BILLING | {f.HANDLE: handle}), (5, {}))
    assert verdict(run(machine.handle_time, review(frame))) == expected


def test_handle_time_is_compared_like_for_like_within_a_channel() -> None:
    frame = contacts(
        (5, IN_BILLING | {s.CHANNEL: "chat", f.HANDLE: 500.0}),
        (5, {s.CHANNEL: "chat", f.HANDLE: 450.0}),
        (5, {f.HANDLE: 200.0}),
    )
    pair = ((s.CATEGORY, "billing"), (s.CHANNEL, "chat"))
    assert verdict(run(machine.handle_time, review(frame), segment=pair)) == (
        "not_supported",
        "average handle time 500 s in the segment vs 450 s in the same channel elsewhere",
    )
    chat = ((s.CHANNEL, "chat"),)
    assert run(machine.handle_time, review(frame), segment=chat).verdict == "not_testable"


def spike_centre(spike_complaints: int, usual_complaints: int) -> rd.ReviewData:
    """Billing over 8 days: 7 usual days of 10 contacts (handle 300 s) and a spike day of 20
    (handle 900 s), with complaints on the spike day and spread over the usual days."""
    usual = [(10, IN_BILLING) for _ in range(7)]
    frame = contacts(
        *usual,
        (spike_complaints, IN_BILLING | {f.HANDLE: 900.0, f.HANDLED_COMPLAINT: 1}),
        (20 - spike_complaints, IN_BILLING | {f.HANDLE: 900.0}),
    )
    frame.loc[frame.index[:usual_complaints], f.HANDLED_COMPLAINT] = 1
    days = [pd.Timestamp(f"2026-09-0{d}") for d in range(1, 8) for _ in range(10)]
    days += [pd.Timestamp("2026-09-08")] * 20
    return review(frame, details=details(frame, **{rd.DAY: days}))


def test_a_spike_day_holding_the_defects() -> None:
    # handle time by day: 300 × 7, 900: median 300, MAD 0, so mean deviation 75 × 1.2533 →
    # z = 600 / 94 = 6.4; the spike day holds 10 of 11 complaints (91 %) with 20 of 90
    # contacts (22 %); 10/20 vs 1/70: z = 5.2, p < 0.001
    assert verdict(run(machine.day_spikes, spike_centre(10, 1))) == (
        "verified",
        "days with handle time or wait far above the segment's usual: 1 (worst 2026-09-08: "
        "handle time 900 s vs a median day's 300 s); they hold 91% of its defects with 22% of "
        "its customer contacts (z-test p < 0.001)",
    )


def test_a_spike_day_without_more_defects_is_no_cause() -> None:
    # 1 of 4 complaints (25 %) on the day with 22 % of the contacts: 1.1×
    result = run(machine.day_spikes, spike_centre(1, 3))
    assert result.verdict == "not_supported"
    assert "they hold 25% of its defects with 22% of its customer contacts" in said(result)


def test_day_spikes_need_seven_days() -> None:
    frame = contacts((30, IN_BILLING))
    data = review(frame, details=details(frame, **{rd.DAY: [pd.Timestamp("2026-09-01")] * 30}))
    assert verdict(run(machine.day_spikes, data)) == (
        "not_testable",
        "only 1 days have at least 10 handled contacts in the segment; 7 are needed",
    )


def test_robust_z_is_not_swayed_by_the_outlier() -> None:
    # median 11, |deviations| 1 2 0 1 29 → MAD 1 → scale 1.4826
    z = machine.robust_z(pd.Series([10.0, 9.0, 11.0, 12.0, 40.0]))
    assert z.iloc[4] == pytest.approx(29 / 1.4826)
    assert (machine.robust_z(pd.Series([5.0, 5.0, 5.0])) == 0).all()


def outage_centre(complaints_on_day: int, usual_complaints: int) -> rd.ReviewData:
    """Seven usual days of 10 billing and 10 other contacts (handle 300 s), then 2026-09-08
    on which billing takes 900 s; complaints on that day's billing contacts and on the first
    usual billing contacts."""
    usual = [(10, {**IN_BILLING, f.DATE: f"2026-09-0{d}"}) for d in range(1, 8)] + [
        (10, {f.DATE: f"2026-09-0{d}"}) for d in range(1, 8)
    ]
    outage = {**IN_BILLING, f.DATE: "2026-09-08", f.HANDLE: 900.0}
    frame = contacts(
        *usual,
        (complaints_on_day, outage | {f.HANDLED_COMPLAINT: 1}),
        (10 - complaints_on_day, outage),
        (10, {f.DATE: "2026-09-08"}),
    )
    frame.loc[frame.index[:usual_complaints], f.HANDLED_COMPLAINT] = 1
    return review(frame)


INCIDENT = ((f.DATE, "2026-09-08"),)


def test_an_incident_slow_in_one_category_whose_defects_followed() -> None:
    # billing on the day: 900 s vs 300 s (3.0×); complaints 6 of 10 vs 1 of 70:
    # 42× the other days' rate, z-test p < 0.001
    result = run(machine.day_spikes, outage_centre(6, 1), segment=INCIDENT)
    assert verdict(result) == (
        "verified",
        "on the incident's days handle time in category billing averaged 900 s against 300 s "
        "on the other days (3.0×); its defect rate there was 60.0% against 1.4% (z-test "
        "p < 0.001)",
    )


def test_an_incident_slow_in_a_category_whose_defects_did_not_follow_is_no_cause() -> None:
    # billing: 1 of 10 complaints on the day vs 7 of 70 before, the same rate; the centre
    # (2.0× slower) neither: 1 of 20 vs 7 of 140. No scope supports the cause
    result = run(machine.day_spikes, outage_centre(1, 7), segment=INCIDENT)
    assert result.verdict == "not_supported"
    assert "its defect rate there was 5.0% against 5.0%" in said(result)


def test_an_incident_needs_enough_handled_contacts_a_day() -> None:
    frame = contacts((5, {f.DATE: "2026-09-01"}), (5, {f.DATE: "2026-09-08"}))
    assert run(machine.day_spikes, review(frame), segment=INCIDENT).verdict == "not_testable"
