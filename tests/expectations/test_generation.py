"""Each rule is declared once: its pandas mask and its GX expectation are generated from its
check, and on the same frame the two count the same failing rows, kind by kind."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest

from csreview import schema as s
from expectations import LIMITS, READ_AT, SUITES, TEXT_LIMIT, Rule
from expectations.checks import (
    TABLE_LEVEL,
    AfterContact,
    Between,
    FirstPer,
    GxCheck,
    InSet,
    IsNull,
    Known,
    LengthAtMost,
    NotBefore,
    NotNull,
    PandasOnly,
    Parameter,
    Parses,
    Present,
    Unique,
    When,
)
from expectations.gx import expectation
from expectations.masks import RuleInputs, failing
from tasks.extract import parse_table
from tasks.validate.gx_record import gx_view
from tests.conftest import ZONE, raw_frames

RULES = [r for rules in SUITES.values() for r in rules]
NOW = pd.Timestamp(datetime(2026, 11, 20, tzinfo=ZONE))
T, F = True, False


def _tiny_inputs(table: s.Table) -> RuleInputs:
    """The tiny centre's rows of TABLE, with the usable contacts and agents upstream."""
    frames = raw_frames()
    typed = {n: parse_table(s.TABLES_BY_NAME[n], f, ZONE) for n, f in frames.items()}
    contacts = typed[s.CONTACTS.name]
    return RuleInputs(
        typed[table.name],
        frames[table.name],
        NOW,
        contacts=contacts[[s.CONTACT_ID, s.CREATED_AT]],
        contact_ids=contacts[s.CONTACT_ID],
        agent_ids=typed[s.AGENTS.name][s.AGENT_ID],
        bad=np.zeros(len(typed[table.name]), dtype=bool),
    )


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.table}.{r.name}")
def test_every_declared_rule_has_a_mask(rule: Rule) -> None:
    inputs = _tiny_inputs(s.TABLES_BY_NAME[rule.table])
    mask = rule.failing(inputs)
    assert len(mask) == (1 if rule.per_table else len(inputs.typed))
    assert not mask.fillna(False).astype(bool).any()  # the tiny centre is clean


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.table}.{r.name}")
def test_every_rule_gx_can_express_yields_an_expectation_gx_accepts(rule: Rule) -> None:
    if isinstance(rule.check, PandasOnly):
        assert rule.expectation is None and rule.engine == "pandas" and rule.why_not_gx
        return
    assert rule.expectation is not None and rule.engine == "great_expectations"
    assert rule.why_not_gx == ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GX's imports raise deprecation warnings
        import great_expectations.expectations as gxe
    built = getattr(gxe, rule.expectation.kind)(**rule.expectation.kwargs)
    columns = {v for k, v in rule.expectation.kwargs.items() if k.startswith("column")}
    assert columns <= set(s.TABLES_BY_NAME[rule.table].column_names), built
    assert rule.per_table == isinstance(rule.check, TABLE_LEVEL)


GIVEN = {"column": {"name": "b"}, "is_null": False}
TRUE = {"column": {"name": "b"}, "operator": "==", "parameter": True}
PAIR = {"column_A": "a", "column_B": "b", "ignore_row_if": "either_value_is_missing"}


KINDS: list[tuple[GxCheck, str, dict[str, Any]]] = [
    (Present("a"), "ExpectColumnToExist", {"column": "a"}),
    (NotNull("a"), "ExpectColumnValuesToNotBeNull", {"column": "a"}),
    (
        NotNull("a", When("b", "given")),
        "ExpectColumnValuesToNotBeNull",
        {"column": "a", "row_condition": GIVEN},
    ),
    (
        IsNull("a", When("b", "true")),
        "ExpectColumnValuesToBeNull",
        {"column": "a", "row_condition": TRUE},
    ),
    (
        InSet("a", ("x", "y")),
        "ExpectColumnValuesToBeInSet",
        {"column": "a", "value_set": ["x", "y"]},
    ),
    (
        InSet("a", (0,), When("b", "null")),
        "ExpectColumnValuesToBeInSet",
        {
            "column": "a",
            "value_set": [0],
            "row_condition": {"column": {"name": "b"}, "is_null": True},
        },
    ),
    (
        Between("a", 0, 10),
        "ExpectColumnValuesToBeBetween",
        {"column": "a", "min_value": 0, "max_value": 10},
    ),
    (
        Between("a", high=Parameter(READ_AT)),
        "ExpectColumnValuesToBeBetween",
        {"column": "a", "max_value": {"$PARAMETER": READ_AT}},
    ),
    (Unique("a"), "ExpectColumnValuesToBeUnique", {"column": "a"}),
    (
        LengthAtMost("a", TEXT_LIMIT),
        "ExpectColumnValueLengthsToBeBetween",
        {"column": "a", "max_value": {"$PARAMETER": TEXT_LIMIT}},
    ),
    (NotBefore("a", "b"), "ExpectColumnPairValuesAToBeGreaterThanB", {**PAIR, "or_equal": True}),
]


@pytest.mark.parametrize(
    ("check", "kind", "kwargs"),
    KINDS,
    ids=[f"{type(k[0]).__name__}-{n}" for n, k in enumerate(KINDS)],
)
def test_each_kind_of_check_yields_its_expectation(
    check: GxCheck, kind: str, kwargs: dict[str, Any]
) -> None:
    generated = expectation(check)
    assert generated.kind == kind
    assert dict(generated.kwargs) == kwargs


# ---------------------------------------------------------------- both engines, one frame
T0, T1, T2 = "2026-10-05 09:00:00", "2026-10-05 10:00:00", "2026-12-01 10:00:00"
# per kind of check: a small frame of contacts (or surveys) as read, and how many rows break it
AGREEMENT: list[tuple[str, GxCheck, dict[str, list[object]], int]] = [
    ("present", Present(s.CHANNEL), {s.CONTACT_ID: ["c1"]}, 1),
    ("present, given", Present(s.CHANNEL), {s.CHANNEL: ["phone"]}, 0),
    ("not null", NotNull(s.CATEGORY), {s.CATEGORY: ["a", None, "b", None]}, 2),
    (
        "not null when given",
        NotNull(s.AGENT_ID, When(s.ANSWERED_AT, "given")),
        {s.ANSWERED_AT: [T0, T0, None, "?"], s.AGENT_ID: ["A1", None, None, None]},
        1,
    ),
    (
        "null when true",
        IsNull(s.ANSWERED_AT, When(s.ABANDONED, "true")),
        {s.ABANDONED: ["1", "0", "1", None, "yes"], s.ANSWERED_AT: [T0, T0, None, T0, T1]},
        2,
    ),
    (
        "not null when null",
        NotNull(s.NPS, When(s.CSAT, "null")),
        {s.CSAT: [None, None, "3", "x"], s.NPS: ["5", None, None, None]},
        2,
    ),
    (
        "in set",
        InSet(s.CHANNEL, s.CHANNELS),
        {s.CHANNEL: ["phone", "fax", None, "Phone"]},
        2,
    ),
    (
        "in set, optional flag read as false when null",
        InSet(s.SALES_OFFER, (True,), When(s.SALE, "true")),
        {s.SALE: ["1", "1", "0", "1", None], s.SALES_OFFER: ["1", "0", "0", None, None]},
        2,
    ),
    (
        "in set when null",
        InSet(s.TALK_SECONDS, (0,), When(s.ANSWERED_AT, "null")),
        {s.ANSWERED_AT: [None, None, T0, None], s.TALK_SECONDS: ["0", "5", "5", None]},
        1,
    ),
    (
        "between",
        Between(s.TALK_SECONDS, 0, s.MAX_DURATION_SECONDS - 1),
        {s.TALK_SECONDS: ["-1", "10", "86400", None, "0"]},
        2,
    ),
    (
        "between, the run's start as a parameter",
        Between(s.CREATED_AT, high=Parameter(READ_AT)),
        {s.CREATED_AT: [T0, T2, None, "2026-11-20 00:00:00"]},
        1,
    ),
    ("unique", Unique(s.CONTACT_ID), {s.CONTACT_ID: ["c1", "c1", "c2", None, None]}, 2),
    (
        "length, a limit as a parameter",
        LengthAtMost(s.CATEGORY, TEXT_LIMIT),
        {s.CATEGORY: ["abc", "abcd", "汉汉汉汉", "汉汉汉", None]},
        2,
    ),
    (
        "not before",
        NotBefore(s.CLOSED_AT, s.CREATED_AT),
        {s.CREATED_AT: [T1, T1, T1, None], s.CLOSED_AT: [T0, T1, None, T0]},
        1,
    ),
    (
        "after, not equal",
        NotBefore(s.CLOSED_AT, s.CREATED_AT, or_equal=False),
        {s.CREATED_AT: [T1, T1, T0], s.CLOSED_AT: [T0, T1, T1]},
        2,
    ),
]


@pytest.fixture(scope="module")
def gx_batch() -> Iterator[Any]:
    """A GX batch definition taking whatever frame a test hands it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GX's imports raise deprecation warnings
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("inline").add_dataframe_asset("contacts")
    yield asset.add_batch_definition_whole_dataframe("all")


@pytest.mark.parametrize(
    ("check", "raw", "failing_rows"),
    [case[1:] for case in AGREEMENT],
    ids=[case[0] for case in AGREEMENT],
)
def test_gx_and_the_mask_count_the_same_rows(
    gx_batch: Any, check: GxCheck, raw: dict[str, list[object]], failing_rows: int
) -> None:
    table = s.SURVEYS if s.CSAT in raw else s.CONTACTS
    frame = pd.DataFrame(raw, dtype="object")
    typed = parse_table(table, frame, ZONE)
    limits = {**LIMITS, TEXT_LIMIT: 3}
    mask = failing(check, table, RuleInputs(typed, frame, NOW, limits=limits))
    counted = int(mask.fillna(False).astype(bool).sum())
    assert counted == failing_rows

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import great_expectations.expectations as gxe
    made = expectation(check)
    seen = typed.loc[:, [c for c in table.column_names if c in frame.columns]]
    result = gx_batch.get_batch(batch_parameters={"dataframe": gx_view(table, seen)}).validate(
        getattr(gxe, made.kind)(**made.kwargs),
        expectation_parameters={READ_AT: NOW.tz_convert("UTC").tz_localize(None), **limits},
        result_format="SUMMARY",
    )
    assert not result.exception_info.get("raised_exception"), result.exception_info
    assert result.success == (counted == 0)
    if not isinstance(check, Present):
        assert result.result["unexpected_count"] == counted


def test_a_contact_looked_up_once_serves_both_rules_that_need_it() -> None:
    """`Known` and `AfterContact` read the gate's lookup when given, their own otherwise."""
    at = pd.to_datetime(["2026-10-05 10:00", "2026-10-05 11:00"]).tz_localize(ZONE)
    contacts = pd.DataFrame(
        {s.CONTACT_ID: pd.array(["c1", "c2"], dtype="string"), s.CREATED_AT: at}
    )
    typed = pd.DataFrame(
        {
            s.CONTACT_ID: pd.array(["c2", "ghost", None, "c1"], dtype="string"),
            s.SUBMITTED_AT: pd.DatetimeIndex([at[0] + pd.Timedelta(minutes=30)] * 4),
        }
    )
    inputs = RuleInputs(typed, typed, NOW, contacts=contacts, contact_ids=contacts[s.CONTACT_ID])
    looked_up = RuleInputs(
        typed,
        typed,
        NOW,
        contacts=contacts,
        contact_ids=contacts[s.CONTACT_ID],
        contact_at=np.array([1, -1, -1, 0]),
    )
    known, after = Known(s.CONTACT_ID, "contacts"), AfterContact(s.SUBMITTED_AT)
    for i in (inputs, looked_up):
        assert failing(known, s.SURVEYS, i).tolist() == [False, True, False, False]
        assert failing(after, s.SURVEYS, i).tolist() == [True, False, False, False]
    nowhere = RuleInputs(typed, typed, NOW, contacts=contacts, contact_at=np.full(4, -1))
    assert failing(known, s.SURVEYS, nowhere).tolist() == [True, True, False, True]


def test_a_value_is_unparseable_only_when_given_and_unread() -> None:
    raw = pd.DataFrame({s.CREATED_AT: ["2026-10-01 10:00", "  ", None, "soon"]}, dtype=object)
    typed = pd.DataFrame({s.CREATED_AT: pd.to_datetime(["2026-10-01 10:00", None, None, None])})
    inputs = RuleInputs(typed, raw, NOW)
    assert failing(Parses(s.CREATED_AT), s.CONTACTS, inputs).tolist() == [F, F, F, T]
    every = RuleInputs(typed.iloc[:1], raw.iloc[:1], NOW)
    assert failing(Parses(s.CREATED_AT), s.CONTACTS, every).tolist() == [F]


def test_later_surveys_of_a_contact_are_those_after_its_first_usable_one() -> None:
    minute = [
        pd.Timestamp("2026-10-05 10:00", tz=ZONE) + pd.Timedelta(minutes=m) for m in (2, 1, 0, 1, 0)
    ]
    typed = pd.DataFrame(
        {
            s.CONTACT_ID: pd.array(["c1", "c1", "c2", "c1", None], dtype="string"),
            s.SUBMITTED_AT: minute,
            s.ROW: [0, 1, 2, 3, 4],
        },
        index=[10, 11, 12, 13, 14],
    )
    # by time then row: c2, (none), c1 quarantined already, c1 first usable, c1 later
    bad = np.array([F, T, F, F, F])
    check = FirstPer(s.CONTACT_ID, (s.SUBMITTED_AT, s.ROW))
    mask = failing(check, s.SURVEYS, RuleInputs(typed, typed, NOW, bad=bad))
    assert mask.tolist() == [T, F, F, F, F] and list(mask.index) == list(typed.index)
