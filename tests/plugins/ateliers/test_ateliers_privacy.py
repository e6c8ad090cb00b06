"""Residents' data: export and erasure in one command, retention anonymisation; figures survive."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from plugins.ateliers import services
from plugins.ateliers.models import Referral, Registration, Resident, Session
from qn_portal.api import db, utcnow
from qn_portal.audit.models import AuditEntry

NAME, PHONE = "Bérénice-Unique", "06 98 76 54 32"


def everything(app) -> str:
    """Every row of every table, as text: what erasure must leave no trace in."""
    with app.app_context():
        chunks = []
        for table in db.metadata.sorted_tables:
            chunks += [repr(tuple(row)) for row in db.session.execute(table.select())]
        return "\n".join(chunks)


def resident_with_history(app, demo):
    with app.app_context():
        past = db.session.scalars(select(Session).where(Session.association_id == demo["associations"]["a"],
                                                        Session.attendance_taken.is_(True))
                                  .order_by(Session.starts_at).limit(2)).all()
        resident = Resident(association_id=demo["associations"]["a"], first_name=NAME, phone=PHONE,
                            consent_at=utcnow())
        db.session.add(resident)
        db.session.flush()
        for session in past:
            db.session.add(Registration(session_id=session.id, resident_id=resident.id, status="confirmed"))
        db.session.flush()
        for session in past:
            db.session.refresh(session)
            services.save_attendance(session, {r.id for r in session.registrations if r.status == "confirmed"})
        db.session.add(Referral(session_id=past[0].id, association_id=resident.association_id,
                                partner_id=demo["users"]["partenaire"], first_name=NAME, phone=PHONE,
                                note=f"{NAME} a besoin d'aide", resident_id=resident.id, status="accepted"))
        db.session.commit()
        return resident.id


def figures_now(app, demo):
    with app.app_context():
        data = services.figures([demo["associations"]["a"]], datetime(2000, 1, 1, tzinfo=UTC),
                                utcnow() + timedelta(days=365))
        row = data[demo["associations"]["a"]]
        return {key: row[key] for key in ("sessions", "hours", "participants", "rate", "waitlisted")}


def test_export_then_erase_leaves_no_trace_but_figures_stay(app, demo, runner, tmp_path):
    resident_id = resident_with_history(app, demo)
    before = figures_now(app, demo)
    assert NAME in everything(app)
    target = tmp_path / "export.json"
    result = runner.invoke(args=["ateliers", "resident", str(resident_id), "--export", str(target), "--erase"])
    assert result.exit_code == 0, result.output
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert exported["first_name"] == NAME and exported["phone"] == PHONE
    assert len(exported["registrations"]) == 2 and exported["referrals"]
    dump = everything(app)
    assert NAME not in dump and PHONE not in dump and "Bérénice" not in dump
    assert figures_now(app, demo) == before
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"data.export", "ateliers.resident_erased"} <= actions
    # The erased person is gone from pages and exports too.
    from conftest import login
    client = app.test_client()
    login(client, "mediation.a@example.org")
    assert NAME not in client.get("/ateliers/participants").get_data(as_text=True)
    assert NAME not in client.get("/ateliers/chiffres.csv").get_data(as_text=True)
    assert "Aucun résultat" in client.get("/recherche?q=Bérénice").get_data(as_text=True)
    # A second request finds nothing to erase, and says so.
    again = runner.invoke(args=["ateliers", "resident", str(resident_id), "--erase"])
    assert again.exit_code != 0
    assert runner.invoke(args=["ateliers", "resident", str(resident_id)]).exit_code != 0


@pytest.fixture
def config_overrides():
    return {"ATELIERS_RETENTION_MONTHS": 1}


def test_retention_anonymises_after_the_configured_period(app, demo, runner):
    with app.app_context():
        old = Resident(association_id=demo["associations"]["a"], first_name="Ancienne-Personne",
                       created_at=utcnow() - timedelta(days=400))
        db.session.add(old)
        session_id = db.session.scalar(select(Session.id).limit(1))
        db.session.add(Referral(session_id=session_id, association_id=demo["associations"]["a"],
                                partner_id=demo["users"]["partenaire"], first_name="Orientée-Oubliée",
                                note="Orientée-Oubliée", created_at=utcnow() - timedelta(days=90)))
        db.session.commit()
        old_id = old.id
        recent_ids = set(db.session.scalars(select(Resident.id).where(Resident.anonymised_at.is_(None))))
    before = figures_now(app, demo)
    result = runner.invoke(args=["ateliers", "anonymise"])
    assert result.exit_code == 0 and "anonymised" in result.output
    with app.app_context():
        remaining = {r.id: r for r in db.session.scalars(select(Resident))}
        assert remaining[old_id].first_name == "" and remaining[old_id].anonymised_at is not None
        # Demo residents came to sessions this month: they are kept (1 month after their last session).
        kept = [r for r in remaining.values() if r.anonymised_at is None]
        assert kept and {r.id for r in kept} <= recent_ids
    dump = everything(app)
    assert "Ancienne-Personne" not in dump and "Orientée-Oubliée" not in dump
    assert figures_now(app, demo) == before
