"""`csreview audit`: what an auditor asks first, answered from the results store and the
published files, without opening them by hand.
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any, Final

from csreview.settings import Settings
from csreview.store import (
    RunRecord,
    RunSummary,
    StoreError,
    StoreMissingError,
    failing_rules,
    list_runs,
    run_record,
)
from tasks import publish as p

EXIT_OK: Final = 0
EXIT_ALTERED: Final = 1
EXIT_USAGE: Final = 2


def audit(args: argparse.Namespace, settings: Settings) -> int:
    """List runs from the results store, or verify a folder; only ever reads."""
    if args.verify is not None:
        explicit = settings.store_url is not None or args.out is not None
        return verify(
            args.verify,
            settings.resolved_store_url if explicit else None,
            retention_days=settings.quarantine_retention_days,
        )
    try:
        try:
            runs = list_runs(settings.resolved_store_url, args.tenant, args.period)
        except StoreMissingError as err:
            _say(f"no run is on record{_filters(args)}: {err}")
            return EXIT_OK
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
    except (StoreError, OSError) as err:
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
@dataclass
class _Findings:
    """What `--verify` found: problems (tampering or damage), checks it could not make, and
    notes that are neither."""

    problems: list[str] = field(default_factory=list)
    not_checked: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _UnreadableError(Exception):
    """The folder has no manifest that can be read: nothing can be verified."""


def verify(
    folder: Path,
    store_url: str | None = None,
    *,
    retention_days: int = 90,
    now: datetime | None = None,
) -> int:
    """Check a published folder: its files against the manifest, the manifest against its
    signature and the results store's record, the period link against the store's latest
    published run, and run.log as far as it was sealed.

    The store is STORE_URL, or the one beside the folder (`OUT/store.sqlite`); a check that
    cannot be made is said, never passed over in silence. Exit 0, 1 (a problem), 2."""
    try:
        manifest = _manifest(folder)
    except _UnreadableError as err:
        sys.stderr.write(f"error: {err}\n")
        return EXIT_USAGE
    found = _Findings()
    run_id = str(manifest["run_id"])
    recorded = _recorded(manifest)
    try:
        record = _store_record(folder, manifest, store_url, found)
    except (StoreError, OSError) as err:
        sys.stderr.write(f"error: {err}\n")
        return EXIT_USAGE
    _check_signature(folder, found)
    shown = _check_place(folder, manifest, found)
    _check_files(folder.resolve(), manifest, recorded, record, retention_days, now, found)
    _check_log(folder.resolve(), manifest, found)
    if record is not None:
        _check_record(folder, manifest, recorded, record, shown, found)
    for line in [*found.problems, *found.notes]:
        _say(line)
    for line in found.not_checked:
        _say(f"not checked: {line}")
    if found.problems:
        _say(f"{folder}: {len(found.problems)} problem(s) found (run {run_id})")
        return EXIT_ALTERED
    made = [f"all {len(recorded)} files match the manifest"]
    made += ["the store's record"] if record is not None else []
    made += ["the signature"] if p.manifest_key() and (folder / p.SIGNATURE).exists() else []
    _say(f"{folder}: {', '.join(made)} (run {run_id})")
    return EXIT_OK


def _manifest(folder: Path) -> dict[str, Any]:
    file = folder / p.MANIFEST
    try:
        if file.is_symlink():
            raise _UnreadableError(f"{file} is a symbolic link, not the run's manifest")
        manifest = json.loads(file.read_text("utf-8"))
    except (OSError, ValueError) as err:
        raise _UnreadableError(f"cannot read {file}: {err}") from err
    if not isinstance(manifest, dict) or not isinstance(manifest.get("run_id"), str):
        raise _UnreadableError(f"{file} is not a run's manifest")
    recorded = _recorded(manifest)
    if not recorded:
        raise _UnreadableError(f"{file} lists no output files")
    return manifest


def _recorded(manifest: dict[str, Any]) -> dict[str, str]:
    """The files a manifest lists, with their sha256 (outputs, evidence, config copies)."""
    out: dict[str, str] = {}
    for part in ("outputs", "config_files"):
        entries = manifest.get(part)
        if isinstance(entries, dict):
            out |= {str(k): str(v) for k, v in entries.items()}
    return out


def _store_beside(folder: Path, manifest: dict[str, Any]) -> str:
    """The default store of the OUT folder holding FOLDER (`OUT/[TENANT/]CADENCE/…`)."""
    cadence = folder.parent.parent if folder.parent.name == p.RUNS else folder.parent
    out = cadence.parent.parent if manifest.get("tenant") else cadence.parent
    return f"sqlite:///{(out / 'store.sqlite').absolute()}"


def _store_record(
    folder: Path, manifest: dict[str, Any], store_url: str | None, found: _Findings
) -> RunRecord | None:
    """The store's record of the folder's run, or None (and the checks not made, said)."""
    url = store_url or _store_beside(folder, manifest)
    try:
        record = run_record(url, str(manifest["run_id"]))
    except StoreMissingError as err:
        found.not_checked.append(f"the manifest against the results store ({err})")
        return None
    if record is None:
        what = f"the results store has no record of run {manifest['run_id']}"
        if folder.is_symlink():
            found.problems.append(f"{what}, which the period shows")
        else:
            found.not_checked.append(f"the manifest against the results store ({what})")
    return record


def _check_signature(folder: Path, found: _Findings) -> None:
    key = p.manifest_key()
    sig = folder / p.SIGNATURE
    if key is None:
        why = "it is signed" if sig.exists() else "it is not signed"
        found.not_checked.append(
            f"the manifest's signature ({why}; set {p.KEY_VARIABLE} to check it)"
        )
        return
    if not sig.is_file() or sig.is_symlink():
        found.problems.append(f"unsigned: {p.MANIFEST} has no {p.SIGNATURE}, and a key is set")
        return
    expected = p.signature((folder / p.MANIFEST).read_bytes(), key)
    if not hmac.compare_digest(sig.read_text("utf-8", errors="replace").strip(), expected):
        found.problems.append(f"altered: {p.MANIFEST} does not match its signature")


def _check_place(folder: Path, manifest: dict[str, Any], found: _Findings) -> bool:
    """Whether FOLDER is a period link, after checking it points at its own run of its own
    period, cadence and tenant."""
    run_id = str(manifest["run_id"])
    if not folder.is_symlink():
        if folder.parent.name == p.RUNS and folder.name != run_id:
            found.problems.append(f"the folder {folder.name} holds the manifest of run {run_id}")
        what = "a run folder" if folder.parent.name == p.RUNS else "a copy"
        found.not_checked.append(f"which run the period shows ({folder} is {what}, not a link)")
        return False
    target = folder.readlink().as_posix()
    runs = folder.parent / p.RUNS
    if PurePosixPath(target) != PurePosixPath(p.RUNS, run_id):
        found.problems.append(
            f"the period link points to {target}, not to {p.RUNS}/{run_id} beside it"
        )
    elif runs.is_symlink() or (runs / run_id).is_symlink():
        found.problems.append(f"the period link leads out of its {p.RUNS} folder")
    where = {"period": folder.name, "cadence": folder.parent.name}
    if manifest.get("tenant"):
        where["tenant"] = folder.parent.parent.name
    for key, value in where.items():
        if manifest.get(key) != value:
            found.problems.append(
                f"the period link {folder} shows a run of {key} {manifest.get(key)}"
            )
    if manifest.get("status") != p.PUBLISHED:
        found.problems.append(f"the period shows run {run_id}, whose manifest says "
                              f"{manifest.get('status')}")  # fmt: skip
    return True


def _within(root: Path, name: str) -> Path | None:
    """ROOT/NAME when NAME is a plain relative path inside ROOT with no symbolic link on the
    way; None otherwise."""
    parts = PurePosixPath(name).parts
    if not parts or PurePosixPath(name).is_absolute() or any(x in ("..", ".") for x in parts):
        return None
    path = root
    for part in parts:
        path = path / part
        if path.is_symlink():
            return None
    return path


def _check_files(
    root: Path,
    manifest: dict[str, Any],
    recorded: dict[str, str],
    record: RunRecord | None,
    retention_days: int,
    now: datetime | None,
    found: _Findings,
) -> None:
    removed = _removed_by_retention(root, manifest, record, retention_days, now, found)
    for name, expected in sorted(recorded.items()):
        path = _within(root, name)
        if path is None:
            found.problems.append(f"outside the folder or a link: {name}")
        elif name in removed and not path.exists():
            found.notes.append(f"removed by retention on {removed[name]}: {name}")
        elif not path.is_file():
            found.problems.append(f"missing: {name}")
        elif p.sha256(path.read_bytes()) != expected:
            found.problems.append(f"altered: {name}")
    own = {p.MANIFEST, p.SIGNATURE, p.RUN_LOG, f"quarantine/{p.REMOVED}"}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        for name in sorted([*filenames, *(d for d in dirnames if (here / d).is_symlink())]):
            relative = (here / name).relative_to(root).as_posix()
            if relative not in recorded and relative not in own:
                found.problems.append(f"not in the manifest: {relative}")


def _removed_by_retention(
    root: Path,
    manifest: dict[str, Any],
    record: RunRecord | None,
    retention_days: int,
    now: datetime | None,
    found: _Findings,
) -> dict[str, str]:
    """Files `quarantine/removed.json` lists that retention may indeed have removed: the
    quarantine files, from a run older than the retention period when they went."""
    note = root / "quarantine" / p.REMOVED
    if not note.exists():
        return {}
    try:
        data = json.loads(note.read_text("utf-8"))
        removed_at = datetime.fromisoformat(str(data["removed_at"]))
        files = [str(name) for name in data["files"]]
        started = record.started_at if record else datetime.fromisoformat(manifest["started_at"])
        config = manifest.get("config")
        configured = config.get("quarantine_retention_days") if isinstance(config, dict) else None
        days = min(int(configured if configured is not None else retention_days), retention_days)
    except (OSError, ValueError, TypeError, KeyError) as err:
        found.problems.append(f"quarantine/{p.REMOVED} is not a retention record ({err!r})")
        return {}
    started = started.replace(tzinfo=started.tzinfo or UTC)
    removed_at = removed_at.replace(tzinfo=removed_at.tzinfo or UTC)
    aged = started + timedelta(days=days) <= removed_at <= (now or datetime.now(UTC))
    accepted = {}
    for name in files:
        if name not in p.PURGEABLE:
            found.problems.append(f"quarantine/{p.REMOVED} lists {name}, which retention keeps")
        elif not aged:
            found.problems.append(
                f"quarantine/{p.REMOVED} lists {name} as removed {removed_at:%Y-%m-%d}, before "
                f"the run was {days} days old"
            )
        else:
            accepted[name] = removed_at.isoformat(timespec="seconds")
    return accepted


def _check_log(root: Path, manifest: dict[str, Any], found: _Findings) -> None:
    """run.log as far as it was written when the manifest was sealed (it may go on)."""
    sealed = manifest.get("run_log")
    if not isinstance(sealed, dict):
        found.not_checked.append(f"{p.RUN_LOG} (the manifest does not record it)")
        return
    path = _within(root, p.RUN_LOG)
    if path is None:
        found.problems.append(f"outside the folder or a link: {p.RUN_LOG}")
        return
    if not path.is_file():
        found.problems.append(f"missing: {p.RUN_LOG}")
        return
    size = sealed.get("size")
    size = size if isinstance(size, int) else -1
    with path.open("rb") as handle:
        head = handle.read(size) if size >= 0 else b""
    if len(head) != size or p.sha256(head) != sealed.get("sha256"):
        found.problems.append(f"altered: {p.RUN_LOG} (its first {size} bytes, as sealed)")


def _check_record(
    folder: Path,
    manifest: dict[str, Any],
    recorded: dict[str, str],
    record: RunRecord,
    shown: bool,
    found: _Findings,
) -> None:
    """The manifest against the store's record of its run, and the link against the store's
    latest published run of the period."""
    if shown:
        key = f"{record.tenant} {record.cadence} {record.period}"
        if record.status != p.PUBLISHED:
            found.problems.append(
                f"the period shows run {record.run_id}, which the results store records as "
                f"{record.status}" + _why(record.status)
            )
        elif record.latest_published != record.run_id:
            found.problems.append(
                f"the period shows run {record.run_id}, but the results store's latest "
                f"published run of {key} is {record.latest_published}"
            )
    elif record.status != p.PUBLISHED:
        found.notes.append(f"run {record.run_id} is recorded as {record.status}")
    mine = {
        "tenant": manifest.get("tenant") or "default",
        "cadence": manifest.get("cadence"),
        "period": manifest.get("period"),
        "reissue": manifest.get("reissue"),
        "config_sha256": manifest.get("config_sha256"),
    }
    for name, value in mine.items():
        if value != getattr(record, name):
            found.problems.append(
                f"the manifest's {name} ({value}) differs from the store's ({getattr(record, name)})"
            )
    listed = manifest.get("tables")
    tables = {
        str(name): (t.get("read"), t.get("used"), t.get("quarantined"), t.get("sha256"))
        for name, t in (listed.items() if isinstance(listed, dict) else [])
        if isinstance(t, dict)
    }
    for name in sorted(set(tables) | set(record.tables)):
        if tables.get(name) != record.tables.get(name):
            found.problems.append(f"the manifest's counts of table {name} differ from the store's")
    if not record.outputs:
        found.not_checked.append("the output hashes against the store (none recorded)")
    else:
        for name in sorted(set(recorded) | set(record.outputs)):
            if recorded.get(name) != record.outputs.get(name):
                found.problems.append(
                    f"the manifest's sha256 of {name} differs from the store's copy"
                )
    if record.run_folder != str(folder.resolve()):
        found.notes.append(f"the store records run {record.run_id} in {record.run_folder}")


def _why(status: str) -> str:
    if status == "publishing":
        return (
            ": the run stopped at its switch, or the link was moved; the next run of the "
            "period reconciles it"
        )
    return ": it never published"
