"""Sweep declarations of the programme plugin (see ``tests/access_matrix.py``)."""

from __future__ import annotations

import io
from datetime import date, timedelta

from access_matrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, REDIRECT, Route, expect
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from qn_portal.extensions import db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def coordinators(outcome: str) -> dict[str, str]:
    return expect(FORBIDDEN, anonymous=LOGIN, coordinator=outcome, admin=outcome)


def binome_keepers(outcome: str) -> dict[str, str]:
    """A's binôme: its managers and coordinators keep it; its mediator reads it only; partners never see it."""
    return expect(outcome, anonymous=LOGIN, partner=NOT_FOUND, mediator=FORBIDDEN)


def equipment_readers(outcome: str) -> dict[str, str]:
    """A's equipment and requests: its managers and coordinators; to anyone else they do not exist."""
    return expect(outcome, anonymous=LOGIN, partner=NOT_FOUND, mediator=NOT_FOUND)


def application_url(suffix: str = ""):
    return lambda ctx: f"/programme/candidatures/{ctx['programme_draft_a']}{suffix}"


ROUTES = [
    Route("programme.static", "GET", "/programme/static/programme.css", expect(OK, anonymous=LOGIN)),
    Route("programme.index", "GET", "/programme/", expect(OK, anonymous=LOGIN, partner=FORBIDDEN)),
    Route("programme.index_csv", "GET", "/programme/export.csv", expect(OK, anonymous=LOGIN, partner=FORBIDDEN)),
    Route("programme.create_call", "GET", "/programme/appels/nouveau", coordinators(OK)),
    Route("programme.create_call", "POST", "/programme/appels/nouveau", coordinators(OK),
          data=lambda ctx: {"title": ""}),
    Route("programme.edit_call", "GET", lambda ctx: f"/programme/appels/{ctx['programme_call_2021']}/modifier",
          coordinators(OK)),
    Route("programme.edit_call", "POST", lambda ctx: f"/programme/appels/{ctx['programme_call_2021']}/modifier",
          coordinators(OK), data=lambda ctx: {"title": ""}),
    Route("programme.call", "GET", lambda ctx: f"/programme/appels/{ctx['programme_call_2021']}?status=submitted",
          expect(OK, anonymous=LOGIN, partner=FORBIDDEN)),
    Route("programme.apply", "POST", lambda ctx: f"/programme/appels/{ctx['programme_open_call']}/candidater",
          expect(FORBIDDEN, anonymous=LOGIN, manager=REDIRECT, admin=REDIRECT)),
    Route("programme.compare", "GET",
          lambda ctx: f"/programme/appels/{ctx['programme_call_2021']}/comparer?ids={ctx['programme_submitted']}",
          coordinators(OK)),
    Route("programme.application", "GET", application_url(),
          expect(OK, anonymous=LOGIN, partner=NOT_FOUND)),
    Route("programme.edit_application", "GET", application_url("/modifier"),
          expect(FORBIDDEN, anonymous=LOGIN, partner=NOT_FOUND, manager=OK, admin=OK)),
    Route("programme.edit_application", "POST", application_url("/modifier"),
          expect(FORBIDDEN, anonymous=LOGIN, partner=NOT_FOUND, manager=OK, admin=OK),
          data=lambda ctx: {"mediation_hours": "vingt", "action": "save"}),
    Route("programme.review", "POST", lambda ctx: f"/programme/candidatures/{ctx['programme_submitted']}/evaluation",
          coordinators(REDIRECT), data=lambda ctx: {}),
    Route("programme.decide", "POST", lambda ctx: f"/programme/candidatures/{ctx['programme_submitted']}/decision",
          coordinators(OK), data=lambda ctx: {"status": ""}),
    Route("programme.followups", "GET", "/programme/suivi/", coordinators(OK)),
    Route("programme.followups_csv", "GET", "/programme/suivi/export.csv", coordinators(OK)),
    Route("programme.call_csv", "GET", lambda ctx: f"/programme/appels/{ctx['programme_call_2021']}/export.csv?status=submitted",
          coordinators(OK)),
    Route("programme.follow", "GET", lambda ctx: f"/programme/suivi/{ctx['associations']['a']}",
          expect(OK, anonymous=LOGIN, partner=NOT_FOUND)),
    Route("programme.update_milestone", "POST", lambda ctx: f"/programme/jalons/{ctx['programme_milestone_a']}",
          expect(REDIRECT, anonymous=LOGIN, partner=NOT_FOUND, mediator=FORBIDDEN),
          data=lambda ctx: {"done_on": "pas une date"}),
    Route("programme.add_visit", "POST", lambda ctx: f"/programme/suivi/{ctx['associations']['a']}/visites",
          coordinators(OK), data=lambda ctx: {"summary": ""}),
    Route("programme.report", "GET", "/programme/rapport?cohort=2024&start=2026-01-01&end=2027-01-01",
          coordinators(OK)),
    Route("programme.report_csv", "GET", "/programme/rapport.csv?cohort=2024", coordinators(OK)),
    # --- the binôme ---
    Route("programme.binome_page", "GET", lambda ctx: f"/programme/suivi/{ctx['associations']['a']}/binome",
          expect(OK, anonymous=LOGIN, partner=NOT_FOUND)),
    Route("programme.add_binome_member", "GET",
          lambda ctx: f"/programme/suivi/{ctx['associations']['a']}/binome/ajouter", binome_keepers(OK)),
    Route("programme.add_binome_member", "POST",
          lambda ctx: f"/programme/suivi/{ctx['associations']['a']}/binome/ajouter", binome_keepers(OK),
          data=lambda ctx: {"person": "", "training_title": ""}),
    Route("programme.edit_binome_member", "GET", lambda ctx: f"/programme/binome/{ctx['programme_member_a']}/modifier",
          binome_keepers(OK)),
    Route("programme.edit_binome_member", "POST", lambda ctx: f"/programme/binome/{ctx['programme_member_a']}/modifier",
          binome_keepers(OK), data=lambda ctx: {"training_title": "", "starts_on": "hier"}),
    Route("programme.delete_binome_member", "POST",
          lambda ctx: f"/programme/binome/{ctx['programme_member_a_spare']}/supprimer", binome_keepers(REDIRECT)),
    Route("programme.upload_certificate", "POST",
          lambda ctx: f"/programme/binome/{ctx['programme_member_a']}/attestations", binome_keepers(OK)),
    Route("programme.delete_certificate", "POST",
          lambda ctx: f"/programme/attestations/{ctx['programme_certificate_a_spare']}/supprimer",
          binome_keepers(REDIRECT)),
    # --- equipment ---
    Route("programme.equipment_page", "GET", lambda ctx: f"/programme/suivi/{ctx['associations']['a']}/equipement",
          equipment_readers(OK)),
    Route("programme.equipment_csv", "GET",
          lambda ctx: f"/programme/suivi/{ctx['associations']['a']}/equipement/export.csv", equipment_readers(OK)),
    Route("programme.equipment_requests_csv", "GET",
          lambda ctx: f"/programme/suivi/{ctx['associations']['a']}/demandes/export.csv", equipment_readers(OK)),
    Route("programme.add_equipment", "GET",
          lambda ctx: f"/programme/suivi/{ctx['associations']['a']}/equipement/ajouter", coordinators(OK)),
    Route("programme.add_equipment", "POST",
          lambda ctx: f"/programme/suivi/{ctx['associations']['a']}/equipement/ajouter", coordinators(OK),
          data=lambda ctx: {"kind": "", "delivered_on": ""}),
    Route("programme.edit_equipment", "GET", lambda ctx: f"/programme/equipement/{ctx['programme_item_a']}/modifier",
          coordinators(OK)),
    Route("programme.edit_equipment", "POST", lambda ctx: f"/programme/equipement/{ctx['programme_item_a']}/modifier",
          coordinators(OK), data=lambda ctx: {"kind": "laptop", "delivered_on": "demain", "state": "good"}),
    Route("programme.equipment_requests", "GET", lambda ctx: f"/programme/suivi/{ctx['associations']['a']}/demandes",
          equipment_readers(OK)),
    Route("programme.equipment_requests", "POST", lambda ctx: f"/programme/suivi/{ctx['associations']['a']}/demandes",
          equipment_readers(OK), data=lambda ctx: {"need": "", "quantity": "0"}),
    Route("programme.equipment_request", "GET", lambda ctx: f"/programme/demandes/{ctx['programme_request_a']}",
          equipment_readers(OK)),
    Route("programme.edit_equipment_request", "GET",
          lambda ctx: f"/programme/demandes/{ctx['programme_request_a']}/modifier", equipment_readers(OK)),
    Route("programme.edit_equipment_request", "POST",
          lambda ctx: f"/programme/demandes/{ctx['programme_request_a']}/modifier", equipment_readers(OK),
          data=lambda ctx: {"need": "", "quantity": "cent"}),
    Route("programme.answer_equipment_request", "POST",
          lambda ctx: f"/programme/demandes/{ctx['programme_request_a']}/reponse", coordinators(OK),
          data=lambda ctx: {"status": "livree"}),
    Route("programme.equipment_overview", "GET", "/programme/equipement/?status=new", coordinators(OK)),
    Route("programme.equipment_overview_csv", "GET", "/programme/equipement/export.csv?status=new", coordinators(OK)),
    # --- funders ---
    Route("programme.funders", "GET", "/programme/financeurs/", coordinators(OK)),
    Route("programme.funders_csv", "GET", "/programme/financeurs/export.csv", coordinators(OK)),
    Route("programme.create_funder", "GET", "/programme/financeurs/nouveau", coordinators(OK)),
    Route("programme.create_funder", "POST", "/programme/financeurs/nouveau", coordinators(OK),
          data=lambda ctx: {"name": ""}),
    Route("programme.edit_funder", "GET", lambda ctx: f"/programme/financeurs/{ctx['programme_funder']}/modifier",
          coordinators(OK)),
    Route("programme.edit_funder", "POST", lambda ctx: f"/programme/financeurs/{ctx['programme_funder']}/modifier",
          coordinators(OK), data=lambda ctx: {"name": "", "associations": "abc"}),
    Route("programme.delete_funder", "POST",
          lambda ctx: f"/programme/financeurs/{ctx['programme_funder_spare']}/supprimer", coordinators(REDIRECT)),
]

CROSS_ASSOCIATION = [
    ("B's inventory, as CSV", "GET", lambda ctx: f"/programme/suivi/{ctx['associations']['b']}/equipement/export.csv"),
    ("B's equipment requests, as CSV", "GET",
     lambda ctx: f"/programme/suivi/{ctx['associations']['b']}/demandes/export.csv"),
    ("another association's application", "GET", lambda ctx: f"/programme/candidatures/{ctx['programme_draft_h']}"),
    ("another association's application form", "GET",
     lambda ctx: f"/programme/candidatures/{ctx['programme_draft_h']}/modifier"),
    ("another association's application, saved", "POST",
     lambda ctx: f"/programme/candidatures/{ctx['programme_draft_h']}/modifier",
     lambda ctx: {"action": "save", "mediation_hours": "40"}),
    ("B's timeline", "GET", lambda ctx: f"/programme/suivi/{ctx['associations']['b']}"),
    ("a milestone of B", "POST", lambda ctx: f"/programme/jalons/{ctx['programme_milestone_b']}",
     lambda ctx: {"done_on": "2026-01-01"}),
    ("B's binôme", "GET", lambda ctx: f"/programme/suivi/{ctx['associations']['b']}/binome"),
    ("a médiateur added to B's binôme", "POST", lambda ctx: f"/programme/suivi/{ctx['associations']['b']}/binome/ajouter",
     lambda ctx: {"person": "none", "name": "Intrus", "organisation": "sesame", "training_title": "X",
                  "starts_on": "2026-01-01", "completion": "completed", "ends_on": "2026-02-01"}),
    ("B's médiateur, form", "GET", lambda ctx: f"/programme/binome/{ctx['programme_member_b']}/modifier"),
    ("B's médiateur, saved", "POST", lambda ctx: f"/programme/binome/{ctx['programme_member_b']}/modifier",
     lambda ctx: {"person": "none", "name": "Intrus", "organisation": "sesame", "training_title": "X",
                  "starts_on": "2026-01-01", "completion": "in_progress"}),
    ("B's médiateur, removed", "POST", lambda ctx: f"/programme/binome/{ctx['programme_member_b']}/supprimer"),
    ("a certificate added to B's médiateur", "POST",
     lambda ctx: f"/programme/binome/{ctx['programme_member_b']}/attestations"),
    ("B's certificate, removed", "POST",
     lambda ctx: f"/programme/attestations/{ctx['programme_certificate_b']}/supprimer"),
    ("B's certificate, downloaded", "GET", lambda ctx: f"/fichiers/{ctx['programme_certificate_b_key']}"),
    ("B's equipment", "GET", lambda ctx: f"/programme/suivi/{ctx['associations']['b']}/equipement"),
    ("B's equipment requests", "GET", lambda ctx: f"/programme/suivi/{ctx['associations']['b']}/demandes"),
    ("a request made for B", "POST", lambda ctx: f"/programme/suivi/{ctx['associations']['b']}/demandes",
     lambda ctx: {"need": "Un ordinateur", "quantity": "1", "justification": "Pour voir"}),
    ("B's request", "GET", lambda ctx: f"/programme/demandes/{ctx['programme_request_b']}"),
    ("B's request, form", "GET", lambda ctx: f"/programme/demandes/{ctx['programme_request_b']}/modifier"),
    ("B's request, saved", "POST", lambda ctx: f"/programme/demandes/{ctx['programme_request_b']}/modifier",
     lambda ctx: {"need": "Autre chose", "quantity": "50", "justification": "Pour voir"}),
]

LIST_PAGES = ["/programme/export.csv", "/programme/suivi/export.csv", "/programme/equipement/export.csv", "/programme/financeurs/export.csv",
              lambda ctx: f"/programme/appels/{ctx['programme_call_2021']}/export.csv",
              lambda ctx: f"/programme/suivi/{ctx['associations']['a']}/equipement/export.csv",
              lambda ctx: f"/programme/suivi/{ctx['associations']['a']}/demandes/export.csv",
              "/programme/", "/programme/suivi/", "/programme/equipement/", "/programme/financeurs/",
              lambda ctx: f"/programme/appels/{ctx['programme_call_2021']}",
              lambda ctx: f"/programme/suivi/{ctx['associations']['a']}",
              lambda ctx: f"/programme/suivi/{ctx['associations']['a']}/binome",
              lambda ctx: f"/programme/suivi/{ctx['associations']['a']}/equipement",
              lambda ctx: f"/programme/suivi/{ctx['associations']['a']}/demandes",
              lambda ctx: f"/programme/rapport?funder={ctx['programme_funder']}"]


def certificate(member, name: str = "attestation.pdf"):
    """A certificate of ``member``: a PDF through the core's storage, as an upload would store it."""
    from plugins.programme.models import ProgrammeCertificate
    from qn_portal.storage import save_upload

    stored = save_upload(FileStorage(io.BytesIO(PDF), filename=name), plugin="programme", kinds=("pdf",),
                         association_id=member.association_id)
    row = ProgrammeCertificate(member_id=member.id, association_id=member.association_id, file_key=stored.key,
                               name=stored.original_name, content_type=stored.content_type, size=stored.size)
    db.session.add(row)
    db.session.flush()
    return row


def binome_objects(ctx) -> dict:
    """A's médiateurs (one to keep, one to remove) and B's, certificates, equipment, requests and funders."""
    from plugins.programme.models import (
        ProgrammeBinomeMember,
        ProgrammeEquipment,
        ProgrammeEquipmentRequest,
        ProgrammeFunder,
    )
    from qn_portal.associations.models import Association

    def member(key, name):
        row = ProgrammeBinomeMember(association_id=ctx["associations"][key], name=name, organisation="sesame",
                                    training_title="Parcours médiateur numérique", starts_on=date(2026, 1, 5))
        db.session.add(row)
        db.session.flush()
        return row

    member_a, spare_a, member_b = member("a", "Léa Sweep"), member("a", "Léo Sweep"), member("b", "Bao Sweep")
    certificate(member_a), certificate(spare_a)
    spare_certificate, certificate_b = certificate(member_a, "deuxieme.pdf"), certificate(member_b)
    item = ProgrammeEquipment(association_id=ctx["associations"]["a"], kind="laptop", delivered_on=date(2026, 1, 5))
    requests = [ProgrammeEquipmentRequest(association_id=ctx["associations"][key], need="Un ordinateur", quantity=1,
                                          justification="Pour les ateliers") for key in ("a", "b")]
    association_a = db.session.get(Association, ctx["associations"]["a"])
    funders = [ProgrammeFunder(name="Financeur sweep", associations=[association_a]),
               ProgrammeFunder(name="Financeur à supprimer", cohort=2021)]
    db.session.add_all([item, *requests, *funders])
    db.session.flush()
    return {"programme_member_a": member_a.id, "programme_member_a_spare": spare_a.id,
            "programme_member_b": member_b.id, "programme_certificate_a_spare": spare_certificate.id,
            "programme_certificate_b": certificate_b.id, "programme_certificate_b_key": certificate_b.file_key,
            "programme_item_a": item.id, "programme_request_a": requests[0].id, "programme_request_b": requests[1].id,
            "programme_funder": funders[0].id, "programme_funder_spare": funders[1].id}


def context(app, ctx) -> dict:
    from plugins.programme.models import ProgrammeApplication, ProgrammeCall, ProgrammeMilestone
    from plugins.programme.services import create_timeline

    with app.app_context():
        call_2021 = db.session.scalar(select(ProgrammeCall.id).where(ProgrammeCall.cohort == 2021))
        open_call = db.session.scalar(select(ProgrammeCall.id).where(ProgrammeCall.cohort != 2021).limit(1))
        draft_a = ProgrammeApplication(call_id=open_call, association_id=ctx["associations"]["a"], status="draft",
                                       organisation_name="Grand Parc Connecté", created_by_id=ctx["users"]["direction.a"])
        db.session.add(draft_a)
        create_timeline(ctx["associations"]["b"], 2025, date.today() - timedelta(days=60))
        objects = binome_objects(ctx)
        db.session.commit()
        return {
            **objects,
            "programme_call_2021": call_2021, "programme_open_call": open_call, "programme_draft_a": draft_a.id,
            "programme_draft_h": db.session.scalar(select(ProgrammeApplication.id).where(
                ProgrammeApplication.association_id == ctx["associations"]["h"])),
            "programme_submitted": db.session.scalar(select(ProgrammeApplication.id).where(
                ProgrammeApplication.call_id == call_2021, ProgrammeApplication.status == "submitted").limit(1)),
            "programme_milestone_a": db.session.scalar(select(ProgrammeMilestone.id).where(
                ProgrammeMilestone.association_id == ctx["associations"]["a"]).limit(1)),
            "programme_milestone_b": db.session.scalar(select(ProgrammeMilestone.id).where(
                ProgrammeMilestone.association_id == ctx["associations"]["b"]).limit(1)),
        }


def add_rows(app, ctx, count: int, offset: int) -> None:
    from plugins.programme.models import (
        ProgrammeApplication,
        ProgrammeBinomeMember,
        ProgrammeCall,
        ProgrammeEquipment,
        ProgrammeEquipmentRequest,
        ProgrammeFunder,
        ProgrammeMilestone,
        ProgrammeReview,
        ProgrammeVisit,
    )
    from qn_portal.associations.models import Association

    with app.app_context():
        today = date.today()
        for i in range(offset, offset + count):
            association = Association(name=f"Candidate {i}", slug=f"programme-candidate-{i}", commune="Cenon",
                                      cohort=2021, status="year1")
            call = ProgrammeCall(title=f"Appel {i}", cohort=2030 + i, opens_on=today, closes_on=today)
            db.session.add_all([association, call])
            db.session.flush()
            application = ProgrammeApplication(call_id=ctx["programme_call_2021"], association_id=association.id,
                                               status="submitted", organisation_name=association.name,
                                               eligible=i % 2 == 0)
            db.session.add(application)
            db.session.flush()
            db.session.add_all([
                ProgrammeReview(application_id=application.id, reviewer_id=ctx["users"]["coordination"],
                                criterion="hours", score=2),
                ProgrammeMilestone(association_id=association.id, cohort=2021, kind="charte",
                                   due_on=today - timedelta(days=10 + i)),
                ProgrammeMilestone(association_id=ctx["associations"]["a"], cohort=3000 + i, kind="charte",
                                   due_on=today - timedelta(days=10 + i)),
                ProgrammeVisit(association_id=ctx["associations"]["a"], happened_on=today, summary=f"Visite {i}"),
                ProgrammeBinomeMember(association_id=association.id, name=f"Médiateur {i}", training_title="Parcours",
                                      starts_on=today, completion="completed" if i % 2 else "in_progress",
                                      ends_on=today if i % 2 else None),
                ProgrammeEquipment(association_id=ctx["associations"]["a"], kind="tablet", delivered_on=today,
                                   serial_number=f"SN-{i}"),
                *[ProgrammeEquipmentRequest(association_id=key, need=f"Besoin {i}", quantity=1, justification="x",
                                            status=("new", "accepted", "declined", "delivered")[i % 4])
                  for key in (ctx["associations"]["a"], association.id)],
                ProgrammeFunder(name=f"Financeur {i}", cohort=2021,
                                associations=[association, db.session.get(Association, ctx["associations"]["a"])]),
            ])
        db.session.commit()


def store_payload(client, token, payload, ctx) -> list[str]:
    from conftest import CSRF_RE

    def token_of(path):
        return CSRF_RE.search(client.get(path).get_data(as_text=True)).group(1)

    client.post("/programme/appels/nouveau", data={
        "csrf_token": token, "title": payload[:200], "cohort": "2029", "opens_on": "2026-01-01",
        "closes_on": "2030-01-01", "charter": payload})
    # The admin applies as a person without an association: the organisation's name is theirs to type.
    location = client.post(f"/programme/appels/{ctx['programme_open_call']}/candidater",
                           data={"csrf_token": token}).headers.get("Location", "")
    application_id = location.rstrip("/").split("/")[-2] if "/modifier" in location else None
    pages = ["/programme/", f"/programme/appels/{ctx['programme_call_2021']}", "/programme/suivi/",
             f"/programme/suivi/{ctx['associations']['a']}", "/tableau-de-bord"]
    if application_id:
        edit = f"/programme/candidatures/{application_id}/modifier"
        client.post(edit, data={"csrf_token": token_of(edit), "organisation_name": payload[:200],
                                "commune": "Bordeaux", "neighbourhood_id": "none", "mediation_hours": "4",
                                "other_people": payload, "training_project": payload,
                                "referring_partners": payload, "explanation": payload, "action": "save"})
        pages += [f"/programme/candidatures/{application_id}", edit]
    submitted = f"/programme/candidatures/{ctx['programme_submitted']}"
    client.post(f"{submitted}/evaluation", data={"csrf_token": token, "score_hours": "1",
                                                 "comment_hours": payload})
    client.post(f"{submitted}/decision", data={"csrf_token": token, "status": "under_review", "note": payload})
    client.post(f"/programme/suivi/{ctx['associations']['a']}/visites", data={
        "csrf_token": token, "happened_on": "2026-01-05", "kind": "visit", "summary": payload, "next_steps": payload})
    client.post(f"/programme/jalons/{ctx['programme_milestone_a']}", data={"csrf_token": token, "done_on": "",
                                                                          "note": payload[:500]})
    a = ctx["associations"]["a"]
    client.post(f"/programme/suivi/{a}/binome/ajouter", data={
        "csrf_token": token, "person": "none", "name": payload[:200], "organisation": "other",
        "organisation_name": payload[:200], "training_title": payload[:200], "starts_on": "2026-01-05",
        "completion": "in_progress"})
    client.post(f"/programme/binome/{ctx['programme_member_a']}/attestations", data={
        "csrf_token": token, f"m{ctx['programme_member_a']}-file": (io.BytesIO(PDF), f"{payload[:100]}.pdf")},
        content_type="multipart/form-data")
    client.post(f"/programme/suivi/{a}/equipement/ajouter", data={
        "csrf_token": token, "kind": "laptop", "description": payload[:200], "serial_number": payload[:100],
        "delivered_on": "2026-01-05", "state": "good", "note": payload[:500]})
    client.post(f"/programme/suivi/{a}/demandes", data={"csrf_token": token, "need": payload[:200], "quantity": "2",
                                                        "justification": payload})
    client.post(f"/programme/demandes/{ctx['programme_request_a']}/reponse", data={
        "csrf_token": token, "status": "accepted", "answer": payload[:2000]})
    client.post(f"/programme/financeurs/{ctx['programme_funder']}/modifier", data={
        "csrf_token": token, "name": payload[:200], "associations": str(a)})
    return pages + [submitted, f"/programme/appels/{ctx['programme_call_2021']}/comparer?ids={ctx['programme_submitted']}",
                    f"/programme/suivi/{a}/binome", f"/programme/suivi/{a}/equipement", f"/programme/suivi/{a}/demandes",
                    f"/programme/demandes/{ctx['programme_request_a']}", "/programme/equipement/",
                    "/programme/financeurs/", f"/programme/rapport?funder={ctx['programme_funder']}",
                    f"/associations/{ctx['slugs']['a']}"]
