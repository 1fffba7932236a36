"""Root-cause drafting: the trend in a problem's priority worked out by hand, and on generated
centres each planted problem is rank 1 with its planted cause verified; a healthy centre
raises no crisis and claims no cause without evidence."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from csreview import demo
from csreview import schema as s
from csreview.periods import Period
from csreview.settings import load_settings
from tasks import compare, render
from tasks import crisis as cr
from tasks import fishbone as fb
from tasks import kpis as k
from tasks import root_cause as rc
from tasks import staffing as st
from tasks.extract import extract_period
from tasks.validate import validate
from tests.conftest import ZONE
from tests.tasks.test_fishbone import contacts, hypothesis

SEPTEMBER = Period("monthly", 2026, 9)
NOW = datetime(2026, 11, 20, tzinfo=ZONE)
EVENING = ((k.HOUR_BAND, "20-24"),)
SERVICE_LEVEL = fb.KINDS_BY_KPI["service_level"]
FACTORS = {"worse": 1.5, "better": 0.75}


def history(kpi: str, numerator: float, denominator: float, segment: str = "20-24") -> pd.DataFrame:
    row = {
        k.KPI: kpi, k.DIMENSION: k.HOUR_BAND, k.SEGMENT: segment,
        k.VALUE: numerator / denominator, k.NUMERATOR: numerator, k.DENOMINATOR: denominator,
        compare.VARIANCE: math.nan,
    }  # fmt: skip
    return pd.DataFrame([row], columns=list(compare.HISTORY_COLUMNS))


# ---------------------------------------------------------------- segment excess
def _counted(channel: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            s.CHANNEL: channel,
            k.HOUR_BAND: pd.Categorical(
                ["08-12", "20-24", "20-24", "20-24", None, "08-12"],
                categories=["00-08", "08-12", "20-24"],  # "00-08" never met
            ),
            k.COUNTED: [1, 1, 1, 1, 1, 0],
            k.WITHIN_SL: [1, 0, 0, 1, 1, 0],
        }
    )


@pytest.mark.parametrize(
    "channel",
    [
        pd.Series(["voice", "voice", "chat", "voice", "chat", None]),
        pd.Series(["voice", "voice", "chat", "voice", "chat", None], dtype="category"),
    ],
)
@pytest.mark.parametrize("dims", [(s.CHANNEL,), (k.HOUR_BAND,), (k.HOUR_BAND, s.CHANNEL)])
def test_segment_excess_is_the_grouped_sum_of_defects(
    channel: pd.Series, dims: tuple[str, ...]
) -> None:
    """Counted with codes and bincount, as a groupby counts it: segments met in the data,
    in groupby's order, a row without a segment in the totals only."""
    frame = _counted(channel)
    counts = rc.defect_counts(frame, SERVICE_LEVEL, [s.CHANNEL, k.HOUR_BAND])
    found = rc.segment_excess(counts, 0.2, dims, min_base=0)
    grouped = (
        frame.assign(d=frame[k.COUNTED] - frame[k.WITHIN_SL])
        .groupby(list(dims), observed=True)[["d", k.COUNTED]]
        .sum()
    )
    assert [tuple(map(str, i)) if len(dims) > 1 else (str(i),) for i in found.index] == [
        tuple(map(str, i)) if len(dims) > 1 else (str(i),) for i in grouped.index
    ]
    assert found["defects"].tolist() == grouped["d"].tolist()
    assert found["base"].tolist() == grouped[k.COUNTED].tolist()
    # 2 misses in 5 counted contacts, both in the evening's 3; none in the other 2
    if dims == (k.HOUR_BAND,):
        evening = found.loc["20-24"]
        assert (evening["defects"], evening["base"], evening["rest_rate"]) == (2, 3, 0.0)
        assert evening["excess"] == pytest.approx(2 - 0.2 * 3)
        assert evening["share"] == 1.0


def test_segment_excess_keeps_segments_with_the_minimum_base_only() -> None:
    counts = rc.defect_counts(_counted(pd.Series(["v"] * 6)), SERVICE_LEVEL, [k.HOUR_BAND])
    assert list(rc.segment_excess(counts, 0.2, (k.HOUR_BAND,), min_base=2).index) == ["20-24"]


# ---------------------------------------------------------------- trend
@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        # now 60 misses of 100; before SL 80/100 → 20 misses: z = 5.8 → worse
        (80, 100, rc.Trend("worse", 0.8, 1.5)),
        # before SL 10/100 → 90 misses: better
        (10, 100, rc.Trend("better", 0.1, 0.75)),
        # before 41/100 → 59 misses: pooled 0.595, z = 0.14, p = 0.89
        (41, 100, rc.Trend("no_change", 0.41, 1.0)),
        (16, 20, rc.Trend("low_sample", 0.8, 1.0)),
    ],
)
def test_trend_of_a_problem_against_the_previous_period(
    numerator: float, denominator: float, expected: rc.Trend
) -> None:
    before = history("service_level", numerator, denominator)
    trend = rc.segment_trend(SERVICE_LEVEL, EVENING, 60, 100, before, 30, FACTORS)
    assert trend == expected


def test_without_an_earlier_figure_the_trend_is_neutral() -> None:
    before = history("service_level", 80, 100)
    pair = (*EVENING, (s.CHANNEL, "chat"))
    assert rc.segment_trend(SERVICE_LEVEL, EVENING, 60, 100, None, 30, FACTORS) == rc.Trend("na")
    assert rc.segment_trend(SERVICE_LEVEL, pair, 60, 100, before, 30, FACTORS).verdict == "na"
    other = history("abandon_rate", 5, 100)
    assert rc.segment_trend(SERVICE_LEVEL, EVENING, 60, 100, other, 30, FACTORS).verdict == "na"


def evening_facts() -> k.Facts:
    """40 evening contacts, 20 of them missing the service level, split over two categories
    and two channels (so no two-dimension segment wins); 60 daytime contacts, none missed."""
    groups = [
        (n, {k.HOUR_BAND: "20-24", s.CATEGORY: category, s.CHANNEL: channel, k.WITHIN_SL: sl})
        for category in ("billing", "returns")
        for channel in ("phone", "chat")
        for n, sl in ((5, 0), (5, 1))
    ]
    frame = contacts(*groups, (60, {}))
    empty = frame.iloc[0:0]
    return k.Facts(frame, empty, empty, empty, empty, fcr_provisional=False)


def test_a_worse_trend_raises_the_priority_and_shows_in_the_problem_list() -> None:
    # evening: 20 misses of 40 against a 20 % allowance → 12 excess, weight 1; before
    # 36 of 40 met it (4 misses): worse, ×1.5
    settings, playbook = load_settings(), rc.load_playbook(None)
    facts = evening_facts()
    neutral = rc.problem_list(facts, settings, playbook)[0]
    assert (neutral.segment, neutral.trend) == (EVENING, "na")
    assert neutral.priority == pytest.approx(12.0)
    before = history("service_level", 36, 40)
    worse = rc.problem_list(facts, settings, playbook, before)[0]
    assert (worse.trend, worse.previous) == ("worse", 0.9)
    assert worse.priority == pytest.approx(18.0)


def test_an_older_playbook_gets_the_new_thresholds(tmp_path: Path) -> None:
    shipped = rc.playbook_text(None)
    older = shipped[: shipped.index("[trend]")] + shipped[shipped.index("[actions.environment]") :]
    older = older.replace(
        "[actions.environment]", "[thresholds]\nmax_problems = 3\n\n[actions.environment]"
    )
    path = tmp_path / "playbook.toml"
    path.write_text(older, "utf-8")
    playbook = rc.load_playbook(path)
    assert playbook["thresholds"]["max_problems"] == 3
    assert playbook["thresholds"]["spike_z"] == rc.load_playbook(None)["thresholds"]["spike_z"]
    assert playbook["trend"] == {"worse": 1.5, "better": 0.75}


def test_a_hypothesis_words_its_own_action_and_keeps_the_rest_of_its_category() -> None:
    playbook = rc.load_playbook(None)
    template = rc.cause_template(playbook, hypothesis("measurement", "data_quality", "verified", 1))
    assert template is not None
    assert template["owner_role"] == "data engineer"
    assert template["action"].startswith("Trace the segment's rejected rows")
    plain = rc.cause_template(playbook, hypothesis("measurement", "survey_response", "verified", 1))
    assert plain == playbook["actions"]["measurement"]


# ---------------------------------------------------------------- generated centres
def drafted(
    problem: demo.PlantedProblem, folder: Path
) -> tuple[rc.RootCause, str | None, pd.DataFrame]:
    """A generated centre's September as the review drafts it: validated, with the Erlang C
    staffing summary and the quarantine."""
    settings = load_settings()
    spec = demo.DemoSpec(SEPTEMBER, months=2, contacts_per_day=120, seed=11, problem=problem)
    demo.to_folder(demo.generate(spec, now=NOW), str(folder))
    validation = validate(extract_period(str(folder), SEPTEMBER, ZONE, NOW), settings, False)
    facts = k.build_facts(validation.clean, SEPTEMBER, settings, fcr_provisional=False)
    kpis = k.compute_kpis(facts, settings)
    staffing = st.plan_staffing(
        validation.clean[s.CONTACTS.name],
        validation.clean[s.SHIFTS.name],
        pd.Timestamp(SEPTEMBER.start(ZONE)),
        pd.Timestamp(SEPTEMBER.end(ZONE)),
        target_seconds=settings.service_level_seconds,
        service_level_target=settings.targets["service_level"].target,
        chat_concurrency=settings.chat_concurrency,
    )
    result = rc.draft_root_cause(
        facts,
        validation.clean,
        SEPTEMBER,
        "t",
        settings,
        render.Formatter("en"),
        staffing=staffing.summary,
        quarantine=validation.quarantine,
    )
    rules = rc.load_playbook(None)["crisis"]
    return result, cr.crisis_level(result.problems, kpis, None, rules).level, kpis


@pytest.mark.slow
@pytest.mark.parametrize(
    ("problem", "segment", "kpi", "cause", "verified"),
    [
        ("evening_understaffing", "hour_band=20-24", "service_level", "environment",
         {"agent_load", "erlang_gaps"}),
        ("billing_transfers", "category=billing", "complaint_rate", "method", {"transfers"}),
        ("returns_outage", "category=returns", "complaint_rate", "machine", {"day_spikes"}),
        ("weak_agents", "category=product", "complaint_rate", "people",
         {"agent_concentration"}),
    ],
)  # fmt: skip
def test_planted_problem_is_rank_one_with_its_cause_verified(
    problem: demo.PlantedProblem,
    segment: str,
    kpi: str,
    cause: str,
    verified: set[str],
    tmp_path: Path,
) -> None:
    result, level, _ = drafted(problem, tmp_path)
    first = result.problems.iloc[0]
    assert (first["segment"], first["kpi"]) == (segment, kpi)
    causes = result.causes[result.causes["problem_rank"] == 1]
    assert set(causes.loc[causes["verdict"] == "verified", "hypothesis_id"]) == verified
    assert (causes.loc[causes["verified"] == "true", "category"] == cause).all()
    assert level is not None  # far off target in a large segment
    whys = result.whys[result.whys["problem_rank"] == 1]
    assert set(whys["category"]) == {cause} and len(whys) == 3  # one chain: the strongest
    actions = result.actions[result.actions["problem_rank"] == 1]
    assert len(actions) == 1


@pytest.mark.slow
def test_a_healthy_centre_raises_no_crisis_and_claims_nothing_without_evidence(
    tmp_path: Path,
) -> None:
    result, level, _ = drafted("none", tmp_path)
    assert level is None
    assert "hour_band=20-24" not in set(result.problems["segment"])
    causes = result.causes
    verified = causes[causes["verified"] == "true"]
    assert (verified["verdict"] == "verified").all()
    assert verified["evidence"].str.contains(r"\d").all()
    circular = causes[
        causes["hypothesis_id"].isin(["junior_share", "new_hires"])
        & causes["problem_rank"].isin(
            result.problems.loc[result.problems["segment"].str.contains("tier="), "rank"]
        )
    ]
    assert len(circular) and (circular["verdict"] == "not_testable").all()
    assert set(result.actions["problem_rank"]) <= set(verified["problem_rank"])
    assert set(causes.columns) >= set(rc.ROOT_CAUSE_COLUMNS)
