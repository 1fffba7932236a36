"""The gate step: the rows as read go once the gate and GX's worker have had them; the rows
read early are taken once, and only when they are the step's."""

from __future__ import annotations

import gc
import weakref
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from csreview.periods import Period
from csreview.settings import load_settings
from flows import gate
from flows.faults import RunFailedError
from flows.gate import let_go
from tasks.extract import Extract
from tests.conftest import OCTOBER, ZONE


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


# ---------------------------------------------------------------- the extract begun early
@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Period]]:
    """Each read of a source, as `extract_period` is called (a source named `broken` fails)."""
    done: list[tuple[str, Period]] = []

    def extract_period(source: str, period: Period, zone: ZoneInfo, now: datetime) -> Extract:
        done.append((source, period))
        if source == "broken":
            raise OSError("unreadable")
        return Extract(period, now, {}, {})

    monkeypatch.setattr(gate, "extract_period", extract_period)
    return done


def test_the_extract_step_takes_the_rows_read_early(reads: list[tuple[str, Period]]) -> None:
    gate.begin_extract("centre", OCTOBER, ZONE)
    first = gate.extract_task.fn("centre", OCTOBER, load_settings())
    again = gate.extract_task.fn("centre", OCTOBER, load_settings())  # a retry reads anew
    assert first.period == again.period == OCTOBER
    assert reads == [("centre", OCTOBER), ("centre", OCTOBER)]


@pytest.mark.parametrize(
    ("early", "zone"),
    [
        (("other", OCTOBER), ZONE),  # another source
        (("centre", OCTOBER.previous()), ZONE),  # another period
        (("centre", OCTOBER), ZoneInfo("Europe/Paris")),  # another centre's clock
        (("broken", OCTOBER), ZONE),  # the early read failed
    ],
)
def test_an_early_read_of_other_rows_or_a_failed_one_is_not_taken(
    reads: list[tuple[str, Period]], early: tuple[str, Period], zone: ZoneInfo
) -> None:
    gate.begin_extract(*early, zone)
    source = "broken" if early[0] == "broken" else "centre"
    if source == "broken":
        with pytest.raises(RunFailedError, match="OSError at the extract step"):  # read again
            gate.extract_task.fn(source, OCTOBER, load_settings())
    else:
        assert gate.extract_task.fn(source, OCTOBER, load_settings()).period == OCTOBER
    assert len(reads) == 2 and reads[-1] == (source, OCTOBER)


def test_a_read_no_review_took_is_waited_for_and_dropped(
    reads: list[tuple[str, Period]],
) -> None:
    """A refused run leaves no thread reading, and the next review reads for itself."""
    gate.begin_extract("centre", OCTOBER, ZONE)
    gate.end_early_extract()
    assert reads == [("centre", OCTOBER)]  # the early read ran to its end
    gate.extract_task.fn("centre", OCTOBER, load_settings())
    assert reads == [("centre", OCTOBER)] * 2
