"""The OpenAPI 3.1 document, built from the collections' declarations on each request (so that it follows the
enabled plugins). The tests fuzz the API against it: it must describe every answer, errors included."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _

from ..associations.territory import COMMUNES
from ..contributions import ApiFilter
from . import PREFIX
from .params import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, MAX_TEXT

ERROR = {"$ref": "#/components/schemas/Error"}
SECURITY = [{}, {"bearerAuth": []}]  # optional: without a token, public data


def error_responses(*statuses: int) -> dict[str, Any]:
    descriptions = {
        "400": lambda: _("Un paramètre n'est pas valide ; le message le nomme."),
        "401": lambda: _("Le jeton est invalide, expiré ou révoqué."),
        "404": lambda: _("Rien à cette adresse, ou rien que ce jeton puisse lire."),
        "429": lambda: _("Trop de demandes : patientez avant de réessayer."),
        "503": lambda: _("Le portail est momentanément indisponible."),
    }
    return {str(status): {"description": descriptions[str(status)](),
                          "content": {"application/json": {"schema": ERROR}}} for status in statuses}


def filter_parameter(declared: ApiFilter) -> dict[str, Any]:
    schema: dict[str, Any]
    if declared.kind == "commune":
        schema = {"type": "string", "enum": list(COMMUNES)}
    elif declared.kind == "choice":
        schema = {"type": "string", "enum": list(declared.choices)}
    elif declared.kind == "date":
        # The pattern keeps generated examples in the years the API accepts (1900 to 2200).
        schema = {"type": "string", "format": "date", "pattern": "^(19[0-9]{2}|2[01][0-9]{2})-[0-9]{2}-[0-9]{2}$"}
    else:
        # What the check accepts: no control character, no space at either end (it would be stripped).
        schema = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT,
                  "pattern": "^[^\\s\\x00-\\x1f\\x7f]([^\\x00-\\x1f\\x7f]*[^\\s\\x00-\\x1f\\x7f])?$"}
    return {"name": declared.name, "in": "query", "required": False, "description": str(declared.description),
            "schema": schema}


def page_schema(item_ref: str) -> dict[str, Any]:
    link = {"type": ["string", "null"], "format": "uri"}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["items", "page", "per_page", "total", "pages", "next", "previous"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": item_ref}},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "total": {"type": "integer", "minimum": 0},
            "pages": {"type": "integer", "minimum": 0},
            "next": link,
            "previous": link,
        },
    }


def add_data_inclusion(paths: dict[str, Any], schemas: dict[str, Any]) -> None:
    """The data·inclusion export (qn_portal/data_inclusion): its records follow the national schema
    (``data_inclusion.schema.v1``), which the tests check; the document describes its pages and errors."""
    from ..data_inclusion.views import DEFAULT_SIZE, MAX_SIZE

    schemas["data_inclusion_page"] = {
        "type": "object", "additionalProperties": False, "required": ["items", "total", "page", "size", "pages"],
        "properties": {
            "items": {"type": "array", "items": {"type": "object", "required": ["id", "source"]}},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "size": {"type": "integer", "minimum": 1, "maximum": MAX_SIZE},
            "pages": {"type": "integer", "minimum": 0},
        },
    }
    parameters = [
        {"name": "page", "in": "query", "required": False, "description": _("Numéro de page, à partir de 1."),
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}},
        {"name": "size", "in": "query", "required": False, "description": _("Éléments par page."),
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_SIZE, "default": DEFAULT_SIZE}},
    ]
    for kind, summary in (("structures", _("Les associations au format data·inclusion (Structure)")),
                          ("services", _("Les ateliers publics au format data·inclusion (Service)"))):
        paths[f"{PREFIX}/data-inclusion/{kind}"] = {"get": {
            "operationId": f"data_inclusion_{kind}", "summary": summary, "tags": ["data-inclusion"],
            "security": [{}], "parameters": parameters,
            "responses": {"200": {"description": _("Une page de l'export."),
                                  "content": {"application/json": {"schema": {
                                      "$ref": "#/components/schemas/data_inclusion_page"}}}},
                          **error_responses(400, 404, 429, 503)},
        }}


def build_document(collections: dict) -> dict[str, Any]:
    """The OpenAPI document of ``collections`` (path → ``Registered``)."""
    paths: dict[str, Any] = {
        f"{PREFIX}/openapi.json": {"get": {
            "operationId": "openapi", "summary": _("Ce document"), "tags": ["api"], "security": SECURITY,
            "responses": {"200": {"description": _("Le document OpenAPI de l'API."),
                                  "content": {"application/json": {"schema": {"type": "object"}}}},
                          **error_responses(401, 429, 503)},
        }},
    }
    schemas: dict[str, Any] = {
        "Error": {
            "type": "object", "additionalProperties": False, "required": ["error"],
            "properties": {"error": {
                "type": "object", "additionalProperties": False, "required": ["code", "message"],
                "properties": {"code": {"type": "string"},
                               "message": {"type": "string", "description": _("En français, sauf si la "
                                                                               "demande préfère l'anglais.")}},
            }},
        },
    }
    for path, registered in sorted(collections.items()):
        collection, key = registered.collection, registered.key
        schemas[key] = collection.item_schema
        schemas[f"{key}_page"] = page_schema(f"#/components/schemas/{key}")
        scope_note = (_("Un jeton qui a la portée « %(scope)s » lit aussi ce que son propriétaire peut lire sur le "
                        "portail.", scope=collection.scope) if collection.scope else "")
        description = " ".join(part for part in (str(collection.description), scope_note) if part)
        parameters = [
            {"name": "page", "in": "query", "required": False, "description": _("Numéro de page, à partir de 1."),
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}},
            {"name": "per_page", "in": "query", "required": False, "description": _("Éléments par page."),
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE}},
            *[filter_parameter(declared) for declared in collection.filters],
        ]
        paths[f"{PREFIX}/{path}"] = {"get": {
            "operationId": f"list_{key}", "summary": str(collection.summary), "description": description,
            "tags": [registered.plugin], "security": SECURITY, "parameters": parameters,
            "responses": {"200": {"description": _("Une page de la collection."),
                                  "content": {"application/json": {"schema": {
                                      "$ref": f"#/components/schemas/{key}_page"}}}},
                          **error_responses(400, 401, 429, 503)},
        }}
        paths[f"{PREFIX}/{path}/{{id}}"] = {"get": {
            "operationId": f"get_{key}", "summary": str(collection.summary), "description": description,
            "tags": [registered.plugin], "security": SECURITY,
            "parameters": [{"name": "id", "in": "path", "required": True, "description": _("L'identifiant stable."),
                            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}],
            "responses": {"200": {"description": _("Un élément."),
                                  "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{key}"}}}},
                          **error_responses(401, 404, 429, 503)},
        }}
    add_data_inclusion(paths, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": _("API de %(site)s", site=current_app.config["SITE_NAME"]),
            "version": "1",
            "description": _("API en lecture seule. Sans jeton : les données publiques. Avec un jeton personnel "
                             "(créé sur la page de profil, envoyé dans l'en-tête « Authorization: Bearer … ») : ce "
                             "que son propriétaire peut lire, dans les portées du jeton. Erreurs en JSON "
                             "{\"error\": {\"code\", \"message\"}}."),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": _("Un jeton personnel qnp_…")}},
        },
    }
