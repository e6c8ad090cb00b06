"""Attendance sheet, activity records, figures page and CSV, and the report_figures hook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import login, post_form
from sqlalchemy import select

from plugins.ateliers import services
from plugins.ateliers.models import CONFIRMED, ActivityRecord, Registration, Session
from qn_portal.api import collect_figures, db, utcnow


def past_session_of_a(app, demo):
    with app.app_context():
        return db.session.scalar(select(Session).where(Session.association_id == demo["associations"]["a"],
                                                       Session.ends_at < utcnow(),
                                                       Session.attendance_taken.is_(True))
                                 .order_by(Session.starts_at.desc()).limit(1)).id


def future_session_of_a(app, demo):
    with app.app_context():
        return db.session.scalar(select(Session.id).where(Session.association_id == demo["associations"]["a"],
                                                          Session.starts_at > utcnow()).limit(1))


def test_attendance_sheet_makes_the_activity_record(app, demo, portal):
    session_id = past_session_of_a(app, demo)
    client = portal.login_as("mediation.a")
    page = client.get(f"/ateliers/seances/{session_id}/emargement")
    assert page.status_code == 200
    printable = client.get(f"/ateliers/seances/{session_id}/emargement?imprimer=1").get_data(as_text=True)
    assert "Signature" in printable and "<nav" not in printable
    with app.app_context():
        confirmed = db.session.scalars(select(Registration.id).where(Registration.session_id == session_id,
                                                                     Registration.status == CONFIRMED)).all()
    assert len(confirmed) >= 3
    response = post_form(client, f"/ateliers/seances/{session_id}/emargement",
                         {"present": [str(confirmed[0]), str(confirmed[1]), "abc", "999999"]})
    assert response.status_code == 302
    with app.app_context():
        record = db.session.scalar(select(ActivityRecord).where(ActivityRecord.session_id == session_id))
        assert (record.participants, record.no_shows, record.kind) == (2, len(confirmed) - 2, "collectif")
        assert record.duration_minutes > 0 and record.themes and record.level in ("debutant", "intermediaire")
        assert db.session.scalars(select(ActivityRecord.id).where(ActivityRecord.session_id == session_id)).all() \
            == [record.id]


def test_attendance_refused_before_the_session_and_to_others(app, demo, portal):
    session_id = future_session_of_a(app, demo)
    client = portal.login_as("mediation.a")
    response = post_form(client, f"/ateliers/seances/{session_id}/emargement", {"present": []})
    assert response.status_code == 400 and "une fois la séance commencée" in response.get_data(as_text=True)
    for key in ("coordination", "mediation.b", "partenaire"):
        other = portal.new_client()
        login(other, f"{key}@example.org")
        assert other.get(f"/ateliers/seances/{session_id}/emargement").status_code == 403


def test_figures_page_csv_and_hook(app, demo, portal):
    client = portal.login_as("direction.a")
    with app.app_context():
        year = services.local(db.session.get(Session, past_session_of_a(app, demo)).starts_at).year
    page = client.get(f"/ateliers/chiffres?annee={year}")
    assert page.status_code == 200 and "Grand Parc" in page.get_data(as_text=True)
    csv = client.get(f"/ateliers/chiffres.csv?annee={year}")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    body = csv.get_data()
    # The portal's one CSV format: a BOM, then ";"-separated cells.
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text.startswith("Mois;Association;Séances tenues")
    # A's manager sees only A's figures.
    assert "Grand Parc" in text and len(text.strip().splitlines()) >= 2
    with app.app_context():
        b_name = db.session.execute(select(services.Association.name)
                                    .where(services.Association.id == demo["associations"]["b"])).scalar()
    assert b_name not in text
    assert client.get("/ateliers/chiffres?annee=1800").status_code == 404
    assert client.get(f"/ateliers/chiffres?association={demo['associations']['b']}").status_code == 404
    partner = portal.new_client()
    login(partner, "partenaire@example.org")
    assert partner.get("/ateliers/chiffres").status_code == 403
    with app.test_request_context():
        start = datetime.now(UTC) - timedelta(days=60)
        figures = collect_figures([demo["associations"]["a"]], start, utcnow())
        by_key = {f.key: f.value for f in figures if f.key.startswith("ateliers.")}
        assert by_key["ateliers.sessions_held"] >= 3 and by_key["ateliers.hours_delivered"] > 0
        assert by_key["ateliers.participants"] >= 1 and 0 < by_key["ateliers.attendance_rate"] <= 100
        assert all(f.association_id == demo["associations"]["a"] for f in figures if f.key.startswith("ateliers."))
        everyone = collect_figures(None, start.date(), utcnow().date() + timedelta(days=1))
        assert {f.association_id for f in everyone if f.key == "ateliers.sessions_held"} >= {
            demo["associations"]["a"], demo["associations"]["b"]}
