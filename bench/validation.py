"""Validation speed: the full gate (pandas masks + the GX record) against the same rules in
plain pandas, on a generated month holding about N contacts in its extract (the month, the 7 days after
it and the open backlog).

    .venv/bin/python -m bench.validation --contacts 1000000
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime

from bench.data import extract_of
from csreview import demo, messy_export
from csreview.periods import Period
from csreview.settings import load_settings
from tasks.validate import validate

OCTOBER = Period("monthly", 2026, 10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = load_settings()
    started = time.perf_counter()
    frames = demo.generate(demo.DemoSpec(OCTOBER, months=1, contacts_per_day=args.contacts // 38))
    frames, _ = messy_export.plant_bad_rows(frames, OCTOBER, settings.zone)
    generated = time.perf_counter() - started
    extract = extract_of(frames, OCTOBER, settings.zone, datetime(2026, 11, 23, tzinfo=UTC))
    validate(extract, settings)  # warm-up: GX import and suite building, once per process
    timings: dict[str, list[float]] = {"pandas": [], "pandas+gx": []}
    for _ in range(args.repeat):
        for label, with_gx in (("pandas", False), ("pandas+gx", True)):
            started = time.perf_counter()
            result = validate(extract, settings, record_with_gx=with_gx)
            timings[label].append(time.perf_counter() - started)
    best = {label: min(values) for label, values in timings.items()}
    rows = {n: c["read"] for n, c in result.counts.items()}
    out = sys.stdout
    out.write(f"generated in {generated:.1f} s; rows in the extract: {rows}\n")
    out.write(f"quarantined: { {n: c['quarantined'] for n, c in result.counts.items()} }\n")
    for label, seconds in best.items():
        out.write(f"{label:10s} best of {args.repeat}: {seconds:6.2f} s\n")
    out.write(f"ratio (pandas+gx / pandas): {best['pandas+gx'] / best['pandas']:.2f}\n")


if __name__ == "__main__":
    main()
