"""Routing rules every blueprint shares: bounded integer ids, and the client address behind a proxy."""

from __future__ import annotations

import pytest
from conftest import login


def test_an_id_beyond_a_database_integer_is_not_found(app, demo):
    client = app.test_client()
    login(client, "admin@example.org")
    for path in ("/admin/personnes/2147483648/desactiver", "/notifications/99999999999999999999/lire",
                 "/associations/quartiers/2147483648/modifier"):
        assert client.post(path).status_code in (400, 404), path  # never 500 ("integer out of range")
    assert client.get("/associations/quartiers/2147483648/modifier").status_code == 404


def test_plugins_share_the_bounded_converter(app):
    converters = {rule.rule: rule._converters for rule in app.url_map.iter_rules() if "<int:" in rule.rule}
    assert converters, "no route with an integer id"
    from werkzeug.routing import IntegerConverter

    for rule, by_name in converters.items():
        for converter in by_name.values():
            if isinstance(converter, IntegerConverter):
                assert type(converter).__name__ == "DatabaseIdConverter" and converter.max == 2**31 - 1, rule


def remote_address_seen(app) -> str:
    from flask import request

    seen = {}

    @app.get("/_probe_address")
    def probe():
        seen["address"] = request.remote_addr
        return "ok"

    app.test_client().get("/_probe_address", headers={"X-Forwarded-For": "203.0.113.7"},
                          environ_base={"REMOTE_ADDR": "10.0.0.2"})
    return seen["address"]


@pytest.mark.parametrize(("config_overrides", "expected"), [
    ({}, "10.0.0.2"),  # no proxy configured: a forged header is ignored
    ({"PROXY_FIX_HOPS": 1}, "203.0.113.7"),  # one proxy (nginx): its header is the client's address
], ids=["direct", "behind-one-proxy"])
def test_client_address_behind_a_reverse_proxy(app, expected):
    assert remote_address_seen(app) == expected
