"""Request security: response headers, safe redirects and the audit log."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def cookieless(view):
    """Mark a view whose responses never set a cookie, whatever happened to the session while it ran.

    For public resources that other sites fetch or embed (a widget, an open-data feed): a session that
    Flask-Login marked, or a permanent session refreshed on each request, would otherwise send Set-Cookie.
    """
    view._qn_cookieless = True
    return view


class CookielessAwareSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that the response of a ``cookieless`` view saves nothing.

    Nor does any answer of the public API (``/api/v1``, routing errors included), which reads no cookie:
    it sends none either — not the session's, not Flask-Login's remember cookie (set on every response when
    ``REMEMBER_COOKIE_REFRESH_EACH_REQUEST`` is on) — and says ``Vary: Cookie`` nowhere. A public answer may
    sit in a shared cache: a cookie in it would be handed to whoever asks next.
    """

    def save_session(self, app, session, response):
        from .public_api.errors import is_api_request

        if is_api_request():
            # Runs after every after_request handler: whatever cookie one of them set is dropped here.
            response.headers.remove("Set-Cookie")
            return
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        if getattr(view, "_qn_cookieless", False):
            return
        super().save_session(app, session, response)


def configure_security_headers(app: Flask) -> None:
    from .audit.service import install as install_audit

    app.session_interface = CookielessAwareSessionInterface()

    # Registered first, so that it runs after the handlers below (Flask runs after_request handlers in
    # reverse): the audit entries are written once the response is complete.
    install_audit(app)

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
        # A download that already forbids storing ("private, no-store") keeps its own header.
        if (current_user.is_authenticated and request.endpoint != "static"
                and "no-store" not in headers.get("Cache-Control", "")):
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
    """Record a security event: a log line (values quoted, so none can forge a line) and an audit entry
    that coordinators read at /admin/journal. See ``qn_portal.audit.service.audit`` for the fields."""
    from .audit.service import audit as record

    record(event, outcome, **fields)
