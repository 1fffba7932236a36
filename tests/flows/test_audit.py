"""`csreview audit --verify` against a tamperer: folders published by hand with the publish
functions and a store in SQLite, then altered the ways an attacker would."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from csreview.periods import Period
from csreview.store import list_runs, mark_published, reconcile, record_run
from flows.audit import verify
from flows.cli import main
from tasks import publish as p
from tasks.publish.files import PRIVATE_FILE, write_file

OCTOBER = Period("monthly", 2026, 10)
SEPTEMBER = Period("monthly", 2026, 9)
LATER = datetime(2027, 6, 1, tzinfo=UTC)  # every run is past its 90 days of retention
KEY = "ops-secret-key"


def store_of(out: Path) -> str:
    return f"sqlite:///{out / 'store.sqlite'}"


def publish(
    out: Path,
    run_id: str,
    reissue: int = 0,
    period: Period = OCTOBER,
    tenant: str | None = None,
    switch: bool = True,
) -> Path:
    """A run as the review flow publishes it: folder, record `publishing`, switch, record
    `published`, sealed manifest. Returns the run folder."""
    plan = p.RunPlan(run_id, reissue, p.cadence_dir(out, tenant, "monthly"), period)
    plan.run_dir.mkdir(parents=True)
    (plan.run_dir / p.RUN_LOG).write_text(f"{run_id} started\n")
    config = {"quarantine_retention_days": 90}
    config_files = p.write_config(plan.run_dir, config, "[playbook]\n")
    quarantine = b"survey_id,comment,reason\ns1,call me,x\n"
    write_file(plan.run_dir / "quarantine" / "surveys.csv", quarantine, PRIVATE_FILE)
    manifest = {
        "run_id": run_id,
        "reissue": reissue,
        "reason": None,
        "cadence": "monthly",
        "period": period.label,
        "tenant": tenant,
        "source": "sqlite:///centre.sqlite",
        "started_at": "2026-11-02T01:00:00+00:00",
        "contract_version": "2",
        "config": config,
        "config_files": config_files,
        "config_sha256": p.config_fingerprint(config_files),
        "run_folder": str(plan.run_dir.resolve()),
        "tables": {"contacts": {"read": 3, "used": 2, "quarantined": 1, "sha256": "b" * 64}},
        "evidence": {"quarantine/surveys.csv": p.sha256(quarantine)},
    }
    files = {"kpis.csv": f"kpi\ncontacts,{run_id}\n".encode(), "review.pdf": b"%PDF-1.7 x"}
    p.write_outputs(plan, files, manifest)
    record_run(store_of(out), p.read_manifest(plan.run_dir) | {"status": "publishing"}, [])
    if switch:
        p.switch_period(plan)
        mark_published(store_of(out), run_id)
    with (plan.run_dir / p.RUN_LOG).open("a") as log:
        log.write("published\n")
    p.seal_manifest(plan.run_dir, {"timings": {"publish": 0.1}})
    with (plan.run_dir / p.RUN_LOG).open("a") as log:
        log.write("after sealing: not covered\n")
    return plan.run_dir


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two published issues of October (a, then b), a reissue c stopped between its record
    and its switch, and September's run s: made once, copied for each test."""
    with pytest.MonkeyPatch.context() as env:
        env.delenv(p.KEY_VARIABLE, raising=False)
        out = tmp_path_factory.mktemp("made") / "out"
        publish(out, "a")
        publish(out, "b", reissue=1)
        publish(out, "c", reissue=2, switch=False)
        publish(out, "s", period=SEPTEMBER)
    return out


@pytest.fixture
def out(made: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(p.KEY_VARIABLE, raising=False)
    return Path(shutil.copytree(made, tmp_path / "out", symlinks=True))


def link(out: Path) -> Path:
    return out / "monthly" / "2026-10"


def runs(out: Path) -> Path:
    return out / "monthly" / "_runs"


def check(folder: Path, capsys: pytest.CaptureFixture[str], **kwargs: object) -> tuple[int, str]:
    code = verify(folder, now=LATER, **kwargs)  # type: ignore[arg-type]
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out + captured.err


def relink(out: Path, target: str | Path) -> None:
    link(out).unlink()
    link(out).symlink_to(target)


def edit_json(path: Path, change: Callable[[dict[str, object]], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))


def sql(out: Path, statement: str) -> None:
    engine = sa.create_engine(store_of(out))
    with engine.begin() as connection:
        connection.execute(sa.text(statement))
    engine.dispose()


def test_a_published_folder_verifies_against_manifest_store_and_log(
    out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, said = check(link(out), capsys)
    assert code == 0, said
    assert "all 5 files match the manifest, the store's record (run b)" in said
    assert "not checked: the manifest's signature (it is not signed" in said


def _forged_retention(out: Path, files: list[str], removed_at: str = "2027-03-01") -> None:
    run = runs(out) / "b"
    for name in files:
        (run / name).unlink()
    record = {"removed_at": f"{removed_at}T00:00:00+00:00", "retention_days": 0, "files": files}
    (run / "quarantine" / "removed.json").write_text(json.dumps(record))


def _edit_with_manifest(out: Path) -> None:
    run = runs(out) / "b"
    (run / "kpis.csv").write_bytes(b"kpi\ncontacts,999\n")
    edit_json(run / p.MANIFEST, lambda m: m["outputs"].update(  # type: ignore[attr-defined]
        {"kpis.csv": p.sha256(b"kpi\ncontacts,999\n")}
    ))  # fmt: skip


def _outside_outputs(out: Path) -> None:
    (out / "monthly" / "elsewhere.csv").write_text("x\n")
    edit_json(runs(out) / "b" / p.MANIFEST, lambda m: m["outputs"].update(  # type: ignore[attr-defined]
        {"../../elsewhere.csv": p.sha256(b"x\n")}
    ))  # fmt: skip


def _symlinked_output(out: Path) -> None:
    kpis = runs(out) / "b" / "kpis.csv"
    copy = out / "kept-kpis.csv"
    shutil.copy(kpis, copy)
    kpis.unlink()
    kpis.symlink_to(copy)


def _another_out(out: Path) -> None:
    other = out.parent / "other"
    shutil.copytree(out, other, symlinks=True)
    relink(out, other / "monthly" / "_runs" / "a")


TAMPERING: dict[str, tuple[Callable[[Path], None], str]] = {
    "link back to an older run": (
        lambda out: relink(out, "_runs/a"),
        "the results store's latest published run of default monthly 2026-10 is b",
    ),
    "link to the interrupted reissue": (
        lambda out: relink(out, "_runs/c"),
        "which the results store records as publishing",
    ),
    "link to another output folder": (_another_out, "not to _runs/a beside it"),
    "link climbing out of _runs": (
        lambda out: relink(out, "_runs/../_runs/b"),
        "the period link points to _runs/../_runs/b",
    ),
    "link to a run of another period": (
        lambda out: relink(out, "_runs/s"),
        "shows a run of period 2026-09",
    ),
    "review.pdf gone, with a forged retention record": (
        lambda out: _forged_retention(out, ["review.pdf"]),
        "lists review.pdf, which retention keeps",
    ),
    "quarantine gone before its retention period": (
        lambda out: _forged_retention(out, ["quarantine/surveys.csv"], "2026-11-03"),
        "before the run was 90 days old",
    ),
    "retention record without files": (
        lambda out: (runs(out) / "b" / "quarantine" / "removed.json").write_text(
            '{"removed_at": "2027-03-01T00:00:00+00:00"}'
        ),
        "is not a retention record",
    ),
    "kpis.csv edited with its hash in the manifest": (
        _edit_with_manifest,
        "the manifest's sha256 of kpis.csv differs from the store's copy",
    ),
    "manifest counts edited": (
        lambda out: edit_json(
            runs(out) / "b" / p.MANIFEST,
            lambda m: m["tables"]["contacts"].update({"quarantined": 0}),  # type: ignore[index]
        ),
        "the manifest's counts of table contacts differ from the store's",
    ),
    "manifest reissue edited": (
        lambda out: edit_json(runs(out) / "b" / p.MANIFEST, lambda m: m.update({"reissue": 0})),
        "the manifest's reissue (0) differs from the store's (1)",
    ),
    "store row edited": (
        lambda out: sql(out, "UPDATE run_outputs SET sha256 = 'f' WHERE name = 'review.pdf'"),
        "the manifest's sha256 of review.pdf differs from the store's copy",
    ),
    "store record deleted": (
        lambda out: sql(out, "UPDATE review_runs SET run_id = 'x' WHERE run_id = 'b'"),
        "the results store has no record of run b, which the period shows",
    ),
    "run.log rewritten": (
        lambda out: (runs(out) / "b" / p.RUN_LOG).write_text("b started quietly\n"),
        "altered: run.log",
    ),
    "manifest fields of the wrong kind": (
        lambda out: edit_json(
            runs(out) / "b" / p.MANIFEST,
            lambda m: m.update({"tables": [1], "config": "x", "run_log": {"size": "big"}}),
        ),
        "the manifest's counts of table contacts differ from the store's",
    ),
    "a symlinked run.log": (
        lambda out: (
            (runs(out) / "b" / p.RUN_LOG).unlink()
            or (runs(out) / "b" / p.RUN_LOG).symlink_to(runs(out) / "a" / p.RUN_LOG)
        ),
        "outside the folder or a link: run.log",
    ),
    "a file the manifest does not list": (
        lambda out: (runs(out) / "b" / "extra.html").write_text("<p>trust me</p>"),
        "not in the manifest: extra.html",
    ),
    "an output outside the folder": (_outside_outputs, "outside the folder or a link: ../../"),
    "a symlinked output": (_symlinked_output, "outside the folder or a link: kpis.csv"),
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_tampering_is_caught(out: Path, how: str, capsys: pytest.CaptureFixture[str]) -> None:
    tamper, message = TAMPERING[how]
    tamper(out)
    code, said = check(link(out), capsys)
    assert code == 1, said
    assert message in said


def test_retention_is_told_from_tampering(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert p.purge_quarantine(out / "monthly", datetime(2027, 3, 1, tzinfo=UTC), 90)
    code, said = check(link(out), capsys)
    assert code == 0, said
    assert "removed by retention on 2027-03-01T00:00:00+00:00: quarantine/surveys.csv" in said


def test_run_log_may_grow_after_sealing(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with (runs(out) / "b" / p.RUN_LOG).open("a") as log:
        log.write("a later line\n")
    assert check(link(out), capsys)[0] == 0


def test_a_copy_without_its_store_says_what_it_could_not_check(
    out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(link(out), copy)
    code, said = check(copy, capsys)
    assert code == 0, said
    assert "not checked: the manifest against the results store (there is no results store" in said
    assert "not checked: which run the period shows" in said
    (copy / "kpis.csv").write_text("edited\n")
    assert check(copy, capsys)[0] == 1


# ---------------------------------------------------------------- signed manifests
@pytest.fixture
def signed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(p.KEY_VARIABLE, KEY)
    out = tmp_path / "signed"
    publish(out, "a")
    return out


def _forge_everything(out: Path) -> None:
    """Someone who can write both the folder and the store, but holds no key."""
    run = runs(out) / "a"
    (run / "kpis.csv").write_bytes(b"forged\n")
    edit_json(run / p.MANIFEST, lambda m: m["outputs"].update(  # type: ignore[attr-defined]
        {"kpis.csv": p.sha256(b"forged\n")}
    ))  # fmt: skip
    sql(out, f"UPDATE run_outputs SET sha256 = '{p.sha256(b'forged' + bytes([10]))}' "
             "WHERE name = 'kpis.csv'")  # fmt: skip


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda out: (runs(out) / "a" / p.SIGNATURE).unlink(), "unsigned: manifest.json"),
        (_forge_everything, "altered: manifest.json does not match its signature"),
        (
            lambda out: edit_json(runs(out) / "a" / p.MANIFEST, lambda m: m.pop("run_log")),
            "altered: manifest.json does not match its signature",
        ),
    ],
)
def test_a_signed_manifest_holds_against_folder_and_store(
    signed: Path,
    tamper: Callable[[Path], None],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, said = check(link(signed), capsys)
    assert code == 0 and "the signature (run a)" in said, said
    tamper(signed)
    code, said = check(link(signed), capsys)
    assert code == 1 and message in said, said


def test_another_key_or_no_key(
    signed: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(p.KEY_VARIABLE, "another key")
    assert check(link(signed), capsys)[0] == 1
    monkeypatch.delenv(p.KEY_VARIABLE)
    code, said = check(link(signed), capsys)
    assert code == 0 and "not checked: the manifest's signature (it is signed; set" in said


def test_the_key_is_never_recorded_in_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from csreview.settings import Settings, load_settings

    monkeypatch.setenv(p.KEY_VARIABLE, KEY)
    assert "manifest_key" not in Settings.model_fields
    assert KEY not in json.dumps(load_settings().public_dump())


# ---------------------------------------------------------------- publishing and the store
def test_the_store_says_published_only_after_the_switch(out: Path) -> None:
    statuses = {r.run_id: r.status for r in list_runs(store_of(out))}
    assert statuses == {"a": "published", "b": "published", "c": "publishing", "s": "published"}
    reconcile(store_of(out), "default", "monthly", "2026-10", ["a", "b"])
    statuses = {r.run_id: r.status for r in list_runs(store_of(out))}
    assert statuses["c"] == "interrupted"


def test_a_run_stopped_after_its_switch_is_reconciled_as_published(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = publish(out, "a", switch=False)
    p.switch_period(p.RunPlan("a", 0, run.parents[1], OCTOBER))  # stopped right after
    reconcile(store_of(out), "default", "monthly", "2026-10", ["a"])
    assert [r.status for r in list_runs(store_of(out))] == ["published"]


def test_audit_never_writes_to_the_store(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = out / "store.sqlite"
    before = store.read_bytes()
    assert main(["audit", "--out", str(out)]) == 0
    assert main(["audit", "--verify", str(link(out))]) == 0
    relink(out, "_runs/c")
    assert main(["audit", "--verify", str(link(out))]) == 1
    assert store.read_bytes() == before
    assert "publishing" in capsys.readouterr().out
    empty = out.parent / "empty"
    assert main(["audit", "--out", str(empty)]) == 0
    assert not (empty / "store.sqlite").exists()


@pytest.mark.parametrize("command", [["audit"], ["audit", "--verify"]])
def test_audit_of_a_corrupt_store_is_one_line(
    out: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    (out / "store.sqlite").write_bytes(b"\x8f not a database " * 64)
    args = [*command, str(link(out))] if "--verify" in command else [*command, "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "file is not a database" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
