"""The API's routes: ``/api/v1/openapi.json`` and every collection, list and item, behind one dispatcher.

Why no CSRF token and no session: the API never reads the session cookie (a request is either anonymous or
carries ``Authorization: Bearer``, which a browser never adds on its own), and it only reads. A cross-site
page can make a visitor's browser call it, but only ever with the rights of an anonymous visitor.
"""

from __future__ import annotations

import logging
import re
from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask_babel import gettext as _

from ..dbtypes import utcnow
from ..extensions import db, limiter, login_manager
from . import tokens
from .errors import ApiError, error_response, is_api_request
from .openapi import build_document
from .params import read_list_parameters
from .registry import Registered, collections

log = logging.getLogger("qn_portal.public_api")
bp = Blueprint("public_api", __name__, url_prefix="/api/v1")
ITEM_ID = re.compile(r"^[0-9]{1,10}$")
MAX_ID = 2**31 - 1  # an INTEGER column: larger numbers are no object of ours (and would fail on PostgreSQL)
BEARER = re.compile(r"^Bearer[ ]+([^ ]+)[ ]*$", re.IGNORECASE)
_NO_TOKEN = object()


# --- tokens -------------------------------------------------------------------------------------------


def request_token():
    """The request's usable token, ``None`` without an ``Authorization`` header, ``_NO_TOKEN`` if it is bad.

    Computed once per request: the rate limiter needs it (to count per token) before the views run.
    """
    if "_qn_api_token" not in g:
        header = request.headers.get("Authorization")
        if header is None:
            g._qn_api_token = None
        else:
            match = BEARER.match(header.strip())
            token = tokens.find_token(match.group(1)) if match else None
            g._qn_api_token = token if token is not None and token.is_usable(utcnow()) else _NO_TOKEN
    return g._qn_api_token


def has_token() -> bool:
    token = request_token()
    return token is not None and token is not _NO_TOKEN


def rate_key() -> str:
    # A bad token counts against its address: trying random tokens must not give each try a fresh allowance.
    if has_token():
        return f"api-token:{request_token().id}"
    return f"api-address:{request.remote_addr or '?'}"


# Shared by every route of the API: one allowance per token (or address), whatever it reads.
token_limit = limiter.shared_limit(lambda: current_app.config["RATELIMIT_API_TOKEN"], scope="api-token",
                                   key_func=rate_key, exempt_when=lambda: not has_token())
address_limit = limiter.shared_limit(lambda: current_app.config["RATELIMIT_API_ANONYMOUS"], scope="api-address",
                                     key_func=rate_key, exempt_when=has_token)


def forget_the_session():
    """Under /api/v1 nobody is signed in by cookie: the API answers the same to every browser."""
    if is_api_request():
        g._login_user = login_manager.anonymous_user()


@bp.record_once
def install_first(state):
    # First of the app's before-request functions, so that none of them (two-factor enrolment, say) loads the
    # signed-in person from the session cookie before we say there is none.
    state.app.before_request_funcs.setdefault(None, []).insert(0, forget_the_session)


def authenticated(view):
    """Refuse a bad token (401). Inside the rate limits, which Flask-Limiter checks around the view: a bad token
    is counted against its address before it is refused."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        check_token()
        return view(*args, **kwargs)

    return wrapped


def check_token() -> None:
    token = request_token()
    if token is _NO_TOKEN:
        log.warning("API call with a bad token from %s", request.remote_addr)
        raise ApiError(401, _("Le jeton d'accès est invalide, expiré ou révoqué. Créez-en un sur votre page de "
                              "profil et envoyez-le dans l'en-tête « Authorization: Bearer … »."))
    if token is not None:
        tokens.note_use(token)


@bp.after_app_request
def api_headers(response):
    """JSON only, cached according to who asked, readable from other sites when it is public data."""
    if not is_api_request():
        return response
    # The answer depends on the token and the language, never on a cookie (none is read here, none is sent:
    # see ``security.CookielessAwareSessionInterface``). Added to, not replacing, what a view may have said.
    response.vary.update(("Authorization", "Accept-Language"))
    if "Authorization" in request.headers:
        # A token's answer is its owner's: never in a shared cache, never handed to another site's script.
        response.headers["Cache-Control"] = "private, no-store"
    else:
        if response.status_code != 200:
            response.headers["Cache-Control"] = "no-store"
        elif not response.headers.get("Cache-Control", "").startswith("public"):
            # A view that chose its own public lifetime (the data·inclusion export) keeps it.
            response.headers["Cache-Control"] = "public, max-age=60"
        # Public data, no cookie involved: any site may read it (Access-Control-Allow-Credentials is never sent,
        # and without Access-Control-Allow-Headers a browser will not send a token across sites).
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.app_errorhandler(ApiError)
def api_error(error: ApiError):
    return error_response(error.status, error.message, headers=error.headers)


def viewer_for(registered: Registered):
    """Who the collection sees: the token's owner if the token holds its scope, else an anonymous visitor."""
    token = request_token()
    scope = registered.collection.scope
    if token is not None and token is not _NO_TOKEN and scope and scope in token.scope_list:
        return token.user
    return login_manager.anonymous_user()


# --- routes -------------------------------------------------------------------------------------------


@bp.route("/openapi.json")
@token_limit
@address_limit
@authenticated
def openapi():
    """The OpenAPI 3.1 document of the enabled collections."""
    return jsonify(build_document(collections()))


@bp.route("/<path:path>")
@token_limit
@address_limit
@authenticated
def resource(path: str):
    """A collection's list (``/api/v1/<plugin>/<name>``) or one of its items (``…/<id>``)."""
    found = collections()
    if path in found:
        return list_items(found[path])
    head, _slash, tail = path.rpartition("/")
    if head in found and ITEM_ID.match(tail) and int(tail) <= MAX_ID:
        return one_item(found[head], int(tail))
    raise ApiError(404, _("Cette adresse ne correspond à aucune collection de l'API. La liste est dans "
                          "/api/v1/openapi.json."))


def list_items(registered: Registered):
    collection = registered.collection
    filters, page_number, per_page = read_list_parameters(collection)
    user = viewer_for(registered)
    page = db.paginate(collection.query(user, filters), page=page_number, per_page=per_page,
                       max_per_page=per_page, error_out=False)
    items = collection.serialize(user, list(page.items)) if page.items else []

    def link(number: int) -> str:
        args = {**request.args.to_dict(), "page": number}
        return url_for("public_api.resource", path=registered.path, _external=True, **args)

    return jsonify({
        "items": items,
        "page": page_number,
        "per_page": per_page,
        "total": page.total,
        "pages": page.pages,
        "next": link(page_number + 1) if page_number < page.pages else None,
        "previous": link(min(page_number - 1, max(page.pages, 1))) if page_number > 1 else None,
    })


def one_item(registered: Registered, item_id: int):
    if request.args:
        raise ApiError(400, _("Paramètre « %(name)s » : un élément seul n'accepte aucun paramètre.",
                              name=sorted(request.args)[0]))
    item = registered.collection.get(viewer_for(registered), item_id)
    if item is None:
        raise ApiError(404, _("Cet élément n'existe pas, ou il n'est pas public et le jeton ne permet pas de le lire."))
    return jsonify(item)
