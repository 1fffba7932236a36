"""Analytics speed: the full KPI catalog and the other analytics steps on a generated month
holding about N contacts in its extract.

    .venv/bin/python -m bench.analytics --contacts 1000000
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from bench.data import extract_of
from csreview import demo
from csreview import schema as s
from csreview.periods import Period
from csreview.settings import load_settings
from tasks import compare, qa, scorecard, staffing, surveys, themes
from tasks import kpis as k

OCTOBER = Period("monthly", 2026, 10)


def timed(label: str, call: Callable[[], Any], out: dict[str, float]) -> Any:
    started = time.perf_counter()
    result = call()
    out[label] = time.perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1_000_000)
    args = parser.parse_args()
    settings = load_settings()
    zone = settings.zone
    frames = demo.generate(demo.DemoSpec(OCTOBER, months=1, contacts_per_day=args.contacts // 38))
    now = datetime(2026, 11, 23, tzinfo=UTC)
    clean = extract_of(frames, OCTOBER, zone, now).typed
    start, end = pd.Timestamp(OCTOBER.start(zone)), pd.Timestamp(OCTOBER.end(zone))
    t: dict[str, float] = {}
    facts = timed(
        "facts",
        lambda: k.build_facts(
            clean, OCTOBER, settings, k.fcr_is_provisional(OCTOBER, settings, now)
        ),
        t,
    )
    table = timed("kpis (every KPI × segment)", lambda: k.compute_kpis(facts, settings), t)
    timed("history rows (variances)", lambda: compare.history_rows(table, facts), t)
    timed("satisfaction", lambda: surveys.summarise_satisfaction(clean, facts.contacts), t)
    mine = surveys.period_surveys(clean, facts.contacts)
    config = themes.load_themes()
    timed("verbatim themes", lambda: themes.verbatim_themes(mine, config), t)
    evaluations = clean[s.QA_EVALUATIONS.name]
    in_period = evaluations[evaluations[s.CONTACT_ID].isin(facts.contacts[s.CONTACT_ID])]
    timed("QA calibration", lambda: qa.summarise_calibration(in_period, settings.qa_pass_mark), t)
    timed(
        "staffing (Erlang C)",
        lambda: staffing.plan_staffing(
            clean[s.CONTACTS.name],
            clean[s.SHIFTS.name],
            start,
            end,
            target_seconds=settings.service_level_seconds,
            service_level_target=0.8,
            chat_concurrency=settings.chat_concurrency,
        ),
        t,
    )
    weights = settings.scorecard["weights"]
    timed(
        "agent scorecard",
        lambda: scorecard.agent_scorecard(
            table, clean[s.AGENTS.name], settings, OCTOBER.calendar_months, weights
        ),
        t,
    )
    out = sys.stdout
    out.write(
        f"contacts in the extract: {len(clean['contacts']):,}; in the period: {len(facts.contacts):,}; "
        f"surveys: {len(mine):,}; evaluations: {len(in_period):,}; kpis.csv rows: {len(table):,}\n"
    )
    for label, seconds in t.items():
        out.write(f"{label:30s} {seconds:6.2f} s\n")
    out.write(f"{'total':30s} {sum(t.values()):6.2f} s\n")


if __name__ == "__main__":
    main()
