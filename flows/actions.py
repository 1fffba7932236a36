"""`csreview actions`: the improvement plan between two reviews — list the drafted actions,
approve, edit or reject them. Approved actions are followed up by every later review."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any, Final

from csreview.settings import Settings
from csreview.store import ActionError, StoreError, decide, list_actions

EXIT_OK: Final = 0
EXIT_USAGE: Final = 2
COLUMNS: Final = ("action_id", "opened_in", "status", "kpi", "target", "owner_role", "due_date")


def add_parser(commands: Any) -> None:
    actions = commands.add_parser(
        "actions", help="list, approve, edit or reject the drafted improvement actions"
    )
    actions.add_argument("--tenant", default=None)
    actions.add_argument("--status", choices=("proposed", "approved", "rejected"), default=None)
    actions.add_argument("--store", default=None, help="results store URL")
    actions.add_argument("--out", default=None)
    actions.add_argument("--config", default=None)
    verbs = actions.add_subparsers(dest="verb")
    for verb in ("approve", "edit", "reject"):
        p = verbs.add_parser(verb)
        p.add_argument("action_id")
        p.add_argument("--by", required=True, help="who decides (recorded with the time)")
        if verb != "reject":
            p.add_argument("--owner", dest="owner_role", default=None)
            p.add_argument("--target", type=float, default=None)
            p.add_argument("--due", dest="due_date", type=date.fromisoformat, default=None)
            p.add_argument("--text", dest="action", default=None)


def run(args: argparse.Namespace, settings: Settings) -> int:
    url = settings.resolved_store_url
    try:
        if args.verb is None:
            rows = list_actions(url, args.tenant, args.status)
            if not rows:
                _say("no action is on record")
            for row in rows:
                _say("  ".join(str(row[c]) for c in COLUMNS) + f"\n    {row['action']}")
            return EXIT_OK
        changes = {
            name: (value.isoformat() if isinstance(value, date) else value)
            for name in ("owner_role", "target", "due_date", "action")
            if (value := getattr(args, name, None)) is not None
        }
        event = {"approve": "approved", "reject": "rejected", "edit": "edited"}[args.verb]
        row = decide(url, args.action_id, event, args.by, changes)
        _say(f"{row['action_id']}: {row['status']} ({args.verb} by {args.by})")
        return EXIT_OK
    except (ActionError, StoreError) as err:
        sys.stderr.write(f"error: {err}\n")
        return EXIT_USAGE


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
