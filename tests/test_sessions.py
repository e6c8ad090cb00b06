"""Signing in and out, remember-me, and every way a login ends: logout, password change, reset, deactivation.

Demo accounts get a cheap hash of the demo password (see ``demo``) so that seeding and signing in cost
microseconds instead of scrypt's ~150 ms each; scrypt itself runs wherever a test sets a password through
the portal.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from conftest import DEMO_PASSWORD, csrf_token, email, login, post_form, signed_in
from sqlalchemy import func, select, update

from qn_portal.accounts.models import User, UserSession
from qn_portal.extensions import db
from qn_portal.mail import outbox

HOST = "portail.test"
DASHBOARD = "/tableau-de-bord"
LOGIN_ERROR = "Adresse e-mail ou mot de passe incorrect."
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*?value=")[^"]*"')
NEW_PASSWORD = "girafe trombone cerisier 42"




def is_signed_in(client) -> bool:
    """Whether ``client`` gets the dashboard; otherwise it must be sent to the login page."""
    response = client.get(DASHBOARD)
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion")
    return False


def copy_cookies(source, target, *names: str) -> None:
    for name in names:
        cookie = source.get_cookie(name, domain=HOST)
        assert cookie is not None, f"no {name} cookie"
        target.set_cookie(name, cookie.value, domain=HOST)


def set_cookie_header(response, name: str) -> str | None:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return header
    return None


def field_error(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    return match.group(1).replace("&#39;", "'") if match else ""


def session_count(app, key: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(UserSession).join(User).where(User.email == email(key))
        )


def set_active(app, key: str, active: bool) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.email == email(key)).values(active=active))
        db.session.commit()


# --- Signing in ------------------------------------------------------------------------------------------


def test_right_password_signs_in_and_goes_to_the_dashboard(app, client, demo):
    assert not is_signed_in(client)
    response = login(client, email("mediation.a"))
    assert response.status_code == 302
    assert response.headers["Location"] == DASHBOARD
    session_cookie = set_cookie_header(response, "qn_session")
    assert session_cookie and "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    page = client.get(DASHBOARD)
    assert page.status_code == 200
    assert "Maëlle Médiation" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert session_count(app, "mediation.a") == 1
    with app.app_context():
        assert User.by_email(email("mediation.a")).last_login_at is not None


def test_email_is_matched_whatever_its_case(client, demo):
    response = login(client, "Mediation.A@Example.ORG")
    assert response.status_code == 302
    assert is_signed_in(client)


def test_wrong_password_is_refused_next_to_the_field(app, client, demo):
    response = login(client, email("mediation.a"), "pas le bon mot de passe du tout")
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "password") == LOGIN_ERROR
    assert not is_signed_in(client)
    assert session_count(app, "mediation.a") == 0


def normalised(response, address: str) -> str:
    """The page without what may differ between two equal answers: the address typed and CSRF tokens."""
    return CSRF_VALUE.sub(r'\1"', response.get_data(as_text=True).replace(address, "ADDRESS"))


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client, demo):
    known = email("mediation.a")
    unknown = "personne.inconnue@example.org"
    wrong = login(client, known, "pas le bon mot de passe du tout")
    nobody = login(client, unknown, "pas le bon mot de passe du tout")
    assert wrong.status_code == nobody.status_code == 200
    assert LOGIN_ERROR in wrong.get_data(as_text=True)
    assert normalised(wrong, known) == normalised(nobody, unknown)


def test_deactivated_account_cannot_sign_in_even_with_the_right_password(app, client, demo):
    set_active(app, "mediation.a", False)
    refused = login(client, email("mediation.a"))
    assert refused.status_code == 200
    assert field_error(refused.get_data(as_text=True), "password") == LOGIN_ERROR
    assert not is_signed_in(client)
    assert session_count(app, "mediation.a") == 0
    # The refusal says nothing more than a wrong password does.
    wrong = login(app.test_client(), email("mediation.a"), "pas le bon mot de passe du tout")
    assert normalised(refused, "x") == normalised(wrong, "x")


def test_invited_account_without_password_cannot_sign_in(app, client):
    with app.app_context():
        db.session.add(User(email="en.attente@example.org", name="En Attente", password_hash=None))
        db.session.commit()
    response = login(client, "en.attente@example.org", "n'importe quel mot de passe")
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "password") == LOGIN_ERROR
    assert not is_signed_in(client)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "", "password": DEMO_PASSWORD}, "email", "Indiquez une adresse e-mail."),
        ({"email": "pas-une-adresse", "password": DEMO_PASSWORD}, "email", "Cette adresse e-mail n'est pas valide."),
        ({"email": "mediation.a@example.org", "password": ""}, "password", "Indiquez votre mot de passe."),
        ({"email": "mediation.a@example.org", "password": "x" * 257}, "password", None),
    ],
)
def test_malformed_login_forms_are_refused(client, demo, data, field, message):
    response = post_form(client, "/connexion", data)
    assert response.status_code == 200
    error = field_error(response.get_data(as_text=True), field)
    assert error == message if message else error
    assert not is_signed_in(client)


def test_login_without_csrf_token_is_refused(client, demo):
    response = client.post("/connexion", data={"email": email("mediation.a"), "password": DEMO_PASSWORD})
    assert response.status_code == 400
    assert not is_signed_in(client)


def test_signed_in_visitor_is_sent_from_the_login_page_to_the_dashboard(app, demo):
    client = signed_in(app, "mediation.a")
    response = client.get("/connexion")
    assert response.status_code == 302
    assert response.headers["Location"] == DASHBOARD


# --- next= -----------------------------------------------------------------------------------------------


def test_next_brings_back_to_the_page_asked_for(client, demo):
    response = client.get("/compte")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url == "/connexion?next=%2Fcompte"
    response = post_form(client, login_url, {"email": email("mediation.a"), "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/compte"


def test_next_keeps_a_local_query_string(client, demo):
    response = post_form(client, "/connexion", {"email": email("mediation.a"), "password": DEMO_PASSWORD},
                         query_string={"next": "/recherche?q=atelier"})
    assert response.headers["Location"] == "/recherche?q=atelier"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/tableau-de-bord",
        "https://evil.example",
        "https://evil.example/connexion",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "/\t/evil.example",
        "/\n/evil.example",
        " //evil.example",
        "///evil.example",
        "http:evil.example",
        "evil.example",
    ],
)
def test_next_refuses_anything_but_a_local_path(client, demo, target):
    response = post_form(client, "/connexion", {"email": email("mediation.a"), "password": DEMO_PASSWORD},
                         query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == DASHBOARD


# --- Logging out -----------------------------------------------------------------------------------------


def test_logout_by_get_is_not_allowed(app, demo):
    client = signed_in(app, "mediation.a")
    assert client.get("/deconnexion").status_code == 405
    assert is_signed_in(client)


def test_logout_without_csrf_token_is_refused(app, demo):
    client = signed_in(app, "mediation.a")
    assert client.post("/deconnexion").status_code == 400
    assert is_signed_in(client)


def test_logout_ends_the_session_even_for_a_copied_cookie(app, demo):
    client = signed_in(app, "mediation.a")
    thief = app.test_client()
    copy_cookies(client, thief, "qn_session")
    assert is_signed_in(thief)

    response = post_form(client, "/deconnexion", form_url=DASHBOARD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/connexion"
    assert "Vous êtes déconnecté·e." in client.get("/connexion").get_data(as_text=True)
    assert not is_signed_in(client)
    assert not is_signed_in(thief)
    assert session_count(app, "mediation.a") == 0


def test_logout_of_one_device_leaves_the_others_signed_in(app, demo):
    laptop = signed_in(app, "mediation.a")
    phone = signed_in(app, "mediation.a")
    post_form(laptop, "/deconnexion", form_url=DASHBOARD)
    assert not is_signed_in(laptop)
    assert is_signed_in(phone)


def test_logout_when_not_signed_in_just_goes_to_the_login_page(client):
    response = post_form(client, "/deconnexion", form_url="/connexion")
    assert response.status_code == 302
    assert response.headers["Location"] == "/connexion"


# --- Remember me -----------------------------------------------------------------------------------------


def test_no_remember_cookie_unless_asked(client, demo):
    response = login(client, email("mediation.a"))
    assert response.status_code == 302
    assert set_cookie_header(response, "qn_remember") is None
    assert client.get_cookie("qn_remember", domain=HOST) is None


def test_remember_me_sets_a_safe_cookie_that_signs_in_alone(app, client, demo):
    response = login(client, email("mediation.a"), remember=True)
    assert response.status_code == 302
    header = set_cookie_header(response, "qn_remember")
    assert header is not None
    attributes = [part.strip() for part in header.split(";")]
    assert "HttpOnly" in attributes
    assert "SameSite=Lax" in attributes
    cookie = client.get_cookie("qn_remember", domain=HOST)
    lifetime = cookie.expires - datetime.now(UTC)
    assert timedelta(days=29) < lifetime <= timedelta(days=30, minutes=1)

    # The remember cookie alone (a browser restarted: no session cookie) signs the person in...
    restarted = app.test_client()
    copy_cookies(client, restarted, "qn_remember")
    assert is_signed_in(restarted)
    # ...until they log out anywhere it was copied from.
    post_form(client, "/deconnexion", form_url=DASHBOARD)
    assert client.get_cookie("qn_remember", domain=HOST) is None
    assert not is_signed_in(restarted)
    stale = app.test_client()
    copy_cookies(restarted, stale, "qn_remember")
    assert not is_signed_in(stale)


def test_a_forged_remember_cookie_signs_nobody_in(app, demo):
    client = app.test_client()
    client.set_cookie("qn_remember", "1|" + "0" * 128, domain=HOST)
    assert not is_signed_in(client)


# --- Sessions that end -----------------------------------------------------------------------------------


def test_sessions_expire_after_session_max_age(app, demo, monkeypatch):
    client = signed_in(app, "mediation.a")
    assert is_signed_in(client)
    later = datetime.now(UTC) + app.config["SESSION_MAX_AGE"] + timedelta(minutes=1)
    monkeypatch.setattr("qn_portal.accounts.sessions.utcnow", lambda: later)
    assert not is_signed_in(client)


def test_password_change_ends_the_other_sessions_only(app, demo):
    phone = signed_in(app, "mediation.a")  # signed in first, elsewhere
    laptop = signed_in(app, "mediation.a")
    assert is_signed_in(phone)

    response = post_form(laptop, "/compte/mot-de-passe", {
        "current_password": DEMO_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
    })
    assert response.status_code == 302
    assert response.headers["Location"] == "/compte"
    page = laptop.get("/compte")
    assert page.status_code == 200
    assert "Vos autres sessions ont été fermées." in page.get_data(as_text=True)
    assert is_signed_in(laptop)
    assert not is_signed_in(phone)
    assert session_count(app, "mediation.a") == 1

    # The old password no longer opens a session; the new one does.
    assert login(phone, email("mediation.a")).status_code == 200
    assert login(phone, email("mediation.a"), NEW_PASSWORD).status_code == 302


def test_ending_other_sessions_from_the_profile(app, demo):
    phone = signed_in(app, "mediation.a")
    laptop = signed_in(app, "mediation.a")
    other_person = signed_in(app, "mediation.b")
    response = post_form(laptop, "/compte/autres-sessions", form_url="/compte")
    assert response.status_code == 302
    assert is_signed_in(laptop)
    assert not is_signed_in(phone)
    assert is_signed_in(other_person)
    assert laptop.get("/compte/autres-sessions").status_code == 405


def test_password_reset_ends_every_session(app, demo):
    signed = signed_in(app, "mediation.a")
    anonymous = app.test_client()
    post_form(anonymous, "/mot-de-passe-oublie", {"email": email("mediation.a")})
    with app.app_context():
        (message,) = outbox()
    link = re.search(r"http://portail\.test(/reinitialiser/\S+)", message.get_content()).group(1)
    response = post_form(anonymous, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert not is_signed_in(signed)
    assert not is_signed_in(anonymous)  # a reset does not sign in by itself
    assert session_count(app, "mediation.a") == 0


def deactivate(admin, user_id: int):
    return post_form(admin, f"/admin/personnes/{user_id}/desactiver", form_url="/admin/personnes")


def test_deactivation_ends_every_session_at_once_and_blocks_login(app, demo):
    phone = signed_in(app, "mediation.a")
    laptop = signed_in(app, "mediation.a")
    remembered = app.test_client()
    assert login(remembered, email("mediation.a"), remember=True).status_code == 302
    remembered.delete_cookie("qn_session", domain=HOST)
    assert is_signed_in(remembered)
    bystander = signed_in(app, "mediation.b")
    admin = signed_in(app, "admin")

    response = deactivate(admin, demo["users"]["mediation.a"])
    assert response.status_code == 302
    page = admin.get("/admin/personnes").get_data(as_text=True)
    assert "Le compte de Maëlle Médiation est désactivé ; ses sessions sont fermées." in page

    assert not is_signed_in(phone)
    assert not is_signed_in(laptop)
    assert not is_signed_in(remembered)
    assert is_signed_in(bystander)
    assert session_count(app, "mediation.a") == 0
    refused = login(app.test_client(), email("mediation.a"))
    assert refused.status_code == 200
    assert LOGIN_ERROR in refused.get_data(as_text=True)

    # Reactivated, the person signs in again; the sessions ended stay ended.
    response = post_form(admin, f"/admin/personnes/{demo['users']['mediation.a']}/reactiver",
                         form_url="/admin/personnes")
    assert response.status_code == 302
    assert not is_signed_in(laptop)
    assert login(app.test_client(), email("mediation.a")).status_code == 302


def test_deactivate_needs_a_csrf_token(app, demo):
    admin = signed_in(app, "admin")
    target = demo["users"]["mediation.a"]
    assert admin.post(f"/admin/personnes/{target}/desactiver").status_code == 400
    with app.app_context():
        assert db.session.get(User, target).active


def test_deactivating_an_unknown_account_is_not_found(app, demo):
    admin = signed_in(app, "admin")
    token = csrf_token(admin, "/admin/personnes")
    assert admin.post("/admin/personnes/999999/desactiver", data={"csrf_token": token}).status_code == 404
