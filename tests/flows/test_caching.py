"""Finished steps reused by a retried or re-run review: keys made of what a step was computed
from (never of pickled frames), kept in a 0700 folder, removed once the run completes."""

from __future__ import annotations

import gc
import json
import os
import stat
import time
import weakref
from pathlib import Path

import pandas as pd
import pytest

from csreview.demo import DemoSpec, generate, to_database
from csreview.periods import Period
from csreview.settings import Settings, load_settings
from flows import caching
from flows.cli import main
from tests.conftest import AFTER_WINDOW

SEPTEMBER = Period("monthly", 2026, 9)

FRAME = pd.DataFrame({"channel": ["voice", "chat"], "handle": [300.0, None]})


# ---------------------------------------------------------------- digests
@pytest.mark.parametrize(
    "other",
    [
        FRAME.assign(handle=[300.0, 1.0]),  # a value
        FRAME[["handle", "channel"]],  # column order
        FRAME.astype({"channel": "category"}),  # a type
        FRAME.iloc[:1],  # a row fewer
        FRAME.rename(columns={"handle": "handle_seconds"}),  # a name
    ],
)
def test_a_frame_digest_changes_with_its_content(other: pd.DataFrame) -> None:
    assert caching.digest(FRAME) == caching.digest(FRAME.copy())
    assert caching.digest(other) != caching.digest(FRAME)


def test_nested_values_and_dataclasses_are_digested_by_content() -> None:
    value = {"previous": FRAME, "months": [1, 2], "none": None}
    assert caching.digest(value) == caching.digest({**value, "previous": FRAME.copy()})
    assert caching.digest(value) != caching.digest({**value, "months": [1, 3]})


def test_settings_digest_covers_the_files_they_name(tmp_path: Path) -> None:
    playbook = tmp_path / "playbook.toml"
    playbook.write_text("[thresholds]\nload_ratio = 1.3\n")
    settings = load_settings(None, playbook_file=str(playbook))
    before = caching.digest(settings)
    assert caching.digest(load_settings(None, playbook_file=str(playbook))) == before
    playbook.write_text("[thresholds]\nload_ratio = 1.5\n")
    assert caching.digest(settings) != before  # same settings, another playbook
    assert caching.digest(load_settings(None, qa_pass_mark=75)) != caching.digest(
        load_settings(None)
    )


# ---------------------------------------------------------------- keys
def test_a_result_is_known_by_the_key_of_the_step_that_made_it(settings: Settings) -> None:
    cache = caching.StepCache(None)
    made = FRAME.copy()
    cache.made_from(made, "k1")
    assert cache.token(made) == "k1"
    assert cache.token(made.copy()) == caching.digest(FRAME)  # equal, but not made by a step
    key = cache.key("kpis", (made, settings))
    assert key == cache.key("kpis", (made, settings))
    assert key != cache.key("surveys", (made, settings))
    cache.made_from(made, "k2")  # made again from other inputs
    assert cache.key("kpis", (made, settings)) != key


def test_the_cache_does_not_keep_what_the_flow_dropped() -> None:
    """The extract's rows are freed once validated, though they key every later step."""
    cache = caching.StepCache(None)
    made, pair = FRAME.copy(), (FRAME, 1)
    cache.made_from(made, "k1")
    cache.made_from(pair, "k2")  # a tuple holds no weak reference: kept, and still known
    dropped = weakref.ref(made)
    del made
    gc.collect()
    assert dropped() is None
    assert cache.token(pair) == "k2"


class _Beside(caching.NotAnInput):
    """A process a step runs on, as GX's record is."""


def test_what_says_how_a_step_runs_is_not_part_of_its_key() -> None:
    cache = caching.StepCache(None)
    one, two = _Beside(), _Beside()
    assert cache.key("gx-record", (FRAME, one)) == cache.key("gx-record", (FRAME, two))
    assert cache.key("gx-record", (FRAME, one)) != cache.key("gx-record", (FRAME.head(1), one))


def test_results_pickle_without_base64() -> None:
    serializer = caching.FramePickle()
    blob = serializer.dumps(FRAME)
    pd.testing.assert_frame_equal(serializer.loads(blob), FRAME)
    assert blob[:1] == b"\x80"  # a pickle, not base64 text


def test_a_result_is_streamed_to_its_own_file_and_the_record_holds_its_name(
    tmp_path: Path,
) -> None:
    from prefect._internal.result_records import ResultRecord, ResultRecordMetadata

    path = tmp_path / "key.pickle"
    serializer = caching.FramePickle(path=str(path))
    record = ResultRecord(
        metadata=ResultRecordMetadata(serializer=serializer, storage_key="key"), result=FRAME
    )
    written = record.serialize()
    assert path.read_bytes()[:1] == b"\x80" and len(written) < 1000  # no copy of the rows
    again = ResultRecord.deserialize(written)  # a later attempt: the serializer from the record
    pd.testing.assert_frame_equal(again.result, FRAME)


# ---------------------------------------------------------------- the folder
def test_a_whole_input_reaches_the_task_as_it_is_and_is_not_walked() -> None:
    from prefect.utilities.collections import visit_collection
    from prefect.utilities.engine import resolve_inputs_sync

    records = [{"kpi": "fcr", "value": float(i)} for i in range(1_000)]
    visited: list[object] = []
    visit_collection(caching.whole(records), visit_fn=visited.append, return_data=False)
    assert len(visited) == 2  # the wrapper and the list, none of its records
    assert resolve_inputs_sync({"records": caching.whole(records)})["records"] is records


def test_the_cache_folder_is_private_and_expired_entries_go(tmp_path: Path) -> None:
    settings = load_settings(None, step_cache_days=7)
    cache = caching.StepCache.open(tmp_path, settings)
    assert cache.folder == tmp_path / "_cache"
    assert stat.S_IMODE(cache.folder.stat().st_mode) == 0o700
    old, new = cache.folder / "results" / "old", cache.folder / "results" / "new"
    old.write_bytes(b"x")
    new.write_bytes(b"y")
    eight_days_ago = time.time() - 8 * 86400
    os.utime(old, (eight_days_ago, eight_days_ago))
    caching.StepCache.open(tmp_path, settings)
    assert not old.exists() and new.exists()


def test_turned_off_the_cache_keeps_nothing(tmp_path: Path) -> None:
    cache = caching.StepCache.open(tmp_path, load_settings(None, step_cache=False))
    assert cache.folder is None
    assert not (tmp_path / "_cache").exists()


# ---------------------------------------------------------------- a retried review
def _review(source: str, out: Path) -> int:
    args = ["run", "--cadence", "monthly", "--period", "2026-09", "--source", source]
    return main([*args, "--out", str(out)])


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server", "no_pdf")
def test_a_rerun_after_a_failure_reuses_the_finished_steps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tasks import publish

    source = f"sqlite:///{tmp_path / 'centre.sqlite'}"
    to_database(
        generate(DemoSpec(SEPTEMBER, months=1, contacts_per_day=60), now=AFTER_WINDOW), source
    )
    out = tmp_path / "out"

    def disk_full(plan: publish.RunPlan) -> Path:
        raise OSError("No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(publish, "switch_period", disk_full)
        assert _review(source, out) != 0
    results = out / "monthly" / "_cache" / "results"
    kept = sorted(p.name for p in results.iterdir() if p.suffix != caching.PICKLE)
    assert {f"{k}{caching.PICKLE}" for k in kept} == {p.name for p in results.glob("*.pickle")}
    assert len(kept) == 9  # validate, kpis, surveys, themes, calibration, staffing, scorecard,
    # root cause, GX's record

    assert _review(source, out) == 0
    manifest = json.loads((out / "monthly" / "2026-09" / "manifest.json").read_text())
    assert manifest["reused_steps"] == [
        "validate",
        "kpis",
        "surveys",
        "themes",
        "calibration",
        "staffing",
        "scorecard",
        "root_cause",
        "gx-record",
    ]
    assert not any((out / "monthly" / "_cache" / "results").iterdir())  # completed: removed

    monkeypatch.setenv("CSREVIEW_STEP_CACHE", "false")
    fresh = tmp_path / "fresh"
    assert _review(source, fresh) == 0
    assert not (fresh / "monthly" / "_cache").exists()
    for name in ("kpis.csv", "problems.csv", "root_causes.csv", "actions.csv", "scorecard.csv"):
        reused = (out / "monthly" / "2026-09" / name).read_bytes()
        assert reused == (fresh / "monthly" / "2026-09" / name).read_bytes(), name
