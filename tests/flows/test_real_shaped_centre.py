"""A centre in the shape of a real export: phone calls only, 8 agents, 5 topics, CSAT but no
NPS, no QA, no rota, and no give-up time for abandoned calls (data contract v2 §1a, §1b).

Generated here (no third-party data). The review publishes, says in the manifest and the
report which sections it could not assess and why, and its KPIs equal a plain pandas
computation from the raw rows.
"""

from __future__ import annotations

import json
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flows.cli import main
from tests.conftest import OCTOBER

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server", "no_pdf")]

TOPICS = ("billing", "logistics", "returns", "product", "account")
NOT_ASSESSED = ("nps", "qa", "calibration", "staffing", "followups")


def real_shaped_export(seed: int = 18) -> dict[str, pd.DataFrame]:
    """October 2026 and the 7 days after it: about 55 calls a day, 18 % abandoned with
    closed_at empty, customers calling back about the same topic."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2026-10-01", "2026-11-07", freq="D")  # all within the FCR window
    per_day = rng.poisson(55, len(days))
    day = np.repeat(days.to_numpy(), per_day)
    n = len(day)
    created = pd.to_datetime(day) + pd.to_timedelta(rng.integers(8 * 3600, 20 * 3600, n), "s")
    created = created.sort_values()
    wait = rng.exponential(40, n).round()
    abandoned = rng.random(n) < 0.18
    agents = [f"AG{i}" for i in range(1, 9)]
    talk = rng.lognormal(np.log(240), 0.5, n).round().astype(int)
    wrap = rng.integers(10, 60, n)
    answered_at = created + pd.to_timedelta(wait, "s")
    contacts = pd.DataFrame(
        {
            "contact_id": [f"K{i:05d}" for i in range(n)],
            "customer_id": [f"U{c:04d}" for c in rng.integers(0, 900, n)],
            "channel": "phone",
            "category": rng.choice(TOPICS, n),
            "created_at": created,
            "answered_at": pd.Series(answered_at).where(~abandoned),
            "closed_at": pd.Series(answered_at + pd.to_timedelta(talk + wrap, "s")).where(
                ~abandoned
            ),  # an abandoned call's give-up time is not recorded
            "agent_id": pd.Series(rng.choice(agents, n)).where(~abandoned),
            "abandoned": np.where(abandoned, "Y", "N"),
            "talk_seconds": np.where(abandoned, 0, talk),
            "hold_seconds": 0,
            "wrap_seconds": np.where(abandoned, 0, wrap),
            "resolved": np.where(abandoned, None, np.where(rng.random(n) < 0.8, "Y", "N")),
        }
    )
    agents_frame = pd.DataFrame(
        {
            "agent_id": agents,
            "team": ["Team A"] * 4 + ["Team B"] * 4,
            "tier": ["junior", "intermediate", "senior", "senior"] * 2,
            "hired_on": "2024-03-01",
        }
    )
    answered = contacts[~abandoned].sample(frac=0.2, random_state=seed)
    surveys = pd.DataFrame(  # satisfaction is asked; NPS is not
        {
            "survey_id": [f"S{i:05d}" for i in range(len(answered))],
            "contact_id": answered["contact_id"].to_numpy(),
            "submitted_at": (answered["closed_at"] + pd.Timedelta(minutes=5)).to_numpy(),
            "csat": rng.integers(1, 6, len(answered)),
        }
    )
    return {"agents": agents_frame, "contacts": contacts, "surveys": surveys}


def expected_kpis(contacts: pd.DataFrame) -> dict[str, float]:
    """The contract's definitions (§3), computed directly from the rows as written."""
    c = contacts[(contacts["created_at"] >= "2026-10-01") & (contacts["created_at"] < "2026-11-01")]
    answered = c[c["answered_at"].notna()]
    abandoned = c[c["abandoned"] == "Y"]  # closed_at unknown: none is a short abandon
    wait = (answered["answered_at"] - answered["created_at"]).dt.total_seconds()
    counted = len(answered) + len(abandoned)
    later = contacts[["customer_id", "category", "created_at"]]
    pairs = answered[["contact_id", "customer_id", "category", "created_at"]].merge(
        later, on=["customer_id", "category"], suffixes=("", "_next")
    )
    gap = pairs["created_at_next"] - pairs["created_at"]
    repeated = pairs.loc[(gap > pd.Timedelta(0)) & (gap <= pd.Timedelta(days=7)), "contact_id"]
    handle = answered["talk_seconds"] + answered["hold_seconds"] + answered["wrap_seconds"]
    return {
        "contacts": len(c),
        "service_level": (wait <= 20).sum() / counted,
        "abandon_rate": len(abandoned) / counted,
        "asa_seconds": wait.sum() / len(answered),
        "aht_seconds": handle.sum() / len(answered),
        "fcr": (len(answered) - repeated.nunique()) / len(answered),
    }


def test_a_real_shaped_centre_publishes_and_says_what_it_could_not_assess(
    tmp_path: Path,
) -> None:
    frames = real_shaped_export()
    source = tmp_path / "export"
    source.mkdir()
    for name, frame in frames.items():  # no qa_evaluations.csv, no shifts.csv
        frame.to_csv(source / f"{name}.csv", index=False)
    out = tmp_path / "out"
    args = ["run", "--cadence", "monthly", "--period", OCTOBER.label, "--source", str(source)]
    assert main([*args, "--out", str(out)]) == 0

    published = out / "monthly" / OCTOBER.label
    manifest = json.loads((published / "manifest.json").read_text())
    sections = manifest["sections"]
    assert sorted(n for n, v in sections.items() if v["status"] == "not_assessed") == sorted(
        NOT_ASSESSED
    )
    assert all(sections[n]["reason"] for n in NOT_ASSESSED)
    assert "rota" in sections["staffing"]["reason"]
    abandoned = int((frames["contacts"]["abandoned"] == "Y").sum())
    assert manifest["tables"]["contacts"]["abandoned_without_give_up_time"] == abandoned
    assert manifest["tables"]["contacts"]["quarantined"] == 0
    assert sorted(manifest["missing_tables"]) == ["qa_evaluations", "shifts"]

    html = unescape((published / "review.html").read_text())
    for name in NOT_ASSESSED:
        assert sections[name]["reason"].split(":")[0] in html, name
    assert "intervals were understaffed" not in html  # no claim from an absent rota
    assert "scheduled agent hours cost" not in html

    kpis = pd.read_csv(published / "kpis.csv")
    overall = kpis[kpis["dimension"] == "all"].set_index("kpi")["value"]
    for kpi, value in expected_kpis(frames["contacts"]).items():
        assert overall[kpi] == pytest.approx(value, rel=1e-9), kpi
    causes = pd.read_csv(published / "root_causes.csv")
    assert set(causes["verdict"]) <= {"verified", "not_supported", "not_testable"}
    staffing_tests = causes[causes["hypothesis_id"].isin(["agent_load", "erlang_gaps"])]
    assert (staffing_tests["verdict"] == "not_testable").all()
