"""The tenants file: every business unit the scheduled runs review, each with its own source,
recipients, languages and overrides of any setting.

Tenants are data (`tenants_file` in the settings); a scheduled run reviews each one as its
own child flow run. Passwords never live here: a source URL says `${ENV_NAME}` instead,
expanded where the run reads the source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from csreview.settings import ConfigError, Language, read_toml


class Tenant(BaseModel):
    """One business unit: where its data lives, who reads its reviews, what differs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)
    source: str = Field(min_length=1)
    languages: tuple[Language, ...] = ()  # the first is review.pdf's, each other review.LANG.pdf
    recipients: dict[str, Any] = Field(default_factory=dict)  # [tenant.recipients.CADENCE]
    settings: dict[str, Any] = Field(default_factory=dict)  # any setting, e.g. qa_pass_mark

    @field_validator("settings")
    @classmethod
    def _no_nested_tenancy(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in ("tenants_file", "recipients", "language", "extra_languages"):
            if key in value:
                raise ValueError(f"{key} is set on the tenant itself, not under its settings")
        return value

    def overrides(self) -> dict[str, Any]:
        """The settings this tenant changes, as `load_settings` values."""
        values = dict(self.settings)
        if self.languages:
            values["language"] = self.languages[0]
            values["extra_languages"] = tuple(dict.fromkeys(self.languages[1:]))
        if self.recipients:
            values["recipients"] = {self.name: self.recipients}
        return values


class _TenantsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tenant: list[Tenant] = Field(min_length=1)

    @field_validator("tenant")
    @classmethod
    def _unique_names(cls, value: list[Tenant]) -> list[Tenant]:
        seen: set[str] = set()
        for tenant in value:
            if tenant.name.lower() in seen:
                raise ValueError(f"tenant {tenant.name!r} is listed twice")
            seen.add(tenant.name.lower())
        return value


def load_tenants(path: Path) -> list[Tenant]:
    """The tenants of a file, in the file's order; a mistake fails with its place."""
    data = read_toml(path, "tenants file")
    if not data.get("tenant"):
        raise ConfigError(f"tenants file {path} lists no tenant (a [[tenant]] table each)")
    try:
        return list(_TenantsFile.model_validate(data).tenant)
    except ValidationError as err:
        first = err.errors()[0]
        where = _place(data, first["loc"])
        raise ConfigError(f"invalid tenants file {path}: {where}{first['msg']}") from err


def find_tenant(path: Path, name: str) -> Tenant:
    """The named tenant of a tenants file."""
    tenants = load_tenants(path)
    for tenant in tenants:
        if tenant.name == name:
            return tenant
    known = ", ".join(t.name for t in tenants)
    raise ConfigError(f"tenant {name!r} is not in tenants file {path} (it lists {known})")


def _place(data: dict[str, Any], loc: tuple[int | str, ...]) -> str:
    """`tenant "north" settings.qa_pass_mark: ` for an error location, naming the tenant."""
    if len(loc) < 2 or loc[0] != "tenant" or not isinstance(loc[1], int):
        return ""
    entries = data.get("tenant", [])
    entry = entries[loc[1]] if loc[1] < len(entries) else {}
    name = entry.get("name") if isinstance(entry, dict) else None
    who = f"tenant {name!r}" if name else f"tenant #{loc[1] + 1}"
    rest = ".".join(str(p) for p in loc[2:])
    return f"{who} {rest}: " if rest else f"{who}: "


def source_of(tenants_file: Path | None, tenant: str | None) -> str:
    """The source a tenant's review reads when the run names none."""
    if tenant is None or tenants_file is None:
        raise ConfigError("no source: pass --source, or name a tenant of the tenants file")
    return find_tenant(tenants_file, tenant).source
