"""The verbatim themes of the customer-satisfaction section, labelled in one language.

What customers wrote, grouped, beside the scores."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from csreview.personal_data import display_text
from tasks import themes as th
from tasks.render.formatting import Formatter


def theme_rows(
    frame: pd.DataFrame | None, labels: Mapping[str, Mapping[str, str]], f: Formatter
) -> list[dict[str, Any]]:
    if frame is None or frame.empty:
        return []
    shown = {key: by_language[f.language] for key, by_language in labels.items()}
    return [
        {
            "label": shown.get(str(r[th.THEME]), str(r[th.THEME])),
            "comments": f.number(r[th.COMMENTS], 0),
            "share": f.percent(r[th.SHARE], 0),
            "csat": f.number(r[th.MEAN_CSAT], 2),
            "detractors": f.percent(r[th.DETRACTOR_SHARE], 0),
            "examples": [display_text(e, th.QUOTE_CHARS) for e in r[th.EXAMPLES]],
        }
        for _, r in frame.iterrows()
    ]
