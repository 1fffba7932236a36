"""Secrets in URLs: `${ENV}` references expanded where a connection opens, passwords written
out refused, and every URL redacted before it is shown or recorded.

A source, store, SMTP or Dask URL travels in its `${ENV}` form (flow-run parameters,
manifests, the results store); only whoever opens the connection expands it.
"""

from __future__ import annotations

import os
import re
from typing import Final
from urllib.parse import unquote

from csreview.config_files import ConfigError

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ONLY_ENV_REF = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$")
# `scheme://[user[:password]@]rest`; the password runs to the last `@` before the query, so
# one holding an unescaped `@` is masked whole
_USERINFO = re.compile(r"^(?P<head>[A-Za-z][\w+.-]*://)(?P<user>[^:/@?#]*):(?P<password>[^?]*)@")
# query keys whose value is a credential, whatever the driver
_SECRET_KEYS = frozenset(
    {"password", "passwd", "pwd", "pass", "sslpassword", "secret", "token", "access_token",
     "auth_token", "api_key", "apikey", "client_secret"}
)  # fmt: skip
REDACTED: Final = "***"


def expand_env(text: str) -> str:
    """Replace `${NAME}` with the environment variable; a missing one fails loudly.

    Called only where a connection is opened, so an expanded secret is never passed on."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ConfigError(f"environment variable {name} is not set (referenced in a URL)")
        return os.environ[name]

    return _ENV_REF.sub(value, text)


def _secret_key(key: str) -> bool:
    return unquote(key).strip().lower() in _SECRET_KEYS


def _query_parts(url: str) -> tuple[str, list[str]] | None:
    """The URL before its query and the query's `key=value` parts; None without a query."""
    head, mark, query = url.partition("?")
    if not mark:
        return None
    query, hash_mark, fragment = query.partition("#")
    return head, [*query.split("&"), *([f"#{fragment}"] if hash_mark else [])]


def redact_url(url: str) -> str:
    """A URL safe to log or record: every password or other credential replaced by `***`.

    `${ENV}` references are kept: they name where the secret lives, not the secret."""
    match = _USERINFO.match(url)
    if match and not _ONLY_ENV_REF.match(match["password"]):
        url = f"{match['head']}{match['user']}:{REDACTED}@{url[match.end() :]}"
    split = _query_parts(url)
    if split is None:
        return url
    head, parts = split
    query = []
    for part in parts:
        key, equals, value = part.partition("=")
        if equals and _secret_key(key) and not _ONLY_ENV_REF.match(value):
            part = f"{key}={REDACTED}"
        query.append(part)
    text = "&".join(p for p in query if not p.startswith("#"))
    fragment = "".join(p for p in query if p.startswith("#"))
    return f"{head}?{text}{fragment}"


def literal_secrets(url: str) -> list[str]:
    """Where a URL holds a password written out (not a `${ENV}` reference): `user:pw@` or a
    credential in its query. Such a URL is refused, so a secret never reaches a file."""
    found = []
    match = _USERINFO.match(url)
    if match and match["password"] and not _ONLY_ENV_REF.match(match["password"]):
        found.append("user:password@")
    split = _query_parts(url)
    for part in split[1] if split else []:
        key, equals, value = part.partition("=")
        if equals and value and _secret_key(key) and not _ONLY_ENV_REF.match(value):
            found.append(f"{unquote(key)}=")
    return found


def check_no_literal_secret(url: str, what: str) -> None:
    """Refuse a URL that carries a password in clear, pointing to the ways that keep it out."""
    found = literal_secrets(url)
    if not found:
        return
    if url.lower().startswith("smtp"):
        how = (
            "write smtp://USER@HOST?password_env=NAME and set NAME in the environment of "
            "whoever runs the review"
        )
    else:
        how = (
            "write the password as an environment reference such as ${PGPASSWORD} (in single "
            "quotes, so that the shell does not expand it), or leave it out and let libpq read "
            "PGPASSWORD or ~/.pgpass"
        )
    raise ConfigError(
        f"the {what} {redact_url(url)} holds a password in clear ({', '.join(found)}); "
        f"it would be written to manifests and Prefect's records: {how}"
    )
