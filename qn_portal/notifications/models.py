"""Notification rows and the per-kind e-mail preferences of each person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db

# How someone hears about a kind of notification by e-mail (the values of User.notify_email too).
IMMEDIATE, DAILY, NEVER = "immediate", "daily", "none"
EMAIL_CHOICES = (IMMEDIATE, DAILY, NEVER)

# Whether a notification still owes its recipient an e-mail. PENDING rows are what the next digest sends
# (daily preference, or an immediate e-mail that could not be sent); a digest claims them (SENT) before
# sending, in a write transaction, so that two runs never send the same one.
PENDING, SENT, SKIPPED = "pending", "sent", "skipped"


class Notification(db.Model):
    """Something a person should know, shown on /notifications until read."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_id_read_at", "user_id", "read_at"),
        Index("ix_notification_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_state: Mapped[str] = mapped_column(String(10), default=PENDING, index=True)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(db.Model):
    """One person's choice for one kind; without a row, their profile's ``notify_email`` applies."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(20), default=DAILY)
