"""A retried or re-run review does not recompute the steps it already finished on the same
inputs: each step's result is kept under a cache key made of what the step was computed from.

The key of a step is the digest of the step's name, the product's code and, for each
argument, either the key of the step that made it (a chain that starts at the fingerprints
of the rows read) or a digest of its value (settings, period, the store's history rows).
Prefect's default key would pickle every argument to hash it: million-row frames at every
step. The extract itself is never reused: a run always reads its source again, since the
source may have been corrected, and the fingerprints of what it read key everything after.

Cached results hold customer data (comments, ids), so they live beside the quarantine, in
the cadence folder's `_cache/` (0700); a run that completes removes its own, and entries
older than `step_cache_days` are removed by the next run of the cadence.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
import shutil
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache, partial
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

import pandas as pd
from prefect import Task
from prefect.cache_policies import CachePolicy
from prefect.serializers import Serializer
from prefect.utilities.annotations import BaseAnnotation, opaque

from csreview.periods import Period
from csreview.settings import Settings

R = TypeVar("R")
V = TypeVar("V")
CACHE = "_cache"
KEYS, RESULTS = "keys", "results"
PICKLE = ".pickle"  # a result's own file, beside its record
PACKAGES = ("csreview", "tasks", "flows", "expectations", "report_templates")
CODE_SUFFIXES = (".py", ".html", ".css", ".toml", ".json", ".yml", ".po", ".mo")


class FramePickle(Serializer):  # unparametrised: `Serializer[Any]` has no dispatch key
    """Pickle protocol 5, unwrapped: Prefect's default pickle serializer base64-encodes, a
    third more bytes and time for frames of a million rows. With `path`, the pickle is
    streamed to that file and Prefect's record holds nothing more: a record holds its result
    as JSON text, two more whole copies of a quarter's rows in memory (1.4 GiB at the gate)."""

    type: Literal["csreview-pickle"] = "csreview-pickle"
    path: str = ""  # the file beside the record that holds the result; none: in the record

    def dumps(self, obj: Any) -> bytes:
        if not self.path:
            return pickle.dumps(obj, protocol=5)
        with Path(self.path).open("wb") as file:  # in the cadence folder's 0700 `_cache/`
            pickle.dump(obj, file, protocol=5)
        return b""

    def loads(self, blob: bytes) -> Any:
        if not self.path:
            return pickle.loads(blob)  # written by this product, into a 0700 folder
        with Path(self.path).open("rb") as file:
            return pickle.load(file)


@dataclass
class _FixedKey(CachePolicy):
    """The key worked out by `StepCache` before the call."""

    key: str = ""

    def compute_key(self, *args: Any, **kwargs: Any) -> str | None:
        return self.key


class NotAnInput:
    """Base of a step's argument that says how the step runs (a process working beside the
    flow), not what its result is computed from: it is no part of the step's key."""


@cache
def code_digest() -> str:
    """A digest of the product's code and templates: a new release never reuses a result."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.suffix in CODE_SUFFIXES and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def digest(value: Any) -> str:
    """A digest of a value, equal for equal values (frames by content, not by pickle)."""
    h = hashlib.sha256()
    _feed(h, value)
    return h.hexdigest()


def _feed(h: Any, value: Any) -> None:
    h.update(type(value).__qualname__.encode())
    if value is None or isinstance(value, str | int | float | bool | Path | Period):
        h.update(repr(value).encode())
    elif isinstance(value, bytes):
        h.update(hashlib.sha256(value).digest())
    elif isinstance(value, pd.DataFrame):
        h.update(repr(list(value.columns)).encode() + repr(list(value.dtypes)).encode())
        try:
            h.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
        except TypeError:  # cells holding lists or dicts
            h.update(pickle.dumps(value, protocol=5))
    elif isinstance(value, pd.Series):
        _feed(h, value.to_frame())
    elif isinstance(value, Settings):
        h.update(value.model_dump_json().encode())
        for path in _files(value):
            h.update(path.read_bytes())
    elif isinstance(value, BaseAnnotation):
        _feed(h, value.unwrap())
    elif isinstance(value, dict):
        for key, item in value.items():
            _feed(h, key)
            _feed(h, item)
    elif isinstance(value, list | tuple):
        for item in value:
            _feed(h, item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _feed(h, f.name)
            _feed(h, getattr(value, f.name))
    else:
        h.update(pickle.dumps(value, protocol=5))


def _files(settings: Settings) -> Iterable[Path]:
    """The files a setting names (playbook, targets…): their content is part of the config."""
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, Path) and value.is_file():
            yield value


@dataclass
class StepCache:
    """The cache of one run's steps; `folder` None: caching is off."""

    folder: Path | None
    expires_after: timedelta = timedelta(days=7)
    reused: list[str] = field(default_factory=list)
    _keys: list[str] = field(default_factory=list)
    _made_by: dict[int, tuple[Callable[[], object], str]] = field(default_factory=dict)

    @classmethod
    def open(cls, cadence_dir: Path, settings: Settings) -> StepCache:
        """The cadence folder's cache, its expired entries removed (none when turned off)."""
        if not settings.step_cache:
            return cls(None)
        folder = cadence_dir / CACHE
        for part in (folder, folder / KEYS, folder / RESULTS):
            part.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
        expires = timedelta(days=settings.step_cache_days)
        _remove_older(folder, time.time() - expires.total_seconds())
        return cls(folder, expires)

    def made_from(self, value: object, key: str) -> None:
        """Record that VALUE is determined by KEY (its token in the keys of later steps).
        Held weakly where it can be: the cache must not keep the extract's million rows
        alive after the flow drops them."""
        try:
            held: Callable[[], object] = weakref.ref(value)
        except TypeError:  # tuples, ints…
            held = partial(_same, value)
        self._made_by[id(value)] = (held, key)

    def token(self, value: object) -> str:
        made = self._made_by.get(id(value))
        if made is not None and made[0]() is value:
            return made[1]
        if isinstance(value, NotAnInput):
            return type(value).__name__
        return digest(value)

    def key(self, step: str, args: tuple[Any, ...]) -> str:
        parts = [step, code_digest(), *(self.token(a) for a in args)]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()

    def run(self, step: Task[..., R], *args: Any) -> R:
        """Call the task STEP on ARGS, served from the cache when a finished attempt made it
        from the same inputs; its result is then known by the step's key."""
        if self.folder is None:
            return step(*map(whole, args))
        key = self.key(step.name, args)
        cached = step.with_options(
            cache_policy=_FixedKey(key=key).configure(key_storage=self.folder / KEYS),
            result_storage=cast(Any, self.folder / RESULTS),  # a local folder, no saved block
            result_serializer=FramePickle(path=str(self._pickle(key))),
            persist_result=True,
            cache_expiration=self.expires_after,
        )
        state: Any = cached(*map(whole, args), return_state=True)  # a State (the typing sees R)
        result: R = state.result()
        if state.name == "Cached":
            self.reused.append(step.name)
        self._keys.append(key)
        self.made_from(result, key)
        if isinstance(result, tuple):
            for i, item in enumerate(result):
                self.made_from(item, f"{key}/{i}")
        return result

    def _pickle(self, key: str) -> Path:
        """The file that holds the result of KEY, beside its record."""
        assert self.folder is not None
        return self.folder / RESULTS / f"{key}{PICKLE}"

    def clear(self) -> None:
        """Remove this run's entries: the run completed, no attempt will need them."""
        if self.folder is None:
            return
        for key in self._keys:
            for part in (KEYS, RESULTS):
                (self.folder / part / key).unlink(missing_ok=True)
            self._pickle(key).unlink(missing_ok=True)
        self._keys.clear()


def whole(value: V) -> V:
    """VALUE handed to a task as one input: Prefect links it to the task run that made it
    but does not walk every item it holds (0.6 s of a small review's 5, more at scale)."""
    return cast(V, opaque(value))


def _same(value: object) -> object:
    return value


def _remove_older(folder: Path, before: float) -> None:
    for part in (KEYS, RESULTS):
        for entry in (folder / part).iterdir():
            if entry.stat().st_mtime < before:
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
