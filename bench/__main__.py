"""`python -m bench` (`make bench`): the review at several scales, side by side with its
references, written to bench/results/latest.json and to docs/benchmarks.md.

    .venv/bin/python -m bench                       # 100 k and 1 M monthly, 3.7 M quarterly,
                                                    # and a month of a centre keeping history
    .venv/bin/python -m bench --scales 100k --repeat 1 --no-history
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import psutil

from bench import dask_run, reference, report
from bench.data import CACHE, SCALES, Scale, source
from bench.history import measure_history
from bench.review import Run, run_review
from csreview import facts as f
from csreview.settings import Settings, load_settings
from tasks import kpis as k
from tasks import workforce
from tasks.extract import extract_period
from tasks.validate import check_rules

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).with_name("results") / "latest.json"
DOCS = ROOT / "docs" / "benchmarks.md"
LABELS = {"100k": SCALES[0], "1m": SCALES[1], "3.7m": SCALES[2]}
T = TypeVar("T")


def best_of(repeat: int, call: Callable[[], T]) -> tuple[float, T]:
    """The fastest of `repeat` calls, and the last call's result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    assert result is not None
    return min(times), result


def published_kpis(folder: Path) -> pd.DataFrame:
    """kpis.csv of a published review, as read back by a downstream tool."""
    return pd.read_csv(
        folder / "kpis.csv",
        dtype={f.KPI: str, f.DIMENSION: str, f.SEGMENT: str, f.STATUS: str},
        keep_default_na=False,
        na_values={c: [""] for c in (f.VALUE, f.NUMERATOR, f.DENOMINATOR, f.TARGET)},
    )


def _validated(
    url: str, scale: Scale, settings: Settings, read_at: datetime, repeat: int
) -> tuple[float, float, dict[str, pd.DataFrame]]:
    """The period's extract (timed once) and the rules as pandas masks on it (best of
    `repeat`): the seconds of each, and the validated rows."""
    extracted, extract = best_of(
        1, lambda: extract_period(url, scale.the_period, settings.zone, read_at)
    )
    masks, validation = best_of(repeat, lambda: check_rules(extract, settings))
    return extracted, masks, validation.clean


def references(
    scale: Scale, url: str, run: Run, repeat: int
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The references of one scale, measured in this process on the source the review read,
    and the single machine's KPI table (the Dask run's reference)."""
    settings = load_settings()
    period = scale.the_period
    read_at = datetime.now(settings.zone)
    database = url.removeprefix("sqlite:///")
    out: dict[str, Any] = {}
    out["read_once"], _ = best_of(repeat, lambda: reference.read_once(database))
    out["extract_in_process"], out["pandas_masks"], clean = _validated(
        url, scale, settings, read_at, repeat
    )

    def product_kpis() -> pd.DataFrame:
        facts = k.build_facts(
            clean, period, settings, k.fcr_is_provisional(period, settings, read_at)
        )
        return k.compute_kpis(facts, settings)

    out["kpis_in_process"], single = best_of(repeat, product_kpis)
    out["duckdb"], table = best_of(repeat, lambda: reference.duckdb_kpis(clean, period, settings))
    check = reference.compare(published_kpis(Path(run.folder)), table)
    people = workforce.kpi_rows(clean["agents"], period, settings, period.calendar_months)
    return {"references": out, "duckdb_check": check}, workforce.with_workforce(single, people)


def measure_dask(scale: Scale, single: pd.DataFrame, repeat: int) -> dict[str, Any]:
    """The Dask run of SCALE, REPEAT times: the median run's figures, every run's wall time,
    and each run's table against the single machine's (the median's check, or the first
    that differs; the largest relative difference of any run)."""
    runs = []
    for attempt in range(repeat):
        out = Path(tempfile.mkdtemp(prefix=f"{scale.name}-dask-{attempt}-", dir=CACHE))
        try:
            figures, table = dask_run.measure(scale, out)
        finally:
            shutil.rmtree(out, ignore_errors=True)
        runs.append({**figures, "check": dask_run.compare(table, single)})
    median = sorted(runs, key=lambda r: float(r["wall_seconds"]))[(len(runs) - 1) // 2]
    differing = [r for r in runs if r["check"]["differences"] or r["check"]["exact_differences"]]
    largest = max(float(r["check"]["max_relative_difference"]) for r in runs)
    return {
        **median,
        "check": {**(differing or [median])[0]["check"], "max_relative_difference": largest},
        "all_walls": [r["wall_seconds"] for r in runs],
    }


def measure(scale: Scale, repeat: int, keep: bool, dask: bool) -> dict[str, Any]:
    url, rows = source(scale)
    runs = []
    for attempt in range(repeat):
        out = Path(tempfile.mkdtemp(prefix=f"{scale.name}-{attempt}-", dir=CACHE))
        runs.append(run_review(scale, url, out))
        if runs[-1].exit_code != 0:
            raise SystemExit(f"csreview run failed on {scale.name}: {runs[-1].extra}")
    best = sorted(runs, key=lambda r: r.wall_seconds)[(len(runs) - 1) // 2]  # the median run
    measured, single = references(scale, url, best, repeat)
    contacts = published_kpis(Path(best.folder))
    overall = contacts[(contacts[f.KPI] == "contacts") & (contacts[f.DIMENSION] == f.ALL)]
    record = {
        "label": f"{scale.cadence} {scale.period}, {scale.contacts // 1000:,}k",
        "scale": dataclasses.asdict(scale),
        "cadence": scale.cadence,
        "source_rows": rows,
        "contacts": int(overall[f.VALUE].iloc[0]),
        **{
            field: getattr(best, field)
            for field in ("wall_seconds", "peak_rss_mib", "peak_tree_mib")
        },
        **{field: getattr(best, field) for field in ("stages", "stage_peak_mib", "load_before")},
        "all_walls": [r.wall_seconds for r in runs],
        "all_tree_peaks_mib": [r.peak_tree_mib for r in runs],
        "all_loads": [r.load_before for r in runs],
        "tree_at_peak_mib": best.extra.get("tree_at_peak_mib"),
        "pss_readings": best.extra.get("pss_readings"),
        **measured,
    }
    if dask:
        sys.stderr.write(f"bench: {scale.name} on Dask (load {os.getloadavg()[0]:.1f})…\n")
        record["dask"] = measure_dask(scale, single, repeat)
    if not keep:
        for r in runs:
            shutil.rmtree(Path(r.folder).parents[1], ignore_errors=True)
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scales", nargs="+", choices=list(LABELS), default=list(LABELS))
    parser.add_argument("--repeat", type=int, default=3, help="runs per scale; median kept")
    parser.add_argument(
        "--no-history", action="store_true", help="skip the 12-against-3-months case"
    )
    parser.add_argument("--keep", action="store_true", help="keep the runs' output folders")
    parser.add_argument(
        "--dask", nargs="*", choices=list(LABELS), default=["1m"], help="scales run on Dask too"
    )
    parser.add_argument(
        "--no-docs",
        action="store_true",
        help="do not rewrite the docs nor results/latest.json (results/partial.json instead)",
    )
    args = parser.parse_args(argv)
    chosen = [LABELS[name] for name in args.scales]
    scales = []
    for scale in chosen:
        sys.stderr.write(f"bench: {scale.name} (load {os.getloadavg()[0]:.1f})…\n")
        dask = any(LABELS[name] == scale for name in args.dask)
        scales.append(measure(scale, args.repeat, args.keep, dask))
    history = None
    if not args.no_history:
        sys.stderr.write(f"bench: history (load {os.getloadavg()[0]:.1f})…\n")
        history = measure_history(args.repeat)
    results = {
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, {platform.python_version()}",
        "command": "make bench"
        if args.scales == list(LABELS) and args.repeat == 3 and not args.no_history
        else f"python -m bench --scales {' '.join(args.scales)} --repeat {args.repeat}"
        + (" --no-history" if args.no_history else ""),
        "repeat": args.repeat,
        "scales": scales,
        "history": history,
    }
    # the docs and their results file change together: a partial run writes its own file
    written = RESULTS if not args.no_docs else RESULTS.with_name("partial.json")
    written.parent.mkdir(parents=True, exist_ok=True)
    written.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    section = report.markdown(results)
    if not args.no_docs:
        DOCS.write_text(report.replace_section(DOCS.read_text("utf-8"), section), "utf-8")
    sys.stdout.write(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
