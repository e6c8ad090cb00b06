"""The alerts command: saved searches (daily or weekly) and deadline reminders, each sent once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import url_for
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from qn_portal.api import User, db, lazy_gettext, notify, write_transaction

from .models import AlertSent, Follow, Opportunity, SavedSearch
from .services import filters_from_query, member_ids, search_statement

REMINDER_DAYS = (30, 7)


@dataclass
class AlertReport:
    searches: int = 0
    opportunities: int = 0
    reminders: int = 0


def search_is_due(search: SavedSearch, today: date) -> bool:
    if search.last_sent_on is None:
        return True
    if search.frequency == "daily":
        return search.last_sent_on < today
    return (today - search.last_sent_on).days >= 7


def claim(keys: list[str], today: date) -> bool:
    """Record ``keys`` as sent, in one transaction; False when another run already sent one of them."""
    try:
        with write_transaction():
            already = db.session.scalar(select(AlertSent.id).where(AlertSent.key.in_(keys)).limit(1))
            if already is not None:
                return False
            db.session.add_all([AlertSent(key=key, sent_on=today) for key in keys])
    except IntegrityError:
        return False
    return True


def run_saved_searches(today: date, report: AlertReport) -> None:
    searches = db.session.scalars(select(SavedSearch).order_by(SavedSearch.id)).all()
    for search in searches:
        if not search_is_due(search, today):
            continue
        filters = filters_from_query(search.query)
        statement = (search_statement(filters, today)
                     .where(Opportunity.created_at >= search.created_at)
                     .where(or_(Opportunity.deadline.is_(None), Opportunity.deadline >= today)))
        candidates = db.session.scalars(statement).all()
        keys = {f"search:{search.id}:opportunity:{opportunity.id}": opportunity for opportunity in candidates}
        sent = set(db.session.scalars(select(AlertSent.key).where(AlertSent.key.in_(list(keys))))) if keys else set()
        new = [opportunity for key, opportunity in keys.items() if key not in sent]
        run_key = f"search:{search.id}:run:{today.isoformat()}"
        if not claim([run_key] + [key for key in keys if key not in sent], today):
            continue
        with write_transaction():
            db.session.get(SavedSearch, search.id).last_sent_on = today
        if new:
            report.searches += 1
            report.opportunities += len(new)
            titles = ", ".join(opportunity.title for opportunity in new[:5])
            notify(search.user_id, "cofinancements.new_opportunities",
                   lazy_gettext("%(count)s nouvelle(s) aide(s) pour votre recherche « %(name)s »",
                                count=len(new), name=search.name),
                   url_for("cofinancements.index") + ("?" + search.query if search.query else ""),
                   text=titles)


def run_deadline_reminders(today: date, report: AlertReport) -> None:
    horizon = today + timedelta(days=max(REMINDER_DAYS))
    follows = db.session.scalars(
        select(Follow).join(Follow.opportunity).options(joinedload(Follow.opportunity))
        .where(Opportunity.deadline.is_not(None), Opportunity.deadline >= today, Opportunity.deadline <= horizon)
        .order_by(Follow.id)).all()
    for follow in follows:
        deadline = follow.opportunity.deadline
        days_left = (deadline - today).days
        # The tightest window that applies: a follow made 5 days before the deadline gets the 7-day reminder only.
        window = min(days for days in REMINDER_DAYS if days_left <= days)
        key = f"deadline:{follow.association_id}:{follow.opportunity_id}:{deadline.isoformat()}:{window}"
        wider = [f"deadline:{follow.association_id}:{follow.opportunity_id}:{deadline.isoformat()}:{days}"
                 for days in REMINDER_DAYS if days > window]
        if db.session.scalar(select(AlertSent.id).where(AlertSent.key == key)) is not None:
            continue
        fresh_wider = [k for k in wider if db.session.scalar(select(AlertSent.id).where(AlertSent.key == k)) is None]
        if not claim([key] + fresh_wider, today):
            continue
        recipients = [user_id for user_id in member_ids(follow.association_id)
                      if db.session.get(User, user_id).role != "partner"]
        if recipients:
            report.reminders += 1
            notify(recipients, "cofinancements.deadline_reminder",
                   lazy_gettext("Date limite dans %(days)s jours : %(title)s", days=days_left,
                                title=follow.opportunity.title),
                   url_for("cofinancements.opportunity", opportunity_id=follow.opportunity_id),
                   text=lazy_gettext("Date limite : %(date)s", date=deadline.strftime("%d/%m/%Y")))


def run_alerts(today: date) -> AlertReport:
    report = AlertReport()
    run_saved_searches(today, report)
    run_deadline_reminders(today, report)
    return report
