"""A sign-in waiting for its second factor: the password was right, the code is still to come.

Kept in Flask's signed session under ``second_factor``: the account, when the password was checked, the
"stay signed in" choice, where to go next, and a fingerprint of the password hash (a password changed in the
meantime ends the wait). Nobody is signed in until the code is accepted; after ``TWO_FACTOR_PENDING_MAX_AGE``
the password must be typed again.
"""

from __future__ import annotations

import hashlib

from flask import current_app, session

from ..extensions import db
from . import two_factor
from .models import User

KEY = "second_factor"
# The pages of the code step: the rate limits key them on the waiting account.
CODE_STEPS = frozenset({"auth.second_factor", "auth.recovery_login"})


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.id}:{user.password_hash or ''}".encode()).hexdigest()[:16]


def begin(user: User, remember: bool, next_url: str | None) -> None:
    session[KEY] = {"user_id": user.id, "at": int(two_factor.now().timestamp()), "remember": bool(remember),
                    "next": next_url or "", "fp": _fingerprint(user)}


def state() -> dict | None:
    """The waiting sign-in, if one is in the session and still fresh."""
    value = session.get(KEY)
    if not isinstance(value, dict) or not isinstance(value.get("at"), int):
        return None
    age = two_factor.now().timestamp() - value["at"]
    if not 0 <= age <= current_app.config["TWO_FACTOR_PENDING_MAX_AGE"].total_seconds():
        return None
    return value


def user() -> User | None:
    """The account waiting for its code: still active, same password, second factor still on."""
    value = state()
    if value is None or not isinstance(value.get("user_id"), int):
        return None
    account = db.session.get(User, value["user_id"])
    if account is None or not account.active or not two_factor.is_enabled(account):
        return None
    if value.get("fp") != _fingerprint(account):
        return None
    return account


def started() -> bool:
    """Whether the session holds a waiting sign-in, fresh or not (to tell "too late" from "never started")."""
    return KEY in session


def end() -> dict:
    """Forget the waiting sign-in; return what it held."""
    return session.pop(KEY, None) or {}
