"""What a late-run or failure alert says, from plain data (no server)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows.alerts import TENANTS_FLOW, tenant_words
from flows.late import LateRun, late_lines


@pytest.mark.parametrize(
    ("parameters", "flow_name", "words"),
    [
        ({"tenant": "north", "tenants_file": "/etc/t.toml"}, "service-quality-review", "north"),
        ({"tenant": None, "tenants_file": None}, "service-quality-review", "default"),
        ({"cadence": "monthly"}, TENANTS_FLOW, "every tenant"),
    ],
)
def test_an_alert_names_whom_the_run_reviews(
    parameters: dict[str, object], flow_name: str, words: str
) -> None:
    assert tenant_words(parameters, flow_name) == words


def test_a_late_run_says_when_it_was_due_and_how_late_it_is() -> None:
    due = datetime(2026, 11, 7, 22, 0, tzinfo=UTC)  # 06:00 on the 8th in Shanghai
    run = LateRun("id-1", "north-monthly-2026-10", due, {"tenant": "north", "cadence": "monthly", "period": "previous"})  # fmt: skip

    lines = late_lines([run], datetime(2026, 11, 7, 22, 47, 30, tzinfo=UTC))

    assert "north-monthly-2026-10: due 2026-11-07 22:00 UTC, 47 minutes ago" in lines
    assert "tenant: north  cadence: monthly  period: previous" in lines
    assert "step: not started" in lines
