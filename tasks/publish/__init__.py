"""Publish: write a run's files under `_runs/RUN_ID/`, then switch the period folder to it
in one atomic step, so a reader sees the previous review or the new one, never a mix.
"""

from __future__ import annotations

from tasks.publish.evidence import (
    config_fingerprint,
    validation_record,
    write_config,
    write_evidence,
)
from tasks.publish.files import sha256
from tasks.publish.fingerprints import input_fingerprints
from tasks.publish.lock import period_lock
from tasks.publish.manifest import (
    KEY_VARIABLE,
    MANIFEST,
    RUN_LOG,
    SIGNATURE,
    manifest_key,
    read_manifest,
    seal_manifest,
    signature,
    versions,
    write_manifest,
)
from tasks.publish.quarantine import PURGEABLE, REMOVED, purge_quarantine
from tasks.publish.run_folder import (
    PUBLISHED,
    RUNS,
    OutsideOutError,
    ReissueError,
    RunPlan,
    cadence_dir,
    check_reason,
    interrupted_runs,
    new_run_id,
    plan_run,
    published_runs,
    set_aside,
)
from tasks.publish.switch import switch_period, write_outputs
from tasks.publish.tables import ATTACHED_TO_PDF, review_tables

__all__ = [
    "ATTACHED_TO_PDF",
    "KEY_VARIABLE",
    "MANIFEST",
    "PUBLISHED",
    "PURGEABLE",
    "REMOVED",
    "RUNS",
    "RUN_LOG",
    "SIGNATURE",
    "OutsideOutError",
    "ReissueError",
    "RunPlan",
    "cadence_dir",
    "check_reason",
    "config_fingerprint",
    "input_fingerprints",
    "interrupted_runs",
    "manifest_key",
    "new_run_id",
    "period_lock",
    "plan_run",
    "published_runs",
    "purge_quarantine",
    "read_manifest",
    "review_tables",
    "seal_manifest",
    "set_aside",
    "sha256",
    "signature",
    "switch_period",
    "validation_record",
    "versions",
    "write_config",
    "write_evidence",
    "write_manifest",
    "write_outputs",
]
