"""The command's own handling of what goes wrong around a run."""

from __future__ import annotations

from pathlib import Path

import pytest

from csreview.demo import DemoSpec, generate, to_database
from csreview.periods import Period
from flows import cli
from tests.conftest import AFTER_WINDOW


def test_a_temporary_prefect_server_that_never_starts_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import flows.review

    def no_server(**_: object) -> None:
        raise RuntimeError(f"{cli.EPHEMERAL_TIMEOUT}. stdout: …")

    monkeypatch.setattr(flows.review, "review", no_server)
    source = f"sqlite:///{tmp_path / 'centre.sqlite'}"
    september = Period("monthly", 2026, 9)
    to_database(
        generate(DemoSpec(september, months=1, contacts_per_day=5), now=AFTER_WINDOW), source
    )
    args = ["run", "--cadence", "monthly", "--period", "2026-09", "--source", source]
    assert cli.main([*args, "--out", str(tmp_path / "out")]) == cli.EXIT_USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith(cli.NO_PREFECT_SERVER), err
    assert "Traceback" not in "\n".join(err)
