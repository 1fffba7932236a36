from __future__ import annotations

from pathlib import Path

import pytest

from csreview.settings import ConfigError, load_settings
from csreview.tenants import (
    check_tenant_name,
    find_tenant,
    load_tenants,
    source_of,
    suggest_name,
    tenant_name_problem,
)

TENANTS = """
[[tenant]]
name = "north"
source = "postgresql+psycopg2://review:${NORTH_DB_PASSWORD}@db/north"
languages = ["zh-CN", "en"]
[tenant.recipients.monthly]
to = ["north-ops@example.com"]
[tenant.settings]
timezone = "Europe/Berlin"
qa_pass_mark = 85
[tenant.settings.targets.service_level]
target = 0.9
warn = 0.85

[[tenant]]
name = "south"
source = "/data/south"
"""


@pytest.fixture
def tenants_file(tmp_path: Path) -> Path:
    path = tmp_path / "tenants.toml"
    path.write_text(TENANTS, "utf-8")
    return path


def test_tenants_are_read_in_the_files_order(tenants_file: Path) -> None:
    north, south = load_tenants(tenants_file)

    assert (north.name, south.name) == ("north", "south")
    assert north.source.endswith("${NORTH_DB_PASSWORD}@db/north")  # expanded only when read
    assert north.languages == ("zh-CN", "en")
    assert south.settings == {} and south.languages == ()


def test_a_tenant_overrides_the_config_file_and_the_environment_still_wins(
    tenants_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        f'tenants_file = "{tenants_file}"\nmin_sample = 50\nqa_pass_mark = 70\n'
        "[targets.fcr]\ntarget = 0.8\nwarn = 0.75\n"
        '[recipients.default.all]\nto = ["all@example.com"]\n',
        "utf-8",
    )

    north = load_settings(config, tenant="north")
    base = load_settings(config)

    assert north.timezone == "Europe/Berlin" and base.timezone == "Asia/Shanghai"
    assert (north.qa_pass_mark, base.qa_pass_mark) == (85, 70)
    assert north.min_sample == 50  # the config file's, untouched by the tenant
    assert north.language == "zh-CN" and north.extra_languages == ("en",)
    assert north.targets["service_level"].target == 0.9
    assert north.targets["fcr"].target == 0.8  # the config file's target of another KPI
    assert north.targets["abandon_rate"] == base.targets["abandon_rate"]  # shipped default
    assert north.recipients == {
        "default": {"all": {"to": ["all@example.com"]}},
        "north": {"monthly": {"to": ["north-ops@example.com"]}},
    }
    south = load_settings(config, tenant="south")
    assert south.qa_pass_mark == 70 and south.language == "en"
    monkeypatch.setenv("CSREVIEW_QA_PASS_MARK", "60")
    assert load_settings(config, tenant="north").qa_pass_mark == 60
    assert load_settings(config, tenant="north", language="en").language == "en"  # --lang


def test_a_tenant_is_only_looked_up_when_a_tenants_file_is_set(tenants_file: Path) -> None:
    assert load_settings(tenant="anyone").qa_pass_mark == 80  # a plain name, as before
    with pytest.raises(ConfigError, match=r"tenant 'west' is not in tenants file .*north, south"):
        load_settings(tenant="west", tenants_file=tenants_file)
    assert source_of(tenants_file, "south") == "/data/south"
    with pytest.raises(ConfigError, match="no source"):
        source_of(None, "south")
    assert find_tenant(tenants_file, "north").name == "north"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"lists no tenant \(a \[\[tenant\]\] table each"),
        ('[[tenant]]\nname = "a"\n', "tenant 'a' source: Field required"),
        (
            '[[tenant]]\nname = "../x"\nsource = "s"\n',
            r"'\.\./x' \(it starts with '\.'; rename it, e\.g\. to 'x'\)",
        ),
        (
            '[[tenant]]\nname = "a"\nsource = "s"\n[[tenant]]\nname = "A"\nsource = "t"\n',
            "tenant 'A' is listed twice",
        ),
        ('[[tenant]]\nname = "a"\nsource = "s"\nlanguages = ["fr"]\n', "tenant 'a' languages.0"),
        (
            '[[tenant]]\nname = "a"\nsource = "s"\n[tenant.settings]\ntenants_file = "x"\n',
            "tenants_file is set on the tenant itself",
        ),
        ('[[tenant]]\nname = "a"\nsource = "s"\ncolour = "red"\n', "tenant 'a' colour: Extra"),
        ("[[tenant]\n", "is not valid TOML"),
    ],
)
def test_a_broken_tenants_file_says_what_and_where(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "tenants.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match=message):
        load_tenants(path)


def test_an_invalid_setting_of_a_tenant_names_the_tenant(tmp_path: Path) -> None:
    path = tmp_path / "tenants.toml"
    path.write_text('[[tenant]]\nname = "a"\nsource = "s"\n[tenant.settings]\nmin_sample = "x"\n')
    with pytest.raises(
        ConfigError, match=r"invalid setting min_sample in .*tenants.toml \(tenant 'a'\)"
    ):
        load_settings(tenants_file=path, tenant="a")
    with pytest.raises(ConfigError, match="cannot read tenants file"):
        load_tenants(tmp_path / "missing.toml")


# ---------------------------------------------------------------- tenant names
@pytest.mark.parametrize(
    "name", ["north", "华东", "east-2", "team_1.b", "Ünïcödé", "हिन्दी", "٣٤", "a" * 64, "-x"]
)
def test_safe_tenant_names_pass(name: str) -> None:
    assert tenant_name_problem(name) is None
    assert check_tenant_name(name) == name


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "empty"),
        ("/abs", "'/'"),
        ("../..", "starts with '.'"),
        (".", "starts with '.'"),
        (".hidden", "starts with '.'"),
        ("a/b", "'/'"),
        ("a\\b", "'\\\\'"),
        ("monthly", "own folders"),
        ("Quarterly", "own folders"),
        ("_runs", "own folders"),
        ("_cache", "own folders"),
        ("default", "own folders"),
        ("a\x01b", "control"),
        ("a\nb", "control"),
        ("a b", "' '"),
        ("a\u202eb", "control"),
        ("a:b", "':'"),
        ("a" * 65, "longer than 64"),
        ("e\u0301", "NFC"),
    ],
)
def test_unsafe_tenant_names_are_refused_with_a_name_to_use(name: str, problem: str) -> None:
    found = tenant_name_problem(name)
    assert found is not None and problem in found
    suggestion = suggest_name(name)
    assert tenant_name_problem(suggestion) is None
    with pytest.raises(ConfigError, match=r"rename it, e\.g\. to"):
        check_tenant_name(name)


def test_a_tenants_file_lists_every_bad_name_with_how_to_rename_it(tmp_path: Path) -> None:
    path = tmp_path / "tenants.toml"
    entries = ["good", "../up", "monthly", "华东", "a b"]
    path.write_text(
        "".join(f'[[tenant]]\nname = "{n}"\nsource = "/data/{i}"\n' for i, n in enumerate(entries)),
        "utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_tenants(path)
    message = str(err.value)
    assert "3 tenant name(s)" in message
    for bad, better in (("../up", "up"), ("monthly", "monthly-1"), ("a b", "a-b")):
        assert f"{bad!r}" in message and f"e.g. to {better!r}" in message
    assert "'good'" not in message and "'华东'" not in message


def test_a_tenants_file_refuses_a_source_with_a_password_in_clear(tmp_path: Path) -> None:
    path = tmp_path / "tenants.toml"
    path.write_text(
        '[[tenant]]\nname = "north"\nsource = "postgresql://r:s3cret@db/north"\n', "utf-8"
    )
    with pytest.raises(ConfigError, match="in clear") as err:
        load_tenants(path)
    assert "s3cret" not in str(err.value)
