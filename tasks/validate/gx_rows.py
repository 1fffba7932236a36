"""The rows GX checks, as its record reads them: each table's rows the rules saw, held in
memory or written to a file, and read back a batch at a time.

GX's worker waits beside the whole review until it may check: holding its inputs, it held
0.4 GiB of a 3.7 M-contact quarter at the process tree's peak. Written once to a file
(pickled, so every dtype and index comes back as it was, and so the same record), the worker
holds only the batch it checks.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

import numpy as np
import pandas as pd

from tasks.validate.gx_batches import BATCH_ROWS, batches


class Rows(Protocol):
    """A table's rows the rules saw, read a batch of consecutive rows at a time."""

    def __len__(self) -> int: ...

    def batches(self, size: int) -> Iterator[pd.DataFrame]:
        """Consecutive batches of at most SIZE rows (one empty batch for no rows)."""
        ...

    def empty(self) -> pd.DataFrame:
        """No rows, with the table's columns and dtypes."""
        ...


@dataclass(frozen=True)
class HeldRows:
    """The rows of TYPED at positions SEEN, held in memory."""

    typed: pd.DataFrame
    seen: np.ndarray

    def __len__(self) -> int:
        return len(self.seen)

    def batches(self, size: int) -> Iterator[pd.DataFrame]:
        for rows in batches(len(self.seen), size):
            yield self.typed.iloc[self.seen[rows]]

    def empty(self) -> pd.DataFrame:
        return self.typed.iloc[:0]


@dataclass(frozen=True)
class FiledRows:
    """A table's rows written by `write_rows` to the open file FD from OFFSET: its empty
    frame, then COUNT rows in batches of SIZE."""

    fd: int
    offset: int
    count: int
    size: int

    def __len__(self) -> int:
        return self.count

    def batches(self, size: int) -> Iterator[pd.DataFrame]:
        if size != self.size:
            raise ValueError(f"rows were written in batches of {self.size}, not {size}")
        with self._read() as file:
            pickle.load(file)  # the empty frame
            for _ in batches(self.count, size):
                batch: pd.DataFrame = pickle.load(file)
                yield batch

    def empty(self) -> pd.DataFrame:
        with self._read() as file:
            frame: pd.DataFrame = pickle.load(file)
            return frame

    def _read(self) -> BinaryIO:
        """The file from OFFSET, on a copy of the descriptor (closing it leaves FD open)."""
        file = os.fdopen(os.dup(self.fd), "rb")
        file.seek(self.offset)
        return file


def write_rows(
    typed: pd.DataFrame, seen: np.ndarray, file: BinaryIO, size: int = BATCH_ROWS
) -> FiledRows:
    """Write the rows of TYPED at positions SEEN to FILE (at its end) a batch at a time, so
    that no copy of them all is made: read back with the returned `FiledRows`."""
    file.seek(0, os.SEEK_END)
    offset = file.tell()
    pickle.dump(typed.iloc[:0], file, protocol=pickle.HIGHEST_PROTOCOL)
    for rows in batches(len(seen), size):
        pickle.dump(typed.iloc[seen[rows]], file, protocol=pickle.HIGHEST_PROTOCOL)
    file.flush()
    return FiledRows(file.fileno(), offset, len(seen), size)
