"""Sending e-mail: SMTP in production, the console in development, an in-memory outbox in tests."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger("qn_portal.mail")


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text e-mail to one address with the configured backend."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    backend = config["MAIL_BACKEND"]
    if backend == "memory":
        current_app.extensions.setdefault("qn_outbox", []).append(message)
    elif backend == "console":
        print(f"--- e-mail (console backend) ---\n{message}\n--- end of e-mail ---", flush=True)
    elif backend == "smtp":
        _send_smtp(message)
    else:
        raise ValueError(f"unknown MAIL_BACKEND {backend!r}")


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    host, port, timeout = config["MAIL_SERVER"], int(config["MAIL_PORT"]), config["MAIL_TIMEOUT"]
    context = ssl.create_default_context()
    if config["MAIL_USE_SSL"]:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=context)
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def outbox() -> list[EmailMessage]:
    """The messages sent with the ``memory`` backend (tests)."""
    return current_app.extensions.setdefault("qn_outbox", [])
