"""Actions and their follow-ups (PDCA): drafts, decisions by a person, checks in later periods.

Every decision is kept as an event and every follow-up appended, so the loop can be audited.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

import sqlalchemy as sa

from csreview.periods import parse_period
from csreview.store.engine import session
from csreview.store.tables import ActionEvent, ActionRecord, FollowUp, ReviewRun

EDITABLE: Final = ("action", "owner_role", "target", "due_date")


class ActionError(Exception):
    """An action that does not exist, or a change that is not allowed."""


def record_drafts(
    url: str,
    tenant: str,
    cadence: str,
    period: str,
    run_id: str,
    drafts: Sequence[Mapping[str, Any]],
) -> None:
    """Store a run's drafts: new ones as proposed; a reissue refreshes the drafts of its
    period that nobody has decided on yet, and never touches decided ones. An action that
    answers several problems is one draft: `problem_ranks` names them all (`1;2;4`), its
    segment is its first problem's, the one follow-ups measure."""
    with session(url) as s:
        for draft in drafts:
            known = s.get(ActionRecord, draft["action_id"])
            if known is not None and known.status != "proposed":
                continue
            fields = {
                c: draft[c]
                for c in (
                    "problem_rank",
                    "segment",
                    "action",
                    "kpi",
                    "baseline",
                    "target",
                    "owner_role",
                    "due_date",
                )
            }
            fields["problem_ranks"] = draft.get("problem_ranks") or str(draft["problem_rank"])
            s.merge(
                ActionRecord(
                    action_id=draft["action_id"],
                    tenant=tenant,
                    cadence=cadence,
                    opened_in=period,
                    run_id=run_id,
                    status="proposed",
                    **fields,
                )
            )
        s.commit()


def list_actions(
    url: str, tenant: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    query = sa.select(ActionRecord).order_by(ActionRecord.opened_in, ActionRecord.action_id)
    if tenant:
        query = query.where(ActionRecord.tenant == tenant)
    if status:
        query = query.where(ActionRecord.status == status)
    with session(url) as s:
        return [
            {c.name: getattr(a, c.name) for c in ActionRecord.__table__.columns}
            for a in s.scalars(query)
        ]


def approved_before(url: str, tenant: str, cadence: str, period: str) -> list[dict[str, Any]]:
    """Approved actions opened in an earlier period: the ones this period follows up — of its
    own cadence and, for a quarter, also the monthly actions opened before the quarter."""
    this = parse_period(cadence, period)
    first_month = this.months_to_end(this.months)[0]

    def earlier(action: Mapping[str, Any]) -> bool:
        if action["cadence"] == cadence:
            return bool(action["opened_in"] < period)
        return cadence == "quarterly" and bool(action["opened_in"] < first_month.label)

    return [a for a in list_actions(url, tenant, "approved") if earlier(a)]


def decide(
    url: str, action_id: str, event: str, by: str, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Approve, reject or edit an action, recording who, when and what changed."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ActionError(f"cannot change {', '.join(unknown)}")
    with session(url) as s:
        action = s.get(ActionRecord, action_id)
        if action is None:
            raise ActionError(f"no action {action_id} is on record")
        now = datetime.now(UTC)
        for name, value in changes.items():
            setattr(action, name, value)
        if event in ("approved", "rejected"):
            action.status = event
            action.decided_by, action.decided_at = by, now
        s.add(
            ActionEvent(
                action_id=action_id,
                at=now,
                by=by,
                event=event,
                changes=json.dumps(dict(changes), ensure_ascii=False),
            )
        )
        s.commit()
        return {c.name: getattr(action, c.name) for c in ActionRecord.__table__.columns}


def record_followups(url: str, period: str, run_id: str, rows: Sequence[Mapping[str, Any]]) -> None:
    with session(url) as s:
        for r in rows:
            s.merge(
                FollowUp(
                    action_id=r["action_id"],
                    checked_in=period,
                    run_id=run_id,
                    current=r["current"],
                    verdict=r["verdict"],
                )
            )
        s.commit()


def followups_checked_in(
    url: str, tenant: str, cadence: str, periods: Sequence[str]
) -> list[dict[str, Any]]:
    """A tenant's follow-ups checked in some periods, as the latest published run of each
    period recorded them: what a quarter's effectiveness review reads month by month."""
    latest = (
        sa.select(
            ReviewRun.run_id,
            sa.func.row_number()
            .over(
                partition_by=ReviewRun.period,
                order_by=(ReviewRun.started_at.desc(), ReviewRun.run_id.desc()),
            )
            .label("newest"),
        )
        .where(
            ReviewRun.tenant == tenant,
            ReviewRun.cadence == cadence,
            ReviewRun.period.in_(periods),
            ReviewRun.status == "published",
        )
        .subquery()
    )
    query = (
        sa.select(FollowUp.action_id, FollowUp.checked_in, FollowUp.current, FollowUp.verdict)
        .join(latest, latest.c.run_id == FollowUp.run_id)
        .where(latest.c.newest == 1)
        .order_by(FollowUp.checked_in, FollowUp.action_id)
    )
    with session(url) as s:
        return [dict(row._mapping) for row in s.execute(query)]
