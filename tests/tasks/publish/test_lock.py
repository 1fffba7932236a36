"""Runs of one tenant's period wait for each other; other tenants and periods do not."""

from __future__ import annotations

from pathlib import Path


def test_runs_of_one_period_wait_for_each_other(tmp_path: Path) -> None:
    import threading
    import time

    from csreview.periods import Period
    from tasks.publish import period_lock

    period = Period("monthly", 2026, 10)
    events: list[str] = []
    first_in = threading.Event()

    def first() -> None:
        with period_lock(tmp_path, None, period):
            events.append("first in")
            first_in.set()
            time.sleep(0.3)
            events.append("first out")

    def second() -> None:
        first_in.wait()
        with period_lock(tmp_path, None, period):
            events.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert events == ["first in", "first out", "second in"]
    with (
        period_lock(tmp_path, "north", period),
        period_lock(tmp_path, None, Period("monthly", 2026, 9)),
    ):
        pass  # other tenants and periods are not blocked
