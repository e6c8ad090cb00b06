"""Helpers of the public API's tests: tokens made in one line, JSON calls, schema checks against the document."""

from __future__ import annotations

from datetime import date

import jsonschema_rs  # schemathesis's own validator

from qn_portal.extensions import db


def make_token(app, user_id: int, scopes=(), name: str = "Test", expires_on: date | None = None) -> str:
    """A token of ``user_id`` with ``scopes``, made through the service (the profile page has its own tests)."""
    from qn_portal.accounts.models import User
    from qn_portal.public_api.tokens import create_token

    with app.app_context():
        _token, secret = create_token(db.session.get(User, user_id), name, list(scopes), expires_on)
        db.session.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def get_json(client, url: str, secret: str | None = None, status: int = 200):
    response = client.get(url, headers=bearer(secret) if secret else {})
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/json", (url, response.mimetype)
    return response.get_json()


def ids(client, url: str, secret: str | None = None) -> set[int]:
    return {item["id"] for item in get_json(client, url, secret)["items"]}


class DocumentValidator:
    """Validates answers against the schemas of the API's own OpenAPI document."""

    def __init__(self, client):
        self.document = get_json(client, "/api/v1/openapi.json")

    def check(self, name: str, instance) -> None:
        validator = jsonschema_rs.Draft202012Validator(
            {"$ref": f"#/components/schemas/{name}", "components": self.document["components"]}, validate_formats=True)
        errors = [str(error) for error in validator.iter_errors(instance)]
        assert not errors, f"{name}: {errors[0]}"
