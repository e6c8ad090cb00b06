"""``qn-portal veille …``: the jobs of the veille, for cron."""

from __future__ import annotations

import click
from flask import current_app, has_request_context
from flask.cli import with_appcontext

from . import services


@click.group("veille")
def veille_group():
    """Veille: import the sources, publish scheduled posts, send the weekly digest."""


@veille_group.command("fetch")
@with_appcontext
def fetch():
    """Read every registered RSS/Atom source into the review queue (broken or hostile ones are skipped)."""
    report = services.fetch_sources()
    for name, problem in report.problems:
        click.echo(f"source {name!r} skipped: {problem}", err=True)
    click.echo(f"{report.added} new item(s) to review; {len(report.problems)} source(s) skipped.")


@veille_group.command("publish-due")
@with_appcontext
def publish_due():
    """Index and announce the scheduled posts whose date has come (run it every few minutes from cron)."""
    if not has_request_context() and not current_app.config.get("SERVER_NAME"):
        raise click.ClickException("QN_SERVER_NAME is not set: notifications need the portal's address.")
    count = services.publish_due()
    click.echo(f"{count} scheduled post(s) published.")


@veille_group.command("digest")
@click.option("--week", help="ISO week, e.g. 2026-W47 (default: the last complete week).")
@with_appcontext
def digest(week):
    """E-mail the week's posts to those who asked for it; running it twice sends nothing twice."""
    if not has_request_context() and not current_app.config.get("SERVER_NAME"):
        raise click.ClickException("QN_SERVER_NAME is not set: e-mails need the portal's address for their links.")
    week = week or services.last_complete_week()
    try:
        services.week_bounds(week)
    except ValueError:
        raise click.BadParameter("expected an ISO week such as 2026-W47", param_hint="--week") from None
    run = services.send_weekly_digests(week)
    click.echo(f"week {week}: {run.sent} digest(s) sent, {run.skipped} skipped.")
    if run.failed:
        raise click.ClickException(f"{run.failed} digest(s) could not be sent; they will go with the next run.")
