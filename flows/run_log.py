"""The run's log file: where Prefect's and the libraries' logs of one review run go, traces
included, owner-only; the terminal shows one line and says where the trace is.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path


class RunLog(logging.FileHandler):
    """The run's log file, owner-only (its traces may quote the data); a record it cannot
    write (a full disk) is counted, not printed on the terminal as logging does."""

    def __init__(self, path: Path) -> None:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.fchmod(descriptor, 0o600)  # whatever the umask, or an older file, allowed
        finally:
            os.close(descriptor)
        super().__init__(path, encoding="utf-8")
        self.lost = 0

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        self.lost += 1

    def close(self) -> None:
        try:
            super().close()
        except OSError:  # what was still buffered could not be written
            self.lost += 1


def log_to_file(log_file: Path) -> RunLog:
    """Send Prefect's and the libraries' logs (with traces) to the run's log file."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = RunLog(log_file)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    return handler


def trace_words(handler: RunLog) -> str:
    """Where the full trace of a failed run is, or that it could not be written."""
    if handler.lost:
        return f"its log {handler.baseFilename} could not be written in full"
    return f"full trace in {handler.baseFilename}"
