"""Each criterion of the call, checked at its boundary (seed: "Critères d'éligibilité" of 2021)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qn_portal.api import Neighbourhood, db

ELIGIBLE = {"mediation_hours": 20, "other_people": "Deux bénévoles", "room_capacity": 10, "room_days": 3,
            "training_project": "Ateliers smartphone", "share_practice": True,
            "referring_partners": "Centre social"}


@pytest.fixture
def check(app, demo):
    from plugins.programme.eligibility import check

    with app.test_request_context():
        qpv = db.session.scalar(select(Neighbourhood.id).where(Neighbourhood.kind == "qpv").limit(1))

        def run(**changes):
            values = {**ELIGIBLE, "neighbourhood_id": qpv, **changes}
            return {(p.criterion, p.field): p.message for p in check(values)}

        yield run


def test_all_criteria_met_at_the_boundaries(check):
    assert check() == {}


@pytest.mark.parametrize(("hours", "fails"), [(19, True), (20, False), (35, False), (None, True), (0, True)])
def test_hours_of_salaried_mediation(check, hours, fails):
    problems = check(mediation_hours=hours)
    assert (("hours", "mediation_hours") in problems) is fails
    if hours == 19:
        assert "20 heures par semaine" in problems[("hours", "mediation_hours")]
        assert "19 h" in problems[("hours", "mediation_hours")]


@pytest.mark.parametrize(("places", "fails"), [(9, True), (10, False), (25, False), (None, True)])
def test_room_capacity(check, places, fails):
    problems = check(room_capacity=places)
    assert (("room", "room_capacity") in problems) is fails
    if fails:
        assert "La salle doit accueillir 10 personnes au moins 3 jours par semaine" in \
            problems[("room", "room_capacity")]


@pytest.mark.parametrize(("days", "fails"), [(2, True), (3, False), (7, False), (None, True)])
def test_days_free_per_week(check, days, fails):
    problems = check(room_days=days)
    assert (("room", "room_days") in problems) is fails
    if fails:
        assert "au moins 3 jours par semaine" in problems[("room", "room_days")]


def test_outside_any_qpv_or_quartier_de_veille(app, check):
    with app.app_context():
        veille = db.session.scalar(select(Neighbourhood.id).where(Neighbourhood.kind == "veille").limit(1))
        other = Neighbourhood(name="Centre-ville", commune="Bordeaux", kind="autre")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    assert ("territory", "neighbourhood_id") in check(neighbourhood_id=None)
    assert ("territory", "neighbourhood_id") in check(neighbourhood_id=other_id)
    assert ("territory", "neighbourhood_id") in check(neighbourhood_id=999999)
    if veille:
        assert check(neighbourhood_id=veille) == {}
    assert "quartier prioritaire (QPV) ou un quartier de veille" in check(neighbourhood_id=None)[
        ("territory", "neighbourhood_id")]


@pytest.mark.parametrize("field", ["other_people", "training_project", "referring_partners"])
def test_texts_are_required(check, field):
    assert any(key[1] == field for key in check(**{field: "   "}))


def test_willingness_to_share_practice(check):
    assert ("community", "share_practice") in check(share_practice=False)
