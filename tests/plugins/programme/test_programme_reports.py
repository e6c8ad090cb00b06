"""Reports per funder and period: the figures are the sums of the records, CSV and printable page, plugins off."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from conftest import post_form, signed_in
from sqlalchemy import func, select

from qn_portal.api import Association, db

# A period the demo leaves empty (its activity is dated from today), so that every record in it is ours.
START, END = date(2019, 1, 1), date(2020, 1, 1)
PERIOD = f"start={START.isoformat()}&end={END.isoformat()}"


def add_funder(app, name, association_keys=(), cohort=None, demo=None) -> int:
    from plugins.programme.models import ProgrammeFunder

    with app.app_context():
        associations = [db.session.get(Association, demo["associations"][key]) for key in association_keys]
        funder = ProgrammeFunder(name=name, cohort=cohort, associations=associations)
        db.session.add(funder)
        db.session.commit()
        return funder.id


def add_records(app, demo) -> None:
    """Workshops (ateliers), co-funding (cofinancements), trainings and equipment (programme) for A, F and B."""
    from plugins.ateliers.models import ActivityRecord
    from plugins.cofinancements.models import Application
    from plugins.programme.models import ProgrammeBinomeMember, ProgrammeEquipment

    ids = demo["associations"]
    with app.app_context():
        for key, minutes, participants in [("a", 90, 8), ("a", 120, 10), ("a", 66, 4), ("f", 60, 6), ("b", 600, 50)]:
            db.session.add(ActivityRecord(association_id=ids[key], held_at=datetime(2019, 5, 14, 12, tzinfo=UTC),
                                          duration_minutes=minutes, title="Atelier smartphone",
                                          participants=participants))
        # Outside the period: not counted.
        db.session.add(ActivityRecord(association_id=ids["a"], held_at=datetime(2020, 1, 2, 12, tzinfo=UTC),
                                      duration_minutes=60, title="Après", participants=3))
        for key, cents, status in [("a", 1_250_050, "accorde"), ("f", 300_000, "accorde"), ("a", 999_900, "refuse"),
                                   ("b", 5_000_000, "accorde")]:
            db.session.add(Application(association_id=ids[key], title="Subvention", status=status, year=2019,
                                       amount_obtained_cents=cents if status == "accorde" else None,
                                       submitted_on=date(2019, 2, 1), decided_on=date(2019, 6, 1)))
        for key, ends_on, sessions in [("a", date(2019, 6, 30), 12), ("f", date(2019, 11, 15), 9),
                                       ("b", date(2019, 7, 1), 20)]:
            db.session.add(ProgrammeBinomeMember(association_id=ids[key], name="Formée", training_title="Sésame",
                                                 starts_on=date(2019, 1, 7), ends_on=ends_on, completion="completed",
                                                 sessions_attended=sessions))
        db.session.add_all([ProgrammeEquipment(association_id=ids["f"], kind="laptop", delivered_on=date(2019, 4, 2)),
                            ProgrammeEquipment(association_id=ids["b"], kind="laptop", delivered_on=date(2019, 4, 2))])
        db.session.commit()


def expected_sums(app, association_ids) -> dict:
    """What the records say, summed here with SQL, independently of the plugins' report code."""
    from plugins.ateliers.models import ActivityRecord
    from plugins.cofinancements.models import Application
    from plugins.programme.models import ProgrammeBinomeMember, ProgrammeEquipment

    start, end = datetime(2018, 12, 31, 23, tzinfo=UTC), datetime(2019, 12, 31, 23, tzinfo=UTC)  # Paris midnights
    with app.app_context():
        in_records = (ActivityRecord.association_id.in_(association_ids), ActivityRecord.held_at >= start,
                      ActivityRecord.held_at < end)
        granted = (Application.association_id.in_(association_ids), Application.status == "accorde",
                   Application.decided_on >= START, Application.decided_on < END)
        trained = (ProgrammeBinomeMember.association_id.in_(association_ids),
                   ProgrammeBinomeMember.completion == "completed", ProgrammeBinomeMember.ends_on >= START,
                   ProgrammeBinomeMember.ends_on < END)
        return {
            "ateliers.sessions_held": db.session.scalar(select(func.count()).where(*in_records)),
            "ateliers.hours_delivered": db.session.scalar(select(func.sum(ActivityRecord.duration_minutes))
                                                          .where(*in_records)) / 60,
            "cofinancements.applications_granted": db.session.scalar(select(func.count()).where(*granted)),
            "cofinancements.cofunding_secured": db.session.scalar(
                select(func.sum(Application.amount_obtained_cents)).where(*granted)) / 100,
            "programme.mediators_trained": db.session.scalar(select(func.count()).where(*trained)),
            "programme.training_sessions": db.session.scalar(
                select(func.sum(ProgrammeBinomeMember.sessions_attended)).where(*trained)),
            "programme.equipment_delivered": db.session.scalar(select(func.count()).select_from(ProgrammeEquipment).where(
                ProgrammeEquipment.association_id.in_(association_ids), ProgrammeEquipment.delivered_on >= START,
                ProgrammeEquipment.delivered_on < END)),
        }


def test_a_funders_figures_are_the_sums_of_its_associations_records(app, demo):
    from plugins.programme.models import ProgrammeFunder
    from plugins.programme.services import report

    add_records(app, demo)
    funder_id = add_funder(app, "Fondation du test", ("a", "f"), demo=demo)
    expected = expected_sums(app, [demo["associations"]["a"], demo["associations"]["f"]])
    # The records above, by hand: B (not co-funded by this funder) is left out.
    assert expected == {"ateliers.sessions_held": 4, "ateliers.hours_delivered": 5.6,
                        "cofinancements.applications_granted": 2, "cofinancements.cofunding_secured": 15500.5,
                        "programme.mediators_trained": 2, "programme.training_sessions": 21,
                        "programme.equipment_delivered": 1}
    with app.test_request_context():
        data = report(None, START, END, db.session.get(ProgrammeFunder, funder_id))
        totals = {m["key"]: m["total"] for m in data["measures"]}
        names = [a.name for a in data["associations"]]
    assert names == ["Grand Parc Connecté", "Saige Solidarité Numérique"]
    for key, value in expected.items():
        assert totals[key] == pytest.approx(value), key
    assert totals["ateliers.attendance_rate"] is None      # a rate does not add up


def test_the_funders_page_and_csv_in_one_click(app, demo):
    add_records(app, demo)
    funder_id = add_funder(app, "Fondation du test", ("a", "f"), demo=demo)
    client = signed_in(app, "coordination")
    page = client.get("/programme/financeurs/").get_data(as_text=True)
    year = date.today().year
    assert "Fondation du test" in page and "Grand Parc Connecté, Saige Solidarité Numérique" in page
    assert f"/programme/rapport?funder={funder_id}&amp;start={year}-01-01&amp;end={year + 1}-01-01" in page
    assert f"/programme/rapport.csv?funder={funder_id}&amp;start={year}-01-01" in page
    page = client.get(f"/programme/rapport?funder={funder_id}&{PERIOD}").get_data(as_text=True)
    assert "Rapport pour Fondation du test" in page and "2 associations :" in page
    assert "Cofinancements obtenus : 15500.5 €" in page and "Séances d&#39;atelier tenues : 4" in page
    assert "Médiateurs formés : 2" in page and "Carriet" not in page
    assert 'class="filters no-print"' in page and "programme.css" in page       # the print stylesheet hides the form
    response = client.get(f"/programme/rapport.csv?funder={funder_id}&{PERIOD}")
    assert response.mimetype == "text/csv" and f"financeur-{funder_id}" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == "Rapport;Fondation du test" and lines[1] == "Période;du 01/01/2019 au 31/12/2019"
    assert "Cofinancements obtenus;Total;15500,5;€" in lines and "Heures d'atelier;Total;5,6;h" in lines
    assert "Heures d'atelier;Grand Parc Connecté;4,6;h" in lines and "Séances d'atelier tenues;Total;4;" in lines
    assert not any(line.startswith("Taux de présence;Total") for line in lines)   # no total for a rate
    assert "Carriet Numérique Solidaire" not in text


def test_a_cohort_funder_and_formula_names(app, demo):
    funder_id = add_funder(app, "=HYPERLINK(1)", cohort=2024, demo=demo)
    client = signed_in(app, "coordination")
    text = client.get(f"/programme/rapport.csv?funder={funder_id}&{PERIOD}").get_data().decode("utf-8-sig")
    assert text.startswith("Rapport;'=HYPERLINK(1)") and "\n=" not in text and ";=" not in text
    # A is of the 2024 cohort, and so is F: the funder's report covers both.
    assert "Grand Parc Connecté" in text and "Saige Solidarité Numérique" in text and "Carriet" not in text


@pytest.mark.parametrize("config_overrides", [{"DISABLED_PLUGINS": ["ateliers", "ressources", "cofinancements"]}])
def test_a_funders_report_with_the_plugins_disabled(app, demo):
    funder_id = add_funder(app, "Fondation du test", ("a", "f"), demo=demo)
    client = signed_in(app, "coordination")
    response = client.get(f"/programme/rapport?funder={funder_id}&{PERIOD}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("Aucun chiffre pour cette partie") == 3         # ateliers, ressources, cofinancements
    assert "Médiateurs formés" in page                                 # the programme's own section stays
    response = client.get(f"/programme/rapport.csv?funder={funder_id}&{PERIOD}")
    assert response.status_code == 200
    assert "Médiateurs formés;Total;0" in response.get_data(as_text=True)


def test_funders_are_checked_in_french(app, demo):
    from plugins.programme.models import ProgrammeFunder

    client = signed_in(app, "coordination")
    url = "/programme/financeurs/nouveau"
    response = post_form(client, url, {"name": "", "cohort": "1990"})
    page = response.get_data(as_text=True)
    assert "Indiquez le nom du financeur." in page and "Une année entre 2019 et 2100." in page
    response = post_form(client, url, {"name": "Fondation"})
    assert "Cochez les associations cofinancées, ou indiquez une promotion." in response.get_data(as_text=True)
    for tampered in ("abc", "999999"):
        response = post_form(client, url, {"name": "Fondation", "associations": tampered})
        assert "Choisissez une des options proposées." in response.get_data(as_text=True), tampered
    response = post_form(client, url, {"name": "Fondation", "associations": [str(demo["associations"]["a"]),
                                                                           str(demo["associations"]["c"])]})
    assert response.status_code == 302
    with app.app_context():
        funder = db.session.scalar(select(ProgrammeFunder).where(ProgrammeFunder.name == "Fondation"))
        assert sorted(a.name for a in funder.associations) == ["Bacalan Clic", "Grand Parc Connecté"]
        funder_id = funder.id
    page = client.get(f"/programme/financeurs/{funder_id}/modifier").get_data(as_text=True)
    checked = re.findall(r'<input checked id="associations-\d+" name="associations" type="checkbox" value="(\d+)">', page)
    assert sorted(map(int, checked)) == sorted([demo["associations"]["a"], demo["associations"]["c"]])
    assert client.get("/programme/rapport?funder=999999").status_code == 200
    assert "Choisissez une des options proposées." in client.get("/programme/rapport?funder=999999").get_data(as_text=True)
    assert client.get("/programme/rapport.csv?funder=999999").status_code == 400
    assert post_form(client, f"/programme/financeurs/{funder_id}/supprimer", form_url="/programme/financeurs/"
                     ).status_code == 302
    with app.app_context():
        assert db.session.get(ProgrammeFunder, funder_id) is None
        assert db.session.get(Association, demo["associations"]["a"]) is not None
    manager = signed_in(app, "direction.a")
    assert manager.get("/programme/financeurs/").status_code == 403
    assert manager.get("/programme/rapport?funder=1").status_code == 403


def test_a_closed_calls_draft_cannot_be_sent(app, demo):
    from plugins.programme.models import ProgrammeApplication, ProgrammeCall

    with app.app_context():
        draft = db.session.scalar(select(ProgrammeApplication.id).join(ProgrammeCall).where(
            ProgrammeCall.cohort == 2021, ProgrammeApplication.status == "draft"))
    client = signed_in(app, "direction.b")
    url = f"/programme/candidatures/{draft}/modifier"
    assert "est clos depuis le 15/03/2021" in client.get(url).get_data(as_text=True)
    response = post_form(client, url, {"commune": "Lormont", "neighbourhood_id": "none", "mediation_hours": "25",
                                       "explanation": "Tard", "action": "submit"})
    assert response.status_code == 200 and "ne peut plus être envoyée. Votre brouillon est enregistré." in \
        response.get_data(as_text=True)
    with app.app_context():
        application = db.session.get(ProgrammeApplication, draft)
        assert (application.status, application.mediation_hours) == ("draft", 25)
