"""CSV exports of the programme: a call's applications, the follow-up table, funders, equipment and requests."""

from __future__ import annotations

from datetime import date, timedelta

from conftest import signed_in
from csv_checks import csv_link_in, read_csv
from sqlalchemy import select

from qn_portal.api import Association, db


def add_candidates(app, demo, count: int) -> int:
    """``count`` associations with a submitted application to a new call, a late milestone and a trained
    mediator each; ``count`` pieces of equipment and requests for A; return the call's id."""
    from plugins.programme.models import (
        ProgrammeApplication,
        ProgrammeBinomeMember,
        ProgrammeCall,
        ProgrammeEquipment,
        ProgrammeEquipmentRequest,
        ProgrammeFunder,
        ProgrammeMilestone,
    )

    today = date.today()
    a = demo["associations"]["a"]
    with app.app_context():
        call = ProgrammeCall(title="Appel « 2031 »", cohort=2031, opens_on=today, closes_on=today)
        db.session.add(call)
        db.session.flush()
        for i in range(count):
            association = Association(name=f"Élan numérique {i:02d}", slug=f"elan-{i}", commune="Cenon", cohort=2031,
                                      status="year1")
            db.session.add(association)
            db.session.flush()
            db.session.add_all([
                ProgrammeApplication(call_id=call.id, association_id=association.id, organisation_name=association.name,
                                     status="submitted" if i % 2 else "selected", eligible=bool(i % 2)),
                ProgrammeMilestone(association_id=association.id, cohort=2031, kind="charte",
                                   due_on=today - timedelta(days=3)),
                ProgrammeBinomeMember(association_id=association.id, name=f"Médiatrice {i}", training_title="Parcours",
                                      starts_on=today, ends_on=today, completion="completed"),
                ProgrammeEquipment(association_id=a, kind="tablet", delivered_on=today, serial_number=f"=SN-{i}"),
                ProgrammeEquipmentRequest(association_id=a, need=f"Besoin {i}", quantity=2, justification="x",
                                          status="new" if i % 2 else "declined"),
            ])
        db.session.add(ProgrammeFunder(name="Fondation Été", cohort=2031,
                                       associations=[db.session.get(Association, a)]))
        db.session.commit()
        return call.id


def test_call_applications_export_keeps_the_status_filter(app, demo):
    call_id = add_candidates(app, demo, 45)
    client = signed_in(app, "coordination")
    page = client.get(f"/programme/appels/{call_id}?status=submitted").get_data(as_text=True)
    assert csv_link_in(page, f"/programme/appels/{call_id}/export.csv?status=submitted")
    rows = read_csv(client.get(f"/programme/appels/{call_id}/export.csv?status=submitted"))
    assert rows[0][:4] == ["Association", "Commune", "Statut", "Critères remplis"]
    assert len(rows) - 1 == 22 and len({row[2] for row in rows[1:]}) == 1 and {row[3] for row in rows[1:]} == {"oui"}
    assert len(read_csv(client.get(f"/programme/appels/{call_id}/export.csv"))) - 1 == 45
    assert signed_in(app, "direction.a").get(f"/programme/appels/{call_id}/export.csv").status_code == 403


def test_followups_export_counts_per_association(app, demo):
    add_candidates(app, demo, 30)
    client = signed_in(app, "coordination")
    assert csv_link_in(client.get("/programme/suivi/").get_data(as_text=True), "/programme/suivi/export.csv")
    rows = read_csv(client.get("/programme/suivi/export.csv"))
    assert rows[0][:5] == ["Association", "Promotion", "Étapes faites", "Étapes en retard", "Étapes au total"]
    elan = [row for row in rows[1:] if row[0].startswith("Élan numérique")]
    assert len(elan) == 30 and {tuple(row[1:6]) for row in elan} == {("2031", "0", "1", "1", "1")}


def test_funders_and_equipment_exports(app, demo):
    add_candidates(app, demo, 25)
    coordinator = signed_in(app, "coordination")
    funders = read_csv(coordinator.get("/programme/financeurs/export.csv"))
    assert any(row[0] == "Fondation Été" and row[1] == "2031" and row[2] for row in funders)
    overview = read_csv(coordinator.get("/programme/equipement/export.csv?status=new"))
    assert sum(row[0].startswith("Besoin ") for row in overview[1:]) >= 12
    assert {row[3] for row in overview[1:]} == {overview[1][3]}  # one status: the filter held
    a = demo["associations"]["a"]
    manager = signed_in(app, "direction.a")
    page = manager.get(f"/programme/suivi/{a}/equipement").get_data(as_text=True)
    assert csv_link_in(page, f"/programme/suivi/{a}/equipement/export.csv")
    inventory = read_csv(manager.get(f"/programme/suivi/{a}/equipement/export.csv"))
    assert sum(row[2].startswith("'=SN-") for row in inventory[1:]) == 25
    requests = read_csv(manager.get(f"/programme/suivi/{a}/demandes/export.csv"))
    assert sum(row[0].startswith("Besoin ") for row in requests[1:]) == 25
    with app.app_context():
        b = db.session.scalar(select(Association.id).where(Association.id == demo["associations"]["b"]))
    assert manager.get(f"/programme/suivi/{b}/equipement/export.csv").status_code == 404
    assert signed_in(app, "mediation.a").get(f"/programme/suivi/{a}/demandes/export.csv").status_code == 404


def test_calls_export_counts_applications_for_managers_only(app, demo):
    call_id = add_candidates(app, demo, 10)
    rows = read_csv(signed_in(app, "coordination").get("/programme/export.csv"))
    assert rows[0][:4] == ["Appel", "Promotion", "Ouverture", "Clôture"] and len(rows[0]) > 4
    call = next(row for row in rows[1:] if row[0] == "Appel « 2031 »")
    counts = dict(zip(rows[0][4:], call[4:], strict=True))
    assert sum(int(value) for value in counts.values()) == 10
    member = signed_in(app, "direction.a")
    assert csv_link_in(member.get("/programme/").get_data(as_text=True), "/programme/export.csv")
    member_rows = read_csv(member.get("/programme/export.csv"))
    assert member_rows[0] == ["Appel", "Promotion", "Ouverture", "Clôture"]
    assert any(row[0] == "Appel « 2031 »" for row in member_rows[1:]) and call_id
    assert signed_in(app, "partenaire").get("/programme/export.csv").status_code == 403
