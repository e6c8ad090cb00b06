"""The people of the portal and their server-side sessions."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db

# Platform roles. Association roles (manager, mediator) live on Membership.
ADMIN = "admin"
COORDINATOR = "coordinator"
PARTNER = "partner"
MEMBER = "member"
PLATFORM_ROLES = (ADMIN, COORDINATOR, PARTNER, MEMBER)

NOTIFY_CHOICES = ("immediate", "daily", "none")
LOCALES = ("fr", "en")


def new_key() -> str:
    """A random identifier of 256 bits, safe in URLs and cookies."""
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=MEMBER)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    notify_email: Mapped[str] = mapped_column(String(20), default="daily")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # Two-factor sign-in (accounts/two_factor.py). A secret without a confirmation date is an enrolment under
    # way: it counts only once the person has typed a first code from it.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last time-step whose code was accepted: a code is only accepted for a later step, so none works twice.
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    memberships = relationship(
        "Membership", back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Set by the user loader: the server-side session this request runs under.
    current_session_key = None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users.
        return self.active

    def get_id(self) -> str | None:
        # Flask-Login stores this in the session and the remember-me cookie; it names a server-side
        # session row, so deleting the row ends that login everywhere it was copied.
        return self.current_session_key

    @property
    def display_name(self) -> str:
        return self.name or self.email

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def is_coordinator(self) -> bool:
        return self.role in (ADMIN, COORDINATOR)

    def membership_in(self, association_id: int | None):
        for membership in self.memberships:
            if membership.association_id == association_id:
                return membership
        return None

    def association_role(self, association_id: int | None) -> str | None:
        membership = self.membership_in(association_id)
        return membership.role if membership else None

    @classmethod
    def by_email(cls, email: str) -> User | None:
        return db.session.scalar(select(cls).where(cls.email == normalise_email(email)))


class UserSession(db.Model):
    """One login on one device. Deleting the row ends it, even for a copied cookie."""

    __tablename__ = "user_session"

    key: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_key)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user = relationship(User)


class RecoveryCode(db.Model):
    """One single-use recovery code, stored as the SHA-256 of the code (the codes are random: no salt needed)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TrustedDevice(db.Model):
    """A browser where the second factor is not asked again until ``expires_at``; the cookie holds the token,
    this row only its SHA-256, so that a copy of the database opens no account."""

    __tablename__ = "trusted_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(200), default="")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()
