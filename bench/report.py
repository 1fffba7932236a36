"""The benchmark's results as JSON and as the markdown tables of `docs/benchmarks.md`.

Pure functions over the results record (a dict as written to JSON), so the tables can be
checked without running anything.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping, Sequence
from typing import Any, Final

BEGIN: Final = "<!-- bench:results:begin (written by `make bench`) -->"
END: Final = "<!-- bench:results:end -->"
STAGES: Final = (
    "extract", "validate", "kpis", "compare", "surveys", "calibration", "staffing",
    "scorecard", "root_cause", "evidence", "render", "publish", "deliver",
)  # fmt: skip
REFERENCES: Final = {  # stage → (reference, what it is)
    "extract": ("read_once", "reading every table once (pandas, SQLite)"),
    "validate": ("pandas_masks", "the rules as plain pandas masks"),
    "kpis": ("duckdb", "the KPI catalog in SQL on DuckDB"),
}
GOALS: Final = {  # scale cadence → seconds end to end
    "monthly": 60.0,
    "quarterly": 180.0,
}
MEMORY_GOAL_MIB: Final = 3 * 1024
RATIO_GOALS: Final = {"kpis": 2.0, "validate": 3.0}


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s" if value >= 10 else f"{value:.2f} s"


def _mib(value: float | None) -> str:
    return "—" if value is None else f"{value / 1024:.2f} GiB"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def ratio(stage_seconds: float | None, reference_seconds: float | None) -> float | None:
    if not stage_seconds or not reference_seconds:
        return None
    return stage_seconds / reference_seconds


def _with_evidence(scale: Mapping[str, Any]) -> float | None:
    stages = scale["stages"]
    if "validate" not in stages:
        return None
    return float(stages["validate"]) + float(stages.get("evidence", 0.0))


def markdown(results: Mapping[str, Any]) -> str:
    """The results section of docs/benchmarks.md."""
    scales: list[Mapping[str, Any]] = list(results["scales"])
    names = [str(s["label"]) for s in scales]
    out = [
        f"Measured {results['measured_at']} on {results['machine']} with `{results['command']}`"
        f" (each review run {results['repeat']} time(s), the median run kept; references best"
        f" of {results['repeat']}).",
        "",
        "### The review end to end (`csreview run` as a user runs it)",
        "",
        _table(
            ["", *names],
            [
                ["contacts in the period", *(f"{s['contacts']:,}" for s in scales)],
                ["wall time, whole command", *(_seconds(s["wall_seconds"]) for s in scales)],
                ["goal", *(_seconds(GOALS.get(str(s["cadence"]))) for s in scales)],
                ["peak memory, review process", *(_mib(s["peak_rss_mib"]) for s in scales)],
                [
                    "peak memory, with the temporary Prefect server",
                    *(_mib(s["peak_tree_mib"]) for s in scales),
                ],
                ["wall time, each run", *(_each(s, "all_walls", _seconds) for s in scales)],
                [
                    "peak memory with the server, each run (their median)",
                    *(_each(s, "all_tree_peaks_mib", _mib, median=True) for s in scales),
                ],
                [
                    "load average when it started (1 min)",
                    *(f"{s['load_before'][0]:.1f}" for s in scales),
                ],
                [
                    "seconds per 100 000 contacts",
                    *(f"{100_000 * s['wall_seconds'] / s['contacts']:.1f}" for s in scales),
                ],
            ],
        ),
        "",
        "### Per stage (the run's own `timings`), with the process's memory high-water mark",
        "",
        _table(
            ["stage", *names],
            [
                [
                    stage,
                    *(
                        f"{_seconds(s['stages'].get(stage))} · "
                        f"{_mib(s['stage_peak_mib'].get(stage))}"
                        for s in scales
                    ),
                ]
                for stage in STAGES
            ]
            + [
                [
                    "outside the stages (start-up: imports, Prefect's temporary server; "
                    "task bookkeeping; exit)",
                    *(
                        _seconds(s["wall_seconds"] - sum(s["stages"].get(x, 0.0) for x in STAGES))
                        for s in scales
                    ),
                ]
            ],
        ),
        "",
        "### Stages against their references (same data, same run of the bench)",
        "",
        _table(
            ["stage", "reference", *names],
            [
                [
                    stage,
                    what,
                    *(
                        f"{_seconds(s['stages'].get(stage))} / "
                        f"{_seconds(s['references'].get(key))} = "
                        f"{_ratio(ratio(s['stages'].get(stage), s['references'].get(key)))}"
                        for s in scales
                    ),
                ]
                for stage, (key, what) in REFERENCES.items()
            ]
            + [
                [
                    "validate + evidence",
                    "the same masks; the stage with what is left of waiting for GX's record "
                    "(made beside the review) and writing the evidence",
                    *(
                        f"{_seconds(_with_evidence(s))} / "
                        f"{_seconds(s['references'].get('pandas_masks'))} = "
                        f"{_ratio(ratio(_with_evidence(s), s['references'].get('pandas_masks')))}"
                        for s in scales
                    ),
                ],
                [
                    "kpis, in process",
                    "the product's KPI step without Prefect, against DuckDB",
                    *(
                        f"{_seconds(s['references'].get('kpis_in_process'))} / "
                        f"{_seconds(s['references'].get('duckdb'))} = "
                        f"{_ratio(ratio(s['references'].get('kpis_in_process'), s['references'].get('duckdb')))}"
                        for s in scales
                    ),
                ],
                [
                    "DuckDB = kpis.csv",
                    "rows compared, largest relative difference",
                    *(
                        f"{s['duckdb_check']['rows']:,} rows, "
                        f"{'equal' if s['duckdb_check']['equal'] else 'DIFFERENT'}, "
                        f"{s['duckdb_check']['max_relative_difference']:.0e}"
                        + (
                            f"; not in the reference: {', '.join(s['duckdb_check']['not_compared'])}"
                            if s["duckdb_check"].get("not_compared")
                            else ""
                        )
                        for s in scales
                    ),
                ],
            ],
        ),
    ]
    if results.get("history"):
        out += ["", *_history(results["history"])]
    dask = [s for s in scales if s.get("dask")]
    if dask:
        out += ["", *_dask(dask)]
    return "\n".join(out) + "\n"


def _dask(scales: Sequence[Mapping[str, Any]]) -> list[str]:
    """The Dask run: the period's KPI table on a local cluster, against the single machine."""
    runs = [s["dask"] for s in scales]
    return [
        "### The KPI table on Dask (`flows/distributed.py`, `python -m bench.dask_run`)",
        "",
        f"A local cluster of {runs[0]['workers']} single-threaded worker processes, each held to"
        f" {runs[0]['memory_limit']}; read slices of {runs[0]['layout']['days']} day(s),"
        f" {runs[0]['layout']['partitions']} partitions per shuffle; {_runs(runs[0])}. The"
        " workers read, type, validate and aggregate; the client merges the aggregates.",
        "",
        _table(
            ["", *(str(s["label"]) for s in scales)],
            [
                [
                    "wall time (cluster start to KPI table)",
                    *(_seconds(r["wall_seconds"]) for r in runs),
                ],
                ["peak memory, client process", *(_mib(r["client_peak_mib"]) for r in runs)],
                [
                    "peak memory, each worker process",
                    *(" · ".join(_mib(m) for m in r["worker_peak_mib"]) for r in runs),
                ],
                [
                    "period contacts per customer partition (fewest – most)",
                    *(
                        f"{min(r['partition_contacts']):,} – {max(r['partition_contacts']):,}"
                        for r in runs
                    ),
                ],
                [
                    "equal to the single machine's table (1e-12 relative)",
                    *(_verdict(r["check"]["differences"], r["check"]["rows"]) for r in runs),
                ],
                [
                    "exact on counts, ratios of counts and quantiles",
                    *(
                        _verdict(r["check"]["exact_differences"], r["check"]["exact_rows"])
                        for r in runs
                    ),
                ],
                [
                    "largest relative difference of a value",
                    *(f"{r['check']['max_relative_difference']:.0e}" for r in runs),
                ],
            ],
        ),
    ]


def _each(scale: Mapping[str, Any], key: str, shown: Any, *, median: bool = False) -> str:
    """Every run's figure under KEY (none kept: a dash), with their median when asked."""
    values = [float(v) for v in scale.get(key, [])]
    if not values:
        return "—"
    each = ", ".join(shown(v) for v in values)
    return f"{each} ({shown(statistics.median(values))})" if median else each


def _runs(run: Mapping[str, Any]) -> str:
    """How many runs a Dask figure comes from: the median run's of all of them."""
    walls = run.get("all_walls", [run["wall_seconds"]])
    if len(walls) == 1:
        return "one run"
    each = ", ".join(_seconds(w) for w in walls)
    return f"the median of {len(walls)} runs ({each}), each run's table checked"


def _verdict(differences: Sequence[str], rows: int) -> str:
    return f"yes, {rows:,} rows" if not differences else f"NO: {differences[0]}"


def _history(history: Mapping[str, Any]) -> list[str]:
    """The history case: the same month on a source keeping twelve months and three."""
    sources = {int(k): v for k, v in history["sources"].items()}
    return [
        "### A month of a centre that keeps its history",
        "",
        f"{history['period']}, {history['contacts_per_day']:,} contacts a day, on a source keeping"
        f" twelve months and on the same source cut to three; medians of {history['repeat']} runs"
        " each, run in pairs.",
        "",
        _table(
            ["source", "contacts kept", "wall time", "peak memory, process tree"],
            [
                [
                    f"{months} months",
                    f"{sources[months]['contacts']:,}",
                    _seconds(sources[months]["wall_seconds"]),
                    _mib(sources[months]["peak_tree_mib"]),
                ]
                for months in sorted(sources, reverse=True)
            ]
            + [
                [
                    "12 against 3, pair by pair (goal at most 1.15×)",
                    "",
                    _ratio(history["wall_ratio"]),
                    _ratio(history["memory_ratio"]),
                ]
            ],
        ),
        "",
        f"kpis.csv byte-identical: {'yes' if history['kpis_identical'] else 'NO'}.",
    ]


def replace_section(document: str, section: str) -> str:
    """The document with the text between the results markers replaced (the markers are
    added at the end when missing); everything else is kept as written."""
    block = f"{BEGIN}\n{section.rstrip()}\n{END}"
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if pattern.search(document):
        return pattern.sub(lambda _: block, document, count=1)
    return document.rstrip() + "\n\n" + block + "\n"
