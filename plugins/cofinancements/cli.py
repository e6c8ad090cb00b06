"""``qn-portal cofinancements …``: run the alerts (cron) and import aids from Aides-territoires."""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext

from qn_portal.api import db, write_transaction


@click.group("cofinancements")
def group():
    """Co-funding: alerts and imports."""


@group.command("alerts")
@click.option("--today", "today_text", default=None, help="Run as if on this date (AAAA-MM-JJ); default: today in Paris.")
@with_appcontext
def alerts_command(today_text):
    """Send the saved-search alerts that are due and the deadline reminders (run it daily; twice sends nothing twice)."""
    from .alerts import run_alerts
    from .services import paris_today

    try:
        today = date.fromisoformat(today_text) if today_text else paris_today()
    except ValueError as error:
        raise click.BadParameter("AAAA-MM-JJ", param_hint="--today") from error
    with current_app.test_request_context("/"):
        report = run_alerts(today)
    click.echo(f"{report.searches} alert(s), {report.opportunities} opportunity(ies), {report.reminders} reminder(s)")


@group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_command(path):
    """Import aids from a JSON file in the format of Aides-territoires' API (re-importing updates)."""
    from .importer import ImportFileError, import_aids

    with open(path, "rb") as handle:
        raw = handle.read()
    with current_app.test_request_context("/"):
        try:
            with write_transaction():
                report = import_aids(raw)
        except ImportFileError as error:
            raise click.ClickException(str(error)) from error
    for message in report.errors:
        click.echo(message, err=True)
    click.echo(f"{report.created} created, {report.updated} updated, {len(report.errors)} error(s)")
    db.session.remove()
