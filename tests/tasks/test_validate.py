from __future__ import annotations

import dataclasses
import json
import tempfile
from datetime import datetime

import pandas as pd
import pytest

from csreview import schema as s
from csreview.settings import Settings
from tasks.extract import Extract, parse_table
from tasks.validate import (
    check_rules,
    gx_inputs,
    run_suites,
    suite_orders,
    validate,
    with_gx,
)
from tasks.validate.gx_record import _ORDERS, GxInputs, checked_columns, filed_inputs
from tasks.validate.results import Validation
from tests.conftest import OCTOBER, ZONE, raw_frames

READ_AT = datetime(2026, 11, 20, tzinfo=ZONE)


def run(frames: dict[str, pd.DataFrame], settings: Settings, *, gx: bool = False):  # type: ignore[no-untyped-def]
    """The gate on FRAMES; with GX's record too where the test is about it (a second each:
    the quarantine is the gate's either way)."""
    typed = {n: parse_table(s.TABLES_BY_NAME[n], f, ZONE) for n, f in frames.items()}
    missing = tuple(t.name for t in s.TABLES if t.name not in frames)
    return validate(Extract(OCTOBER, READ_AT, frames, typed, missing), settings, gx)


def with_rows(table: str, **changes: object) -> dict[str, pd.DataFrame]:
    frames = raw_frames()
    extra = frames[table].iloc[[0]].assign(**changes)
    frames[table] = pd.concat([frames[table], extra], ignore_index=True)
    return frames


def test_clean_input_passes(settings: Settings) -> None:
    result = run(raw_frames(), settings)
    assert not result.blocked
    assert all(len(q) == 0 for q in result.quarantine.values())
    for counts in result.counts.values():
        assert counts["read"] == counts["used"] + counts["quarantined"]


@pytest.mark.parametrize(
    ("table", "changes", "reason"),
    [
        ("contacts", {"contact_id": "x1", "channel": "fax"}, "channel is not"),
        (
            "contacts",
            {"contact_id": "x2", "answered_at": "2026-10-05 09:00:00"},
            "answered_at is before created_at",
        ),
        (
            "contacts",
            {"contact_id": "x3", "created_at": "2026-12-01 10:00:00"},
            "after the run's start",
        ),
        ("contacts", {"contact_id": "x4", "abandoned": "1"}, "abandoned contact has answered_at"),
        (
            "contacts",
            {"contact_id": "x5", "talk_seconds": -5},
            "talk_seconds is outside 0–86 399",
        ),
        (
            "contacts",
            {"contact_id": "x9", "talk_seconds": 12.5},
            "talk_seconds is not a valid whole number",
        ),
        ("contacts", {"contact_id": "x6", "agent_id": "ghost"}, "agent_id is not in agents"),
        (
            "contacts",
            {"contact_id": "x7", "sales_offer": "0", "sale": "1"},
            "sale without sales_offer",
        ),
        (
            "contacts",
            {"contact_id": "x8", "created_at": "not a date"},
            "created_at is not a valid timestamp",
        ),
        ("contacts", {"contact_id": None}, "contact_id is missing"),
        (
            "surveys",
            {"survey_id": "sx", "contact_id": "c6", "csat": 9},
            "csat is outside 1–5",
        ),
        (
            "surveys",
            {"survey_id": "sy", "contact_id": "c6", "csat": None, "nps": None},
            "neither csat nor nps",
        ),
        ("surveys", {"survey_id": "sz", "contact_id": "nope"}, "contact_id is not in contacts"),
        (
            "surveys",
            {"survey_id": "s9", "submitted_at": "2026-10-06 12:00:00"},
            "submitted earlier",
        ),
        ("qa_evaluations", {"evaluation_id": "ex", "score": 120}, "score is outside 0–100"),
        (
            "qa_evaluations",
            {"evaluation_id": "ey", "evaluated_at": "2026-10-01 00:00:00"},
            "before the contact's created_at",
        ),
        ("shifts", {"ends_at": "2026-10-05 07:00:00"}, "ends_at is not after starts_at"),
        ("shifts", {"ends_at": "2026-10-06 08:00:00"}, "longer than 16 h"),
        ("agents", {"agent_id": "A9", "tier": "expert"}, "tier is not"),
    ],
)
def test_bad_rows_are_quarantined_with_their_reason(
    settings: Settings, table: str, changes: dict[str, object], reason: str
) -> None:
    result = run(with_rows(table, **changes), settings)
    quarantined = result.quarantine[table]
    assert len(quarantined) == 1
    assert reason in quarantined["reason"].iloc[0]
    assert len(result.clean[table]) == len(raw_frames()[table])


def test_duplicates(settings: Settings) -> None:
    frames = raw_frames()
    contacts = frames["contacts"]
    conflicting = contacts.iloc[[1]].assign(channel="chat")
    frames["contacts"] = pd.concat([contacts, contacts.iloc[[0]], conflicting], ignore_index=True)
    result = run(frames, settings)
    reasons = result.quarantine["contacts"].set_index("contact_id")["reason"]
    assert reasons.loc["c1"] == "duplicate row"  # the copy; the first c1 is used
    assert list(reasons.loc["c2"]) == ["conflicting duplicate contact_id"] * 2
    assert "c1" in set(result.clean["contacts"]["contact_id"])
    # evaluations and surveys of c2 follow it into quarantine
    assert set(result.quarantine["surveys"]["contact_id"]) == {"c2"}
    assert "its contact is quarantined" in result.quarantine["qa_evaluations"]["reason"].iloc[0]


def test_copies_never_count_for_a_rule(settings: Settings) -> None:
    frames = raw_frames()
    shifts, contacts = frames["shifts"], frames["contacts"]
    broken = shifts.iloc[[1]].assign(ends_at=shifts["starts_at"].iloc[1])  # ends as it starts
    frames["shifts"] = pd.concat([shifts.iloc[[0, 0, 1]], broken], ignore_index=True)
    conflicting = contacts.iloc[[0]].assign(channel="chat")  # c1 again, once copied
    copies = [contacts.iloc[[0]], conflicting, contacts.iloc[[1]]]  # c2 only copied
    frames["contacts"] = pd.concat([contacts, *copies], ignore_index=True)
    typed = {n: parse_table(s.TABLES_BY_NAME[n], f, ZONE) for n, f in frames.items()}
    result = check_rules(Extract(OCTOBER, READ_AT, frames, typed), settings)
    rules = {(r.table, r.rule): r for r in result.rules}
    order = rules[("shifts", "ends_at_after_starts_at")]
    # 4 rows read, 1 a copy: the broken shift is the third row the rule checked
    assert (order.checked, order.failed, order.examples) == (3, 1, ("row 3",))
    assert list(result.quarantine["shifts"]["reason"]) == [
        "duplicate row",
        "ends_at is not after starts_at",
    ]
    unique = rules[("contacts", "contact_id_unique")]
    assert (unique.checked, unique.failed) == (10, 2)  # the first c1 and the conflicting one
    reasons = result.quarantine["contacts"][["contact_id", "reason"]].to_numpy().tolist()
    assert reasons == [
        ["c1", "conflicting duplicate contact_id"],
        ["c1", "duplicate row"],
        ["c1", "conflicting duplicate contact_id"],
        ["c2", "duplicate row"],
    ]


def test_missing_required_column_blocks(settings: Settings) -> None:
    frames = raw_frames()
    frames["contacts"] = frames["contacts"].drop(columns=["channel"])
    result = run(frames, settings)
    assert result.blocked
    assert "required column channel is missing from table contacts" in result.blocking


def test_missing_table_and_empty_period_block(settings: Settings) -> None:
    frames = raw_frames()
    del frames["agents"]
    assert "table agents is missing from the source" in run(frames, settings).blocking
    frames = raw_frames()
    frames["contacts"] = frames["contacts"].iloc[[6]]  # only the September backlog contact
    assert any("no usable contact" in b for b in run(frames, settings).blocking)


def test_too_many_bad_rows_block(settings: Settings) -> None:
    frames = raw_frames()
    frames["surveys"] = frames["surveys"].assign(csat=9, nps=None)
    result = run(frames, settings)
    assert any(b.startswith("surveys:") for b in result.blocking)


def test_optional_column_absent_is_fine(settings: Settings) -> None:
    frames = raw_frames()
    frames["contacts"] = frames["contacts"].drop(columns=["resolved", "sales_offer", "sale"])
    result = run(frames, settings)
    assert not result.blocked


def test_extra_columns_are_a_warning_not_a_rejection(settings: Settings) -> None:
    frames = raw_frames()
    frames["contacts"] = frames["contacts"].assign(crm_note="x")
    result = run(frames, settings)
    warning = next(r for r in result.warnings if r.rule == "extra_columns")
    assert warning.examples == ("crm_note",) and warning.failed == 1
    assert len(result.quarantine["contacts"]) == 0


def test_absent_duration_column_rejects_answered_contacts(settings: Settings) -> None:
    frames = raw_frames()
    frames["contacts"] = frames["contacts"].drop(columns=["talk_seconds"])
    result = run(frames, settings)
    reasons = result.quarantine["contacts"].set_index("contact_id")["reason"]
    assert reasons.loc["c1"] == "talk_seconds is missing for an answered contact"
    assert "c3" not in reasons.index  # abandoned: no duration needed


def test_no_contacts_at_all_blocks_without_error(settings: Settings) -> None:
    frames = raw_frames()
    frames["contacts"] = frames["contacts"].iloc[0:0]
    result = run(frames, settings)
    assert any("no usable contact" in b for b in result.blocking)
    assert len(result.quarantine["surveys"]) == len(frames["surveys"])


def test_gx_records_a_gate_at_the_clock_it_was_checked_at(settings: Settings) -> None:
    """A retry reads the source again but may keep the gate of the attempt before: GX then
    checks "not after the run's start" at that attempt's clock, and agrees with it."""
    frames = with_rows("contacts", contact_id="x3", created_at="2026-11-21 10:00:00")
    typed = {n: parse_table(s.TABLES_BY_NAME[n], f, ZONE) for n, f in frames.items()}
    first = Extract(OCTOBER, READ_AT, frames, typed, ())
    gate = check_rules(first, settings)
    again = dataclasses.replace(first, read_at=datetime(2026, 11, 25, tzinfo=ZONE))
    recorded = with_gx(gate, run_suites(gx_inputs(again, settings, gate.read_at)))
    rule = next(
        r for r in recorded.rules if (r.table, r.rule) == ("contacts", "created_at_not_future")
    )
    assert rule.failed == 1 and rule.gx_agrees
    at_its_own_clock = with_gx(gate, run_suites(gx_inputs(again, settings)))
    assert not next(
        r
        for r in at_its_own_clock.rules
        if (r.table, r.rule) == ("contacts", "created_at_not_future")
    ).gx_agrees


# ---------------------------------------------------------------- text lengths
LONG = "x" * 201
MEGABYTE = "类" * 1_000_000  # a million characters, three megabytes in UTF-8
LENGTHS = "ExpectColumnValueLengthsToBeBetween"

HOSTILE_ROWS: list[tuple[str, dict[str, object], str]] = [
    ("contacts", {"contact_id": "x1", "category": LONG}, "category is longer than 200"),
    ("contacts", {"contact_id": "x2", "category": MEGABYTE}, "category is longer than 200"),
    ("contacts", {"contact_id": "x" * 300}, "contact_id is longer than 200"),
    ("contacts", {"contact_id": "x3", "customer_id": LONG}, "customer_id is longer than 200"),
    ("contacts", {"contact_id": "x4", "agent_id": LONG}, "agent_id is longer than 200"),
    ("agents", {"agent_id": LONG}, "agent_id is longer than 200"),
    ("agents", {"agent_id": "A8", "team": MEGABYTE}, "team is longer than 200"),
    ("agents", {"agent_id": "A9", "site": "上海" * 101}, "site is longer than 200"),
    ("qa_evaluations", {"evaluation_id": LONG}, "evaluation_id is longer than 200"),
    ("qa_evaluations", {"evaluation_id": "e9", "reviewer_id": LONG}, "reviewer_id is longer"),
    ("surveys", {"survey_id": LONG, "contact_id": "c6"}, "survey_id is longer than 200"),
    ("shifts", {"agent_id": LONG}, "agent_id is longer than 200"),
]


@pytest.mark.parametrize(("table", "changes", "reason"), HOSTILE_ROWS)
def test_text_longer_than_its_limit_is_quarantined(
    settings: Settings, table: str, changes: dict[str, object], reason: str
) -> None:
    frames = with_rows(table, **changes)
    typed = {n: parse_table(s.TABLES_BY_NAME[n], f, ZONE) for n, f in frames.items()}
    result = check_rules(Extract(OCTOBER, READ_AT, frames, typed, ()), settings)
    quarantined = result.quarantine[table]
    assert len(quarantined) == 1
    assert reason in quarantined["reason"].iloc[0]
    assert len(result.clean[table]) == len(raw_frames()[table])
    shown = [e for r in result.rules for e in r.examples] + list(quarantined["reason"])
    assert max(len(e) for e in shown) < 200  # the evidence names a long id, cut


def test_text_up_to_its_limit_is_used(settings: Settings) -> None:
    frames = with_rows("contacts", contact_id="y" * 200, category="类" * 200, customer_id="U" * 200)
    frames = {
        **frames,
        "surveys": frames["surveys"].assign(comment=["好" * 5_000, "x", None, "y"]),
        "agents": frames["agents"].assign(team=["t" * 200, "Bravo"]),
    }
    result = run(frames, settings, gx=True)
    assert all(len(q) == 0 for q in result.quarantine.values())
    length_rules = [r for r in result.rules if r.expectation == LENGTHS]
    assert len(length_rules) == 18 and all(r.gx_agrees for r in length_rules)


def test_great_expectations_counts_the_long_values_the_masks_quarantine(
    settings: Settings,
) -> None:
    frames = raw_frames()
    for table, changes, _ in HOSTILE_ROWS:
        extra = frames[table].iloc[[0]].assign(**changes)
        frames[table] = pd.concat([frames[table], extra], ignore_index=True)
    result = run(frames, settings, gx=True)
    failing = {(r.table, r.rule): r for r in result.rules if r.expectation == LENGTHS}
    assert failing[("contacts", "category_length")].failed == 2
    assert all(r.gx_agrees for r in failing.values()), [
        (r.rule, r.failed, r.gx_unexpected) for r in failing.values() if not r.gx_agrees
    ]
    values = [v for r in failing.values() for v in r.gx_values]
    assert values and max(len(v) for v in values) < 200
    assert MEGABYTE not in json.dumps(result.gx_results, ensure_ascii=False)


def test_a_long_comment_is_cut_with_a_warning_and_its_survey_used(settings: Settings) -> None:
    """Free text is not an id: the survey's scores are sound, so it is used, its comment cut."""
    frames = with_rows(
        "surveys",
        survey_id="s8",
        contact_id="c6",
        submitted_at="2026-10-09 12:00:00",
        comment="好" * 5_001,
    )
    result = run(frames, settings, gx=True)
    assert len(result.quarantine["surveys"]) == 0
    used = result.clean["surveys"].set_index("survey_id")["comment"]
    assert used.loc["s8"] == "好" * 5_000 and used.loc["s1"] == "很好"
    (warning,) = [r for r in result.warnings if r.rule == "comment_length"]
    assert warning.failed == 1 and warning.gx_agrees and warning.examples == ("s8",)
    assert warning.description == "comment is longer than 5000 characters: its first 5000 are used"
    assert frames["surveys"]["comment"].iloc[-1] == "好" * 5_001  # the input is not changed


def test_the_limits_are_settings(settings: Settings) -> None:
    roomy = settings.model_copy(update={"max_text_length": 300, "max_comment_length": 10})
    result = run(with_rows("contacts", contact_id="x1", category=LONG), roomy, gx=True)
    assert all(len(q) == 0 for q in result.quarantine.values())
    comments = result.clean["surveys"].set_index("survey_id")["comment"]
    assert comments.loc["s2"] == "call me on" and comments.loc["s1"] == "很好"
    rule = next(r for r in result.rules if r.rule == "comment_length")
    assert rule.failed == 1 and rule.gx_agrees
    assert rule.description == "comment is longer than 10 characters: its first 10 are used"


@pytest.mark.slow  # GX builds its suites twice more
def test_gx_in_batches_records_what_one_run_records(settings: Settings) -> None:
    """A large table is checked by GX in batches; its record (counts, first failing values
    and their rows, verdicts) is the record of one run over all its rows, duplicates of a
    key in different batches included."""
    frames = raw_frames()
    contacts = frames["contacts"]
    faxes = pd.concat([contacts.iloc[[2]]] * 25, ignore_index=True).assign(
        contact_id=[f"f{i}" for i in range(25)], channel="fax", talk_seconds=-1
    )
    late = contacts.iloc[[3]].assign(contact_id="late", created_at="2026-12-01 10:00:00")
    conflicting = contacts.iloc[[1]].assign(channel="chat")  # its key, far from the first
    frames["contacts"] = pd.concat([contacts, faxes, late, conflicting], ignore_index=True)
    typed = {n: parse_table(s.TABLES_BY_NAME[n], f, ZONE) for n, f in frames.items()}
    inputs = gx_inputs(Extract(OCTOBER, READ_AT, frames, typed, ()), settings)
    whole = run_suites(inputs)
    _ORDERS.clear()
    suite_orders(inputs, batch_rows=12)  # as GX's worker does while it waits to start
    assert {key[0] for key in _ORDERS} == {"contacts"}  # the batched table only
    batched = run_suites(inputs, batch_rows=12)  # three batches of contacts
    assert batched.outcomes == whole.outcomes
    assert batched.summary == whole.summary
    unique = whole.outcomes[("contacts", "contact_id_unique")]
    assert not unique.success and unique.unexpected == 2
    assert whole.outcomes[("contacts", "channel_values")].unexpected == 25


@pytest.mark.parametrize(
    ("table", "read", "unread"),
    [
        ("contacts", {"sale", "answered_at", "contact_id"}, {"resolved", "complaint"}),
        ("qa_evaluations", {"score", "reviewer_kind"}, {"critical_error"}),
        ("shifts", {"agent_id", "starts_at", "ends_at"}, set()),
    ],
)
def test_gx_is_handed_the_columns_its_expectations_read(
    table: str, read: set[str], unread: set[str]
) -> None:
    """A column only a row condition names (sale) is read; a flag no expectation names is
    not handed to GX's worker."""
    columns = checked_columns(table)
    assert read <= columns
    assert not unread & columns


def test_gx_records_the_same_without_the_columns_it_does_not_read(settings: Settings) -> None:
    """GX's record on the expectations' columns is its record on every contract column the
    source has."""
    frames = with_rows("contacts", channel="fax", resolved=True)
    typed = {n: parse_table(s.TABLES_BY_NAME[n], f, ZONE) for n, f in frames.items()}
    inputs = gx_inputs(Extract(OCTOBER, READ_AT, frames, typed, ()), settings)
    assert "resolved" not in inputs.frames["contacts"].columns
    everything = dataclasses.replace(
        inputs,
        frames={n: typed[n].loc[:, [c for c in typed[n] if c in frames[n]]] for n in typed},
    )
    pruned, whole = run_suites(inputs), run_suites(everything)
    assert pruned.outcomes == whole.outcomes
    assert pruned.summary == whole.summary
    assert whole.outcomes[("contacts", "channel_values")].unexpected == 1


@pytest.mark.slow  # three GX records on a few rows: seconds, not milliseconds
def test_gx_records_the_same_on_rows_read_back_from_a_file(settings: Settings) -> None:
    """GX's worker reads the rows it checks back from a file, a batch at a time: it records
    what it records on the rows held in memory, in batches or whole."""
    frames = raw_frames()
    faxes = pd.concat([frames["contacts"].iloc[[2]]] * 25, ignore_index=True).assign(
        contact_id=[f"f{i}" for i in range(25)], channel="fax", agent_id=None
    )
    frames["contacts"] = pd.concat([frames["contacts"], faxes], ignore_index=True)
    typed = {n: parse_table(s.TABLES_BY_NAME[n], f, ZONE) for n, f in frames.items()}
    inputs = gx_inputs(Extract(OCTOBER, READ_AT, frames, typed, ()), settings)
    with tempfile.TemporaryFile() as file:
        filed = filed_inputs(inputs, file)
        assert not filed.frames and list(filed.filed) == list(inputs.frames)
        read_back = filed.filed["contacts"]
        contacts = inputs.frames["contacts"]
        assert len(read_back) == len(contacts)
        pd.testing.assert_frame_equal(read_back.empty(), contacts.iloc[:0])
        whole, batched = run_suites(inputs), run_suites(filed_inputs(inputs, file, 12), 12)
        on_file = run_suites(filed)
    assert batched.outcomes == whole.outcomes == on_file.outcomes
    assert batched.summary == whole.summary == on_file.summary
    assert whole.outcomes[("contacts", "channel_values")].unexpected == 25


@pytest.mark.parametrize(
    ("frames", "contacts_seen"),
    [
        (raw_frames(), 9),
        (with_rows("contacts", channel="fax"), 10),  # quarantined, not a copy
        (pd.concat([raw_frames()["contacts"]] * 2, ignore_index=True), 9),  # 9 copies of 18
    ],
    ids=["clean", "quarantined", "copies"],
)
def test_the_gate_lets_the_rows_as_read_go_and_changes_nothing(
    frames: dict[str, pd.DataFrame] | pd.DataFrame, contacts_seen: int, settings: Settings
) -> None:
    """The flow's gate drops each table's rows as read once the table is checked: the
    same used and quarantined rows, results and counts; GX's inputs made from what the gate
    kept are those made from the rows as read."""
    if isinstance(frames, pd.DataFrame):
        frames = {**raw_frames(), "contacts": frames}
    typed = {n: parse_table(s.TABLES_BY_NAME[n], f, ZONE) for n, f in frames.items()}
    kept = Extract(OCTOBER, READ_AT, dict(frames), typed, ())
    dropped = Extract(OCTOBER, READ_AT, dict(frames), {n: f.copy() for n, f in typed.items()}, ())
    handed: list[GxInputs] = []

    def hand_over(verdict: Validation) -> None:  # as GX's record is handed the rows
        handed.append(gx_inputs(dropped, settings, verdict.read_at, verdict))

    gate = check_rules(kept, settings)
    letting_go = check_rules(dropped, settings, let_go=True, hand_over=hand_over)
    assert dropped.raw == {} and list(kept.raw) == list(frames)
    assert dropped.typed == {} and list(kept.typed) == list(frames)
    assert (letting_go.rules, letting_go.counts) == (gate.rules, gate.counts)
    for name in frames:
        pd.testing.assert_frame_equal(letting_go.clean[name], gate.clean[name])
        pd.testing.assert_frame_equal(letting_go.quarantine[name], gate.quarantine[name])
    from_raw = gx_inputs(kept, settings, gate.read_at)
    (from_gate,) = handed
    assert list(from_gate.frames) == list(from_raw.frames)
    for name, frame in from_raw.frames.items():
        pd.testing.assert_frame_equal(from_gate.frames[name], frame)
        assert (from_gate.seen[name] == from_raw.seen[name]).all()
    assert from_gate.seen["contacts"].sum() == contacts_seen
