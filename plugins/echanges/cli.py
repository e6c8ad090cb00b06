"""``qn-portal echanges …``: the exchanges' commands."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from qn_portal.api import db

from .models import EchangesReport, EchangesThread


@click.group("echanges")
def echanges_group():
    """Échanges: figures for the coordination."""


@echanges_group.command("stats")
@with_appcontext
def stats():
    """Print the number of threads, unanswered threads and open reports."""
    threads = db.session.scalar(select(func.count()).select_from(EchangesThread))
    unanswered = db.session.scalar(select(func.count()).select_from(EchangesThread)
                                   .where(EchangesThread.reply_count == 0))
    reports = db.session.scalar(select(func.count()).select_from(EchangesReport)
                                .where(EchangesReport.resolved_at.is_(None)))
    click.echo(f"{threads} thread(s), {unanswered} unanswered, {reports} open report(s).")
