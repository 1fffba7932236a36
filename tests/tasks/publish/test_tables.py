"""`kpis.csv` written a column at a time: every cell as `csv_value` writes it."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from csreview import facts as f
from tasks.publish import tables

HEADER = "kpi,dimension,segment,value,numerator,denominator,target,status\n"


def _kpis(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(f.KPI_COLUMNS))


@pytest.mark.parametrize(
    ("row", "written"),
    [
        (  # a count: value and numerator as integers
            ("contacts", "all", "all", 1200.0, 1200.0, math.nan, 1000.0, "ok"),
            "contacts,all,all,1200,1200,,1000.0,ok",
        ),
        (  # a rate: in full, a whole denominator as an integer
            ("abandon_rate", "channel", "voice", 0.1 + 0.2, 3.0, 10.0, 0.05, "breach"),
            "abandon_rate,channel,voice,0.30000000000000004,3,10,0.05,breach",
        ),
        (  # an average: its numerator not whole, its denominator an average headcount
            ("aht_seconds", "team, east", "a", 312.5, 625.0, 2.5, math.nan, "n/a"),
            'aht_seconds,"team, east",a,312.5,625.0,2.5,,n/a',
        ),
        (  # missing value and a negative zero denominator
            ("csat", "all", "all", math.nan, math.nan, -0.0, 4.2, "low_sample"),
            "csat,all,all,,,0,4.2,low_sample",
        ),
        (  # a tiny share and an infinite denominator
            ("attrition_rate", "all", "all", 2.5e-07, 1.0, math.inf, 0.02, "ok"),
            "attrition_rate,all,all,2.5e-07,1,inf,0.02,ok",
        ),
    ],
)
def test_kpis_csv_writes_each_cell_as_csv_value_does(row: tuple[object, ...], written: str) -> None:
    data = tables.kpis_csv(_kpis([row]))
    assert data.decode("utf-8") == HEADER + written + "\n"


def test_kpis_csv_is_sorted_and_quotes_a_carriage_return() -> None:
    data = tables.kpis_csv(
        _kpis(
            [
                ("fcr", "team", "b\rc", 0.5, 1.0, 2.0, 0.7, "breach"),
                ("fcr", "all", "all", 0.75, 3.0, 4.0, 0.7, "ok"),
            ]
        )
    )
    assert data.decode("utf-8") == (
        HEADER + "fcr,all,all,0.75,3,4,0.7,ok\n" + 'fcr,team,"b\rc",0.5,1,2,0.7,breach\n'
    )
