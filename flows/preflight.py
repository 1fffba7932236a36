"""What a run is asked, and everything checked before it starts: one line and exit 2 on any
mistake, with nothing written or published.

Settings and tenants file, tenant name, source, delivery (recipients, SMTP URL, its password
variable), the output folder, the results store and the reissue reason; the period is
checked where the command reads it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from csreview.periods import Period
from csreview.settings import ConfigError, Settings, expand_env, load_settings


class UserError(Exception):
    """A mistake the user can fix; its message is the one line they see."""


@dataclass(frozen=True)
class RunRequest:
    cadence: str
    period: Period
    source: str
    out: Path
    language: str | None
    tenant: str | None
    config: Path | None
    reason: str | None
    store: str | None = None
    tenants_file: Path | None = None


def settings_for(
    config: Path | None,
    out: Path | None,
    language: str | None,
    store: str | None = None,
    tenants: Path | None = None,
) -> Settings:
    """The settings a command runs with, or the one line that says why they cannot load."""
    try:
        return load_settings(
            config, out_dir=out, language=language, store_url=store, tenants_file=tenants
        )
    except ConfigError as err:
        raise UserError(str(err)) from err


def preflight(request: RunRequest) -> None:
    """Everything that can be checked before a run starts: its settings, source, output
    folder, store, recipients and reissue reason. A failure is one line and exit 2, and
    nothing is written or published."""
    from csreview.store import StoreError, check_store
    from tasks.extract import SourceError, check_source
    from tasks.publish import ReissueError, cadence_dir, check_reason, published_runs

    try:
        settings = load_settings(
            request.config,
            tenant=request.tenant,
            out_dir=request.out,
            language=request.language,
            store_url=request.store,
            tenants_file=request.tenants_file,
        )
        check_source(request.source)
        check_delivery(settings, request.tenant, request.cadence)
        check_writable(request.out)
        folder = cadence_dir(request.out, request.tenant, request.cadence)
        check_store(settings.resolved_store_url)
        check_reason(request.period, published_runs(folder, request.period), request.reason)
    except (SourceError, ConfigError, StoreError, ReissueError) as err:
        raise UserError(str(err)) from err


def check_writable(out: Path) -> None:
    """The output folder exists, or can be made, and takes a file."""
    import tempfile

    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out, prefix=".csreview-check-"):
            pass
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise UserError(f"the output folder {out} cannot be written: {reason}") from err


def check_delivery(settings: Settings, tenant: str | None, cadence: str) -> None:
    """The recipients, the SMTP URL and its password variable, read as the run will read
    them after publishing, so that a mistake stops the run before anything is published."""
    from tasks import deliver

    try:
        recipients = deliver.recipients_for({"recipients": settings.recipients}, tenant, cadence)
        if not settings.smtp_url or not (recipients.to or settings.alert_to):
            return
        smtp = deliver.smtp_from_url(expand_env(settings.smtp_url), settings.smtp_sender)
    except ValueError as err:
        raise ConfigError(f"smtp_url: {err}") from err
    if smtp.password_env is not None and smtp.password_env not in os.environ:
        raise ConfigError(
            f"environment variable {smtp.password_env} is not set (the SMTP password, named "
            "by password_env in smtp_url)"
        )


def check_tenant(name: str | None) -> None:
    """A tenant name from the command line is one safe folder name (or exit 2)."""
    from csreview.tenants import check_tenant_name

    if name is not None:
        try:
            check_tenant_name(name)
        except ConfigError as err:
            raise UserError(str(err)) from err
