"""Facts per customer-hash partition: each partition builds its contacts' facts alone, and
the merged aggregates give the KPI table of the whole period."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from bench.data import extract_of
from csreview import demo
from csreview import facts as f
from csreview import schema as s
from csreview.settings import load_settings
from tasks import kpis as k
from tasks.kpis import distributed, partial
from tasks.validate import check_rules
from tests.conftest import OCTOBER

# the dimensions a customer split can get wrong (the split of every dimension's sums and
# waits is test_partial's): every KPI over all contacts, by day and by agent
DIMENSIONS = (f.ALL, f.DATE, f.AGENT)


@pytest.fixture(scope="module")
def clean() -> dict[str, pd.DataFrame]:
    settings = load_settings()
    frames = demo.generate(demo.DemoSpec(OCTOBER, months=1, contacts_per_day=12))
    extract = extract_of(frames, OCTOBER, settings.zone, datetime(2026, 11, 23, tzinfo=UTC))
    return check_rules(extract, settings).clean


@pytest.fixture(scope="module")
def whole(clean: dict[str, pd.DataFrame]) -> pd.DataFrame:
    settings = load_settings()
    return k.compute_kpis(k.build_facts(clean, OCTOBER, settings, False), settings, DIMENSIONS)


def _merged_table(parts: list[dict[str, pd.DataFrame]]) -> pd.DataFrame:
    settings = load_settings()
    aggregates = [
        distributed.part_aggregates(p, OCTOBER, settings, False, DIMENSIONS) for p in parts
    ]
    return k.aggregation.kpi_table(partial.merge_all(aggregates), settings)


@pytest.mark.parametrize("parts", [2, 3])
def test_customer_partitions_give_the_kpis_of_the_whole(
    clean: dict[str, pd.DataFrame], whole: pd.DataFrame, parts: int
) -> None:
    split = distributed.split_by_customer(clean, parts)
    assert sum(len(p[s.CONTACTS.name]) for p in split) == len(clean[s.CONTACTS.name])
    assert all(len(p[s.CONTACTS.name]) for p in split)
    assert distributed.kpi_differences(_merged_table(split), whole) == []


def test_a_split_by_day_is_not_safe_for_fcr(
    clean: dict[str, pd.DataFrame], whole: pd.DataFrame
) -> None:
    """A customer's repeat on a later day is another part's contact: cut by day, FCR is
    too high (which is why the facts are built per customer, not per day)."""
    contacts = clean[s.CONTACTS.name]
    odd_day = (contacts[s.CREATED_AT].dt.day % 2).to_numpy() == 1
    parts = []
    for side in (odd_day, ~odd_day):
        mine = contacts[side]
        parts.append(
            {
                **clean,
                s.CONTACTS.name: mine,
                **{
                    n: clean[n][clean[n][s.CONTACT_ID].isin(mine[s.CONTACT_ID]).to_numpy()]
                    for n in distributed.FOLLOWERS
                },
            }
        )
    table = _merged_table(parts)
    fcr = (table[f.KPI] == "fcr") & (table[f.DIMENSION] == f.ALL)
    assert table.loc[fcr, f.VALUE].iloc[0] > whole.loc[fcr, f.VALUE].iloc[0]
    assert [d for d in distributed.kpi_differences(table, whole) if "fcr" in d]


def test_evaluations_and_surveys_follow_their_contacts_customer() -> None:
    contacts = pd.DataFrame({s.CONTACT_ID: ["c1", "c2", "c3"], s.CUSTOMER_ID: ["U1", "U2", "U1"]})
    surveys = pd.DataFrame({s.CONTACT_ID: ["c3", "c9", "c2"]})
    out = distributed.with_buckets(
        {s.CONTACTS.name: contacts, s.SURVEYS.name: surveys, s.QA_EVALUATIONS.name: surveys}
    )
    bucket = out[s.CONTACTS.name][distributed.BUCKET].to_numpy()
    assert bucket[0] == bucket[2] != bucket[1]  # one customer, one partition
    assert out[s.SURVEYS.name][distributed.BUCKET].tolist() == [bucket[2], -1, bucket[1]]
    assert (bucket >= 0).all()


def test_kpi_differences_name_what_differs() -> None:
    table = pd.DataFrame(
        {
            f.KPI: ["fcr"], f.DIMENSION: [f.ALL], f.SEGMENT: [f.ALL], f.VALUE: [0.5],
            f.NUMERATOR: [1.0], f.DENOMINATOR: [2.0], f.TARGET: [np.nan], f.STATUS: ["na"],
        }
    )  # fmt: skip
    assert distributed.kpi_differences(table, table.copy()) == []
    nudged = table.assign(**{f.VALUE: [0.5 * (1 + 1e-13)]})
    assert distributed.kpi_differences(nudged, table) == []
    off = table.assign(**{f.VALUE: [0.5 * (1 + 1e-9)]})
    assert distributed.kpi_differences(off, table) == [
        f"value of fcr all all: {0.5 * (1 + 1e-9)!r} 0.5"
    ]
