"""A run's evidence: the quarantined rows, every rule's outcome, the suites as run, the
auditor's report and a copy of the configuration used.

An auditor reproduces and checks a review from these, without the source database.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from csreview import schema as s
from expectations import suite_json
from tasks.publish.files import PRIVATE_DIR, PRIVATE_FILE, json_bytes, sha256, write_file
from tasks.publish.fingerprints import raw_rows_csv
from tasks.validate import Validation


def write_evidence(run_dir: Path, validation: Validation, report_html: str) -> dict[str, str]:
    """Quarantine files, the rule results and GX's own results (owner-only: their rows and
    failing values, as found, may hold personal data), the suites as run and the auditor's
    report (values masked)."""
    written: dict[str, str] = {}
    quarantine_dir = run_dir / "quarantine"
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    quarantine_dir.chmod(PRIVATE_DIR)
    for table in s.TABLES:
        frame = validation.quarantine.get(table.name)
        if frame is None:
            continue
        data = raw_rows_csv(frame)
        write_file(quarantine_dir / f"{table.name}.csv", data, PRIVATE_FILE)
        written[f"quarantine/{table.name}.csv"] = sha256(data)
    documents = {
        "validation/results.json": json_bytes(validation_record(validation)),
        "validation/great_expectations.json": json_bytes(validation.gx_results),
        "validation/suites.json": json_bytes([suite_json(t.name) for t in s.TABLES]),
        "validation/report.html": report_html.encode("utf-8"),
    }
    private = {"validation/results.json", "validation/great_expectations.json"}
    for name, data in documents.items():
        write_file(run_dir / name, data, PRIVATE_FILE if name in private else None)
        written[name] = sha256(data)
    return written


def validation_record(validation: Validation) -> dict[str, Any]:
    """Each rule's outcome, as the auditor's report and the results store read it."""
    return {
        "blocking": list(validation.blocking),
        "counts": validation.counts,
        "rules": [
            {
                "table": r.table,
                "rule": r.rule,
                "severity": r.severity,
                "description": r.description,
                "engine": r.engine,
                "expectation": r.expectation,
                "checked": r.checked,
                "failed": r.failed,
                "passed": r.passed,
                "examples": list(r.examples),
                "gx_success": r.gx_success,
                "gx_unexpected": r.gx_unexpected,
                "gx_values": list(r.gx_values),
            }
            for r in validation.rules
        ],
    }


def write_config(run_dir: Path, settings: Mapping[str, Any], playbook: str) -> dict[str, str]:
    """A copy of the configuration the run used (credentials removed), so that an auditor
    can reproduce the review; returns each file's sha256."""
    files = {
        "config/settings.json": json_bytes(settings),
        "config/playbook.toml": playbook.encode(),
    }
    for name, data in files.items():
        write_file(run_dir / name, data)
    return {name: sha256(data) for name, data in files.items()}


def config_fingerprint(files: Mapping[str, str]) -> str:
    """One sha256 over the configuration files' hashes: equal for runs with equal config."""
    return sha256(json_bytes(dict(sorted(files.items()))))
