"""One typed settings object, loaded in one place: shipped defaults ← config file ← environment.

Config (targets, thresholds, the playbook) is data; the environment (`CSREVIEW_*`) wins so an
operator can override one value without editing a file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from csreview.catalog import KPIS_BY_KEY
from csreview.config_files import LANGUAGES as LANGUAGES
from csreview.config_files import ConfigError as ConfigError
from csreview.config_files import Language as Language
from csreview.config_files import config_text as config_text
from csreview.config_files import read_toml as read_toml
from csreview.facts import CHANNEL_GROUPS, LIVE, QUEUED
from csreview.planned_days import Calendar, read_calendar
from csreview.schema import CHANNELS, MAX_COMMENT_LENGTH, MAX_TEXT_LENGTH
from csreview.tenants import find_tenant
from csreview.urls import check_no_literal_secret as check_no_literal_secret
from csreview.urls import expand_env as expand_env
from csreview.urls import literal_secrets as literal_secrets
from csreview.urls import redact_url as redact_url


class Band(BaseModel):
    """A target and the edge of its warning band."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target: float
    warn: float


class Season(Band):
    """Targets for some months of the year (a peak or promotion season), with their own
    optional per-channel and per-tier overrides."""

    months: list[int]
    channel: dict[str, Band] = Field(default_factory=dict)
    group: dict[str, Band] = Field(default_factory=dict)  # channel groups: live, queued
    tier: dict[str, Band] = Field(default_factory=dict)

    @field_validator("months")
    @classmethod
    def _calendar_months(cls, value: list[int]) -> list[int]:
        if not value or any(m < 1 or m > 12 for m in value):
            raise ValueError("season months are 1–12")
        return value


class TargetSpec(Band):
    """A KPI's target, with optional per-channel, per-channel-group, per-tier and seasonal
    overrides; `groups_only` KPIs (waits) are judged only within one channel group."""

    channel: dict[str, Band] = Field(default_factory=dict)
    group: dict[str, Band] = Field(default_factory=dict)  # channel groups: live, queued
    tier: dict[str, Band] = Field(default_factory=dict)
    season: list[Season] = Field(default_factory=list)
    # a mix of live and queued waits cannot be judged: no target outside one channel group
    groups_only: bool = False

    @field_validator("group")
    @classmethod
    def _known_groups(cls, value: dict[str, Band]) -> dict[str, Band]:
        unknown = sorted(set(value) - set(CHANNEL_GROUPS))
        if unknown:
            raise ValueError(f"unknown channel group(s) {', '.join(unknown)}: live or queued")
        return value

    def band(
        self,
        channel: str | None = None,
        tier: str | None = None,
        months: tuple[int, ...] = (),
        group: str | None = None,
    ) -> Band:
        """The band for a segment of a period: a season applies when the period lies wholly
        in its months; a channel, then channel-group, then tier override (the season's
        first) beats the base. A channel segment passes its channel's group too."""
        season = next((x for x in self.season if months and set(months) <= set(x.months)), None)
        for spec in (season, self):
            if spec is None:
                continue
            if channel is not None and channel in spec.channel:
                return spec.channel[channel]
            if group is not None and group in spec.group:
                return spec.group[group]
            if tier is not None and tier in spec.tier:
                return spec.tier[tier]
        base: Band = season or self
        return Band(target=base.target, warn=base.warn)


def _default_targets() -> dict[str, TargetSpec]:
    text = config_text("targets.toml")
    return {k: TargetSpec.model_validate(v) for k, v in tomllib.loads(text).items()}


class Settings(BaseSettings):
    """Everything a review run may be told; see docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="CSREVIEW_", extra="forbid", frozen=True)

    timezone: str = "Asia/Shanghai"
    service_level_seconds: dict[str, int] = Field(
        default_factory=lambda: {
            "phone": 20,
            "chat": 60,
            "app": 60,
            "social": 3_600,
            "email": 86_400,
        }
    )
    # the live channel group (§3a): waits of seconds; the other channels form the queued group
    live_channels: tuple[str, ...] = ("phone", "chat", "app")
    short_abandon_seconds: float = 5
    qa_pass_mark: float = 80
    min_sample: int = 30
    hour_bands: tuple[int, ...] = (0, 8, 12, 18, 20, 24)
    max_bad_row_share: float = Field(default=0.2, ge=0, le=1)
    max_text_length: int = Field(default=MAX_TEXT_LENGTH, ge=1)  # ids, categories, teams, sites
    max_comment_length: int = Field(default=MAX_COMMENT_LENGTH, ge=1)  # survey comments
    quarantine_retention_days: int = Field(default=90, ge=1)
    # finished steps kept for a retried or re-run review on the same inputs (flows/caching.py)
    step_cache: bool = True
    step_cache_days: int = Field(default=7, ge=1)
    chat_concurrency: float = Field(default=2.0, gt=0)
    staffing_interval_minutes: int = Field(default=30, ge=5, le=120)
    satisfaction_weights: dict[str, float] = Field(
        default_factory=lambda: {"csat": 0.5, "nps": 0.3, "effort": 0.2}
    )
    store_url: str | None = None
    out_dir: Path = Path("reviews")
    language: Language = "en"
    extra_languages: tuple[Language, ...] = ()  # more copies: review.LANG.pdf / .html
    targets: dict[str, TargetSpec] = Field(default_factory=_default_targets)
    playbook_file: Path | None = None
    smtp_url: str | None = None  # smtp://user@host:587?starttls=true&password_env=SMTP_PASSWORD
    smtp_sender: str = "csreview@localhost"
    recipients: dict[str, Any] = Field(default_factory=dict)  # [recipients.TENANT.CADENCE]
    alert_to: list[str] = Field(default_factory=list)  # data engineers told of failed runs
    delivery_retries: int = Field(default=2, ge=0)
    delivery_retry_seconds: float = Field(default=30.0, ge=0)
    scorecard_file: Path | None = None
    calendar_file: Path | None = None  # known peaks and holidays: planned days, never incidents
    tenants_file: Path | None = None  # every tenant of the scheduled runs (docs/operations.md)
    tenant_concurrency: int = Field(default=2, ge=1)  # tenants reviewed at once
    # where each tenant's review runs: child processes of the scheduled run, a Dask cluster
    # (`dask_address`, or a local one), or runs of `tenant_deployment` picked up by workers
    tenant_runner: Literal["processes", "dask", "deployment"] = "processes"
    dask_address: str | None = None
    tenant_deployment: str = "service-quality-review/tenant"
    late_after_minutes: float = Field(default=30, gt=0)  # a scheduled run this late alerts
    _scorecard: dict[str, Any] = PrivateAttr(default_factory=dict)
    _calendar: Calendar = PrivateAttr(default_factory=Calendar)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (env_settings, init_settings)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone {value!r}") from err
        return value

    @field_validator("service_level_seconds")
    @classmethod
    def _every_channel(cls, value: dict[str, int]) -> dict[str, int]:
        missing = [c for c in CHANNELS if c not in value]
        if missing:
            raise ValueError(f"no threshold for channel(s) {', '.join(missing)}")
        return value

    @field_validator("live_channels")
    @classmethod
    def _known_channels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(CHANNELS))
        if unknown:
            raise ValueError(f"unknown channel(s) {', '.join(unknown)}")
        return value

    def channel_group(self, channel: str) -> str:
        """The channel group of a channel: live or queued."""
        return LIVE if channel in self.live_channels else QUEUED

    @field_validator("satisfaction_weights")
    @classmethod
    def _survey_items(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - {"csat", "nps", "effort"})
        if unknown or not any(w > 0 for w in value.values()):
            raise ValueError("weights are for csat, nps and effort, at least one above 0")
        return value

    @field_validator("hour_bands")
    @classmethod
    def _bands_cover_day(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if value[0] != 0 or value[-1] != 24 or list(value) != sorted(set(value)):
            raise ValueError("hour_bands must rise strictly from 0 to 24")
        return value

    @field_validator("store_url", "smtp_url", "dask_address")
    @classmethod
    def _no_literal_secret(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            try:
                check_no_literal_secret(value, info.field_name or "URL")
            except ConfigError as err:
                raise ValueError(str(err)) from None
        return value

    @field_validator("smtp_sender", "alert_to", "recipients")
    @classmethod
    def _no_header_injection(cls, value: Any, info: ValidationInfo) -> Any:
        """An address (or any text of the recipients tables) with a line break or control
        character could add headers to an e-mail: refused when the settings are loaded."""
        for text in _strings(value):
            if _CONTROL.search(text):
                raise ValueError(f"{text!r} holds a line break or control character")
        if info.field_name != "recipients":
            for text in _strings(value):
                if not EMAIL_ADDRESS.match(text):
                    raise ValueError(f"{text!r} is not an e-mail address")
        return value

    @model_validator(mode="after")
    def _targets_name_kpis(self) -> Settings:
        unknown = sorted(set(self.targets) - set(KPIS_BY_KEY))
        if unknown:
            raise ValueError(f"targets for unknown KPI(s): {', '.join(unknown)}")
        return self

    @model_validator(mode="after")
    def _read_scorecard(self) -> Settings:
        """The scorecard config (tier weights, costs), read once with the settings so that
        building a scorecard reads no file."""
        if self.scorecard_file is None:
            self._scorecard = tomllib.loads(config_text("scorecard.toml"))
        else:
            self._scorecard = read_toml(self.scorecard_file, "scorecard file")
        return self

    @model_validator(mode="after")
    def _read_calendar(self) -> Settings:
        """The calendar of planned days, read and checked once with the settings."""
        if self.calendar_file is None:
            data = tomllib.loads(config_text("calendar.toml"))
        else:
            data = read_toml(self.calendar_file, "calendar file")
        self._calendar = read_calendar(data)
        return self

    @property
    def calendar(self) -> Calendar:
        """Known peaks and holidays: the shipped calendar, or the file `calendar_file` names."""
        return self._calendar

    @property
    def scorecard(self) -> dict[str, Any]:
        """The scorecard config: the shipped one, or the file `scorecard_file` names."""
        return self._scorecard

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def resolved_store_url(self) -> str:
        """The results store as given, `${ENV}` references unexpanded (they are expanded
        where the store is opened); by default an SQLite file beside the published reviews."""
        if self.store_url:
            return self.store_url
        return f"sqlite:///{(self.out_dir / 'store.sqlite').resolve()}"

    def public_dump(self) -> dict[str, Any]:
        """The settings as recorded in a manifest: no credentials."""
        data = self.model_dump(mode="json")
        for key in ("store_url", "smtp_url", "dask_address"):
            if data.get(key):
                data[key] = redact_url(data[key])
        return data


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# an e-mail address as one header value: no spaces, separators or brackets
EMAIL_ADDRESS: Final = re.compile(r"^[^@\s,;<>()\[\]\"\\]+@[^@\s,;<>()\[\]\"\\]+$")


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a value of nested tables and lists."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def load_settings(
    config_file: Path | None = None, *, tenant: str | None = None, **overrides: Any
) -> Settings:
    """Load the settings: defaults, then `config_file` (TOML), then the tenant's overrides
    from the tenants file (when `tenant` is one of its tenants), then `overrides`, then
    `CSREVIEW_*` variables."""
    values = _config_values(config_file)
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = _settings(values, config_file)
    if tenant is None or settings.tenants_file is None:
        return settings
    found = find_tenant(settings.tenants_file, tenant)
    merged = _merge(_merge(values, found.overrides()), overrides)
    return _settings(merged, settings.tenants_file, f" (tenant {tenant!r})")


def _shipped_targets() -> dict[str, Any]:
    """The shipped targets as plain tables, for a file's tables to replace per KPI."""
    return {k: v.model_dump() for k, v in _default_targets().items()}


def _config_values(config_file: Path | None) -> dict[str, Any]:
    if config_file is None:
        return {}
    values = read_toml(config_file, "config file")
    if "targets" in values:
        merged = _shipped_targets()
        merged.update(values["targets"])
        values["targets"] = merged
    return values


def _merge(values: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """`more` over `values`; a `targets` or `recipients` table replaces per KPI or tenant."""
    out = dict(values)
    for key, value in more.items():
        if value is None:
            continue
        if key in ("targets", "recipients") and isinstance(value, dict):
            base = out.get(key) or (_shipped_targets() if key == "targets" else {})
            out[key] = {**base, **value}
        else:
            out[key] = value
    return out


def _settings(values: dict[str, Any], origin_file: Path | None, who: str = "") -> Settings:
    try:
        return Settings(**values)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        origin = f" in {origin_file}" if origin_file else ""
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"invalid setting {where}{origin}{who}: {message}") from err
