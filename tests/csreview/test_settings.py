from __future__ import annotations

from pathlib import Path

import pytest

from csreview.settings import ConfigError, expand_env, load_settings, redact_url


def test_defaults_follow_the_contract() -> None:
    settings = load_settings()
    assert settings.timezone == "Asia/Shanghai"
    assert settings.service_level_seconds == {
        "phone": 20,
        "chat": 60,
        "app": 60,
        "social": 3600,
        "email": 86400,
    }
    assert (
        settings.short_abandon_seconds == 5
        and settings.qa_pass_mark == 80
        and settings.min_sample == 30
    )


def test_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.toml"
    config.write_text("qa_pass_mark = 85\n[targets.service_level]\ntarget = 0.9\nwarn = 0.85\n")
    settings = load_settings(config)
    assert settings.qa_pass_mark == 85
    assert settings.targets["service_level"].target == 0.9
    assert "fcr" in settings.targets  # other default targets stay
    monkeypatch.setenv("CSREVIEW_QA_PASS_MARK", "70")
    assert load_settings(config).qa_pass_mark == 70


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("timezone = 'Mars/Olympus'", "unknown time zone"),
        ("qa_pass_mark = 'high'", "qa_pass_mark"),
        ("[targets.speed]\ntarget = 1\nwarn = 2", "unknown KPI"),
        ("not toml at all", "not valid TOML"),
        ("hour_bands = [0, 12, 8, 24]", "hour_bands"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(config)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings(tmp_path / "nope.toml")


def test_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSWORD", "s3cret")
    assert expand_env("postgresql://u:${PGPASSWORD}@h/db") == "postgresql://u:s3cret@h/db"
    monkeypatch.delenv("PGPASSWORD")
    with pytest.raises(ConfigError, match="PGPASSWORD"):
        expand_env("postgresql://u:${PGPASSWORD}@h/db")
    assert redact_url("postgresql://u:s3cret@h/db") == "postgresql://u:***@h/db"


def test_targets_resolve_by_season_then_segment() -> None:
    spec = load_settings().targets["service_level"]
    assert spec.band().target == 0.80
    assert spec.band(channel="email").target == 0.90
    assert spec.band(months=(11,)).target == 0.75  # promotion season
    assert spec.band(channel="email", months=(12,)).target == 0.85
    assert spec.band(months=(10, 11, 12)).target == 0.80  # a quarter not wholly in season
    qa = load_settings().targets["qa_score"]
    assert (qa.band(tier="junior").target, qa.band(tier="senior").target) == (80.0, 90.0)
    assert qa.band(tier="intermediate").target == 85.0


def test_a_season_needs_calendar_months(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        "[targets.fcr]\ntarget = 0.8\nwarn = 0.7\n"
        "[[targets.fcr.season]]\nmonths = [13]\ntarget = 0.7\nwarn = 0.6\n"
    )
    with pytest.raises(ConfigError, match="season months"):
        load_settings(config)
