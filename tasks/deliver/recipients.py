"""Who receives a tenant's review of a cadence, from the config file:

    [recipients.default.monthly]
    to = ["ops@example.com"]
    cc = ["quality@example.com"]
    languages = ["zh-CN", "en"]
    [recipients.north.all]
    to = ["north@example.com"]

The first table that exists wins, in this order: TENANT.CADENCE, TENANT.all,
default.CADENCE, default.all; a table with `to = []` therefore switches delivery off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from csreview.periods import CADENCES
from csreview.settings import EMAIL_ADDRESS, LANGUAGES, ConfigError, Language

DEFAULT_LANGUAGES: Final[tuple[Language, ...]] = LANGUAGES
ALL: Final = "all"
DEFAULT_TENANT: Final = "default"
_RECIPIENT_KEYS: Final = frozenset({"to", "cc", "languages"})


@dataclass(frozen=True)
class Recipients:
    """Who receives a review, and in which order the summary's languages come.

    Tenants and cadences have different readers; an empty `to` means do not deliver."""

    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    languages: tuple[Language, ...] = DEFAULT_LANGUAGES


def recipients_for(config: Mapping[str, Any], tenant: str | None, cadence: str) -> Recipients:
    """The recipients of one tenant's review of one cadence, from the `[recipients]` tables
    of a config mapping (format in the module docstring).

    A fallback chain lets one `default` table serve every tenant, with exceptions where
    needed."""
    if cadence not in CADENCES:
        raise ValueError(f"unknown cadence {cadence!r}")
    tables = config.get("recipients", {})
    if not isinstance(tables, Mapping):
        raise ConfigError("[recipients] must be a table of tenants")
    candidates = []
    for who in dict.fromkeys(x for x in (tenant, DEFAULT_TENANT) if x):
        owner = tables.get(who)
        if owner is None:
            continue
        if not isinstance(owner, Mapping):
            raise ConfigError(f"[recipients.{who}] must be a table of cadences")
        unknown = sorted(set(owner) - {*CADENCES, ALL})
        if unknown:
            known = ", ".join((*CADENCES, ALL))
            raise ConfigError(
                f"[recipients.{who}] has unknown cadence(s) {', '.join(unknown)} (known: {known})"
            )
        candidates += [(f"recipients.{who}.{c}", owner.get(c)) for c in (cadence, ALL)]
    for where, table in candidates:
        if table is not None:
            return _recipients(where, table)
    return Recipients()


def _recipients(where: str, table: object) -> Recipients:
    if not isinstance(table, Mapping):
        raise ConfigError(f"[{where}] must be a table with to, cc and languages")
    unknown = sorted(set(table) - _RECIPIENT_KEYS)
    if unknown:
        raise ConfigError(f"[{where}] has unknown key(s) {', '.join(unknown)}")
    to = _addresses(where, "to", table.get("to", []))
    cc = _addresses(where, "cc", table.get("cc", []))
    if cc and not to:
        raise ConfigError(f"[{where}] has cc but no to")
    languages = table.get("languages", list(DEFAULT_LANGUAGES))
    if (
        not isinstance(languages, list)
        or not languages
        or any(x not in LANGUAGES for x in languages)
        or len(set(languages)) != len(languages)
    ):
        raise ConfigError(f"{where}.languages must list some of {', '.join(LANGUAGES)}, each once")
    return Recipients(to=to, cc=cc, languages=tuple(languages))


def _addresses(where: str, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ConfigError(f'{where}.{key} must be a list of addresses, e.g. ["ops@example.com"]')
    bad = [x for x in value if not EMAIL_ADDRESS.match(x)]
    if bad:
        raise ConfigError(f"{where}.{key}: {bad[0]!r} is not an e-mail address")
    return tuple(dict.fromkeys(value))
