"""The review as a user runs it: `csreview run` in its own process, Prefect's start-up, its
temporary server and every import included; wall time, memory and the run's own stage
timings (from its manifest)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bench.data import CACHE, Scale

PREFECT_HOME = CACHE / "prefect-home"  # kept between runs, as a user's is
# reading a process's proportional set size walks its page tables: 24 ms of CPU for the
# 1 M month's tree (measured), so every 50 ms the sampler took a third of one of the two
# cores from the review it measured; every 250 ms, a tenth. It is read only when the
# tree's resident memory (cheap) could hold a new peak
SAMPLE_SECONDS = 0.25


@dataclass
class Run:
    """One `csreview run` of a scale."""

    scale: str
    exit_code: int
    wall_seconds: float
    peak_rss_mib: float  # the review process itself (its VmHWM, sampled and after each stage)
    peak_tree_mib: float  # it and its children (GX record, Prefect server), sampled, PSS
    stages: dict[str, float]
    stage_peak_mib: dict[str, float]  # the review process's high-water mark after each stage
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    folder: str
    extra: dict[str, Any] = field(default_factory=dict)


def _tree_memory(tree: list[psutil.Process]) -> dict[str, int]:
    """Memory of a process and each of its descendants (TREE), by pid and name: the
    proportional set size, which shares a page among the processes mapping it, so a forked
    process (the review's GX record, or a fork about to run gcc for
    `ctypes.util.find_library`) is not counted twice with its parent."""
    sizes = {}
    for p in tree:
        try:
            words = [Path(word).name for word in p.cmdline()[1:4]]
            sizes[f"{p.pid} {' '.join(words)}"] = p.memory_full_info().pss
        except psutil.Error:
            continue
    return sizes


def _tree_rss(tree: list[psutil.Process]) -> int:
    """The resident memory of a process and its descendants (TREE), summed: pages shared by
    a fork counted in each, so never below the tree's proportional set size. Read from
    counters the kernel keeps, it costs nothing like the PSS's walk of the page tables."""
    total = 0
    for p in tree:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def _high_water_mib(pid: int) -> float:
    """The process's resident-memory high-water mark (VmHWM), in MiB; 0 once it is gone. Not
    the rusage `wait4` gives: its `ru_maxrss` keeps the forking parent's across `exec`, so
    a review started by a bench grown to 5 GiB read 5 GiB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text("utf-8")
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_review(scale: Scale, source: str, out: Path) -> Run:
    """`csreview run` on the scale's source into a fresh folder; waits for it."""
    command = [
        str(Path(sys.executable).with_name("csreview")),
        "run",
        "--cadence",
        scale.cadence,
        "--period",
        scale.period,
        "--source",
        source,
        "--out",
        str(out),
        "--store",
        f"sqlite:///{out / 'store.sqlite'}",
    ]
    env = os.environ | {
        "PREFECT_HOME": str(PREFECT_HOME),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    peak_tree = 0
    out.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    started = time.perf_counter()
    with (out / "stdout.txt").open("wb") as stdout, (out / "stderr.txt").open("wb") as stderr:
        child = subprocess.Popen(command, env=env, stdout=stdout, stderr=stderr)
    watched = psutil.Process(child.pid)
    done = threading.Event()

    at_peak: dict[str, int] = {}
    high_water = 0.0  # the review's own, in MiB, as last read
    readings = [0, 0]  # of the tree's PSS, of samples

    def sample() -> None:
        nonlocal peak_tree, at_peak, high_water
        while not done.is_set():
            readings[1] += 1
            try:  # a process's PSS is at most its RSS: below the peak's PSS, no new peak
                sizes, tree = {}, [watched, *watched.children(recursive=True)]
                if _tree_rss(tree) > peak_tree:
                    readings[0] += 1
                    sizes = _tree_memory(tree)
            except psutil.Error:
                sizes = {}
            if sum(sizes.values()) > peak_tree:
                peak_tree, at_peak = sum(sizes.values()), sizes
            high_water = max(high_water, _high_water_mib(child.pid))
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status = os.waitpid(child.pid, 0)
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    manifest = _manifest(out, scale)
    stage_peaks = dict(manifest.get("peak_rss_mib", {}))
    return Run(
        scale=scale.name,
        exit_code=child.returncode,
        wall_seconds=wall,
        peak_rss_mib=max(high_water, *stage_peaks.values(), 0.0),
        peak_tree_mib=peak_tree / 2**20,
        stages=dict(manifest.get("timings", {})),
        stage_peak_mib=stage_peaks,
        load_before=load_before,
        load_after=os.getloadavg(),
        folder=str(out / scale.cadence / scale.period),
        extra={
            "tree_at_peak_mib": {k: round(v / 2**20) for k, v in at_peak.items()},
            "pss_readings": f"{readings[0]} of {readings[1]} samples",
            "stdout": (out / "stdout.txt").read_text("utf-8", "replace")[-400:],
            "stderr": (out / "stderr.txt").read_text("utf-8", "replace")[-2000:],
        },
    )


def _manifest(out: Path, scale: Scale) -> dict[str, Any]:
    manifests = sorted((out / scale.cadence / "_runs").glob("*/manifest.json"))
    if not manifests:
        return {}
    data: dict[str, Any] = json.loads(manifests[-1].read_text("utf-8"))
    return data
