"""Rangement: a well-behaved fake plugin that uses every hook, each with only the arguments it needs."""

from __future__ import annotations

import click
from flask import Blueprint, render_template

from qn_portal.api import (
    Figure,
    NavItem,
    Panel,
    Permission,
    SearchDocument,
    Widget,
    hookimpl,
    public,
    requires,
)

#: What the hooks saw, for the tests to read (reset by the tests).
events: list = []
demo_seen: list = []

bp = Blueprint("tidy", __name__, url_prefix="/tidy", template_folder="templates")


@bp.route("/")
def index():
    return render_template("tidy/index.html")


@bp.route("/ouvert")
@public
def open_page():
    return "page publique du rangement"


@bp.route("/reserve")
@requires("tidy.use")
def restricted():
    return "réservé à la direction"


@click.group("tidy")
def tidy_group():
    """The tidy plugin's commands."""


@tidy_group.command("hello")
def hello():
    click.echo("bonjour du rangement")


@hookimpl
def blueprints():
    return [bp]


@hookimpl
def permissions():
    return [Permission("tidy.use", "Utiliser le rangement", roles={"manager"})]


@hookimpl
def cli_commands():
    return [tidy_group]


@hookimpl
def jinja_filters():
    return {"tidy_shout": lambda value: str(value).upper() + " !"}


@hookimpl
def demo_data(demo):
    demo_seen.append(sorted(demo.users))


@hookimpl
def nav_items():
    return [NavItem("Rangement", "tidy.index", order=60)]


@hookimpl
def dashboard_widgets(user):
    return [Widget("Rangement du jour", "tidy/widget.html", {"name": user.display_name}, order=60)]


@hookimpl
def association_panels(association):
    return [Panel("Rangement de l'association", "tidy/panel.html", {"association": association})]


@hookimpl
def search_documents():
    yield SearchDocument(key="box:1", title="Boîte à rangement", text="une boîte pour les câbles",
                         url="/tidy/#box-1")


@hookimpl
def on_event(event):
    events.append(event)


@hookimpl
def report_figures(association_ids, start):
    # Takes only the arguments it needs (no ``end``): one figure per association asked for.
    return [Figure("tidy.boxes", "Boîtes rangées", 3, association_id=association_id)
            for association_id in association_ids or [0]]
