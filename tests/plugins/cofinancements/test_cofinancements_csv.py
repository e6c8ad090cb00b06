"""CSV exports of the co-funding plugin: opportunities (filters), funders, applications (per association)."""

from __future__ import annotations

from datetime import date, timedelta

from conftest import signed_in
from csv_checks import csv_link_in, read_csv

from qn_portal.extensions import db


def add_rows(app, demo, count: int) -> None:
    from plugins.cofinancements.models import Application, Funder, Opportunity, pack

    today = date.today()
    with app.app_context():
        for i in range(count):
            funder = Funder(name=f"Fondation Élan {i:02d}", kind="fondation", themes=pack(["seniors"]))
            opportunity = Opportunity(title=f"Aide à l'équipement {i:02d}", funder=funder, aid_type="subvention" if i % 2 else "pret",
                                      themes=pack(["inclusion_numerique"]), amount_max_cents=150050,
                                      deadline=today + timedelta(days=5 + i))
            db.session.add_all([funder, opportunity,
                                Application(association_id=demo["associations"]["a" if i % 3 else "b"],
                                            title=f"-Demande {i:02d}", status="depose", year=2027, funder=funder,
                                            amount_requested_cents=-250)])
        db.session.commit()


def test_opportunities_export_keeps_filters_and_every_page(app, demo):
    add_rows(app, demo, 45)
    client = signed_in(app, "mediation.a")
    assert csv_link_in(client.get("/cofinancements/?aid_type=subvention").get_data(as_text=True),
                       "/cofinancements/export.csv?aid_type=subvention")
    rows = read_csv(client.get("/cofinancements/export.csv?aid_type=subvention"))
    assert rows[0][:3] == ["Aide", "Financeur", "Type d'aide"]
    mine = [row for row in rows[1:] if row[0].startswith("Aide à l'équipement")]
    assert len(mine) == 22 and len({row[2] for row in rows[1:]}) == 1
    assert mine[0][6] == "1500,5"  # an amount in euros, a number with a decimal comma
    assert mine[0][9] == (date.today() + timedelta(days=6)).isoformat()


def test_funders_export_counts_opportunities(app, demo):
    add_rows(app, demo, 25)
    client = signed_in(app, "partenaire")
    assert csv_link_in(client.get("/cofinancements/financeurs/").get_data(as_text=True),
                       "/cofinancements/financeurs/export.csv")
    rows = read_csv(client.get("/cofinancements/financeurs/export.csv"))
    mine = [row for row in rows[1:] if row[0].startswith("Fondation Élan")]
    assert len(mine) == 25 and {row[5] for row in mine} == {"1"}


def test_applications_export_is_per_association_and_audited(app, demo):
    from sqlalchemy import select

    from qn_portal.audit.models import AuditEntry

    add_rows(app, demo, 90)
    client = signed_in(app, "direction.a")
    assert csv_link_in(client.get("/cofinancements/candidatures").get_data(as_text=True),
                       "/cofinancements/candidatures/export.csv")
    rows = read_csv(client.get("/cofinancements/candidatures/export.csv"))
    assert rows[0][:4] == ["Association", "Candidature", "Financeur", "État"]
    mine = [row for row in rows[1:] if row[1].startswith("'-Demande")]
    assert len(mine) == 60  # beyond the page of 50, and none of B's
    assert {row[5] for row in mine} == {"-2,5"}  # a negative amount stays a number
    assert len({row[0] for row in rows[1:]}) == 1
    b = demo["associations"]["b"]
    assert client.get(f"/cofinancements/candidatures/export.csv?association={b}").status_code == 404
    assert signed_in(app, "partenaire").get("/cofinancements/candidatures/export.csv").status_code == 403
    everyone = read_csv(signed_in(app, "coordination").get("/cofinancements/candidatures/export.csv"))
    assert sum(row[1].startswith("'-Demande") for row in everyone[1:]) == 90
    with app.app_context():
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "data.export")).all()


def test_plans_overview_export_for_coordinators_redirects_members(app, demo):
    from plugins.cofinancements.models import Application, PlanYear

    year = date.today().year
    a = demo["associations"]["a"]
    with app.app_context():
        db.session.query(PlanYear).filter(PlanYear.association_id == a, PlanYear.year == year).delete()
        db.session.add_all([PlanYear(association_id=a, year=year, budget_cents=5000000, bms_cents=1000000),
                            Application(association_id=a, title="Accordée", status="accorde", year=year,
                                        amount_obtained_cents=1500050)])
        db.session.commit()
    client = signed_in(app, "coordination")
    assert csv_link_in(client.get("/cofinancements/plan").get_data(as_text=True), "/cofinancements/plan/export.csv")
    rows = read_csv(client.get("/cofinancements/plan/export.csv"))
    assert rows[0] == ["Association", "Année", "Reste à financer (€)", "Plan renseigné"]
    with app.app_context():
        from plugins.cofinancements.services import secured_by_year
        from qn_portal.api import Association

        name = db.session.get(Association, a).name
        everyone = db.session.query(Association).count()
        secured = secured_by_year([a])[(a, year)]  # the demo's grants and ours
    assert len(rows) - 1 == everyone
    row = next(row for row in rows[1:] if row[0] == name)
    gap = (5000000 - 1000000 - secured) / 100
    assert row[1:] == [str(year), f"{gap:.2f}".rstrip("0").rstrip(".").replace(".", ","), "oui"]
    assert "," in row[2]  # our 15 000,50 € grant leaves cents: a decimal comma
    response = signed_in(app, "direction.a").get("/cofinancements/plan/export.csv")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cofinancements/plan/{a}.csv")
