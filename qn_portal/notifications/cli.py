"""``qn-portal notifications digest``: the daily e-mail digest, for cron."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from . import services


@click.group("notifications")
def notifications_group():
    """Notifications: the daily e-mail digest."""


@notifications_group.command("digest")
@with_appcontext
def digest():
    """E-mail each person the notifications still owed to them (run it daily, e.g. from cron).

    Safe to run twice or concurrently: nobody gets the same notification twice. Needs QN_SERVER_NAME.
    """
    problem = services.digest_problem()
    if problem:
        raise click.ClickException(problem)
    run = services.send_digests()
    click.echo(f"{run.sent} digest(s) sent.")
    if run.failed:
        raise click.ClickException(f"{run.failed} digest(s) could not be sent; they will go with the next run.")
