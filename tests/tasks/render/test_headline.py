"""The headline KPI rows of the summary and the balanced scorecard: waits and abandonment
per channel group (§3a), never the all-channel mix."""

from __future__ import annotations

import pandas as pd
import pytest

from csreview import facts as f
from csreview.settings import Language
from tasks.render import Formatter, kpi_view


def kpi(key: str, dimension: str, segment: str, value: float, status: str) -> dict[str, object]:
    return {f.KPI: key, f.DIMENSION: dimension, f.SEGMENT: segment, f.VALUE: value,
            f.NUMERATOR: None, f.DENOMINATOR: 100, f.TARGET: 30.0, f.STATUS: status}  # fmt: skip


KPIS = pd.DataFrame(
    [
        kpi("asa_seconds", "all", "all", 3_428.9, "na"),
        kpi("asa_seconds", "channel_group", "live", 24.0, "ok"),
        kpi("asa_seconds", "channel_group", "queued", 18_000.0, "warn"),
        kpi("fcr", "all", "all", 0.8, "ok"),
        kpi("fcr", "channel_group", "live", 0.7, "breach"),
        kpi("frt_p90_seconds", "all", "all", 3_600.0, "na"),
        kpi("frt_p90_seconds", "channel_group", "queued", 36_000.0, "ok"),
    ]
)


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("en", ["average speed of answer — live channels", "first-contact resolution",
                "first response time (90th percentile) — queued channels"]),
        ("zh-CN", ["实时渠道平均应答速度", "一次解决率", "排队渠道首次响应时长(90分位)"]),
    ],
)  # fmt: skip
def test_waits_are_shown_per_channel_group(language: Language, labels: list[str]) -> None:
    rows = kpi_view.headline_kpi_rows(
        KPIS, ("asa_seconds", "fcr", "frt_p90_seconds"), Formatter(language)
    )
    assert [r["status"] for r in rows] == ["ok", "ok", "ok"]  # live ASA, all fcr, queued p90
    assert [r["label"] for r in rows] == labels
