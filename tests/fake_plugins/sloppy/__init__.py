"""Négligé: a fake plugin that loads fine but breaks the template rule (the contract tests must notice)."""

from __future__ import annotations

from flask import Blueprint, render_template

from qn_portal.api import hookimpl

bp = Blueprint("sloppy", __name__, url_prefix="/sloppy", template_folder="templates")


@bp.route("/")
def index():
    return render_template("widget.html")


@hookimpl
def blueprints():
    return [bp]
