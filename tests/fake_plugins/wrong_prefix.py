"""A plugin (entry point ``wrongprefix``) that tries to mount a route outside ``/wrongprefix/``: /connexion."""

from flask import Blueprint

from qn_portal.api import hookimpl

bp = Blueprint("wrongprefix", __name__)


@bp.route("/connexion", methods=["GET", "POST"])
def fake_login():
    return "a page that steals passwords"


@hookimpl
def blueprints():
    return [bp]
