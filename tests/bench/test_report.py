"""The benchmark's markdown: a table per view, written between markers, the rest of the
document kept."""

from __future__ import annotations

from bench import report

RESULTS = {
    "measured_at": "2026-11-23 18:00 UTC",
    "machine": "2 cores, 24 GiB, 3.11.7",
    "command": "make bench",
    "repeat": 2,
    "scales": [
        {
            "label": "monthly 2026-10, 1,000k",
            "cadence": "monthly",
            "contacts": 1_000_000,
            "wall_seconds": 50.0,
            "peak_rss_mib": 2048.0,
            "peak_tree_mib": 2560.0,
            "load_before": [1.5, 1.0, 1.0],
            "stages": {
                "extract": 12.0,
                "validate": 9.0,
                "kpis": 4.0,
                "evidence": 0.9,
                "render": 5.0,
            },
            "stage_peak_mib": {"extract": 1024.0, "validate": 2048.0},
            "references": {
                "read_once": 8.0,
                "pandas_masks": 4.5,
                "duckdb": 2.5,
                "kpis_in_process": 3.0,
            },
            "duckdb_check": {"rows": 29_147, "equal": True, "max_relative_difference": 4e-14},
        }
    ],
}


def test_the_tables_show_times_ratios_and_memory() -> None:
    text = report.markdown(RESULTS)
    assert "| wall time, whole command | 50.0 s |" in text
    assert "| peak memory, review process | 2.00 GiB |" in text
    assert "| seconds per 100 000 contacts | 5.0 |" in text
    assert "| extract | 12.0 s · 1.00 GiB |" in text
    # 50 s in all, 30.9 s in the stages listed
    assert "task bookkeeping; exit) | 19.1 s |" in text
    assert "9.00 s / 4.50 s = 2.00×" in text  # validate against the pandas masks
    assert "9.90 s / 4.50 s = 2.20×" in text  # with GX's wait and the evidence
    assert "4.00 s / 2.50 s = 1.60×" in text  # kpis against DuckDB
    assert "29,147 rows, equal, 4e-14" in text
    assert "| surveys | — · — |" in text  # a stage the run did not time
    assert "| wall time, each run | — |" in text  # results kept before runs were listed


def test_every_runs_time_and_tree_memory_with_their_median() -> None:
    scale = {
        **RESULTS["scales"][0],  # type: ignore[index]
        "all_walls": [50.0, 48.0, 55.0],
        "all_tree_peaks_mib": [2560.0, 3072.0, 2048.0],
    }
    text = report.markdown({**RESULTS, "scales": [scale]})
    assert "| wall time, each run | 50.0 s, 48.0 s, 55.0 s |" in text
    assert "| 2.50 GiB, 3.00 GiB, 2.00 GiB (2.50 GiB) |" in text


def test_the_results_replace_their_section_and_keep_the_rest() -> None:
    document = "# Benchmarks\n\nWhat we measured.\n"
    first = report.replace_section(document, "old tables\n")
    assert first.startswith(document.rstrip())
    assert first.count(report.BEGIN) == 1 and "old tables" in first
    second = report.replace_section(first + "\n## Notes\nkept\n", "new tables\n")
    assert "old tables" not in second and "new tables" in second
    assert second.endswith("## Notes\nkept\n")
    assert second.count(report.END) == 1


def test_the_history_case_shows_medians_and_ratios() -> None:
    history = {
        "period": "monthly 2026-10",
        "contacts_per_day": 3000,
        "repeat": 3,
        "sources": {
            "12": {"contacts": 1_180_000, "wall_seconds": 22.0, "peak_tree_mib": 1100.0},
            "3": {"contacts": 336_000, "wall_seconds": 20.0, "peak_tree_mib": 1024.0},
        },
        "wall_ratio": 1.1,
        "memory_ratio": 1.07,
        "kpis_identical": True,
    }
    text = report.markdown(RESULTS | {"history": history})
    assert "| 12 months | 1,180,000 | 22.0 s | 1.07 GiB |" in text
    assert "| 3 months | 336,000 | 20.0 s | 1.00 GiB |" in text
    assert "(goal at most 1.15×) |  | 1.10× | 1.07× |" in text
    assert "kpis.csv byte-identical: yes." in text
    assert "A month of a centre" not in report.markdown(RESULTS)


def test_the_dask_run_shows_its_time_memory_and_check() -> None:
    scale = {
        **RESULTS["scales"][0],  # type: ignore[index]
        "dask": {
            "wall_seconds": 80.0,
            "client_peak_mib": 512.0,
            "worker_peak_mib": [1024.0, 1536.0],
            "workers": 2,
            "memory_limit": "3GiB",
            "layout": {"days": 1, "partitions": 8},
            "partition_contacts": [120_000, 131_000],
            "check": {
                "rows": 29_147,
                "differences": [],
                "exact_rows": 20_000,
                "exact_differences": ["value of fcr all all: 0.5 0.6"],
                "max_relative_difference": 2e-16,
            },
        },
    }
    text = report.markdown({**RESULTS, "scales": [scale]})
    assert "| wall time (cluster start to KPI table) | 80.0 s |" in text
    assert "| peak memory, each worker process | 1.00 GiB · 1.50 GiB |" in text
    assert "| 120,000 – 131,000 |" in text
    assert "(1e-12 relative) | yes, 29,147 rows |" in text
    assert "| NO: value of fcr all all: 0.5 0.6 |" in text
    assert "each held to 3GiB" in text and "; one run." in text
    assert "The KPI table on Dask" not in report.markdown(RESULTS)
    thrice = {**scale, "dask": {**scale["dask"], "all_walls": [80.0, 75.0, 91.0]}}
    text = report.markdown({**RESULTS, "scales": [thrice]})
    assert "the median of 3 runs (80.0 s, 75.0 s, 91.0 s), each run's table checked" in text
