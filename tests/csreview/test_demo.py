"""The demo centre is an export taken at `now`: nothing in it happens after that moment."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from csreview import schema as s
from csreview.demo import DemoSpec, generate
from csreview.periods import Period
from tests.conftest import ZONE


@pytest.mark.parametrize("hour", [0, 9, 23])
def test_nothing_is_created_or_closed_after_now(hour: int) -> None:
    now = datetime(2026, 11, 3, hour, 30, tzinfo=ZONE)
    frames = generate(DemoSpec(Period("monthly", 2026, 10), months=1, contacts_per_day=40), now)
    stop = pd.Timestamp(now.replace(tzinfo=None))
    contacts = frames[s.CONTACTS.name]
    assert contacts[s.CREATED_AT].max() < stop
    assert not (contacts[s.CLOSED_AT] > stop).any()
    assert (contacts[s.CREATED_AT] >= stop - pd.Timedelta(days=1)).any()  # up to `now`
    assert not (frames[s.SURVEYS.name][s.SUBMITTED_AT] > stop).any()
    assert not (frames[s.QA_EVALUATIONS.name][s.EVALUATED_AT] > stop).any()
    abandoned = contacts[contacts[s.ABANDONED].astype(bool)]
    assert abandoned[s.CLOSED_AT].notna().all()  # the demo knows when each caller gave up
