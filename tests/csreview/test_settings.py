from __future__ import annotations

from pathlib import Path

import pytest

from csreview.settings import (
    ConfigError,
    check_no_literal_secret,
    expand_env,
    literal_secrets,
    load_settings,
    redact_url,
)


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


# ---------------------------------------------------------------- secrets in URLs
@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:s3cret@h/db", "postgresql://u:***@h/db"),
        ("postgresql://:s3cret@h/db", "postgresql://:***@h/db"),
        ("postgresql://u:p@ss/w:rd@h:5432/db", "postgresql://u:***@h:5432/db"),
        ("postgresql://review@h/cs?password=s3cret", "postgresql://review@h/cs?password=***"),
        (
            "postgresql://review@h/cs?sslmode=require&PASSWORD=s3cret&application_name=x",
            "postgresql://review@h/cs?sslmode=require&PASSWORD=***&application_name=x",
        ),
        ("postgresql://review@h/cs?pass%77ord=s3cret", "postgresql://review@h/cs?pass%77ord=***"),
        ("mssql://h/db?pwd=s3cret#x", "mssql://h/db?pwd=***#x"),
        ("smtp://bot:s3cret@mail:587?starttls=true", "smtp://bot:***@mail:587?starttls=true"),
        ("tcp://dask:token@scheduler:8786", "tcp://dask:***@scheduler:8786"),
        # references name where a secret lives, not the secret: they stay readable
        ("postgresql://u:${PW}@h/db", "postgresql://u:${PW}@h/db"),
        (
            "postgresql://u@h/db?password=${PGPASSWORD}",
            "postgresql://u@h/db?password=${PGPASSWORD}",
        ),
        ("sqlite:////data/centre@2026.db", "sqlite:////data/centre@2026.db"),
        ("postgresql://review@h/cs?sslmode=require", "postgresql://review@h/cs?sslmode=require"),
    ],
)
def test_redaction_hides_every_credential_of_a_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert "s3cret" not in redact_url(url) and "ss/w" not in redact_url(url)


@pytest.mark.parametrize(
    ("url", "found"),
    [
        ("postgresql://u:s3cret@h/db", ["user:password@"]),
        ("postgresql://u@h/db?password=s3cret", ["password="]),
        ("postgresql://u@h/db?x=1&Pwd=s3cret", ["Pwd="]),
        ("postgresql://u:pre${PW}@h/db", ["user:password@"]),  # only a whole reference is kept
        ("postgresql://u:${PW}@h/db", []),
        ("postgresql://u@h/db?password=${PGPASSWORD}", []),
        ("postgresql://u:@h/db?password=", []),  # empty: no secret written
        ("postgresql://u@h/db", []),
        ("sqlite:///centre.db", []),
    ],
)
def test_a_password_written_out_is_found(url: str, found: list[str]) -> None:
    assert literal_secrets(url) == found


def test_a_literal_password_is_refused_with_the_ways_that_keep_it_out() -> None:
    with pytest.raises(ConfigError, match=r"\$\{PGPASSWORD\}.*PGPASSWORD or ~/.pgpass") as err:
        check_no_literal_secret("postgresql://u@h/db?password=s3cret", "source")
    assert "s3cret" not in str(err.value)
    with pytest.raises(ConfigError, match="password_env=NAME") as err:
        check_no_literal_secret("smtp://bot:s3cret@mail", "smtp_url")
    assert "s3cret" not in str(err.value)


@pytest.mark.parametrize(
    "setting",
    [
        {"store_url": "postgresql://review:s3cret@db/store"},
        {"store_url": "postgresql://review@db/store?password=s3cret"},
        {"smtp_url": "smtp://bot:s3cret@mail:587"},
        {"smtp_url": "smtp://bot@mail:587?password=s3cret"},
        {"dask_address": "tcp://u:s3cret@scheduler:8786"},
    ],
)
def test_settings_refuse_a_url_with_a_password_in_clear(setting: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(**setting)
    assert "in clear" in str(err.value) and "s3cret" not in str(err.value)


def test_the_store_url_is_kept_unexpanded_and_recorded_redacted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STORE_PW", "s3cret")
    settings = load_settings(
        store_url="postgresql://review@db/store?password=${STORE_PW}",
        smtp_url="smtp://bot@mail:587?password_env=SMTP_PW",
    )
    assert settings.resolved_store_url == "postgresql://review@db/store?password=${STORE_PW}"
    dumped = settings.public_dump()
    assert dumped["store_url"] == "postgresql://review@db/store?password=${STORE_PW}"
    assert "s3cret" not in repr(dumped)


@pytest.mark.parametrize(
    "setting",
    [
        {"alert_to": ["ops@example.com\r\nBcc: spy@example.com"]},
        {"alert_to": ["not an address"]},
        {"smtp_sender": "csreview@example.com\nX-Evil: 1"},
        {"recipients": {"default": {"all": {"to": ["ops@example.com\nBcc: spy@example.com"]}}}},
        {"recipients": {"default": {"all": {"to": ["ops@example.com"], "cc": ["a@b\x00c"]}}}},
    ],
)
def test_addresses_with_line_breaks_are_refused_when_the_settings_load(
    setting: dict[str, object],
) -> None:
    with pytest.raises(ConfigError, match=r"line break or control character|not an e-mail"):
        load_settings(**setting)


def test_the_scorecard_config_is_read_with_the_settings(tmp_path: Path) -> None:
    assert set(load_settings().scorecard) == {"weights", "costs"}
    own = tmp_path / "scorecard.toml"
    own.write_text("[weights.junior]\nfcr = 1.0\n[costs]\nhourly = 10.0\n", "utf-8")
    assert load_settings(scorecard_file=own).scorecard["costs"] == {"hourly": 10.0}
    with pytest.raises(ConfigError, match="cannot read scorecard file"):
        load_settings(scorecard_file=tmp_path / "missing.toml")


def test_the_calendar_plans_yearly_and_dated_days_and_a_centre_may_replace_it(
    tmp_path: Path,
) -> None:
    shipped = load_settings().calendar
    days = ["2026-02-14", "2026-02-15", "2026-02-23", "2026-10-07", "2026-10-08", "2027-11-11"]
    assert shipped.planned(days) == {"2026-02-15", "2026-02-23", "2026-10-07", "2027-11-11"}
    own = tmp_path / "calendar.toml"
    own.write_text('[dated]\n"Anniversary sale" = "2026-05-20"\n', "utf-8")
    config = tmp_path / "c.toml"
    config.write_text(f"calendar_file = '{own}'\n", "utf-8")
    assert load_settings(config).calendar.planned(["2026-05-20", "2026-11-11"]) == {"2026-05-20"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[yearly]\n"x" = "13-01"', "yearly day"),
        ('[dated]\n"x" = "2026-10-09/2026-10-01"', "ends before it starts"),
        ('[weekly]\n"x" = "mon"', "unknown table"),
    ],
)
def test_a_bad_calendar_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    own = tmp_path / "calendar.toml"
    own.write_text(text, "utf-8")
    config = tmp_path / "c.toml"
    config.write_text(f"calendar_file = '{own}'\n", "utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(config)
