"""iCalendar feeds: one VEVENT per occurrence (expanded), in UTC, so every client agrees across DST changes.

A moved occurrence keeps its UID (one per session), so a subscribed client updates it instead of adding a
second one; a cancelled occurrence is sent with STATUS:CANCELLED so that clients drop it. No personal data:
titles, places and descriptions of workshops only.
"""

from __future__ import annotations

from datetime import datetime

from flask import request, url_for
from icalendar import Calendar, Event

from qn_portal.api import utcnow

from .models import CANCELLED


def build_calendar(sessions, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Quartiers Numériques//QN Portal ateliers//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Paris")
    stamp = utcnow()
    host = request.host if request else "qn-portal"
    for session in sessions:
        workshop = session.workshop
        event = Event()
        event.add("uid", f"ateliers-session-{session.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("summary", workshop.title)
        event.add("location", _place(session))
        event.add("url", url_for("ateliers.session", session_id=session.id, _external=True))
        event.add("description", workshop.description[:1000])
        event.add("status", "CANCELLED" if session.status == CANCELLED else "CONFIRMED")
        event.add("last-modified", _as_utc(session.created_at))
        calendar.add_component(event)
    return calendar.to_ical()


def _place(session) -> str:
    association = session.workshop.association
    parts = [association.name]
    if session.room:
        parts.append(session.room.name)
    if association.address:
        parts.append(association.address)
    if association.commune:
        parts.append(association.commune)
    return ", ".join(parts)


def _as_utc(moment: datetime) -> datetime:
    return moment
