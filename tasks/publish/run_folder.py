"""The run folder plan: where a run writes (`_runs/RUN_ID/`, confined to the output folder),
which runs a period has published or left interrupted, and whether a reissue says why.

Every path is checked to resolve inside the output folder before anything is written.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from csreview.periods import CADENCES, Period
from csreview.settings import ConfigError
from csreview.tenants import check_tenant_name
from tasks.publish.manifest import MANIFEST, write_manifest

RUNS: Final = "_runs"
PUBLISHED: Final = "published"
INTERRUPTED: Final = "interrupted"
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
