"""The playbook: the thresholds, trend factors, crisis rules and action texts a centre sets.

Loaded once where the review starts and handed to the steps as a value: the analysis reads
no file, and a centre's own playbook changes their verdicts without a change of code.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from csreview.settings import config_text
from tasks.fishbone.runner import Hypothesis


def playbook_text(path: Path | None) -> str:
    """The playbook as written: the shipped one, or the file the settings name."""
    return config_text("playbook.toml", path)


def load_playbook(path: Path | None) -> dict[str, Any]:
    """The playbook as data. A centre's own playbook written before a threshold existed
    gets the shipped value for it, so a new hypothesis never breaks an older playbook."""
    playbook = tomllib.loads(playbook_text(path))
    if path is not None:
        shipped = tomllib.loads(playbook_text(None))
        for table in ("thresholds", "trend", "incidents"):
            playbook[table] = {**shipped[table], **playbook.get(table, {})}
        crisis = playbook.setdefault("crisis", shipped["crisis"])
        crisis["incidents"] = {**shipped["crisis"]["incidents"], **crisis.get("incidents", {})}
    return playbook


def cause_template(playbook: Mapping[str, Any], cause: Hypothesis) -> dict[str, Any] | None:
    """The playbook's texts for a cause: its category's, with what the hypothesis itself
    words differently (`[hypotheses.KEY]`) in their place; None when the category has none."""
    template = playbook["actions"].get(cause.category)
    if template is None:
        return None
    return {**template, **playbook.get("hypotheses", {}).get(cause.key, {})}
