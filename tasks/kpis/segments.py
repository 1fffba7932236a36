"""Segments: the dimension columns of facts rows (channel, team, time band, agent…).

Each segment is a categorical in text order, so grouping by it works on integer codes and
still orders segments as their text does.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from csreview import facts as f
from csreview import schema as s


def hour_band_labels(bands: tuple[int, ...]) -> list[str]:
    return [f"{a:02d}-{b:02d}" for a, b in itertools.pairwise(bands)]


def pick(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """`table[code]` for each code, -1 where the code is -1 (missing); safe on an empty table,
    which is what rows with no label at all (e.g. calls no agent answered) have."""
    picked: np.ndarray = np.append(np.asarray(table, dtype=np.int64), -1)[codes]
    return picked


def in_text_order(codes: np.ndarray, labels: Any) -> pd.Categorical:
    """`labels[code]` for each row (code -1: missing) as a categorical whose categories are
    in text order, built from the codes without hashing the rows again."""
    unique, inverse = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    recoded = pick(inverse.reshape(-1), codes)
    return pd.Categorical.from_codes(recoded, categories=pd.Index(unique, dtype="string"))


def local_days(created: pd.Series) -> pd.Categorical:
    """The local calendar day of each time (`YYYY-MM-DD`, missing where the time is), as a
    categorical in text order, which is date order; times carry the centre's zone."""
    local = created.dt.tz_localize(None) if created.dt.tz is not None else created
    days = local.to_numpy(dtype="datetime64[D]")
    known = ~np.isnat(days)
    unique, inverse = np.unique(days[known], return_inverse=True)
    codes = np.full(len(days), -1, dtype=np.int64)
    codes[known] = inverse.reshape(-1)
    labels = pd.Index(np.datetime_as_string(unique, unit="D"), dtype="string")
    return pd.Categorical.from_codes(codes, categories=labels)


def days_between(first: str, last: str) -> list[str]:
    """The days from FIRST to LAST (both `YYYY-MM-DD`, inclusive)."""
    return [d.date().isoformat() for d in pd.date_range(first, last, freq="D")]


def segments(
    frame: pd.DataFrame,
    agents: pd.DataFrame,
    bands: tuple[int, ...],
    live_channels: tuple[str, ...],
) -> pd.DataFrame:
    """The segment columns of contacts (or rows carrying created_at, channel and agent_id),
    each a categorical whose categories are in text order: grouping by a segment then works
    on integer codes, in the same order as grouping by its text."""
    by_agent = agents.drop_duplicates(s.AGENT_ID).set_index(s.AGENT_ID)
    agent_codes, agent_ids = frame[s.AGENT_ID].factorize()
    # each row's position in `by_agent`; -1 (no agent, or an unknown one) picks `unassigned`
    position = pick(by_agent.index.get_indexer(pd.Index(agent_ids)), agent_codes)
    created = frame[s.CREATED_AT]
    band = pd.cut(created.dt.hour, bins=list(bands), right=False, labels=hour_band_labels(bands))

    def of_text(column: str) -> pd.Categorical:
        codes, labels = frame[column].factorize()
        return in_text_order(codes, labels)

    def of_agent(column: str) -> pd.Categorical:
        labels = by_agent[column].astype("string").fillna(f.UNASSIGNED).to_numpy(dtype=object)
        return in_text_order(
            np.where(position >= 0, position, len(labels)), [*labels, f.UNASSIGNED]
        )

    return pd.DataFrame(
        {
            f.ALL: in_text_order(np.zeros(len(frame), dtype=np.int64), [f.ALL]),
            s.CHANNEL: of_text(s.CHANNEL),
            f.CHANNEL_GROUP: in_text_order(
                np.where(
                    frame[s.CHANNEL].isna().to_numpy(dtype=bool),
                    -1,
                    np.where(frame[s.CHANNEL].isin(live_channels).to_numpy(dtype=bool), 0, 1),
                ),
                f.CHANNEL_GROUPS,
            ),
            s.CATEGORY: of_text(s.CATEGORY),
            s.TEAM: of_agent(s.TEAM),
            s.TIER: of_agent(s.TIER),
            s.SITE: of_agent(s.SITE),
            f.HOUR_BAND: band,
            f.WEEKDAY: in_text_order(
                created.dt.day_of_week.fillna(-1).to_numpy(dtype=np.int64), f.WEEKDAYS
            ),
            f.DATE: local_days(created),
            f.AGENT: in_text_order(
                np.where(agent_codes >= 0, agent_codes, len(agent_ids)),
                np.append(np.asarray(agent_ids, dtype=object), f.UNASSIGNED),
            ),
        },
        index=frame.index,
    )


def in_segment(frame: pd.DataFrame, segment: tuple[tuple[str, str], ...]) -> pd.Series:
    """The rows of a facts frame inside a (possibly several-dimension) segment; a `date`
    may be an ISO 8601 interval of days, `FIRST/LAST` (inclusive), as an incident's is."""
    mask = pd.Series(True, index=frame.index)
    for dimension, value in segment:
        column = frame[dimension]
        if dimension == f.DATE and "/" in value:
            first, last = value.split("/", 1)
            mask &= column.isin(days_between(first, last)).to_numpy(dtype=bool, na_value=False)
            continue
        if not (
            isinstance(column.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(column)
        ):
            column = column.astype(str)  # a segment names its value as text
        mask &= (column == value).to_numpy(dtype=bool, na_value=False)
    return mask
