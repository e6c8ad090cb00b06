"""Recording audit entries: one log line and one ``audit_entry`` row per security event.

Transactions. A request's entries are queued in ``flask.g`` and written by an ``after_request`` handler with
the request's own session, in a transaction of their own: whatever the view left uncommitted is rolled back
first (the teardown would discard it anyway), so an entry is stored even when the request commits nothing
(a failed login), and never through a second connection that would wait for the write lock the request
holds on SQLite (``BEGIN IMMEDIATE``). Outside requests (CLI, jobs) an entry is written at once when the
session is idle, otherwise when the application context ends, so that it never commits the caller's work.

Secrets. Fields whose name says password, token, secret, cookie, CSRF or session key are masked; so is any
occurrence, in any stored text, of the request's secret values (password and token form fields, secret URL
parts such as the reset token, cookies, the session key). Control characters are escaped: a name or an
e-mail holding a newline cannot forge a log line.
"""

from __future__ import annotations

import json
import logging
import re
from contextlib import suppress
from datetime import timedelta
from typing import Any

from flask import Flask, g, has_app_context, has_request_context, request
from flask_login import current_user
from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from ..database import write_transaction
from ..dbtypes import utcnow
from ..extensions import db
from .models import AuditEntry

audit_log = logging.getLogger("qn_portal.audit")

SECRET_NAME = re.compile(
    r"(?:^|_)(?:password|passwd|pwd|passphrase|token|secret|cookie|csrf|session_key|api_key|confirm|signature)s?"
    r"(?:$|_)", re.IGNORECASE)
MASK = "***"
MIN_SECRET_LENGTH = 6  # shorter values would mask ordinary words
MAX_TEXT = 500
# A long run of upper and lower case letters and digits, as tokens and keys are (itsdangerous, base64): masked
# wherever it is, for a caller that passes a token under an innocent name. Slugs and e-mails are lower case.
TOKEN_LIKE = re.compile(r"[A-Za-z0-9_\-.~+=]{32,}")
CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
QUEUE = "_qn_audit_queue"
DEFAULT_RETENTION_DAYS = 365


def audit(action: str, outcome: str = "ok", *, target: Any = None, **fields: Any) -> None:
    """Record a security event in the audit log (a log line and a row coordinators read at /admin/journal).

    ``action`` is ``<area>.<what_happened>`` (``"membership.role_changed"``); ``outcome`` is ``"ok"``,
    ``"failed"``, ``"refused"`` or ``"bad_token"``; ``target`` is what the action was done to: a model object
    (a ``User`` is shown as its name and e-mail) or a short text. Other keyword arguments are stored as
    details (ids, counts, roles). Who, when and from where are taken from the request. Never pass passwords,
    tokens or session keys: fields named like them are masked anyway. In a request, the entry is written
    after the response is built, even if the request commits nothing.
    """
    secrets = _request_secrets()
    actor_id, actor_email = _actor(fields)
    target_text = _derived_target(fields, actor_id) if target is None else _describe(target)
    details = {str(key): MASK if SECRET_NAME.search(str(key)) else _scrub(_plain(value), secrets)
               for key, value in fields.items()}
    target_text = _scrub(target_text, secrets)
    address = (request.remote_addr or "") if has_request_context() else ""
    extra = " ".join(f"{key}={value!r}" for key, value in sorted(details.items()))
    audit_log.info("event=%s outcome=%s user=%r address=%r target=%r %s", _one_line(action), _one_line(outcome),
                   actor_id, address, target_text, extra)
    _enqueue({
        "created_at": utcnow(),
        "user_id": actor_id,
        "actor_email": _one_line(actor_email)[:254],
        "address": _one_line(address)[:64],
        "action": _one_line(action)[:80],
        "outcome": _one_line(outcome)[:20],
        "target": _one_line(target_text)[:300],
        "details": json.dumps(details, ensure_ascii=False, sort_keys=True),
    })


def audit_export(what: str, count: int, *, target: Any = None, **fields: Any) -> None:
    """Record that personal data left the portal: an export, a download of a list of people, a CSV file.

    ``what`` names the export in a few words (``"ateliers: inscrits de la session 12"``), ``count`` is the
    number of people (or rows) it holds; ``target`` and other keyword arguments as for ``audit``. The
    entry's action is ``data.export``. Call it when the file is produced, in the request that serves it.
    """
    audit("data.export", target=target if target is not None else what, what=what, count=count, **fields)


def purge(older_than_days: int = DEFAULT_RETENTION_DAYS) -> int:
    """Delete the entries older than ``older_than_days`` days; return how many. The purge is itself recorded."""
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    cutoff = utcnow() - timedelta(days=older_than_days)
    with write_transaction():
        count = db.session.execute(delete(AuditEntry).where(AuditEntry.created_at < cutoff)).rowcount
    audit("audit.purged", count=count, older_than_days=older_than_days)
    return count


def install(app: Flask) -> None:
    """Write the queued entries at the end of each request, and at the end of any application context."""

    @app.after_request
    def write_request_entries(response):
        flush()
        return response

    @app.teardown_appcontext
    def write_remaining_entries(exception):
        flush()


def flush() -> None:
    """Write the entries queued in this application context, in a transaction of their own."""
    entries = g.pop(QUEUE, None) if has_app_context() else None
    if entries:
        _write(entries)


# --- internals -----------------------------------------------------------------------------------------------


def _enqueue(values: dict) -> None:
    if has_request_context():
        g.setdefault(QUEUE, []).append(values)
    elif not has_app_context():
        audit_log.warning("audit entry %r not stored: no application context", values["action"])
    elif db.session().in_transaction():
        g.setdefault(QUEUE, []).append(values)  # written when the application context ends
    else:
        _write([values])


def _write(entries: list[dict]) -> None:
    try:
        # Anything the request left uncommitted would be discarded at teardown: discard it now, so that the
        # entries' commit never saves it.
        db.session.rollback()
        with write_transaction():
            db.session.add_all([AuditEntry(**values) for values in entries])
    except SQLAlchemyError as error:
        audit_log.error("could not store %d audit entries: %s", len(entries), error.__class__.__name__)
        with suppress(SQLAlchemyError):
            db.session.rollback()


def _actor(fields: dict) -> tuple[int | None, str]:
    """The signed-in user; else the account the request proved to be (``user_id=``: reset, invitation)."""
    if has_request_context():
        try:
            user = current_user._get_current_object()
            if user is not None and user.is_authenticated:
                return user.id, user.email
        except SQLAlchemyError:
            pass
    user = _load_user(fields.get("user_id"))
    return (user.id, user.email) if user is not None else (None, "")


def _load_user(user_id: Any):
    from ..accounts.models import User

    if not isinstance(user_id, int) or isinstance(user_id, bool):
        return None
    try:
        return db.session.get(User, user_id)
    except SQLAlchemyError:
        return None


def _derived_target(fields: dict, actor_id: int | None) -> str:
    """What the existing calls act on, from their fields: an e-mail tried, another account, a plugin, a path."""
    if fields.get("email"):
        return str(fields["email"])
    user_id = fields.get("user_id")
    if user_id is not None and user_id != actor_id:
        user = _load_user(user_id)
        return _describe(user) if user is not None else f"user_account #{user_id}"
    for key in ("plugin", "path", "key"):
        if fields.get(key):
            return str(fields[key])
    return ""


def _describe(obj: Any) -> str:
    from ..accounts.models import User

    if isinstance(obj, User):
        return f"{obj.name} <{obj.email}>" if obj.name else obj.email
    table = getattr(obj, "__tablename__", None)
    if table:
        label = next((value for value in (getattr(obj, name, None) for name in ("name", "title", "slug", "email"))
                      if isinstance(value, str) and value), "")
        ident = getattr(obj, "id", None)
        reference = f"{table} #{ident}" if ident is not None else table
        return f"{label} ({reference})" if label else reference
    return str(obj)


def _plain(value: Any) -> Any:
    """A JSON value: numbers, texts (shortened), lists and objects of them; model objects described."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if isinstance(value, dict):
        return {str(key): MASK if SECRET_NAME.search(str(key)) else _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(item) for item in value]
    return _describe(value)[:MAX_TEXT]


def _request_secrets() -> list[str]:
    """The secret values this request carries, longest first."""
    if not has_request_context():
        return []
    found: set[str] = set()
    for name, value in (request.view_args or {}).items():
        if SECRET_NAME.search(name) and isinstance(value, str):
            found.add(value)
    with suppress(HTTPException, ValueError):  # a body that cannot be parsed carries nothing we could store
        for name, values in request.form.lists():
            if SECRET_NAME.search(name):
                found.update(values)
    found.update(request.cookies.values())
    session_key = getattr(current_user, "current_session_key", None) if _signed_in() else None
    if session_key:
        found.add(session_key)
    return sorted((value for value in found if len(value) >= MIN_SECRET_LENGTH), key=len, reverse=True)


def _signed_in() -> bool:
    try:
        return bool(current_user and current_user.is_authenticated)
    except SQLAlchemyError:
        return False


def _scrub(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, MASK)
        return TOKEN_LIKE.sub(_mask_token_like, value)
    if isinstance(value, dict):
        return {key: _scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, secrets) for item in value]
    return value


def _mask_token_like(match: re.Match) -> str:
    run = match.group()
    looks_random = (any(ch.isdigit() for ch in run) and any(ch.isupper() for ch in run)
                    and any(ch.islower() for ch in run))
    return MASK if looks_random else run


def _one_line(text: Any) -> str:
    """``text`` with its control characters written as escapes (``\\n``): one line, whatever it holds."""
    return CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", str(text or ""))
