"""Association profiles, the neighbourhoods list, members, the directory and the current association."""

from __future__ import annotations

import html
import re
from datetime import date

import flask_migrate
import pytest
from conftest import make_config, new_database, post_form, signed_in
from sqlalchemy import select, text

from qn_portal import create_app
from qn_portal.associations.hours import describe_opening_hours, opening_hours_problem
from qn_portal.associations.identifiers import is_valid_rna, is_valid_siret
from qn_portal.associations.models import Association, Membership, Neighbourhood
from qn_portal.associations.territory import COMMUNES, SEED_NEIGHBOURHOODS
from qn_portal.audit.models import AuditEntry
from qn_portal.extensions import db

VALID_SIRET = "73282932000074"  # INSEE's usual example: 14 digits, right Luhn key


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": False}


@pytest.fixture
def events(monkeypatch):
    """The events the association views emit, in order, as (name, data)."""
    seen = []
    from qn_portal.associations import views

    real_emit = views.emit

    def record(name, actor_id=None, **data):
        seen.append((name, data))
        return real_emit(name, actor_id=actor_id, **data)

    monkeypatch.setattr(views, "emit", record)
    return seen


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_error(page: str, field: str) -> str:
    """The error shown next to ``field`` ("" if none)."""
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    return match.group(1).strip() if match else ""


def load(app, model, **where):
    with app.app_context():
        row = db.session.scalar(select(model).filter_by(**where))
        if row is not None:
            db.session.expunge(row)
        return row


def neighbourhood_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Neighbourhood.id).where(Neighbourhood.name == name))


def profile(app, **changes) -> dict:
    """A complete, valid profile for A (Grand Parc, Bordeaux), with ``changes``."""
    data = {
        "name": "Grand Parc Connecté", "summary": "Des **ateliers** pour tout le quartier.", "siret": "",
        "rna": "", "address": "3 place de l'Europe", "postal_code": "33300", "commune": "Bordeaux",
        "neighbourhood_id": str(neighbourhood_id(app, "Grand Parc")), "email": "contact@gpc.example.org",
        "phone": "05 36 49 10 01", "website": "https://gpc.example.org",
        "opening_hours": "Mo-Fr 09:00-12:00,14:00-18:00; Sa 10:00-12:00; PH off", "room_capacity": "12",
        "room_days": ["0", "2"],
    }
    data.update(changes)
    return data


def edit_url(demo, key="a") -> str:
    return f"/associations/{demo['slugs'][key]}/modifier"


def audit_entries(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        db.session.expunge_all()
        return rows


# --- identifiers and opening hours (no database) -------------------------------------------------------


def test_siret_needs_14_digits_and_the_luhn_key():
    assert is_valid_siret(VALID_SIRET)
    assert not is_valid_siret("73282932000075")  # one digit off: the key catches it
    assert not is_valid_siret("7328293200007")
    assert not is_valid_siret("7328293200007A")
    assert not is_valid_siret("٧٣٢٨٢٩٣٢٠٠٠٠٧٤")  # digits, but not ASCII ones
    # La Poste's establishments follow INSEE's documented exception: digits adding up to a multiple of 5.
    assert is_valid_siret("35600000000001")
    assert not is_valid_siret("35600000000002")


def test_rna_is_w_and_nine_digits():
    assert is_valid_rna("W332001234")
    for bad in ("332001234", "W33200123", "W3320012345", "X332001234", "W332001234\n"):
        assert not is_valid_rna(bad), bad


def test_opening_hours_are_told_in_plain_french(app):
    with app.test_request_context():
        described = describe_opening_hours("Mo-Fr 09:00-12:00,14:00-18:30; Sa 10:00-12:00; PH off")
        assert described.days == [("Du lundi au vendredi", "9 h – 12 h et 14 h – 18 h 30"),
                                   ("Samedi", "10 h – 12 h"), ("Dimanche", "fermé")]
        assert described.notes == ["Fermé les jours fériés."]
        assert describe_opening_hours("24/7").days == [("Tous les jours", "24 h sur 24")]
        assert describe_opening_hours("Mo,We 14:00-17:00").days == [
            ("Lundi", "14 h – 17 h"), ("Mardi", "fermé"), ("Mercredi", "14 h – 17 h"),
            ("Du jeudi au dimanche", "fermé")]
        # An evening that ends after midnight reads as one span, on the day it starts.
        assert describe_opening_hours("Fr 20:00-02:00").days[:2] == [("Du lundi au jeudi", "fermé"),
                                                                     ("Vendredi", "20 h – 2 h")]
        assert describe_opening_hours('Tu 09:00-12:00 "sur rendez-vous"').days[1] == (
            "Mardi", "9 h – 12 h (sur rendez-vous)")
        seasonal = describe_opening_hours("Jul-Aug Mo-Fr 10:00-12:00; Sep-Jun Mo-Fr 09:00-17:00",
                                          today=date(2025, 7, 16))
        assert seasonal.days[0] == ("Du lundi au vendredi", "10 h – 12 h")
        assert "changent selon la période" in seasonal.notes[-1]
        assert describe_opening_hours("") is None
        assert describe_opening_hours("lundi matin") is None


@pytest.mark.parametrize("expression", ["Mo-Fr 9-12", "lundi 9h-12h", "Mo-Fr 09:00-12:00;;", "Mo-Fr 25:00-26:00x",
                                        "x" * 501])
def test_bad_opening_hours_are_explained(app, expression):
    with app.test_request_context():
        problem = opening_hours_problem(expression)
    assert problem and ("OpenStreetMap" in problem or "trop longs" in problem)


def test_good_opening_hours_pass(app):
    with app.test_request_context():
        for expression in ("Mo-Fr 09:00-12:00,14:00-18:00; Sa 10:00-12:00; PH off", "24/7", "Tu,Th 14:00-17:00",
                           "Mo-Sa 10:00-12:00 \"sur rendez-vous\"", "Jul-Aug off; Mo-Fr 09:00-17:00"):
            assert opening_hours_problem(expression) is None, expression


# --- profile validation --------------------------------------------------------------------------------

BAD_VALUES = [
    ("siret", "732 829 320 00075", "Ce SIRET n'est pas valide"),
    ("siret", "1234", "Ce SIRET n'est pas valide"),
    ("rna", "W12345", "Ce numéro RNA n'est pas valide"),
    ("commune", "Paris", "Cette commune n'est pas dans Bordeaux Métropole."),
    ("commune", "", "Choisissez la commune de l'association."),
    ("postal_code", "75011", "Indiquez un code postal de Gironde"),
    ("room_capacity", "0", "Indiquez un nombre entre 1 et 100."),
    ("room_capacity", "-3", "Indiquez un nombre entre 1 et 100."),
    ("room_capacity", "101", "Indiquez un nombre entre 1 et 100."),
    ("room_capacity", "dix", "Indiquez un nombre entier"),
    ("room_capacity", "", "Indiquez combien de personnes la salle peut accueillir."),
    ("room_days", ["0", "9"], "Cochez seulement les cases proposées."),
    ("website", "javascript:alert(1)", "Indiquez une adresse web complète"),
    ("website", "www.example.org", "Indiquez une adresse web complète"),
    ("website", "ftp://example.org", "Indiquez une adresse web complète"),
    ("email", "pas-une-adresse", "Cette adresse e-mail n'est pas valide."),
    ("phone", "appelez-moi", "Ce numéro de téléphone n'est pas valide."),
    ("opening_hours", "du lundi au vendredi", "Ces horaires ne suivent pas la syntaxe OpenStreetMap"),
    ("name", "", "Indiquez le nom de l'association."),
    ("neighbourhood_id", "999999", "Choisissez un quartier de la liste."),
    ("neighbourhood_id", "99999999999999999999", "Choisissez un quartier de la liste."),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_VALUES)
def test_a_bad_value_is_refused_next_to_its_field_and_nothing_typed_is_lost(app, demo, field, value, message):
    client = signed_in(app, "direction.a")
    data = profile(app, **{field: value})
    if field != "name":
        data["name"] = "Grand Parc Connecté et Solidaire"
    response = post_form(client, edit_url(demo), data)
    assert response.status_code == 200
    page = page_text(response)
    assert message in field_error(page, field), field_error(page, field) or page
    assert "Le formulaire contient des erreurs" in page
    # Everything else typed is still in the form.
    for other in ("address", "email", "phone", "opening_hours"):
        if other != field:
            assert f'value="{data[other]}"' in page, other
    if field != "name":
        assert 'value="Grand Parc Connecté et Solidaire"' in page
    assert "Des **ateliers** pour tout le quartier." in page
    if field not in ("room_capacity", "room_days"):
        assert 'value="12"' in page
        assert re.search(r'<input[^>]*checked[^>]*id="room_days-2"|<input[^>]*id="room_days-2"[^>]*checked', page)
    if isinstance(value, str) and value and field not in ("commune", "neighbourhood_id"):
        assert f'value="{html.unescape(value)}"' in page, "the refused value itself stays, to be corrected"
    stored = load(app, Association, slug=demo["slugs"]["a"])
    assert stored.name == "Grand Parc Connecté"  # nothing was saved


def test_programme_fields_are_checked_for_coordinators(app, demo):
    client = signed_in(app, "coordination")
    response = post_form(client, edit_url(demo), profile(app, cohort="1850", status="graduated"))
    assert response.status_code == 200
    page = page_text(response)
    assert field_error(page, "cohort") == "Choisissez une promotion de la liste."
    assert field_error(page, "status") == "Choisissez un statut de la liste."


def test_huge_identifiers_in_urls_are_not_found(app, demo):
    client = signed_in(app, "coordination")
    assert client.get("/associations/quartiers/99999999999999999999/modifier").status_code == 404
    response = post_form(client, f"/associations/{demo['slugs']['a']}/membres/99999999999999999999/retirer", {},
                         form_url="/compte")
    assert response.status_code == 404


def test_a_neighbourhood_of_another_commune_is_refused(app, demo):
    client = signed_in(app, "direction.a")
    response = post_form(client, edit_url(demo), profile(app, neighbourhood_id=str(neighbourhood_id(app, "Carriet"))))
    assert response.status_code == 200
    assert field_error(page_text(response), "neighbourhood_id") == "Carriet est à Lormont, pas à Bordeaux."


def test_a_valid_profile_is_saved_normalised_rendered_and_indexed(app, demo, events):
    client = signed_in(app, "direction.a")
    response = post_form(client, edit_url(demo), profile(
        app, siret="732 829 320 00074", rna="w332001234", email="Contact@GPC.example.org",
        summary="Des **ateliers** <script>alert(1)</script>", name="Grand Parc Connecté et Solidaire"))
    assert response.status_code == 302, field_error(page_text(response), "siret")
    stored = load(app, Association, slug=demo["slugs"]["a"])
    assert (stored.siret, stored.rna, stored.email) == (VALID_SIRET, "W332001234", "contact@gpc.example.org")
    assert "<strong>ateliers</strong>" in stored.summary_html and "<script" not in stored.summary_html
    assert stored.room_weekdays == [0, 2] and stored.room_capacity == 12
    assert stored.slug == demo["slugs"]["a"], "a renamed association keeps its address"
    assert events == [("core.association_updated", {"association_id": demo["associations"]["a"]})]
    found = page_text(client.get("/recherche?q=solidaire"))
    assert "Grand Parc Connecté et Solidaire" in found


def test_plugins_create_and_update_associations_through_the_facade(app, demo):
    from qn_portal.api import save_association

    with app.app_context():
        created = save_association(name=" Lormont Numérique ", commune="Lormont", summary="Des *ateliers*",
                                   cohort=2026, status="candidate", room_capacity=10, room_weekdays=[0, 3])
        db.session.commit()
        assert (created.name, created.slug, created.cohort) == ("Lormont Numérique", "lormont-numerique", 2026)
        assert "<em>ateliers</em>" in created.summary_html
        save_association(created, status="year1", cohort=2027)
        db.session.commit()
        with pytest.raises(TypeError, match="slug"):
            save_association(created, slug="ailleurs")
        with pytest.raises(ValueError, match="selected"):
            save_association(created, status="selected")
    stored = load(app, Association, slug="lormont-numerique")
    assert (stored.status, stored.cohort, stored.room_weekdays) == ("year1", 2027, [0, 3])
    assert "Lormont Numérique" in page_text(signed_in(app, "coordination").get("/recherche?q=lormont"))


def test_the_page_tells_the_hours_in_french(app, demo):
    client = signed_in(app, "partenaire")
    page = page_text(client.get(f"/associations/{demo['slugs']['a']}"))
    hours = page.split('id="hours-title"', 1)[1].split("</section>", 1)[0]
    assert "Du lundi au vendredi" in hours and "9 h – 12 h et 14 h – 18 h" in hours
    assert "Samedi" in hours and "10 h – 12 h" in hours
    assert "Fermé les jours fériés." in hours
    assert "Mo-Fr" not in hours


# --- who may edit and create ---------------------------------------------------------------------------


def test_a_manager_edits_his_own_association_but_not_another(app, demo):
    client = signed_in(app, "direction.a")
    assert client.get(edit_url(demo, "a")).status_code == 200
    assert client.get(edit_url(demo, "b")).status_code == 403
    response = post_form(client, edit_url(demo, "b"), {**profile(app), "name": "Pris par A"},
                         form_url=edit_url(demo, "a"))
    assert response.status_code == 403
    assert load(app, Association, slug=demo["slugs"]["b"]).name == "Carriet Numérique Solidaire"


@pytest.mark.parametrize("key", ["mediation.a", "partenaire", "direction.b"])
def test_others_may_not_edit_a(app, demo, key):
    assert signed_in(app, key).get(edit_url(demo, "a")).status_code == 403


def test_a_manager_cannot_change_the_programme_fields(app, demo):
    client = signed_in(app, "direction.a")
    page = page_text(client.get(edit_url(demo)))
    assert 'name="status"' not in page and 'name="cohort"' not in page
    response = post_form(client, edit_url(demo), profile(app, status="alumni", cohort="2021"))
    assert response.status_code == 302
    stored = load(app, Association, slug=demo["slugs"]["a"])
    assert (stored.status, stored.cohort) == ("year2", 2024)


def test_a_coordinator_creates_an_association(app, demo, events):
    client = signed_in(app, "coordination")
    data = profile(app, name="Benauge Numérique", neighbourhood_id=str(neighbourhood_id(app, "Benauge")),
                   cohort="2025", status="year1", email="", website="", phone="", summary="")
    response = post_form(client, "/associations/nouvelle", data)
    assert response.status_code == 302
    created = load(app, Association, name="Benauge Numérique")
    assert response.headers["Location"].endswith(f"/associations/{created.slug}")
    assert created.slug == "benauge-numerique"
    assert (created.cohort, created.status, created.commune) == (2025, "year1", "Bordeaux")
    assert events == [("core.association_updated", {"association_id": created.id, "created": True})]
    assert [entry.target for entry in audit_entries(app, "association.created")] == [
        f"Benauge Numérique (association #{created.id})"]
    # The same name again gets its own address.
    post_form(client, "/associations/nouvelle", data)
    assert load(app, Association, slug="benauge-numerique-2") is not None
    assert "Benauge Numérique" in page_text(client.get("/recherche?q=benauge"))


@pytest.mark.parametrize("key", ["direction.a", "mediation.a", "partenaire"])
def test_only_coordinators_create_associations(app, demo, key):
    client = signed_in(app, key)
    assert client.get("/associations/nouvelle").status_code == 403
    response = post_form(client, "/associations/nouvelle", profile(app, name="Pirate"), form_url="/compte")
    assert response.status_code == 403
    assert load(app, Association, name="Pirate") is None


def test_reserved_words_never_become_slugs(app, demo):
    client = signed_in(app, "coordination")
    post_form(client, "/associations/nouvelle", profile(app, name="Nouvelle"))
    assert load(app, Association, slug="nouvelle") is None
    assert load(app, Association, name="Nouvelle").slug == "nouvelle-2"


# --- privacy -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["partenaire", "mediation.b", "direction.b"])
def test_outsiders_see_the_public_profile_only(app, demo, key):
    client = signed_in(app, key)
    # B does not share its contacts.
    page = page_text(client.get(f"/associations/{demo['slugs']['b']}"))
    if key == "partenaire":
        for hidden in ("bonjour@carriet-solidaire.example.org", "05 36 49 10 02", "8 rue des Lilas",
                       'id="room-title"', 'id="members-title"', "Bilal Direction"):
            assert hidden not in page, hidden
    # A shares its contacts: outsiders see them, never its room nor its team.
    page = page_text(client.get(f"/associations/{demo['slugs']['a']}"))
    assert "Grand Parc Connecté" in page and "Lundi" not in page.split('id="hours-title"')[0]
    assert "contact@grand-parc-connecte.example.org" in page
    for hidden in ('id="room-title"', 'id="members-title"', "Dominique Direction", "Maëlle Médiation",
                   "Modifier le profil", "Gérer les membres"):
        assert hidden not in page, hidden
    assert "Accompagnée, 2e année" in page and "Grand Parc, Bordeaux" in page


def test_members_of_another_association_do_not_see_unshared_contacts(app, demo):
    page = page_text(signed_in(app, "mediation.a").get(f"/associations/{demo['slugs']['b']}"))
    assert "bonjour@carriet-solidaire.example.org" not in page and 'id="room-title"' not in page


@pytest.mark.parametrize("key", ["mediation.a", "direction.a", "coordination"])
def test_members_and_coordinators_see_everything(app, demo, key):
    page = page_text(signed_in(app, key).get(f"/associations/{demo['slugs']['a']}"))
    assert 'id="room-title"' in page and "12 places" in page and "Lundi, Mardi, Jeudi" in page
    assert "Dominique Direction" in page and "contact@grand-parc-connecte.example.org" in page


def test_sharing_contacts_is_the_associations_choice(app, demo):
    client = signed_in(app, "direction.b")
    data = profile(app, name="Carriet Numérique Solidaire", commune="Lormont", postal_code="33310",
                   neighbourhood_id=str(neighbourhood_id(app, "Carriet")), email="bonjour@carriet.example.org",
                   share_contacts="y")
    assert post_form(client, edit_url(demo, "b"), data).status_code == 302
    page = page_text(signed_in(app, "partenaire").get(f"/associations/{demo['slugs']['b']}"))
    assert "bonjour@carriet.example.org" in page and 'id="room-title"' not in page


def test_the_search_document_holds_the_public_profile_only(app, demo):
    from qn_portal.associations.services import association_document

    with app.test_request_context():
        association = db.session.get(Association, demo["associations"]["b"])
        document = association_document(association)
    assert document.visibility == "community" and document.association_id == association.id
    assert "Carriet" in document.text and "bonjour@" not in document.text and "05 36" not in document.text


def test_reindex_holds_every_association(app, demo):
    from qn_portal.search import reindex

    with app.test_request_context():
        count = reindex()
    assert count >= 8
    page = page_text(signed_in(app, "partenaire").get("/recherche?q=bacalan"))
    assert "Bacalan Clic" in page


# --- members -------------------------------------------------------------------------------------------


def members_url(demo, key="a") -> str:
    return f"/associations/{demo['slugs'][key]}/membres"


def role_of(app, demo, user_key: str, association_key: str = "a") -> str | None:
    membership = load(app, Membership, user_id=demo["users"][user_key], association_id=demo["associations"][association_key])
    return membership.role if membership else None


@pytest.mark.parametrize("manager", ["direction.a", "coordination"])
def test_a_manager_or_a_coordinator_changes_roles_and_removes_members(app, demo, events, manager):
    client = signed_in(app, manager)
    page = page_text(client.get(members_url(demo)))
    assert "Maëlle Médiation" in page and "Dominique Direction" in page
    assert f'/inviter?association={demo["associations"]["a"]}' in page
    mediator = demo["users"]["mediation.a"]
    response = post_form(client, f"{members_url(demo)}/{mediator}/role", {"role": "manager"}, form_url=members_url(demo))
    assert response.status_code == 302
    assert role_of(app, demo, "mediation.a") == "manager"
    assert "Maëlle Médiation : rôle changé en « Direction »." in page_text(client.get(members_url(demo)))
    # With two managers, the first one may step down; then the new manager removes him.
    director = demo["users"]["direction.a"]
    assert post_form(client, f"{members_url(demo)}/{director}/role", {"role": "mediator"},
                     form_url=members_url(demo)).status_code == 302
    if manager == "direction.a":
        assert client.get(members_url(demo)).status_code == 403, "no longer a manager"
    remover = signed_in(app, "mediation.a")
    assert post_form(remover, f"{members_url(demo)}/{director}/retirer", {},
                     form_url=members_url(demo)).status_code == 302
    assert role_of(app, demo, "direction.a") is None
    assert load(app, Association, slug=demo["slugs"]["a"]) is not None
    a = demo["associations"]["a"]
    assert events == [
        ("core.member_role_changed", {"user_id": mediator, "association_id": a, "old_role": "mediator",
                                      "new_role": "manager"}),
        ("core.member_role_changed", {"user_id": director, "association_id": a, "old_role": "manager",
                                      "new_role": "mediator"}),
        ("core.member_removed", {"user_id": director, "association_id": a}),
    ]
    changed = audit_entries(app, "membership.role_changed")
    assert [entry.target for entry in changed] == ["Maëlle Médiation <mediation.a@example.org>",
                                                   "Dominique Direction <direction.a@example.org>"]
    assert '"new_role": "manager"' in changed[0].details
    removed = audit_entries(app, "membership.removed")
    assert [entry.target for entry in removed] == ["Dominique Direction <direction.a@example.org>"]


def test_the_last_manager_can_be_neither_demoted_nor_removed(app, demo, events):
    client = signed_in(app, "direction.a")
    director = demo["users"]["direction.a"]
    response = post_form(client, f"{members_url(demo)}/{director}/role", {"role": "mediator"},
                         form_url=members_url(demo))
    assert response.status_code == 302
    message = ("Dominique Direction est la seule personne à diriger Grand Parc Connecté : nommez d'abord "
               "quelqu'un d'autre à la direction.")
    assert message in page_text(client.get(members_url(demo)))
    post_form(client, f"{members_url(demo)}/{director}/retirer", {}, form_url=members_url(demo))
    assert message in page_text(client.get(members_url(demo)))
    coordinator = signed_in(app, "coordination")
    post_form(coordinator, f"{members_url(demo)}/{director}/retirer", {}, form_url=members_url(demo))
    assert role_of(app, demo, "direction.a") == "manager"
    assert events == [] and audit_entries(app, "membership.removed") == []


def test_the_last_manager_check_reads_the_committed_roles(app, demo):
    """Two managers demoting each other at once: the second check must see the first one's commit."""
    from qn_portal.associations.services import LastManager, change_role

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite takes the write lock at a POST's first statement: no concurrent writer")
        a, mediator = demo["associations"]["a"], demo["users"]["mediation.a"]
        db.session.execute(text("UPDATE membership SET role = 'manager' WHERE user_id = :u"), {"u": mediator})
        db.session.commit()
        mine = db.session.scalar(select(Membership).filter_by(association_id=a, user_id=demo["users"]["direction.a"]))
        theirs = db.session.scalar(select(Membership).filter_by(association_id=a, user_id=mediator))
        assert (mine.role, theirs.role) == ("manager", "manager")  # both loaded in this session
        with db.engine.begin() as other:  # meanwhile, the other manager stepped down and committed
            other.execute(text("UPDATE membership SET role = 'mediator' WHERE user_id = :u"), {"u": mediator})
        with pytest.raises(LastManager):
            change_role(mine, "mediator")
        db.session.rollback()


def test_an_unknown_role_is_refused(app, demo):
    client = signed_in(app, "direction.a")
    post_form(client, f"{members_url(demo)}/{demo['users']['mediation.a']}/role", {"role": "admin"},
              form_url=members_url(demo))
    assert role_of(app, demo, "mediation.a") == "mediator"


@pytest.mark.parametrize("key", ["mediation.a", "direction.b", "partenaire"])
def test_mediators_and_other_managers_may_not_manage_members(app, demo, key):
    client = signed_in(app, key)
    assert client.get(members_url(demo)).status_code == 403
    mediator = demo["users"]["mediation.a"]
    assert post_form(client, f"{members_url(demo)}/{mediator}/role", {"role": "manager"},
                     form_url="/compte").status_code == 403
    assert post_form(client, f"{members_url(demo)}/{mediator}/retirer", {}, form_url="/compte").status_code == 403
    assert role_of(app, demo, "mediation.a") == "mediator"


def test_a_member_of_b_cannot_be_reached_through_a(app, demo):
    client = signed_in(app, "direction.a")
    other = demo["users"]["mediation.b"]
    assert post_form(client, f"{members_url(demo)}/{other}/retirer", {},
                     form_url=members_url(demo)).status_code == 404
    assert role_of(app, demo, "mediation.b", "b") == "mediator"


def test_the_invitation_link_preselects_the_association(app, demo):
    client = signed_in(app, "coordination")
    page = page_text(client.get(f"/inviter?association={demo['associations']['b']}"))
    assert re.search(rf'<option selected value="{demo["associations"]["b"]}"|'
                     rf'<option value="{demo["associations"]["b"]}" selected', page)
    # A manager cannot preselect an association he does not manage.
    page = page_text(signed_in(app, "direction.a").get(f"/inviter?association={demo['associations']['b']}"))
    assert f'value="{demo["associations"]["b"]}"' not in page


# --- the current association ---------------------------------------------------------------------------


def test_someone_in_several_associations_switches_between_them(app, demo):
    client = signed_in(app, "direction.b")
    page = page_text(client.get("/tableau-de-bord"))
    assert 'id="current-association"' in page
    h = demo["associations"]["h"]
    response = post_form(client, "/associations/courante", {"association_id": str(h), "next": "/associations/"},
                         form_url="/tableau-de-bord")
    assert response.status_code == 302 and response.headers["Location"].endswith("/associations/")
    page = page_text(client.get("/tableau-de-bord"))
    assert re.search(rf'<option value="{h}" selected>', page)
    # Not one of theirs: refused, and the choice stays.
    response = post_form(client, "/associations/courante", {"association_id": str(demo["associations"]["a"])},
                         form_url="/tableau-de-bord")
    assert response.status_code == 403
    assert re.search(rf'<option value="{h}" selected>', page_text(client.get("/tableau-de-bord")))


def test_the_switch_is_shown_only_to_people_in_several_associations(app, demo):
    for key in ("mediation.a", "coordination", "partenaire"):
        assert 'id="current-association"' not in page_text(signed_in(app, key).get("/tableau-de-bord")), key


def test_current_association_for_plugins(app, demo):
    from flask import session
    from flask_login import login_user

    from qn_portal.accounts.models import User
    from qn_portal.api import current_association
    from qn_portal.associations.services import SESSION_KEY

    with app.test_request_context():
        assert current_association() is None  # nobody signed in
        login_user(db.session.get(User, demo["users"]["direction.b"]))
        assert current_association().id == demo["associations"]["b"]  # the first by name: Carriet before Dravemont
        session[SESSION_KEY] = demo["associations"]["h"]
        assert current_association().id == demo["associations"]["h"]
        session[SESSION_KEY] = demo["associations"]["a"]  # a stale or forged choice falls back
        assert current_association().id == demo["associations"]["b"]
    with app.test_request_context():
        login_user(db.session.get(User, demo["users"]["coordination"]))
        assert current_association() is None


# --- neighbourhoods ------------------------------------------------------------------------------------


def test_coordinators_maintain_the_neighbourhoods(app, demo):
    client = signed_in(app, "coordination")
    page = page_text(client.get("/associations/quartiers/"))
    assert "Grand Parc" in page and "Quartier prioritaire (QPV)" in page
    response = post_form(client, "/associations/quartiers/nouveau",
                         {"name": "Le Lac", "commune": "Bordeaux", "kind": "veille", "code": ""})
    assert response.status_code == 302
    created = load(app, Neighbourhood, name="Le Lac")
    assert (created.commune, created.kind, created.code) == ("Bordeaux", "veille", "")
    # The same name in the same commune, whatever its case, is refused; in another commune it is fine.
    response = post_form(client, "/associations/quartiers/nouveau",
                         {"name": "le lac", "commune": "Bordeaux", "kind": "qpv", "code": ""})
    assert field_error(page_text(response), "name") == "Ce quartier existe déjà dans cette commune."
    assert post_form(client, "/associations/quartiers/nouveau",
                     {"name": "Le Lac", "commune": "Bruges", "kind": "qpv", "code": ""}).status_code == 302
    # Edit: a code, a kind.
    url = f"/associations/quartiers/{created.id}/modifier"
    assert post_form(client, url, {"name": "Bordeaux Lac", "commune": "Bordeaux", "kind": "qpv",
                                   "code": "qn03301x"}).status_code == 302
    edited = load(app, Neighbourhood, id=created.id)
    assert (edited.name, edited.kind, edited.code) == ("Bordeaux Lac", "qpv", "QN03301X")
    # Unused: it can be deleted.
    assert post_form(client, f"/associations/quartiers/{created.id}/supprimer", {},
                     form_url="/associations/quartiers/").status_code == 302
    assert load(app, Neighbourhood, id=created.id) is None


def test_a_neighbourhood_in_use_is_never_deleted_nor_moved(app, demo):
    client = signed_in(app, "coordination")
    grand_parc = neighbourhood_id(app, "Grand Parc")
    response = post_form(client, f"/associations/quartiers/{grand_parc}/supprimer", {},
                         form_url="/associations/quartiers/")
    assert response.status_code == 302
    assert "Grand Parc ne peut pas être supprimé : 1 association y est rattachée." in page_text(
        client.get("/associations/quartiers/"))
    assert load(app, Neighbourhood, id=grand_parc) is not None
    response = post_form(client, f"/associations/quartiers/{grand_parc}/modifier",
                         {"name": "Grand Parc", "commune": "Cenon", "kind": "qpv", "code": ""})
    assert response.status_code == 200
    assert "ne peut pas changer de commune" in field_error(page_text(response), "commune")


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": "", "commune": "Bordeaux", "kind": "qpv"}, "name", "Indiquez le nom du quartier."),
    ({"name": "Nulle part", "commune": "Lyon", "kind": "qpv"}, "commune", "Choisissez une commune de Bordeaux"),
    ({"name": "Nulle part", "commune": "Bordeaux", "kind": "zone"}, "kind", "Choisissez un type de la liste."),
    ({"name": "Nulle part", "commune": "Bordeaux", "kind": "qpv", "code": "<b>"}, "code", "Lettres, chiffres"),
])
def test_neighbourhood_form_errors_are_french(app, demo, data, field, message):
    response = post_form(signed_in(app, "coordination"), "/associations/quartiers/nouveau", data)
    assert response.status_code == 200
    assert message in field_error(page_text(response), field)


@pytest.mark.parametrize("key", ["direction.a", "mediation.a", "partenaire"])
def test_only_coordinators_touch_the_neighbourhoods(app, demo, key):
    client = signed_in(app, key)
    grand_parc = neighbourhood_id(app, "Grand Parc")
    assert client.get("/associations/quartiers/").status_code == 403
    assert client.get(f"/associations/quartiers/{grand_parc}/modifier").status_code == 403
    assert post_form(client, "/associations/quartiers/nouveau", {"name": "X", "commune": "Bordeaux", "kind": "qpv"},
                     form_url="/compte").status_code == 403
    assert post_form(client, f"/associations/quartiers/{neighbourhood_id(app, 'Saige')}/supprimer", {},
                     form_url="/compte").status_code == 403
    assert load(app, Neighbourhood, name="Saige") is not None


# --- the directory -------------------------------------------------------------------------------------


def directory_names(client, query: str = "") -> list[str]:
    page = page_text(client.get("/associations/" + query))
    return re.findall(r'<h3><a href="/associations/[^"]+">([^<]+)</a></h3>', page)


def test_the_directory_lists_everyone_with_a_summary(app, demo):
    client = signed_in(app, "partenaire")
    names = directory_names(client)
    assert len(names) == 8 and names == sorted(names)
    page = page_text(client.get("/associations/"))
    summary = page.split('id="summary-title"', 1)[1].split("</section>", 1)[0]
    assert "8 associations" in summary
    assert "Candidate : 1" in summary and "Ancienne du programme : 3" in summary
    assert "Bordeaux : 3" in summary and "Lormont : 1" in summary


def test_directory_filters_combine(app, demo):
    client = signed_in(app, "mediation.a")
    assert directory_names(client, "?commune=Bordeaux") == ["Bacalan Clic", "Grand Parc Connecté",
                                                            "Les Aubiers en Ligne"]
    assert directory_names(client, "?commune=Bordeaux&status=alumni") == ["Bacalan Clic", "Les Aubiers en Ligne"]
    assert directory_names(client, "?commune=Bordeaux&status=alumni&cohort=2021") == ["Bacalan Clic"]
    assert directory_names(client, "?cohort=2024") == ["Grand Parc Connecté", "Saige Solidarité Numérique"]
    assert directory_names(client, f"?neighbourhood={neighbourhood_id(app, 'Carriet')}") == [
        "Carriet Numérique Solidaire"]
    assert directory_names(client, "?commune=Lormont&status=alumni") == []
    page = page_text(client.get("/associations/?commune=Bordeaux&status=alumni"))
    assert "2 associations pour ces filtres" in page
    assert re.search(r'<option selected value="alumni">|<option value="alumni" selected>', page)
    assert "Aucune association ne correspond à ces filtres." in page_text(
        client.get("/associations/?commune=Lormont&status=alumni"))


@pytest.mark.parametrize("query", ["?commune=Paris", "?cohort=abc", "?status=x", "?neighbourhood=-1",
                                   "?neighbourhood=99999999999999999999", "?commune=%00"])
def test_unknown_filter_values_filter_nothing(app, demo, query):
    client = signed_in(app, "partenaire")
    assert len(directory_names(client, query)) == 8


def test_the_directory_paginates(app, demo):
    with app.app_context():
        for number in range(25):
            db.session.add(Association(name=f"Zeta {number:02d}", slug=f"zeta-{number:02d}", commune="Cenon"))
        db.session.commit()
    client = signed_in(app, "partenaire")
    first, second = directory_names(client, "?commune=Cenon"), directory_names(client, "?commune=Cenon&page=2")
    assert len(first) == 20 and len(second) == 6 and not set(first) & set(second)
    assert "commune=Cenon" in page_text(client.get("/associations/?commune=Cenon")).split('rel="next"')[0][-200:]
    assert client.get("/associations/?page=9").status_code == 404


# --- the data migration --------------------------------------------------------------------------------


def test_the_migration_turns_free_text_neighbourhoods_into_links(migrated, tmp_path):
    with new_database("qn_assoc_migration", tmp_path) as url:
        app = create_app(make_config(url, tmp_path))
        with app.app_context():
            flask_migrate.upgrade(revision="7b412c1a1957")
            with db.engine.begin() as connection:
                for name, slug, commune, neighbourhood in (
                        ("Une", "une", "bordeaux", "grand parc"), ("Deux", "deux", "Cenon", "Quartier inconnu"),
                        ("Trois", "trois", "Lormont", "")):
                    connection.execute(text(
                        "INSERT INTO association (name, slug, commune, neighbourhood, summary, summary_html, "
                        "created_at) VALUES (:name, :slug, :commune, :neighbourhood, '', '', '2026-01-01 00:00:00')"),
                        {"name": name, "slug": slug, "commune": commune, "neighbourhood": neighbourhood})
            flask_migrate.upgrade(revision="core_0002_associations")
            with db.engine.connect() as connection:
                seeded = connection.execute(text("SELECT name, commune, kind, code FROM neighbourhood")).all()
                rows = {row.slug: row for row in connection.execute(text(
                    "SELECT a.slug, a.commune, a.address, a.status, a.room_capacity, n.name AS quartier "
                    "FROM association a LEFT JOIN neighbourhood n ON n.id = a.neighbourhood_id"))}
            assert sorted((name, commune) for name, commune, _kind, _code in seeded) == sorted(
                (name, commune) for name, commune, _kind in SEED_NEIGHBOURHOODS)
            assert {(kind, code) for _name, _commune, kind, code in seeded} == {("qpv", "")}
            assert (rows["une"].commune, rows["une"].quartier, rows["une"].address) == ("Bordeaux", "Grand Parc", "")
            assert (rows["deux"].quartier, rows["deux"].address) == (None, "Quartier : Quartier inconnu")
            assert (rows["trois"].quartier, rows["trois"].address) == (None, "")
            assert (rows["une"].status, rows["une"].room_capacity) == ("candidate", 10)
            flask_migrate.downgrade(revision="7b412c1a1957")
            with db.engine.connect() as connection:
                back = dict(connection.execute(text("SELECT slug, neighbourhood FROM association")).all())
            assert back == {"une": "Grand Parc", "deux": "Quartier inconnu", "trois": ""}
            db.session.remove()
            db.engine.dispose()


def test_communes_are_the_28_of_the_metropole():
    assert len(COMMUNES) == 28 == len(set(COMMUNES))
    assert {"Bordeaux", "Lormont", "Cenon", "Floirac", "Pessac", "Talence", "Mérignac"} <= set(COMMUNES)
    assert all(commune in COMMUNES for _name, commune, _kind in SEED_NEIGHBOURHOODS)
