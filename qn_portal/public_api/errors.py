"""Errors of the API: every 4xx and 5xx under ``/api/v1`` is JSON ``{"error": {"code", "message"}}``."""

from __future__ import annotations

from flask import Response, jsonify, request
from flask_babel import gettext as _

from . import PREFIX

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    413: "too_large", 429: "too_many_requests", 500: "server_error", 503: "unavailable",
}


class ApiError(Exception):
    """Raised by the API's views: answered as a JSON error with this status and French message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def is_api_request() -> bool:
    """Whether the current request is one of the API's (whatever its outcome: routing errors included)."""
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def default_message(status: int) -> str:
    messages = {
        400: lambda: _("La demande n'est pas valide."),
        401: lambda: _("Le jeton d'accès est absent, invalide, expiré ou révoqué."),
        403: lambda: _("Ce jeton ne donne pas accès à cette ressource."),
        404: lambda: _("Cette adresse ne correspond à aucune ressource de l'API."),
        405: lambda: _("L'API est en lecture seule : seule la méthode GET est acceptée ici."),
        413: lambda: _("La demande est trop volumineuse."),
        429: lambda: _("Trop de demandes. Patientez une minute avant de réessayer."),
        500: lambda: _("Une erreur inattendue s'est produite. L'équipe a été prévenue."),
        503: lambda: _("Le portail est momentanément indisponible. Réessayez dans quelques instants."),
    }
    return messages.get(status, messages[400])()


def error_response(status: int, message: str | None = None, error: Exception | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    """The JSON answer for an error of the API (``error``: the HTTP exception, whose headers are kept)."""
    response = jsonify({"error": {"code": CODES.get(status, "error"), "message": message or default_message(status)}})
    response.status_code = status
    valid_methods = getattr(error, "valid_methods", None)
    if valid_methods:
        response.headers["Allow"] = ", ".join(valid_methods)
    if status == 401:
        # RFC 6750: tell the client which scheme the API expects.
        response.headers["WWW-Authenticate"] = 'Bearer realm="qn-portal", error="invalid_token"'
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
