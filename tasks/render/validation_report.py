"""The auditor's validation report: every rule of every table, its severity and engine,
counts and examples of failing rows.

What was validated and rejected, and why, in one document."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from csreview import schema as s
from csreview.personal_data import TEXT_CHARS, display_text
from csreview.settings import Language
from tasks.render.documents import environment
from tasks.render.formatting import SENTENCE_CHARS, Formatter
from tasks.validate import RuleResult, Validation


def build_validation_context(
    validation: Validation,
    run: Mapping[str, Any],
    fingerprints: Mapping[str, str],
    language: Language,
) -> dict[str, Any]:
    """What the auditor's validation report shows: every rule of every table, its severity,
    which engine checked it, its counts and examples of failing rows and values."""
    f = Formatter(language)

    def outcome(r: RuleResult) -> tuple[str, str]:
        if r.passed:
            return "pass", f._("passed")
        if r.severity == "warn":
            return "warn", f._("warning")
        return "fail", f._("blocking") if r.severity == "blocking" else f._("quarantined")

    def engine(r: RuleResult) -> str:
        if r.expectation is None:
            return f._("pandas (join or row order)")
        seen = "" if r.gx_agrees is not False else " ≠ " + str(r.gx_unexpected)
        return f"Great Expectations: {r.expectation}{seen}"

    tables = sorted({r.table for r in validation.rules}, key=lambda n: _TABLE_POSITION.get(n, 0))
    return {
        "lang": language,
        "run": dict(run),
        "blocking": [display_text(b, SENTENCE_CHARS) for b in validation.blocking],
        "summary": {
            "rules": f.number(len(validation.rules), 0),
            "gx": f.number(sum(r.expectation is not None for r in validation.rules), 0),
            "pandas": f.number(sum(r.expectation is None for r in validation.rules), 0),
            "failing": f.number(sum(not r.passed for r in validation.rules), 0),
        },
        "tables": [
            {
                "name": name,
                **{k: f.number(v, 0) for k, v in counts.items()},
                "sha256": fingerprints.get(name, ""),
            }
            for name, counts in validation.counts.items()
        ],
        "rules_by_table": [
            {
                "name": table,
                "rules": [
                    {
                        "rule": r.rule,
                        "description": r.description,
                        "severity": f._(r.severity),
                        "engine": engine(r),
                        "checked": f.number(r.checked, 0),
                        "failed": f.number(r.failed, 0),
                        "css": outcome(r)[0],
                        "outcome": outcome(r)[1],
                        "examples": examples(r.examples) if not r.passed else "",
                        "values": examples(_shown(v) for v in r.gx_values),
                    }
                    for r in validation.rules
                    if r.table == table
                ],
            }
            for table in tables
        ],
    }


_TABLE_POSITION: Final = {t.name: i for i, t in enumerate(s.TABLES)}


def _shown(value: str) -> str:
    return "(empty)" if value in {"<NA>", "None", "NaT", "nan"} else value


def examples(values: Iterable[object]) -> str:
    """Quoted examples of failing rows or values as shown: each one display text (masked,
    inert, shortened), the list cut too."""
    return display_text(", ".join(display_text(v, TEXT_CHARS) for v in values), SENTENCE_CHARS)


def render_validation_report(context: Mapping[str, Any], language: Language) -> str:
    return environment(language).get_template("validation.html").render(context)
