"""Request security: response headers, safe redirects and the audit log."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, request
from flask_login import current_user

audit_log = logging.getLogger("qn_portal.audit")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def configure_security_headers(app: Flask) -> None:
    @app.after_request
    def add_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages shown to a signed-in person carry personal data: never keep them in a shared cache.
        if current_user.is_authenticated and request.endpoint != "static":
            headers["Cache-Control"] = "no-store"
        return response


def safe_next_url(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site, else ``None`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in target):
        return None
    return target


def audit(event: str, outcome: str = "ok", **fields: object) -> None:
    """Log a security event with its user, address and outcome; values are quoted so none can forge a line."""
    user = current_user.get_id() and current_user.id if _has_user() else None
    address = request.remote_addr if request else None
    extra = " ".join(f"{key}={value!r}" for key, value in sorted(fields.items()))
    audit_log.info("event=%s outcome=%s user=%r address=%r %s", event, outcome, user, address, extra)


def _has_user() -> bool:
    try:
        return bool(current_user and current_user.is_authenticated)
    except Exception:
        return False
