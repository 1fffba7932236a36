"""The run's manifest, filled in as the review goes: what was run on what, what was read,
the evidence, and how it ended.

Its record is the manifest file's content (`manifest.json`, the results store's run row):
its keys and their order are the run folder's contract with auditors and `csreview audit`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from csreview.schema import CONTACTS, CONTRACT_VERSION
from flows.runner import Review
from tasks.extract import Extract, describe_source
from tasks.playbook import playbook_text
from tasks.publish import config_fingerprint, versions, write_config
from tasks.validate import Validation

UNKNOWN_GIVE_UP = "abandoned_without_give_up_time"  # rows used with closed_at unknown


@dataclass
class Manifest:
    """One run's manifest: its heading when begun, then what was read, the evidence and
    the outcome as the steps note them."""

    review: Review
    source: str  # described: a database URL without its password
    config: dict[str, Any]
    config_files: dict[str, str]
    versions: dict[str, str]
    read_at: datetime | None = None
    fingerprints: dict[str, str] = field(default_factory=dict)  # of the rows read, by table
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    missing_tables: list[str] = field(default_factory=list)
    read_scope: dict[str, Any] = field(default_factory=dict)  # what the source was asked for
    blocking: list[str] = field(default_factory=list)
    evidence: dict[str, str] | None = None
    status: str | None = None
    fcr_provisional: bool | None = None
    crisis_level: str | None = None
    reused_steps: list[str] = field(default_factory=list)
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)  # §5a, as published

    @classmethod
    def begin(cls, review: Review) -> Manifest:
        """The run's manifest, its configuration written into the run folder."""
        config = review.settings.public_dump()
        files = write_config(
            review.plan.run_dir, config, playbook_text(review.settings.playbook_file)
        )
        return cls(review, describe_source(review.source), config, files, versions())

    def note_inputs(
        self, extract: Extract, validation: Validation, fingerprints: dict[str, str]
    ) -> None:
        """What was read: each table's counts, fingerprint and encoding; what was missing
        and what blocks."""
        self.read_at, self.fingerprints = extract.read_at, fingerprints
        self.tables = {
            name: {
                **counts,
                "sha256": fingerprints.get(name),
                "encoding": extract.encodings.get(name),
            }
            for name, counts in validation.counts.items()
        }
        if CONTACTS.name in self.tables:  # v2 §1a: used, never a short abandon
            self.tables[CONTACTS.name][UNKNOWN_GIVE_UP] = validation.unknown_give_up
        self.missing_tables = [*extract.missing_tables, *extract.absent_tables]
        self.read_scope = extract.scope
        self.blocking = list(validation.blocking)

    def note_outcome(
        self, status: str, fcr_provisional: bool, crisis_level: str | None, reused: list[str]
    ) -> None:
        self.status = status
        self.fcr_provisional = fcr_provisional
        self.crisis_level = crisis_level
        self.reused_steps = reused

    def audit_header(self) -> dict[str, Any]:
        """The run as the auditors' validation report names it."""
        heading = self._heading()
        read_at = self.read_at.isoformat(timespec="seconds") if self.read_at else None
        return {
            **{
                k: heading[k] for k in ("run_id", "cadence", "period", "source", "contract_version")
            },
            "tenant": self.review.tenant_name,
            "version": self.versions["csreview"],
            "read_at": read_at,
        }

    def record(self) -> dict[str, Any]:
        """The manifest's content; a blocked run's evidence comes before what was read (it
        is written as the gate stops the run)."""
        inputs = {
            "tables": self.tables,
            "missing_tables": self.missing_tables,
            "read_scope": self.read_scope,
            "blocking": self.blocking,
            "quarantine_holds_personal_data": True,
        }
        evidence = {} if self.evidence is None else {"evidence": self.evidence}
        if self.status == "blocked":
            return self._heading() | evidence | inputs | {"status": self.status}
        outcome = {
            "status": self.status,
            "fcr_provisional": self.fcr_provisional,
            "crisis_level": self.crisis_level,
            "reused_steps": self.reused_steps,
            "sections": self.sections,
        }
        return self._heading() | inputs | evidence | (outcome if self.status else {})

    def _heading(self) -> dict[str, Any]:
        review, plan = self.review, self.review.plan
        return {
            "run_id": plan.run_id,
            "reissue": plan.reissue,
            "reason": review.reason,
            "cadence": plan.period.cadence,
            "period": plan.period.label,
            "tenant": review.tenant,
            "source": self.source,
            "started_at": review.started.isoformat(timespec="seconds"),
            "contract_version": CONTRACT_VERSION,
            "config": self.config,
            "config_files": self.config_files,
            "config_sha256": config_fingerprint(self.config_files),
            "run_folder": str(plan.run_dir.resolve()),
            "versions": self.versions,
        }
