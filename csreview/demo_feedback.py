"""What the demo centre's customers and QA reviewers say: QA evaluations (with calibration
contacts scored by two reviewers) and post-contact surveys with comments.

Scores follow the contact: long waits, unresolved contacts and complaints make unhappy
customers; reviewers carry a bias of their own unless the centre is healthy.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

import numpy as np
import pandas as pd

from csreview import schema as s

_REVIEWERS: Final = ("QA01", "QA02", "QA03", "QA04", "QA05")
_REVIEWER_BIAS: Final = {"QA01": 0.0, "QA02": 2.0, "QA03": 9.0, "QA04": -8.0, "QA05": 1.0}

_COMMENTS_GOOD: Final = (
    "客服很耐心，问题一次就解决了",
    "回复很快，谢谢",
    "Quick and friendly, thank you!",
    "The agent solved my problem on the first call.",
    "服务态度好，点赞",
)
_COMMENTS_BAD: Final = (
    "晚上打电话等了很久都没人接，物流信息也查不到",
    "等待时间太长了，请回电 13812345678",
    "Waited forever in the evening to ask where my parcel is.",
    "Nobody answered the chat at night. Email me at li.lei@example.com",
    "快递一直没到，客服也联系不上",
    "I had to call three times about the same delivery.",
)
_COMMENTS_MIXED: Final = (
    "还可以，就是排队有点久",
    "OK but the hold music is too loud.",
    "问题解决了，但是流程有点复杂",
)


def qa_evaluations(
    rng: np.random.Generator,
    contacts: pd.DataFrame,
    agents: pd.DataFrame,
    stop: datetime,
    healthy: bool = False,
) -> pd.DataFrame:
    closed = contacts[contacts[s.CLOSED_AT].notna() & contacts[s.AGENT_ID].notna()]
    picked = closed[rng.random(len(closed)) < 0.05]
    calibration = picked.sample(n=min(len(picked), 120), random_state=int(rng.integers(1 << 30)))
    reviewers = np.concatenate(
        [
            rng.choice(_REVIEWERS, size=len(picked)),
            np.repeat(["QA03", "QA04"], len(calibration)),
            np.full(len(picked) // 4, "AI-1"),
        ]
    )
    rows = pd.concat(
        [picked, calibration, calibration, picked.iloc[: len(picked) // 4]], ignore_index=True
    ).assign(**{s.REVIEWER_ID: reviewers})
    tier = rows[s.AGENT_ID].map(agents.set_index(s.AGENT_ID)[s.TIER])
    skill = tier.map({"junior": -4.0, "intermediate": 0.0, "senior": 3.0}).to_numpy()
    bias = rows[s.REVIEWER_ID].map(_REVIEWER_BIAS).fillna(0.0).to_numpy()
    if healthy:  # coached juniors, calibrated reviewers
        skill, bias = skill.clip(min=0.0) + 2.0, np.zeros(len(rows))
    score = np.clip(np.round(89 + skill + bias + rng.normal(0, 5, len(rows)), 1), 0, 100)
    evaluated = rows[s.CLOSED_AT] + pd.to_timedelta(rng.integers(3600, 4 * 86_400, len(rows)), "s")
    evaluated = evaluated.where(evaluated < pd.Timestamp(stop), pd.Timestamp(stop))
    items = {
        item: np.clip(np.round(score + rng.normal(0, 4, len(rows))), 0, 100)
        for item in s.RUBRIC_ITEMS
    }
    return pd.DataFrame(
        {
            s.EVALUATION_ID: [f"E{i:07d}" for i in range(1, len(rows) + 1)],
            s.CONTACT_ID: rows[s.CONTACT_ID].to_numpy(),
            s.AGENT_ID: rows[s.AGENT_ID].to_numpy(),
            s.REVIEWER_ID: rows[s.REVIEWER_ID].to_numpy(),
            s.REVIEWER_KIND: np.where(rows[s.REVIEWER_ID] == "AI-1", "ai", "human"),
            s.EVALUATED_AT: evaluated.to_numpy(),
            s.SCORE: score,
            s.CRITICAL_ERROR: rng.random(len(rows)) < 0.02,
            **items,
        }
    )


def surveys(
    rng: np.random.Generator,
    contacts: pd.DataFrame,
    stop: datetime,
    live: tuple[str, ...],
    healthy: bool = False,
) -> pd.DataFrame:
    closed = contacts[contacts[s.CLOSED_AT].notna() & contacts[s.ANSWERED_AT].notna()]
    answered = closed[rng.random(len(closed)) < 0.18]
    wait = (answered[s.ANSWERED_AT] - answered[s.CREATED_AT]).dt.total_seconds().to_numpy()
    mood = (
        (4.6 if healthy else 4.3)
        - 1.3 * np.where(np.isin(answered[s.CHANNEL], live), wait > 300, wait > 2 * 86_400)
        - 0.8 * ~answered[s.RESOLVED].to_numpy()
        - 1.2 * answered[s.COMPLAINT].to_numpy()
        + rng.normal(0, 0.7, len(answered))
    )
    csat = np.clip(np.round(mood), 1, 5).astype(int)
    nps = np.clip(np.round(mood * 2.2 + rng.normal(0, 1.0, len(answered))), 0, 10).astype(int)
    has_comment = rng.random(len(answered)) < 0.3
    pools = {
        1: _COMMENTS_BAD,
        2: _COMMENTS_BAD,
        3: _COMMENTS_MIXED,
        4: _COMMENTS_GOOD,
        5: _COMMENTS_GOOD,
    }
    pick = rng.integers(0, 1000, len(answered))
    comment = [
        pools[int(c)][p % len(pools[int(c)])] if h else None
        for c, p, h in zip(csat, pick, has_comment, strict=True)
    ]
    submitted = answered[s.CLOSED_AT] + pd.to_timedelta(
        rng.integers(600, 2 * 86_400, len(answered)), "s"
    )
    keep = (submitted < pd.Timestamp(stop)).to_numpy()
    no_nps = rng.random(len(answered)) < 0.1
    frame = pd.DataFrame(
        {
            s.SURVEY_ID: [f"S{i:07d}" for i in range(1, len(answered) + 1)],
            s.CONTACT_ID: answered[s.CONTACT_ID].to_numpy(),
            s.SUBMITTED_AT: submitted.to_numpy(),
            s.CSAT: csat,
            s.NPS: pd.array(np.where(no_nps, 0, nps), dtype="Int64"),
            s.EFFORT: np.clip(np.round(8 - mood * 1.3), 1, 7).astype(int),
            s.COMMENT: comment,
        }
    )
    return frame.assign(**{s.NPS: frame[s.NPS].mask(no_nps)})[keep].reset_index(drop=True)
