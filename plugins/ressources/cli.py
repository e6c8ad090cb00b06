"""``qn-portal ressources …``: maintenance commands of the library."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from qn_portal.api import db


@click.group("ressources")
def ressources_group():
    """The shared library of resources."""


@ressources_group.command("recount")
@with_appcontext
def recount():
    """Recount the uses and ratings of every resource (after a manual correction in the database)."""
    from .models import Resource
    from .services import refresh_usage

    ids = db.session.scalars(select(Resource.id)).all()
    for resource_id in ids:
        refresh_usage(resource_id)
    db.session.commit()
    click.echo(f"{len(ids)} ressources recomptées.")
