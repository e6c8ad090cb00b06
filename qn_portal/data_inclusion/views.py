"""``/api/v1/data-inclusion``: the public, read-only JSON of the export, paginated, with JSON errors.

Pagination follows data·inclusion's own API: ``page`` (from 1) and ``size`` (1 to ``MAX_SIZE``, default
``DEFAULT_SIZE``); the answer is ``{"items": [...], "total": n, "page": p, "size": s, "pages": m}``. A page
past the end answers 404, a malformed parameter 400, too many requests 429: always
``{"error": {"code": …, "message": "<French>"}}``. Public data only: no sign-in, no cookie, CORS open.
"""

from __future__ import annotations

import math

from flask import Blueprint, current_app, jsonify, request
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from ..extensions import limiter
from ..public_api.errors import error_response as api_error_response
from ..security import cookieless
from . import export

bp = Blueprint("data_inclusion", __name__, url_prefix="/api/v1/data-inclusion")

DEFAULT_SIZE, MAX_SIZE = 100, 500
CACHE_SECONDS = 300


def _limit() -> str:
    return current_app.config["RATELIMIT_DATA_INCLUSION"]


class BadParameter(HTTPException):
    code = 400


def error_response(code: int, message: str):
    """The JSON error of these endpoints: the API's own shape (``qn_portal.public_api.errors``)."""
    response = api_error_response(code, message)
    response.headers["Cache-Control"] = "no-store"
    return response


def whole_number(name: str, default: int, low: int, high: int | None, message: str) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise BadParameter(message)
    value = int(raw)
    if value < low or (high is not None and value > high):
        raise BadParameter(message)
    return value


def page_of(items: list[dict]):
    """One page of ``items`` as JSON, from the ``page`` and ``size`` query parameters."""
    with force_locale("fr"):
        page = whole_number("page", 1, 1, None, _("Le paramètre « page » doit être un nombre entier à partir de 1."))
        size = whole_number("size", DEFAULT_SIZE, 1, MAX_SIZE,
                            _("Le paramètre « size » doit être un nombre entier de 1 à %(max)s.", max=MAX_SIZE))
    total = len(items)
    pages = math.ceil(total / size) if total else 0
    if page > max(pages, 1):
        with force_locale("fr"):
            return error_response(404, _("Cette page n'existe pas : il y a %(pages)s page(s) de résultats.",
                                         pages=pages))
    start = (page - 1) * size
    response = jsonify({"items": items[start:start + size], "total": total, "page": page, "size": size,
                        "pages": pages})
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/structures")
@limiter.limit(_limit)
@cookieless
def structures():
    """The exported associations, as data·inclusion ``Structure`` records."""
    return page_of(export.structures())


@bp.route("/services")
@limiter.limit(_limit)
@cookieless
def services():
    """The exported public offers (workshops…), as data·inclusion ``Service`` records."""
    return page_of(export.services())


def json_error(error: HTTPException):
    """Every error of these endpoints as JSON, in French (the data and its readers are French)."""
    code = error.code or 500
    with force_locale("fr"):
        messages = {
            404: _("Cette page n'existe pas."),
            405: _("Seule la lecture (GET) est possible ici."),
            429: _("Trop de requêtes. Patientez une minute avant de réessayer."),
        }
        if isinstance(error, BadParameter):
            message = error.description
        else:
            message = messages.get(code) or _("La demande n'a pas pu être traitée.")
    if code == 429:
        current_app.logger.warning("rate limit reached: %s %s from %s", request.method, request.path,
                                   request.remote_addr)
    return error_response(code, message)


# By code as well as by class: Flask looks for a handler of the error's code (the app's HTML pages) before
# one of its class, so only a handler of the same code on this blueprint comes first.
bp.register_error_handler(HTTPException, json_error)
for _code in (400, 404, 405, 429, 500):
    bp.register_error_handler(_code, json_error)


@bp.errorhandler(Exception)
def unexpected_error(error: Exception):
    """A failure answers a JSON 500 (503 when the database is unreachable), logged with its traceback."""
    from contextlib import suppress

    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    from ..extensions import db

    with force_locale("fr"):
        if isinstance(error, OperationalError):
            with suppress(SQLAlchemyError):  # the connection may be gone: nothing to roll back
                db.session.rollback()
            current_app.logger.error("database unavailable: %s", error.__class__.__name__)
            return error_response(503, _("Le portail est momentanément indisponible. Réessayez dans quelques instants."))
        current_app.logger.exception("data·inclusion export failed")
        return error_response(500, _("Une erreur inattendue s'est produite. L'équipe a été prévenue."))
