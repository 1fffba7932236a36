"""Timestamps written the usual way (naive ISO-8601) are parsed by Arrow: the same values,
missing values, unit and zone handling as pandas' general parser gives, whatever else the
column holds."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from tasks.extract import parsing

BERLIN = ZoneInfo(
    "Europe/Berlin"
)  # clocks change: 29 March 02:00 → 03:00, 25 October 03:00 → 02:00
SHANGHAI = ZoneInfo("Asia/Shanghai")

CASES = {
    "seconds": ["2026-10-01 08:00:00", "2026-10-01 23:59:59", None],
    "T and missing seconds": ["2026-10-01T08:00", "2026-10-01 08:01", "2026-10-01T08:02:03"],
    "fractions": ["2026-10-01 08:00:00.5", "2026-10-01 08:00:00.123456", "2026-10-01 08:00:00"],
    "dates only": ["2026-10-01", "2026-10-01 08:00:00"],
    "whitespace and empty": ["  2026-10-01 08:00:00 ", "", "   ", None],
    "zones beside naive": ["2026-10-01T00:00:00Z", "2026-10-01 08:00:00+08:00", "2026-10-01 08:00"],
    "zoned only": ["2026-10-01T00:00:00z", "2026-10-01T09:00:00+0900"],
    "garbage": ["yesterday", "2026-10-01 08:00:00", "2026/10/01 08:00", "08:00 1 Oct 2026"],
    "out of range": [
        "2026-13-01 08:00",
        "2026-10-01 24:00:00",
        "0999-10-01 08:00",
        "2026-10-01 08:00",
    ],
    "no such day": ["2026-02-30 08:00:00", "2026-10-01 08:00:00"],
    "leap day": ["2028-02-29 08:00:00", "2026-10-01 08:00:00"],
    "nanoseconds": ["2026-10-01 08:00:00.123456789", "2026-10-01 08:00:00"],
    "milliseconds written long": ["2026-10-01 08:00:00.1234567", "2026-10-01 08:00:00.1"],
    "missing only": [None, None],
    "nothing parses": ["soon", None],
    "dst gap": ["2026-03-29 02:30:00", "2026-03-29 03:30:00", "2026-03-29 01:59:59"],
    "dst overlap": ["2026-10-25 02:30:00", "2026-10-25 01:30:00", "2026-10-25 03:00:00"],
    "dst overlap with offsets": ["2026-10-25 02:30:00+02:00", "2026-10-25 02:30:00+01:00"],
}


@pytest.mark.parametrize("zone", [SHANGHAI, BERLIN], ids=["Shanghai", "Berlin"])
@pytest.mark.parametrize("values", CASES.values(), ids=CASES.keys())
def test_the_fast_path_gives_what_the_general_parser_gives(
    values: list[str | None], zone: ZoneInfo
) -> None:
    for raw in (pd.Series(values, dtype="object"), pd.Series(values, dtype="string")):
        raw.name = "created_at"
        text = raw.astype("string").str.strip()
        expected = parsing._text_timestamps(text, zone)
        pd.testing.assert_series_equal(parsing.parse_timestamps(raw, zone), expected)


def test_the_usual_export_takes_the_fast_path() -> None:
    text = pd.Series(["2026-10-01 08:00:00.000000", "garbage", None], dtype="string")
    parsed = parsing._iso_local(text, BERLIN)
    assert parsed is not None
    assert parsed.iloc[0] == pd.Timestamp("2026-10-01 08:00", tz=BERLIN)
    assert parsed.iloc[1:].isna().all()
    assert str(parsed.dtype) == "datetime64[us, Europe/Berlin]"


@pytest.mark.parametrize(
    "values", [["garbage", None], ["2026-02-30 08:00:00"], ["2026-10-01T08:00:00Z"]]
)
def test_what_arrow_does_not_parse_is_left_to_pandas(values: list[str | None]) -> None:
    assert parsing._iso_local(pd.Series(values, dtype="string"), BERLIN) is None


def test_a_gap_and_an_overlap_are_missing_on_the_fast_path() -> None:
    parsed = parsing.parse_timestamps(
        pd.Series(["2026-03-29 02:30:00", "2026-10-25 02:30:00", "2026-10-25 03:30:00"]), BERLIN
    )
    assert parsed.iloc[:2].isna().all()
    assert parsed.iloc[2] == pd.Timestamp("2026-10-25 02:30:00", tz="UTC")
