"""Optional links to other plugins' pages: offered only for the plugins that are enabled."""

from __future__ import annotations

import pytest
from conftest import signed_in
from echanges_helpers import new_thread, thread_id


@pytest.fixture
def config_overrides():
    return {"DISABLED_PLUGINS": ["ressources", "ateliers", "cofinancements", "programme"]}


def test_links_to_enabled_plugins_only(app, demo):
    client = signed_in(app, "mediation.a")
    response = new_thread(client, app, links="/ressources/3")
    assert response.status_code == 200 and "Liez seulement une page de : /veille" in response.get_data(as_text=True)
    response = new_thread(client, app, links="/veille/billets/1\n/veille/../admin")
    assert response.status_code == 200
    response = new_thread(client, app, links="/veille/billets/1")
    assert response.status_code == 302
    page = client.get(f"/echanges/sujets/{thread_id(app, 'Atelier tablette')}").get_data(as_text=True)
    assert 'href="/veille/billets/1"' in page
