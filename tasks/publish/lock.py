"""The period lock: one run of a tenant's period at a time.

A second run waits for the first to publish, then becomes the next reissue.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from csreview.periods import Period
from tasks.publish.run_folder import cadence_dir


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
