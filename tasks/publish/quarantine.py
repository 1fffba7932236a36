"""Quarantine retention: the quarantined rows of old runs are deleted, on record.

Quarantine files may hold personal data; `quarantine/removed.json` lets `audit --verify`
tell retention from tampering.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from csreview import schema as s
from tasks.publish.files import PRIVATE_FILE, json_bytes, write_file
from tasks.publish.manifest import MANIFEST
from tasks.publish.run_folder import RUNS

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
