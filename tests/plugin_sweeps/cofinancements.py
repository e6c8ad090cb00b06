"""Sweep declarations of the cofinancements plugin (see ``tests/access_matrix.py``)."""

from __future__ import annotations

import io
from datetime import date, timedelta

from access_matrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, REDIRECT, Route, expect, signed_in
from sqlalchemy import select

from qn_portal.extensions import db

MISSING = 999999
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def coordinators(outcome: str) -> dict[str, str]:
    return expect(FORBIDDEN, anonymous=LOGIN, coordinator=outcome, admin=outcome)


def private(outcome: str, partner: str = FORBIDDEN) -> dict[str, str]:
    """Members of A, coordinators and admins; partners refused."""
    return expect(outcome, anonymous=LOGIN, partner=partner)


def plan_editors(outcome: str) -> dict[str, str]:
    return expect(FORBIDDEN, anonymous=LOGIN, manager=outcome, coordinator=outcome, admin=outcome)


ROUTES = [
    Route("cofinancements.index", "GET",
          "/cofinancements/?q=num%C3%A9rique&theme=inclusion_numerique&aid_type=subvention&commune=Bordeaux"
          "&amount=1000&deadline_before=2099-01-01&open_now=y", signed_in()),
    Route("cofinancements.for_my_association", "GET", "/cofinancements/pour-mon-association", private(OK)),
    Route("cofinancements.opportunity", "GET", lambda ctx: f"/cofinancements/aides/{ctx['cofi_opportunity']}",
          signed_in()),
    Route("cofinancements.edit_opportunity", "GET", "/cofinancements/aides/nouvelle", coordinators(OK)),
    Route("cofinancements.edit_opportunity", "POST",
          lambda ctx: f"/cofinancements/aides/{ctx['cofi_opportunity']}/modifier", coordinators(OK),
          data=lambda ctx: {"title": ""}),
    Route("cofinancements.follow", "POST", lambda ctx: f"/cofinancements/aides/{ctx['cofi_opportunity']}/suivre",
          expect(FORBIDDEN, anonymous=LOGIN, mediator=REDIRECT, manager=REDIRECT)),
    Route("cofinancements.funders", "GET", "/cofinancements/financeurs/", signed_in()),
    Route("cofinancements.funders_csv", "GET", "/cofinancements/financeurs/export.csv", signed_in()),
    Route("cofinancements.index_csv", "GET",
          "/cofinancements/export.csv?q=num%C3%A9rique&theme=inclusion_numerique&aid_type=subvention&commune=Bordeaux"
          "&amount=1000&deadline_before=2099-01-01&open_now=y", signed_in()),
    Route("cofinancements.funder", "GET", lambda ctx: f"/cofinancements/financeurs/{ctx['cofi_funder']}", signed_in()),
    Route("cofinancements.edit_funder", "GET", lambda ctx: f"/cofinancements/financeurs/{ctx['cofi_funder']}/modifier",
          coordinators(OK)),
    Route("cofinancements.edit_funder", "POST", "/cofinancements/financeurs/nouveau", coordinators(OK),
          data=lambda ctx: {"name": ""}),
    Route("cofinancements.add_note", "POST", lambda ctx: f"/cofinancements/financeurs/{ctx['cofi_funder']}/retours",
          private(OK), data=lambda ctx: {"body": ""}),
    Route("cofinancements.alerts", "GET", "/cofinancements/alertes?query=theme%3Dseniors", signed_in()),
    Route("cofinancements.alerts", "POST", "/cofinancements/alertes", signed_in(OK), data=lambda ctx: {"name": ""}),
    Route("cofinancements.delete_alert", "POST", f"/cofinancements/alertes/{MISSING}/supprimer", signed_in(NOT_FOUND)),
    Route("cofinancements.applications", "GET", "/cofinancements/candidatures", private(OK)),
    Route("cofinancements.applications_csv", "GET", "/cofinancements/candidatures/export.csv", private(OK)),
    Route("cofinancements.new_application", "GET",
          lambda ctx: f"/cofinancements/candidatures/nouvelle?association={ctx['associations']['a']}", private(OK)),
    Route("cofinancements.new_application", "POST",
          lambda ctx: f"/cofinancements/candidatures/nouvelle?association={ctx['associations']['a']}", private(OK),
          data=lambda ctx: {"title": ""}),
    Route("cofinancements.application", "GET",
          lambda ctx: f"/cofinancements/candidatures/{ctx['cofi_application_a']}", private(OK)),
    Route("cofinancements.application", "POST",
          lambda ctx: f"/cofinancements/candidatures/{ctx['cofi_application_a']}", private(OK),
          data=lambda ctx: {"title": ""}),
    Route("cofinancements.delete_application", "POST", f"/cofinancements/candidatures/{MISSING}/supprimer",
          private(NOT_FOUND)),
    Route("cofinancements.plans", "GET", "/cofinancements/plan",
          expect(REDIRECT, anonymous=LOGIN, partner=FORBIDDEN, coordinator=OK, admin=OK)),
    Route("cofinancements.plans_csv", "GET", "/cofinancements/plan/export.csv",
          expect(REDIRECT, anonymous=LOGIN, partner=FORBIDDEN, coordinator=OK, admin=OK)),
    Route("cofinancements.plan", "GET", lambda ctx: f"/cofinancements/plan/{ctx['associations']['a']}", private(OK)),
    Route("cofinancements.plan_year", "POST", lambda ctx: f"/cofinancements/plan/{ctx['associations']['a']}/annee",
          plan_editors(OK), data=lambda ctx: {"year": ""}),
    Route("cofinancements.plan_themes", "POST",
          lambda ctx: f"/cofinancements/plan/{ctx['associations']['a']}/thematiques",
          plan_editors(OK), data=lambda ctx: {"themes": "inconnue"}),
    Route("cofinancements.plan_csv", "GET", lambda ctx: f"/cofinancements/plan/{ctx['associations']['a']}.csv",
          private(OK)),
    Route("cofinancements.import_file", "GET", "/cofinancements/import", coordinators(OK)),
    Route("cofinancements.import_file", "POST", "/cofinancements/import", coordinators(OK)),
]

CROSS_ASSOCIATION = [
    ("B's applications, as CSV", "GET",
     lambda ctx: f"/cofinancements/candidatures/export.csv?association={ctx['associations']['b']}"),
    ("B's application", "GET", lambda ctx: f"/cofinancements/candidatures/{ctx['cofi_application_b']}"),
    ("B's application, saved", "POST", lambda ctx: f"/cofinancements/candidatures/{ctx['cofi_application_b']}",
     lambda ctx: {"title": "Reprise", "status": "idee", "year": "2027"}),
    ("B's application, deleted", "POST",
     lambda ctx: f"/cofinancements/candidatures/{ctx['cofi_application_b']}/supprimer"),
    ("B's board", "GET", lambda ctx: f"/cofinancements/candidatures?association={ctx['associations']['b']}"),
    ("a new application for B", "POST",
     lambda ctx: f"/cofinancements/candidatures/nouvelle?association={ctx['associations']['b']}",
     lambda ctx: {"title": "Pour B", "status": "idee", "year": "2027"}),
    ("B's funding plan", "GET", lambda ctx: f"/cofinancements/plan/{ctx['associations']['b']}"),
    ("B's funding plan as CSV", "GET", lambda ctx: f"/cofinancements/plan/{ctx['associations']['b']}.csv"),
    ("a year of B's plan", "POST", lambda ctx: f"/cofinancements/plan/{ctx['associations']['b']}/annee",
     lambda ctx: {"year": "2030", "budget": "1"}),
    ("B's themes", "POST", lambda ctx: f"/cofinancements/plan/{ctx['associations']['b']}/thematiques",
     lambda ctx: {"themes": "seniors"}),
    ("the ranking for B", "GET", lambda ctx: f"/cofinancements/pour-mon-association?association={ctx['associations']['b']}"),
]

# The public API (the session cookie counts for nothing there): the catalogue is for signed-in people only,
# so without a token the list is empty and an opportunity is not found.
ROUTES += [
    Route("public_api.resource", "GET", "/api/v1/cofinancements/opportunities?commune=Cenon&theme=inclusion_numerique",
          expect(OK)),
    Route("public_api.resource", "GET", lambda ctx: f"/api/v1/cofinancements/opportunities/{ctx['cofi_opportunity']}",
          expect(NOT_FOUND)),
]

LIST_PAGES = ["/api/v1/cofinancements/opportunities",
              "/cofinancements/export.csv", "/cofinancements/financeurs/export.csv",
              "/cofinancements/candidatures/export.csv", "/cofinancements/plan/export.csv",
              lambda ctx: f"/cofinancements/candidatures/export.csv?association={ctx['associations']['a']}",
              "/cofinancements/", "/cofinancements/financeurs/", "/cofinancements/candidatures",
              "/cofinancements/plan", "/cofinancements/alertes", "/cofinancements/pour-mon-association",
              lambda ctx: f"/cofinancements/candidatures?association={ctx['associations']['a']}",
              lambda ctx: f"/cofinancements/pour-mon-association?association={ctx['associations']['a']}",
              lambda ctx: f"/cofinancements/financeurs/{ctx['cofi_funder']}",
              lambda ctx: f"/cofinancements/plan/{ctx['associations']['a']}"]


def context(app, ctx) -> dict:
    from plugins.cofinancements.models import Application, Funder, Opportunity

    with app.app_context():
        funder = db.session.scalar(select(Funder.id).order_by(Funder.id))
        opportunity = db.session.scalar(select(Opportunity.id).order_by(Opportunity.id))
        application_a = db.session.scalar(select(Application.id).where(
            Application.association_id == ctx["associations"]["a"]).order_by(Application.id))
        application_b = db.session.scalar(select(Application.id).where(
            Application.association_id == ctx["associations"]["b"]).order_by(Application.id))
    return {"cofi_funder": funder, "cofi_opportunity": opportunity, "cofi_application_a": application_a,
            "cofi_application_b": application_b}


def add_rows(app, ctx, count: int, offset: int) -> None:
    from plugins.cofinancements.models import (
        Application,
        Follow,
        Funder,
        FunderNote,
        Opportunity,
        PlanYear,
        SavedSearch,
        pack,
    )

    a = ctx["associations"]["a"]
    today = date.today()
    with app.app_context():
        for i in range(offset, offset + count):
            funder = Funder(name=f"Financeur {i}", kind="fondation", themes=pack(["seniors"]))
            opportunity = Opportunity(title=f"Aide {i}", funder=funder, themes=pack(["inclusion_numerique"]),
                                      scope="departement", amount_max_cents=100000 * (i + 1),
                                      deadline=today + timedelta(days=5 + i), opens_on=today - timedelta(days=1))
            db.session.add_all([funder, opportunity,
                                Application(association_id=a, title=f"Demande {i}", status="depose", year=2027,
                                            funder=funder, opportunity=opportunity, amount_requested_cents=1000,
                                            next_step="Relancer", next_step_due=today),
                                Application(association_id=a, title=f"Accordée {i}", status="accorde", year=today.year,
                                            funder=funder, amount_obtained_cents=1000),
                                Follow(association_id=a, opportunity=opportunity),
                                FunderNote(funder_id=ctx["cofi_funder"], association_id=a, body=f"Retour {i}",
                                           body_html=f"<p>Retour {i}</p>", author_id=ctx["users"]["mediation.a"]),
                                Opportunity(title=f"Aide du financeur {i}", funder_id=ctx["cofi_funder"]),
                                SavedSearch(user_id=ctx["users"]["admin"], name=f"Alerte {i}", query="theme=seniors"),
                                PlanYear(association_id=a, year=3000 + i, budget_cents=100, bms_cents=10)])
        db.session.commit()


def store_payload(client, token, payload, ctx) -> list[str]:
    from plugins.cofinancements.models import Application, Funder, Opportunity

    app = client.application
    a = ctx["associations"]["a"]
    client.post("/cofinancements/financeurs/nouveau", data={
        "csrf_token": token, "name": payload[:200], "kind": "fondation", "territory": payload[:200],
        "contacts": payload, "website": ""})
    with app.app_context():
        funder_id = db.session.scalar(select(Funder.id).order_by(Funder.id.desc()))
    client.post("/cofinancements/aides/nouvelle", data={
        "csrf_token": token, "title": payload[:300], "funder_id": str(funder_id), "description": payload,
        "aid_type": "subvention", "beneficiaries": payload[:500], "scope": "departement", "recurrence": "ponctuelle"})
    client.post(f"/cofinancements/financeurs/{funder_id}/retours", data={"csrf_token": token, "body": payload})
    client.post(f"/cofinancements/candidatures/nouvelle?association={a}", data={
        "csrf_token": token, "title": payload[:300], "status": "preparation", "year": "2027",
        "next_step": payload[:300], "notes": payload,
        "document": (io.BytesIO(PDF), f"{payload[:60]}.pdf")}, content_type="multipart/form-data")
    client.post("/cofinancements/alertes", data={"csrf_token": token, "name": payload[:200], "frequency": "daily",
                                                 "query": payload[:1000]})
    with app.app_context():
        opportunity_id = db.session.scalar(select(Opportunity.id).order_by(Opportunity.id.desc()))
        application_id = db.session.scalar(select(Application.id).order_by(Application.id.desc()))
    return ["/cofinancements/", "/cofinancements/financeurs/", f"/cofinancements/financeurs/{funder_id}",
            f"/cofinancements/aides/{opportunity_id}", f"/cofinancements/candidatures?association={a}",
            f"/cofinancements/candidatures/{application_id}", "/cofinancements/alertes",
            f"/cofinancements/pour-mon-association?association={a}"]
