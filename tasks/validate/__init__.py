"""Validate: every rule of the suites in `expectations/` checked on every row of the extract.

The gate (`gate`) applies each rule's pandas mask: blocking failures, quarantined rows and
their reasons. Great Expectations records the same rules (`gx_record`, SUMMARY results) on the
same rows: both are generated from one declaration per rule, so their counts agree.
"""

from __future__ import annotations

from csreview.settings import Settings
from tasks.extract import Extract
from tasks.validate.gate import check_rules, text_limits
from tasks.validate.gx_record import (
    GxInputs,
    GxRun,
    filed_inputs,
    gx_inputs,
    gx_record,
    prepare_gx,
    run_suites,
    suite_orders,
    with_gx,
)
from tasks.validate.results import REASON, RuleResult, Validation, shortened

__all__ = [
    "REASON",
    "GxInputs",
    "GxRun",
    "RuleResult",
    "Validation",
    "check_rules",
    "filed_inputs",
    "gx_inputs",
    "prepare_gx",
    "run_suites",
    "shortened",
    "suite_orders",
    "text_limits",
    "validate",
    "with_gx",
]


def validate(extract: Extract, settings: Settings, record_with_gx: bool = True) -> Validation:
    """Check every rule of the suites on the period's extract. `record_with_gx=False` skips
    the GX record (the quarantine sets are the same): for measuring what GX costs."""
    checked = check_rules(extract, settings)
    if not record_with_gx:
        return checked
    return with_gx(checked, gx_record(extract, settings))
