"""The public JSON API (/api/v1): fuzzed against its own OpenAPI document, tokens through the profile page,
scopes, JSON errors, filters, pagination, rate limits, and no private data without the right token."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import schemathesis
from api_helpers import DocumentValidator, bearer, get_json, ids, make_token
from conftest import post_form, signed_in
from hypothesis import HealthCheck, given, settings
from sqlalchemy import select

from qn_portal.extensions import db

COLLECTIONS = ["associations", "ateliers/sessions", "cofinancements/opportunities", "ressources/resources",
               "veille/posts"]
ALL_SCOPES = ["associations", "ateliers", "cofinancements", "ressources", "veille"]
SECRET_RE = re.compile(r'value="(qnp_[A-Za-z0-9_-]{40,})"')


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": False}


def token_model():
    from qn_portal.public_api.models import ApiToken

    return ApiToken


# --- the OpenAPI document and the fuzzing --------------------------------------------------------------


def test_the_document_describes_every_enabled_collection(client, demo):
    document = get_json(client, "/api/v1/openapi.json")
    assert document["openapi"].startswith("3.1")
    for path in COLLECTIONS:
        assert f"/api/v1/{path}" in document["paths"]
        assert f"/api/v1/{path}/{{id}}" in document["paths"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    list_operation = document["paths"]["/api/v1/ateliers/sessions"]["get"]
    names = {parameter["name"] for parameter in list_operation["parameters"]}
    assert {"page", "per_page", "commune", "theme", "du", "au"} <= names
    assert set(list_operation["responses"]) >= {"200", "400", "401", "429"}


def fuzz(app, headers: dict | None, examples: int) -> int:
    """Every operation of the document, ``examples`` generated requests each: no 5xx, answers in the schema."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers=headers)

        check()
    return operations


# A list and an item per collection, and the two data·inclusion exports.
OPERATIONS = 2 * len(COLLECTIONS) + 2


def test_fuzzing_anonymously_finds_no_error_and_no_answer_outside_the_schema(app, demo):
    assert fuzz(app, None, examples=6) == OPERATIONS  # and the document itself, which schemathesis leaves out


def test_fuzzing_with_a_token_of_every_scope(app, demo):
    secret = make_token(app, demo["users"]["coordination"], ALL_SCOPES)
    assert fuzz(app, bearer(secret), examples=3) == OPERATIONS  # and the document itself, which schemathesis leaves out


@pytest.mark.parametrize("who", [None, "coordination", "mediation.a", "partenaire"])
def test_every_item_of_the_demo_matches_its_schema(app, client, demo, who):
    """The fuzzer rarely hits a real id: walk every list and every item of the demo data instead."""
    secret = make_token(app, demo["users"][who], ALL_SCOPES) if who else None
    validator = DocumentValidator(client)
    seen = 0
    for path in COLLECTIONS:
        key = path.replace("/", "_")
        page = get_json(client, f"/api/v1/{path}?per_page=100", secret)
        validator.check(f"{key}_page", page)
        for item in page["items"]:
            validator.check(key, get_json(client, f"/api/v1/{path}/{item['id']}", secret))
            seen += 1
    assert seen > 10


# --- tokens on the profile page ------------------------------------------------------------------------


def create_through_profile(client, data: dict):
    form = {"api-name": "Outil de la mairie", "api-expires_on": "", **data}
    return post_form(client, "/compte/jetons-api", form, form_url="/compte")


def test_a_token_is_created_on_the_profile_page_shown_once_and_stored_hashed(app, demo):
    client = signed_in(app, "mediation.a")
    page = client.get("/compte").get_data(as_text=True)
    assert "Jetons d'accès à l'API" in page and 'value="veille"' in page
    response = create_through_profile(client, {"api-scopes": ["veille", "ateliers"]})
    assert response.status_code == 200
    secret = SECRET_RE.search(response.get_data(as_text=True)).group(1)
    with app.app_context():
        token = db.session.scalar(select(token_model()))
        assert token.scopes == "ateliers,veille" and token.user_id == demo["users"]["mediation.a"]
        assert secret not in {token.token_hash, token.prefix} and secret.startswith(token.prefix)
        import hashlib

        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        from qn_portal.audit.models import AuditEntry

        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.created"))
    profile = client.get("/compte").get_data(as_text=True)
    assert secret not in profile and f"{token.prefix}…" in profile and "jamais" in profile
    get_json(client, "/api/v1/veille/posts", secret)
    with app.app_context():
        assert db.session.scalar(select(token_model())).last_used_at is not None


def test_bad_input_on_the_token_form_is_explained_in_french(app, demo):
    client = signed_in(app, "mediation.a")
    response = create_through_profile(client, {"api-name": "", "api-scopes": ["pas-une-portee"],
                                               "api-expires_on": "2001-01-01"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Donnez un nom au jeton" in page and "Cochez seulement les cases proposées" in page
    assert "aujourd&#39;hui ou un jour à venir" in page or "aujourd'hui ou un jour à venir" in page
    response = create_through_profile(client, {"api-expires_on": "demain"})
    assert "JJ/MM/AAAA" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(token_model())) is None


def test_revocation_is_immediate_and_only_by_the_owner(app, demo):
    owner = signed_in(app, "mediation.a")
    secret = SECRET_RE.search(create_through_profile(owner, {"api-scopes": ["veille"]}).get_data(as_text=True)).group(1)
    get_json(owner, "/api/v1/veille/posts", secret)
    with app.app_context():
        token_id = db.session.scalar(select(token_model().id))
    other = signed_in(app, "mediation.b")
    assert post_form(other, f"/compte/jetons-api/{token_id}/revoquer", form_url="/compte").status_code == 404
    get_json(owner, "/api/v1/veille/posts", secret)
    response = post_form(owner, f"/compte/jetons-api/{token_id}/revoquer", form_url="/compte")
    assert response.status_code == 302
    error = get_json(app.test_client(), "/api/v1/veille/posts", secret, status=401)
    assert error["error"]["code"] == "unauthorized" and "révoqué" in error["error"]["message"]
    page = owner.get("/compte").get_data(as_text=True)
    assert "est révoqué" in page and secret[:12] + "…" not in page and "Vous n'avez aucun jeton" in page
    with app.app_context():
        from qn_portal.audit.models import AuditEntry

        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.revoked"))


def test_an_expired_token_is_refused(app, demo):
    client = signed_in(app, "mediation.a")
    from qn_portal.public_api.tokens import paris_today

    response = create_through_profile(client, {"api-expires_on": paris_today().isoformat()})
    secret = SECRET_RE.search(response.get_data(as_text=True)).group(1)
    get_json(client, "/api/v1/associations", secret)  # valid all of its last day
    with app.app_context():
        token = db.session.scalar(select(token_model()))
        token.expires_at = token.created_at - timedelta(seconds=1)
        db.session.commit()
    get_json(client, "/api/v1/associations", secret, status=401)
    assert "(expiré)" in client.get("/compte").get_data(as_text=True)


def test_tokens_die_with_a_deactivated_account_and_stay_dead(app, demo):
    secret = make_token(app, demo["users"]["mediation.b"], ["associations"])
    client = app.test_client()
    get_json(client, "/api/v1/associations", secret)
    admin = signed_in(app, "admin")
    user_id = demo["users"]["mediation.b"]
    post_form(admin, f"/admin/personnes/{user_id}/desactiver", form_url="/admin/personnes")
    get_json(client, "/api/v1/associations", secret, status=401)
    post_form(admin, f"/admin/personnes/{user_id}/reactiver", form_url="/admin/personnes")
    get_json(client, "/api/v1/associations", secret, status=401)


def test_an_inactive_owner_is_refused_even_before_revocation(app, demo):
    from qn_portal.accounts.models import User

    secret = make_token(app, demo["users"]["mediation.b"], ["associations"])
    with app.app_context():
        db.session.get(User, demo["users"]["mediation.b"]).active = False
        db.session.commit()
    get_json(app.test_client(), "/api/v1/associations", secret, status=401)


@pytest.mark.parametrize("header", ["Bearer qnp_nimportequoi", "Bearer", "Basic dXNlcjpwYXNz", "qnp_sans-schema",
                                    "Bearer " + "x" * 500])
def test_a_bad_token_is_a_401_never_a_silent_public_answer(client, demo, header):
    response = client.get("/api/v1/associations", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Access-Control-Allow-Origin" not in response.headers


# --- scopes and private data ---------------------------------------------------------------------------


def candidate(demo) -> int:
    return demo["associations"]["h"]


def test_a_candidate_association_needs_a_token_with_the_associations_scope(app, client, demo):
    assert candidate(demo) not in ids(client, "/api/v1/associations?per_page=100")
    get_json(client, f"/api/v1/associations/{candidate(demo)}", status=404)
    wrong = make_token(app, demo["users"]["coordination"], ["veille", "ateliers"])
    assert candidate(demo) not in ids(client, "/api/v1/associations?per_page=100", wrong)
    get_json(client, f"/api/v1/associations/{candidate(demo)}", wrong, status=404)
    right = make_token(app, demo["users"]["coordination"], ["associations"])
    assert candidate(demo) in ids(client, "/api/v1/associations?per_page=100", right)
    get_json(client, f"/api/v1/associations/{candidate(demo)}", right)


def test_contacts_follow_the_association_page(app, client, demo):
    a = demo["associations"]["a"]
    assert get_json(client, f"/api/v1/associations/{a}")["contacts"] is None
    member = make_token(app, demo["users"]["mediation.a"], ["associations"])
    contacts = get_json(client, f"/api/v1/associations/{a}", member)["contacts"]
    assert contacts is not None and set(contacts) >= {"email", "phone", "address"}
    from qn_portal.associations.models import Association

    with app.app_context():
        shares = db.session.get(Association, a).share_contacts
    partner = make_token(app, demo["users"]["partenaire"], ["associations"])
    assert (get_json(client, f"/api/v1/associations/{a}", partner)["contacts"] is not None) == shares


def test_the_session_cookie_grants_nothing(app, demo):
    coordinator = signed_in(app, "coordination")
    get_json(coordinator, f"/api/v1/associations/{candidate(demo)}", status=404)
    response = coordinator.get("/api/v1/associations")
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Set-Cookie" not in response.headers


def test_no_account_email_ever_appears(app, client, demo):
    from qn_portal.accounts.models import User

    with app.app_context():
        emails = set(db.session.scalars(select(User.email)))
    secret = make_token(app, demo["users"]["admin"], ALL_SCOPES)
    for path in COLLECTIONS:
        body = client.get(f"/api/v1/{path}?per_page=100", headers=bearer(secret)).get_data(as_text=True)
        assert not [email for email in emails if email in body], path


# --- parameters, filters and pagination ----------------------------------------------------------------


def test_the_commune_filter_accepts_any_case_and_refuses_other_towns(client, demo):
    items = get_json(client, "/api/v1/associations?commune=BORDEAUX&per_page=100")["items"]
    assert items and {item["commune"] for item in items} == {"Bordeaux"}
    error = get_json(client, "/api/v1/associations?commune=Paris", status=400)["error"]
    assert error["code"] == "bad_request" and "« commune »" in error["message"] and "Bordeaux Métropole" in error["message"]


@pytest.mark.parametrize(("query", "name"), [
    ("page=0", "page"), ("page=abc", "page"), ("per_page=101", "per_page"), ("per_page=-1", "per_page"),
    ("status=inconnu", "status"), ("couleur=bleu", "couleur"), ("page=1&page=2", "page"),
])
def test_a_bad_parameter_is_a_400_that_names_it(client, demo, query, name):
    error = get_json(client, f"/api/v1/associations?{query}", status=400)["error"]
    assert f"« {name} »" in error["message"]


@pytest.mark.parametrize(("query", "name"), [
    ("du=2026-13-01", "du"), ("au=31/12/2026", "au"), ("du=0001-01-01", "du"), ("theme=inconnu", "theme"),
])
def test_bad_dates_and_themes_are_400s(client, demo, query, name):
    error = get_json(client, f"/api/v1/ateliers/sessions?{query}", status=400)["error"]
    assert f"« {name} »" in error["message"]


def test_text_filters_refuse_control_characters(client, demo):
    error = get_json(client, "/api/v1/veille/posts?tag=a%00b", status=400)["error"]
    assert "« tag »" in error["message"]


def test_pagination_envelope_and_links(client, demo):
    first = get_json(client, "/api/v1/associations?per_page=2")
    assert first["page"] == 1 and first["per_page"] == 2 and len(first["items"]) == 2
    assert first["pages"] == -(-first["total"] // 2) and first["previous"] is None
    assert first["next"].startswith("http://portail.test/api/v1/associations?") and "page=2" in first["next"]
    second = get_json(client, first["next"].replace("http://portail.test", ""))
    assert not {item["id"] for item in first["items"]} & {item["id"] for item in second["items"]}
    assert "page=1" in second["previous"]
    beyond = get_json(client, "/api/v1/associations?per_page=2&page=500")
    assert beyond["items"] == [] and beyond["next"] is None


def test_ids_are_database_ids_and_urls_lead_to_the_pages(client, demo):
    a = demo["associations"]["a"]
    item = get_json(client, f"/api/v1/associations/{a}")
    assert item["id"] == a and item["url"] == f"http://portail.test/associations/{demo['slugs']['a']}"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$", item["updated_at"])


# --- errors, headers, limits, plugins ------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/nexiste-pas", "/api/v1/associations/99999", "/api/v1/associations/abc",
                                 "/api/v1/associations/99999999999", "/api/v1", "/api/v1/veille"])
def test_unknown_addresses_are_json_404s(client, demo, url):
    response = client.get(url)
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == "not_found"


def test_the_api_is_read_only(client, demo):
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = client.open("/api/v1/associations", method=method)
        assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"
        assert "GET" in response.headers["Allow"]


def test_headers_public_answers_are_shared_token_answers_are_private(app, client, demo):
    public = client.get("/api/v1/associations")
    assert public.headers["Cache-Control"] == "public, max-age=60"
    assert public.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in public.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in public.headers
    secret = make_token(app, demo["users"]["mediation.a"], ["associations"])
    private = client.get("/api/v1/associations", headers=bearer(secret))
    assert private.headers["Cache-Control"] == "private, no-store"
    assert "Access-Control-Allow-Origin" not in private.headers


def test_a_disabled_plugin_leaves_the_api_and_its_document(app, client, demo):
    from qn_portal.plugins import get_host

    with app.app_context():
        get_host(app).set_enabled("veille", False)
        db.session.commit()
    get_json(client, "/api/v1/veille/posts", status=404)
    document = get_json(client, "/api/v1/openapi.json")
    assert not [path for path in document["paths"] if path.startswith("/api/v1/veille")]
    assert "/api/v1/ateliers/sessions" in document["paths"]
    assert 'value="veille"' not in signed_in(app, "mediation.a").get("/compte").get_data(as_text=True)


class TestRateLimits:
    @pytest.fixture
    def config_overrides(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_API_ANONYMOUS": "3 per minute",
                "RATELIMIT_API_TOKEN": "5 per minute"}

    def test_anonymous_calls_are_counted_per_address_and_answered_in_json(self, client, demo):
        for url in ("/api/v1/associations", "/api/v1/openapi.json", "/api/v1/veille/posts"):
            get_json(client, url)  # one allowance for the whole API
        error = get_json(client, "/api/v1/associations", status=429)["error"]
        assert error["code"] == "too_many_requests" and "Patientez" in error["message"]
        refused = client.get("/api/v1/associations")
        assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60

    def test_a_token_has_its_own_allowance_and_bad_tokens_count_against_the_address(self, app, client, demo):
        for _ in range(3):
            get_json(client, "/api/v1/associations")
        secret = make_token(app, demo["users"]["mediation.a"], [])
        for _ in range(5):
            get_json(client, "/api/v1/associations", secret)
        get_json(client, "/api/v1/associations", secret, status=429)
        get_json(client, "/api/v1/associations", "qnp_" + "y" * 43, status=429)


def test_a_malformed_collection_is_left_out_and_the_others_still_served(app, client, demo, monkeypatch, caplog):
    from qn_portal.api import ApiCollection, ApiFilter
    from qn_portal.plugins import get_host

    host = get_host(app)
    real_call_each = host.call_each

    def call_each(hook, **kwargs):
        results = real_call_each(hook, **kwargs)
        if hook == "api_collections":
            def nothing(*args):
                return None

            broken = [ApiCollection(name="Pas Valide", summary="x", item_schema={}, query=nothing,
                                    serialize=nothing, get=nothing),
                      ApiCollection(name="dates", summary="x", item_schema={}, query=nothing, serialize=nothing,
                                    get=nothing, filters=(ApiFilter("du", "heure"),)),
                      "not a collection"]
            results.append(("veille", broken))
        return results

    monkeypatch.setattr(host, "call_each", call_each)
    document = get_json(client, "/api/v1/openapi.json")
    assert "/api/v1/veille/posts" in document["paths"]
    assert not [path for path in document["paths"] if "Valide" in path or "dates" in path]
    get_json(client, "/api/v1/veille/dates", status=404)
    assert "API collection refused" in caplog.text
