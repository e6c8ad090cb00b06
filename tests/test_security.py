"""Request security: CSRF on every state change, security headers, cookies and rate limits."""

from __future__ import annotations

import html
import logging

import pytest
from conftest import DEMO_PASSWORD, csrf_token, login, make_config, post_form
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from qn_portal import create_app
from qn_portal.accounts.models import User, UserSession
from qn_portal.extensions import db

CSRF_MESSAGE = "Le formulaire a expiré ou n'a pas été envoyé depuis le portail"
TOO_MANY = "Trop de tentatives. Patientez quelques minutes avant de réessayer."


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- CSRF -------------------------------------------------------------------------------------------------


def bad_token(kind: str, app) -> dict:
    """The CSRF part of a forged form: no token, a made-up one, or a valid token of someone else's session."""
    if kind == "missing":
        return {}
    if kind == "garbage":
        return {"csrf_token": "IjAwMDAi.forged.token"}
    return {"csrf_token": csrf_token(app.test_client(), "/connexion")}


TOKEN_KINDS = ["missing", "garbage", "other-session"]


def assert_csrf_refused(response) -> None:
    assert response.status_code == 400
    page = text_of(response)
    assert CSRF_MESSAGE in page
    assert "Rechargez la page et réessayez" in page


@pytest.mark.parametrize("kind", TOKEN_KINDS)
def test_login_without_valid_csrf_token_is_refused(app, client, demo, kind):
    client.get("/connexion")
    response = client.post("/connexion", data={"email": "mediation.a@example.org", "password": DEMO_PASSWORD,
                                                **bad_token(kind, app)})
    assert_csrf_refused(response)
    assert count(app, UserSession) == 0
    assert client.get("/tableau-de-bord").status_code == 302


@pytest.mark.parametrize("kind", TOKEN_KINDS)
def test_logout_without_valid_csrf_token_is_refused(app, portal, kind):
    client = portal.login_as("mediation.a")
    assert_csrf_refused(client.post("/deconnexion", data=bad_token(kind, app)))
    assert count(app, UserSession) == 1
    assert client.get("/tableau-de-bord").status_code == 200


@pytest.mark.parametrize("kind", TOKEN_KINDS)
def test_profile_without_valid_csrf_token_is_refused(app, portal, demo, kind):
    client = portal.login_as("mediation.a")
    response = client.post("/compte", data={"name": "Mallory", "phone": "", "notify_email": "none", "locale": "en",
                                            **bad_token(kind, app)})
    assert_csrf_refused(response)
    with app.app_context():
        user = db.session.get(User, demo["users"]["mediation.a"])
        assert (user.name, user.notify_email, user.locale) == ("Maëlle Médiation", "daily", "fr")


@pytest.mark.parametrize("kind", TOKEN_KINDS)
def test_invite_without_valid_csrf_token_is_refused(app, portal, demo, kind):
    from qn_portal.mail import outbox

    client = portal.login_as("direction.a")
    response = client.post("/inviter", data={
        "email": "intrus@example.org", "name": "Intrus", "role": "member",
        "association_id": str(demo["associations"]["a"]), "association_role": "mediator", **bad_token(kind, app),
    })
    assert_csrf_refused(response)
    assert count(app, User, User.email == "intrus@example.org") == 0
    with app.app_context():
        assert outbox() == []


@pytest.mark.parametrize("kind", TOKEN_KINDS)
def test_language_switch_without_valid_csrf_token_is_refused(app, portal, demo, kind):
    client = portal.login_as("mediation.a")
    assert_csrf_refused(client.post("/langue", data={"locale": "en", **bad_token(kind, app)}))
    with app.app_context():
        assert db.session.get(User, demo["users"]["mediation.a"]).locale == "fr"
    assert '<html lang="fr">' in client.get("/tableau-de-bord").get_data(as_text=True)


def test_the_same_forms_succeed_with_the_right_token(app, portal, demo):
    """The refusals above come from the token, not from something else in the request."""
    client = portal.login_as("mediation.a")
    assert post_form(client, "/langue", {"locale": "en"}, form_url="/tableau-de-bord").status_code == 302
    with app.app_context():
        assert db.session.get(User, demo["users"]["mediation.a"]).locale == "en"
    assert post_form(client, "/deconnexion", form_url="/tableau-de-bord").status_code == 302
    assert count(app, UserSession) == 0


# --- Headers and cookies -----------------------------------------------------------------------------------


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy")
    assert policy, "no Content-Security-Policy header"
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_security_headers(response) -> None:
    csp = csp_directives(response)
    script_src = csp.get("script-src", csp.get("default-src"))
    assert script_src, "CSP restricts no scripts"
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "*" not in script_src and "data:" not in script_src
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer",
                                                   "strict-origin")


@pytest.mark.parametrize("method, url, status", [
    ("GET", "/connexion", 200),
    ("GET", "/", 302),
    ("GET", "/mot-de-passe-oublie", 200),
    ("GET", "/sante", 200),
    ("GET", "/static/qn.css", 200),
    ("GET", "/page-qui-n-existe-pas", 404),
    ("GET", "/reinitialiser/jeton-invalide", 400),
    ("POST", "/connexion", 400),  # CSRF refusal
    ("GET", "/tableau-de-bord", 302),
])
def test_security_headers_on_anonymous_responses(client, method, url, status):
    response = client.open(url, method=method)
    response.close()  # the static file is streamed from an open file
    assert response.status_code == status
    assert_security_headers(response)


@pytest.mark.parametrize("url", ["/tableau-de-bord", "/compte", "/associations/", "/admin/personnes",
                                 "/admin/extensions", "/inviter", "/recherche?q=atelier"])
def test_signed_in_pages_are_never_cached(portal, url):
    response = portal.login_as("admin").get(url)
    assert response.status_code == 200
    assert_security_headers(response)
    assert "no-store" in response.headers.get("Cache-Control", "")


def test_anonymous_login_page_is_not_marked_personal(client):
    # The no-store rule keys on the signed-in user: shows the check above is not vacuous.
    assert "no-store" not in client.get("/connexion").headers.get("Cache-Control", "")


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/connexion").headers
    secure = client.get("/connexion", base_url="https://portail.test")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(secure.headers["Strict-Transport-Security"].split("=")[1].split(";")[0]) >= 15552000


def set_cookie(response, name: str) -> str:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return header
    raise AssertionError(f"no {name} cookie set; got {response.headers.getlist('Set-Cookie')}")


def test_session_and_remember_cookies_are_httponly_and_samesite_lax(client, demo):
    response = login(client, "mediation.a@example.org", remember=True)
    assert response.status_code == 302
    for name in ("qn_session", "qn_remember"):
        attributes = [part.strip().lower() for part in set_cookie(response, name).split(";")]
        assert "httponly" in attributes, name
        assert "samesite=lax" in attributes, name


def test_production_cookies_are_secure(app, tmp_path, quiet_production_logging):
    production = create_app(make_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, ENV="production",
                                        TESTING=False, SECRET_KEY="s" * 48))
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["REMEMBER_COOKIE_SECURE"] is True


@pytest.fixture
def quiet_production_logging():
    """A non-testing app adds a stream handler to the ``qn_portal`` logger: take it away afterwards."""
    import logging

    logger = logging.getLogger("qn_portal")
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


# --- Rate limits -------------------------------------------------------------------------------------------

LIMITS = {
    "RATELIMIT_LOGIN_ACCOUNT": "3 per minute",
    "RATELIMIT_LOGIN_ADDRESS": "5 per minute",
    "RATELIMIT_MAIL_ACCOUNT": "2 per minute",
    "RATELIMIT_MAIL_ADDRESS": "4 per minute",
}


@pytest.fixture
def config_overrides():
    return dict(LIMITS)


WRONG_PASSWORD = "pas le bon mot de passe du tout"


def try_login(client, email: str, address: str, password: str = WRONG_PASSWORD):
    token = csrf_token(client)
    return client.post("/connexion", data={"csrf_token": token, "email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def assert_limited(response) -> None:
    assert response.status_code == 429
    assert TOO_MANY in text_of(response)
    assert_security_headers(response)
    assert 0 < int(response.headers["Retry-After"]) <= 60  # the limits here are "per minute"


def test_failed_logins_for_one_account_are_limited_across_addresses(client, demo, caplog):
    for attempt in range(3):
        response = try_login(client, "mediation.a@example.org", f"203.0.113.{attempt + 1}")
        assert response.status_code == 200
        assert "Adresse e-mail ou mot de passe incorrect." in text_of(response)
    with caplog.at_level(logging.WARNING):
        assert_limited(try_login(client, "mediation.a@example.org", "203.0.113.50"))
    # The refusal is logged with its source, for whoever watches the logs during an attack.
    assert "rate limit reached: POST /connexion from 203.0.113.50" in caplog.text
    # Even the right password is turned away while the account is locked: that is what stops guessing.
    assert_limited(try_login(client, "MEDIATION.A@example.org", "203.0.113.51", password=DEMO_PASSWORD))
    # Another account is not affected.
    assert try_login(client, "mediation.b@example.org", "203.0.113.52", password=DEMO_PASSWORD).status_code == 302


def test_many_accounts_from_one_address_hit_the_address_limit(app, demo):
    client = app.test_client()
    emails = ["admin", "coordination", "direction.a", "mediation.a", "direction.b", "partenaire"]
    for email in emails[:5]:
        assert try_login(client, f"{email}@example.org", "198.51.100.7").status_code == 200
    assert_limited(try_login(client, f"{emails[5]}@example.org", "198.51.100.7"))
    # The same account from another address still gets an answer.
    assert try_login(app.test_client(), "partenaire@example.org", "198.51.100.8").status_code == 200


def test_unknown_and_known_emails_are_limited_alike(client, demo):
    known, unknown = [], []
    for attempt in range(4):
        known.append(try_login(client, "direction.b@example.org", f"192.0.2.{attempt + 1}"))
        unknown.append(try_login(client, "personne@example.org", f"192.0.2.{attempt + 101}"))
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [200, 200, 200, 429]

    def visible(response):
        return text_of(response).replace("direction.b@example.org", "").replace("personne@example.org", "")
    assert visible(known[0]).replace(csrf_value(known[0]), "") == visible(unknown[0]).replace(csrf_value(unknown[0]), "")


NEW_PASSWORD = "girafe trombone cerisier 42"


def change_password(client, current: str, new: str = NEW_PASSWORD):
    return post_form(client, "/compte/mot-de-passe", {"current_password": current, "password": new, "confirm": new})


def test_wrong_current_passwords_are_limited_with_sign_in_per_account(app, demo):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.20"
    assert login(client, "mediation.a@example.org").status_code == 302  # a right password costs nothing
    # Errors that prove nothing about the current password cost nothing either.
    weak = change_password(client, DEMO_PASSWORD, "azertyuiop123")
    assert weak.status_code == 200 and "Le mot de passe actuel est incorrect." not in text_of(weak)
    wrong = change_password(client, WRONG_PASSWORD)  # 1
    assert wrong.status_code == 200 and "Le mot de passe actuel est incorrect." in text_of(wrong)
    assert try_login(app.test_client(), "mediation.a@example.org", "203.0.113.21").status_code == 200  # 2, sign-in
    assert change_password(client, WRONG_PASSWORD).status_code == 200  # 3
    # Locked: even the right current password is turned away, as at sign-in, with the same page and Retry-After.
    assert_limited(change_password(client, DEMO_PASSWORD))
    with app.app_context():
        assert check_password_hash(User.by_email("mediation.a@example.org").password_hash, DEMO_PASSWORD)
    assert_limited(try_login(app.test_client(), "mediation.a@example.org", "203.0.113.22", password=DEMO_PASSWORD))
    # The page itself still opens, and another account is not affected.
    assert client.get("/compte/mot-de-passe").status_code == 200
    other = app.test_client()
    assert login(other, "mediation.b@example.org").status_code == 302
    assert change_password(other, DEMO_PASSWORD).status_code == 302


def csrf_value(response) -> str:
    from conftest import CSRF_RE

    return CSRF_RE.search(response.get_data(as_text=True)).group(1)


def test_limits_fall_back_to_memory_when_redis_does_not_answer(migrated, tmp_path, demo, app):
    """Sign-in keeps working, and keeps being limited, when the shared storage of the limits is down."""
    from conftest import make_config

    from qn_portal import create_app

    down = create_app(make_config(migrated, tmp_path, **LIMITS, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0"))
    client = down.test_client()
    answers = [try_login(client, "direction.b@example.org", f"203.0.113.{n}").status_code for n in range(4)]
    assert answers == [200, 200, 200, 429]


def test_successful_logins_do_not_count(app, demo):
    for attempt in range(5):
        client = app.test_client()
        response = try_login(client, "admin@example.org", f"192.0.2.{attempt + 1}", password=DEMO_PASSWORD)
        assert response.status_code == 302


def forgot(client, email: str, address: str):
    token = csrf_token(client, "/mot-de-passe-oublie")
    return client.post("/mot-de-passe-oublie", data={"csrf_token": token, "email": email},
                       environ_base={"REMOTE_ADDR": address})


def test_reset_mails_are_limited_per_account(app, client, demo):
    from qn_portal.mail import outbox

    for attempt in range(2):
        assert forgot(client, "mediation.a@example.org", f"203.0.113.{attempt + 1}").status_code == 302
    assert_limited(forgot(client, "mediation.a@example.org", "203.0.113.9"))
    with app.app_context():
        assert [message["To"] for message in outbox()] == ["mediation.a@example.org"] * 2
    # Unknown addresses are limited the same way (no oracle), and send nothing.
    for attempt in range(2):
        assert forgot(client, "inconnu@example.org", f"203.0.113.{attempt + 20}").status_code == 302
    assert_limited(forgot(client, "inconnu@example.org", "203.0.113.29"))
    with app.app_context():
        assert len(outbox()) == 2


def test_reset_mails_are_limited_per_address(app, client, demo):
    from qn_portal.mail import outbox

    for email in ("admin", "coordination", "direction.a", "mediation.a"):
        assert forgot(client, f"{email}@example.org", "198.51.100.1").status_code == 302
    assert_limited(forgot(client, "partenaire@example.org", "198.51.100.1"))
    with app.app_context():
        assert len(outbox()) == 4


@pytest.fixture
def another_app():
    """Make more apps on the test database; their connections are closed at the end of the test."""
    apps = []

    def make(app, instance, **overrides):
        extra = create_app(make_config(app.config["SQLALCHEMY_DATABASE_URI"], instance, **{**LIMITS, **overrides}))
        apps.append(extra)
        return extra

    yield make
    for extra in apps:
        with extra.app_context():
            db.session.remove()
            db.engine.dispose()


def test_limits_do_not_leak_from_one_app_to_the_next(app, client, demo, tmp_path, another_app):
    for attempt in range(3):
        try_login(client, "direction.a@example.org", f"203.0.113.{attempt + 1}")
    assert_limited(try_login(client, "direction.a@example.org", "203.0.113.4"))

    fresh = another_app(app, tmp_path / "other")
    response = try_login(fresh.test_client(), "direction.a@example.org", "203.0.113.5", password=DEMO_PASSWORD)
    assert response.status_code == 302


def test_an_app_without_limits_does_not_switch_them_off_for_the_next(app, demo, tmp_path, another_app):
    another_app(app, tmp_path / "off", RATELIMIT_ENABLED=False)
    limited = another_app(app, tmp_path / "on")
    client = limited.test_client()
    for attempt in range(3):
        try_login(client, "direction.b@example.org", f"203.0.113.{attempt + 1}")
    assert_limited(try_login(client, "direction.b@example.org", "203.0.113.4"))
