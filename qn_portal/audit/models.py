"""The ``audit_entry`` table: one row per security event, kept for a limited time (see ``purge``)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db


class AuditEntry(db.Model):
    """Who (``user_id`` and the e-mail they had then), when (UTC), from where, did what, with what outcome,
    on what. Never a password, a token or a session key (``record`` scrubs them)."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The account may be deleted later (erasure): the entry stays, with the e-mail it had.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(80), index=True)
    outcome: Mapped[str] = mapped_column(String(20), default="ok")
    target: Mapped[str] = mapped_column(String(300), default="")
    details: Mapped[str] = mapped_column(Text, default="{}")  # a JSON object

    @property
    def details_items(self) -> list[tuple[str, str]]:
        """The details as sorted (key, text) pairs, for display."""
        try:
            data = json.loads(self.details or "{}")
        except ValueError:
            return [("details", self.details)]
        if not isinstance(data, dict):
            return [("details", str(data))]
        return [(str(key), value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
                for key, value in sorted(data.items())]
