import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from csreview import memory


def test_giving_back_keeps_what_is_still_held() -> None:
    kept = pc.add(pa.array(np.arange(100_000)), 1)  # allocated in Arrow's pool
    dropped = pc.add(kept, 1)
    del dropped
    memory.give_back()
    assert kept[99_999].as_py() == 100_000
    assert pa.default_memory_pool().bytes_allocated() >= kept.nbytes


def test_giving_back_trims_the_c_heap_where_it_can(monkeypatch: pytest.MonkeyPatch) -> None:
    trimmed: list[int] = []
    monkeypatch.setattr(memory, "_malloc_trim", lambda: trimmed.append)
    memory.give_back()
    assert trimmed == [0]
    monkeypatch.setattr(memory, "_malloc_trim", lambda: None)  # musl, macOS: Arrow's pool only
    memory.give_back()


def test_the_peak_counts_what_was_held_and_let_go() -> None:
    before = memory.peak_rss_mib()
    assert before is not None  # Linux
    held = np.ones(80 * 2**20, dtype=np.uint8)  # 80 MiB, touched
    del held
    after = memory.peak_rss_mib()
    assert after is not None and after >= before
    assert after >= 80
