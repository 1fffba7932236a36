"""`csreview kpis`: one period's KPI table computed on a Dask cluster, for a centre whose
period does not fit one machine; its validation counts beside it, and no report.

The workers read the source themselves (`flows.distributed.dask_kpis`): the cluster at the
settings' `dask_address`, or a local one of `--workers` processes. The table is the one the
review publishes as `kpis.csv`, to the precision of docs/kpis.md.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from csreview.periods import PeriodError, resolve_period
from csreview.settings import ConfigError, Settings
from csreview.urls import redact_url
from flows.preflight import UserError, check_writable, settings_for

KPIS_FILE: Final = "kpis.csv"
COUNTS_FILE: Final = "validation.json"
EXIT_OK: Final = 0
EXIT_USAGE: Final = 2
EXIT_BLOCKED: Final = 3

log = logging.getLogger("csreview")  # the terminal's one-line messages


def add_parser(commands: Any) -> None:
    kpis = commands.add_parser(
        "kpis",
        help="compute one period's KPI table on a Dask cluster (a centre too big for one "
        "machine); no report",
    )
    kpis.add_argument("--cadence", choices=("monthly", "quarterly"), required=True)
    kpis.add_argument("--period", required=True, help="e.g. 2026-10 or 2026-Q3")
    kpis.add_argument("--source", required=True, help="SQLAlchemy URL (SQLite or PostgreSQL)")
    kpis.add_argument("--out", type=Path, required=True, help="folder for kpis.csv and counts")
    kpis.add_argument("--config", type=Path, default=None)
    kpis.add_argument(
        "--workers", type=int, default=2, help="local cluster's worker processes (no address)"
    )
    kpis.add_argument("--memory-limit", default="4GiB", help="each local worker's memory")
    kpis.add_argument("--slice-days", type=int, default=1, help="days of contacts a read takes")
    kpis.add_argument("--partitions", type=int, default=8, help="partitions of each shuffle")


def run(args: argparse.Namespace) -> int:
    """Compute, write and say where: exit 0; 3 when validation blocks (the counts written,
    no table); a user error raises UserError (one line, exit 2)."""
    settings = settings_for(args.config, None, None)
    now = datetime.now(settings.zone)
    try:
        period = resolve_period(args.cadence, args.period, now)
    except PeriodError as err:
        raise UserError(str(err)) from err
    _check_source(args.source)
    if args.workers < 1 or args.slice_days < 1 or args.partitions < 1:
        raise UserError("--workers, --slice-days and --partitions must be at least 1")
    from dask.utils import parse_bytes

    try:
        parse_bytes(args.memory_limit)
    except ValueError as err:
        raise UserError(f"--memory-limit {args.memory_limit!r}: {err}") from err
    check_writable(args.out)

    from flows.distributed import Layout, dask_kpis
    from tasks import kpis as kpi_step
    from tasks.publish.files import json_bytes, write_file
    from tasks.publish.tables import kpis_csv

    provisional = kpi_step.fcr_is_provisional(period, settings, now)
    got = dask_kpis(
        args.source, period, settings, now, provisional,
        workers=args.workers, memory_limit=args.memory_limit,
        layout=Layout(args.slice_days, args.partitions),
    )  # fmt: skip
    counts = {
        "cadence": period.cadence,
        "period": period.label,
        "source": redact_url(args.source),
        "read_at": now.isoformat(),
        "fcr_provisional": provisional,
        "tables": got.totals.counts,
        "rules": [
            {"table": table, "rule": rule, "failing_rows": rows}
            for (table, rule), rows in sorted(got.totals.failed.items())
        ],
        "blocking": list(got.totals.blocking),
        "cluster": _cluster(got.workers, got.worker_peak_mib, got.partition_contacts, settings),
    }
    write_file(args.out / COUNTS_FILE, json_bytes(counts))
    if got.totals.blocking:
        log.error(
            "error: %s: blocked by data validation: %s (counts in %s)",
            period, "; ".join(got.totals.blocking), args.out / COUNTS_FILE,
        )  # fmt: skip
        return EXIT_BLOCKED
    write_file(args.out / KPIS_FILE, kpis_csv(got.kpis))
    sys.stdout.write(f"{(args.out / KPIS_FILE).absolute()}\n")  # where it is, as `run` says
    return EXIT_OK


def _check_source(source: str) -> None:
    """A database the workers can read by slices, that opens now (one line if not)."""
    from tasks.extract import SourceError, check_source, is_database_url

    if not is_database_url(source):
        raise UserError(
            f"{source}: the KPI table on Dask reads a database (sqlite:/// or postgresql://); "
            "a folder source is reviewed on one machine with `csreview run`"
        )
    try:
        check_source(source)
    except (SourceError, ConfigError) as err:
        raise UserError(str(err)) from err


def _cluster(
    workers: int, peaks: tuple[float, ...], contacts: tuple[int, ...], settings: Settings
) -> dict[str, Any]:
    """What the cluster was and what it held: the auditor's view of where the table came from."""
    return {
        "address": redact_url(settings.dask_address) if settings.dask_address else "local",
        "workers": workers,
        "worker_peak_mib": [round(p, 1) for p in peaks],
        "partition_contacts": list(contacts),
    }
