"""Channel groups (data contract v2 §3a): which KPIs the live and queued groups carry.

A caller waits seconds, an e-mail hours: the headline waits and abandonment are read per
group, never as one all-channel mix.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from csreview import facts as f

# KPI → the groups that carry it in the headline, in the order shown
GROUP_KPIS: Final[dict[str, tuple[str, ...]]] = {
    "service_level": (f.LIVE, f.QUEUED),
    "asa_seconds": (f.LIVE,),
    "abandon_rate": (f.LIVE,),
    "frt_median_seconds": (f.QUEUED,),
    "frt_p90_seconds": (f.QUEUED,),
}


def headline_rows(kpis: pd.DataFrame, keys: tuple[str, ...]) -> list[tuple[str, str, pd.Series]]:
    """The headline rows of KPIS for `keys`, in order, as (kpi, group, row): a KPI the groups
    carry gives its row per group (group "" when it has none), others their all-contacts
    row; a KPI or group without contacts gives none."""
    at = {
        (kpi, dimension, segment): i
        for i, (kpi, dimension, segment) in enumerate(
            zip(kpis[f.KPI], kpis[f.DIMENSION], kpis[f.SEGMENT], strict=True)
        )
    }
    out = []
    for key in keys:
        for group in GROUP_KPIS.get(key, ("",)):
            i = at.get((key, f.CHANNEL_GROUP, group) if group else (key, f.ALL, f.ALL))
            if i is not None:
                out.append((key, group, kpis.iloc[i]))
    return out
