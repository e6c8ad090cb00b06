"""Server-side login sessions: each login is a row; ending a session deletes it, wherever its cookie went."""

from __future__ import annotations

from flask import current_app, request
from flask_login import login_user, logout_user
from sqlalchemy import delete, select
from sqlalchemy.orm import lazyload, make_transient_to_detached

from ..dbtypes import utcnow
from ..extensions import db, login_manager
from ..page_cache import VersionMemo
from .models import User, UserSession

# Sessions and their accounts as last read, while nothing has been written (see VersionMemo): ending a
# session, deactivating or editing an account are writes, after which the rows are read again.
_signed_in = VersionMemo()


@login_manager.user_loader
def load_user(session_key: str) -> User | None:
    known = _signed_in.get(session_key)
    if known is not None:
        created_at, columns = known
        user = User(**columns)
        make_transient_to_detached(user)  # a row as read from the database, not a new one
        user = db.session.merge(user, load=False)  # attached to this request's session without a query
    else:
        # The memberships load when a page first reads them, not with every request's user: a page served
        # from the page cache never needs them.
        row = db.session.execute(
            select(UserSession.created_at, User).join(User, User.id == UserSession.user_id)
            .where(UserSession.key == session_key).options(lazyload(User.memberships))
        ).first()
        if row is None:
            return None
        created_at, user = row
        _signed_in.put(session_key, (created_at, {column.key: getattr(user, column.key)
                                                  for column in User.__mapper__.column_attrs}))
    if not user.active or utcnow() - created_at > current_app.config["SESSION_MAX_AGE"]:
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


def end_all_sessions(user: User) -> int:
    """End every session of ``user``, wherever they are signed in; return how many ended."""
    result = db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    return result.rowcount or 0
