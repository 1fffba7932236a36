"""The history case: one month reviewed on a source keeping twelve months and on the same
source cut to its last three; the review should cost what its period holds, not what the
source keeps (issue: history and scale).

The twelve-month source is the demo centre at 3,000 contacts a day. The three-month one is a
copy without the contacts created before August and closed before it (those still open, or
closed later, stay: the backlog counts them), their surveys and evaluations, and the shifts
ended before August. Both are generated on first use and kept under `bench/.data/`.
"""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import tempfile
from pathlib import Path
from typing import Any, Final

from bench.data import CACHE, SEED, Scale
from bench.review import Run, run_review
from csreview import demo
from csreview.periods import Period

PERIOD: Final = Scale("monthly", "2026-10", 90_000)  # the month reviewed
KEPT: Final = (12, 3)  # months each source keeps, ending with the month reviewed
PER_DAY: Final = 3_000
CUT_BEFORE: Final = "2026-08-01"
CUT: Final = (
    f"DELETE FROM contacts WHERE created_at < '{CUT_BEFORE}'"
    f" AND closed_at IS NOT NULL AND closed_at < '{CUT_BEFORE}'",
    "DELETE FROM surveys WHERE contact_id NOT IN (SELECT contact_id FROM contacts)",
    "DELETE FROM qa_evaluations WHERE contact_id NOT IN (SELECT contact_id FROM contacts)",
    f"DELETE FROM shifts WHERE ends_at < '{CUT_BEFORE}'",
)


def history_sources(cache: Path = CACHE) -> dict[int, Path]:
    """The SQLite file of each source, by the months it keeps (generated on first use)."""
    folder = cache / f"history-{PERIOD.period}-{PER_DAY}-{SEED}"
    files = {months: folder / f"keeps-{months}-months.sqlite" for months in KEPT}
    if not all(path.is_file() for path in files.values()):
        folder.mkdir(parents=True, exist_ok=True)
        spec = demo.DemoSpec(
            Period("monthly", 2026, 10), months=max(KEPT), contacts_per_day=PER_DAY, seed=SEED
        )
        whole, cut = files[max(KEPT)], files[min(KEPT)]
        for path in (whole, cut):
            path.unlink(missing_ok=True)
        demo.to_database(demo.generate(spec), f"sqlite:///{whole}")
        shutil.copyfile(whole, cut)
        with sqlite3.connect(cut) as conn:
            for statement in CUT:
                conn.execute(statement)
        with sqlite3.connect(cut) as conn:
            conn.execute("VACUUM")
    return files


def contacts_kept(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        count: int = conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
    return count


def measure_history(repeat: int, cache: Path = CACHE) -> dict[str, Any]:
    """The month reviewed REPEAT times on each source, in pairs (twelve months, then three),
    with the medians, the pair-by-pair ratios and whether kpis.csv is byte-identical."""
    files = history_sources(cache)
    runs: dict[int, list[Run]] = {months: [] for months in KEPT}
    identical = True
    for _ in range(repeat):
        published = {}
        for months in KEPT:
            out = Path(tempfile.mkdtemp(prefix=f"history-{months}-", dir=cache))
            run = run_review(PERIOD, f"sqlite:///{files[months].resolve()}", out)
            if run.exit_code != 0:
                raise SystemExit(f"csreview run failed on {files[months].name}: {run.extra}")
            published[months] = (Path(run.folder) / "kpis.csv").read_bytes()
            runs[months].append(run)
            shutil.rmtree(out, ignore_errors=True)
        identical &= published[12] == published[3]
    twelve, three = runs[12], runs[3]
    return {
        "period": f"{PERIOD.cadence} {PERIOD.period}",
        "contacts_per_day": PER_DAY,
        "repeat": repeat,
        "sources": {
            months: {
                "contacts": contacts_kept(files[months]),
                "wall_seconds": statistics.median(r.wall_seconds for r in runs[months]),
                "peak_tree_mib": statistics.median(r.peak_tree_mib for r in runs[months]),
                "peak_rss_mib": statistics.median(r.peak_rss_mib for r in runs[months]),
            }
            for months in KEPT
        },
        "wall_ratio": statistics.median(
            a.wall_seconds / b.wall_seconds for a, b in zip(twelve, three, strict=True)
        ),
        "memory_ratio": statistics.median(
            a.peak_tree_mib / b.peak_tree_mib for a, b in zip(twelve, three, strict=True)
        ),
        "kpis_identical": identical,
    }
