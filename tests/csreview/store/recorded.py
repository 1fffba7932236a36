"""A run's manifest and rule results as a review records them, for the store's tests."""

from __future__ import annotations

from typing import Any


def manifest(
    run_id: str, period: str, status: str = "published", tenant: str | None = None
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "tenant": tenant,
        "cadence": "monthly",
        "period": period,
        "reissue": 0,
        "reason": None,
        "status": status,
        "started_at": f"{period}-28T01:00:00+00:00",
        "source": "sqlite:///centre.sqlite",
        "contract_version": "1",
        "config_sha256": "c" * 64,
        "run_folder": f"/reviews/monthly/_runs/{run_id}",
        "blocking": ["required column channel is missing from table contacts"]
        if status == "blocked"
        else [],
        "tables": {
            "agents": {"read": 3, "used": 3, "quarantined": 0, "sha256": "a" * 64},
            "contacts": {"read": 10, "used": 8, "quarantined": 2, "sha256": "b" * 64},
        },
    }


RULES = [
    {"table": "contacts", "rule": "channel_values", "severity": "quarantine", "engine": "great_expectations", "description": "channel is not phone, chat, email, app or social", "checked": 10, "failed": 2},
    {"table": "contacts", "rule": "created_at_required", "severity": "quarantine", "engine": "great_expectations", "description": "created_at is missing", "checked": 10, "failed": 0},
]  # fmt: skip
