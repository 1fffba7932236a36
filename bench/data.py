"""Benchmark data: a generated contact centre per scale, as an SQLite source, cached on disk.

Generating and writing three million contacts takes minutes; the files are kept under
`bench/.data/` (git-ignored), keyed by cadence, period, scale and seed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from csreview import demo, messy_export
from csreview import schema as s
from csreview.periods import Period
from csreview.settings import load_settings
from tasks.extract import Extract, parse_table, select_period

CACHE: Final = Path(__file__).with_name(".data")
SEED: Final = 20261001
REPEATS: Final = 1.046  # returning customers add about 4.6 % to the first contacts (demo)


@dataclass(frozen=True)
class Scale:
    """One benchmark case: a period of a cadence holding about `contacts` contacts."""

    cadence: str
    period: str
    contacts: int
    seed: int = SEED

    @property
    def name(self) -> str:
        return f"{self.cadence}-{self.period}-{self.contacts}-{self.seed}"

    @property
    def the_period(self) -> Period:
        if self.cadence == "monthly":
            year, month = self.period.split("-")
            return Period("monthly", int(year), int(month))
        year, quarter = self.period.split("-Q")
        return Period("quarterly", int(year), int(quarter))

    def spec(self) -> demo.DemoSpec:
        """The demo generator's spec: the period's months at the daily volume that puts about
        `contacts` contacts in the period."""
        period = self.the_period
        zone = load_settings().zone
        days = (period.end(zone) - period.start(zone)).days
        last = Period("monthly", period.year, period.first_month + period.months - 1)
        return demo.DemoSpec(
            last,
            months=period.months,
            contacts_per_day=round(self.contacts / (days * REPEATS)),
            seed=self.seed,
        )


SCALES: Final = (
    Scale("monthly", "2026-10", 100_000),
    Scale("monthly", "2026-10", 1_000_000),
    Scale("quarterly", "2026-Q3", 3_700_000),
)


def source(scale: Scale, cache: Path = CACHE) -> tuple[str, dict[str, int]]:
    """The SQLite URL of the scale's messy export (generated on first use) and its row counts."""
    folder = cache / scale.name
    database = folder / "source.sqlite"
    counts_file = folder / "rows.json"
    if not counts_file.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        settings = load_settings()
        frames = demo.generate(scale.spec())
        messy, _ = messy_export.plant_bad_rows(frames, scale.the_period, settings.zone)
        database.unlink(missing_ok=True)
        demo.to_database(messy, f"sqlite:///{database}")
        counts = {name: len(frame) for name, frame in messy.items()}
        counts_file.write_text(json.dumps(counts), encoding="utf-8")
    return f"sqlite:///{database.resolve()}", json.loads(counts_file.read_text("utf-8"))


def extract_of(
    frames: dict[str, pd.DataFrame], period: Period, zone: ZoneInfo, read_at: datetime
) -> Extract:
    """The period's extract of generated frames, as `extract_period` makes it from a source
    (no file or database in between): for measuring or testing the steps in process."""
    typed = {n: parse_table(s.TABLES_BY_NAME[n], f, zone) for n, f in frames.items()}
    picks = select_period(typed, period, zone)
    return Extract(
        period,
        read_at,
        {n: frames[n].iloc[p].reset_index(drop=True) for n, p in picks.items()},
        {
            n: typed[n].iloc[p].reset_index(drop=True).assign(**{s.ROW: np.arange(len(p))})
            for n, p in picks.items()
        },
    )
