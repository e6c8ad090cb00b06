"""Creating notifications, reading them, e-mail preferences, immediate e-mails and the daily digest."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

from flask import current_app, g, has_request_context, render_template, url_for
from flask_babel import force_locale, ngettext
from flask_login import current_user
from sqlalchemy import func, select, update

from ..accounts.models import User
from ..accounts.services import recipient_locale
from ..contributions import NotificationKind
from ..database import lock_for_update, write_transaction
from ..dbtypes import utcnow
from ..extensions import db
from ..mail import send_mail
from ..plugins import get_host
from ..security import safe_next_url
from .models import (
    DAILY,
    EMAIL_CHOICES,
    IMMEDIATE,
    NEVER,
    PENDING,
    SENT,
    SKIPPED,
    Notification,
    NotificationPreference,
)

log = logging.getLogger("qn_portal.notifications")

KIND_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_.]+$")
TITLE_MAX = 300


class UnknownNotificationKind(LookupError):
    """A kind that no enabled plugin declares: a programming error, never a silent loss."""


# --- kinds -------------------------------------------------------------------------------------------------


def declared_kinds() -> dict[str, NotificationKind]:
    """The kinds every enabled plugin declares, by name, in plugin order.

    A kind whose name does not start with its plugin's name, or that another plugin already declared, is
    a plugin's mistake: logged and left out (raised in tests, like any request hook failure).
    """
    kinds: dict[str, NotificationKind] = {}
    for plugin, result in get_host().call_each("notification_kinds"):
        for kind in result or ():
            problem = None
            if not isinstance(kind, NotificationKind) or not KIND_NAME_RE.match(kind.name):
                problem = f"not a NotificationKind with a name like '{plugin}.what': {kind!r}"
            elif not kind.name.startswith(f"{plugin}."):
                problem = f"kind {kind.name!r} must start with {plugin}."
            elif kind.name in kinds:
                problem = f"kind {kind.name!r} is already declared"
            if problem:
                if current_app.config["PLUGIN_ERRORS"] == "raise":
                    raise ValueError(f"plugin {plugin}: {problem}")
                log.error("plugin %s: %s; left out", plugin, problem)
                continue
            kinds[kind.name] = kind
    return kinds


# --- preferences -------------------------------------------------------------------------------------------


def general_preference(user: User) -> str:
    """The profile's choice (``notify_email``), the default for every kind."""
    return user.notify_email if user.notify_email in EMAIL_CHOICES else DAILY


def chosen_preferences(user_id: int) -> dict[str, str]:
    """The kinds for which the person made a choice of their own, and that choice."""
    rows = db.session.execute(
        select(NotificationPreference.kind, NotificationPreference.email)
        .where(NotificationPreference.user_id == user_id)
    )
    return {kind: email for kind, email in rows if email in EMAIL_CHOICES}


def preferences_for(users: list[User], kind: str) -> dict[int, str]:
    """How each of ``users`` hears about ``kind`` by e-mail (one query for all of them)."""
    rows = db.session.execute(
        select(NotificationPreference.user_id, NotificationPreference.email).where(
            NotificationPreference.kind == kind,
            NotificationPreference.user_id.in_([user.id for user in users]),
        )
    )
    chosen = {user_id: email for user_id, email in rows if email in EMAIL_CHOICES}
    return {user.id: chosen.get(user.id, general_preference(user)) for user in users}


def save_preferences(user: User, choices: dict[str, str | None]) -> None:
    """Store ``{kind: "immediate" | "daily" | "none" | None}``; ``None`` goes back to the general choice."""
    existing = {
        row.kind: row
        for row in db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    }
    for kind, email in choices.items():
        row = existing.get(kind)
        if email is None:
            if row is not None:
                db.session.delete(row)
        elif email in EMAIL_CHOICES:
            if row is None:
                db.session.add(NotificationPreference(user_id=user.id, kind=kind, email=email))
            else:
                row.email = email
        else:
            raise ValueError(f"unknown e-mail preference {email!r}")


# --- creating notifications --------------------------------------------------------------------------------


def notify(users_or_ids, kind: str, title, url: str, text="") -> list[Notification]:
    """Notify people: one notification each, shown in the portal, e-mailed as each of them chose for ``kind``.

    ``users_or_ids`` is a user, a user id, or an iterable of them; deactivated accounts are left out.
    ``title`` and ``text`` may be lazy translations (``lazy_gettext("…", name=…)``): each recipient gets them
    in their own language. ``url`` is a path on the portal (``url_for(...)`` without ``_external``), where
    opening the notification leads. The notifications are committed, then immediate e-mails are sent;
    an e-mail that cannot be sent waits for the next digest. Returns the notifications created.
    """
    if kind not in declared_kinds():
        plugin = kind.split(".", 1)[0]
        host = get_host()
        if plugin in host.plugins and not host.is_enabled(plugin):
            return []  # a disabled plugin's kinds are nobody's: nothing to tell
        raise UnknownNotificationKind(kind)
    url = portal_path(url)
    ids = _user_ids(users_or_ids)
    if not ids:
        return []
    users = db.session.scalars(select(User).where(User.id.in_(ids), User.active).order_by(User.id)).all()
    preferences = preferences_for(users, kind)
    now = utcnow()
    created: list[Notification] = []
    immediate: list[tuple[Notification, User]] = []
    for user in users:
        with force_locale(recipient_locale(user)):
            notification = Notification(user_id=user.id, kind=kind, title=str(title)[:TITLE_MAX], text=str(text or ""),
                                        url=url, created_at=now)
        preference = preferences[user.id]
        if preference == IMMEDIATE:
            # Claimed for the immediate e-mail before it is sent, so that a digest running meanwhile skips it.
            notification.mail_state, notification.mailed_at = SENT, now
            immediate.append((notification, user))
        else:
            notification.mail_state = PENDING if preference == DAILY else SKIPPED
        db.session.add(notification)
        created.append(notification)
    db.session.commit()
    failed = [notification.id for notification, user in immediate if not _send_immediate(user, notification)]
    if failed:
        db.session.execute(
            update(Notification).where(Notification.id.in_(failed)).values(mail_state=PENDING, mailed_at=None)
        )
        db.session.commit()
    _forget_unread_count()
    return created


def portal_path(url: str) -> str:
    """``url`` as a path on the portal; a full URL of the portal itself (``url_for`` outside a request gives
    one) is shortened to its path. Anything else is refused: opening a notification must stay on the portal."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        own = urlsplit(url_for("main.home", _external=True))
        if parts.scheme in ("http", "https") and parts.netloc == own.netloc:
            url = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
    if safe_next_url(url) is None:
        raise ValueError(f"a notification's url must be a path on the portal, not {url!r}")
    return url


def _user_ids(users_or_ids) -> list[int]:
    items = [users_or_ids] if isinstance(users_or_ids, (int, User)) else list(users_or_ids)
    ids: list[int] = []
    for item in items:
        user_id = item.id if isinstance(item, User) else int(item)
        if user_id not in ids:
            ids.append(user_id)
    return ids


def _send_immediate(user: User, notification: Notification) -> bool:
    try:
        with force_locale(recipient_locale(user)):
            body = render_template("notifications/mail_immediate.txt", user=user, notification=notification,
                                   link=absolute_url(notification.url), preferences=absolute_url(_preferences_path()))
            send_mail(user.email, notification.title, body)
    except Exception:
        log.exception("immediate e-mail of notification %s could not be sent; left for the digest", notification.id)
        return False
    return True


def absolute_url(path: str) -> str:
    """``path`` on the portal as a full URL for an e-mail (outside requests, ``SERVER_NAME`` must be set)."""
    return urljoin(url_for("main.home", _external=True), path)


def _preferences_path() -> str:
    return url_for("notifications.preferences")


# --- reading -----------------------------------------------------------------------------------------------


def unread_count() -> int:
    """The signed-in person's unread notifications: one COUNT query per request, for the header."""
    if not has_request_context() or not current_user or not current_user.is_authenticated:
        return 0
    if "_qn_unread" not in g:
        g._qn_unread = db.session.scalar(
            select(func.count()).select_from(Notification)
            .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        )
    return g._qn_unread


def _forget_unread_count() -> None:
    if has_request_context():
        g.pop("_qn_unread", None)


def notifications_of(user_id: int):
    """The select of a person's notifications, newest first (to paginate)."""
    return (select(Notification).where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def own_notification(user_id: int, notification_id: int) -> Notification | None:
    """The notification if it is ``user_id``'s; someone else's is as good as missing."""
    return db.session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user_id)
    )


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
    _forget_unread_count()


def mark_all_read(user_id: int) -> int:
    """Mark every unread notification of the person read; return how many were."""
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    _forget_unread_count()
    return result.rowcount


# --- the daily digest --------------------------------------------------------------------------------------


@dataclass
class DigestRun:
    sent: int = 0
    failed: int = 0


@dataclass(frozen=True)
class DigestItem:
    """What a digest shows of one notification, read while it was claimed (the rows expire at commit)."""

    id: int
    title: str
    text: str
    url: str
    created_at: datetime


def users_with_pending() -> list[int]:
    """Who is owed an e-mail: people with notifications that no e-mail has covered yet."""
    ids = db.session.scalars(
        select(Notification.user_id).where(Notification.mail_state == PENDING).distinct().order_by(Notification.user_id)
    ).all()
    db.session.commit()  # end the read transaction: each claim below starts its own
    return list(ids)


def send_digests() -> DigestRun:
    """Send each person one e-mail listing the notifications still owed to them by e-mail.

    Safe to run twice or concurrently: a person's notifications are claimed (marked sent) in a write
    transaction, with their rows locked, before the e-mail goes out; a second run finds nothing left to
    claim. An e-mail that cannot be sent gives its notifications back for the next run.
    """
    run = DigestRun()
    for user_id in users_with_pending():
        claimed = _claim(user_id)
        if not claimed:
            continue
        user = db.session.get(User, user_id)
        if _send_digest(user, claimed):
            run.sent += 1
            continue
        run.failed += 1
        with write_transaction():
            db.session.execute(
                update(Notification).where(Notification.id.in_([n.id for n in claimed]), Notification.mail_state == SENT)
                .values(mail_state=PENDING, mailed_at=None)
            )
    return run


def _claim(user_id: int) -> list[DigestItem]:
    """Take the person's pending notifications for one digest; return those to e-mail (maybe none)."""
    with write_transaction():
        rows = db.session.scalars(lock_for_update(
            select(Notification).where(Notification.user_id == user_id, Notification.mail_state == PENDING)
            .order_by(Notification.created_at, Notification.id)
        )).all()
        if not rows:
            return []  # another run took them
        user = db.session.get(User, user_id)
        preferences = chosen_preferences(user_id)
        general = general_preference(user)
        now = utcnow()
        to_mail = []
        for row in rows:
            # What was read in the portal needs no e-mail; and the choice of today counts: someone who switched
            # a kind to "never" since gets no e-mail about it.
            wanted = user.active and row.read_at is None and preferences.get(row.kind, general) != NEVER
            row.mail_state, row.mailed_at = (SENT, now) if wanted else (SKIPPED, None)
            if wanted:
                to_mail.append(DigestItem(row.id, row.title, row.text, row.url, row.created_at))
    return to_mail


def _send_digest(user: User, notifications: list[DigestItem]) -> bool:
    try:
        with force_locale(recipient_locale(user)):
            items = [(notification, absolute_url(notification.url)) for notification in notifications]
            body = render_template("notifications/mail_digest.txt", user=user, items=items,
                                   inbox=absolute_url(url_for("notifications.index")),
                                   preferences=absolute_url(_preferences_path()))
            subject = ngettext("%(num)d nouvelle notification sur le portail Quartiers Numériques",
                               "%(num)d nouvelles notifications sur le portail Quartiers Numériques",
                               len(notifications))
            send_mail(user.email, subject, body)
    except Exception:
        log.exception("digest for user %s could not be sent; its notifications wait for the next run", user.id)
        return False
    return True


def digest_problem() -> str | None:
    """Why the digest cannot run here, for whoever sets up cron (``None`` if it can)."""
    if not has_request_context() and not current_app.config.get("SERVER_NAME"):
        return ("QN_SERVER_NAME is not set: e-mails need the portal's address for their links "
                "(e.g. QN_SERVER_NAME=portail.example.org).")
    return None
