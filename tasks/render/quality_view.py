"""The QA calibration page: reviewer agreement, each reviewer's bias, rubric items and
human against AI reviewers.

Shows whether the quality scores can be trusted before they are acted on."""

from __future__ import annotations

import math
from typing import Any, Final

import pandas as pd

from csreview import schema as s
from csreview.i18n import mark as _n
from csreview.personal_data import display_text
from tasks import qa
from tasks.render.formatting import Formatter


def calibration_page(c: qa.Calibration | None, f: Formatter) -> dict[str, Any] | None:
    if c is None:
        return None

    def optional(value: float | None) -> str:
        return "–" if value is None else f.number(value, 2)

    return {
        "contacts": f.number(c.contacts, 0),
        "reviewers": f.number(c.reviewers, 0),
        "alpha": optional(c.alpha),
        "icc": optional(c.icc),
        "block": "" if c.block_shape is None else f"{c.block_shape[0]} × {c.block_shape[1]}",
        "ai_minus_human": optional(c.ai_minus_human),
        "bias": [
            {
                "reviewer": display_text(r[s.REVIEWER_ID]),
                "kind": f._(str(r[s.REVIEWER_KIND])),
                "n": f.number(r[qa.N], 0),
                "bias": ("+" if r[qa.BIAS] > 0 else "") + f.number(r[qa.BIAS], 1),
                "mad": f.number(r[qa.MEAN_ABS_DEVIATION], 1),
            }
            for _, r in c.bias.head(8).iterrows()
        ],
        "rubric": _rubric(c.rubric, f),
        "kinds": [
            {
                "kind": f._(str(r[s.REVIEWER_KIND])),
                "evaluations": f.number(r[qa.EVALUATIONS], 0),
                "mean": f.number(r[qa.MEAN_SCORE], 1),
                "fail_rate": f.percent(r[qa.FAIL_RATE]),
            }
            for _, r in c.kinds.iterrows()
        ],
    }


RUBRIC_LABELS: Final = {
    "score": _n("overall score"), "attitude": _n("attitude"), "accuracy": _n("accuracy"),
    "compliance": _n("compliance"), "communication": _n("communication"),
    "resolution": _n("resolution"),
}  # fmt: skip


def _rubric(rubric: pd.DataFrame, f: Formatter) -> dict[str, Any]:
    """Rubric-item means: all reviewers, then each kind, as columns."""
    if rubric.empty:
        return {"kinds": [], "rows": []}
    kinds = list(dict.fromkeys(str(x) for x in rubric[s.REVIEWER_KIND]))
    mean = rubric.set_index([qa.ITEM, s.REVIEWER_KIND])[qa.MEAN]
    return {
        "kinds": [f._("all reviewers") if x == qa.ALL else f._(x) for x in kinds],
        "rows": [
            {
                "item": f._(RUBRIC_LABELS.get(item, item)),
                "cells": [f.number(mean.get((item, x), math.nan), 1) for x in kinds],
            }
            for item in dict.fromkeys(str(x) for x in rubric[qa.ITEM])
        ],
    }
