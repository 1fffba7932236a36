"""Every chart is quick enough for a month of intervals, and equal when drawn concurrently."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from tasks import charts as ch
from tests.conftest import ZONE
from tests.tasks.charts.svg_reading import (
    BRANCHES,
    TINY_SUMMARY,
    TREND,
    WEEKDAYS_ZH,
    pareto,
    problems_frame,
    summary_frame,
)


# ---------------------------------------------------------------- speed and threads
def month_of_intervals() -> pd.DataFrame:
    starts = pd.date_range("2026-10-01", periods=31 * 48, freq="30min", tz=ZONE)
    gaps = np.sin(np.arange(len(starts)) / 7.0) * 3
    return summary_frame(
        [(str(t.tz_localize(None)), float(g)) for t, g in zip(starts, gaps, strict=True)]
    )


def test_charts_are_fast_enough_for_a_month() -> None:
    summary = month_of_intervals()
    problems = problems_frame([50.0, 40, 30, 20, 10], [0.33, 0.6, 0.8, 0.93, 1.0])
    labels = ("1", "2", "3", "4", "5")
    charts = [
        lambda: ch.staffing_heatmap(summary, weekday_labels=WEEKDAYS_ZH, title="t"),
        lambda: ch.pareto_chart(
            problems, labels, title="t", axis_priority="p", axis_cumulative="c"
        ),
        lambda: ch.fishbone_chart("e", BRANCHES),
    ]
    for chart in charts:
        chart()  # fonts loaded once per process
        started = time.perf_counter()
        chart()
        assert time.perf_counter() - started < 1.0  # ~0.1 s measured; slack for busy machines


def test_concurrent_charts_match_sequential_ones() -> None:
    jobs = [
        lambda: ch.fishbone_chart("e", BRANCHES),
        lambda: ch.trend_chart(TREND, title="t"),
        lambda: pareto(),
        lambda: ch.staffing_heatmap(TINY_SUMMARY, weekday_labels=WEEKDAYS_ZH, title="t"),
    ] * 2
    expected = [job() for job in jobs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(lambda job: job(), jobs)) == expected
