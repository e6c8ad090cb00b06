"""Signed, expiring, single-use tokens for invitations and password resets.

A token carries the user id and a fingerprint of the user's current password hash. Setting a password
changes the hash, so a token works once, and every earlier token dies with a password change.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from ..extensions import db
from .models import User

INVITATION = "invitation"
RESET = "reset"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"qn-portal-{purpose}")


def _fingerprint(user: User) -> str:
    material = f"{user.id}:{user.email}:{user.password_hash or ''}:{user.active}"
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def _max_age(purpose: str) -> timedelta:
    return current_app.config["INVITATION_MAX_AGE" if purpose == INVITATION else "RESET_MAX_AGE"]


def read_token(token: str, purpose: str) -> User | None:
    """The active user a valid, unexpired, unused token names, or ``None``."""
    try:
        data = _serializer(purpose).loads(token, max_age=int(_max_age(purpose).total_seconds()))
    except BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.scalar(select(User).where(User.id == data.get("u")))
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        return None
    return user
