"""GX's record of the validation: the rules checked again by Great Expectations, on the
machine's other core.

GX takes seconds to import and to build its suites, and seconds more to check a million
rows: a forked worker (`flows/background.py`) imports GX and builds the suites while the
source is read, is handed the rows the gate saw, and checks them while the review drafts
its analysis. A command forks it early (before Prefect's temporary server starts, while the
process is small) and lets it import GX once the flow has begun: the server's start and the
period's read have the two cores before.
"""

from __future__ import annotations

import tempfile
from types import TracebackType
from typing import ClassVar

from prefect import task
from prefect.cache_policies import NO_CACHE

from csreview.settings import Settings
from flows import faults
from flows.background import Worker
from flows.caching import NotAnInput
from tasks.extract import Extract
from tasks.validate import (
    GxRun,
    Validation,
    filed_inputs,
    gx_inputs,
    prepare_gx,
    run_suites,
    suite_orders,
)


class GxRecord(NotAnInput):
    """One review's GX record: `begin` forks the worker, `check` hands it the gate's rows
    (held until `start`), `result` waits for the record. Leaving it stops the worker."""

    _early: ClassVar[GxRecord | None] = None

    def __init__(self, when_told: bool = False) -> None:
        # opened before the fork, so the worker has it too; unlinked, it goes with the last
        # process holding it open, however the run ends
        self._rows = tempfile.TemporaryFile(prefix="csreview-gx-")  # noqa: SIM115 closed by close
        self._worker: Worker[GxRun] = Worker(prepare_gx, when_told)
        self._handed = False

    @classmethod
    def begin_early(cls) -> None:
        """Fork the worker now, for the next review of this process: a command starts it
        before Prefect's temporary server, which takes seconds to start, while the process
        is small. It imports GX only once told (`get_ready`): beside the server's start and
        the period's read, on two cores, GX's import would slow both. An early worker no
        review takes ends with the process (it is daemonic)."""
        if cls._early is None:
            cls._early = cls(when_told=True)

    @classmethod
    def begin(cls) -> GxRecord:
        """The record begun early in this process (taken once), or a new one."""
        early, cls._early = cls._early, None
        return early if early is not None else cls()

    def get_ready(self) -> None:
        """Let the worker import GX and build the suites now (the flow has begun)."""
        self._worker.get_ready()

    def check(self, extract: Extract, settings: Settings, checked: Validation) -> None:
        """Hand over what the gate (CHECKED) saw, at its clock (one kept from an earlier
        attempt has its own), so that the extract can go; the check waits for `start`. Once:
        the gate hands over as it checks, before it takes the used rows from the typed ones;
        a gate kept from an earlier attempt, after. The rows as read go first (GX's inputs
        need them no more); the rows GX checks are written to the worker's file, not held by
        the worker beside the whole review (0.4 GiB of a 3.7 M-contact quarter at the process
        tree's peak)."""
        if self._handed:  # by the gate, as it was checking
            return
        self._handed = True
        inputs = gx_inputs(extract, settings, checked.read_at, checked)
        extract.raw.clear()
        if self._worker.forked:  # the worker reads them back a batch at a time, as it checks
            inputs = filed_inputs(inputs, self._rows)
        self._rows.close()  # the worker's copy of the file is its own
        self._worker.submit(run_suites, inputs, start=False, meanwhile=suite_orders)

    def start(self) -> None:
        """Let the check run beside the review's next steps."""
        self._worker.start()

    def result(self) -> GxRun:
        return self._worker.result()

    def __enter__(self) -> GxRecord:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._worker.close()
        self._rows.close()


@task(name="gx-record", cache_policy=NO_CACHE, persist_result=False)
@faults.quiet
def gx_record_task(validation: Validation, gx: GxRecord) -> GxRun:
    """GX's record of the rules, made by GX's worker on the rows the gate (VALIDATION, which
    keys the record in the step cache) saw, at its clock."""
    return gx.result()
