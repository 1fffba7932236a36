"""The gate step: the rows as read go once the gate and GX's worker have had them."""

from __future__ import annotations

import gc
import weakref
from datetime import UTC, datetime

import pandas as pd

from flows.gate import let_go
from tasks.extract import Extract
from tests.conftest import OCTOBER


def test_the_rows_as_read_and_typed_are_freed_once_let_go() -> None:
    raw = pd.DataFrame({"contact_id": ["C1", "C2"]})
    typed = raw.assign(contact_id=raw["contact_id"].astype("string"))
    extract = Extract(
        OCTOBER, datetime(2026, 11, 2, tzinfo=UTC), {"contacts": raw}, {"contacts": typed}
    )
    held = weakref.ref(raw), weakref.ref(typed)
    del raw, typed

    let_go(extract)  # the Extract itself stays (Prefect holds it), its rows do not
    gc.collect()
    assert extract.raw == {} and extract.typed == {}
    assert [ref() for ref in held] == [None, None]
