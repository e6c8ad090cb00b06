"""``qn-portal programme …``: reminders of the timeline's milestones and binôme alerts (cron, once a day).

Each reminder is recorded (``programme_reminder``, unique key), so that a daily run tells people once, not
every day until the date: a milestone due soon once per due date, a binôme still untrained once per cohort.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("programme")
def programme_group():
    """Programme Quartiers Numériques."""


@programme_group.command("remind")
@click.option("--days", default=14, show_default=True, help="Milestones due within this many days.")
@with_appcontext
def remind(days):
    """Notify managers of milestones due soon, and managers and coordinators of binômes still untrained."""
    from flask import current_app, url_for
    from sqlalchemy import select

    from qn_portal.api import db, lazy_gettext, notify

    from .binome import untrained_statement
    from .models import ProgrammeMilestone, ProgrammeReminder
    from .services import coordinator_ids, manager_ids, milestones_due_soon, today

    now = today()

    def first_time(key: str) -> bool:
        """Record ``key``; False if it was already sent."""
        if db.session.scalar(select(ProgrammeReminder.id).where(ProgrammeReminder.key == key)) is not None:
            return False
        db.session.add(ProgrammeReminder(key=key))
        db.session.flush()
        return True

    def follow_url(association_id: int, anchor: str = "") -> str:
        with current_app.test_request_context():
            return url_for("programme.follow", association_id=association_id) + anchor

    milestones = 0
    for milestone in milestones_due_soon(now, days):
        if not first_time(f"milestone:{milestone.id}:{milestone.due_on.isoformat()}"):
            continue
        notify(manager_ids(milestone.association_id), "programme.milestone_due",
               lazy_gettext("Étape à venir : %(label)s, le %(date)s", label=str(milestone.label),
                            date=milestone.due_on.strftime("%d/%m/%Y")), follow_url(milestone.association_id))
        milestones += 1
    # A binôme is overdue when its milestone's date has passed and fewer than two médiateurs are trained.
    overdue = {m.association_id: m for m in db.session.scalars(select(ProgrammeMilestone).where(
        ProgrammeMilestone.kind == "binome", ProgrammeMilestone.done_on.is_(None), ProgrammeMilestone.due_on < now))}
    binomes = 0
    coordinators = coordinator_ids()
    for association, trained in db.session.execute(untrained_statement()):
        milestone = overdue.get(association.id)
        if milestone is None or not first_time(f"binome:{association.id}:{milestone.cohort}"):
            continue
        notify(set(manager_ids(association.id)) | set(coordinators), "programme.binome_missing",
               lazy_gettext("Binôme non formé : %(name)s — médiateurs formés : %(trained)s sur 2",
                            name=association.name, trained=trained),
               follow_url(association.id, "#binome"))
        binomes += 1
    db.session.commit()
    click.echo(f"{milestones} milestone(s) reminded, {binomes} binôme alert(s) sent")
