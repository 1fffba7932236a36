"""Measurement (测): whether how the segment is measured explains it — QA reviewers who
disagree, few survey answers, rows rejected by validation."""

from __future__ import annotations

import math
from typing import Final

import pandas as pd

from csreview import facts as f
from csreview import schema as s
from csreview.messages import Joined, Message, Text, say
from csreview.messages import mark as _n
from tasks import kpis as k
from tasks.fishbone.case import Case, Limits, Result, Test, judged, share, untestable
from tasks.fishbone.defects import BASE_NOUNS, source_frame
from tasks.fishbone.review_data import PLACED


def _qa_spread(qa: pd.DataFrame) -> float:
    per_contact = qa.groupby(s.CONTACT_ID).agg(
        reviewers=(s.REVIEWER_ID, "nunique"), high=(s.SCORE, "max"), low=(s.SCORE, "min")
    )
    calibrated = per_contact[per_contact["reviewers"] >= 2]
    return (
        float((calibrated["high"] - calibrated["low"]).mean()) if len(calibrated) else float("nan")
    )


def qa_disagreement(case: Case, limits: Limits) -> Result:
    """For a QA problem: how far reviewers scoring the same contact differ, against the target."""
    if case.kpi != "qa_fail_rate":
        return untestable(Message(_n("the problem's KPI does not come from QA scores")))
    spread, target = _qa_spread(case.data.facts.qa), case.data.qa_spread_target
    if math.isnan(spread):
        return untestable(Message(_n("no contact was scored by two or more reviewers")))
    return judged(
        spread > target,
        spread / target if target else math.inf,
        say(
            _n(
                "reviewers scoring the same contact differ by {spread:.1f} points on average (target ≤ {target:.0f})"
            ),
            spread=spread,
            target=target,
        ),
    )


def survey_response(case: Case, limits: Limits) -> Result:
    """Survey response of the segment's handled contacts against the rest's: a blind spot."""
    if case.kpi == "qa_fail_rate":
        return untestable(Message(_n("QA results do not depend on customer surveys")))
    surveyed = case.data.facts.surveys
    in_surveys = k.in_segment(surveyed, case.segment)
    sv_seg = in_surveys.sum() / max(int(case.seg[f.ANSWERED].sum()), 1)
    sv_rest = (~in_surveys).sum() / max(int(case.rest[f.ANSWERED].sum()), 1)
    relative = sv_seg / sv_rest if sv_rest else math.nan
    return judged(
        bool(sv_seg < limits["response_ratio"] * sv_rest),
        limits["response_ratio"] / relative if relative else math.inf,
        say(
            _n("survey response {seg:.1%} in the segment vs {rest:.1%} elsewhere"),
            seg=sv_seg,
            rest=sv_rest,
        ),
    )


def data_quality(case: Case, limits: Limits) -> Result:
    """Quarantined rows of the KPI's table in the segment: figures read from what is left may
    be distorted."""
    rejected = case.data.rejected
    if rejected is None:
        return untestable(Message(_n("the validation's quarantine was not given")))
    rows = rejected[case.kind.source]
    placed = rows[rows[PLACED]]
    q_seg = int(k.in_segment(placed, case.segment).sum())
    q_rest = len(placed) - q_seg
    frame = source_frame(case.data.facts, case.kind.source)
    n_seg = int(k.in_segment(frame, case.segment).sum())
    n_rest = len(frame) - n_seg
    share_seg, share_rest = share(q_seg, q_seg + n_seg), share(q_rest, q_rest + n_rest)
    share_rest = 0.0 if math.isnan(share_rest) else share_rest
    passed = (
        q_seg >= limits["quarantine_min_rows"]
        and share_seg >= limits["quarantine_share"]
        and share_seg >= limits["quarantine_ratio"] * share_rest
    )
    text: Text = say(
        _n("{q} of the segment's {noun} were quarantined ({seg:.1%}) vs {rest:.1%} elsewhere"),
        q=q_seg,
        noun=Message(BASE_NOUNS[case.kind.source]),
        seg=0.0 if math.isnan(share_seg) else share_seg,
        rest=share_rest,
    )
    unplaced = len(rows) - len(placed)
    if unplaced:
        more = say(_n("; {n} more quarantined rows could not be placed in a segment"), n=unplaced)
        text = Joined((text, more))
    return judged(passed, share_seg / limits["quarantine_share"], text)


TESTS: Final = (
    Test(
        "qa_disagreement", "measurement",
        _n("QA reviewers disagree, so QA failures partly reflect who scored"),
        _n("QA reviewer disagreement"),
        _n("reviewer spread on calibration contacts above its target"),
        qa_disagreement,
    ),
    Test(
        "survey_response", "measurement",
        _n("The segment is poorly measured: few customers answer the survey"),
        _n("survey response"),
        _n("survey response: segment ÷ rest < {response_ratio:.1f}"),
        survey_response,
    ),
    Test(
        "data_quality", "measurement",
        _n("The segment's figures are distorted by rejected rows (data quality)"),
        _n("rejected rows"),
        _n("quarantined rows of the segment ≥ {quarantine_min_rows}, their share ≥ {quarantine_share:.0%} and ≥ {quarantine_ratio:.1f}× the rest's"),
        data_quality,
    ),
)  # fmt: skip
