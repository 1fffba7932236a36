"""The KPI catalog is documented: every key appears in docs/kpis.md."""

from __future__ import annotations

from pathlib import Path

from csreview.catalog import KPIS


def test_docs_list_every_kpi_of_the_catalog() -> None:
    text = (Path(__file__).parents[2] / "docs" / "kpis.md").read_text(encoding="utf-8")
    assert all(f"`{k.key}`" in text for k in KPIS)
