"""Forms: bad input gets French messages next to the field and nothing is lost; good input is saved."""

from __future__ import annotations

import io
from datetime import date

from conftest import post_form
from sqlalchemy import select

from plugins.cofinancements.models import Application, Funder, FunderNote, Opportunity, PlanYear, SavedSearch
from qn_portal.api import db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def opportunity_data(**changes):
    data = {"title": "Appel test inclusion", "funder_id": "", "description": "**Gras**", "aid_type": "subvention",
            "beneficiaries": "Associations", "scope": "departement", "amount_min": "1 000", "amount_max": "12 500",
            "max_rate": "80", "opens_on": "2027-01-10", "deadline": "2027-03-31", "recurrence": "ponctuelle",
            "application_url": "https://example.org/candidater", "origin_url": "", "themes": ["inclusion_numerique"]}
    data.update(changes)
    return data


def test_coordinator_creates_an_opportunity_with_french_amounts(portal, app):
    client = portal.login_as("coordination")
    response = post_form(client, "/cofinancements/aides/nouvelle", opportunity_data())
    assert response.status_code == 302
    with app.app_context():
        item = db.session.scalar(select(Opportunity).where(Opportunity.title == "Appel test inclusion"))
        assert (item.amount_min_cents, item.amount_max_cents, item.max_rate) == (100000, 1250000, 80)
        assert item.deadline == date(2027, 3, 31) and "<strong>Gras</strong>" in item.description_html
        opportunity_id = item.id
    page = client.get(f"/cofinancements/aides/{opportunity_id}").get_data(as_text=True)
    assert "de 1\u202f000\u00a0€ à 12\u202f500\u00a0€" in page
    # the new aid is found by the portal's search at once
    assert "Appel test inclusion" in client.get("/recherche?q=appel+test+inclusion").get_data(as_text=True)


def test_opportunity_bad_input(portal, app):
    client = portal.login_as("coordination")
    response = post_form(client, "/cofinancements/aides/nouvelle", opportunity_data(
        opens_on="2027-04-01", deadline="2027-03-31", amount_min="-50", amount_max="abc", max_rate="150",
        application_url="javascript:alert(1)", scope="communes", aid_type="n'importe quoi"),
        form_url="/cofinancements/aides/nouvelle")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for message in ("La date limite ne peut pas être avant la date d",
                    "Indiquez un montant positif en euros", "Le taux doit être compris entre 0 et 100 %.",
                    "Indiquez une adresse web complète", "Cochez au moins une commune.",
                    "Choisissez une des valeurs proposées."):
        assert message in page, message
    assert 'value="Appel test inclusion"' in page and 'value="-50"' in page  # nothing typed is lost
    assert 'aria-invalid="true"' in page and 'href="#deadline"' in page
    response = post_form(client, "/cofinancements/aides/nouvelle", opportunity_data(amount_min="5000", amount_max="100"))
    assert "Le montant maximal ne peut pas être inférieur au montant minimal." in response.get_data(as_text=True)
    response = post_form(client, "/cofinancements/aides/nouvelle", opportunity_data(deadline="31/02/2027"))
    assert "Indiquez une date valide" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Opportunity).where(Opportunity.title == "Appel test inclusion")) is None


def test_opportunity_dates_typed_the_french_way(portal, app):
    client = portal.login_as("coordination")
    response = post_form(client, "/cofinancements/aides/nouvelle",
                         opportunity_data(opens_on="31/03/27", deadline="2027-03-31"),
                         form_url="/cofinancements/aides/nouvelle")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Indiquez une date valide, par exemple 2027-03-31." in page
    assert 'value="31/03/27"' in page  # a two-digit year is refused, and kept to be corrected
    response = post_form(client, "/cofinancements/aides/nouvelle",
                         opportunity_data(opens_on="10/01/2027", deadline=" 31/03/2027 "))
    assert response.status_code == 302
    with app.app_context():
        item = db.session.scalar(select(Opportunity).where(Opportunity.title == "Appel test inclusion"))
        assert (item.opens_on, item.deadline) == (date(2027, 1, 10), date(2027, 3, 31))


def test_only_coordinators_edit_the_catalogue(portal, app):
    client = portal.login_as("direction.a")
    assert client.get("/cofinancements/aides/nouvelle").status_code == 403
    assert client.get("/cofinancements/financeurs/nouveau").status_code == 403
    assert client.get("/cofinancements/import").status_code == 403


def test_funder_form_and_notes(portal, app):
    client = portal.login_as("coordination")
    response = post_form(client, "/cofinancements/financeurs/nouveau",
                         {"name": "", "kind": "fondation", "website": "pas une adresse"})
    page = response.get_data(as_text=True)
    assert "Indiquez le nom du financeur." in page and "Indiquez une adresse web complète" in page
    response = post_form(client, "/cofinancements/financeurs/nouveau",
                         {"name": "Fondation du Test", "kind": "fondation", "territory": "Gironde",
                          "themes": ["seniors"], "contacts": "M. Test", "website": "https://fondation.example.org"})
    assert response.status_code == 302
    with app.app_context():
        funder_id = db.session.scalar(select(Funder.id).where(Funder.name == "Fondation du Test"))
    mediator = portal.new_client()
    from conftest import login

    login(mediator, "mediation.a@example.org")
    url = f"/cofinancements/financeurs/{funder_id}/retours"
    response = post_form(mediator, url, {"body": ""}, form_url=f"/cofinancements/financeurs/{funder_id}")
    assert "Écrivez votre retour." in response.get_data(as_text=True)
    response = post_form(mediator, url, {"body": "Appeler *avant* de déposer."},
                         form_url=f"/cofinancements/financeurs/{funder_id}")
    assert response.status_code == 302
    page = mediator.get(f"/cofinancements/financeurs/{funder_id}").get_data(as_text=True)
    assert "<em>avant</em>" in page and "Grand Parc Connecté" in page
    partner = portal.new_client()
    login(partner, "partenaire@example.org")
    response = post_form(partner, url, {"body": "Hors sujet"}, form_url=f"/cofinancements/financeurs/{funder_id}")
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(FunderNote.id).where(FunderNote.body == "Hors sujet")) is None


def application_data(**changes):
    data = {"title": "Demande test", "opportunity_id": "", "funder_id": "", "status": "depose", "year": "2027",
            "amount_requested": "8 000", "amount_obtained": "", "submitted_on": "2027-02-01", "decided_on": "",
            "next_step": "Relancer", "next_step_due": "2027-02-28", "notes": "Note"}
    data.update(changes)
    return data


def test_application_lifecycle_and_bad_input(portal, app, demo):
    client = portal.login_as("mediation.a")
    form_url = "/cofinancements/candidatures/nouvelle"
    response = post_form(client, form_url, application_data(
        title="", amount_requested="-10", status="accorde", submitted_on="2027-03-01", decided_on="2027-02-01",
        year="1800"))
    page = response.get_data(as_text=True)
    for message in ("Indiquez un intitulé.", "Indiquez un montant positif en euros", "Indiquez le montant accordé.",
                    "La décision ne peut pas précéder le dépôt.", "Indiquez une année entre 2000 et 2100."):
        assert message in page, message
    response = post_form(client, form_url, application_data(), content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        item = db.session.scalar(select(Application).where(Application.title == "Demande test"))
        assert item.association_id == demo["associations"]["a"] and item.amount_requested_cents == 800000
        application_id = item.id
    url = f"/cofinancements/candidatures/{application_id}"
    response = post_form(client, url, {**application_data(status="accorde", amount_obtained="6 500,50",
                                                          decided_on="2027-04-02"),
                                       "document": (io.BytesIO(PDF), "notification.pdf")},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        item = db.session.get(Application, application_id)
        assert item.status == "accorde" and item.amount_obtained_cents == 650050 and item.document_key
    response = post_form(client, url, {**application_data(), "document": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "x.pdf")},
                         content_type="multipart/form-data")
    assert "Ce type de fichier n" in response.get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert 'value="6500,50"' in page and "notification.pdf" in page
    assert post_form(client, f"{url}/supprimer", form_url=url).status_code == 302
    with app.app_context():
        assert db.session.get(Application, application_id) is None


def test_plan_year_bms_share_is_for_coordinators(portal, app, demo):
    a = demo["associations"]["a"]
    client = portal.login_as("direction.a")
    url = f"/cofinancements/plan/{a}/annee"
    response = post_form(client, url, {"year": "2040", "budget": "-1", "bms": "0"}, form_url=f"/cofinancements/plan/{a}")
    assert "Indiquez un montant positif en euros" in response.get_data(as_text=True)
    response = post_form(client, url, {"year": "2040", "budget": "50 000", "bms": "99 999"},
                         form_url=f"/cofinancements/plan/{a}")
    assert response.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(PlanYear).where(PlanYear.association_id == a, PlanYear.year == 2040))
        assert (row.budget_cents, row.bms_cents) == (5000000, 0)  # a manager cannot set BMS's share
    mediator = portal.new_client()
    from conftest import login

    login(mediator, "mediation.a@example.org")
    assert post_form(mediator, url, {"year": "2040", "budget": "1"}, form_url=f"/cofinancements/plan/{a}").status_code == 403
    coordinator = portal.new_client()
    login(coordinator, "coordination@example.org")
    response = post_form(coordinator, url, {"year": "2040", "budget": "50 000", "bms": "10 000"},
                         form_url=f"/cofinancements/plan/{a}")
    assert response.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(PlanYear).where(PlanYear.association_id == a, PlanYear.year == 2040))
        assert row.bms_cents == 1000000


def test_plan_csv_export_is_neutralised(portal, app, demo):
    a = demo["associations"]["a"]
    with app.app_context():
        from qn_portal.api import Association

        db.session.get(Association, a).name = "=HYPERLINK(\"http://evil\")"
        db.session.commit()
    client = portal.login_as("direction.a")
    response = client.get(f"/cofinancements/plan/{a}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert "\n=HYPERLINK" not in text and "'=HYPERLINK" in text
    assert "52000;30000;10000;12000" in text


def test_alert_form(portal, app):
    client = portal.login_as("mediation.a")
    page = client.get("/cofinancements/alertes?query=theme%3Dseniors").get_data(as_text=True)
    assert "thématique : Seniors" in page
    response = post_form(client, "/cofinancements/alertes", {"name": "", "frequency": "monthly", "query": "theme=seniors"})
    page = response.get_data(as_text=True)
    assert "Donnez un nom à l" in page and "Choisissez une fréquence." in page
    response = post_form(client, "/cofinancements/alertes",
                         {"name": "Seniors", "frequency": "daily", "query": "theme=seniors&evil=<script>&amount=abc"})
    assert response.status_code == 302
    with app.app_context():
        search = db.session.scalar(select(SavedSearch).where(SavedSearch.name == "Seniors"))
        assert search.query == "theme=seniors" and search.frequency == "daily"
        search_id = search.id
    other = portal.new_client()
    from conftest import login

    login(other, "mediation.b@example.org")
    assert post_form(other, f"/cofinancements/alertes/{search_id}/supprimer",
                     form_url="/cofinancements/alertes").status_code == 404
    assert post_form(client, f"/cofinancements/alertes/{search_id}/supprimer",
                     form_url="/cofinancements/alertes").status_code == 302


def test_follow_toggles(portal, app, demo):
    client = portal.login_as("mediation.a")
    with app.app_context():
        opportunity_id = db.session.scalar(select(Opportunity.id).where(Opportunity.title.like("Don de matériel%")))
    url = f"/cofinancements/aides/{opportunity_id}"
    assert post_form(client, f"{url}/suivre", form_url=url).status_code == 302
    assert "Ne plus suivre cette aide" in client.get(url).get_data(as_text=True)
    assert post_form(client, f"{url}/suivre", form_url=url).status_code == 302
    assert "Suivre cette aide" in client.get(url).get_data(as_text=True)
    coordinator = portal.new_client()
    from conftest import login

    login(coordinator, "coordination@example.org")
    assert post_form(coordinator, f"{url}/suivre", form_url=url).status_code == 403
