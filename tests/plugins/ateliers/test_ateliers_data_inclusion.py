"""The workshops as data·inclusion services: public upcoming workshops only, the explicit code mappings, and
every record valid against the schema's v1 ``Service`` model with its warnings counted."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from data_inclusion.schema.v1 import Public, Service, Thematique
from sqlalchemy import select

from plugins.ateliers import services as ateliers
from plugins.ateliers.data_inclusion import THEMATIQUES, publics, thematiques
from plugins.ateliers.models import Room, Session, Workshop
from plugins.ateliers.vocabulary import THEMES
from qn_portal.api import db, utcnow

API = "/api/v1/data-inclusion/services?size=500"


def exported(client) -> dict[str, dict]:
    response = client.get(API)
    assert response.status_code == 200
    return {record["id"]: record for record in response.get_json()["items"]}


def assert_valid(record: dict) -> None:
    assert set(record) <= set(Service.model_fields), set(record) - set(Service.model_fields)
    Service.model_validate(record, context={"ignore_warnings": False})


def add_workshop(app, association_id: int, title: str, *, public=True, free=True, audience="", themes="email",
                 days_ahead: int | None = 3, cancelled=False) -> int:
    """A workshop with one session ``days_ahead`` days from today (in the past when negative)."""
    with app.app_context():
        room = Room(association_id=association_id, name=f"Salle {title[:50]}", capacity=8)
        workshop = Workshop(association_id=association_id, title=title, themes=themes, level="debutant",
                            audience=audience, public=public, free=free, room=room)
        db.session.add_all([room, workshop])
        db.session.flush()
        if days_ahead is not None:
            sessions = ateliers.plan_sessions(workshop, date.today() + timedelta(days=days_ahead), time(10, 0), 60,
                                              False, None, set())
            if cancelled:
                ateliers.cancel_session(sessions[0])
        db.session.commit()
        return workshop.id


def test_every_public_upcoming_demo_workshop_is_one_valid_service(app, demo, client):
    records = exported(client)
    with app.app_context():
        workshops = db.session.scalars(select(Workshop).order_by(Workshop.id)).all()
        expected = {f"qn-ateliers-{w.id}" for w in workshops
                    if w.public and any(s.starts_at >= utcnow() and s.status == "scheduled" for s in w.sessions)}
    assert expected and set(records) == expected
    for record in records.values():
        assert_valid(record)
        assert record["type"] == "atelier"
        assert record["modes_accueil"] == ["en-presentiel"]
        assert record["mobilisable_par"] == ["professionnels", "usagers"]
        assert "residents-qpv-frr" in record["publics"]
        assert record["lien_source"].startswith("http://portail.test/ateliers/a/")


def test_a_demo_workshop_maps_onto_the_schema(app, demo, client):
    a = demo["associations"]["a"]
    with app.app_context():
        workshop = db.session.scalar(select(Workshop).where(Workshop.title == "Premiers pas sur smartphone"))
        workshop_id = workshop.id
    record = exported(client)[f"qn-ateliers-{workshop_id}"]
    assert record["structure_id"] == f"qn-{a}" and record["source"] == "quartiers-numeriques"
    assert record["nom"] == "Premiers pas sur smartphone"
    assert record["thematiques"] == ["numerique--maitriser-les-fondamentaux-du-numerique"]
    assert record["publics"] == ["residents-qpv-frr", "seniors"] and record["publics_precisions"] == "seniors"
    assert record["frais"] == "gratuit"
    assert record["zone_eligibilite"] == ["33063"] and record["code_insee"] == "33063"
    assert record["lien_source"] == "http://portail.test/ateliers/a/grand-parc-connecte"
    # A shares its contacts: people may call or write as well as come.
    assert record["courriel"] == "contact@grand-parc-connecte.example.org" and record["telephone"] == "+33536491001"
    assert record["modes_mobilisation"] == ["se-presenter", "telephoner", "envoyer-un-courriel"]
    assert "à son rythme" in record["description"] and "**" not in record["description"]
    assert record["conditions_acces"] == "Niveau : débutant."


def test_b_keeps_its_contacts_out_of_its_services(app, demo, client):
    b = f"qn-{demo['associations']['b']}"
    mine = [record for record in exported(client).values() if record["structure_id"] == b]
    assert mine
    for record in mine:
        assert not {"courriel", "telephone"} & set(record)
        assert record["modes_mobilisation"] == ["se-presenter"]
        assert record["zone_eligibilite"] == ["33249"]


def test_private_past_cancelled_and_candidates_workshops_stay_out(app, demo, client):
    keys = demo["associations"]
    kept = add_workshop(app, keys["c"], "Atelier payant des familles", free=False, audience="Parents et ados",
                        themes="demarches-en-ligne,parentalite")
    hidden = [
        add_workshop(app, keys["a"], "Atelier interne", public=False),
        add_workshop(app, keys["a"], "Atelier passé", days_ahead=-3),
        add_workshop(app, keys["a"], "Atelier sans séance", days_ahead=None),
        add_workshop(app, keys["a"], "Atelier annulé", cancelled=True),
        add_workshop(app, keys["h"], "Atelier de la candidate"),  # H is a candidate: not exported
    ]
    records = exported(client)
    assert f"qn-ateliers-{kept}" in records
    assert not {f"qn-ateliers-{workshop_id}" for workshop_id in hidden} & set(records)
    record = records[f"qn-ateliers-{kept}"]
    assert_valid(record)
    assert record["frais"] == "payant"
    assert record["publics"] == ["familles", "residents-qpv-frr"]
    assert record["thematiques"] == ["numerique--acceder-a-des-services-en-ligne",
                                     "numerique--maitriser-les-fondamentaux-du-numerique"]
    # No description typed: a plain French sentence stands in, long enough for the schema.
    assert "Atelier payant des familles" in record["description"]


def test_awkward_workshops_still_give_valid_services(app, demo, client):
    a = demo["associations"]["a"]
    ids = [add_workshop(app, a, "IA", themes=""), add_workshop(app, a, "Tablette, etc."),
           add_workshop(app, a, "Atelier." + "x" * 190, audience="<b>tous</b> & « personnes âgées »")]
    records = exported(client)
    for workshop_id in ids:
        assert_valid(records[f"qn-ateliers-{workshop_id}"])
    assert records[f"qn-ateliers-{ids[0]}"]["nom"] == "Atelier IA"
    assert records[f"qn-ateliers-{ids[0]}"]["thematiques"] == ["numerique--maitriser-les-fondamentaux-du-numerique"]
    assert records[f"qn-ateliers-{ids[1]}"]["nom"] == "Tablette, etc."
    assert len(records[f"qn-ateliers-{ids[2]}"]["nom"]) == 150
    assert "seniors" in records[f"qn-ateliers-{ids[2]}"]["publics"]


def test_every_theme_has_a_valid_numerique_code():
    assert set(THEMATIQUES) == set(THEMES)
    codes = {thematique.value for thematique in Thematique}
    assert all(code in codes and code.startswith("numerique--") for code in THEMATIQUES.values())


@pytest.mark.parametrize("audience, expected", [
    ("", ["residents-qpv-frr"]),
    ("tout public", ["residents-qpv-frr"]),
    ("Personnes âgées", ["residents-qpv-frr", "seniors"]),
    ("SENIORS et familles", ["familles", "residents-qpv-frr", "seniors"]),
    ("agents d'accueil", ["residents-qpv-frr"]),
    ("personnes allophones, réfugiées", ["personnes-exilees", "residents-qpv-frr"]),
    ("demandeurs d'emploi", ["demandeurs-emploi", "residents-qpv-frr"]),
    ("jeunes de 16 à 25 ans", ["jeunes", "residents-qpv-frr"]),
    ("personnes en situation de handicap", ["personnes-en-situation-de-handicap", "residents-qpv-frr"]),
])
def test_audience_words_map_to_publics(audience, expected):
    result = publics(audience)
    assert result == expected
    assert set(result) <= {public.value for public in Public}


def test_no_theme_means_the_basics():
    assert thematiques([]) == ["numerique--maitriser-les-fondamentaux-du-numerique"]
    assert thematiques(["inconnu"]) == ["numerique--maitriser-les-fondamentaux-du-numerique"]


def test_date_maj_follows_the_latest_planning(app, demo, client):
    a = demo["associations"]["a"]
    workshop_id = add_workshop(app, a, "Atelier replanifié")
    record = exported(client)[f"qn-ateliers-{workshop_id}"]
    with app.app_context():
        latest = max(s.created_at for s in db.session.scalars(select(Session).where(Session.workshop_id == workshop_id)))
    assert record["date_maj"] == latest.date().isoformat()
