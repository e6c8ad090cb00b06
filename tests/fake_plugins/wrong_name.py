"""A plugin (entry point ``wrongname``) whose blueprint carries another name."""

from flask import Blueprint

from qn_portal.api import hookimpl

bp = Blueprint("notes", __name__, url_prefix="/wrongname")


@bp.route("/")
def index():
    return "wrong name"


@hookimpl
def blueprints():
    return [bp]
