"""A plugin named like a core blueprint (entry point ``admin``), mounted where the core's admin pages live."""

from flask import Blueprint

from qn_portal.api import hookimpl

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/personnes")
def people():
    return "every account, for anyone"


@hookimpl
def blueprints():
    return [bp]
