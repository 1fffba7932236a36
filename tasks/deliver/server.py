"""The SMTP server a review is e-mailed through, from its URL; no password allowed in it.

    smtp://[USER@]HOST[:PORT][?starttls=true|false][&password_env=NAME][&timeout=SECONDS]
    smtps://[USER@]HOST[:PORT][?password_env=NAME][&timeout=SECONDS]

`smtp://` is plain SMTP, upgraded with STARTTLS when `starttls=true` (default port 587 then,
25 otherwise); `smtps://` is TLS from the first byte (default port 465). A USER (percent-
encoded: `reviews%40example.com`) means log in, with the password read from the environment
variable named by `password_env`. Logging in without TLS is refused except on loopback.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from csreview.settings import EMAIL_ADDRESS

DEFAULT_TIMEOUT_SECONDS: Final = 30.0
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_URL_OPTIONS: Final = frozenset({"starttls", "password_env", "timeout"})
_TRUE: Final = frozenset({"true", "1", "yes", "on"})
_FALSE: Final = frozenset({"false", "0", "no", "off"})


@dataclass(frozen=True)
class Smtp:
    """How to reach the SMTP server and who the mail is from.

    The password is never held here, only the name of the variable holding it, so that this
    object can be logged and recorded in a manifest."""

    host: str
    port: int
    starttls: bool
    ssl: bool
    username: str | None
    password_env: str | None
    sender: str
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("the SMTP server needs a host")
        if not 0 < self.port < 65_536:
            raise ValueError(f"SMTP port {self.port} is not between 1 and 65535")
        if self.starttls and self.ssl:
            raise ValueError("use either implicit TLS (smtps://) or STARTTLS, not both")
        if not self.timeout_seconds > 0:
            raise ValueError("the SMTP timeout must be above 0 seconds")
        if not EMAIL_ADDRESS.match(self.sender):
            raise ValueError(f"sender {self.sender!r} is not an e-mail address")
        if self.password_env is not None and not _ENV_NAME.match(self.password_env):
            raise ValueError(f"password_env {self.password_env!r} is not a variable name")
        if self.username is None:
            if self.password_env is not None:
                raise ValueError("password_env is given but no SMTP user to log in as")
            return
        if self.password_env is None:
            raise ValueError(
                f"SMTP user {self.username!r} needs password_env=NAME: the password "
                "comes from that environment variable"
            )
        if not (self.starttls or self.ssl or _is_loopback(self.host)):
            raise ValueError(
                f"logging in to {self.host} without TLS would send the password in clear: "
                "use smtps:// or starttls=true"
            )

    @property
    def url(self) -> str:
        """The server as an `smtp_from_url` URL (no password: there is none to show)."""
        scheme = "smtps" if self.ssl else "smtp"
        user = f"{quote(self.username, safe='')}@" if self.username else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        options = [f"starttls={'true' if self.starttls else 'false'}"] if not self.ssl else []
        if self.password_env:
            options.append(f"password_env={self.password_env}")
        if self.timeout_seconds != DEFAULT_TIMEOUT_SECONDS:
            options.append(f"timeout={self.timeout_seconds:g}")
        query = f"?{'&'.join(options)}" if options else ""
        return f"{scheme}://{user}{host}:{self.port}{query}"


def smtp_from_url(url: str, sender: str) -> Smtp:
    """Parse an SMTP URL (format in the module docstring) into an `Smtp`.

    One string is easy to put in a config file or a variable; the password is refused in it
    so that it only ever lives in the environment."""
    try:
        parts = urlsplit(url.strip())
        password = parts.password
        username = parts.username
        host = parts.hostname
        port = parts.port
    except ValueError as err:
        # urllib names the bad port or bracket, never the password
        raise ValueError(f"not a valid SMTP URL: {err}") from None
    if password is not None:
        raise ValueError(
            "the SMTP URL must not contain a password: it must come from the environment "
            "(write smtp://USER@HOST?password_env=NAME and set NAME)"
        )
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        raise ValueError(f"an SMTP URL starts with smtp:// or smtps://, not {url!r}")
    if not host:
        raise ValueError(f"the SMTP URL {url!r} names no host")
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError(f"the SMTP URL {url!r} has a path or fragment; only a query is allowed")
    options = _url_options(parts.query)
    implicit_tls = scheme == "smtps"
    starttls = _flag(options.get("starttls", "false"), "starttls")
    if implicit_tls and "starttls" in options:
        raise ValueError("starttls applies to smtp:// only: smtps:// is TLS from the start")
    try:
        timeout = float(options.get("timeout", DEFAULT_TIMEOUT_SECONDS))
    except ValueError:
        raise ValueError(f"timeout={options['timeout']!r} is not a number of seconds") from None
    if port is None:
        port = 465 if implicit_tls else 587 if starttls else 25
    return Smtp(
        host=host,
        port=port,
        starttls=starttls,
        ssl=implicit_tls,
        username=unquote(username) if username else None,
        password_env=options.get("password_env") or None,
        sender=sender,
        timeout_seconds=timeout,
    )


def _url_options(query: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key not in _URL_OPTIONS:
            known = ", ".join(sorted(_URL_OPTIONS))
            raise ValueError(f"unknown SMTP URL option {key!r} (known: {known})")
        if key in options:
            raise ValueError(f"SMTP URL option {key!r} is given twice")
        options[key] = value
    return options


def _flag(value: str, name: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ValueError(f"{name}={value!r} is not true or false")


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
