"""Publishing a run: its outputs and manifest written into its folder, then the period
folder switched to it in one `rename(2)`.

A reader sees the previous review or the new one, never a mix.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tasks.publish.files import sha256, write_file
from tasks.publish.manifest import log_record, write_manifest
from tasks.publish.run_folder import PUBLISHED, RUNS, RunPlan


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


def switch_period(plan: RunPlan) -> Path:
    """Point the period folder at this run in one `rename(2)`: readers never see a mix."""
    link = plan.period_link
    tmp = link.with_name(f".{link.name}.{plan.run_id}.tmp")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(Path(RUNS) / plan.run_id, target_is_directory=True)
    tmp.replace(link)  # rename(2): atomic
    return link
