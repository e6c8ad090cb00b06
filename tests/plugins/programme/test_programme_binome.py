"""The binôme: médiateurs and their training, bad input, certificates through the core's storage, alerts."""

from __future__ import annotations

import io
from datetime import date

from conftest import csrf_token, post_form, signed_in
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from qn_portal.api import db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# The first bytes of a Windows executable ("MZ") and of a Linux one (ELF): whatever the name says.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200


def members(app, association_id):
    from plugins.programme.models import ProgrammeBinomeMember

    with app.app_context():
        return {m.display_name: m.id for m in db.session.scalars(select(ProgrammeBinomeMember).where(
            ProgrammeBinomeMember.association_id == association_id))}


def member_data(**changes):
    data = {"person": "none", "name": "Sami Ouali", "organisation": "sesame", "organisation_name": "",
            "training_title": "Parcours médiateur numérique", "starts_on": "2026-03-02", "ends_on": "",
            "sessions_attended": "6", "completion": "in_progress"}
    data.update(changes)
    return data


def stored_files(app) -> int:
    from qn_portal.api import StoredFile

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(StoredFile).where(StoredFile.plugin == "programme"))


def upload(client, member_id, content: bytes | None, filename: str = ""):
    """Post a certificate the way the binôme page's form does (``None``: no file chosen)."""
    data = {"csrf_token": csrf_token(client, "/tableau-de-bord")}
    if content is not None:
        data[f"m{member_id}-file"] = FileStorage(io.BytesIO(content), filename=filename)
    # Encoded here, in memory: the test client would spool a large body into a temporary file it never closes.
    boundary, body = encode_multipart(data)
    return client.post(f"/programme/binome/{member_id}/attestations", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def download(client, key: str) -> int:
    """The status of a download; the response is closed (a file response holds the file open)."""
    response = client.get(f"/fichiers/{key}")
    response.get_data()
    response.close()
    return response.status_code


def test_a_manager_adds_a_person_without_an_account_and_a_member(app, portal, demo):
    a = demo["associations"]["a"]
    client = portal.login_as("direction.a")
    url = f"/programme/suivi/{a}/binome/ajouter"
    response = post_form(client, url, member_data())
    assert response.status_code == 302
    # Maëlle (mediation.a) is already in A's demo binôme: not twice.
    response = post_form(client, url, member_data(person=str(demo["users"]["mediation.a"])))
    assert "Cette personne est déjà dans le binôme." in response.get_data(as_text=True)
    response = post_form(client, url, member_data(person=str(demo["users"]["direction.a"]), name="ignoré"))
    assert response.status_code == 302
    found = members(app, a)
    assert "Sami Ouali" in found and "Dominique Direction" in found and "ignoré" not in found
    page = client.get(f"/programme/suivi/{a}/binome").get_data(as_text=True)
    assert "Sami Ouali" in page and "sans compte sur le portail" in page and "Parcours médiateur numérique" in page


def test_bad_input_is_explained_in_french_and_kept(app, portal, demo):
    a = demo["associations"]["a"]
    client = portal.login_as("direction.a")
    url = f"/programme/suivi/{a}/binome/ajouter"
    before = members(app, a)
    response = post_form(client, url, member_data(person="", training_title="", starts_on="", sessions_attended="six"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choisissez la personne" in page and "intitulé de la formation." in page
    assert "Indiquez la date de début de la formation." in page and "Indiquez un nombre entier" in page
    assert 'value="six"' in page and 'value="Sami Ouali"' in page
    response = post_form(client, url, member_data(name="", starts_on="2026-05-10", ends_on="2026-05-01",
                                                  organisation="other"))
    page = response.get_data(as_text=True)
    assert "Indiquez le nom de la personne sans compte." in page
    assert "La fin de la formation doit suivre son début." in page
    assert "organisme de formation." in page
    response = post_form(client, url, member_data(completion="completed", starts_on="2026-01-10", ends_on="le 3 mars"))
    page = response.get_data(as_text=True)
    assert "Indiquez une date, par exemple" in page and 'value="le 3 mars"' in page
    response = post_form(client, url, member_data(completion="completed"))
    assert "Indiquez la date de fin de la formation terminée." in response.get_data(as_text=True)
    response = post_form(client, url, member_data(organisation="cnam", completion="fini", sessions_attended="900"))
    page = response.get_data(as_text=True)
    assert page.count("Choisissez une des options proposées.") >= 2 and "Entre 0 et 500 séances." in page
    assert members(app, a) == before


def test_another_associations_member_cannot_be_named(app, portal, demo):
    a = demo["associations"]["a"]
    client = portal.login_as("direction.a")
    response = post_form(client, f"/programme/suivi/{a}/binome/ajouter",
                         member_data(person=str(demo["users"]["mediation.b"])))
    assert response.status_code == 200
    assert "Choisissez une des options proposées." in response.get_data(as_text=True)
    assert "Nadia Médiation" not in members(app, a)


def test_the_binome_trained_marks_its_milestone_and_ends_the_alerts(app, portal, demo):
    from plugins.programme.models import ProgrammeMilestone

    a = demo["associations"]["a"]
    coordinator = signed_in(app, "coordination")
    dashboard = coordinator.get("/tableau-de-bord").get_data(as_text=True)
    assert "Binômes pas encore formés" in dashboard and "Grand Parc Connecté</a> : 1 médiateur·ice formé·e sur 2" in dashboard
    followups = coordinator.get("/programme/suivi/").get_data(as_text=True)
    assert "Binômes pas encore formés" in followups
    assert "Grand Parc Connecté</a> : 1 médiateur·ice formé·e sur 2" in followups
    manager = portal.login_as("direction.a")
    assert "Binôme de médiation non formé" in manager.get(f"/programme/suivi/{a}").get_data(as_text=True)
    assert "Binôme de Grand Parc Connecté pas encore formé" in manager.get("/tableau-de-bord").get_data(as_text=True)
    assert "Binôme de médiation non formé" in manager.get(f"/associations/{demo['slugs']['a']}").get_data(as_text=True)
    karim = members(app, a)["Karim Benali"]
    response = post_form(manager, f"/programme/binome/{karim}/modifier",
                         member_data(name="Karim Benali", organisation="emmaus_connect", starts_on="2026-08-01",
                                     ends_on="2026-10-16", completion="completed"))
    assert response.status_code == 302
    with app.app_context():
        milestone = db.session.scalar(select(ProgrammeMilestone).where(ProgrammeMilestone.association_id == a,
                                                                       ProgrammeMilestone.kind == "binome"))
        assert milestone.done_on == date(2026, 10, 16)    # the later of the two ends
    assert "Binôme de médiation non formé" not in manager.get(f"/programme/suivi/{a}").get_data(as_text=True)
    assert "Grand Parc Connecté</a> : 1" not in coordinator.get("/tableau-de-bord").get_data(as_text=True)


def test_certificates_are_checked_by_content(app, portal, demo):
    a = demo["associations"]["a"]
    client = portal.login_as("direction.a")
    maelle = members(app, a)["Maëlle Médiation"]
    for content, name, message in [
        (EXE, "attestation.pdf", "est pas accepté."),        # an executable renamed .pdf
        (ELF, "attestation.png", "est pas accepté."),
        (PDF, "attestation.exe", "est pas accepté."),        # a PDF must be called .pdf
        (b"", "vide.pdf", "Le fichier est vide."),
        (None, "", "Choisissez un fichier."),
    ]:
        response = upload(client, maelle, content, name)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert message in page, name
        assert f'id="m{maelle}-file-error"' in page and 'class="error-summary"' in page, name
    assert stored_files(app) == 0
    response = upload(client, maelle, PDF, "Attestation Sésame.pdf")
    assert response.status_code == 302
    page = client.get(f"/programme/suivi/{a}/binome").get_data(as_text=True)
    assert "Attestation Sésame.pdf" in page and stored_files(app) == 1


def test_certificates_are_limited_to_5_mb(app, portal, demo):
    a = demo["associations"]["a"]
    client = portal.login_as("direction.a")
    maelle = members(app, a)["Maëlle Médiation"]
    limit = 5 * 1024 * 1024
    padding = b"0" * (limit - len(PDF))
    response = upload(client, maelle, PDF + padding + b"0", "trop-gros.pdf")
    assert response.status_code == 200
    assert "dépasse la taille maximale de 5 Mo" in response.get_data(as_text=True)
    assert stored_files(app) == 0
    assert upload(client, maelle, PDF + padding, "juste.pdf").status_code == 302
    assert stored_files(app) == 1


def test_images_lose_their_metadata(app, portal, demo):
    from PIL import Image

    from plugins.programme.models import ProgrammeCertificate
    from qn_portal.storage import file_path

    a = demo["associations"]["a"]
    client = portal.login_as("direction.a")
    maelle = members(app, a)["Maëlle Médiation"]
    exif = Image.Exif()
    exif[0x010F] = "Téléphone de quelqu'un"     # Make; a GPS block would be dropped the same way
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "JPEG", exif=exif.tobytes())
    assert b"Exif" in buffer.getvalue()
    assert upload(client, maelle, buffer.getvalue(), "scan.jpg").status_code == 302
    with app.app_context():
        key = db.session.scalar(select(ProgrammeCertificate.file_key))
        stored = file_path(key).read_bytes()
    assert stored.startswith(b"\xff\xd8") and b"Exif" not in stored


def test_certificate_downloads_are_checked(app, portal, demo):
    from plugins.programme.models import ProgrammeCertificate

    a = demo["associations"]["a"]
    manager = portal.login_as("direction.a")
    found = members(app, a)
    assert upload(manager, found["Maëlle Médiation"], PDF, "maelle.pdf").status_code == 302
    assert upload(manager, found["Karim Benali"], PDF, "karim.pdf").status_code == 302
    with app.app_context():
        keys = {c.name: c.file_key for c in db.session.scalars(select(ProgrammeCertificate))}
    assert download(manager, keys['maelle.pdf']) == 200
    assert download(signed_in(app, "coordination"), keys['karim.pdf']) == 200
    mediator = signed_in(app, "mediation.a")       # Maëlle: her own certificate, not Karim's
    assert download(mediator, keys['maelle.pdf']) == 200
    assert download(mediator, keys['karim.pdf']) == 403
    page = mediator.get(f"/programme/suivi/{a}/binome").get_data(as_text=True)
    assert "karim.pdf" in page and f"/fichiers/{keys['karim.pdf']}" not in page
    for key in ("direction.b", "mediation.b", "partenaire"):
        assert signed_in(app, key).get(f"/fichiers/{keys['maelle.pdf']}").status_code == 403, key


def test_another_associations_binome_is_out_of_reach(app, portal, demo):
    from plugins.programme.models import ProgrammeBinomeMember, ProgrammeCertificate

    b = demo["associations"]["b"]
    other = signed_in(app, "direction.b")
    assert post_form(other, f"/programme/suivi/{b}/binome/ajouter", member_data(name="Bilal")).status_code == 302
    bilal = members(app, b)["Bilal"]
    assert upload(other, bilal, PDF, "b.pdf").status_code == 302
    with app.app_context():
        certificate = db.session.scalar(select(ProgrammeCertificate))
        certificate_id, key = certificate.id, certificate.file_key
    client = portal.login_as("direction.a")
    assert client.get(f"/programme/suivi/{b}/binome").status_code == 404
    assert client.get(f"/programme/binome/{bilal}/modifier").status_code == 404
    assert post_form(client, f"/programme/binome/{bilal}/modifier", member_data(name="Intrus"),
                     form_url="/tableau-de-bord").status_code == 404
    assert post_form(client, f"/programme/suivi/{b}/binome/ajouter", member_data(),
                     form_url="/tableau-de-bord").status_code == 404
    assert upload(client, bilal, PDF, "intrus.pdf").status_code == 404
    assert post_form(client, f"/programme/attestations/{certificate_id}/supprimer",
                     form_url="/tableau-de-bord").status_code == 404
    assert post_form(client, f"/programme/binome/{bilal}/supprimer", form_url="/tableau-de-bord").status_code == 404
    assert download(client, key) == 403
    with app.app_context():
        assert db.session.get(ProgrammeBinomeMember, bilal).name == "Bilal"
        assert db.session.scalar(select(func.count()).select_from(ProgrammeCertificate)) == 1
    # A's mediator reads A's binôme but does not change it.
    mediator = signed_in(app, "mediation.a")
    a = demo["associations"]["a"]
    assert mediator.get(f"/programme/suivi/{a}/binome").status_code == 200
    assert mediator.get(f"/programme/suivi/{a}/binome/ajouter").status_code == 403
    assert upload(mediator, members(app, a)["Karim Benali"], PDF, "x.pdf").status_code == 403


def test_removing_a_member_removes_their_files(app, portal, demo):
    from qn_portal.api import StoredFile
    from qn_portal.storage import file_path

    a = demo["associations"]["a"]
    client = portal.login_as("direction.a")
    karim = members(app, a)["Karim Benali"]
    assert upload(client, karim, PDF, "karim.pdf").status_code == 302
    with app.app_context():
        key = db.session.scalar(select(StoredFile.key).where(StoredFile.plugin == "programme"))
        path = file_path(key)
    assert path.is_file()
    response = post_form(client, f"/programme/binome/{karim}/supprimer", form_url=f"/programme/suivi/{a}/binome")
    assert response.status_code == 302
    assert "Karim Benali" not in members(app, a) and not path.exists() and stored_files(app) == 0


def test_the_binome_is_capped(app, portal, demo):
    a = demo["associations"]["a"]
    client = portal.login_as("coordination")
    for index in range(4):      # the demo has two: six in all
        assert post_form(client, f"/programme/suivi/{a}/binome/ajouter",
                         member_data(name=f"Personne {index}")).status_code == 302
    response = client.get(f"/programme/suivi/{a}/binome/ajouter", follow_redirects=True)
    assert "Le binôme compte déjà 6 personnes" in response.get_data(as_text=True)


def test_remind_sends_each_alert_once(app, demo, runner):
    from plugins.programme.models import ProgrammeMilestone
    from plugins.programme.services import today
    from qn_portal.notifications.models import Notification

    with app.app_context():
        milestone = db.session.scalar(select(ProgrammeMilestone).where(ProgrammeMilestone.kind == "end"))
        milestone.due_on = today()
        db.session.commit()

    def counts():
        with app.app_context():
            return dict(db.session.execute(select(Notification.kind, func.count()).where(
                Notification.kind.in_(("programme.milestone_due", "programme.binome_missing")))
                .group_by(Notification.kind)).all())

    result = runner.invoke(args=["programme", "remind"])
    assert result.exit_code == 0, result.output
    first = counts()
    # A's binôme milestone is late and one médiatrice of two is trained: A's manager and the coordinators hear.
    with app.app_context():
        recipients = set(db.session.scalars(select(Notification.user_id).where(
            Notification.kind == "programme.binome_missing")))
    assert recipients == {demo["users"]["direction.a"], demo["users"]["coordination"]}
    assert first["programme.milestone_due"] >= 1
    assert runner.invoke(args=["programme", "remind"]).exit_code == 0
    assert counts() == first


def test_a_member_who_left_the_association_stays_in_the_binome(app, portal, demo):
    from qn_portal.api import Membership

    a = demo["associations"]["a"]
    with app.app_context():
        db.session.execute(Membership.__table__.delete().where(Membership.user_id == demo["users"]["mediation.a"]))
        db.session.commit()
    client = portal.login_as("direction.a")
    maelle = members(app, a)["Maëlle Médiation"]
    page = client.get(f"/programme/binome/{maelle}/modifier").get_data(as_text=True)
    assert f'<option selected value="{demo["users"]["mediation.a"]}">Maëlle Médiation</option>' in page
    response = post_form(client, f"/programme/binome/{maelle}/modifier",
                         member_data(person=str(demo["users"]["mediation.a"]), starts_on="2025-01-06",
                                     ends_on="2025-04-11", completion="completed", sessions_attended="13"))
    assert response.status_code == 302
    assert "Maëlle Médiation" in members(app, a)
