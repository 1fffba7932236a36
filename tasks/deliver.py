"""Deliver: e-mail a published review (the PDF attached, a bilingual summary in the body)
through an SMTP server, with the password taken from the environment.

Delivery comes after publishing and never touches the published files: when it fails the
review stays published and the caller reports it (exit code 4) instead of losing it.

SMTP URL (`smtp_from_url`), no password allowed in it:

    smtp://[USER@]HOST[:PORT][?starttls=true|false][&password_env=NAME][&timeout=SECONDS]
    smtps://[USER@]HOST[:PORT][?password_env=NAME][&timeout=SECONDS]

`smtp://` is plain SMTP, upgraded with STARTTLS when `starttls=true` (default port 587 then,
25 otherwise); `smtps://` is TLS from the first byte (default port 465). A USER (percent-
encoded: `reviews%40example.com`) means log in, with the password read from the environment
variable named by `password_env`. Logging in without TLS is refused except on loopback.

CSV files attached to the message are made safe for spreadsheet apps (`spreadsheet_safe`):
a text cell that a spreadsheet would run as a formula gets a leading `'`. The published
files are never changed; only the copies that travel to a manager's spreadsheet are.

Recipients (`recipients_for`), in the config file:

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

import ipaddress
import os
import re
import smtplib
import ssl
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from csreview.periods import CADENCES
from csreview.settings import EMAIL_ADDRESS, LANGUAGES, ConfigError, Language

DEFAULT_TIMEOUT_SECONDS: Final = 30.0
DEFAULT_LANGUAGES: Final[tuple[Language, ...]] = LANGUAGES
ALL: Final = "all"
DEFAULT_TENANT: Final = "default"
MAX_ERROR_LENGTH: Final = 400

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RECIPIENT_KEYS: Final = frozenset({"to", "cc", "languages"})
_URL_OPTIONS: Final = frozenset({"starttls", "password_env", "timeout"})
_TRUE: Final = frozenset({"true", "1", "yes", "on"})
_FALSE: Final = frozenset({"false", "0", "no", "off"})
_NO_ATTACHMENTS: Final[Mapping[str, bytes]] = MappingProxyType({})
_MIME_TYPES: Final[Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        ".csv": ("text", "csv"),
        ".txt": ("text", "plain"),
        ".html": ("text", "html"),
        ".json": ("application", "json"),
        ".pdf": ("application", "pdf"),
        ".zip": ("application", "zip"),
    }
)


class DeliveryError(Exception):
    """One delivery attempt failed; the message is one line, safe to show and log.

    `retryable` is False when another attempt cannot succeed (a missing password, a login or
    a recipient refused for good) so that a retrying caller can stop early."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


# ---------------------------------------------------------------- the server
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


# ---------------------------------------------------------------- who receives it
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


# ---------------------------------------------------------------- the message
def build_message(
    *,
    sender: str,
    recipients: Recipients,
    subject: str,
    summary_lines: Sequence[str],
    pdf: bytes,
    pdf_name: str,
    extra_attachments: Mapping[str, bytes] = _NO_ATTACHMENTS,
) -> EmailMessage:
    """The e-mail of a review: the summary lines as a UTF-8 plain-text body, the PDF and any
    extra files (e.g. `kpis.csv`) attached byte for byte, but CSV files spreadsheet-safe
    (`spreadsheet_safe`: they are opened by a manager's spreadsheet app).

    No I/O (only the clock for Date and a random Message-ID): build it once, so every retry
    sends the same message and a mail client can drop a duplicate by its Message-ID."""
    if not recipients.to:
        raise ValueError("no recipients: skip delivery when Recipients.to is empty")
    names = [pdf_name, *extra_attachments]
    for name in names:
        _check_file_name(name)
    if len(set(names)) != len(names):
        raise ValueError(f"attachment names must differ: {', '.join(names)}")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients.to)
    if recipients.cc:
        message["Cc"] = ", ".join(recipients.cc)
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    body = "\n".join(summary_lines) + "\n"
    message.set_content(body, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=pdf_name)
    for name, data in extra_attachments.items():
        maintype, subtype = _MIME_TYPES.get(
            PurePosixPath(name).suffix.lower(), ("application", "octet-stream")
        )
        params = {"charset": "utf-8"} if maintype == "text" else {}
        if subtype == "csv":
            data = spreadsheet_safe(data)
        message.add_attachment(
            data, maintype=maintype, subtype=subtype, filename=name, params=params
        )
    # last: set_content() and add_attachment() move or drop Content-* headers
    message["Content-Language"] = ", ".join(recipients.languages)
    return message


def _check_file_name(name: str) -> None:
    if not name or name in (".", "..") or any(c in name for c in "/\\") or not name.isprintable():
        raise ValueError(f"{name!r} is not a plain file name for an attachment")


# ---------------------------------------------------------------- spreadsheet-safe CSV
# a cell a spreadsheet app may run as a formula starts with one of these (ASCII, or the
# full-width and small forms some apps also read as operators, which NFKC maps to ASCII)
_FORMULA_SIGNS: Final = frozenset("=+-@\u2212")  # U+2212: the minus sign
_CONTROL_STARTS: Final = frozenset("\t\r\n")  # a cell starting with one is always suspect
_NUMBER = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|-?inf")
# one field of a CSV as `csv.writer` writes it: quoted (group 1, quotes doubled inside) or
# plain at the start of the text, after a comma or after a line break (group 2: a bare CR
# too, where a spreadsheet starts a row); scanning left to right, a quoted field is consumed
# whole, so its commas and line breaks are never read as separators
_FIELD = re.compile(r'"([^"]*(?:""[^"]*)*)"|(?:\A|(?<=[,\r\n]))([^,"\r\n]+)')


def spreadsheet_safe(data: bytes) -> bytes:
    """CSV bytes with every text cell a spreadsheet would run as a formula prefixed by `'`
    (OWASP's advice against CSV injection); numbers and every other byte are unchanged.

    For the copies a manager opens (e-mail, PDF attachments), never the published files,
    which the contract keeps exact. Works on bytes, not `csv.reader`, so a field of any size
    is read; idempotent (a neutralised cell starts with `'`)."""
    text = data.decode("utf-8", errors="surrogateescape")

    def safe(field: re.Match[str]) -> str:
        quoted, plain = field.group(1), field.group(2)
        if quoted is not None:
            value = quoted.replace('""', '"')
            return f'"\'{quoted}"' if runs_as_formula(value) else field.group(0)
        return f"'{plain}" if runs_as_formula(plain) else plain

    return _FIELD.sub(safe, text).encode("utf-8", errors="surrogateescape")


def runs_as_formula(cell: str) -> bool:
    """Whether a spreadsheet app might evaluate the cell: it starts with `=`, `+`, `-`, `@`
    (or a full-width or small form of one), after any blanks or invisible characters, or with
    a tab or line break; a plain number (`-0.5`, `-1e-05`) is a number, not a formula."""
    if not cell or _NUMBER.fullmatch(cell):
        return False
    if cell[0] in _CONTROL_STARTS:
        return True
    for char in cell:
        if char.isspace() or unicodedata.category(char) in ("Cc", "Cf"):
            continue
        return char in _FORMULA_SIGNS or unicodedata.normalize("NFKC", char) in _FORMULA_SIGNS
    return False


# ---------------------------------------------------------------- sending
def send(message: EmailMessage, smtp: Smtp, environ: Mapping[str, str] | None = None) -> list[str]:
    """Make one delivery attempt; returns the recipient addresses the server accepted.

    No retries here: the caller wraps `send` in a Prefect task with retries (stopping early
    when `DeliveryError.retryable` is False) and, when all attempts fail, keeps the
    published review and exits with code 4. `environ` defaults to `os.environ`."""
    password = _password(smtp, os.environ if environ is None else environ)
    recipients = _envelope_recipients(message)
    if not recipients:
        raise DeliveryError(
            "the message has no recipients (To, Cc and Bcc are empty)", retryable=False
        )
    context = ssl.create_default_context()
    try:
        client = _connect(smtp, context)
        try:
            if smtp.starttls:
                client.starttls(context=context)
            if smtp.username is not None and password is not None:
                client.login(smtp.username, password)
            refused = client.send_message(message, from_addr=smtp.sender, to_addrs=recipients)
        except BaseException:
            client.close()
            raise
        _quit(client)
    except (smtplib.SMTPException, OSError, UnicodeError) as err:
        # `from None`: a chained cause could carry server text or credentials into a log
        raise DeliveryError(_one_line(err, smtp, password), retryable=_retryable(err)) from None
    return [r for r in recipients if r not in refused]


def _password(smtp: Smtp, environ: Mapping[str, str]) -> str | None:
    if smtp.username is None:
        return None
    if smtp.password_env is None:
        raise DeliveryError(
            f"SMTP user {smtp.username} has no password_env naming the password's variable",
            retryable=False,
        )
    password = environ.get(smtp.password_env)
    if not password:
        raise DeliveryError(
            f"environment variable {smtp.password_env} is not set: it holds the password of "
            f"SMTP user {smtp.username} on {smtp.host}",
            retryable=False,
        )
    return password


def _envelope_recipients(message: EmailMessage) -> list[str]:
    headers = [str(v) for name in ("To", "Cc", "Bcc") for v in message.get_all(name, [])]
    return list(dict.fromkeys(addr for _, addr in getaddresses(headers) if addr))


def _connect(smtp: Smtp, context: ssl.SSLContext) -> smtplib.SMTP:
    if smtp.ssl:
        return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_seconds, context=context)
    return smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)


def _quit(client: smtplib.SMTP) -> None:
    """Say goodbye after the server took the message; a failing QUIT is not a failed
    delivery (retrying would send the mail twice)."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _one_line(err: BaseException, smtp: Smtp, password: str | None) -> str:
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        detail = "every recipient was refused: " + "; ".join(
            f"{addr} ({code} {_text(reply)})" for addr, (code, reply) in err.recipients.items()
        )
    elif isinstance(err, smtplib.SMTPAuthenticationError):
        detail = f"login as {smtp.username} refused: {err.smtp_code} {_text(err.smtp_error)}"
    elif isinstance(err, smtplib.SMTPSenderRefused):
        detail = f"sender {err.sender} refused: {err.smtp_code} {_text(err.smtp_error)}"
    elif isinstance(err, smtplib.SMTPResponseException):
        detail = f"server replied {err.smtp_code} {_text(err.smtp_error)}"
    elif isinstance(err, TimeoutError):
        detail = f"no answer within {smtp.timeout_seconds:g} s"
    elif isinstance(err, ssl.SSLCertVerificationError):
        detail = f"TLS certificate not trusted: {err.verify_message}"
    elif isinstance(err, ssl.SSLError):
        detail = f"TLS failed: {err.reason or err}"
    elif isinstance(err, UnicodeError):
        detail = "the user name or password has characters SMTP cannot send (ASCII only)"
    elif isinstance(err, OSError) and err.strerror:
        detail = err.strerror
    else:
        detail = str(err) or type(err).__name__
    line = " ".join(f"SMTP delivery via {smtp.host}:{smtp.port} failed: {detail}".split())
    if password:
        line = line.replace(password, "***")
    return line if len(line) <= MAX_ERROR_LENGTH else line[: MAX_ERROR_LENGTH - 1] + "…"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _retryable(err: BaseException) -> bool:
    """Only a temporary failure (4xx, a network or server hiccup) is worth another try."""
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        return any(400 <= code < 500 for code, _ in err.recipients.values())
    if isinstance(err, smtplib.SMTPResponseException):
        return 400 <= err.smtp_code < 500
    if isinstance(err, smtplib.SMTPNotSupportedError | ssl.SSLCertVerificationError):
        return False
    return not isinstance(err, UnicodeError)
