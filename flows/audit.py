"""`csreview audit`: what an auditor asks first, answered from the results store and the
published files, without opening them by hand.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from datetime import UTC
from pathlib import Path
from typing import Any, Final

from csreview.settings import Settings
from csreview.store import RunSummary, StoreError, failing_rules, list_runs

EXIT_OK: Final = 0
EXIT_ALTERED: Final = 1
EXIT_USAGE: Final = 2


def audit(args: argparse.Namespace, settings: Settings) -> int:
    if args.verify is not None:
        return verify(args.verify)
    try:
        runs = list_runs(settings.resolved_store_url, args.tenant, args.period)
        if not runs:
            _say("no run is on record" + _filters(args) + f" in {_where(settings)}")
            return EXIT_OK
        _say(runs_table(runs))
        chosen = [r for r in runs if r.run_id == args.run_id] if args.run_id else runs[-1:]
        if not chosen:
            _say(f"run {args.run_id} is not on record" + _filters(args))
            return EXIT_USAGE
        run = chosen[0]
        _say("")
        _say(run_details(run, failing_rules(settings.resolved_store_url, run.run_id)))
    except StoreError as err:
        sys.stderr.write(f"error: {err}\n")
        return EXIT_USAGE
    return EXIT_OK


def _filters(args: argparse.Namespace) -> str:
    parts = [f"tenant {args.tenant}" if args.tenant else "", args.period or ""]
    shown = ", ".join(p for p in parts if p)
    return f" for {shown}" if shown else ""


def _where(settings: Settings) -> str:
    from csreview.settings import redact_url

    return redact_url(settings.resolved_store_url)


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(header), *(line(r) for r in rows)])


def runs_table(runs: list[RunSummary]) -> str:
    header = ["run", "tenant", "cadence", "period", "issue", "status", "rows read",
              "quarantined", "failing rules"]  # fmt: skip
    rows = [
        [
            r.run_id,
            r.tenant,
            r.cadence,
            r.period,
            str(r.reissue),
            r.status,
            f"{r.rows_read:,}",
            f"{r.rows_quarantined:,}",
            str(r.failing_rules),
        ]
        for r in runs
    ]
    return _table(header, rows, {4, 6, 7, 8})


def run_details(run: RunSummary, rules: list[tuple[str, str, str, int, int, str]]) -> str:
    started = run.started_at.replace(tzinfo=run.started_at.tzinfo or UTC).astimezone(UTC)
    lines = [f"run {run.run_id} ({run.status}, started {started:%Y-%m-%d %H:%M} UTC)"]
    if run.blocking:
        lines += ["blocked because:", *(f"  - {b}" for b in run.blocking.splitlines())]
    lines.append("")
    lines.append(
        _table(
            ["table", "read", "used", "quarantined", "sha256 of the rows read"],
            [[t, f"{a:,}", f"{u:,}", f"{q:,}", h or ""] for t, a, u, q, h in run.tables],
            {1, 2, 3},
        )
    )
    lines.append("")
    if rules:
        lines.append("rules with failing rows:")
        lines.append(
            _table(
                ["table", "rule", "severity", "failed", "checked", "reason"],
                [[t, r, s, f"{f:,}", f"{c:,}", d] for t, r, s, f, c, d in rules],
                {3, 4},
            )
        )
    else:
        lines.append("every rule passed")
    return "\n".join(lines)


# ---------------------------------------------------------------- verify
def _removed_by_retention(folder: Path) -> dict[str, str]:
    note = folder / "quarantine" / "removed.json"
    if not note.is_file():
        return {}
    record = json.loads(note.read_text("utf-8"))
    return {name: str(record["removed_at"]) for name in record["files"]}


def verify(folder: Path) -> int:
    """Recompute every output's sha256 against the folder's manifest."""
    manifest_file = folder / "manifest.json"
    try:
        manifest: dict[str, Any] = json.loads(manifest_file.read_text("utf-8"))
    except (OSError, ValueError) as err:
        sys.stderr.write(f"error: cannot read {manifest_file}: {err}\n")
        return EXIT_USAGE
    recorded = {**manifest.get("outputs", {}), **manifest.get("config_files", {})}
    if not recorded:
        sys.stderr.write(f"error: {manifest_file} lists no output files\n")
        return EXIT_USAGE
    removed = _removed_by_retention(folder)
    problems = []
    for name, expected in sorted(recorded.items()):
        path = folder / name
        if name in removed:
            _say(f"removed by retention on {removed[name]}: {name}")
        elif not path.is_file():
            problems.append(f"missing: {name}")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != expected:
            problems.append(f"altered: {name}")
    if problems:
        for line in problems:
            _say(line)
        _say(f"{folder}: {len(problems)} of {len(recorded)} files do not match the manifest")
        return EXIT_ALTERED
    _say(f"{folder}: all {len(recorded)} files match the manifest (run {manifest['run_id']})")
    return EXIT_OK
