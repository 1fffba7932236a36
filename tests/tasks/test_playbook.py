"""The playbook: an older one gets the new thresholds, a hypothesis words its own action."""

from __future__ import annotations

from pathlib import Path

from tasks import playbook as pb
from tests.tasks.fishbone.tiny import hypothesis


def test_an_older_playbook_gets_the_new_thresholds(tmp_path: Path) -> None:
    shipped = pb.playbook_text(None)
    older = shipped[: shipped.index("[trend]")] + shipped[shipped.index("[actions.environment]") :]
    older = older.replace(
        "[actions.environment]", "[thresholds]\nmax_problems = 3\n\n[actions.environment]"
    )
    path = tmp_path / "playbook.toml"
    path.write_text(older, "utf-8")
    playbook = pb.load_playbook(path)
    assert playbook["thresholds"]["max_problems"] == 3
    assert playbook["thresholds"]["spike_z"] == pb.load_playbook(None)["thresholds"]["spike_z"]
    assert playbook["trend"] == {"worse": 1.5, "better": 0.75}


def test_a_hypothesis_words_its_own_action_and_keeps_the_rest_of_its_category() -> None:
    playbook = pb.load_playbook(None)
    template = pb.cause_template(playbook, hypothesis("measurement", "data_quality", "verified", 1))
    assert template is not None
    assert template["owner_role"] == "data engineer"
    assert template["action"].startswith("Trace the rejected rows in {segment}")
    plain = pb.cause_template(playbook, hypothesis("measurement", "survey_response", "verified", 1))
    assert plain == playbook["actions"]["measurement"]
