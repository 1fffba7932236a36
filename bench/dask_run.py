"""The Dask run: a period's KPI table on a local cluster of worker processes, timed, in a
process of its own so that the client's peak memory is its own.

    .venv/bin/python -m bench.dask_run --scale 1m --out DIR   # writes DIR/kpis.pkl, DIR/run.json

`make bench` runs it at 1 M contacts and compares the table with the single machine's
(`compare`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from bench.data import SCALES, Scale, source
from csreview import facts as f
from csreview.memory import peak_rss_mib
from csreview.settings import load_settings
from flows.distributed import Layout, dask_kpis
from tasks import kpis as k
from tasks.kpis.distributed import kpi_differences

LABELS: Final = {"100k": SCALES[0], "1m": SCALES[1], "3.7m": SCALES[2]}
WORKERS: Final = 2
MEMORY_LIMIT: Final = "3GiB"  # per worker
LAYOUT: Final = Layout(days=7, partitions=8)  # a week a read: each read scans the table
QUANTILES: Final = ("frt_median_seconds", "frt_p90_seconds")


def run(scale: Scale, out: Path) -> dict[str, Any]:
    """One Dask run of SCALE's period: its table to OUT/kpis.pkl, its figures returned."""
    settings = load_settings()
    url, _ = source(scale)
    period = scale.the_period
    read_at = datetime.now(settings.zone)
    started = time.perf_counter()
    got = dask_kpis(
        url,
        period,
        settings,
        read_at,
        k.fcr_is_provisional(period, settings, read_at),
        workers=WORKERS,
        memory_limit=MEMORY_LIMIT,
        layout=LAYOUT,
    )
    seconds = time.perf_counter() - started
    out.mkdir(parents=True, exist_ok=True)
    got.kpis.to_pickle(out / "kpis.pkl")
    return {
        "wall_seconds": seconds,
        "client_peak_mib": peak_rss_mib(),
        "worker_peak_mib": list(got.worker_peak_mib),
        "workers": got.workers,
        "memory_limit": MEMORY_LIMIT,
        "layout": {"days": LAYOUT.days, "partitions": LAYOUT.partitions},
        "partition_contacts": list(got.partition_contacts),
        "blocking": list(got.totals.blocking),
        "counts": got.totals.counts,
    }


def measure(scale: Scale, out: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    """The Dask run of SCALE in a process of its own: its figures and its table."""
    command = [sys.executable, "-m", "bench.dask_run", "--scale", _label(scale), "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=os.environ)
    if done.returncode != 0:
        raise SystemExit(f"the Dask run failed on {scale.name}:\n{done.stderr[-4000:]}")
    figures = json.loads((out / "run.json").read_text("utf-8"))
    return figures, pd.read_pickle(out / "kpis.pkl")


def compare(dask_table: pd.DataFrame, single: pd.DataFrame) -> dict[str, Any]:
    """The Dask table against the single machine's: equal within 1e-12 relative, exact on
    counts, ratios of counts and quantiles, and the largest relative difference."""
    exact = single[f.KPI].isin([*k.integer_numerators(), *k.count_kpis(), *QUANTILES])
    a = dask_table[f.VALUE].to_numpy(dtype="float64")
    b = single[f.VALUE].to_numpy(dtype="float64")
    same_shape = len(a) == len(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.abs(a - b) / np.abs(b) if same_shape else np.array([np.inf])
    return {
        "rows": len(single),
        "differences": kpi_differences(dask_table, single),
        "exact_rows": int(exact.sum()),
        "exact_differences": kpi_differences(dask_table[exact], single[exact], rtol=0.0)
        if same_shape
        else ["the tables differ in rows"],
        "max_relative_difference": float(np.nanmax(relative[np.isfinite(relative)], initial=0.0)),
    }


def _label(scale: Scale) -> str:
    return next(label for label, s in LABELS.items() if s == scale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dask_run", description=__doc__)
    parser.add_argument("--scale", choices=list(LABELS), default="1m")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    figures = run(LABELS[args.scale], args.out)
    (args.out / "run.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    sys.stdout.write(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
