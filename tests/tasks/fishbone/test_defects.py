"""Defect kinds: each names every facts column it reads, so a narrowed frame suffices."""

from __future__ import annotations

import pandas as pd
import pytest

from tasks.fishbone.defects import DEFECT_KINDS, DefectKind


@pytest.mark.parametrize("kind", DEFECT_KINDS, ids=lambda k: k.kpi)
def test_a_kind_reads_only_the_measures_it_names(kind: DefectKind) -> None:
    """A frame of the kind's measures alone gives its defects and base: nothing else read."""
    frame = pd.DataFrame({column: [2, 1, 0] for column in kind.measures})
    defects = kind.defects(frame)
    assert len(defects) == len(frame[kind.base]) == 3
    assert kind.base in kind.measures
