"""Alerts: a review run that fails tells the data engineers which tenant, period and step
failed, and why — by e-mail, through the same SMTP settings as delivery. The why is the
product's own words or the kind of fault, never an exception's message (it may quote data)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from csreview.settings import ConfigError, expand_env, load_settings
from flows import faults
from tasks import deliver

log = logging.getLogger("csreview.alerts")


def alert_message(
    sender: str, to: Sequence[str], subject: str, lines: Sequence[str]
) -> EmailMessage:
    """A plain-text alert e-mail."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, ", ".join(to), subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n".join(lines))
    return message


TENANTS_FLOW = "service-quality-reviews"  # flows/tenants.py: every tenant of the file


def tenant_words(parameters: Mapping[str, Any], flow_name: str) -> str:
    """Whom a run reviews: its tenant, every tenant (the tenants' flow), or the default."""
    if parameters.get("tenant"):
        return str(parameters["tenant"])
    return "every tenant" if flow_name == TENANTS_FLOW else "default"


def alert_lines(
    parameters: Mapping[str, Any], run_name: str, step: str, reason: str, flow_name: str = ""
) -> list[str]:
    return [
        f"The review run {run_name} failed.",
        f"tenant: {tenant_words(parameters, flow_name)}",
        f"cadence: {parameters.get('cadence')}  period: {parameters.get('period')}",
        f"step: {step}",
        f"reason: {reason}",
        "The full trace is in the run's log (OUT/[TENANT/]CADENCE/_runs/RUN_ID/run.log) and in "
        "the Prefect UI.",
    ]


def reason(state: Any) -> str:
    """Why a run failed, in words safe to e-mail: from its exception, not its state message."""
    try:
        error = state.result(raise_on_failure=False)
    except Exception:  # the result could not be read back: the state's name must do
        error = None
    if isinstance(error, BaseException):
        return faults.one_line(error)
    return f"the run ended {state.name}"


def on_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect hook of the review flow: e-mail `alert_to` when a run fails (never raises)."""
    parameters = dict(flow_run.parameters or {})
    try:
        config = parameters.get("config")
        settings = load_settings(Path(config) if config else None)
        if not settings.smtp_url or not settings.alert_to:
            return
        smtp = deliver.smtp_from_url(expand_env(settings.smtp_url), settings.smtp_sender)
        step = faults.STAGES.pop(str(flow_run.id), "start")
        lines = alert_lines(parameters, flow_run.name, step, reason(state), flow.name)
        subject = f"csreview: {flow_run.name} failed at {step}"
        deliver.send(alert_message(smtp.sender, settings.alert_to, subject, lines), smtp)
    except (ConfigError, ValueError, deliver.DeliveryError) as err:
        log.error("could not send the failure alert: %s", err)
