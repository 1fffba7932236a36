"""Defect kinds: each problem KPI read as defects over a base, e.g. misses over offered contacts.

The problem list and the fishbone tests count the same defects, so both read them here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import pandas as pd

from csreview.facts import (
    ABANDON_COUNTED,
    ANSWERED,
    COUNTED,
    CSAT_N,
    CSAT_TOP2,
    FAILED,
    HANDLED_COMPLAINT,
    NOT_REPEATED,
    WITHIN_SL,
    Facts,
    N,
)
from csreview.messages import mark as _n


@dataclass(frozen=True)
class DefectKind:
    """A KPI read as defects over a base, e.g. service-level misses over offered contacts."""

    kpi: str
    source: str
    defects: Callable[[pd.DataFrame], pd.Series]
    base: str
    defect_rate_target: Callable[[float], float]
    reads: tuple[str, ...]  # the measures `defects` reads

    @property
    def measures(self) -> tuple[str, ...]:
        """Every facts column the kind's defects and base are read from."""
        return tuple(dict.fromkeys((*self.reads, self.base)))

    @property
    def by_agent(self) -> bool:
        """Whether an agent can be held to the defect: not for waits and abandons, which
        happen before anyone answers."""
        return self.base != COUNTED


DEFECT_KINDS: Final = (
    DefectKind("service_level", "contacts", lambda f: f[COUNTED] - f[WITHIN_SL], COUNTED, lambda t: 1 - t, (COUNTED, WITHIN_SL)),
    DefectKind("abandon_rate", "contacts", lambda f: f[ABANDON_COUNTED], COUNTED, lambda t: t, (ABANDON_COUNTED,)),
    DefectKind("complaint_rate", "contacts", lambda f: f[HANDLED_COMPLAINT], ANSWERED, lambda t: t, (HANDLED_COMPLAINT,)),
    DefectKind("fcr", "contacts", lambda f: f[ANSWERED] - f[NOT_REPEATED], ANSWERED, lambda t: 1 - t, (ANSWERED, NOT_REPEATED)),
    DefectKind("csat_top2", "surveys", lambda f: f[CSAT_N] - f[CSAT_TOP2], CSAT_N, lambda t: 1 - t, (CSAT_N, CSAT_TOP2)),
    DefectKind("qa_fail_rate", "qa", lambda f: f[FAILED], N, lambda t: t, (FAILED,)),
)  # fmt: skip
KINDS_BY_KPI: Final = {kind.kpi: kind for kind in DEFECT_KINDS}
BASE_NOUNS: Final = {  # what a defect rate is counted over, by facts source
    "contacts": _n("customer contacts"),
    "surveys": _n("surveys"),
    "qa": _n("QA evaluations"),
}


def kpi_from_defect_rate(kpi: str, defect_rate: float) -> float:
    """A defect rate read back as the KPI's own value (e.g. misses → service level), and a
    KPI value as its defect rate (the mapping is its own inverse)."""
    return 1 - defect_rate if kpi in ("service_level", "fcr", "csat_top2") else defect_rate


def source_frame(facts: Facts, source: str) -> pd.DataFrame:
    """The facts frame a defect kind is counted on."""
    return {"contacts": facts.contacts, "surveys": facts.surveys, "qa": facts.qa}[source]
