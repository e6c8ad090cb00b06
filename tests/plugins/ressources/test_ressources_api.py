"""The ressources in the public API: public published resources only without the right token, never drafts."""

from __future__ import annotations

import pytest
from api_helpers import get_json, ids, make_token
from sqlalchemy import select

from qn_portal.extensions import db

URL = "/api/v1/ressources/resources"


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": False}


def resource_id(app, title: str) -> int:
    from plugins.ressources.models import Resource

    with app.app_context():
        return db.session.scalar(select(Resource.id).where(Resource.title == title))


def test_a_community_resource_needs_a_token_with_the_ressources_scope(app, client, demo):
    community = resource_id(app, "Créer son compte Ameli pas à pas")
    public = resource_id(app, "Envoyer son premier SMS avec photo")
    anonymous = ids(client, f"{URL}?per_page=100")
    assert public in anonymous and community not in anonymous
    get_json(client, f"{URL}/{community}", status=404)
    wrong = make_token(app, demo["users"]["mediation.a"], ["veille", "ateliers"])
    get_json(client, f"{URL}/{community}", wrong, status=404)
    right = make_token(app, demo["users"]["partenaire"], ["ressources"])
    assert get_json(client, f"{URL}/{community}", right)["visibility"] == "community"


def test_an_association_resource_stays_within_the_association(app, client, demo):
    private_b = resource_id(app, "Bilan interne des ateliers de Carriet")
    get_json(client, f"{URL}/{private_b}", make_token(app, demo["users"]["mediation.a"], ["ressources"]), status=404)
    get_json(client, f"{URL}/{private_b}", make_token(app, demo["users"]["partenaire"], ["ressources"]), status=404)
    get_json(client, f"{URL}/{private_b}", make_token(app, demo["users"]["mediation.b"], ["ressources"]))


def test_drafts_are_never_listed(app, client, demo):
    from plugins.ressources.models import DRAFT, Resource

    with app.app_context():
        draft = Resource(title="Brouillon secret", kind="fiche", level="debutant", licence="cc-by-4.0",
                         visibility="public", status=DRAFT, author_id=demo["users"]["mediation.a"],
                         association_id=demo["associations"]["a"])
        db.session.add(draft)
        db.session.commit()
        draft_id = draft.id
    author = make_token(app, demo["users"]["mediation.a"], ["ressources"])
    get_json(client, f"{URL}/{draft_id}", author, status=404)
    assert draft_id not in ids(client, f"{URL}?per_page=100", author)


def test_filters(app, client, demo):
    everything = get_json(client, f"{URL}?per_page=100")["items"]
    kind = everything[0]["kind"]
    assert {item["kind"] for item in get_json(client, f"{URL}?per_page=100&kind={kind}")["items"]} == {kind}
    theme = next(slug for item in everything for slug in item["themes"])
    assert all(theme in item["themes"] for item in get_json(client, f"{URL}?per_page=100&theme={theme}")["items"])
    assert get_json(client, f"{URL}?theme=aucun-theme")["items"] == []
    assert get_json(client, f"{URL}?au=1990-01-01")["items"] == []
    assert len(get_json(client, f"{URL}?per_page=100&du=1990-01-01")["items"]) == len(everything)


def test_answers_vary_with_the_token_and_no_shared_cache_keeps_a_token_s_answer(app, client, demo):
    """Two tokens see different resources: each answer is private and unstored; the anonymous answer is
    public and says it varies with Authorization (and the language), never with a cookie, which the API
    neither reads nor sends."""
    from conftest import signed_in

    private_b = resource_id(app, "Bilan interne des ateliers de Carriet")
    token_a = make_token(app, demo["users"]["mediation.a"], ["ressources"])
    token_b = make_token(app, demo["users"]["mediation.b"], ["ressources"])
    answers = {}
    for name, secret in (("a", token_a), ("b", token_b), ("visitor", None)):
        for url in (f"{URL}?per_page=100", f"{URL}/{private_b}", f"{URL}/999999"):
            response = client.get(url, headers={"Authorization": f"Bearer {secret}"} if secret else {})
            vary = {value.strip().lower() for value in response.headers.get("Vary", "").split(",")}
            assert {"authorization", "accept-language"} <= vary, (name, url)
            assert "cookie" not in vary, (name, url)
            assert "Set-Cookie" not in response.headers, (name, url)
            if secret:
                assert response.headers["Cache-Control"] == "private, no-store", (name, url)
            elif response.status_code == 200:
                assert response.headers["Cache-Control"] == "public, max-age=60", url
            else:
                assert response.headers["Cache-Control"] == "no-store", url
            answers[name, url] = (response.status_code, response.get_data())
    assert answers["a", f"{URL}/{private_b}"][0] == 404 and answers["b", f"{URL}/{private_b}"][0] == 200
    assert answers["a", f"{URL}?per_page=100"] != answers["b", f"{URL}?per_page=100"]
    # A bad token: refused, and the refusal is not shared either.
    refused = client.get(URL, headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401 and refused.headers["Cache-Control"] == "private, no-store"
    assert "authorization" in refused.headers["Vary"].lower()

    # A signed-in browser reads the API as a visitor: same answer, public, and no cookie comes back, even
    # with the remember cookie refreshed on every response (which every page then sets).
    app.config["REMEMBER_COOKIE_REFRESH_EACH_REQUEST"] = True
    browser = signed_in(app, "mediation.b")
    assert "qn_remember=" in browser.get("/ressources/").headers.get("Set-Cookie", "")
    for url in (f"{URL}?per_page=100", f"{URL}/{private_b}", "/api/v1/openapi.json", "/api/v1/nulle-part"):
        response = browser.get(url)
        assert "Set-Cookie" not in response.headers, url
        assert "cookie" not in response.headers["Vary"].lower(), url
        if url.startswith(URL):
            assert (response.status_code, response.get_data()) == answers["visitor", url], url
            assert response.headers["Cache-Control"] == ("public, max-age=60" if response.status_code == 200
                                                         else "no-store")
