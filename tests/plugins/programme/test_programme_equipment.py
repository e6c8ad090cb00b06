"""Equipment: the inventory kept by coordinators, requests from managers and the coordinators' answers."""

from __future__ import annotations

from datetime import date

from conftest import post_form, signed_in
from sqlalchemy import func, select

from qn_portal.api import db


def request_ids(app, association_id):
    from plugins.programme.models import ProgrammeEquipmentRequest

    with app.app_context():
        return {r.need: r.id for r in db.session.scalars(select(ProgrammeEquipmentRequest).where(
            ProgrammeEquipmentRequest.association_id == association_id))}


def notified(app, kind: str) -> set[int]:
    from qn_portal.notifications.models import Notification

    with app.app_context():
        return set(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


def test_coordinators_keep_the_inventory_with_french_errors(app, portal, demo):
    from plugins.programme.models import ProgrammeEquipment

    a = demo["associations"]["a"]
    client = portal.login_as("coordination")
    url = f"/programme/suivi/{a}/equipement/ajouter"
    response = post_form(client, url, {"kind": "fusee", "state": "cassé", "delivered_on": "demain",
                                       "serial_number": "SN-42", "description": "x" * 201})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("Choisissez une des options proposées.") >= 2 and "Indiquez une date" in page
    assert "200 caractères au plus." in page and 'value="SN-42"' in page and 'value="demain"' in page
    response = post_form(client, url, {"kind": "laptop", "state": "new", "delivered_on": ""})
    assert "Indiquez la date de livraison." in response.get_data(as_text=True)
    response = post_form(client, url, {"kind": "tablet", "state": "new", "delivered_on": "2026-09-01",
                                       "serial_number": "TAB-0007", "description": "Tablette 10 pouces"})
    assert response.status_code == 302
    with app.app_context():
        item = db.session.scalar(select(ProgrammeEquipment).where(ProgrammeEquipment.serial_number == "TAB-0007"))
        item_id = item.id
    response = post_form(client, f"/programme/equipement/{item_id}/modifier",
                         {"kind": "tablet", "state": "to_repair", "delivered_on": "2026-09-01",
                          "serial_number": "TAB-0007", "note": "Écran fêlé"})
    assert response.status_code == 302
    manager = signed_in(app, "direction.a")
    page = manager.get(f"/programme/suivi/{a}/equipement").get_data(as_text=True)
    assert "TAB-0007" in page and "À réparer" in page and "Écran fêlé" in page and "DEMO-PC-0001" in page
    assert "/modifier" not in page          # managers read the inventory; coordinators keep it
    assert manager.get(f"/programme/equipement/{item_id}/modifier").status_code == 403
    assert post_form(manager, url, {"kind": "laptop", "state": "new", "delivered_on": "2026-01-01"},
                     form_url="/tableau-de-bord").status_code == 403


def test_a_manager_requests_and_the_coordinators_answer(app, portal, demo):
    a = demo["associations"]["a"]
    manager = portal.login_as("direction.a")
    url = f"/programme/suivi/{a}/demandes"
    response = post_form(manager, url, {"need": "", "quantity": "0", "justification": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Dites de quel matériel" in page and "Entre 1 et 50." in page and "Expliquez pourquoi" in page
    response = post_form(manager, url, {"need": "Des webcams", "quantity": "beaucoup", "justification": "Visio"})
    page = response.get_data(as_text=True)
    assert "Indiquez un nombre entier" in page and 'value="Des webcams"' in page and "Visio" in page
    response = post_form(manager, url, {"need": "Des webcams", "quantity": "4",
                                        "justification": "Pour les rendez-vous en visio avec la CAF."})
    assert response.status_code == 302
    request_id = request_ids(app, a)["Des webcams"]
    assert notified(app, "programme.equipment") == {demo["users"]["coordination"]}
    # Still new: the manager may change it.
    response = post_form(manager, f"/programme/demandes/{request_id}/modifier",
                         {"need": "Des webcams", "quantity": "6", "justification": "Six postes."})
    assert response.status_code == 302
    coordinator = signed_in(app, "coordination")
    page = coordinator.get("/programme/equipement/?status=new").get_data(as_text=True)
    assert "Des webcams" in page and "Grand Parc Connecté" in page
    answer = f"/programme/demandes/{request_id}/reponse"
    response = post_form(coordinator, answer, {"status": "declined", "answer": ""},
                         form_url=f"/programme/demandes/{request_id}")
    assert "Dites à l" in response.get_data(as_text=True) and "pourquoi la demande est refusée." in \
        response.get_data(as_text=True)
    response = post_form(coordinator, answer, {"status": "delivered"}, form_url=f"/programme/demandes/{request_id}")
    assert "Choisissez une des options proposées." in response.get_data(as_text=True)   # accepted first
    response = post_form(coordinator, answer, {"status": "accepted", "answer": "Livraison en octobre."},
                         form_url=f"/programme/demandes/{request_id}")
    assert response.status_code == 302
    assert demo["users"]["direction.a"] in notified(app, "programme.equipment")
    page = manager.get(f"/programme/demandes/{request_id}").get_data(as_text=True)
    assert "Acceptée" in page and "Livraison en octobre." in page and "Modifier la demande" not in page
    assert manager.get(f"/programme/demandes/{request_id}/modifier").status_code == 403
    response = post_form(coordinator, answer, {"status": "delivered"}, form_url=f"/programme/demandes/{request_id}")
    assert response.status_code == 302
    assert post_form(coordinator, answer, {"status": "declined", "answer": "Trop tard"},
                     form_url="/tableau-de-bord").status_code == 404      # delivered: nothing more to answer
    assert manager.get(f"/programme/suivi/{a}/demandes").get_data(as_text=True).count("Livrée") >= 1


def test_equipment_is_for_the_associations_managers_only(app, portal, demo):
    from plugins.programme.models import ProgrammeEquipmentRequest

    a, b = demo["associations"]["a"], demo["associations"]["b"]
    other = signed_in(app, "direction.b")
    assert post_form(other, f"/programme/suivi/{b}/demandes", {"need": "Un routeur", "quantity": "1",
                                                              "justification": "La box ne suffit plus."}).status_code == 302
    b_request = request_ids(app, b)["Un routeur"]
    client = portal.login_as("direction.a")
    assert client.get(f"/programme/suivi/{b}/equipement").status_code == 404
    assert client.get(f"/programme/suivi/{b}/demandes").status_code == 404
    assert client.get(f"/programme/demandes/{b_request}").status_code == 404
    assert client.get(f"/programme/demandes/{b_request}/modifier").status_code == 404
    assert post_form(client, f"/programme/demandes/{b_request}/modifier",
                     {"need": "Autre", "quantity": "50", "justification": "x"}, form_url="/tableau-de-bord").status_code == 404
    assert post_form(client, f"/programme/suivi/{b}/demandes", {"need": "Pour B", "quantity": "1", "justification": "x"},
                     form_url="/tableau-de-bord").status_code == 404
    assert post_form(client, f"/programme/demandes/{b_request}/reponse", {"status": "accepted"},
                     form_url="/tableau-de-bord").status_code == 403
    with app.app_context():
        row = db.session.get(ProgrammeEquipmentRequest, b_request)
        assert (row.need, row.quantity, row.status) == ("Un routeur", 1, "new")
        assert db.session.scalar(select(func.count()).select_from(ProgrammeEquipmentRequest).where(
            ProgrammeEquipmentRequest.need == "Pour B")) == 0
    mediator = signed_in(app, "mediation.a")
    assert mediator.get(f"/programme/suivi/{a}/equipement").status_code == 404
    assert mediator.get(f"/programme/suivi/{a}/demandes").status_code == 404
    assert client.get("/programme/equipement/").status_code == 403


def test_the_report_counts_equipment_delivered(app, demo):
    from plugins.programme.models import ProgrammeEquipment
    from plugins.programme.services import programme_figures

    a = demo["associations"]["a"]
    with app.app_context():
        db.session.add_all([ProgrammeEquipment(association_id=a, kind="laptop", delivered_on=date(2019, 3, day))
                            for day in (1, 2, 3)])
        db.session.add(ProgrammeEquipment(association_id=a, kind="laptop", delivered_on=date(2020, 1, 1)))
        db.session.commit()
        with app.test_request_context():
            figures = {f.key: f.value for f in programme_figures([a], date(2019, 1, 1), date(2020, 1, 1))}
    assert figures["programme.equipment_delivered"] == 3     # the end is excluded
