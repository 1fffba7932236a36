"""KPI status: a value against its target band (ok, warn, breach), or why it has none.

A small sample is never a breach, and a value at a band edge reaches it whatever order
its rows were summed in.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from csreview import facts as f
from csreview import schema as s
from csreview.settings import Band, Settings

EDGE_TOLERANCE: Final = 1e-9  # relative to the band edge (absolute below 1)


def status_of(
    value: float, denominator: float, band: Band | None, direction: str, min_sample: int
) -> str:
    """`na` without value or target, `low_sample` below min_sample, else ok / warn / breach."""
    if pd.isna(value):
        return "na"
    if not pd.isna(denominator) and denominator < min_sample:
        return "low_sample"
    if band is None or direction == "none":
        return "na"
    sign = 1 if direction == "higher" else -1
    if reaches(sign * (value - band.target), band.target):
        return "ok"
    if reaches(sign * (value - band.warn), band.warn):
        return "warn"
    return "breach"


def reaches(margin: float, edge: float) -> bool:
    """Whether a value MARGIN beyond a band EDGE (negative: short of it) reaches the edge,
    to within `EDGE_TOLERANCE`: a mean of one-decimal scores that is exactly the target
    sums, in one order of its rows, to a last bit below it."""
    return margin >= -EDGE_TOLERANCE * max(abs(edge), 1.0)


def band_for(
    settings: Settings, key: str, dimension: str, segment: str, months: tuple[int, ...]
) -> Band | None:
    """The target band of one KPI in one segment (its channel, channel group or tier, the
    period's months), or None when the KPI has no target there: a `groups_only` KPI (a wait)
    has none outside one channel group (§3a)."""
    spec = settings.targets.get(key)
    if spec is None:
        return None
    group = (
        settings.channel_group(segment)
        if dimension == s.CHANNEL
        else segment
        if dimension == f.CHANNEL_GROUP
        else None
    )
    if spec.groups_only and group is None:
        return None
    return spec.band(
        channel=segment if dimension == s.CHANNEL else None,
        tier=segment if dimension == s.TIER else None,
        months=months,
        group=group,
    )
