"""Writing a run's files: each one atomically (a temporary file renamed over it), with its
mode, and their sha256 and JSON forms.

Every file the product publishes goes through here, so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Final

PRIVATE_FILE: Final = 0o600
PRIVATE_DIR: Final = 0o700


def write_file(path: Path, data: bytes, mode: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    if mode is not None:
        tmp.chmod(mode)
    tmp.replace(path)


def json_bytes(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
