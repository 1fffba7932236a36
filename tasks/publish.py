"""Publish: write a run's files under `_runs/RUN_ID/`, then switch the period folder to it
in one atomic step, so a reader sees the previous review or the new one, never a mix.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import hmac
import io
import json
import math
import os
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csreview import facts as f
from csreview import schema as s
from csreview.periods import CADENCES, Period
from csreview.settings import ConfigError
from csreview.tenants import check_tenant_name
from expectations import suite_json
from tasks import kpis as k
from tasks.root_cause import (
    ACTION_COLUMNS,
    FOLLOWUP_COLUMNS,
    PROBLEM_COLUMNS,
    ROOT_CAUSE_COLUMNS,
    RootCause,
)
from tasks.scorecard import SCORECARD_COLUMNS
from tasks.validate import Validation

RUNS: Final = "_runs"
MANIFEST: Final = "manifest.json"
SIGNATURE: Final = "manifest.sig"
RUN_LOG: Final = "run.log"
KEY_VARIABLE: Final = "CSREVIEW_MANIFEST_KEY"  # no setting has this name: never recorded
PUBLISHED: Final = "published"
INTERRUPTED: Final = "interrupted"
KEY_LIBRARIES: Final = (
    "csreview", "prefect", "pandas", "numpy", "sqlalchemy", "great-expectations",
    "weasyprint", "jinja2", "babel",
)  # fmt: skip
PRIVATE_FILE: Final = 0o600
PRIVATE_DIR: Final = 0o700
RUN_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")


@dataclass(frozen=True)
class RunPlan:
    """Where one run writes: its id, its reissue number and its folders."""

    run_id: str
    reissue: int
    cadence_dir: Path
    period: Period

    @property
    def run_dir(self) -> Path:
        return self.cadence_dir / RUNS / self.run_id

    @property
    def period_link(self) -> Path:
        return self.cadence_dir / self.period.label


class OutsideOutError(ConfigError):
    """A path the product would write lies outside the output folder."""


def inside(out: Path, path: Path) -> Path:
    """`path`, once checked to resolve (symlinks followed) to a place inside `out`."""
    if not path.resolve().is_relative_to(out.resolve()):
        raise OutsideOutError(f"{path} lies outside the output folder {out}: nothing is written")
    return path


def cadence_dir(out: Path, tenant: str | None, cadence: str) -> Path:
    """`OUT/[TENANT/]CADENCE`: a tenant name is one safe folder name, and the folder must
    resolve inside `out` (a symlink planted in its place is refused)."""
    if cadence not in CADENCES:
        raise ValueError(f"unknown cadence {cadence!r}")
    folder = (out / check_tenant_name(tenant) / cadence) if tenant is not None else (out / cadence)
    return inside(out, folder)


def new_run_id(period: Period, now: datetime) -> str:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{period.label}_{stamp}_{uuid.uuid4().hex[:6]}"


def _claimed(folder: Path, period: Period) -> list[tuple[Path, dict[str, Any]]]:
    """The run folders and manifests of the runs that say they published this period,
    oldest reissue first."""
    runs = []
    for manifest in sorted((folder / RUNS).glob(f"*/{MANIFEST}")):
        data = json.loads(manifest.read_text("utf-8"))
        if data.get("period") == period.label and data.get("status") == PUBLISHED:
            runs.append((manifest.parent, data))
    return sorted(runs, key=lambda r: int(r[1]["reissue"]))


def shown_run(folder: Path, period: Period) -> str | None:
    """The run the period folder shows; None before the period's first publication."""
    link = folder / period.label
    return link.readlink().name if link.is_symlink() else None


def published_runs(folder: Path, period: Period) -> list[dict[str, Any]]:
    """Manifests of the runs that published this period, oldest first. A manifest says
    `published` before the period folder is switched to its run, so a run after the one the
    folder shows was stopped in between: it never published."""
    runs = [data for _, data in _claimed(folder, period)]
    shown = shown_run(folder, period)
    last = next((i for i, r in enumerate(runs) if r["run_id"] == shown), None)
    return [] if last is None else runs[: last + 1]


def interrupted_runs(folder: Path, period: Period) -> list[str]:
    """Runs that wrote their review and manifest but were stopped (killed, or the results
    store failed) before the period folder was switched to them."""
    published = {r["run_id"] for r in published_runs(folder, period)}
    return [
        data["run_id"] for _, data in _claimed(folder, period) if data["run_id"] not in published
    ]


def set_aside(folder: Path, period: Period, run_ids: Sequence[str]) -> None:
    """Mark interrupted runs' manifests `interrupted` (under the period lock), so that no
    later count takes them for published and their reissue number goes to the next run."""
    for run_dir, data in _claimed(folder, period):
        if data["run_id"] in run_ids:
            write_manifest(run_dir, {**data, "status": INTERRUPTED})


class ReissueError(Exception):
    """A published period run again without saying why."""


def check_reason(period: Period, earlier: Sequence[Mapping[str, Any]], reason: str | None) -> None:
    """A reissue needs a reason: the report and the audit trail say why it was made."""
    if earlier and not reason:
        raise ReissueError(
            f"{period} is already published (reissue {earlier[-1]['reissue']}); "
            "pass --reason to reissue it"
        )


def plan_run(out: Path, tenant: str | None, period: Period, run_id: str) -> RunPlan:
    """The next run of a period: a reissue when the period has been published before."""
    if not RUN_ID.match(run_id):
        raise ValueError(f"run id {run_id!r} is not a folder name the product makes")
    folder = cadence_dir(out, tenant, period.cadence)
    inside(out, folder / RUNS / run_id)
    earlier = published_runs(folder, period)
    reissue = earlier[-1]["reissue"] + 1 if earlier else 0
    return RunPlan(run_id, reissue, folder, period)


@contextmanager
def period_lock(out: Path, tenant: str | None, period: Period) -> Iterator[None]:
    """One run of a tenant's period at a time: a second run waits for the first to publish,
    then becomes the next reissue — runs never interleave their files or reissue numbers."""
    folder = cadence_dir(out, tenant, period.cadence)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f".{period.label}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---------------------------------------------------------------- CSV writing
def csv_value(value: object) -> str:
    """Full precision: floats as Python repr, integers as integers, missing as empty."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if hasattr(value, "item"):
        return csv_value(value.item())
    return str(value)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Rows as CSV, one `\\n` per row; a text holding a carriage return is quoted too (Python
    3.11's writer quotes only the line terminator's characters), so a reader sees one row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    with_cr = io.StringIO()
    quotes_cr = csv.writer(with_cr, lineterminator="\r\n")  # the same, quoting \r as well
    writer.writerow(header)
    for row in rows:
        cells = [csv_value(v) for v in row]
        if "\r" in "".join(cells):
            quotes_cr.writerow(cells)
            buffer.write(with_cr.getvalue()[:-2] + "\n")
            with_cr.seek(0)
            with_cr.truncate()
        else:
            writer.writerow(cells)
    return buffer.getvalue().encode("utf-8")


def kpis_csv(kpis: pd.DataFrame) -> bytes:
    """`kpis.csv` as the contract defines it: long format, sorted, full precision."""
    counts = k.count_kpis()
    integer_numerators = k.integer_numerators()

    def row(r: tuple[Any, ...]) -> list[object]:
        kpi, dimension, segment, value, numerator, denominator, target, status = r
        return [
            kpi,
            dimension,
            segment,
            int(value) if kpi in counts and not pd.isna(value) else float(value),
            int(numerator)
            if kpi in integer_numerators and not pd.isna(numerator)
            else float(numerator),
            None if pd.isna(denominator) else int(denominator),
            float(target),
            status,
        ]

    ordered = kpis.sort_values([f.KPI, f.DIMENSION, f.SEGMENT], kind="stable")
    return csv_bytes(f.KPI_COLUMNS, (row(r) for r in ordered.itertuples(index=False)))


def frame_csv(frame: pd.DataFrame, columns: Sequence[str]) -> bytes:
    return csv_bytes(columns, frame.loc[:, list(columns)].itertuples(index=False))


def raw_rows_csv(frame: pd.DataFrame) -> bytes:
    """The canonical form of rows as read (see docs/outputs.md): CSV, UTF-8, columns and rows
    in the order read, missing values empty, other values as their text."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n", na_rep="")
    return buffer.getvalue().encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- files
def write_file(path: Path, data: bytes, mode: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    if mode is not None:
        tmp.chmod(mode)
    tmp.replace(path)


def write_evidence(run_dir: Path, validation: Validation, report_html: str) -> dict[str, str]:
    """Quarantine files, the rule results and GX's own results (owner-only: their rows and
    failing values, as found, may hold personal data), the suites as run and the auditor's
    report (values masked)."""
    written: dict[str, str] = {}
    quarantine_dir = run_dir / "quarantine"
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    quarantine_dir.chmod(PRIVATE_DIR)
    for table in s.TABLES:
        frame = validation.quarantine.get(table.name)
        if frame is None:
            continue
        data = raw_rows_csv(frame)
        write_file(quarantine_dir / f"{table.name}.csv", data, PRIVATE_FILE)
        written[f"quarantine/{table.name}.csv"] = sha256(data)
    documents = {
        "validation/results.json": json_bytes(validation_record(validation)),
        "validation/great_expectations.json": json_bytes(validation.gx_results),
        "validation/suites.json": json_bytes([suite_json(t.name) for t in s.TABLES]),
        "validation/report.html": report_html.encode("utf-8"),
    }
    private = {"validation/results.json", "validation/great_expectations.json"}
    for name, data in documents.items():
        write_file(run_dir / name, data, PRIVATE_FILE if name in private else None)
        written[name] = sha256(data)
    return written


def write_config(run_dir: Path, settings: Mapping[str, Any], playbook: str) -> dict[str, str]:
    """A copy of the configuration the run used (credentials removed), so that an auditor
    can reproduce the review; returns each file's sha256."""
    files = {
        "config/settings.json": json_bytes(settings),
        "config/playbook.toml": playbook.encode(),
    }
    for name, data in files.items():
        write_file(run_dir / name, data)
    return {name: sha256(data) for name, data in files.items()}


def config_fingerprint(files: Mapping[str, str]) -> str:
    """One sha256 over the configuration files' hashes: equal for runs with equal config."""
    return sha256(json_bytes(dict(sorted(files.items()))))


REMOVED: Final = "removed.json"
PURGEABLE: Final = tuple(f"quarantine/{table.name}.csv" for table in s.TABLES)


def purge_quarantine(cadence_folder: Path, now: datetime, days: int) -> list[str]:
    """Delete the quarantine files of runs older than `days` (they may hold personal data);
    `quarantine/removed.json` says what went and when, so `audit --verify` can tell
    retention from tampering. Returns the runs purged."""
    purged = []
    for manifest_file in sorted(cadence_folder.glob(f"{RUNS}/*/{MANIFEST}")):
        run_dir = manifest_file.parent
        files = [run_dir / name for name in PURGEABLE if (run_dir / name).is_file()]
        if not files:
            continue
        started = datetime.fromisoformat(json.loads(manifest_file.read_text())["started_at"])
        if now - started < timedelta(days=days):
            continue
        for file in files:
            file.unlink()
        record = {
            "removed_at": now.isoformat(timespec="seconds"),
            "retention_days": days,
            "files": [f"quarantine/{f.name}" for f in files],
        }
        write_file(run_dir / "quarantine" / REMOVED, json_bytes(record), PRIVATE_FILE)
        purged.append(run_dir.name)
    return purged


def validation_record(validation: Validation) -> dict[str, Any]:
    """Each rule's outcome, as the auditor's report and the results store read it."""
    return {
        "blocking": list(validation.blocking),
        "counts": validation.counts,
        "rules": [
            {
                "table": r.table,
                "rule": r.rule,
                "severity": r.severity,
                "description": r.description,
                "engine": r.engine,
                "expectation": r.expectation,
                "checked": r.checked,
                "failed": r.failed,
                "passed": r.passed,
                "examples": list(r.examples),
                "gx_success": r.gx_success,
                "gx_unexpected": r.gx_unexpected,
                "gx_values": list(r.gx_values),
            }
            for r in validation.rules
        ],
    }


def json_bytes(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8")


ATTACHED_TO_PDF: Final = ("kpis.csv", "problems.csv")


def review_tables(
    kpis: pd.DataFrame, root_cause: RootCause, agent_scores: pd.DataFrame
) -> dict[str, bytes]:
    """The contract's CSV outputs (and the agent scorecard), built once: published and
    attached to the PDF."""
    return {
        "scorecard.csv": frame_csv(agent_scores, SCORECARD_COLUMNS),
        "kpis.csv": kpis_csv(kpis),
        "problems.csv": frame_csv(root_cause.problems, PROBLEM_COLUMNS),
        "root_causes.csv": frame_csv(root_cause.causes, ROOT_CAUSE_COLUMNS),
        "actions.csv": frame_csv(root_cause.actions, ACTION_COLUMNS),
        "followups.csv": frame_csv(root_cause.followups, FOLLOWUP_COLUMNS),
    }


def write_outputs(plan: RunPlan, files: Mapping[str, bytes], manifest: Mapping[str, Any]) -> None:
    """Write the outputs, then the manifest, into the run folder: a manifest saying
    `published` means the folder is complete; `switch_period` then publishes it."""
    for name, data in files.items():
        write_file(plan.run_dir / name, data)
    outputs = {name: sha256(data) for name, data in files.items()}
    write_manifest(
        plan.run_dir,
        {
            **manifest,
            "status": PUBLISHED,
            "outputs": outputs | manifest.get("evidence", {}),
            "run_log": log_record(plan.run_dir),
        },
    )


def versions() -> dict[str, str]:
    out = {}
    for name in KEY_LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def input_fingerprints(raw: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    return {name: raw_rows_sha256(frame) for name, frame in raw.items()}


_ROWS_PER_PIECE: Final = 250_000
_QUOTED: Final = '[,"\n]'  # what csv's minimal quoting quotes (delimiter, quote, line end)


def raw_rows_sha256(frame: pd.DataFrame) -> str:
    """`sha256(raw_rows_csv(frame))`, with the CSV text built column by column in Arrow and
    hashed piece by piece: seconds less for a million rows, and never the whole text in
    memory. Columns whose text Arrow cannot write exactly as pandas does (and one-column
    frames, where csv quotes an empty row) take the pandas route."""
    pieces = [frame.iloc[i : i + _ROWS_PER_PIECE] for i in range(0, len(frame), _ROWS_PER_PIECE)]
    texts = [_csv_columns(piece) for piece in pieces]
    if len(frame.columns) < 2 or any(text is None for text in texts):
        return sha256(raw_rows_csv(frame))
    digest = hashlib.sha256(csv_bytes(list(frame.columns), []))
    for columns in texts:
        assert columns is not None
        lines = pc.binary_join_element_wise(
            pc.binary_join_element_wise(*columns, _text(",")), _text(""), _text("\n")
        )
        digest.update(_text_bytes(lines))
    return digest.hexdigest()


def _csv_columns(frame: pd.DataFrame) -> list[pa.Array] | None:
    """Each column as the text pandas' `to_csv` writes for it, or None if one is of a kind
    this does not know."""
    out = []
    for _, values in frame.items():
        text = _csv_text(values)
        if text is None:
            return None
        out.append(text)
    return out


def _csv_text(values: pd.Series) -> pa.Array | None:
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        text = pa.array(values.array)
        text = (text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text).cast(
            pa.large_string()
        )
        if not _may_need_quotes(text):
            return text.fill_null("")
        quote = _text('"')
        quoted = pc.binary_join_element_wise(
            quote, pc.replace_substring(text, '"', '""'), quote, _text("")
        )
        return pc.if_else(pc.match_substring_regex(text, _QUOTED), quoted, text).fill_null("")
    if not isinstance(dtype, np.dtype):
        return None
    array = values.to_numpy()
    if dtype.kind == "b":
        return pa.array(np.where(array, "True", "False"), type=pa.large_string())
    if dtype.kind in "iu":
        return pa.array(array).cast(pa.large_string())
    if dtype == np.float64:
        return _float_text(array)
    if dtype.kind == "f":  # numpy's shortest repr of its own width, as pandas writes it
        text = np.where(np.isnan(array), "", array.astype(str))
        return pa.array(text, type=pa.large_string())
    if dtype.kind == "O" and values.isna().all():
        return pa.array([""] * len(array), type=pa.large_string())
    return None


def _may_need_quotes(text: pa.Array) -> bool:
    """Whether any value holds a character csv quotes: one search of the column's bytes
    (in C), so columns of ids, codes and dates skip the regex value by value."""
    chars = bytes(_text_bytes(text))
    return any(char in chars for char in (b",", b'"', b"\n"))


def _float_text(array: np.ndarray) -> pa.Array:
    """Float64s as pandas writes them, numpy's shortest repr (NaN empty): whole numbers below
    10^15 read "384.0" and are written through an integer cast, the others (and −0.0) one
    by one."""
    missing = np.isnan(array)
    whole = (
        ~missing
        & (np.abs(array) < 1e15)
        & (array == np.trunc(array))
        & ~((array == 0) & np.signbit(array))
    )
    integers = pa.array(np.where(whole, array, 0).astype(np.int64)).cast(pa.large_string())
    text = pc.binary_join_element_wise(integers, _text(".0"), _text(""))
    other = ~whole & ~missing
    for where, values in ((other, array[other].astype(str)), (missing, [""] * missing.sum())):
        if where.any():
            text = pc.replace_with_mask(
                text, pa.array(where), pa.array(values, type=pa.large_string())
            )
    return text


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, type=pa.large_string())


def _text_bytes(text: pa.Array) -> memoryview:
    """The characters of a string array, its values back to back."""
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset :]
    data = text.buffers()[2]
    return (
        memoryview(data)[offsets[0] : offsets[len(text)]] if data is not None else memoryview(b"")
    )


# ---------------------------------------------------------------- manifest and signature
def manifest_key() -> bytes | None:
    """The signing key from the environment (never from settings, so never recorded)."""
    key = os.environ.get(KEY_VARIABLE, "")
    return key.encode("utf-8") if key else None


def signature(data: bytes, key: bytes) -> str:
    """HMAC-SHA256 of the manifest's exact bytes, hex."""
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def log_record(run_dir: Path) -> dict[str, Any] | None:
    """The run log as far as it is written now: its size and the sha256 of those bytes, so
    that what it said by the time the manifest was sealed cannot be changed unseen."""
    try:
        data = (run_dir / RUN_LOG).read_bytes()
    except FileNotFoundError:
        return None
    return {"size": len(data), "sha256": sha256(data)}


def write_manifest(run_dir: Path, manifest: Mapping[str, Any]) -> None:
    """Write the manifest and, when a signing key is set, its detached signature (a stale
    one is removed, so a manifest is never shown with a signature of other bytes)."""
    data = json_bytes(manifest)
    key = manifest_key()
    (run_dir / SIGNATURE).unlink(missing_ok=True)
    write_file(run_dir / MANIFEST, data)
    if key is not None:
        write_file(run_dir / SIGNATURE, (signature(data, key) + "\n").encode())


def read_manifest(run_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((run_dir / MANIFEST).read_text("utf-8"))
    return data


def update_manifest(run_dir: Path, changes: Mapping[str, Any]) -> None:
    """Replace some entries of a run's manifest (atomically, like every write): what is
    known only after publishing, such as how long publishing took."""
    write_manifest(run_dir, {**read_manifest(run_dir), **changes})


def seal_manifest(run_dir: Path, changes: Mapping[str, Any]) -> None:
    """The run's last word in its manifest: CHANGES (publishing's timings) and the run log
    as written so far, signed when a key is set."""
    update_manifest(run_dir, {**changes, "run_log": log_record(run_dir)})


def switch_period(plan: RunPlan) -> Path:
    """Point the period folder at this run in one `rename(2)`: readers never see a mix."""
    link = plan.period_link
    tmp = link.with_name(f".{link.name}.{plan.run_id}.tmp")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(Path(RUNS) / plan.run_id, target_is_directory=True)
    tmp.replace(link)  # rename(2): atomic
    return link
