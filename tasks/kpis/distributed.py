"""The period's facts per customer-hash partition: which facts a partition can build alone,
and the pieces a distributed run puts together (buckets, aggregates per part, comparison).

A partition holding every contact of its customers (in the period, its repeat window, and
those still open), each with its evaluations and surveys, and every agent, builds exactly
its contacts' facts: a repeat (FCR) needs the customer's other contacts of the category
within 7 days, the calibration spread a contact's evaluations, the backlog one contact at a
time, the segments the agents. Its aggregates then merge into those of the whole period.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from csreview import facts as f
from csreview import schema as s
from csreview.frames import positions
from csreview.periods import Period
from csreview.settings import Settings
from tasks.kpis.fact_building import build_facts
from tasks.kpis.partial import Aggregates, aggregate

BUCKET: Final = "_bucket"  # a row's customer hash: its partition's key
FOLLOWERS: Final = (s.QA_EVALUATIONS.name, s.SURVEYS.name)  # tables that follow a contact
SPLIT: Final = (s.CONTACTS.name, *FOLLOWERS)  # the tables cut by customer


def customer_hashes(customers: pd.Series) -> np.ndarray:
    """Each customer's hash, the same in every process (a missing customer, who never
    repeats, hashes as empty): rows are partitioned by it."""
    text = customers.astype("string").fillna("")
    hashed = pd.util.hash_pandas_object(text, index=False).to_numpy()
    out: np.ndarray = (hashed >> np.uint64(1)).astype(np.int64)
    return out


def with_buckets(clean: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Validated contacts, evaluations and surveys with their customer's hash (an
    evaluation or survey takes its contact's; one whose contact is not here gets -1)."""
    contacts = clean[s.CONTACTS.name]
    bucket = customer_hashes(contacts[s.CUSTOMER_ID])
    out = {s.CONTACTS.name: contacts.assign(**{BUCKET: bucket})}
    for name in FOLLOWERS:
        rows = clean[name]
        at = positions(rows[s.CONTACT_ID], contacts[s.CONTACT_ID])
        out[name] = rows.assign(**{BUCKET: np.where(at >= 0, np.append(bucket, -1)[at], -1)})
    return out


def split_by_customer(clean: dict[str, pd.DataFrame], parts: int) -> list[dict[str, pd.DataFrame]]:
    """Validated rows cut into PARTS by customer (the other tables whole in each part)."""
    bucketed = with_buckets(clean)
    return [
        {
            **clean,
            **{
                name: rows[rows[BUCKET].to_numpy() % parts == i].drop(columns=[BUCKET])
                for name, rows in bucketed.items()
            },
        }
        for i in range(parts)
    ]


def part_aggregates(
    clean: dict[str, pd.DataFrame],
    period: Period,
    settings: Settings,
    fcr_provisional: bool,
    dimensions: tuple[str, ...] = f.DIMENSIONS,
) -> Aggregates:
    """The aggregates of one customer-hash partition's facts (validated rows, every agent)."""
    return aggregate(build_facts(clean, period, settings, fcr_provisional), dimensions)


def kpi_differences(got: pd.DataFrame, expected: pd.DataFrame, rtol: float = 1e-12) -> list[str]:
    """How two KPI tables differ (none: the same rows, targets and statuses, and numbers
    equal within RTOL relative), at most a few lines."""
    labels = [f.KPI, f.DIMENSION, f.SEGMENT, f.STATUS]
    a, b = got.reset_index(drop=True), expected.reset_index(drop=True)
    if len(a) != len(b) or not a[labels].astype(str).equals(b[labels].astype(str)):
        merged = a[labels].astype(str).merge(b[labels].astype(str), how="outer", indicator=True)
        odd = merged[merged["_merge"] != "both"].head(5)
        return [f"{len(a)} rows against {len(b)}", *odd.astype(str).agg(" ".join, axis=1)]
    out = []
    for column in (f.VALUE, f.NUMERATOR, f.DENOMINATOR, f.TARGET):
        x, y = a[column].to_numpy(dtype="float64"), b[column].to_numpy(dtype="float64")
        same = np.isclose(x, y, rtol=rtol, atol=0.0, equal_nan=True) & (np.isnan(x) == np.isnan(y))
        for i in np.flatnonzero(~same)[:5]:
            out.append(
                f"{column} of {' '.join(a.loc[i, labels[:3]].astype(str))}: {float(x[i])!r} {float(y[i])!r}"
            )
    return out
