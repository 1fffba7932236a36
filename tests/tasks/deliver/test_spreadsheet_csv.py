"""A CSV cell a spreadsheet would run as a formula is neutralised; nothing else changes."""

from __future__ import annotations

import csv
import io

import pytest

from tasks.deliver import spreadsheet_safe
from tasks.deliver.spreadsheet_csv import runs_as_formula
from tasks.publish import tables as publish_tables
from tests.tasks.deliver.messages import KPI_HEADER


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.example","click")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\tplain",
        "\rplain",
        "\nplain",
        "  =1+1",
        "\u3000=1+1",  # ideographic space
        "\u200b=1+1",  # zero-width space
        "\ufeff@x",  # byte-order mark
        "\xa0+x",  # no-break space
        "＝1+1",
        "＋cmd",
        "－1＋2",
        "＠SUM(A1)",
        "﹦1",
        "−1",  # U+2212 minus sign
        "-",
        "- 1",
        "-1,5",
        "-1e",
        "--1",
        "-0x10",
        "=",
    ],
)
def test_formula_cells_are_neutralised(cell: str) -> None:
    assert runs_as_formula(cell)
    data = publish_tables.csv_bytes(["segment", "value"], [[cell, -0.5]])
    row = list(csv.reader(io.StringIO(spreadsheet_safe(data).decode(), newline="")))[1]
    assert row == ["'" + cell, "-0.5"]


@pytest.mark.parametrize(
    "cell",
    ["", "billing", "0.5", "-0.5", "-1", "-0", "-1e-05", "-1.5E+20", "-.5", "-inf", "12-34",
     "a=b", "'=already safe", "客服=投诉", "上海", " ", "\u3000", "😀", "e-mail"],
)  # fmt: skip
def test_numbers_and_plain_text_are_left_alone(cell: str) -> None:
    assert not runs_as_formula(cell)
    data = publish_tables.csv_bytes(["segment", "value"], [[cell, 1], [cell, -2.5e-07]])
    assert spreadsheet_safe(data) == data


def test_only_the_cells_that_run_change_and_the_rest_is_byte_for_byte() -> None:
    rows = [
        ["fcr", "category", "=1+1", -0.5, None, 3, 0.7, "breach"],
        ["fcr", "category", "a,\n=b", -1, 2.0, 3, 0.7, "ok"],  # quoted: comma, line break
        ["fcr", "category", '"quoted" =x', 0.5, 1.0, 2, None, "ok"],
        ["fcr", "category", '=a,"b"\r\n', 0.5, 1.0, 2, None, "ok"],
        ["fcr", "category", "x" * 200_000, 0.5, 1.0, 2, None, "ok"],  # beyond csv's field limit
        ["fcr", "category", "@" + "x" * 200_000, 0.5, 1.0, 2, None, "ok"],
        ["fcr", "category", "bill\r=cmd", 0.5, 1.0, 2, None, "ok"],  # one cell, CR quoted
    ]
    data = publish_tables.csv_bytes(KPI_HEADER, rows)
    readable = [r for r in rows if len(str(r[2])) < 100]
    small = publish_tables.csv_bytes(KPI_HEADER, readable)
    read = list(csv.reader(io.StringIO(small.decode(), newline="")))
    assert [r[2] for r in read[1:]] == [r[2] for r in readable]  # exact, row by row
    safe = spreadsheet_safe(data)
    expected = [KPI_HEADER, *([publish_tables.csv_value(v) for v in r] for r in rows)]
    expected[1][2], expected[4][2], expected[6][2] = "'=1+1", '\'=a,"b"\r\n', "'@" + "x" * 200_000
    assert safe == publish_tables.csv_bytes(expected[0], expected[1:])
    assert spreadsheet_safe(safe) == safe  # idempotent
    assert spreadsheet_safe(b"a,b\nbill\r=cmd,1\r\n@x,2") == b"a,b\nbill\r'=cmd,1\r\n'@x,2"


@pytest.mark.parametrize(
    "first", [chr(c) for c in range(0x20, 0x7F)] + ["\x0b", "é", "＝", "\u2212"]
)
def test_a_cell_skipped_as_safe_is_one_the_full_check_passes(first: str) -> None:
    """Cells starting with a safe ASCII character are not handed to `runs_as_formula`: each
    first character, plain or quoted, is neutralised exactly when that check says so."""
    for cell in (f"{first}1", f"{first}=1", f"{first}a,b"):
        data = publish_tables.csv_bytes(["segment", "value"], [[cell, 1]])
        row = list(csv.reader(io.StringIO(spreadsheet_safe(data).decode(), newline="")))[1]
        assert row[0] == (f"'{cell}" if runs_as_formula(cell) else cell)
