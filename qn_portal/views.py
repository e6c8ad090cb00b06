"""Core pages: the dashboard, the language switch, search, file downloads and the health checks."""

from __future__ import annotations

from contextlib import suppress

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db, limiter
from .permissions import require
from .plugins import get_host
from .search import run_search
from .security import audit, safe_next_url
from .storage import StoredFile, file_path

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    return redirect(url_for("main.dashboard" if current_user.is_authenticated else "auth.login"))


@bp.route("/tableau-de-bord")
@login_required
def dashboard():
    widgets = sorted(get_host().collect("dashboard_widgets", user=current_user), key=lambda widget: widget.order)
    return render_template("dashboard.html", widgets=widgets)


@bp.route("/langue", methods=["POST"])
def set_language():
    locale = request.form.get("locale")
    if locale in ("fr", "en"):
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return redirect(safe_next_url(request.form.get("next")) or url_for("main.home"))


@bp.route("/recherche")
@login_required
def search():
    results = run_search(current_user, request.args.get("q"), request.args.get("type"))
    return render_template("search.html", query=results.query.text, results=results)


@bp.route("/fichiers/<key>")
@login_required
def download(key: str):
    stored = db.session.get(StoredFile, key)
    if stored is None:
        abort(404)
    require("files.download", stored)
    path = file_path(stored.key)
    if not path.is_file():
        abort(404)  # the row outlived its file (restored database, manual clean-up): not a server error
    audit("file.download", key=key[:8])
    return send_file(path, mimetype=stored.content_type, as_attachment=True,
                     download_name=stored.original_name, max_age=0)


@bp.route("/sante")
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/healthz")
@limiter.exempt
def healthz():
    """For the load balancer and monitoring: ``ok`` (200) when the database answers ``SELECT 1``, else 503.

    Plain text for machines, nothing else: no page, no error detail (the log has it), no session (a probe
    every few seconds must not create one), no rate limit (it would take a healthy instance out of service).
    """
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        with suppress(SQLAlchemyError):  # the connection may be gone: nothing to roll back
            db.session.rollback()
        current_app.logger.error("health check: database unavailable (%s)", error.__class__.__name__)
        return Response("unavailable\n", status=503, mimetype="text/plain")
    return Response("ok\n", mimetype="text/plain")
