"""Account flows: forgotten password, password policy, invitations, profile, password change, admin, CLI.

How logins end (logout, password change, deactivation) is in test_sessions.py. Demo accounts get a cheap
hash of the demo password (see ``demo``); scrypt runs wherever a test sets a password through the portal.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import DEMO_PASSWORD, csrf_token, email, fast_hash, login, post_form, signed_in
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash

from qn_portal.accounts.models import User, UserSession
from qn_portal.accounts.passwords import password_problem
from qn_portal.accounts.tokens import INVITATION, RESET, make_token
from qn_portal.associations.models import Membership
from qn_portal.extensions import db
from qn_portal.mail import outbox

DASHBOARD = "/tableau-de-bord"
TOKEN_INVALID = "Ce lien n'est plus valable"
NEW_PASSWORD = "girafe trombone cerisier 42"
OTHER_PASSWORD = "hibou parasol lentille 1907"
KIM = "kestrel.wobbly@example.org"
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*?value=")[^"]*"')
HOUR, DAY = 3600, 86400

TOO_SHORT = "Le mot de passe doit contenir au moins 12 caractères."
TOO_COMMON = "Ce mot de passe est trop courant ou trop facile à deviner."
HAS_EMAIL = "Le mot de passe ne doit pas contenir votre adresse e-mail."
MISMATCH = "Les deux mots de passe ne sont pas identiques."




def field_error(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    return match.group(1).replace("&#39;", "'") if match else ""


def text(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'")


def normalised(response, address: str) -> str:
    """The page without what may differ between two equal answers: the address typed and CSRF tokens."""
    return CSRF_VALUE.sub(r'\1"', response.get_data(as_text=True).replace(address, "ADDRESS"))


def mails(app) -> list:
    with app.app_context():
        return list(outbox())


def link_in(message, path: str) -> str:
    match = re.search(rf"http://portail\.test(/{path}/\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


def get_user(app, address: str) -> User | None:
    with app.app_context():
        user = User.by_email(address)
        if user is not None:
            db.session.expunge(user)
        return user


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def shift_clock(monkeypatch, seconds: int) -> None:
    """Move the clock that signs and checks tokens ``seconds`` ahead (tokens already made keep their time)."""
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + seconds)


def add_person(app, address: str = KIM, name: str = "Kim Wobbly", password: str | None = DEMO_PASSWORD,
               purpose: str | None = None) -> str | None:
    """Add an account (``password=None``: invited, not yet accepted); return a token for ``purpose``."""
    with app.app_context():
        user = User(email=address, name=name, password_hash=fast_hash(password) if password else None)
        db.session.add(user)
        db.session.commit()
        return make_token(user, purpose) if purpose else None


# --- Forgotten password ----------------------------------------------------------------------------------


def ask_reset(client, address: str):
    return post_form(client, "/mot-de-passe-oublie", {"email": address})


def test_forgotten_password_answers_alike_and_mails_only_a_real_account(app, demo):
    with app.app_context():
        db.session.execute(update(User).where(User.email == email("mediation.b")).values(active=False))
        db.session.commit()
    add_person(app, "en.attente@example.org", password=None)

    answers = {}
    for address in (email("mediation.a"), "inconnu@example.org", email("mediation.b"), "en.attente@example.org"):
        client = app.test_client()
        response = ask_reset(client, address)
        assert response.status_code == 302
        assert response.headers["Location"] == "/connexion"
        answers[address] = normalised(client.get("/connexion"), address)
    assert "Si un compte existe pour cette adresse, un lien de réinitialisation" in answers[email("mediation.a")]
    assert len(set(answers.values())) == 1

    (message,) = mails(app)  # nothing for the unknown, deactivated or not yet activated accounts
    assert message["To"] == email("mediation.a")
    assert message["Subject"] == "Réinitialiser votre mot de passe"
    link_in(message, "reinitialiser")


@pytest.mark.parametrize("config_overrides", [{"RESET_MAX_AGE": timedelta(hours=2)}])
def test_reset_mail_and_page_announce_the_configured_validity(app, client, demo, config_overrides):
    response = ask_reset(client, email("mediation.a"))
    assert response.status_code == 302, text(response)
    # Babel writes "2 heures" with a no-break space, as French typography wants.
    assert "Il est valable 2\xa0heures." in text(client.get("/connexion"))
    (message,) = mails(app)
    assert "valable 2\xa0heures, une seule fois" in message.get_content()


@pytest.mark.parametrize(
    ("address", "error"),
    [("", "Indiquez une adresse e-mail."), ("pas-une-adresse", "Cette adresse e-mail n'est pas valide.")],
)
def test_forgotten_password_refuses_a_malformed_address(app, client, demo, address, error):
    response = ask_reset(client, address)
    assert response.status_code == 200
    assert field_error(text(response), "email") == error
    assert mails(app) == []


def test_reset_link_works_once(app, client, demo):
    ask_reset(client, email("mediation.a"))
    link = link_in(mails(app)[0], "reinitialiser")
    form = client.get(link)
    assert form.status_code == 200
    assert "Choisir un nouveau mot de passe" in text(form)

    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/connexion"
    assert "Votre mot de passe a été changé" in text(client.get("/connexion"))
    user = get_user(app, email("mediation.a"))
    assert user.password_hash.startswith("scrypt:")
    assert user.password_changed_at is not None
    assert login(app.test_client(), email("mediation.a"), NEW_PASSWORD).status_code == 302

    again = client.get(link)
    assert again.status_code == 400
    assert TOKEN_INVALID in text(again)
    token = csrf_token(client, "/connexion")
    reused = client.post(link, data={"csrf_token": token, "password": OTHER_PASSWORD, "confirm": OTHER_PASSWORD})
    assert reused.status_code == 400
    assert TOKEN_INVALID in text(reused)
    assert get_user(app, email("mediation.a")).password_hash == user.password_hash


def test_reset_link_expires_after_an_hour(app, client, demo, monkeypatch):
    ask_reset(client, email("mediation.a"))
    link = link_in(mails(app)[0], "reinitialiser")
    with monkeypatch.context() as clock:
        shift_clock(clock, HOUR - 60)
        assert client.get(link).status_code == 200
    shift_clock(monkeypatch, HOUR + 1)
    expired = client.get(link)
    assert expired.status_code == 400
    assert TOKEN_INVALID in text(expired)
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, form_url="/connexion")
    assert response.status_code == 400
    assert check_password_hash(get_user(app, email("mediation.a")).password_hash, DEMO_PASSWORD)


def test_reset_link_dies_with_a_password_change(app, demo):
    ask_reset(app.test_client(), email("mediation.a"))
    link = link_in(mails(app)[0], "reinitialiser")
    client = signed_in(app, "mediation.a")
    response = post_form(client, "/compte/mot-de-passe", {
        "current_password": DEMO_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
    })
    assert response.status_code == 302
    stale = app.test_client().get(link)
    assert stale.status_code == 400
    assert TOKEN_INVALID in text(stale)


def test_reset_link_dies_when_the_account_is_deactivated(app, client, demo):
    ask_reset(client, email("mediation.a"))
    link = link_in(mails(app)[0], "reinitialiser")
    with app.app_context():
        db.session.execute(update(User).where(User.email == email("mediation.a")).values(active=False))
        db.session.commit()
    assert client.get(link).status_code == 400


def test_forged_and_misused_tokens_are_refused(app, client):
    reset_token = add_person(app, purpose=RESET)
    invitation_token = add_person(app, "invite@example.org", password=None, purpose=INVITATION)
    for url in (
        f"/reinitialiser/{reset_token[:-2]}xx",
        f"/reinitialiser/{reset_token}x",
        "/reinitialiser/n-importe-quoi",
        f"/reinitialiser/{invitation_token}",  # an invitation is no reset, nor the other way round
        f"/invitation/{add_person(app, 'autre@example.org', password=None, purpose=RESET)}",
        f"/invitation/{invitation_token[:-2]}xx",
        # An invitation token for someone who has a password already never opens the invitation page.
        f"/invitation/{add_person(app, 'actif@example.org', purpose=INVITATION)}",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert TOKEN_INVALID in text(response)
    assert client.get(f"/reinitialiser/{reset_token}").status_code == 200
    assert client.get(f"/invitation/{invitation_token}").status_code == 200


# --- Password policy, on every page that sets a password -------------------------------------------------


def password_page(app, kind: str) -> str:
    if kind == "reset":
        return f"/reinitialiser/{add_person(app, purpose=RESET)}"
    return f"/invitation/{add_person(app, password=None, purpose=INVITATION)}"


@pytest.mark.parametrize("kind", ["reset", "invitation"])
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("court", TOO_SHORT),
        ("onze lettre", TOO_SHORT),
        ("azertyuiop123", TOO_COMMON),
        ("motdepasse123", TOO_COMMON),
        ("x" * 257, "Le mot de passe ne doit pas dépasser 256 caractères."),
        (KIM, HAS_EMAIL),
        ("Mon adresse " + KIM.upper(), HAS_EMAIL),
    ],
)
def test_weak_passwords_are_refused_next_to_the_field(app, client, kind, password, message):
    url = password_page(app, kind)
    before = get_user(app, KIM).password_hash
    response = post_form(client, url, {"name": "Kim Wobbly", "password": password, "confirm": password})
    assert response.status_code == 200
    assert message in field_error(text(response), "password")
    assert get_user(app, KIM).password_hash == before
    assert client.get(url).status_code == 200  # the link still works


@pytest.mark.parametrize("password", ["azertyuiopqsdf", "azertyqsdfghjk", "wxcvbnqsdfghjklm", "jetaime123456",
                                      "poiuytrezaqsdf"])
def test_azerty_walks_and_french_favourites_are_refused(app, password):
    with app.app_context():
        assert password_problem(password, []).startswith(TOO_COMMON)


@pytest.mark.parametrize("password", ["correct cheval agrafe pile", "Soleil-de-Bordeaux-33", "azer tomate vélo gare"])
def test_passphrases_still_pass(app, password):
    with app.app_context():
        assert password_problem(password, []) is None


def test_passwords_refused_for_the_email_are_fine_for_someone_else(app):
    with app.app_context():
        for password in (KIM, "Mon adresse " + KIM.upper()):
            assert password_problem(password, [KIM, "Kim Wobbly"]) == HAS_EMAIL
            assert password_problem(password, ["autre@example.org", "Autre Personne"]) is None


@pytest.mark.parametrize("kind", ["reset", "invitation"])
def test_mismatched_confirmation_is_refused(app, client, kind):
    url = password_page(app, kind)
    response = post_form(client, url, {"name": "Kim Wobbly", "password": NEW_PASSWORD, "confirm": OTHER_PASSWORD})
    assert response.status_code == 200
    assert field_error(text(response), "confirm") == MISMATCH
    assert field_error(text(response), "password") == ""
    response = post_form(client, url, {"name": "Kim Wobbly", "password": NEW_PASSWORD, "confirm": ""})
    assert field_error(text(response), "confirm") == "Confirmez le mot de passe."
    user = get_user(app, KIM)
    assert user.password_hash is None if kind == "invitation" else check_password_hash(user.password_hash,
                                                                                      DEMO_PASSWORD)


# --- Invitations -----------------------------------------------------------------------------------------


def invite(client, address: str, role: str = "member", association_id: int | str = "",
           association_role: str = "mediator", name: str = ""):
    return post_form(client, "/inviter", {
        "email": address, "name": name, "role": role, "association_id": str(association_id),
        "association_role": association_role,
    })


def role_options(client) -> set[str]:
    page = text(client.get("/inviter"))
    select_html = re.search(r'<select[^>]*name="role".*?</select>', page, re.S).group(0)
    return set(re.findall(r'value="([^"]*)"', select_html))


def association_options(client) -> set[str]:
    page = text(client.get("/inviter"))
    select_html = re.search(r'<select[^>]*name="association_id".*?</select>', page, re.S).group(0)
    return set(re.findall(r'value="([^"]*)"', select_html)) - {""}


def test_admin_invites_someone_who_sets_a_password_and_is_signed_in(app, demo):
    admin = signed_in(app, "admin")
    assert role_options(admin) == {"member", "partner", "coordinator", "admin"}
    response = invite(admin, "Nouvelle.Coordination@Example.org", role="coordinator", name="Noé Nouveau")
    assert response.status_code == 302
    assert response.headers["Location"] == "/inviter"
    assert "Invitation envoyée à nouvelle.coordination@example.org." in text(admin.get("/inviter"))

    invited = get_user(app, "nouvelle.coordination@example.org")
    assert invited.role == "coordinator"
    assert invited.password_hash is None
    assert invited.invited_by_id == demo["users"]["admin"]
    (message,) = mails(app)
    assert message["To"] == "nouvelle.coordination@example.org"
    assert "Alex Admin vous invite" in message.get_content()
    link = link_in(message, "invitation")

    guest = app.test_client()
    page = guest.get(link)
    assert page.status_code == 200
    assert "nouvelle.coordination@example.org" in text(page)
    assert 'value="Noé Nouveau"' in text(page)  # the name the inviter typed, to correct if need be
    response = post_form(guest, link, {"name": "  Noémie Nouvelle ", "password": NEW_PASSWORD,
                                       "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == DASHBOARD
    dashboard = guest.get(DASHBOARD)
    assert dashboard.status_code == 200
    assert "Noémie Nouvelle" in text(dashboard)

    user = get_user(app, "nouvelle.coordination@example.org")
    assert user.name == "Noémie Nouvelle"
    assert user.password_hash.startswith("scrypt:")
    assert login(app.test_client(), user.email, NEW_PASSWORD).status_code == 302

    # The link served once.
    again = app.test_client().get(link)
    assert again.status_code == 400
    assert TOKEN_INVALID in text(again)
    reused = post_form(app.test_client(), link, {"name": "Quelqu'un", "password": OTHER_PASSWORD,
                                                 "confirm": OTHER_PASSWORD}, form_url="/connexion")
    assert reused.status_code == 400
    assert get_user(app, user.email).password_hash == user.password_hash


def test_accepting_an_invitation_needs_a_name(app, client):
    url = password_page(app, "invitation")
    for name in ("", "   "):
        response = post_form(client, url, {"name": name, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert response.status_code == 200
        assert field_error(text(response), "name") == "Indiquez votre prénom et votre nom."
    assert get_user(app, KIM).password_hash is None
    assert client.get(DASHBOARD).status_code == 302


def test_invitation_into_an_association_adds_the_membership(app, demo):
    admin = signed_in(app, "admin")
    response = invite(admin, "nouvelle.direction@example.org", association_id=demo["associations"]["b"],
                      association_role="manager")
    assert response.status_code == 302
    with app.app_context():
        user = User.by_email("nouvelle.direction@example.org")
        assert user.role == "member"
        assert [(m.association_id, m.role) for m in user.memberships] == [(demo["associations"]["b"], "manager")]
    assert "Vous y rejoindrez l'association Carriet Numérique Solidaire." in mails(app)[0].get_content()


def test_invitation_link_expires_and_a_new_invitation_sends_a_fresh_one(app, demo, monkeypatch):
    admin = signed_in(app, "admin")
    invite(admin, "lente@example.org", role="partner")
    link = link_in(mails(app)[0], "invitation")
    with monkeypatch.context() as clock:
        shift_clock(clock, 7 * DAY - 60)
        assert app.test_client().get(link).status_code == 200
    shift_clock(monkeypatch, 7 * DAY + 1)
    expired = app.test_client().get(link)
    assert expired.status_code == 400
    assert TOKEN_INVALID in text(expired)

    # The expired page tells the person to ask for a new invitation: inviting again must send one.
    assert invite(admin, "lente@example.org", role="partner").status_code == 302
    assert len(mails(app)) == 2
    fresh = link_in(mails(app)[1], "invitation")
    guest = app.test_client()
    assert guest.get(fresh).status_code == 200
    response = post_form(guest, fresh, {"name": "Lou Lente", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert user_count(app) == len(demo["users"]) + 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"address": "pas-une-adresse"}, "email", "Cette adresse e-mail n'est pas valide."),
        ({"address": ""}, "email", "Indiquez une adresse e-mail."),
        ({"role": "member"}, "association_id", "Choisissez l'association de cette personne."),
        ({"role": "partner", "association_id": "A"}, "association_id",
         "Seuls les membres d'une association sont rattachés à une association."),
        ({"role": "superuser"}, "role", None),
        ({"role": "member", "association_id": "999999"}, "association_id", None),
    ],
)
def test_invalid_invitations_are_refused(app, demo, fields, field, message):
    admin = signed_in(app, "admin")
    fields = {"address": "quelqu.un@example.org", **fields}
    if fields.get("association_id") == "A":
        fields["association_id"] = demo["associations"]["a"]
    response = invite(admin, **fields)
    assert response.status_code == 200
    error = field_error(text(response), field)
    assert error == message if message else error
    assert user_count(app) == len(demo["users"])
    assert mails(app) == []


def test_coordinator_cannot_grant_admin(app, demo):
    coordinator = signed_in(app, "coordination")
    assert role_options(coordinator) == {"member", "partner", "coordinator"}
    response = invite(coordinator, "futur.admin@example.org", role="admin")
    assert response.status_code == 200
    assert field_error(text(response), "role")
    assert get_user(app, "futur.admin@example.org") is None
    assert mails(app) == []
    # What a coordinator may give works.
    assert invite(coordinator, "futur.admin@example.org", role="coordinator").status_code == 302
    assert get_user(app, "futur.admin@example.org").role == "coordinator"


def test_manager_invites_members_into_their_own_association_only(app, demo):
    manager = signed_in(app, "direction.a")
    own, other = demo["associations"]["a"], demo["associations"]["b"]
    assert role_options(manager) == {"member"}
    assert association_options(manager) == {str(own)}

    refused = [
        invite(manager, "intrus@example.org", association_id=other),
        invite(manager, "intrus@example.org", association_id=other, association_role="manager"),
        invite(manager, "intrus@example.org", role="coordinator"),
        invite(manager, "intrus@example.org", role="partner", association_id=own),
        invite(manager, "intrus@example.org", association_id=""),  # a member of no association
    ]
    for response in refused:
        assert response.status_code in (200, 403)
        if response.status_code == 200:
            page = text(response)
            assert field_error(page, "association_id") or field_error(page, "role")
    assert get_user(app, "intrus@example.org") is None
    assert mails(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Membership).where(
            Membership.association_id == other)) == 2

    assert invite(manager, "recrue@example.org", association_id=own).status_code == 302
    with app.app_context():
        recruit = User.by_email("recrue@example.org")
        assert recruit.role == "member"
        assert [(m.association_id, m.role) for m in recruit.memberships] == [(own, "mediator")]


@pytest.mark.parametrize("key", ["mediation.a", "partenaire"])
def test_people_who_may_not_invite_get_403(app, demo, key):
    client = signed_in(app, key)
    assert client.get("/inviter").status_code == 403
    token = csrf_token(client, "/compte")
    response = client.post("/inviter", data={"csrf_token": token, "email": "x@example.org", "role": "member",
                                              "association_id": str(demo["associations"]["a"])})
    assert response.status_code == 403
    assert get_user(app, "x@example.org") is None


def test_inviting_an_existing_address_answers_like_a_new_one(app, demo):
    manager = signed_in(app, "direction.a")
    own = demo["associations"]["a"]
    pages = {}
    for address in ("toute.nouvelle@example.org", email("mediation.b"), email("admin")):
        response = invite(manager, address.upper(), association_id=own)
        assert response.status_code == 302
        assert response.headers["Location"] == "/inviter"
        pages[address] = normalised(manager.get("/inviter"), address)
    assert "Invitation envoyée à ADDRESS." in pages["toute.nouvelle@example.org"]
    assert len(set(pages.values())) == 1

    assert user_count(app) == len(demo["users"]) + 1
    for key in ("mediation.b", "admin"):
        existing = get_user(app, email(key))
        assert existing.role == ("admin" if key == "admin" else "member")
        assert check_password_hash(existing.password_hash, DEMO_PASSWORD)
    # Existing accounts get no invitation link (they have a password already).
    assert [m["To"] for m in mails(app) if "/invitation/" in m.get_content()] == ["toute.nouvelle@example.org"]


# --- Profile ---------------------------------------------------------------------------------------------


def save_profile(client, **fields):
    data = {"name": "Maëlle Médiation", "phone": "", "notify_email": "daily", "locale": "fr", **fields}
    return post_form(client, "/compte", data)


def test_profile_is_saved(app, demo):
    client = signed_in(app, "mediation.a")
    response = save_profile(client, name="  Maëlle M. ", phone="+33 6 12 34 56 78", notify_email="none",
                            locale="en")
    assert response.status_code == 302
    assert response.headers["Location"] == "/compte"
    user = get_user(app, email("mediation.a"))
    assert (user.name, user.phone, user.notify_email, user.locale) == ("Maëlle M.", "+33 6 12 34 56 78", "none", "en")
    page = client.get("/compte")
    assert '<html lang="en">' in text(page)  # the interface follows the saved language
    assert re.search(r'<input[^>]*checked[^>]*value="none"', text(page))

    assert save_profile(client, notify_email="immediate", phone="").status_code == 302
    user = get_user(app, email("mediation.a"))
    assert (user.notify_email, user.phone, user.locale) == ("immediate", "", "fr")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "Indiquez votre prénom et votre nom."),
        ({"name": "   "}, "name", "Indiquez votre prénom et votre nom."),
        ({"name": "x" * 121}, "name", None),
        ({"phone": "appelez-moi"}, "phone", "Ce numéro de téléphone n'est pas valide."),
        ({"phone": "12345"}, "phone", "Ce numéro de téléphone n'est pas valide."),
        ({"phone": "+33 6 12 34 56 78 90 12 34"}, "phone", "Ce numéro de téléphone n'est pas valide."),
        ({"phone": "06<script>"}, "phone", "Ce numéro de téléphone n'est pas valide."),
        ({"notify_email": "weekly"}, "notify_email", None),
        ({"notify_email": ""}, "notify_email", None),
        ({"locale": "de"}, "locale", None),
    ],
)
def test_profile_refuses_bad_input(app, demo, fields, field, message):
    client = signed_in(app, "mediation.a")
    response = save_profile(client, **{"name": "Nom Changé", **fields})
    assert response.status_code == 200
    error = field_error(text(response), field)
    assert error == message if message else error
    user = get_user(app, email("mediation.a"))
    assert (user.name, user.phone, user.notify_email, user.locale) == ("Maëlle Médiation", "", "daily", "fr")


def test_profile_needs_a_signed_in_person(client):
    response = client.get("/compte")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion")


# --- Password change -------------------------------------------------------------------------------------


def change_password(client, current: str, new: str, confirm: str | None = None):
    return post_form(client, "/compte/mot-de-passe", {
        "current_password": current, "password": new, "confirm": new if confirm is None else confirm,
    })


def test_password_change_refuses_bad_input(app, demo):
    client = signed_in(app, "mediation.a")
    cases = [
        (("pas le bon mot de passe", NEW_PASSWORD), "current_password", "Le mot de passe actuel est incorrect."),
        (("", NEW_PASSWORD), "current_password", "Indiquez votre mot de passe actuel."),
        ((DEMO_PASSWORD, "azertyuiop123"), "password", TOO_COMMON),
        ((DEMO_PASSWORD, "court"), "password", TOO_SHORT),
        ((DEMO_PASSWORD, "moi " + email("mediation.a")), "password", HAS_EMAIL),
        ((DEMO_PASSWORD, NEW_PASSWORD, OTHER_PASSWORD), "confirm", MISMATCH),
    ]
    for args, field, message in cases:
        response = change_password(client, *args)
        assert response.status_code == 200, args
        assert message in field_error(text(response), field), args
    assert check_password_hash(get_user(app, email("mediation.a")).password_hash, DEMO_PASSWORD)


def test_password_change_succeeds_with_the_current_password(app, demo):
    client = signed_in(app, "mediation.a")
    response = change_password(client, DEMO_PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/compte"
    user = get_user(app, email("mediation.a"))
    assert user.password_hash.startswith("scrypt:")
    assert check_password_hash(user.password_hash, NEW_PASSWORD)
    assert user.password_changed_at is not None


# --- Admin: the demo list and deactivation -------------------------------------------------------------


@pytest.mark.parametrize("key", ["coordination", "direction.a", "mediation.a", "partenaire"])
def test_non_admins_get_403_on_the_people_pages(app, demo, key):
    client = signed_in(app, key)
    assert client.get("/admin/personnes").status_code == 403
    token = csrf_token(client, "/compte")
    target = demo["users"]["mediation.b"]
    assert client.post(f"/admin/personnes/{target}/desactiver", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/admin/personnes/{target}/reactiver", data={"csrf_token": token}).status_code == 403
    assert get_user(app, email("mediation.b")).active


def test_visitors_are_sent_to_the_login_page_from_the_people_pages(app, client, demo):
    assert client.get("/admin/personnes").headers["Location"].startswith("/connexion")
    token = csrf_token(client, "/connexion")
    target = demo["users"]["mediation.b"]
    response = client.post(f"/admin/personnes/{target}/desactiver", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion")
    assert get_user(app, email("mediation.b")).active


def test_admin_sees_everyone_and_cannot_deactivate_themself(app, demo):
    admin = signed_in(app, "admin")
    page = text(admin.get("/admin/personnes"))
    for key in demo["users"]:
        assert email(key) in page
    own = demo["users"]["admin"]
    assert f"/admin/personnes/{own}/desactiver" not in page
    assert f"/admin/personnes/{demo['users']['mediation.b']}/desactiver" in page

    response = post_form(admin, f"/admin/personnes/{own}/desactiver", form_url="/admin/personnes")
    assert response.status_code == 302
    assert "Vous ne pouvez pas désactiver votre propre compte." in text(admin.get("/admin/personnes"))
    assert get_user(app, email("admin")).active
    assert admin.get(DASHBOARD).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 1


# --- qn-portal create-admin ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [("azertyuiop123", TOO_COMMON), ("court", TOO_SHORT), ("root@example.org !", HAS_EMAIL)],
)
def test_create_admin_refuses_a_weak_password(app, runner, password, message):
    result = runner.invoke(args=["create-admin", "--email", "root@example.org", "--name", "Rose Root",
                                 "--password", password])
    assert result.exit_code != 0
    assert message in result.output
    assert get_user(app, "root@example.org") is None


def test_create_admin_refuses_a_malformed_address(app, runner):
    result = runner.invoke(args=["create-admin", "--email", "pas une adresse", "--name", "Rose Root",
                                 "--password", NEW_PASSWORD])
    assert result.exit_code != 0
    assert "--email" in result.output
    assert user_count(app) == 0


def test_create_admin_with_a_good_password_can_sign_in(app, runner, client):
    result = runner.invoke(args=["create-admin", "--email", " Root@Example.org ", "--name", "Rose Root",
                                 "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert "Admin ready: root@example.org" in result.output
    user = get_user(app, "root@example.org")
    assert (user.role, user.active, user.name) == ("admin", True, "Rose Root")
    assert user.password_hash.startswith("scrypt:")
    assert login(client, "root@example.org", NEW_PASSWORD).status_code == 302
    assert client.get("/admin/personnes").status_code == 200
