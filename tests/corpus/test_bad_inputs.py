"""The bad-input corpus: messy exports as contact centres send them, each with the answer a
user must get — exit code, the one line or quarantine reason, and how many rows go where.

Every case runs `csreview run` on a folder (or database) holding the demo centre with one
defect, and checks that no traceback reaches the user. The cases of row rules (a row is
quarantined, the review goes on) add rows with ids of their own, so they are reviewed
together in one run and each is checked against its own rows.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from csreview import demo
from csreview import schema as s
from flows.cli import main
from tasks.validate.results import REASON, RuleResult
from tests.conftest import OCTOBER, pdf_not_rendered

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]
# WeasyPrint takes 3 s of each review's 8 here: only the cases whose defect reaches the
# report's text or layout (`printed`) render their PDF

Frames = dict[str, pd.DataFrame]


# ---------------------------------------------------------------- the healthy centre
@dataclass(frozen=True)
class Centre:
    """The demo centre, and one answered October contact with no survey and no evaluation:
    the template that new (bad) rows are made from, so they have no dependants. Cases
    reviewed together each take a slot: another such contact, and ids and a shift start of
    their own."""

    frames: Frames
    contact: dict[str, object]
    spare: tuple[dict[str, object], ...] = ()  # the other such contacts, for the slots
    slot: int = 0

    def id(self, prefix: str) -> str:
        return f"{prefix}-{self.slot}" if self.slot else prefix

    def in_slot(self, frames: Frames, slot: int) -> Centre:
        return Centre(frames, self.spare[slot - 1], slot=slot)


@pytest.fixture(scope="module")
def centre() -> Centre:
    frames = demo.generate(demo.DemoSpec(OCTOBER, months=1, contacts_per_day=20, seed=7))
    contacts = frames["contacts"]
    reviewed = set(frames["surveys"][s.CONTACT_ID]) | set(frames["qa_evaluations"][s.CONTACT_ID])
    free = contacts[
        contacts[s.ANSWERED_AT].notna()
        & ~contacts[s.CONTACT_ID].isin(reviewed)
        & (contacts[s.CREATED_AT] >= pd.Timestamp("2026-10-10"))
        & (contacts[s.CREATED_AT] < pd.Timestamp("2026-10-20"))
    ]
    templates = [{str(k): v for k, v in r.items()} for _, r in free.iterrows()]
    return Centre(frames, templates[0], tuple(templates[1:]))


def row(centre: Centre, table: str, **changes: object) -> dict[str, object]:
    """A valid new row of `table` (about the template contact), with `changes`."""
    c = centre.contact
    created = pd.Timestamp(str(c[s.CREATED_AT]))
    shift_start = pd.Timestamp("2026-10-15 09:00") + pd.Timedelta(minutes=centre.slot)
    base: dict[str, dict[str, object]] = {
        "contacts": {**c, s.CONTACT_ID: centre.id("NEW-C")},
        "surveys": {
            s.SURVEY_ID: centre.id("NEW-S"),
            s.CONTACT_ID: c[s.CONTACT_ID],
            s.SUBMITTED_AT: created + pd.Timedelta(hours=2),
            s.CSAT: 4,
            s.NPS: 8,
            s.EFFORT: 2,
            s.COMMENT: "fine",
        },
        "qa_evaluations": {
            s.EVALUATION_ID: centre.id("NEW-E"),
            s.CONTACT_ID: c[s.CONTACT_ID],
            s.AGENT_ID: c[s.AGENT_ID],
            s.REVIEWER_ID: "R-NEW",
            s.REVIEWER_KIND: "human",
            s.EVALUATED_AT: created + pd.Timedelta(days=1),
            s.SCORE: 85,
            s.CRITICAL_ERROR: False,
        },
        "agents": {
            s.AGENT_ID: centre.id("NEW-A"),
            s.TEAM: "Alpha",
            s.TIER: "senior",
            s.SITE: "Shanghai",
            s.HIRED_ON: "2025-01-01",
            s.LEFT_ON: None,
        },
        "shifts": {
            s.AGENT_ID: c[s.AGENT_ID],
            s.STARTS_AT: shift_start,
            s.ENDS_AT: shift_start + pd.Timedelta(hours=8),
        },
    }
    return {**base[table], **changes}


Change = Callable[[Centre], Frames]


def add(table: str, *rows: dict[str, object]) -> Callable[[Centre], Frames]:
    def change(centre: Centre) -> Frames:
        frames = dict(centre.frames)
        new = [{**row(centre, table), **r} for r in rows]
        frames[table] = pd.concat(
            [frames[table].astype("object"), pd.DataFrame(new).astype("object")],
            ignore_index=True,
        )
        return frames

    return change


def drop_column(table: str, column: str) -> Change:
    return lambda c: {**c.frames, table: c.frames[table].drop(columns=[column])}


def drop_table(table: str) -> Change:
    return lambda c: {n: f for n, f in c.frames.items() if n != table}


def empty_table(table: str) -> Change:
    return lambda c: {**c.frames, table: c.frames[table].iloc[0:0]}


# ---------------------------------------------------------------- the cases
@dataclass(frozen=True)
class Case:
    """One bad input and the answer it must get."""

    name: str
    change: Change
    exit_code: int
    message: str  # in the one error line, or in a quarantine reason, or a warning
    quarantined: dict[str, int] = field(default_factory=dict)  # tables not named: 0
    period: str = "2026-10"
    files: Callable[[Path], None] | None = None  # edits of the written files
    database: bool = False
    printed: bool = False  # the defect reaches the report's text or layout: its PDF is rendered


def _no_change(centre: Centre) -> Frames:
    return centre.frames


def _rewrite(table: str, transform: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        path = folder / f"{table}.csv"
        path.write_bytes(transform(path.read_bytes()))

    return edit


def _mixed_zones(centre: Centre) -> Frames:
    contacts = centre.frames["contacts"].astype("object")
    local = pd.to_datetime(contacts[s.CREATED_AT].iloc[:50])
    aware = (local - pd.Timedelta(hours=8)).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {**centre.frames, "contacts": contacts.assign(**{s.CREATED_AT: contacts[s.CREATED_AT].where(contacts.index >= 50, aware)})}  # fmt: skip


def _half_bad_channels(centre: Centre) -> Frames:
    contacts = centre.frames["contacts"]
    bad = contacts.index % 2 == 0
    return {**centre.frames, "contacts": contacts.assign(**{s.CHANNEL: contacts[s.CHANNEL].where(~bad, "fax")})}  # fmt: skip


def _survey_of_bad_contact(centre: Centre) -> Frames:
    with_bad_contact = replace(centre, frames=add("contacts", {"channel": "fax"})(centre))
    return add("surveys", {"contact_id": centre.id("NEW-C")})(with_bad_contact)


SCRIPT = "<script>alert('x')</script><img src=x onerror=alert(1)>"
SQL = "'; DROP TABLE contacts; --"
# data text that once ended a run (matplotlib math) or reached the report raw
HOSTILE_CATEGORY = "$\\x13800138000$ \u202e退款 138.0013.8000"
PERSONAL = ("13800138000", "138.0013.8000", "li.lei@example.com", "110105 19491231 002X")


def _hostile_text(centre: Centre) -> Frames:
    """A script and personal data in a comment, math syntax, a bidi override and a phone
    number in a category."""
    comment = f"{SCRIPT} call 138.0013.8000, li.lei@example.com, ID 110105 19491231 002X"
    with_category = replace(centre, frames=add("contacts", {"category": HOSTILE_CATEGORY})(centre))
    return add("surveys", {"comment": comment, "csat": 1})(with_category)


CASES = [
    # -- blocking: nothing is published (exit 3)
    Case("missing column contacts.channel", drop_column("contacts", "channel"), 3, "required column channel is missing from table contacts"),
    Case("missing column agents.tier", drop_column("agents", "tier"), 3, "required column tier is missing from table agents"),
    Case("missing column surveys.submitted_at", drop_column("surveys", "submitted_at"), 3, "required column submitted_at is missing from table surveys"),
    Case("missing column qa_evaluations.score", drop_column("qa_evaluations", "score"), 3, "required column score is missing from table qa_evaluations"),
    Case("missing column shifts.ends_at", drop_column("shifts", "ends_at"), 3, "required column ends_at is missing from table shifts"),
    Case("missing table contacts", drop_table("contacts"), 3, "table contacts is missing from the source"),
    Case("empty table contacts", empty_table("contacts"), 3, "no usable contact was created in 2026-10"),
    Case("empty table agents", empty_table("agents"), 3, "agents: no usable agent"),
    Case("header-less empty file", _no_change, 3, "required column agent_id is missing from table agents", files=_rewrite("agents", lambda b: b"")),
    Case("period with no data", _no_change, 3, "no usable contact was created in 2026-06", period="2026-06"),
    Case("too many bad rows", _half_bad_channels, 3, "rows broke a rule"),
    # -- usage errors (exit 2)
    Case("impossible period", _no_change, 2, "2026-13", period="2026-13"),
    Case("unreadable parquet file", _no_change, 2, "cannot read", files=lambda f: (f / "surveys.parquet").write_bytes(b"not parquet")),
    # -- row rules: the row is quarantined with its reason (exit 0)
    Case("wrong type: duration", add("contacts", {"talk_seconds": "abc"}), 0, "talk_seconds is not a valid whole number", {"contacts": 1}),
    Case("fractional duration", add("contacts", {"talk_seconds": "12.5"}), 0, "talk_seconds is not a valid whole number", {"contacts": 1}),
    Case("unparseable timestamp", add("contacts", {"created_at": "32/13/2026 25:61"}), 0, "created_at is not a valid timestamp", {"contacts": 1}),
    Case("null key", add("contacts", {"contact_id": None}), 0, "contact_id is missing", {"contacts": 1}),
    Case("conflicting duplicate key", add("contacts", {"category": "billing"}, {"category": "returns"}), 0, "conflicting duplicate contact_id", {"contacts": 2}),
    Case("exact duplicate row", add("contacts", {}, {}), 0, "duplicate row", {"contacts": 1}),
    Case("orphan agent of a contact", add("contacts", {"agent_id": "GHOST"}), 0, "agent_id is not in agents", {"contacts": 1}),
    Case("orphan contact of a survey", add("surveys", {"contact_id": "NOPE"}), 0, "contact_id is not in contacts", {"surveys": 1}),
    Case("orphan agent of an evaluation", add("qa_evaluations", {"agent_id": "GHOST"}), 0, "agent_id is not in agents", {"qa_evaluations": 1}),
    Case("orphan agent of a shift", add("shifts", {"agent_id": "GHOST"}), 0, "agent_id is not in agents", {"shifts": 1}),
    Case("csat out of scale", add("surveys", {"csat": 6}), 0, "csat is outside 1–5", {"surveys": 1}),
    Case("nps out of scale", add("surveys", {"nps": -1}), 0, "nps is outside 0–10", {"surveys": 1}),
    Case("effort out of scale", add("surveys", {"effort": 8}), 0, "effort is outside 1–7", {"surveys": 1}),
    Case("qa score out of range", add("qa_evaluations", {"score": 101}), 0, "score is outside 0–100", {"qa_evaluations": 1}),
    Case("rubric item out of range", add("qa_evaluations", {"attitude": -5}), 0, "attitude is outside 0–100", {"qa_evaluations": 1}),
    Case("unknown channel", add("contacts", {"channel": "fax"}), 0, "channel is not phone, chat, email, app or social", {"contacts": 1}),
    Case("unknown tier", add("agents", {"tier": "expert"}), 0, "tier is not junior, intermediate or senior", {"agents": 1}),
    Case("unknown reviewer kind", add("qa_evaluations", {"reviewer_kind": "robot"}), 0, "reviewer_kind is not human or ai", {"qa_evaluations": 1}),
    Case("answered before created", add("contacts", {"answered_at": "2026-10-01 00:00:00"}), 0, "answered_at is before created_at", {"contacts": 1}),
    Case("closed before answered", add("contacts", {"closed_at": "2026-10-01 00:00:00"}), 0, "closed_at is before answered_at", {"contacts": 1}),
    Case("negative duration", add("contacts", {"hold_seconds": -1}), 0, "hold_seconds is outside 0–86 399", {"contacts": 1}),
    Case("duration of a day or more", add("contacts", {"wrap_seconds": 86_400}), 0, "wrap_seconds is outside 0–86 399", {"contacts": 1}),
    Case("future timestamp", add("qa_evaluations", {"evaluated_at": "2099-01-01 00:00:00"}), 0, "evaluated_at is after the run's start", {"qa_evaluations": 1}),
    Case("evaluation before its contact", add("qa_evaluations", {"evaluated_at": "2026-09-01 00:00:00"}), 0, "evaluated_at is before the contact's created_at", {"qa_evaluations": 1}),
    Case("survey before its contact", add("surveys", {"submitted_at": "2026-09-01 00:00:00"}), 0, "submitted_at is before the contact's created_at", {"surveys": 1}),
    Case("second survey of a contact", add("surveys", {}, {"survey_id": "NEW-S2", "submitted_at": "2026-10-29 00:00:00"}), 0, "a survey of this contact was submitted earlier", {"surveys": 1}),
    Case("survey with neither csat nor nps", add("surveys", {"csat": None, "nps": None}), 0, "neither csat nor nps is given", {"surveys": 1}),
    Case("shift ends before it starts", add("shifts", {"ends_at": "2026-10-15 08:00:00"}), 0, "ends_at is not after starts_at", {"shifts": 1}),
    Case("shift of 17 hours", add("shifts", {"ends_at": "2026-10-16 02:00:00"}), 0, "shift is longer than 16 h", {"shifts": 1}),
    Case("left before hired", add("agents", {"left_on": "2024-01-01"}), 0, "left_on is before hired_on", {"agents": 1}),
    Case("abandoned but answered", add("contacts", {"abandoned": "yes"}), 0, "abandoned contact has answered_at", {"contacts": 1}),
    Case("sale without offer", add("contacts", {"sale": "1", "sales_offer": "0"}), 0, "sale without sales_offer", {"contacts": 1}),
    Case("unknown flag word", add("contacts", {"abandoned": "maybe"}), 0, "abandoned is not a valid flag", {"contacts": 1}),
    Case("NaN as a score", add("qa_evaluations", {"score": "NaN"}), 0, "score is not a valid number", {"qa_evaluations": 1}),
    Case("inf as a duration", add("contacts", {"talk_seconds": "inf"}), 0, "talk_seconds is outside 0–86 399", {"contacts": 1}),
    Case("survey of a quarantined contact", _survey_of_bad_contact, 0, "its contact is quarantined", {"contacts": 1, "surveys": 1}),
    # -- accepted as they are (exit 0, nothing quarantined)
    Case("extra columns", lambda c: {**c.frames, "contacts": c.frames["contacts"].assign(crm_note="x")}, 0, "crm_note"),
    Case("GB18030 file", add("surveys", {"comment": "物流太慢了，客服态度很好"}), 0, "", files=_rewrite("surveys", lambda b: b.decode("utf-8").encode("gb18030")), printed=True),
    Case("UTF-8 with BOM", _no_change, 0, "", files=_rewrite("contacts", lambda b: b"\xef\xbb\xbf" + b)),
    Case("Chinese flag words", lambda c: {**c.frames, "contacts": c.frames["contacts"].assign(abandoned=c.frames["contacts"][s.ABANDONED].map({True: "是", False: "否"}))}, 0, ""),
    Case("mixed zone-aware and naive timestamps", _mixed_zones, 0, ""),
    Case("100 kB comment", add("surveys", {"comment": "慢" * 34_000}), 0, "", printed=True),
    Case("HTML, script and personal data in data text", _hostile_text, 0, "", printed=True),
    Case("optional table absent (v2 §1b)", drop_table("shifts"), 0, "", printed=True),
    Case("abandoned with no give-up time (v2 §1a)", add("contacts", {"abandoned": "1", "answered_at": None, "closed_at": None, "agent_id": None, "talk_seconds": 0, "hold_seconds": 0, "wrap_seconds": 0}), 0, ""),
    Case("SQL-looking text in a database", add("surveys", {"comment": SQL, "csat": 1}), 0, "", database=True, printed=True),
]  # fmt: skip


ROW_RULES = [c for c in CASES if c.quarantined and not (c.files or c.database or c.printed)]
ALONE = [c for c in CASES if c not in ROW_RULES]


def _review(
    frames: Frames, case: Case, tmp_path: Path, capture: bool = False
) -> tuple[int, str, Path]:
    """`csreview run` of CASE's period on FRAMES, written as CASE says: exit code, source, and
    the cadence's output folder."""
    out = tmp_path / "out"
    if case.database:
        source = f"sqlite:///{tmp_path / 'centre.sqlite'}"
        demo.to_database(frames, source)
    else:
        source = str(tmp_path / "src")
        demo.to_folder(frames, source)
        if case.files:
            case.files(Path(source))
    args = ["run", "--cadence", "monthly", "--period", case.period]
    code = main([*args, "--source", source, "--out", str(out)])
    return code, source, out / "monthly"


def _published_soundly(published: Path, stdout: str, quarantined: Counter[str]) -> None:
    """A published review: its PDF's path printed, every row read accounted for, QUARANTINED
    rows set aside per table, and no script or personal data in its HTML."""
    assert stdout.strip().endswith("review.pdf")
    manifest = json.loads((published / "manifest.json").read_text())
    for table, counts in manifest["tables"].items():
        assert counts["read"] == counts["used"] + counts["quarantined"], table
        assert counts["quarantined"] == quarantined[table], table
    html = (published / "review.html").read_text()
    assert SCRIPT not in html and "<script" not in html
    assert not any(p in html for p in PERSONAL) and "\u202e" not in html


def _quarantined(published: Path, table: str) -> list[dict[str, str]]:
    file = published / "quarantine" / f"{table}.csv"
    if not file.is_file():
        return []
    with file.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_corpus_is_large_and_covers_every_table() -> None:
    assert len(CASES) >= 40
    named = {t for c in CASES for t in c.quarantined}
    assert named == {t.name for t in s.TABLES}


@pytest.mark.parametrize("case", ALONE, ids=lambda c: c.name)
def test_bad_input_gets_a_clear_answer(
    case: Case,
    centre: Centre,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with nullcontext() if case.printed else pdf_not_rendered():  # else: its HTML is checked
        code, source, folder = _review(case.change(centre), case, tmp_path)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert code == case.exit_code, captured.err
    if code != 0:
        lines = [x for x in captured.err.splitlines() if not x.startswith("reviewing ")]
        assert len(lines) == 1 and lines[0].startswith("error: ")
        assert case.message in lines[0]
        assert not (folder / case.period).exists()
        return
    published = folder / case.period
    _published_soundly(published, captured.out, Counter(case.quarantined))
    reasons = [r[REASON] for table in case.quarantined for r in _quarantined(published, table)]
    warnings = json.loads((published / "validation" / "results.json").read_text())["rules"]
    shown = reasons + [" ".join(r["examples"]) for r in warnings if r["severity"] == "warn"]
    assert any(case.message in text for text in shown) or not case.message
    if case.database:
        assert demo_tables(source) == {t.name for t in s.TABLES}


# ---------------------------------------------------------------- the row rules, together
@dataclass(frozen=True)
class Together:
    """The row-rule cases reviewed in one run: what the user got, and what tells each case's
    new rows apart in each table."""

    code: int
    stdout: str
    stderr: str
    published: Path
    rows: dict[str, dict[str, set[str]]]  # case → table → identities of its rows


def _identifying(table: str) -> str:
    return s.TABLES_BY_NAME[table].key or s.STARTS_AT  # shifts have no id: each slot's start


def _identity(table: str, value: object) -> str:
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(pd.Timestamp(str(value))) if table == s.SHIFTS.name else str(value)


@pytest.fixture(scope="module")
def row_rules(centre: Centre, tmp_path_factory: pytest.TempPathFactory) -> Together:
    frames, rows = centre.frames, {}
    for slot, case in enumerate(ROW_RULES, start=1):
        before = {table: len(frame) for table, frame in frames.items()}
        frames = case.change(centre.in_slot(frames, slot))
        rows[case.name] = {
            table: {_identity(table, v) for v in frame[_identifying(table)].iloc[before[table] :]}
            for table, frame in frames.items()
            if len(frame) > before[table]
        }
    stdout, stderr = io.StringIO(), io.StringIO()
    with pdf_not_rendered(), redirect_stdout(stdout), redirect_stderr(stderr):
        code, _, folder = _review(frames, ROW_RULES[0], tmp_path_factory.mktemp("row-rules"))
    return Together(code, stdout.getvalue(), stderr.getvalue(), folder / "2026-10", rows)


def test_the_row_rules_reviewed_together_publish_one_sound_review(row_rules: Together) -> None:
    assert "Traceback" not in row_rules.stdout + row_rules.stderr
    assert row_rules.code == 0, row_rules.stderr
    assert all(case.period == "2026-10" for case in ROW_RULES)
    expected: Counter[str] = sum((Counter(case.quarantined) for case in ROW_RULES), Counter())
    _published_soundly(row_rules.published, row_rules.stdout, expected)
    rules = json.loads((row_rules.published / "validation" / "results.json").read_text())["rules"]
    recorded = [_as_recorded(r) for r in rules if r["gx_success"] is not None]
    assert recorded and all(r.gx_agrees for r in recorded), [
        r.rule for r in recorded if not r.gx_agrees
    ]


def _as_recorded(rule: dict[str, Any]) -> RuleResult:
    """A rule of results.json as the gate's result, so the product's own `gx_agrees` judges
    it (`passed` is derived there from `failed`)."""
    fields = {k: v for k, v in rule.items() if k != "passed"}
    return RuleResult(
        **fields | {"examples": tuple(rule["examples"]), "gx_values": tuple(rule["gx_values"])}
    )


@pytest.mark.parametrize("case", ROW_RULES, ids=lambda c: c.name)
def test_a_bad_row_is_quarantined_with_its_reason(case: Case, row_rules: Together) -> None:
    assert row_rules.code == 0, row_rules.stderr
    reasons = []
    for table, identities in row_rules.rows[case.name].items():
        column = _identifying(table)
        mine = [
            r
            for r in _quarantined(row_rules.published, table)
            if _identity(table, r[column]) in identities
        ]
        assert len(mine) == case.quarantined.get(table, 0), table
        reasons += [r[REASON] for r in mine]
    assert set(case.quarantined) <= set(row_rules.rows[case.name])
    assert any(case.message in reason for reason in reasons), reasons


def demo_tables(url: str) -> set[str]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
