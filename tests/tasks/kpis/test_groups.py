"""Golden numbers of the channel groups (§3a) on the tiny centre of conftest, with its
waiting e-mail c6 answered after 3 h and a social message c10 answered after 1.5 h.

Live (phone, chat): c1 c2 c5 c9 answered (waits 10, 30, 50, 5 s), c3 a short abandon, c4
abandoned. Queued (email, social): c6 (10 800 s, within e-mail's 86 400) and c10 (5 400 s,
beyond social's 3 600).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from csreview import schema as s
from csreview.settings import load_settings
from tasks import kpis as k
from tasks.extract import parse_table
from tests.conftest import OCTOBER, ZONE, raw_frames

C6 = ("c6", "U5", "email", "other", "2026-10-08 12:00:00", "2026-10-08 15:00:00",
      "2026-10-08 15:10:00", "A1", "0", 600, 0, 0, "1", "0", "0", "0", "0", "0")  # fmt: skip
C10 = ("c10", "U8", "social", "other", "2026-10-09 12:00:00", "2026-10-09 13:30:00",
       "2026-10-09 13:35:00", "A1", "0", 300, 0, 0, "1", "0", "0", "0", "0", "0")  # fmt: skip


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    raw = raw_frames()
    contacts = raw[s.CONTACTS.name]
    rows = [C6 if r[0] == "c6" else tuple(r) for r in contacts.itertuples(index=False)]
    raw[s.CONTACTS.name] = pd.DataFrame([*rows, C10], columns=contacts.columns, dtype="object")
    typed = {name: parse_table(s.TABLES_BY_NAME[name], f, ZONE) for name, f in raw.items()}
    settings = load_settings(min_sample=1)  # statuses, not low samples, on a tiny centre
    facts = k.build_facts(typed, OCTOBER, settings, fcr_provisional=False)
    return k.compute_kpis(facts, settings)


def row(table: pd.DataFrame, kpi: str, dimension: str, segment: str) -> pd.Series:
    found = table[(table.kpi == kpi) & (table.dimension == dimension) & (table.segment == segment)]
    assert len(found) == 1, (kpi, dimension, segment)
    return found.iloc[0]


GOLDEN = [
    # kpi, group, value, numerator, denominator, target, status
    ("contacts", "live", 6, 6, None, None, "na"),
    ("contacts", "queued", 2, 2, None, None, "na"),
    ("service_level", "live", 3 / 5, 3, 5, 0.80, "breach"),  # c1, c5, c9 within T
    ("service_level", "queued", 1 / 2, 1, 2, 0.80, "breach"),  # c6 within, c10 not
    ("asa_seconds", "live", 95 / 4, 95, 4, 30.0, "ok"),
    ("asa_seconds", "queued", 16_200 / 2, 16_200, 2, 14_400.0, "ok"),
    ("abandon_rate", "live", 1 / 5, 1, 5, 0.05, "breach"),  # c3 is a short abandon
    ("abandon_rate", "queued", 0.0, 0, 2, 0.05, "ok"),
    ("frt_median_seconds", "live", 20.0, None, 4, 30.0, "ok"),  # waits 5, 10, 30, 50
    ("frt_median_seconds", "queued", 8_100.0, None, 2, 14_400.0, "ok"),
    ("frt_p90_seconds", "live", 44.0, None, 4, 120.0, "ok"),  # 30 + 0.7 × (50 − 30)
    ("frt_p90_seconds", "queued", 10_260.0, None, 2, 43_200.0, "ok"),  # 5 400 + 0.9 × 5 400
    ("aht_seconds", "queued", 900 / 2, 900, 2, None, "na"),  # 600 + 300, no target
]


@pytest.mark.parametrize(
    ("kpi", "group", "value", "numerator", "denominator", "target", "status"), GOLDEN
)
def test_channel_group_rows(
    table: pd.DataFrame,
    kpi: str,
    group: str,
    value: float,
    numerator: float | None,
    denominator: float | None,
    target: float | None,
    status: str,
) -> None:
    got = row(table, kpi, "channel_group", group)
    assert got.value == pytest.approx(value)
    for field, expected in (("numerator", numerator), ("denominator", denominator)):
        if expected is None:
            assert math.isnan(got[field]), field
        else:
            assert got[field] == pytest.approx(expected), field
    assert math.isnan(got.target) if target is None else got.target == target, got.target
    assert got.status == status


@pytest.mark.parametrize("kpi", ["asa_seconds", "frt_median_seconds", "frt_p90_seconds"])
def test_all_channel_waits_keep_their_value_but_have_no_target(
    table: pd.DataFrame, kpi: str
) -> None:
    overall = row(table, kpi, "all", "all")
    expected = {
        "asa_seconds": (95 + 16_200) / 6,
        "frt_median_seconds": 40.0,  # waits 5, 10, 30, 50, 5 400, 10 800
        "frt_p90_seconds": 8_100.0,  # 5 400 + 0.5 × 5 400
    }[kpi]
    assert overall.value == pytest.approx(expected)
    assert math.isnan(overall.target)
    assert overall.status == "na"
    # a mix of groups in any other dimension is not judged either
    assert row(table, kpi, "category", "logistics").status == "na"


@pytest.mark.parametrize(
    ("kpi", "channel", "target", "status"),
    [
        ("asa_seconds", "social", 1_800.0, "breach"),  # its own override: 5 400 s
        ("asa_seconds", "chat", 30.0, "breach"),  # live's band: c5 waited 50 s
        ("frt_median_seconds", "phone", 30.0, "ok"),  # live's band: waits 5, 10, 30
        ("frt_p90_seconds", "email", 43_200.0, "ok"),
        ("service_level", "email", 0.90, "ok"),  # the channel beats its group
    ],
)
def test_a_channel_takes_its_own_target_else_its_groups(
    table: pd.DataFrame, kpi: str, channel: str, target: float, status: str
) -> None:
    got = row(table, kpi, "channel", channel)
    assert (got.target, got.status) == (target, status)


def test_live_channels_are_configurable() -> None:
    settings = load_settings(live_channels=("phone",))
    assert (settings.channel_group("phone"), settings.channel_group("chat")) == ("live", "queued")
    band = settings.targets["asa_seconds"].band(channel="chat", group="queued")
    assert band.target == 14_400.0
