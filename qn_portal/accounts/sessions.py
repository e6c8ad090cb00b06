"""Server-side login sessions: each login is a row; ending a session deletes it, wherever its cookie went."""

from __future__ import annotations

from flask import current_app, request
from flask_login import login_user, logout_user
from sqlalchemy import delete, select
from sqlalchemy.orm import lazyload

from ..dbtypes import utcnow
from ..extensions import db, login_manager
from .models import User, UserSession


@login_manager.user_loader
def load_user(session_key: str) -> User | None:
    # The memberships load when a page first reads them, not with every request's user: a page served from
    # the page cache never needs them.
    row = db.session.execute(
        select(UserSession, User).join(User, User.id == UserSession.user_id).where(UserSession.key == session_key)
        .options(lazyload(User.memberships))
    ).first()
    if row is None:
        return None
    user_session, user = row
    if not user.active or utcnow() - user_session.created_at > current_app.config["SESSION_MAX_AGE"]:
        return None
    user.current_session_key = session_key
    return user


def start_session(user: User, remember: bool = False) -> None:
    """Open a new session for ``user`` on this device and sign them in."""
    user_session = UserSession(user_id=user.id, user_agent=(request.user_agent.string or "")[:200])
    db.session.add(user_session)
    user.last_login_at = utcnow()
    db.session.flush()
    user.current_session_key = user_session.key
    login_user(user, remember=remember)


def end_current_session(user: User) -> None:
    if user.current_session_key:
        db.session.execute(delete(UserSession).where(UserSession.key == user.current_session_key))
    logout_user()


def end_other_sessions(user: User) -> int:
    """End every session of ``user`` but this one; return how many ended."""
    result = db.session.execute(
        delete(UserSession).where(UserSession.user_id == user.id, UserSession.key != user.current_session_key)
    )
    return result.rowcount or 0


def end_all_sessions(user: User) -> None:
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
