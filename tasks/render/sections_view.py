"""The sections a review could not assess, in words: the note each such section shows in
the report, and manifest.json's `sections` record.

Why here: analysis names the section states and reasons as records; only `tasks/render`
words them, per report language (the manifest in English, as auditors read it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from csreview.i18n import mark as _n
from tasks.render.formatting import Formatter
from tasks.render.root_cause_words import word
from tasks.sections import SECTIONS, Section

NOT_ASSESSED = _n("Not assessed: {reason}.")
UNKNOWN_GIVE_UP = _n(
    "{n} abandoned contacts have no give-up time (closed_at empty): they are used, and never "
    "counted as short abandons."
)


def not_assessed_notes(sections: Mapping[str, Section], f: Formatter) -> dict[str, str]:
    """Per section (every one of `SECTIONS`), the sentence it shows instead of figures when
    it is not assessed, empty when it is."""

    def note(section: Section | None) -> str:
        if section is None or section.reason is None:
            return ""
        return f._(NOT_ASSESSED).format(reason=word(section.reason, f))

    return {name: note(sections.get(name)) for name in SECTIONS}


def manifest_sections(sections: Mapping[str, Section]) -> dict[str, dict[str, Any]]:
    """manifest.json's `sections`: each section's status and the reason, in English (empty
    for a section assessed), so that every entry has the same two keys."""
    english = Formatter("en")
    return {
        name: {
            "status": section.state,
            "reason": "" if section.reason is None else word(section.reason, english),
        }
        for name, section in sections.items()
    }
