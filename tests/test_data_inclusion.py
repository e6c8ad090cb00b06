"""The data·inclusion export: every record valid against the national schema's own models (warnings as errors),
only public data, paginated JSON with JSON errors, and the command that writes the file."""

from __future__ import annotations

import json

import pytest
from data_inclusion.schema.v1 import Service, Structure
from sqlalchemy import select

from qn_portal.api import db
from qn_portal.associations.models import Association
from qn_portal.public_api.errors import CODES

API = "/api/v1/data-inclusion"


def assert_valid(model, record: dict) -> None:
    """``record`` validates against ``model`` with the schema's warnings counted, and holds no unknown field
    (pydantic would silently ignore a misspelt one)."""
    assert set(record) <= set(model.model_fields), set(record) - set(model.model_fields)
    model.model_validate(record, context={"ignore_warnings": False})


def get_all(client, kind: str) -> list[dict]:
    response = client.get(f"{API}/{kind}?size=500")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["items"]


def ids_of(app, demo) -> dict[str, int]:
    return demo["associations"]


def test_every_demo_record_is_valid_with_warnings_as_errors(app, demo, client):
    structures, services = get_all(client, "structures"), get_all(client, "services")
    assert structures and services
    for record in structures:
        assert_valid(Structure, record)
    for record in services:
        assert_valid(Service, record)
    structure_ids = {record["id"] for record in structures}
    assert {record["structure_id"] for record in services} <= structure_ids
    assert len({record["id"] for record in services}) == len(services)


def test_structures_hold_public_data_only_and_no_candidate(app, demo, client):
    by_id = {record["id"]: record for record in get_all(client, "structures")}
    a, b, h = (demo["associations"][key] for key in ("a", "b", "h"))
    # H is a candidate: not yet part of the programme, not exported. The seven others are.
    assert f"qn-{h}" not in by_id
    assert len(by_id) == 7
    grand_parc = by_id[f"qn-{a}"]
    assert grand_parc["source"] == "quartiers-numeriques"
    assert grand_parc["nom"] == "Grand Parc Connecté"
    assert grand_parc["code_insee"] == "33063" and grand_parc["code_postal"] == "33300"
    assert grand_parc["commune"] == "Bordeaux" and grand_parc["adresse"] == "3 place de l'Europe"
    assert grand_parc["horaires_accueil"] == "Mo-Fr 09:00-12:00,14:00-18:00; Sa 10:00-12:00; PH off"
    # A shares its contact details: they go out, the phone in E.164 as the schema prefers.
    assert grand_parc["courriel"] == "contact@grand-parc-connecte.example.org"
    assert grand_parc["telephone"] == "+33536491001"
    assert grand_parc["site_web"] == "https://grand-parc-connecte.example.org"
    assert "**" not in grand_parc["description"] and "Grand Parc" in grand_parc["description"]
    # B does not: no e-mail, phone, site or SIRET, only the place already shown on its public page.
    carriet = by_id[f"qn-{b}"]
    assert not {"courriel", "telephone", "site_web", "siret"} & set(carriet)
    assert carriet["code_insee"] == "33249" and carriet["commune"] == "Lormont"


def test_awkward_profiles_still_give_valid_records(app, demo, client):
    with app.app_context():
        association = db.session.get(Association, demo["associations"]["c"])
        association.name = "AB."
        association.summary_html = "<p>ok</p>"
        association.siret = "12345678901234"  # wrong Luhn key: left out
        association.website = "grand-parc.example.org"  # no scheme: left out
        association.phone = "+33 5 36 49 10 03"
        association.commune = "bordeaux"
        association.postal_code = ""
        association.opening_hours = "pas des horaires"
        db.session.commit()
    record = next(r for r in get_all(client, "structures") if r["id"] == f"qn-{demo['associations']['c']}")
    assert_valid(Structure, record)
    assert record["nom"] == "Association AB"
    assert record["commune"] == "Bordeaux" and record["code_insee"] == "33063"
    assert not {"siret", "site_web", "horaires_accueil", "code_postal", "description"} & set(record)
    assert record["telephone"] == "+33 5 36 49 10 03"


def test_services_come_only_from_enabled_plugins(app, demo, client):
    assert {record["id"].split("-")[1] for record in get_all(client, "services")} == {"ateliers"}


@pytest.mark.parametrize("config_overrides", [{"DISABLED_PLUGINS": ["ateliers"]}])
def test_without_the_workshops_plugin_structures_are_still_exported(app, demo, client):
    assert get_all(client, "services") == []
    structures = get_all(client, "structures")
    assert len(structures) == 7
    # No enabled plugin serves a public page: no lien_source (the core's page needs a sign-in).
    for record in structures:
        assert "lien_source" not in record
        assert_valid(Structure, record)


def test_structures_link_to_the_public_page_that_anonymous_visitors_can_open(app, demo, client):
    a = demo["associations"]["a"]
    structures = get_all(client, "structures")
    by_id = {record["id"]: record for record in structures}
    assert by_id[f"qn-{a}"]["lien_source"] == "http://portail.test/ateliers/a/grand-parc-connecte"
    with app.app_context():
        slugs = dict(db.session.execute(select(Association.id, Association.slug)).all())
    for record in structures:
        assert_valid(Structure, record)
        slug = slugs[int(record["id"].removeprefix("qn-"))]
        assert record["lien_source"] == f"http://portail.test/ateliers/a/{slug}"
        # The association records no accessibility information: nothing is made up for accessibilite_lieu.
        assert "accessibilite_lieu" not in record
    page = client.get(by_id[f"qn-{a}"]["lien_source"].removeprefix("http://portail.test"))
    assert page.status_code == 200 and "Grand Parc Connecté" in page.get_data(as_text=True)


def test_lien_source_is_the_first_web_address_a_plugin_gives(app, demo, monkeypatch):
    from qn_portal.data_inclusion import export
    from qn_portal.plugins import get_host

    host = get_host(app)
    answers = [("broken", None), ("odd", "javascript:alert(1)"), ("relative", "/a/x"),
               ("first", "https://example.org/a"), ("second", "https://example.org/b")]
    calls = []

    def call_each(hook, **kwargs):
        calls.append(hook)
        return answers if hook == "association_public_url" else []

    monkeypatch.setattr(host, "call_each", call_each)
    with app.test_request_context():
        association = db.session.get(Association, demo["associations"]["a"])
        assert export.structure_record(association)["lien_source"] == "https://example.org/a"
        answers[3:] = []
        assert "lien_source" not in export.structure_record(association)
    assert calls == ["association_public_url", "association_public_url"]


def test_pagination_follows_page_and_size(app, demo, client):
    first = client.get(f"{API}/structures?size=3").get_json()
    assert (first["total"], first["page"], first["size"], first["pages"]) == (7, 1, 3, 3)
    assert len(first["items"]) == 3
    last = client.get(f"{API}/structures?size=3&page=3").get_json()
    assert len(last["items"]) == 1
    every = [r["id"] for p in (1, 2, 3) for r in client.get(f"{API}/structures?size=3&page={p}").get_json()["items"]]
    assert len(set(every)) == 7
    default = client.get(f"{API}/structures").get_json()
    assert default["size"] == 100 and default["pages"] == 1


@pytest.mark.parametrize("query, code", [
    ("page=4&size=3", 404), ("page=0", 400), ("page=-1", 400), ("page=abc", 400), ("size=0", 400),
    ("size=501", 400), ("size=1e3", 400), ("page=２", 400), ("page=99999999999", 400),
])
def test_bad_pages_answer_json_errors_in_french(app, demo, client, query, code):
    for kind in ("structures", "services"):
        response = client.get(f"{API}/{kind}?{query}")
        assert response.status_code == code
        assert response.mimetype == "application/json"
        error = response.get_json()["error"]
        assert error["code"] == CODES[code] and error["message"]
        assert response.headers["Cache-Control"] == "no-store"
    if code == 404:
        assert "page" in error["message"]


def test_an_empty_export_has_one_empty_page(app, client):
    body = client.get(f"{API}/structures").get_json()
    assert body == {"items": [], "total": 0, "page": 1, "size": 100, "pages": 0}
    assert client.get(f"{API}/structures?page=2").status_code == 404


def test_public_cacheable_cookieless_and_open_to_other_sites(app, demo, client):
    response = client.get(f"{API}/services")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in response.headers


def test_english_readers_still_get_french_records(app, demo, client):
    client.post("/langue", data={"locale": "en"})  # anonymous: refused by CSRF, so set the session directly
    with client.session_transaction() as session:
        session["locale"] = "en"
    services = get_all(client, "services")
    assert all(record["conditions_acces"].startswith("Niveau") for record in services)
    assert "page" in client.get(f"{API}/services?page=9").get_json()["error"]["message"]


@pytest.mark.parametrize("config_overrides", [{"RATELIMIT_DATA_INCLUSION": "2 per minute"}])
def test_rate_limit_answers_json(app, demo, client):
    for _ in range(2):
        assert client.get(f"{API}/structures").status_code == 200
    response = client.get(f"{API}/structures")
    assert response.status_code == 429
    assert response.get_json()["error"] == {"code": "too_many_requests",
                                            "message": response.get_json()["error"]["message"]}
    assert "Trop de requêtes" in response.get_json()["error"]["message"]


def test_a_plugin_cannot_export_another_association(app, demo, monkeypatch):
    from qn_portal.api import InclusionService
    from qn_portal.data_inclusion import export
    from qn_portal.plugins import get_host

    h = demo["associations"]["h"]
    a = demo["associations"]["a"]
    host = get_host(app)
    fake = [("ateliers", [InclusionService(h, "1", {"nom": "Atelier de H"}),
                          InclusionService(a, "2", {"nom": "Atelier de A", "id": "forged", "source": "forged"}),
                          {"nom": "not a service"}])]
    calls = []

    def call_each(hook, **kwargs):
        calls.append((hook, kwargs))
        return fake

    monkeypatch.setattr(host, "call_each", call_each)
    with app.test_request_context():
        records = export.services()
    assert calls == [("data_inclusion_services", {"association_ids": sorted(
        id_ for key, id_ in demo["associations"].items() if key != "h")})]
    assert [record["id"] for record in records] == ["qn-ateliers-2"]
    assert records[0]["source"] == "quartiers-numeriques" and records[0]["structure_id"] == f"qn-{a}"


def test_export_command_writes_a_valid_file(app, demo, runner, tmp_path):
    target = tmp_path / "data-inclusion.json"
    result = runner.invoke(args=["data-inclusion", "export", "--output", str(target)])
    assert result.exit_code == 0, result.output
    data = json.loads(target.read_text(encoding="utf-8"))
    assert set(data) == {"structures", "services"}
    assert len(data["structures"]) == 7 and data["services"]
    for record in data["structures"]:
        assert_valid(Structure, record)
    for record in data["services"]:
        assert_valid(Service, record)
        assert record["lien_source"].startswith("http://portail.test/ateliers/a/")
    assert "7 structures" in result.output
    assert not list(tmp_path.glob("*.tmp"))


def test_export_command_prints_to_standard_output(app, demo, runner):
    result = runner.invoke(args=["data-inclusion", "export"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["structures"]) == 7


@pytest.mark.parametrize("config_overrides", [{"SERVER_NAME": None}])
def test_export_command_needs_the_portal_address(app, demo, runner):
    result = runner.invoke(args=["data-inclusion", "export"])
    assert result.exit_code != 0
    assert "QN_SERVER_NAME" in result.output


def test_candidates_stay_out_even_with_public_data(app, demo, client):
    with app.app_context():
        statuses = dict(db.session.execute(select(Association.id, Association.status)).all())
    exported = {int(record["id"].removeprefix("qn-")) for record in get_all(client, "structures")}
    assert exported == {id_ for id_, status in statuses.items() if status != "candidate"}


def test_no_cookie_even_for_a_visitor_who_has_a_session(app, demo, client):
    with client.session_transaction() as session:
        session["locale"] = "en"
    for kind in ("structures", "services"):
        assert "Set-Cookie" not in client.get(f"{API}/{kind}").headers


@pytest.mark.parametrize("config_overrides", [{"PLUGIN_ERRORS": "isolate"}])
def test_a_failing_plugin_loses_its_services_not_the_export(app, demo, client, monkeypatch):
    import plugins.ateliers.data_inclusion as workshops

    def broken(association_ids):
        raise RuntimeError("boom")

    monkeypatch.setattr(workshops, "services", broken)
    assert get_all(client, "services") == []
    assert len(get_all(client, "structures")) == 7
