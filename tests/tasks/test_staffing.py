"""Erlang C staffing: golden numbers worked out by hand, properties, and tiny interval frames.

Hand checks used below: with one agent Erlang C equals the traffic A (A < 1); with A = 2 and
N = 3, C = (8/6 · 3) / (1 + 2 + 2 + 8/6 · 3) = 4/9; with A = 1 and N = 2, C = 1/3.
"""

from __future__ import annotations

import functools
import itertools
import math
import time

import numpy as np
import pandas as pd
import pytest

from csreview import schema as s
from tasks import staffing as st
from tests.conftest import ZONE

# ---------------------------------------------------------------- Erlang C


def erlang_c_by_formula(traffic: float, agents: int) -> float:
    """The textbook formula in log space, as an independent check of the recursion."""
    log_top = (
        agents * math.log(traffic) - math.lgamma(agents + 1) + math.log(agents / (agents - traffic))
    )
    log_terms = [k * math.log(traffic) - math.lgamma(k + 1) for k in range(agents)]
    peak = max([*log_terms, log_top])
    top = math.exp(log_top - peak)
    return top / (sum(math.exp(t - peak) for t in log_terms) + top)


@pytest.mark.parametrize(
    ("traffic", "agents", "expected"),
    [
        (0.2, 1, 0.2),
        (0.5, 1, 0.5),
        (2.0, 3, 4 / 9),
        (1.0, 2, 1 / 3),
        (0.0, 1, 0.0),
        (0.0, 5, 0.0),
    ],
)
def test_erlang_c_golden(traffic: float, agents: int, expected: float) -> None:
    assert st.erlang_c(traffic, agents) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("traffic", "agents"), [(1.0, 1), (2.0, 2), (5.0, 3), (1000.0, 999), (0.0, 0)]
)
def test_erlang_c_is_one_for_an_unstable_queue(traffic: float, agents: int) -> None:
    assert st.erlang_c(traffic, agents) == 1.0


@pytest.mark.parametrize(
    ("traffic", "agents"), [(10.0, 14), (3.7, 5), (50.0, 60), (200.0, 215), (1000.0, 1030)]
)
def test_erlang_c_matches_the_textbook_formula(traffic: float, agents: int) -> None:
    assert st.erlang_c(traffic, agents) == pytest.approx(erlang_c_by_formula(traffic, agents))


def test_erlang_c_is_stable_for_thousands_of_erlangs() -> None:
    c = st.erlang_c(5000.0, 5100)
    assert 0.0 < c < 1.0
    assert math.isfinite(c)
    assert st.erlang_c(5000.0, 5200) < c


def test_erlang_c_decreases_with_agents() -> None:
    values = [st.erlang_c(10.0, n) for n in range(11, 30)]
    assert all(a > b for a, b in itertools.pairwise(values))


# ---------------------------------------------------------------- published example
def test_required_agents_published_example() -> None:
    # 100 calls in 30 min, AHT 180 s → A = 10 erlangs; 80 % within 20 s
    assert st.required_agents(100, 1800, 180, 20, 0.8) == 14


def test_published_example_service_level_and_asa() -> None:
    assert st.service_level(100, 1800, 180, 14, 20) == pytest.approx(0.888, abs=0.001)
    assert st.average_speed_of_answer(100, 1800, 180, 14) == pytest.approx(7.8, abs=0.1)
    assert st.service_level(100, 1800, 180, 13, 20) < 0.8  # ≈ 0.796


def test_service_level_with_one_agent_by_hand() -> None:
    # 2 calls × 180 s / 1800 s → A = 0.2 = C; 1 − 0.2 · exp(−0.8 · 20 / 180)
    expected = 1 - 0.2 * math.exp(-0.8 * 20 / 180)
    assert st.service_level(2, 1800, 180, 1, 20) == pytest.approx(expected)
    assert st.average_speed_of_answer(2, 1800, 180, 1) == pytest.approx(0.2 * 180 / 0.8)


def test_asa_by_hand() -> None:
    # A = 1 (10 calls × 180 s / 1800 s), N = 2: C = 1/3, ASA = C · 180 / 1 = 60 s
    assert st.average_speed_of_answer(10, 1800, 180, 2) == pytest.approx(60.0)
    assert st.service_level(10, 1800, 180, 2, 0) == pytest.approx(2 / 3)


@pytest.mark.parametrize("agents", [0, 5, 10])
def test_unstable_queue(agents: int) -> None:
    assert st.service_level(100, 1800, 180, agents, 20) == 0.0
    assert st.average_speed_of_answer(100, 1800, 180, agents) == math.inf


def test_no_traffic() -> None:
    assert st.required_agents(0, 1800, 180, 20, 0.8) == 0
    assert st.service_level(0, 1800, 180, 0, 20) == 1.0
    assert st.average_speed_of_answer(0, 1800, 180, 0) == 0.0


LOADS = [
    # calls, interval_seconds, aht_seconds, target_seconds, service level
    (1, 1800, 180, 20, 0.8),
    (7, 1800, 240, 60, 0.8),
    (100, 1800, 180, 20, 0.8),
    (100, 1800, 180, 20, 0.95),
    (250, 3600, 300, 30, 0.9),
    (40, 900, 420, 15, 0.7),
    (1200, 1800, 200, 0, 0.8),
    (5000, 1800, 300, 20, 0.8),
]


@pytest.mark.parametrize(("calls", "interval", "aht", "target", "level"), LOADS)
def test_required_agents_is_the_smallest_count_reaching_target(
    calls: float, interval: float, aht: float, target: float, level: float
) -> None:
    n = st.required_agents(calls, interval, aht, target, level)
    assert n > calls * aht / interval
    assert st.service_level(calls, interval, aht, n, target) >= level
    assert st.service_level(calls, interval, aht, n - 1, target) < level


@pytest.mark.parametrize(
    ("interval", "aht", "target", "level"), [(1800, 180, 20, 0.8), (900, 300, 60, 0.9)]
)
def test_required_agents_is_monotone_in_calls(
    interval: float, aht: float, target: float, level: float
) -> None:
    needed = [st.required_agents(calls, interval, aht, target, level) for calls in range(0, 400, 7)]
    assert needed == sorted(needed)
    assert needed[0] == 0
    assert needed[-1] > needed[1]


def test_required_agents_is_monotone_in_the_target_level() -> None:
    needed = [st.required_agents(100, 1800, 180, 20, level) for level in (0.5, 0.8, 0.9, 0.99)]
    assert needed == sorted(needed)


def test_large_load_is_fast_and_sane() -> None:
    began = time.perf_counter()
    n = st.required_agents(5000, 1800, 300, 20, 0.8)
    elapsed = time.perf_counter() - began
    traffic = 5000 * 300 / 1800  # ≈ 833.3 erlangs
    assert elapsed < 1.0
    assert traffic < n < traffic * 1.1
    assert n == 848
    assert 0 < st.average_speed_of_answer(5000, 1800, 300, n) < 20


@pytest.mark.parametrize(
    "arguments",
    [
        (-1, 1800, 180, 20, 0.8),
        (10, 0, 180, 20, 0.8),
        (10, 1800, 0, 20, 0.8),
        (10, 1800, 180, -1, 0.8),
        (10, 1800, 180, 20, 0.0),
        (10, 1800, 180, 20, 1.0),
        (math.nan, 1800, 180, 20, 0.8),
        (10, 1800, math.nan, 20, 0.8),
    ],
)
def test_required_agents_rejects_bad_input(arguments: tuple[float, ...]) -> None:
    with pytest.raises(ValueError, match="must"):
        st.required_agents(*arguments)


def test_erlang_c_rejects_negative_agents() -> None:
    with pytest.raises(ValueError, match="agents"):
        st.erlang_c(1.0, -1)


# ---------------------------------------------------------------- frames
START = pd.Timestamp("2026-10-05 10:00", tz=ZONE)
END = pd.Timestamp("2026-10-05 11:00", tz=ZONE)
TARGETS = {"phone": 20.0, "chat": 60.0, "email": 86_400.0}


def at(text: str | None) -> pd.Timestamp:
    return pd.NaT if text is None else pd.Timestamp(text, tz=ZONE)


def contacts_frame(
    rows: list[tuple[str, str, str, str | None, float | None, float | None, float | None]],
) -> pd.DataFrame:
    """Typed contacts: id, channel, created, answered, talk, hold, wrap (local clock)."""
    columns = [
        s.CONTACT_ID,
        s.CHANNEL,
        s.CREATED_AT,
        s.ANSWERED_AT,
        s.TALK_SECONDS,
        s.HOLD_SECONDS,
        s.WRAP_SECONDS,
    ]
    raw = pd.DataFrame(rows, columns=columns)
    return raw.assign(
        **{
            s.CONTACT_ID: raw[s.CONTACT_ID].astype("string"),
            s.CHANNEL: raw[s.CHANNEL].astype("string"),
            s.CREATED_AT: pd.Series(
                [at(v) for v in raw[s.CREATED_AT]], dtype=f"datetime64[us, {ZONE}]"
            ),
            s.ANSWERED_AT: pd.Series(
                [at(v) for v in raw[s.ANSWERED_AT]], dtype=f"datetime64[us, {ZONE}]"
            ),
            **{
                c: raw[c].astype("float64")
                for c in (s.TALK_SECONDS, s.HOLD_SECONDS, s.WRAP_SECONDS)
            },
        }
    )


def shifts_frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            s.AGENT_ID: pd.Series([r[0] for r in rows], dtype="string"),
            s.STARTS_AT: pd.Series([at(r[1]) for r in rows], dtype=f"datetime64[us, {ZONE}]"),
            s.ENDS_AT: pd.Series([at(r[2]) for r in rows], dtype=f"datetime64[us, {ZONE}]"),
        }
    )


# Interval 10:00: phone p1 p2 (handle 180 + 180), chat c1 (handle 240).
# Interval 10:30: phone p3 (abandoned). Outside [10:00, 11:00): p0, p4. e1 is e-mail.
TINY = [
    ("p0", "phone", "2026-10-05 09:59:59", "2026-10-05 10:00:10", 1000, 0, 0),
    ("p1", "phone", "2026-10-05 10:05:00", "2026-10-05 10:05:10", 100, 20, 60),
    ("p2", "phone", "2026-10-05 10:10:00", "2026-10-05 10:10:05", 150, None, 30),
    ("c1", "chat", "2026-10-05 10:20:00", "2026-10-05 10:20:30", 200, 0, 40),
    ("e1", "email", "2026-10-05 10:15:00", "2026-10-05 10:30:00", 500, 0, 0),
    ("p3", "phone", "2026-10-05 10:40:00", None, None, None, None),
    ("p4", "phone", "2026-10-05 11:00:00", "2026-10-05 11:00:05", 900, 0, 0),
]
# A1 covers the second half of 10:00 and all of 10:30; A2 ends when the day starts.
TINY_SHIFTS = [
    ("A1", "2026-10-05 10:15:00", "2026-10-05 11:30:00"),
    ("A2", "2026-10-05 08:00:00", "2026-10-05 10:00:00"),
]


def tiny(chat_concurrency: float = 1.0) -> pd.DataFrame:
    return st.interval_staffing(
        contacts_frame(TINY),
        shifts_frame(TINY_SHIFTS),
        START,
        END,
        target_seconds=TARGETS,
        service_level_target=0.8,
        chat_concurrency=chat_concurrency,
    )


def test_interval_staffing_tiny() -> None:
    table = tiny()
    assert list(table.columns) == list(st.BY_CHANNEL_COLUMNS)
    expected = pd.DataFrame(
        {
            st.INTERVAL_START: [START, START, at("2026-10-05 10:30"), at("2026-10-05 10:30")],
            s.CHANNEL: ["phone", "chat", "phone", "chat"],
            st.CONTACTS: [2, 1, 1, 0],
            st.AHT_SECONDS: [180.0, 240.0, 180.0, 240.0],
            # phone 10:00: A = 0.2 = C, SL(1) = 1 − 0.2·e^(−0.8·20/180) ≈ 0.817 ≥ 0.8 → 1
            # chat 10:00: A = 240/1800, SL(1) ≈ 0.92 → 1; phone 10:30: A = 0.1 → 1
            st.REQUIRED_AGENTS: [1.0, 1.0, 1.0, 0.0],
            st.SCHEDULED_AGENTS: [0.5, 0.5, 1.0, 1.0],
        }
    )
    pd.testing.assert_frame_equal(table, expected, check_dtype=False)
    assert str(table[st.INTERVAL_START].dt.tz) == "Asia/Shanghai"
    assert table[st.CONTACTS].dtype == "int64"
    assert table[st.REQUIRED_AGENTS].dtype == "float64"


def test_interval_staffing_does_not_mutate_inputs() -> None:
    contacts, shifts = contacts_frame(TINY), shifts_frame(TINY_SHIFTS)
    before = contacts.copy(), shifts.copy()
    st.interval_staffing(
        contacts, shifts, START, END, target_seconds=TARGETS, service_level_target=0.8
    )
    pd.testing.assert_frame_equal(contacts, before[0])
    pd.testing.assert_frame_equal(shifts, before[1])


def busy_chat(
    n: int,
) -> list[tuple[str, str, str, str | None, float | None, float | None, float | None]]:
    """n answered chats at 10:00, each of 240 s handle time."""
    return [
        (f"c{i}", "chat", "2026-10-05 10:00:00", "2026-10-05 10:00:05", 240, 0, 0) for i in range(n)
    ]


@pytest.mark.parametrize(
    ("concurrency", "expected"),
    [(1.0, 11.0), (2.0, 6.0), (3.0, 4.0), (0.6, 19.0)],  # ⌈11 / concurrency⌉
)
def test_chat_concurrency_divides_and_rounds_up(concurrency: float, expected: float) -> None:
    table = st.interval_staffing(
        contacts_frame(busy_chat(60)),  # A = 60 · 240 / 1800 = 8 erlangs
        shifts_frame([]),
        START,
        END,
        target_seconds=TARGETS,
        service_level_target=0.8,
        chat_concurrency=concurrency,
    )
    # 10 agents: C(8, 10) ≈ 0.409, SL ≈ 1 − 0.409 · e^(−2 · 60 / 240) ≈ 0.75 < 0.8; 11 reach it
    assert st.required_agents(60, 1800, 240, 60, 0.8) == 11
    chat = table[table[s.CHANNEL] == "chat"]
    assert chat[st.REQUIRED_AGENTS].tolist() == [expected, 0.0]
    assert table[st.SCHEDULED_AGENTS].tolist() == [0.0] * 4


def test_concurrency_rounding_ignores_float_noise() -> None:
    table = tiny()  # 1 chat agent needed at 10:00
    assert table[st.REQUIRED_AGENTS].iloc[1] == 1.0
    fractional = tiny(chat_concurrency=0.1)  # 1 / 0.1 = 10.000000000000002 in floats
    assert fractional[st.REQUIRED_AGENTS].iloc[1] == 10.0


def test_channel_without_answered_contacts() -> None:
    rows = [
        ("p1", "phone", "2026-10-05 10:05:00", "2026-10-05 10:05:10", 100, 20, 60),
        ("c1", "chat", "2026-10-05 10:35:00", None, None, None, None),  # arrived, never answered
    ]
    table = st.interval_staffing(
        contacts_frame(rows),
        shifts_frame(TINY_SHIFTS),
        START,
        END,
        target_seconds=TARGETS,
        service_level_target=0.8,
    )
    chat = table[table[s.CHANNEL] == "chat"]
    assert chat[st.AHT_SECONDS].isna().all()
    assert chat[st.CONTACTS].tolist() == [0, 1]
    assert chat[st.REQUIRED_AGENTS].iloc[0] == 0.0  # no contacts: nothing required
    assert math.isnan(chat[st.REQUIRED_AGENTS].iloc[1])  # contacts without AHT: unknown

    summary = st.staffing_summary(table)
    assert summary[st.REQUIRED_AGENTS].iloc[0] == 1.0
    assert math.isnan(summary[st.REQUIRED_AGENTS].iloc[1])
    assert math.isnan(summary[st.GAP].iloc[1])
    assert summary[st.UNDERSTAFFED].tolist() == [True, False]


def test_empty_day_shows_every_interval() -> None:
    table = st.interval_staffing(
        contacts_frame([]),
        shifts_frame([]),
        START,
        pd.Timestamp("2026-10-06 10:00", tz=ZONE),
        target_seconds=TARGETS,
        service_level_target=0.8,
    )
    assert len(table) == 48 * 2
    assert table[st.CONTACTS].sum() == 0
    assert table[st.REQUIRED_AGENTS].sum() == 0.0
    assert table[st.INTERVAL_START].iloc[-1] == pd.Timestamp("2026-10-06 09:30", tz=ZONE)


@pytest.mark.parametrize("minutes", [15, 30, 60])
def test_interval_length(minutes: int) -> None:
    table = st.interval_staffing(
        contacts_frame(TINY),
        shifts_frame(TINY_SHIFTS),
        START,
        END,
        interval_minutes=minutes,
        target_seconds=TARGETS,
        service_level_target=0.8,
    )
    assert len(table) == 2 * 60 // minutes
    assert table[st.CONTACTS].sum() == 4  # p1 p2 c1 p3
    # agent-seconds on shift in [10:00, 11:00) are 45 min whatever the interval length
    on_shift = table.drop_duplicates(st.INTERVAL_START)[st.SCHEDULED_AGENTS].sum() * minutes
    assert on_shift == pytest.approx(45.0)


def test_scheduled_agents_match_brute_force() -> None:
    rng = np.random.default_rng(7)
    day = pd.Timestamp("2026-10-05 00:00", tz=ZONE)
    begins = rng.integers(-6 * 3600, 24 * 3600, size=60)
    lengths = rng.integers(0, 12 * 3600, size=60)
    rows = [
        (
            f"A{i}",
            str((day + pd.Timedelta(seconds=int(b))).tz_localize(None)),
            str((day + pd.Timedelta(seconds=int(b + n))).tz_localize(None)),
        )
        for i, (b, n) in enumerate(zip(begins, lengths, strict=True))
    ]
    shifts = shifts_frame(rows)
    end = day + pd.Timedelta(days=1)
    table = st.interval_staffing(
        contacts_frame([]), shifts, day, end, target_seconds=TARGETS, service_level_target=0.8
    )
    scheduled = table.drop_duplicates(st.INTERVAL_START)[st.SCHEDULED_AGENTS].to_numpy()
    starts = pd.date_range(day, end, freq="30min", inclusive="left")
    brute = [
        sum(
            max(
                0.0,
                (min(e, t + pd.Timedelta(minutes=30)) - max(b, t)).total_seconds(),
            )
            for b, e in zip(shifts[s.STARTS_AT], shifts[s.ENDS_AT], strict=True)
        )
        / 1800
        for t in starts
    ]
    np.testing.assert_allclose(scheduled, brute, atol=1e-9)


def test_month_of_intervals() -> None:
    month_start = pd.Timestamp("2026-10-01", tz=ZONE)
    month_end = pd.Timestamp("2026-11-01", tz=ZONE)
    rng = np.random.default_rng(11)
    seconds = rng.integers(0, 31 * 86_400, size=20_000)
    channels = rng.choice(["phone", "chat", "email"], size=seconds.size)
    rows = [
        (
            f"x{i}",
            str(ch),
            str((month_start + pd.Timedelta(seconds=int(t))).tz_localize(None)),
            str((month_start + pd.Timedelta(seconds=int(t) + 20)).tz_localize(None)),
            240.0,
            0.0,
            60.0,
        )
        for i, (t, ch) in enumerate(zip(seconds, channels, strict=True))
    ]
    began = time.perf_counter()
    table = st.interval_staffing(
        contacts_frame(rows),
        shifts_frame(TINY_SHIFTS),
        month_start,
        month_end,
        target_seconds=TARGETS,
        service_level_target=0.8,
        chat_concurrency=2.0,
    )
    assert time.perf_counter() - began < 10.0
    assert len(table) == 31 * 48 * 2
    assert table[st.CONTACTS].sum() == int((channels != "email").sum())
    assert table[st.AHT_SECONDS].tolist() == [300.0] * len(table)
    assert (table[st.REQUIRED_AGENTS] >= 1).sum() > 0


@pytest.mark.parametrize(
    ("start", "end", "minutes", "targets", "concurrency"),
    [
        (END, START, 30, TARGETS, 1.0),  # end before start
        (START, START, 30, TARGETS, 1.0),  # empty range
        (START, END, 45, TARGETS, 1.0),  # not a whole number of intervals
        (START, END, 0, TARGETS, 1.0),
        (START.tz_localize(None), END.tz_localize(None), 30, TARGETS, 1.0),  # naive
        (START, END, 30, {"phone": 20.0}, 1.0),  # no chat target
        (START, END, 30, TARGETS, 0.0),
    ],
)
def test_interval_staffing_rejects_bad_arguments(
    start: pd.Timestamp,
    end: pd.Timestamp,
    minutes: int,
    targets: dict[str, float],
    concurrency: float,
) -> None:
    with pytest.raises(ValueError, match=r"must|lacks"):
        st.interval_staffing(
            contacts_frame(TINY),
            shifts_frame(TINY_SHIFTS),
            start,
            end,
            interval_minutes=minutes,
            target_seconds=targets,
            service_level_target=0.8,
            chat_concurrency=concurrency,
        )


# ---------------------------------------------------------------- summary
def test_staffing_summary_tiny() -> None:
    summary = st.staffing_summary(tiny())
    expected = pd.DataFrame(
        {
            st.INTERVAL_START: [START, at("2026-10-05 10:30")],
            st.CONTACTS: [3, 1],
            st.REQUIRED_AGENTS: [2.0, 1.0],
            st.SCHEDULED_AGENTS: [0.5, 1.0],
            st.GAP: [-1.5, 0.0],
            st.UNDERSTAFFED: [True, False],  # a gap of exactly 0 is not understaffed
        }
    )
    pd.testing.assert_frame_equal(summary, expected, check_dtype=False)
    assert list(summary.columns) == list(st.SUMMARY_COLUMNS)
    assert summary[st.UNDERSTAFFED].dtype == bool


def test_staffing_summary_does_not_mutate_input() -> None:
    table = tiny()
    before = table.copy()
    st.staffing_summary(table)
    pd.testing.assert_frame_equal(table, before)


def summary_frame(gaps: list[float]) -> pd.DataFrame:
    starts = pd.date_range(START, periods=len(gaps), freq="30min")
    gap = pd.Series(gaps, dtype="float64")
    return pd.DataFrame(
        {
            st.INTERVAL_START: starts,
            st.CONTACTS: 10,
            st.REQUIRED_AGENTS: 5.0,
            st.SCHEDULED_AGENTS: 5.0 + gap,
            st.GAP: gap,
            st.UNDERSTAFFED: gap < 0,
        }
    )


def test_understaffed_intervals_worst_first() -> None:
    summary = summary_frame([-1.0, 2.0, -3.5, 0.0, -1.0, math.nan])
    short = st.understaffed_intervals(summary)
    assert short[st.GAP].tolist() == [-3.5, -1.0, -1.0]
    starts = pd.date_range(START, periods=6, freq="30min")
    assert short[st.INTERVAL_START].tolist() == [starts[2], starts[0], starts[4]]
    assert list(short.index) == [0, 1, 2]
    assert list(short.columns) == list(summary.columns)


def test_understaffed_intervals_of_the_tiny_day() -> None:
    short = st.understaffed_intervals(st.staffing_summary(tiny()))
    assert short[st.INTERVAL_START].tolist() == [START]
    assert short[st.GAP].tolist() == [-1.5]


def test_no_understaffed_intervals() -> None:
    short = st.understaffed_intervals(summary_frame([0.0, 1.0]))
    assert short.empty
    assert list(short.columns) == list(st.SUMMARY_COLUMNS)


def test_time_of_day_folds_the_period_onto_one_day() -> None:
    starts = pd.to_datetime(
        ["2026-10-01 20:00", "2026-10-01 20:30", "2026-10-02 20:00", "2026-10-02 20:30"]
    ).tz_localize(ZONE)
    summary = pd.DataFrame(
        {
            st.INTERVAL_START: starts,
            st.CONTACTS: [10, 4, 6, 2],
            st.REQUIRED_AGENTS: [5.0, 2.0, 3.0, 1.0],
            st.SCHEDULED_AGENTS: [1.0, 2.0, 4.0, 2.0],
            st.GAP: [-4.0, 0.0, 1.0, 1.0],
            st.UNDERSTAFFED: [True, False, False, False],
        }
    )
    folded = st.by_time_of_day(summary).set_index(st.HALF_HOUR)
    assert folded.loc["20:00", st.REQUIRED_AGENTS] == 4.0
    assert folded.loc["20:00", st.SCHEDULED_AGENTS] == 2.5
    assert (
        folded.loc["20:00", st.UNDERSTAFFED_DAYS],
        folded.loc["20:00", st.DAYS],
    ) == (1, 2)
    assert folded.loc["20:30", st.UNDERSTAFFED_DAYS] == 0


def test_email_queue_counts_open_mails_and_their_age() -> None:
    end = pd.Timestamp("2026-11-01", tz=ZONE)
    contacts = pd.DataFrame(
        {
            s.CHANNEL: pd.array(["email", "email", "email", "phone"], dtype="string"),
            s.ABANDONED: pd.array([False, False, False, False], dtype="boolean"),
            s.CREATED_AT: pd.to_datetime(
                ["2026-10-31 12:00", "2026-10-31 18:00", "2026-10-30 00:00", "2026-10-31 23:00"]
            ).tz_localize(ZONE),
            s.CLOSED_AT: pd.to_datetime(
                [None, "2026-11-02 00:00", "2026-10-30 10:00", None]
            ).tz_localize(ZONE),
        }
    )
    assert st.email_queue(contacts, end) == (2, 9.0)  # 12 h and 6 h old at the end


# ---------------------------------------------------------------- in parts
# TINY with queue columns, and e-mails open at the end: e2 (2 h), e3 and e4 (30 min), e5 (3 h)
QUEUED = [("e2", "email", "2026-10-05 09:00:00", None, None, None, None)] + [
    (f"e{i}", "email", created, None, None, None, None)
    for i, created in (
        (3, "2026-10-05 10:30:00"),
        (4, "2026-10-05 10:30:00"),
        (5, "2026-10-05 08:00:00"),
    )
]


def queued_contacts() -> pd.DataFrame:
    frame = contacts_frame(TINY + QUEUED)
    closed = [
        None if r[0] in {"e2", "e3", "e4", "e5", "p3"} else "2026-10-05 10:45:00"
        for r in TINY + QUEUED
    ]  # e1 closed before the end
    return frame.assign(
        **{
            s.ABANDONED: pd.array([r[0] == "p3" for r in TINY + QUEUED], dtype="boolean"),
            s.CLOSED_AT: pd.Series([at(v) for v in closed], dtype=f"datetime64[us, {ZONE}]"),
        }
    )


def plan(part: st.StaffingPart) -> st.StaffingPlan:
    return st.plan_of_part(
        part,
        shifts_frame(TINY_SHIFTS),
        target_seconds=TARGETS,
        service_level_target=0.8,
        chat_concurrency=1.0,
    )


@pytest.mark.parametrize(
    "cuts",
    [[0, 11], [0, 3, 11], [0, 0, 6, 11], [0, 2, 8, 11], [0, 11, 11]],
    ids=["whole", "2", "empty", "3", "empty-last"],
)
def test_staffing_of_merged_parts_is_the_whole(cuts: list[int]) -> None:
    contacts = queued_contacts().sample(frac=1, random_state=5)
    whole = st.plan_staffing(
        contacts, shifts_frame(TINY_SHIFTS), START, END,
        target_seconds=TARGETS, service_level_target=0.8, chat_concurrency=1.0,
    )  # fmt: skip
    parts = [st.staffing_part(contacts.iloc[a:b], START, END) for a, b in itertools.pairwise(cuts)]
    for merged in (
        functools.reduce(st.merge_staffing, parts),
        functools.reduce(lambda x, y: st.merge_staffing(y, x), parts[::-1]),
    ):
        got = plan(merged)
        pd.testing.assert_frame_equal(got.summary, whole.summary)
        pd.testing.assert_frame_equal(got.by_time_of_day, whole.by_time_of_day)
        pd.testing.assert_frame_equal(got.worst, whole.worst)
        assert (got.email_open, got.email_median_age_hours) == (4, 1.25)  # 0.5 0.5 2 3
    assert whole.summary[st.CONTACTS].tolist() == [3, 1]
    by_channel = st.staffing_by_channel(
        functools.reduce(st.merge_staffing, parts),
        shifts_frame(TINY_SHIFTS),
        target_seconds=TARGETS,
        service_level_target=0.8,
    )
    assert by_channel[st.AHT_SECONDS].tolist()[:2] == [180.0, 240.0]  # (180 + 180) / 2, 240


def test_staffing_parts_of_other_intervals_do_not_merge() -> None:
    a = st.staffing_part(queued_contacts(), START, END)
    with pytest.raises(ValueError, match="other intervals"):
        st.merge_staffing(a, st.staffing_part(queued_contacts(), START, END, 15))
