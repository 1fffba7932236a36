"""`csreview kpis`: one period's KPI table computed on a Dask cluster, for a centre whose
period does not fit one machine; its validation counts beside it, and no report.

The workers read the source themselves (`flows.distributed.dask_kpis`): the cluster at the
settings' `dask_address`, or a local one of `--workers` processes. The table is the one the
review publishes as `kpis.csv`, to the precision of docs/kpis.md.
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import traceback
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from csreview.periods import Period, PeriodError, resolve_period
from csreview.settings import ConfigError, Settings, expand_env
from csreview.urls import redact_url
from flows.faults import one_line
from flows.preflight import UserError, check_writable, settings_for

if TYPE_CHECKING:
    from flows.distributed import DaskKpis

KPIS_FILE: Final = "kpis.csv"
COUNTS_FILE: Final = "validation.json"
LOG_FILE: Final = "kpis.log"  # a failed run's trace: it may quote a data value, owner-only
CONNECT_SECONDS: Final = 10
EXIT_OK: Final = 0
EXIT_BUG: Final = 1
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
    no table); 1 when the run fails (one line; the trace in OUT/kpis.log, owner-only); a
    user error raises UserError (one line, exit 2)."""
    from tasks import kpis as kpi_step
    from tasks.publish.files import json_bytes, write_file
    from tasks.publish.tables import kpis_csv

    settings, period, now = _checked(args)
    for stale in (KPIS_FILE, COUNTS_FILE, LOG_FILE):  # none left to disagree with this run
        (args.out / stale).unlink(missing_ok=True)
    provisional = kpi_step.fcr_is_provisional(period, settings, now)
    try:
        got = _on_dask(args, settings, period, now, provisional)
    except Exception as err:  # one line here, the whole trace in the log
        write_file(args.out / LOG_FILE, traceback.format_exc().encode("utf-8"), 0o600)
        log.error(
            "error: %s: the KPI table on Dask failed: %s; full trace in %s",
            period, one_line(err), args.out / LOG_FILE,
        )  # fmt: skip
        return EXIT_BUG
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


def _checked(args: argparse.Namespace) -> tuple[Settings, Period, datetime]:
    """The settings, the period and the moment of the read, once everything that can be
    checked before a cluster starts is: the period, the source, the sizes, the cluster's
    address and the output folder."""
    settings = settings_for(args.config, None, None)
    now = datetime.now(settings.zone)
    try:
        period = resolve_period(args.cadence, args.period, now)
    except PeriodError as err:
        raise UserError(str(err)) from err
    _check_source(args.source)
    if args.workers < 1 or args.slice_days < 1 or args.partitions < 1:
        raise UserError("--workers, --slice-days and --partitions must be at least 1")
    _check_memory_limit(args.memory_limit)
    if settings.dask_address:
        _check_cluster(settings.dask_address)
    check_writable(args.out)
    return settings, period, now


def _on_dask(
    args: argparse.Namespace, settings: Settings, period: Period, now: datetime, provisional: bool
) -> DaskKpis:
    from flows.distributed import Layout, dask_kpis

    return dask_kpis(
        args.source, period, settings, now, provisional,
        workers=args.workers, memory_limit=args.memory_limit,
        layout=Layout(args.slice_days, args.partitions),
    )  # fmt: skip


def _check_memory_limit(limit: str) -> None:
    """A size Dask takes for a local worker: a positive amount, or `auto`."""
    from dask.utils import parse_bytes

    if limit == "auto":
        return
    try:
        size = parse_bytes(limit)
    except ValueError as err:
        raise UserError(f"--memory-limit {limit!r}: {err}") from err
    if size <= 0:
        raise UserError(f"--memory-limit {limit!r}: a worker needs some memory")


def _check_cluster(address: str) -> None:
    """The scheduler at ADDRESS (`${ENV}` expanded here) takes a connection now."""
    from distributed.comm.addressing import parse_address, parse_host_port

    shown = redact_url(address)
    try:
        _, location = parse_address(expand_env(address))
        host, port = parse_host_port(location)
        with socket.create_connection((host, port), timeout=CONNECT_SECONDS):
            pass
    except ConfigError as err:
        raise UserError(f"dask_address {shown}: {err}") from err
    except (OSError, ValueError, TypeError) as err:
        reason = getattr(err, "strerror", None) or one_line(err)
        raise UserError(f"cannot reach the Dask scheduler at {shown}: {reason}") from err


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
