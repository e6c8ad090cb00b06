"""Applications (save, resume, check, submit), privacy, selection, follow-up and reports."""

from __future__ import annotations

import html
import types
from datetime import date

import pytest
from conftest import CSRF_RE, post_form
from flask_babel import ngettext
from sqlalchemy import func, select

from qn_portal.api import Association, Figure, Neighbourhood, db, hookimpl, lazy_gettext
from qn_portal.plugins import PluginInfo, get_host


def first(app, statement):
    with app.app_context():
        return db.session.scalar(statement)


def open_call_id(app):
    from plugins.programme.models import ProgrammeCall

    return first(app, select(ProgrammeCall.id).where(ProgrammeCall.cohort != 2021).limit(1))


def qpv_id(app):
    return first(app, select(Neighbourhood.id).where(Neighbourhood.kind == "qpv").limit(1))


def good_answers(app, **changes):
    answers = {"commune": "Bordeaux", "neighbourhood_id": str(qpv_id(app)), "mediation_hours": "20",
               "other_people": "Deux bénévoles", "room_capacity": "10", "room_days": "3",
               "training_project": "Ateliers smartphone", "share_practice": "y",
               "referring_partners": "Le centre social", "explanation": ""}
    answers.update(changes)
    return answers


def start_application(app, client):
    response = post_form(client, f"/programme/appels/{open_call_id(app)}/candidater",
                         form_url=f"/programme/appels/{open_call_id(app)}")
    assert response.status_code == 302
    return response.headers["Location"]


def test_a_manager_saves_a_draft_and_resumes_it(app, portal):
    client = portal.login_as("direction.a")
    edit_url = start_application(app, client)
    assert edit_url.endswith("/modifier")
    response = post_form(client, edit_url, {**good_answers(app, mediation_hours="19", other_people="Trois bénévoles"),
                                            "action": "save"})
    assert response.status_code == 302
    # Resuming: the same draft, with what was typed.
    assert start_application(app, client) == edit_url
    page = client.get(edit_url).get_data(as_text=True)
    assert 'value="19"' in page and "Trois bénévoles" in page


def test_checking_eligibility_without_javascript_says_why(app, portal):
    client = portal.login_as("direction.a")
    edit_url = start_application(app, client)
    response = post_form(client, edit_url, {**good_answers(app, room_capacity="9", room_days="2"), "action": "check"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "La salle doit accueillir 10 personnes au moins 3 jours par semaine" in page
    assert "La salle doit être libre au moins 3 jours par semaine" in page
    response = post_form(client, edit_url, {**good_answers(app), "action": "check"})
    page = response.get_data(as_text=True)
    assert "éligibilité sont remplis." in page


def test_an_ineligible_application_needs_an_explanation_and_is_flagged(app, portal):
    from plugins.programme.models import ProgrammeApplication

    client = portal.login_as("direction.a")
    edit_url = start_application(app, client)
    response = post_form(client, edit_url, {**good_answers(app, neighbourhood_id="none"), "action": "submit"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "expliquez pourquoi vous candidatez tout de même" in page
    assert 'href="#explanation"' in page
    assert first(app, select(ProgrammeApplication.status).where(ProgrammeApplication.id == int(edit_url.split("/")[-2]))) == "draft"
    response = post_form(client, edit_url, {**good_answers(app, neighbourhood_id="none",
                                                           explanation="Nous accueillons les habitants du QPV voisin."),
                                            "action": "submit"})
    assert response.status_code == 302
    with app.app_context():
        application = db.session.get(ProgrammeApplication, int(edit_url.split("/")[-2]))
        assert (application.status, application.eligible, application.outside_neighbourhoods) == (
            "submitted", False, True)
    # Submitted: the applicant may read it but no longer edit it.
    assert client.get(edit_url).status_code == 403
    coordinator = portal.new_client()
    from conftest import login
    login(coordinator, "coordination@example.org")
    page = coordinator.get(f"/programme/candidatures/{application.id}").get_data(as_text=True)
    assert "Envoyée alors que des critères ne sont pas remplis." in page


def test_submitting_an_eligible_application_notifies_coordinators(app, portal):
    from qn_portal.notifications.models import Notification

    client = portal.login_as("direction.a")
    edit_url = start_application(app, client)
    response = post_form(client, edit_url, {**good_answers(app), "action": "submit"})
    assert response.status_code == 302
    with app.app_context():
        kinds = list(db.session.scalars(select(Notification.kind)))
    assert "programme.application_received" in kinds


def test_bad_input_is_refused_in_french_and_kept(app, portal):
    client = portal.login_as("direction.a")
    edit_url = start_application(app, client)
    response = post_form(client, edit_url, {**good_answers(app, mediation_hours="vingt", room_days="9",
                                                           neighbourhood_id="12345678"), "action": "save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Indiquez un nombre entier" in page and "Entre 0 et 7 jours." in page
    assert "Choisissez une des options proposées." in page
    assert 'value="vingt"' in page


def test_applications_are_private_to_their_association(app, portal, demo):
    from plugins.programme.models import ProgrammeApplication

    own = first(app, select(ProgrammeApplication.id).where(ProgrammeApplication.association_id == demo["associations"]["h"]))
    client = portal.login_as("direction.a")
    assert client.get(f"/programme/candidatures/{own}").status_code == 404
    assert client.get(f"/programme/candidatures/{own}/modifier").status_code == 404
    token = CSRF_RE.search(client.get("/programme/").get_data(as_text=True))
    assert token is None or client.post(f"/programme/candidatures/{own}/modifier",
                                        data={"csrf_token": token.group(1), "action": "save"}).status_code == 404
    assert "Dravemont" not in client.get("/programme/").get_data(as_text=True)
    # B's director manages H too: reads and edits it.
    other = portal.new_client()
    from conftest import login
    login(other, "direction.b@example.org")
    assert other.get(f"/programme/candidatures/{own}").status_code == 200
    assert other.get(f"/programme/candidatures/{own}/modifier").status_code == 200


def test_mediators_read_and_partners_are_refused(app, portal):
    client = portal.login_as("direction.a")
    edit_url = start_application(app, client)
    show_url = edit_url.rsplit("/", 1)[0]
    mediator = portal.new_client()
    from conftest import login
    login(mediator, "mediation.a@example.org")
    assert mediator.get(show_url).status_code == 200
    assert mediator.get(edit_url).status_code == 403
    partner = portal.new_client()
    login(partner, "partenaire@example.org")
    assert partner.get("/programme/").status_code == 403
    assert partner.get(show_url).status_code == 404


def submitted_application(app, demo, key="g"):
    from plugins.programme.models import ProgrammeApplication

    return first(app, select(ProgrammeApplication.id).where(
        ProgrammeApplication.association_id == demo["associations"][key]))


def test_reviews_per_criterion_and_comparison(app, portal, demo):
    client = portal.login_as("coordination")
    g, f = submitted_application(app, demo, "g"), submitted_application(app, demo, "f")
    response = post_form(client, f"/programme/candidatures/{g}/evaluation",
                         {"score_hours": "1", "comment_hours": "15 h seulement", "score_room": "3"},
                         form_url=f"/programme/candidatures/{g}")
    assert response.status_code == 302
    response = post_form(client, f"/programme/candidatures/{g}/evaluation", {"score_hours": "7"},
                         form_url=f"/programme/candidatures/{g}")
    assert response.status_code == 200 and "Choisissez une des options proposées." in response.get_data(as_text=True)
    page = client.get(f"/programme/candidatures/{g}").get_data(as_text=True)
    assert "15 h seulement" in page and "total 4.0" in page
    compare = client.get(f"/programme/appels/{first(app, select(func.min(Association.id)))}/comparer").status_code
    assert compare in (200, 404)
    from plugins.programme.models import ProgrammeApplication
    call_id = first(app, select(ProgrammeApplication.call_id).where(ProgrammeApplication.id == g))
    page = client.get(f"/programme/appels/{call_id}/comparer?ids={g}&ids={f}").get_data(as_text=True)
    assert "Thouars Connexions" in page and "Saige Solidarité Numérique" in page and "Non rempli" in page


def test_selecting_an_existing_association_sets_cohort_and_creates_the_timeline(app, portal, demo):
    from plugins.programme.models import MILESTONES, ProgrammeMilestone
    from plugins.programme.services import today
    from qn_portal.api import Membership
    from qn_portal.notifications.models import Notification

    with app.app_context():   # G's director (B's, in the demo) hears about the decision
        db.session.add(Membership(user_id=demo["users"]["direction.b"], association_id=demo["associations"]["g"],
                                  role="manager"))
        db.session.commit()
    client = portal.login_as("coordination")
    g = submitted_application(app, demo, "g")
    response = post_form(client, f"/programme/candidatures/{g}/decision", {"status": "selected", "note": "Bravo"},
                         form_url=f"/programme/candidatures/{g}")
    assert response.status_code == 302
    with app.app_context():
        association = db.session.get(Association, demo["associations"]["g"])
        assert (association.cohort, association.status) == (2021, "year1")
        milestones = {m.kind: m.due_on for m in db.session.scalars(select(ProgrammeMilestone).where(
            ProgrammeMilestone.association_id == association.id))}
        assert set(milestones) == {kind for kind, _months in MILESTONES}
        start = today()
        assert milestones["end"] == date(start.year + 2, start.month, min(start.day, 28)) or \
            (milestones["end"].year, milestones["end"].month) == (start.year + 2, start.month)
        assert milestones["charte"] > start
        recipients = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "programme.decision")))
        assert recipients == {demo["users"]["direction.b"]}
    # Selecting again does not duplicate the timeline.
    post_form(client, f"/programme/candidatures/{g}/decision", {"status": "selected"}, form_url=f"/programme/candidatures/{g}")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ProgrammeMilestone).where(
            ProgrammeMilestone.association_id == demo["associations"]["g"])) == len(MILESTONES)
    bad = post_form(client, f"/programme/candidatures/{g}/decision", {"status": "draft"},
                    form_url=f"/programme/candidatures/{g}")
    assert bad.status_code == 200 and "Choisissez une des options proposées." in bad.get_data(as_text=True)


def test_selecting_a_person_without_association_creates_it(app, portal, demo):
    from plugins.programme.models import ProgrammeApplication, ProgrammeCall
    from qn_portal.api import Membership, User

    with app.app_context():
        person = User(email="porteuse@example.org", name="Porteuse", role="member", password_hash="x")
        db.session.add(person)
        db.session.flush()
        call = db.session.scalar(select(ProgrammeCall).where(ProgrammeCall.cohort == 2021))
        application = ProgrammeApplication(call_id=call.id, created_by_id=person.id, status="submitted",
                                           organisation_name="Benauge Numérique", commune="Bordeaux",
                                           neighbourhood_id=qpv_id(app), room_capacity=12, room_days=3)
        db.session.add(application)
        db.session.commit()
        application_id, person_id = application.id, person.id
    client = portal.login_as("coordination")
    response = post_form(client, f"/programme/candidatures/{application_id}/decision", {"status": "selected"},
                         form_url=f"/programme/candidatures/{application_id}")
    assert response.status_code == 302
    with app.app_context():
        application = db.session.get(ProgrammeApplication, application_id)
        association = application.association
        assert association.name == "Benauge Numérique" and association.cohort == 2021
        assert association.slug == "benauge-numerique"
        assert db.session.scalar(select(Membership.role).where(Membership.user_id == person_id)) == "manager"


def test_follow_up_late_milestones_visits_and_updates(app, portal, demo):
    a = demo["associations"]["a"]
    coordinator = portal.login_as("coordination")
    page = coordinator.get("/programme/suivi/").get_data(as_text=True)
    assert "Grand Parc Connecté" in page and "Binôme de médiation formé" in page   # late in the demo
    response = post_form(coordinator, f"/programme/suivi/{a}/visites",
                         {"happened_on": "2026-01-05", "kind": "visit", "summary": "Visite de la salle",
                          "next_steps": "Rappeler la CAF"}, form_url=f"/programme/suivi/{a}")
    assert response.status_code == 302
    response = post_form(coordinator, f"/programme/suivi/{a}/visites", {"happened_on": "hier", "kind": "visit",
                                                                       "summary": ""}, form_url=f"/programme/suivi/{a}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Indiquez une date" in page and "Écrivez un compte rendu." in page
    assert "Rappeler la CAF" in coordinator.get(f"/programme/suivi/{a}").get_data(as_text=True)


def test_managers_update_their_timeline_mediators_read_it_others_do_not(app, portal, demo):
    from conftest import login

    from plugins.programme.models import ProgrammeMilestone

    a, b = demo["associations"]["a"], demo["associations"]["b"]
    milestone = first(app, select(ProgrammeMilestone.id).where(ProgrammeMilestone.association_id == a,
                                                               ProgrammeMilestone.kind == "binome"))
    manager = portal.login_as("direction.a")
    response = post_form(manager, f"/programme/jalons/{milestone}", {"done_on": "2026-02-01", "note": "Sésame"},
                         form_url=f"/programme/suivi/{a}")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(ProgrammeMilestone, milestone).done_on == date(2026, 2, 1)
    mediator = portal.new_client()
    login(mediator, "mediation.a@example.org")
    assert mediator.get(f"/programme/suivi/{a}").status_code == 200
    assert post_form(mediator, f"/programme/jalons/{milestone}", {"done_on": ""},
                     form_url=f"/programme/suivi/{a}").status_code == 403
    assert manager.get(f"/programme/suivi/{b}").status_code == 404
    assert manager.get("/programme/suivi/").status_code == 403


# --- reports -----------------------------------------------------------------------------------------------


def install_fake_figures(app, figures):
    """A tiny plugin, registered on this app's host, whose ``report_figures`` returns ``figures``."""
    module = types.ModuleType("programme_fake_figures")

    @hookimpl
    def report_figures(association_ids, start, end):
        return [f for f in figures if f.association_id is None or association_ids is None
                or f.association_id in association_ids]

    module.report_figures = report_figures
    host = get_host(app)
    host.pm.register(module, name="fakefigures")
    host.plugins["fakefigures"] = PluginInfo(name="fakefigures", module=module)


ONLY_FAKE_FIGURES = {"DISABLED_PLUGINS": ["ateliers", "ressources", "cofinancements"]}


@pytest.mark.parametrize("config_overrides", [ONLY_FAKE_FIGURES])
def test_report_totals_equal_the_sums_of_the_figures(app, portal, demo):
    a, b = demo["associations"]["a"], demo["associations"]["b"]
    install_fake_figures(app, [
        Figure("ateliers.sessions_held", "Séances tenues", 12, association_id=a),
        Figure("ateliers.sessions_held", "Séances tenues", 7, association_id=b),
        Figure("ateliers.hours", "Heures de formation", 25.5, unit="h", association_id=a),
        Figure("cofinancements.secured", "Financements obtenus", 15000, unit="€", association_id=b),
    ])
    with app.test_request_context():
        from plugins.programme.services import report

        data = report(None, date(2026, 1, 1), date(2027, 1, 1))
        # The programme's own figures (binômes, equipment) come from its records: tested in test_programme_reports.
        totals = {m["key"]: m["total"] for m in data["measures"] if not m["key"].startswith("programme.")}
        assert totals == {"ateliers.sessions_held": 19, "ateliers.hours": 25.5, "cofinancements.secured": 15000}
        cohort = report(2024, date(2026, 1, 1), date(2027, 1, 1))   # A is of 2024, B of 2025
        assert {m["key"]: m["total"] for m in cohort["measures"]}["ateliers.sessions_held"] == 12
    client = portal.login_as("coordination")
    page = client.get("/programme/rapport?start=2026-01-01&end=2027-01-01").get_data(as_text=True)
    assert 'role="img"' in page and "<title" in page and "<desc" in page
    assert "Séances tenues : 19" in page and "Aucun chiffre pour cette partie" in page   # ressources: empty
    csv_text = client.get("/programme/rapport.csv?start=2026-01-01&end=2027-01-01").get_data(as_text=True)
    assert "Séances tenues;Total;19" in csv_text and "Financements obtenus;Total;15000" in csv_text


@pytest.mark.parametrize("config_overrides", [ONLY_FAKE_FIGURES])
def test_report_units_agree_with_the_numbers_in_french_and_english(app, portal, demo):
    a, b = demo["associations"]["a"], demo["associations"]["b"]
    people = (lazy_gettext("personne"), lazy_gettext("personnes"))
    install_fake_figures(app, [
        Figure("ateliers.participants", "Participants", 1, unit=people, association_id=a),
        Figure("ateliers.waitlisted", "En attente", 1, unit=people, association_id=a),
        Figure("ateliers.waitlisted", "En attente", 1, unit=people, association_id=b),
        Figure("ateliers.boxes", "Boîtes", 1, unit=("box", "boxes"), association_id=a),
        Figure("ateliers.sessions", "Séances", 2, unit=lambda n: ngettext("séance", "séances", n),
               association_id=a),
        Figure("ateliers.hours", "Heures", 1, unit="h", association_id=a),
    ])
    with app.app_context():
        name_a = db.session.get(Association, a).name
    client = portal.login_as("coordination")
    query = "?start=2026-01-01&end=2027-01-01"
    page = html.unescape(client.get(f"/programme/rapport{query}").get_data(as_text=True))
    assert "Participants : 1 personne<" in page and "En attente : 2 personnes<" in page
    assert "Séances : 2 séances<" in page and "Heures : 1 h<" in page
    assert "1 personnes" not in page
    csv_text = client.get(f"/programme/rapport.csv{query}").get_data(as_text=True)
    # Each row's unit agrees with that row's value: one association's 1, the total's 2.
    assert f"En attente;{name_a};1;personne\r\n" in csv_text and "En attente;Total;2;personnes\r\n" in csv_text

    post_form(client, "/langue", {"locale": "en"}, form_url="/tableau-de-bord")
    page = html.unescape(client.get(f"/programme/rapport{query}").get_data(as_text=True))
    assert "Boîtes : 1 box<" in page and "En attente : 2 people<" in page
    csv_text = client.get(f"/programme/rapport.csv{query}").get_data(as_text=True)
    assert "Boîtes;Total;1;box\r\n" in csv_text


@pytest.mark.parametrize("config_overrides", [ONLY_FAKE_FIGURES])
def test_report_cells_are_neutralised(app, portal, demo):
    install_fake_figures(app, [Figure("ateliers.x", "=HYPERLINK(1)", 1, association_id=demo["associations"]["a"])])
    text = portal.login_as("coordination").get("/programme/rapport.csv").get_data(as_text=True)
    assert "\n=HYPERLINK" not in text and "'=HYPERLINK" in text


@pytest.mark.parametrize("config_overrides", [{"DISABLED_PLUGINS": ["ateliers", "ressources", "cofinancements"]}])
def test_report_with_the_figure_plugins_disabled(app, portal):
    client = portal.login_as("coordination")
    response = client.get("/programme/rapport?cohort=2024")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("Aucun chiffre pour cette partie") == 3
    assert client.get("/programme/rapport.csv?cohort=2024").status_code == 200


def test_report_bad_dates_are_explained(app, portal):
    client = portal.login_as("coordination")
    page = client.get("/programme/rapport?start=2026-05-01&end=2026-01-01&cohort=abc").get_data(as_text=True)
    assert "La fin doit suivre le début." in page and "Indiquez un nombre entier" in page
    assert client.get("/programme/rapport.csv?start=demain").status_code == 400
    assert portal.new_client().get("/programme/rapport").status_code == 302


def test_calls_are_created_by_coordinators_with_french_errors(app, portal):
    client = portal.login_as("coordination")
    response = post_form(client, "/programme/appels/nouveau", {"title": "", "cohort": "1990", "opens_on": "2027-03-01",
                                                              "closes_on": "2027-01-01"})
    page = response.get_data(as_text=True)
    assert "Indiquez un titre." in page and "Une année entre 2019 et 2100." in page
    assert "La clôture doit suivre" in page
    response = post_form(client, "/programme/appels/nouveau", {"title": "Quartiers Numériques 2028", "cohort": "2028",
                                                              "opens_on": "2027-09-01", "closes_on": "2027-11-30",
                                                              "charter": "**Engagement** <script>x</script>"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>Engagement</strong>" in page and "<script>x" not in page
    assert "Quartiers Numériques 2028" in client.get("/recherche?q=Quartiers+Numeriques+2028").get_data(as_text=True)


def test_widgets_and_panel(app, portal, demo):
    page = portal.login_as("coordination").get("/tableau-de-bord").get_data(as_text=True)
    assert "Programme : à suivre" in page and "Binôme de médiation formé" in page
    client = portal.new_client()
    from conftest import login
    login(client, "direction.a@example.org")
    page = client.get("/tableau-de-bord").get_data(as_text=True)
    assert "Programme : mon accompagnement" in page and "Binôme de médiation formé" in page and "en retard" in page
    assert "Accompagnement du programme" in client.get(f"/associations/{demo['slugs']['a']}").get_data(as_text=True)
    partner = portal.new_client()
    login(partner, "partenaire@example.org")
    assert "Accompagnement du programme" not in partner.get(f"/associations/{demo['slugs']['a']}").get_data(as_text=True)


def test_remind_command_notifies_managers(app, demo, runner):
    from plugins.programme.models import ProgrammeMilestone
    from plugins.programme.services import today
    from qn_portal.notifications.models import Notification

    with app.app_context():
        milestone = db.session.scalar(select(ProgrammeMilestone).where(ProgrammeMilestone.kind == "end"))
        milestone.due_on = today()
        db.session.commit()
    result = runner.invoke(args=["programme", "remind"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "programme.milestone_due")) >= 1
