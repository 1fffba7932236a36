"""The tenants file: every business unit the scheduled runs review, each with its own source,
recipients, languages and overrides of any setting.

Tenants are data (`tenants_file` in the settings); a scheduled run reviews each one as its
own child flow run. Passwords never live here: a source URL says `${ENV_NAME}` instead,
expanded where the run reads the source.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from csreview.config_files import ConfigError, Language, read_toml
from csreview.urls import check_no_literal_secret

MAX_NAME: Final = 64
# folder names the product itself uses beside tenants' folders, and the store's name for the
# runs of no tenant
RESERVED_NAMES: Final = frozenset({"_runs", "_cache", "monthly", "quarterly", "default"})
NAME_RULE: Final = (
    "a tenant name is 1–64 letters (any script) or digits, with _ . - allowed, not starting "
    "with '.', and not " + ", ".join(sorted(RESERVED_NAMES))
)


def _allowed(char: str) -> bool:
    """A letter (with its combining marks) or a digit of any script, or `_`, `.`, `-`."""
    category = unicodedata.category(char)
    return char in "_.-" or category[0] in "LM" or category == "Nd"


def tenant_name_problem(name: str) -> str | None:
    """What is wrong with a tenant name, or None: it becomes a folder under --out and a key of
    the results store, so it must be one safe path segment that no other folder uses."""
    if not name:
        return "it is empty"
    if len(name) > MAX_NAME:
        return f"it is longer than {MAX_NAME} characters"
    if name != unicodedata.normalize("NFC", name):
        return "it is not in Unicode's composed form (NFC)"
    if name.startswith("."):
        return "it starts with '.'"
    if name.lower() in RESERVED_NAMES:
        return "the product uses that name for its own folders or records"
    bad = sorted({c for c in name if not _allowed(c)})
    if bad:
        shown = ", ".join(repr(c) for c in bad[:5])
        return f"it holds {shown} (separators, spaces and control characters are not allowed)"
    return None


def suggest_name(name: str) -> str:
    """A name that keeps the rule, close to a rejected one."""
    text = unicodedata.normalize("NFC", name)
    slug = re.sub(r"-{2,}", "-", "".join(c if _allowed(c) else "-" for c in text))
    slug = slug.lstrip(".-")[:MAX_NAME].rstrip("-") or "tenant"
    return f"{slug}-1" if slug.lower() in RESERVED_NAMES else slug


def check_tenant_name(name: str) -> str:
    """The name, or ConfigError saying what is wrong and how to rename it."""
    problem = tenant_name_problem(name)
    if problem is not None:
        raise ConfigError(
            f"tenant name {name!r} cannot be used: {problem}; rename it, e.g. to "
            f"{suggest_name(name)!r} ({NAME_RULE})"
        )
    return name


class Tenant(BaseModel):
    """One business unit: where its data lives, who reads its reviews, what differs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    source: str = Field(min_length=1)
    languages: tuple[Language, ...] = ()  # the first is review.pdf's, each other review.LANG.pdf
    recipients: dict[str, Any] = Field(default_factory=dict)  # [tenant.recipients.CADENCE]
    settings: dict[str, Any] = Field(default_factory=dict)  # any setting, e.g. qa_pass_mark

    @field_validator("name")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        try:
            return check_tenant_name(value)
        except ConfigError as err:
            raise ValueError(str(err)) from None

    @field_validator("source")
    @classmethod
    def _no_literal_secret(cls, value: str) -> str:
        if "://" in value:
            try:
                check_no_literal_secret(value, "source")
            except ConfigError as err:
                raise ValueError(str(err)) from None
        return value

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
    _check_names(path, data)
    try:
        return list(_TenantsFile.model_validate(data).tenant)
    except ValidationError as err:
        first = err.errors()[0]
        where = _place(data, first["loc"])
        raise ConfigError(f"invalid tenants file {path}: {where}{first['msg']}") from err


def _check_names(path: Path, data: dict[str, Any]) -> None:
    """Every tenant name of a file that breaks the rule, each with a name to use instead."""
    entries = data["tenant"] if isinstance(data["tenant"], list) else []
    names = [e.get("name") for e in entries if isinstance(e, dict)]
    bad = [(n, tenant_name_problem(n)) for n in names if isinstance(n, str)]
    listed = [
        f"{name!r} ({problem}; rename it, e.g. to {suggest_name(name)!r})"
        for name, problem in bad
        if problem is not None
    ]
    if listed:
        raise ConfigError(
            f"tenants file {path}: {len(listed)} tenant name(s) cannot be used: "
            f"{'; '.join(listed)}. {NAME_RULE[0].upper()}{NAME_RULE[1:]}"
        )


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
