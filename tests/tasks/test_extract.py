from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from csreview import schema as s
from csreview.demo import to_database
from tasks.extract import (
    detect_encoding,
    extract_period,
    parse_flags,
    parse_text,
    parse_timestamps,
    read_tables,
)
from tests.conftest import OCTOBER, ZONE, raw_frames


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        ("t", True),
        ("F", False),
        ("y", True),
        ("No", False),
        ("YES", True),
        ("是", True),
        ("否", False),
        (None, None),
        ("maybe", None),
    ],
)
def test_flags(text: str | None, expected: bool | None) -> None:
    parsed = parse_flags(pd.Series([text], dtype="object"))
    assert (parsed.iloc[0] if not pd.isna(parsed.iloc[0]) else None) == expected


def test_timestamps_naive_are_local_and_zoned_are_converted() -> None:
    parsed = parse_timestamps(
        pd.Series(
            [
                "2026-10-01 08:00:00",
                "2026-10-01T00:00:00Z",
                "2026-10-01T09:00:00+09:00",
                "2026/10/01 08:00",
                "garbage",
                None,
            ]
        ),
        ZONE,
    )
    eight = pd.Timestamp("2026-10-01 08:00", tz=ZONE)
    assert list(parsed.iloc[:4]) == [eight, eight, eight, eight]
    assert parsed.iloc[4:].isna().all()


def test_ids_are_text() -> None:
    assert parse_text(pd.Series([12.0, 7.0, None])).tolist()[:2] == ["12", "7"]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("客服".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "客服".encode(), "utf-8-sig"),
        ("客服".encode("gb18030"), "gb18030"),
    ],
)
def test_encoding_detection(data: bytes, encoding: str) -> None:
    assert detect_encoding(data) == encoding


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_folder_source_reads_every_encoding(tmp_path: Path, encoding: str) -> None:
    for name, frame in raw_frames().items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False, encoding=encoding)
    extract = extract_period(str(tmp_path), OCTOBER, ZONE, datetime(2026, 11, 20, tzinfo=ZONE))
    assert extract.typed["surveys"][s.COMMENT].iloc[0] == "很好"
    assert not extract.missing_tables


def test_period_extract_holds_window_and_backlog(tmp_path: Path) -> None:
    frames = raw_frames()
    extra = (
        frames["contacts"]
        .iloc[[0]]
        .assign(contact_id="old", created_at="2026-08-01 10:00:00", closed_at="2026-08-01 10:10:00")
    )
    frames["contacts"] = pd.concat([frames["contacts"], extra], ignore_index=True)
    for name, frame in frames.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    extract = extract_period(str(tmp_path), OCTOBER, ZONE, datetime(2026, 11, 20, tzinfo=ZONE))
    ids = set(extract.typed["contacts"][s.CONTACT_ID])
    assert {"c7", "c8"} <= ids  # open since September; within the 7-day window after October
    assert "old" not in ids  # closed before the period: not read for it
    assert len(extract.raw["contacts"]) == len(extract.typed["contacts"])


@pytest.mark.parametrize(
    ("absent", "missing", "empty"),
    [
        (("contacts",), ("contacts",), ()),  # required: the run blocks
        (("shifts", "qa_evaluations"), (), ("qa_evaluations", "shifts")),  # optional (§1b)
    ],
)
def test_missing_tables_block_only_when_required(
    tmp_path: Path, absent: tuple[str, ...], missing: tuple[str, ...], empty: tuple[str, ...]
) -> None:
    for name, frame in raw_frames().items():
        if name not in absent:
            frame.to_csv(tmp_path / f"{name}.csv", index=False)
    extract = extract_period(
        str(tmp_path), OCTOBER, ZoneInfo("Asia/Shanghai"), datetime(2026, 11, 20, tzinfo=ZONE)
    )
    assert extract.missing_tables == missing
    assert extract.absent_tables == empty
    for name in empty:  # read as an empty table with the contract's columns
        assert extract.raw[name].empty and extract.typed[name].empty
        assert set(s.TABLES_BY_NAME[name].column_names) <= set(extract.typed[name].columns)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (pd.Series([1, 0, 2, -1]), [True, False, None, None]),
        (pd.Series([1.0, 0.0, float("nan"), 1.5]), [True, False, None, None]),
        (
            pd.Series([1, "yes", 0.0, " 否 ", None], dtype="object"),
            [True, True, False, False, None],
        ),
        (pd.Series([" True", "n", None], dtype="string"), [True, False, None]),
        (pd.Series([True, False]), [True, False]),
    ],
)
def test_flags_of_every_column_type(values: pd.Series, expected: list[bool | None]) -> None:
    parsed = parse_flags(values)
    assert [None if pd.isna(v) else bool(v) for v in parsed] == expected


def test_database_rows_come_in_one_order_whatever_the_storage_order(tmp_path: Path) -> None:
    """Sorted by id, and where ids tie (or are missing) by every column: the same frame as a
    sort by all columns, from rows stored in any order."""
    rows = pd.DataFrame(
        {
            "contact_id": ["c3", "c1", "c2", "c1", None, "c2", None, "c1"],
            "customer_id": ["u3", "u9", "u2", "u1", "u5", "u2", "u4", "u1"],
            "talk_seconds": [3, 1, 2, 1, 5, 7, 4, 0],
        }
    )
    expected = rows.sort_values(
        list(rows.columns), kind="stable", na_position="last", ignore_index=True
    )
    for seed in range(5):
        shuffled = rows.sample(frac=1, random_state=seed)
        url = f"sqlite:///{tmp_path / f'source{seed}.sqlite'}"
        to_database({"contacts": shuffled}, url)
        tables, _ = read_tables(url)
        pd.testing.assert_frame_equal(tables["contacts"], expected)
