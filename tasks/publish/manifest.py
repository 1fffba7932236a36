"""The run's manifest: written, read, updated and sealed, signed when a key is set.

The manifest lists every output with its sha256; its signature (HMAC over its exact bytes,
the key from the environment only) lets `audit --verify` tell tampering from a run.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, Final

from tasks.publish.files import json_bytes, sha256, write_file

MANIFEST: Final = "manifest.json"
SIGNATURE: Final = "manifest.sig"
RUN_LOG: Final = "run.log"
KEY_VARIABLE: Final = "CSREVIEW_MANIFEST_KEY"  # no setting has this name: never recorded
KEY_LIBRARIES: Final = (
    "csreview", "prefect", "pandas", "numpy", "sqlalchemy", "great-expectations",
    "weasyprint", "jinja2", "babel",
)  # fmt: skip


def versions() -> dict[str, str]:
    out = {}
    for name in KEY_LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


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
