"""GX's batch hashing is off: the one GX internal the product sets, and why it still may."""

from __future__ import annotations

import inspect

from tasks.validate import prepare_gx
from tasks.validate.gx_hashing import ENGINE, THRESHOLD, skip_frame_hashing


def test_gx_still_has_the_switch_and_reads_it_before_hashing_a_frame() -> None:
    """Hashing each frame for a batch marker nothing reads costs a third of a second per table
    at a million contacts; GX's constant is undocumented, so a release may move or drop it:
    this fails then, and the adapter (not the product) is what to change."""
    prepare_gx()
    from great_expectations.execution_engine import pandas_execution_engine as engine

    assert engine.__name__ == ENGINE
    assert THRESHOLD in vars(engine), "GX dropped its hash threshold: frames are hashed again"
    source = inspect.getsource(engine.PandasExecutionEngine.get_batch_data_and_markers)
    assert f"< {THRESHOLD}" in source and "pandas_data_fingerprint" in source
    assert vars(engine)[THRESHOLD] == 0


def test_the_switch_is_found_once_gx_is_imported() -> None:
    prepare_gx()
    assert skip_frame_hashing()
