"""The `csreview` command: demo, run and backfill reviews, with the contract's exit codes.

What can be checked before a flow starts is checked first (`flows/preflight.py`), so a user
error is one clear line and exit 2; traces go to the run's log file, never to the terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn

from csreview.periods import (
    CADENCES,
    Period,
    PeriodError,
    check_reviewable,
    latest_complete,
    parse_period,
    periods_between,
)
from csreview.settings import LANGUAGES, ConfigError, Settings
from flows import server
from flows.faults import DISK_FAULTS, one_line
from flows.preflight import RunRequest, UserError, check_tenant, preflight, settings_for
from flows.run_log import RunLog, log_to_file, trace_words

if TYPE_CHECKING:
    from prefect.client.schemas.objects import State

EXIT_OK: Final = 0
EXIT_BUG: Final = 1
EXIT_USAGE: Final = 2
EXIT_BLOCKED: Final = 3
EXIT_DELIVERY: Final = 4
REVIEWING: Final = ("run", "backfill", "demo")  # the commands that need a Prefect server

log = logging.getLogger("csreview")  # the terminal's one-line messages
trace = logging.getLogger(__name__)  # to the run's log file only (through the root logger)
EPHEMERAL_TIMEOUT: Final = server.TIMED_OUT
STARTUP_SECONDS: Final = "90"  # Prefect's own default, 20 s, is too short on a busy machine
NO_PREFECT_SERVER: Final = (
    "Prefect's temporary server did not start in time (is the machine overloaded?); set "
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS higher, or PREFECT_API_URL to a running "
    "Prefect server"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="csreview", description="Service-quality reviews of a contact centre."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _review_commands(commands)
    _service_commands(commands)
    from flows import actions, cluster_kpis

    actions.add_parser(commands)
    cluster_kpis.add_parser(commands)
    return parser


def _review_commands(commands: Any) -> None:
    """`demo`, `run` and `backfill`: the commands that review periods."""
    demo = commands.add_parser(
        "demo", help="generate the demo contact centre and review its latest complete month"
    )
    demo.add_argument(
        "--out", type=Path, default=None, help="output folder (default: settings out_dir)"
    )
    demo.add_argument("--lang", choices=LANGUAGES, default=None)
    demo.add_argument("--contacts-per-day", type=int, default=600)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--cadence", choices=CADENCES, required=True)
        p.add_argument(
            "--source",
            default=None,
            help="SQLAlchemy URL or folder of CSV/Parquet files (default: each tenant's own)",
        )
        p.add_argument("--store", default=None, help="results store URL")
        p.add_argument("--out", type=Path, default=None)
        p.add_argument("--lang", choices=LANGUAGES, default=None)
        p.add_argument("--tenant", default=None)
        p.add_argument(
            "--tenants",
            type=Path,
            default=None,
            help="tenants file: without --source, review every tenant (or --tenant) of it",
        )
        p.add_argument("--config", type=Path, default=None)
        p.add_argument("--reason", default=None, help="why an already published period is reissued")

    run = commands.add_parser("run", help="review one period")
    common(run)
    run.add_argument("--period", required=True)
    backfill = commands.add_parser("backfill", help="review a range of periods, in order")
    common(backfill)
    backfill.add_argument("--from", dest="first", required=True)
    backfill.add_argument("--to", dest="last", required=True)


def _service_commands(commands: Any) -> None:
    """`audit`, `serve` and `watch`: the commands around the reviews."""
    audit = commands.add_parser(
        "audit", help="list runs and their validation outcome; verify a published folder"
    )
    audit.add_argument("--tenant", default=None)
    audit.add_argument("--period", default=None, help="e.g. 2026-10 or 2026-Q3")
    audit.add_argument("--run", dest="run_id", default=None, help="show this run's details")
    audit.add_argument(
        "--verify", type=Path, default=None, help="recompute a published folder's hashes"
    )
    audit.add_argument("--store", default=None, help="results store URL")
    audit.add_argument("--out", type=Path, default=None)
    audit.add_argument("--config", type=Path, default=None)
    serve = commands.add_parser("serve", help="serve the scheduled deployments")
    serve.add_argument("--config", type=Path, default=None)
    serve.add_argument(
        "--source",
        default=os.environ.get("CSREVIEW_SOURCE"),
        help="SQLAlchemy URL or folder of CSV/Parquet files (default: $CSREVIEW_SOURCE)",
    )
    serve.add_argument("--store", default=None, help="results store URL")
    serve.add_argument("--out", type=Path, default=None)
    serve.add_argument("--tenant", default=None)
    serve.add_argument(
        "--tenants", type=Path, default=None, help="tenants file: without a source, serve them all"
    )
    watch = commands.add_parser(
        "watch", help="e-mail alert_to about scheduled review runs that are late (worker mode)"
    )
    watch.add_argument("--config", type=Path, default=None)
    watch.add_argument("--once", action="store_true", help="look once, then exit")


# ---------------------------------------------------------------- logging
def _console() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO)
    log.propagate = False
    logging.captureWarnings(True)  # a library's warning goes to the run's log, not the terminal


def _review(request: RunRequest) -> tuple[int, str]:
    """Run the review flow for one period; returns the exit code and one line to show."""
    server.start_temporary_server()  # begun by the command already, when it runs one
    from flows.gate import end_early_extract
    from flows.review import review
    from flows.runner import get_ready
    from tasks.publish import cadence_dir, new_run_id

    get_ready()  # what takes seconds to get ready does, while Prefect's server starts

    run_id = new_run_id(request.period, datetime.now(UTC))
    run_dir = cadence_dir(request.out, request.tenant, request.cadence) / "_runs" / run_id
    try:
        handler = log_to_file(run_dir / "run.log")
    except OSError as err:
        return EXIT_BUG, f"{request.period}: cannot write the run's log: {one_line(err)}"
    _begin_extract(request)
    state: State | None = None
    try:
        with server.temporary_api():
            state = review(
                cadence=request.cadence,
                period=request.period.label,
                source=request.source,
                out=str(request.out),
                language=request.language,
                tenant=request.tenant,
                config=str(request.config) if request.config else None,
                reason=request.reason,
                run_id=run_id,
                store_url=request.store,
                tenants_file=str(request.tenants_file) if request.tenants_file else None,
                require_reason=True,
                return_state=True,
            )
            result = state.result(raise_on_failure=False)
    except Exception as err:  # Prefect's own machinery failed (its server's disk is full…)
        if str(err).startswith(EPHEMERAL_TIMEOUT):
            trace.debug("Prefect's temporary server did not start", exc_info=True)
            return EXIT_USAGE, f"{request.period}: {NO_PREFECT_SERVER}"
        trace.error("the run failed", exc_info=err)
        result = err
    finally:
        end_early_extract()
        logging.getLogger().removeHandler(handler)
        handler.close()
    return _outcome(request, state, result, handler, run_dir)


def _begin_extract(request: RunRequest) -> None:
    """Begin reading the period's rows while Prefect's server starts and the flow begins, in
    the zone the flow will read them in (a tenant's own)."""
    from csreview.settings import load_settings
    from flows.gate import begin_extract

    if not request.source:
        return
    try:
        tenants = {"tenants_file": request.tenants_file} if request.tenants_file else {}
        zone = load_settings(request.config, tenant=request.tenant, **tenants).zone
    except ConfigError:
        return  # the flow says why
    begin_extract(request.source, request.period, zone)


def _outcome(
    request: RunRequest, state: State | None, result: Any, handler: RunLog, run_dir: Path
) -> tuple[int, str]:
    """The exit code and line of a review run that ended in STATE with RESULT."""
    from flows.faults import ValidationBlockedError
    from tasks.extract import SourceError
    from tasks.publish import ReissueError

    if isinstance(result, ValidationBlockedError):
        return (
            EXIT_BLOCKED,
            f"{request.period}: blocked by data validation: {result} (evidence in {run_dir})",
        )
    if isinstance(result, (SourceError, ConfigError, PeriodError, ReissueError)):
        return EXIT_USAGE, f"{request.period}: {result}"
    if isinstance(result, BaseException) or state is None or not state.is_completed():
        ended = f"it ended {state.name}" if state is not None else "it ended"
        what = one_line(result) if isinstance(result, BaseException) else ended
        return EXIT_BUG, f"{request.period}: the run failed: {what}; {trace_words(handler)}"
    if result.get("delivery", {}).get("status") == "failed":
        return (
            EXIT_DELIVERY,
            f"{request.period}: published ({result['pdf']}), but the e-mail failed after "
            f"retries: {result['delivery']['error']}",
        )
    return EXIT_OK, str(result["pdf"])


def _requests(args: argparse.Namespace, settings: Settings) -> list[RunRequest]:
    """The runs a `run` or `backfill` asks for: each tenant's periods in order (the PDCA
    follow-up of a period reads the one before)."""
    now = datetime.now(settings.zone)
    try:
        if args.command == "run":
            periods = [check_reviewable(parse_period(args.cadence, args.period), now)]
        else:
            periods = periods_between(
                check_reviewable(parse_period(args.cadence, args.first), now),
                check_reviewable(parse_period(args.cadence, args.last), now),
            )
    except PeriodError as err:
        raise UserError(str(err)) from err
    return [
        RunRequest(
            args.cadence,
            p,
            source,
            settings.out_dir,
            args.lang,
            tenant,
            args.config,
            args.reason,
            settings.resolved_store_url,
            settings.tenants_file,
        )
        for tenant, source in _sources(args, settings)
        for p in periods
    ]


def _sources(args: argparse.Namespace, settings: Settings) -> list[tuple[str | None, str]]:
    """(tenant, source) of each review: the one given, or each tenant's from the file."""
    from csreview.tenants import load_tenants

    if args.source:
        return [(args.tenant, args.source)]
    if settings.tenants_file is None:
        raise UserError("no source: pass --source, or --tenants FILE to review its tenants")
    try:
        tenants = load_tenants(settings.tenants_file)
    except ConfigError as err:
        raise UserError(str(err)) from err
    chosen = [t for t in tenants if args.tenant in (None, t.name)]
    if not chosen:
        raise UserError(f"tenant {args.tenant!r} is not in tenants file {settings.tenants_file}")
    return [(t.name, t.source) for t in chosen]


def _demo(args: argparse.Namespace) -> int:
    from csreview.demo import DemoSpec, generate, to_database
    from csreview.messy_export import plant_bad_rows

    settings = settings_for(None, args.out, args.lang)
    now = datetime.now(settings.zone)
    period = latest_complete("monthly", now)
    settings.out_dir.mkdir(parents=True, exist_ok=True)
    database = (settings.out_dir / "demo-contact-centre.sqlite").resolve()
    log.info(
        "generating the demo contact centre (%s contacts a day) in %s",
        args.contacts_per_day,
        database,
    )
    frames = generate(
        DemoSpec(period, contacts_per_day=args.contacts_per_day, timezone=settings.timezone),
        now=now,
    )
    messy, _ = plant_bad_rows(frames, period, settings.zone)
    database.unlink(missing_ok=True)
    to_database(messy, f"sqlite:///{database}")
    from tasks.publish import cadence_dir, published_runs

    folder = cadence_dir(settings.out_dir, None, "monthly")

    def request(month: Period) -> RunRequest:
        again = bool(published_runs(folder, month))
        return RunRequest(
            "monthly",
            month,
            f"sqlite:///{database}",
            settings.out_dir,
            settings.language,
            None,
            None,
            reason="demo re-run" if again else None,
            store=settings.resolved_store_url,
        )

    previous = period.previous()
    if not published_runs(folder, previous):
        log.info("reviewing %s first, so that %s is compared with it…", previous, period)
        code, line = _review(request(previous))
        if code != EXIT_OK:
            _report(code, line)
            return code
    log.info("reviewing %s (monthly)…", period)
    code, line = _review(request(period))
    _report(code, line)
    return code


def _serve(args: argparse.Namespace) -> int:
    """Serve the monthly and quarterly deployments until interrupted (blocks)."""
    from csreview.store import StoreError, check_store
    from csreview.tenants import load_tenants
    from flows.deploy import ServeError, serve
    from tasks.extract import SourceError, check_source

    settings = settings_for(args.config, args.out, None, args.store, args.tenants)
    try:
        if args.source:
            check_source(args.source)
        elif settings.tenants_file is not None:
            load_tenants(settings.tenants_file)
        else:
            raise UserError("no source: pass --source (or set CSREVIEW_SOURCE) or --tenants FILE")
        if args.store:
            check_store(args.store)
    except (SourceError, StoreError, ConfigError) as err:
        raise UserError(str(err)) from err
    log.info("serving the monthly and quarterly reviews (%s time); Ctrl-C stops", settings.timezone)
    try:
        serve(
            args.source,
            config=str(args.config) if args.config else None,
            out=str(args.out) if args.out else None,
            store_url=args.store,
            tenant=args.tenant,
            tenants_file=str(args.tenants) if args.tenants else None,
        )
    except ServeError as err:
        raise UserError(str(err)) from err
    return EXIT_OK


def _watch(args: argparse.Namespace) -> int:
    """Alert about late scheduled runs: once, or every minute until interrupted."""
    import threading

    from flows.deploy import ServeError, check_server
    from flows.late import alert_late, watch

    settings = settings_for(args.config, None, None)
    try:
        check_server()
    except ServeError as err:
        raise UserError(str(err)) from err
    if args.once:
        late = alert_late(settings, datetime.now(UTC), set())
        for run in late:
            _report(EXIT_OK, f"late: {run.name} (due {run.due.isoformat(timespec='minutes')})")
        return EXIT_OK
    log.info(
        "watching for review runs late by %s minutes; Ctrl-C stops", settings.late_after_minutes
    )
    with contextlib.suppress(KeyboardInterrupt):
        watch(settings, threading.Event())
    return EXIT_OK


def _report(code: int, line: str) -> None:
    if code == EXIT_OK:
        sys.stdout.write(line + "\n")
    else:
        log.error("error: %s", line)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `csreview` command."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", STARTUP_SECONDS)
    os.environ.setdefault(
        "PREFECT_LOGGING_SETTINGS_PATH", str(Path(__file__).with_name("logging.yml"))
    )
    _console()
    args = _parser().parse_args(argv)
    if args.command in REVIEWING:  # it starts while the command checks and imports
        server.start_temporary_server()  # unless PREFECT_API_URL is set
    try:
        check_tenant(getattr(args, "tenant", None))
        if args.command == "demo":
            return _demo(args)
        if args.command not in REVIEWING:
            return _around_reviews(args)
        settings = settings_for(args.config, args.out, args.lang, args.store, args.tenants)
        worst = EXIT_OK
        for request in _requests(args, settings):
            try:
                preflight(request)
            except UserError as err:
                _report(EXIT_USAGE, f"{request.period}: {err}")
                worst = max(worst, EXIT_USAGE, key=_severity)
                continue
            log.info(
                "reviewing %s (%s)%s…",
                request.period,
                request.cadence,
                f" of {request.tenant}" if request.tenant else "",
            )
            code, line = _review(request)
            _report(code, line)
            worst = max(worst, code, key=_severity)
        return worst
    except UserError as err:
        log.error("error: %s", err)
        return EXIT_USAGE
    except OSError as err:  # a full or read-only disk outside a run (a run says it itself)
        if err.errno not in DISK_FAULTS:
            raise
        log.error("error: %s", one_line(err))
        return EXIT_BUG
    finally:
        server.stop_unused()


def _around_reviews(args: argparse.Namespace) -> int:
    """`audit`, `serve`, `watch`, `kpis` and `actions`: the commands that review no period."""
    if args.command == "audit":
        from flows.audit import audit

        return audit(args, settings_for(args.config, args.out, None, args.store))
    if args.command == "serve":
        return _serve(args)
    if args.command == "watch":
        return _watch(args)
    if args.command == "kpis":
        from flows import cluster_kpis

        return cluster_kpis.run(args)
    from flows import actions

    config = Path(args.config) if args.config else None
    out = Path(args.out) if args.out else None
    return actions.run(args, settings_for(config, out, None, args.store))


def _severity(code: int) -> int:
    """Order of exit codes, worst last: 0 < 4 < 3 < 2 < 1."""
    return {EXIT_OK: 0, EXIT_DELIVERY: 1, EXIT_BLOCKED: 2, EXIT_USAGE: 3, EXIT_BUG: 4}[code]


def command() -> NoReturn:
    """The `csreview` command: `main`, then exit without the collector walking the heap
    again (about 1 s after a review); logs and the server are finished by atexit first."""
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    command()
