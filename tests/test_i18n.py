"""Every string a manager reads has a Simplified Chinese translation."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from csreview.catalog import KPIS
from csreview.i18n import translations

ROOT = Path(__file__).parents[1]


KEYWORDS = {"_": None, "_n": None}
PLAYBOOK_TEXTS = (
    "action", "owner_role", "why", "root", "resource", "risk", "sized_action", "sized_action_one",
)  # fmt: skip


def used_msgids() -> set[str]:
    """Msgids of code and templates, fishbone hypotheses, playbook texts and KPI labels."""
    method_map = [
        ("tasks/**.py", "python"),
        ("flows/**.py", "python"),
        ("report_templates/**.html", "jinja2"),
    ]
    options = {"report_templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = {
        m[2] if isinstance(m[2], str) else m[2][0]
        for m in extract_from_dir(ROOT, method_map, options, keywords=KEYWORDS)
    }
    playbook = tomllib.loads((ROOT / "csreview/config/playbook.toml").read_text("utf-8"))
    for action in playbook["actions"].values():
        found |= {action[key] for key in PLAYBOOK_TEXTS if key in action}
    for override in playbook["hypotheses"].values():
        found |= {override[key] for key in PLAYBOOK_TEXTS if key in override}
    return found | {k.label for k in KPIS}


@pytest.mark.parametrize("msgid", sorted(used_msgids()))
def test_translated(msgid: str) -> None:
    translated = translations("zh-CN").gettext(msgid)
    assert translated != msgid or msgid.strip() in {"", "#"}, msgid
