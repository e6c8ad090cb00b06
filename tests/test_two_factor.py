"""Two-factor sign-in: TOTP enrolment and codes, recovery codes, the policy by role, the admin reset, throttling
and trusted browsers.

The clock that checks codes is ``two_factor.now``: the ``clock`` fixture fixes it and moves it by hand, and
codes are computed with pyotp for the moment wanted, so no test waits or depends on when it runs.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import urlsplit

import pyotp
import pytest
from access_matrix import ROUTES
from conftest import CSRF_RE, DEMO_PASSWORD, email, fast_hash, login, post_form, signed_in
from sqlalchemy import func, select, update
from sqlalchemy import text as sql
from test_sweeps import ctx  # noqa: F401  (the sweep's demo identifiers, for the enforcement sweep below)

from qn_portal import create_app
from qn_portal.accounts import two_factor
from qn_portal.accounts.models import RecoveryCode, TrustedDevice, User, UserSession
from qn_portal.audit.models import AuditEntry
from qn_portal.cli import main
from qn_portal.extensions import db
from qn_portal.mail import outbox
from qn_portal.settings import ConfigurationError

DASHBOARD = "/tableau-de-bord"
CODE_STEP = "/connexion/code"
RECOVERY_STEP = "/connexion/code-de-secours"
ENROLMENT = "/compte/double-authentification"
DEVICES = "/compte/double-authentification/appareils"
NEW_PASSWORD = "girafe trombone cerisier 42"
WRONG_CODE_ERROR = "Ce code n'est pas valable ou a déjà servi."
RECOVERY_CODE = re.compile(r"<li><code>([a-z0-9]{4}(?:-[a-z0-9]{4}){3})</code></li>")
ENFORCED = {"TWO_FACTOR_REQUIRED_ROLES": ["admin", "coordinator"]}


class Clock:
    """The time two_factor sees, fixed and moved by hand; ``code()`` is what an app shows at that time."""

    def __init__(self, monkeypatch):
        self.moment = datetime.now(UTC).replace(microsecond=0)
        monkeypatch.setattr(two_factor, "now", lambda: self.moment)

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)

    def code(self, secret: str, steps: int = 0) -> str:
        """The code for ``steps`` time-steps of 30 s from now (negative: a code shown earlier)."""
        return pyotp.TOTP(secret).at(int(self.moment.timestamp()) + 30 * steps)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": False}


# --- helpers -------------------------------------------------------------------------------------------------


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def words(response) -> str:
    """The page's text without its tags, spaces collapsed: what a reader sees."""
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split())


def details(row: tuple[str, str]) -> dict:
    return {key: value for key, value in json.loads(row[1]).items() if key != "user_id"}


def path_of(response) -> str:
    assert response.status_code == 302, (response.status_code, text(response)[:500])
    return urlsplit(response.headers["Location"]).path


def get_user(app, key: str) -> User:
    with app.app_context():
        user = User.by_email(email(key))
        db.session.expunge(user)
        return user


def secret_of(app, key: str) -> str:
    return get_user(app, key).totp_secret


def enrol(app, client, clock, key: str) -> tuple[str, list[str]]:
    """Turn two-factor sign-in on through the pages, as ``key`` signed in with ``client``."""
    assert path_of(post_form(client, f"{ENROLMENT}/activer", form_url=ENROLMENT)) == ENROLMENT
    secret = secret_of(app, key)
    page = client.get(ENROLMENT)
    assert secret[:4] in text(page)
    response = post_form(client, ENROLMENT, {"code": clock.code(secret)})
    assert response.status_code == 200, text(response)
    codes = RECOVERY_CODE.findall(response.get_data(as_text=True))
    assert len(codes) == 10
    clock.advance(30)  # the code just typed never works again: the next sign-in uses the next one
    return secret, codes


def enrol_directly(app, key: str) -> tuple[str, list[str]]:
    """Two-factor sign-in already on for ``key`` (without going through the pages)."""
    with app.app_context():
        user = User.by_email(email(key))
        two_factor.start_enrolment(user)
        user.totp_confirmed_at = two_factor.now()
        codes = two_factor.new_recovery_codes(user)
        db.session.commit()
        return user.totp_secret, codes


def password_step(client, key: str, **kwargs):
    response = login(client, email(key), **kwargs)
    assert path_of(response) == CODE_STEP
    return response


def code_step(client, code: str, trust: bool = False, url: str = CODE_STEP, field: str = "code",
              form_url: str | None = None):
    data = {field: code}
    if trust:
        data["trust"] = "y"
    return post_form(client, url, data, form_url=form_url)


def is_signed_in(client) -> bool:
    response = client.get(DASHBOARD)
    if response.status_code == 200:
        return True
    assert path_of(response) == "/connexion"
    return False


def audit_rows(app, action: str) -> list[tuple[str, str]]:
    with app.app_context():
        return [(row.outcome, row.details) for row in
                db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))]


# --- the service: codes, drift, reuse, recovery codes, QR ----------------------------------------------------------


def test_codes_within_one_step_of_drift_are_accepted_once_and_older_ones_never(app, demo, clock):
    secret, _codes = enrol_directly(app, "mediation.a")
    with app.app_context():
        user = User.by_email(email("mediation.a"))
        assert not two_factor.verify_code(user, clock.code(secret, -2))  # a minute old: expired
        assert not two_factor.verify_code(user, clock.code(secret, 2))  # a minute ahead: too far
        assert not two_factor.verify_code(user, "12345")  # malformed
        assert not two_factor.verify_code(user, "١٢٣٤٥٦")  # digits, but not ASCII ones
        assert two_factor.verify_code(user, clock.code(secret, -1))  # the phone is a little late
        assert not two_factor.verify_code(user, clock.code(secret, -1))  # the same code twice: refused
        assert two_factor.verify_code(user, " " + clock.code(secret)[:3] + " " + clock.code(secret)[3:])
        assert not two_factor.verify_code(user, clock.code(secret, -1))  # older than the last accepted
        assert two_factor.verify_code(user, clock.code(secret, 1))  # the phone is a little early
        db.session.commit()
        assert db.session.scalar(select(User.totp_last_step).where(User.id == user.id)) == \
            two_factor.current_step() + 1


def test_a_code_is_refused_when_another_request_used_it_first(app, demo, clock):
    """The conditional UPDATE decides, not the copy of the user the request loaded."""
    secret, _codes = enrol_directly(app, "mediation.a")
    with app.app_context():
        stale = User.by_email(email("mediation.a"))
        db.session.execute(update(User).where(User.id == stale.id).values(totp_last_step=two_factor.current_step())
                           .execution_options(synchronize_session=False))
        assert stale.totp_last_step == 0  # this request's copy has not seen the other one's write
        assert not two_factor.verify_code(stale, clock.code(secret))


def test_a_code_and_a_recovery_code_spent_by_another_transaction_are_refused(app, demo, clock):
    """Another request accepted the code and committed after this one loaded the account (PostgreSQL, READ
    COMMITTED): the conditional UPDATEs see the committed rows. SQLite takes the write lock at a POST's first
    statement, so no other writer can come in between there."""
    secret, codes = enrol_directly(app, "mediation.a")
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite takes the write lock at a POST's first statement: no concurrent writer")
        user = User.by_email(email("mediation.a"))
        assert user.totp_last_step == 0
        spent = hashlib.sha256(codes[0].replace("-", "").encode()).hexdigest()
        with db.engine.begin() as other:
            other.execute(sql("UPDATE user_account SET totp_last_step = :step WHERE id = :id"),
                          {"step": two_factor.current_step(), "id": user.id})
            other.execute(sql("UPDATE recovery_code SET used_at = CURRENT_TIMESTAMP WHERE code_hash = :hash"),
                          {"hash": spent})
        assert not two_factor.verify_code(user, clock.code(secret))
        assert not two_factor.use_recovery_code(user, codes[0])
        assert two_factor.use_recovery_code(user, codes[1])
        db.session.rollback()


def test_of_simultaneous_sign_ins_with_one_code_only_one_gets_in(app, demo, clock):
    secret, _codes = enrol_directly(app, "mediation.a")
    clients = [app.test_client() for _ in range(4)]
    tokens = []
    for client in clients:
        password_step(client, "mediation.a")
        tokens.append(CSRF_RE.search(client.get(CODE_STEP).get_data(as_text=True)).group(1))
    code = clock.code(secret)
    start = threading.Barrier(len(clients))

    def send(index: int) -> int:
        start.wait()
        return clients[index].post(CODE_STEP, data={"csrf_token": tokens[index], "code": code}).status_code

    with ThreadPoolExecutor(len(clients)) as pool:
        statuses = sorted(pool.map(send, range(len(clients))))
    assert statuses == [200, 200, 200, 302]
    assert sum(is_signed_in(client) for client in clients) == 1


def test_recovery_codes_are_stored_hashed_and_each_works_once(app, demo, clock):
    _secret, codes = enrol_directly(app, "mediation.a")
    assert len(set(codes)) == 10 and all(len(code) == 19 for code in codes)
    with app.app_context():
        user = User.by_email(email("mediation.a"))
        stored = list(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))
        assert len(stored) == 10 and all(re.fullmatch(r"[0-9a-f]{64}", value) for value in stored)
        assert not {code.replace("-", "") for code in codes} & set(stored)
        assert two_factor.use_recovery_code(user, codes[0].upper().replace("-", " "))
        assert not two_factor.use_recovery_code(user, codes[0])
        assert not two_factor.use_recovery_code(user, "abcd-efgh-jkmn-pqrs")
        assert two_factor.remaining_recovery_codes(user) == 9
        fresh = two_factor.new_recovery_codes(user)
        assert not two_factor.use_recovery_code(user, codes[1])  # the old ones die with new ones
        assert two_factor.use_recovery_code(user, fresh[1])


def test_qr_code_is_svg_with_a_text_alternative_and_no_inline_style(app):
    with app.app_context():
        svg = str(two_factor.qr_svg("otpauth://totp/QN:a%40example.org?secret=JBSWY3DPEHPK3PXP", 'Scan "me" <now>'))
    assert svg.startswith('<svg role="img" aria-label="Scan &#34;me&#34; &lt;now&gt;" ')
    assert "<title>" in svg and "viewBox" in svg
    assert "style=" not in svg and "<script" not in svg and "<?xml" not in svg


def test_provisioning_uri_names_the_portal_and_the_person(app, demo):
    secret, _codes = enrol_directly(app, "mediation.a")
    with app.app_context():
        uri = two_factor.provisioning_uri(User.by_email(email("mediation.a")))
    parsed = pyotp.parse_uri(uri)
    assert (parsed.secret, parsed.name, parsed.issuer) == (secret, email("mediation.a"), app.config["SITE_NAME"])


# --- enrolment --------------------------------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_secret_then_refuses_a_wrong_first_code(app, demo, clock):
    client = signed_in(app, "mediation.a")
    page = text(client.get(ENROLMENT))
    assert "Commencer l'activation" in page and "<svg" not in page  # GET makes no secret: a POST does
    assert secret_of(app, "mediation.a") is None
    post_form(client, f"{ENROLMENT}/activer", form_url=ENROLMENT)
    secret = secret_of(app, "mediation.a")
    page = client.get(ENROLMENT).get_data(as_text=True)
    assert '<svg role="img" aria-label="QR code à scanner' in page
    assert " ".join(secret[i:i + 4] for i in range(0, 32, 4)) in page
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page

    wrong = code_step(client, clock.code(secret, 3), url=ENROLMENT)
    assert wrong.status_code == 200
    assert "Ce code ne correspond pas." in text(wrong)
    assert re.search(r'<p class="error" id="code-error">', wrong.get_data(as_text=True))
    assert get_user(app, "mediation.a").totp_confirmed_at is None
    assert audit_rows(app, "two_factor.enabled") == [("failed", "{}")]
    # Not on yet: signing in still needs the password only.
    assert path_of(login(app.test_client(), email("mediation.a"))) == DASHBOARD

    right = code_step(client, clock.code(secret), url=ENROLMENT)
    assert right.status_code == 200
    assert "ils ne seront plus jamais affichés" in text(right)
    assert len(RECOVERY_CODE.findall(right.get_data(as_text=True))) == 10
    assert get_user(app, "mediation.a").totp_confirmed_at is not None
    assert [outcome for outcome, _details in audit_rows(app, "two_factor.enabled")] == ["failed", "ok"]
    status = text(client.get(ENROLMENT))
    assert "La double authentification est activée." in status and "<svg" not in status
    assert "Double authentification : activée" in words(client.get("/compte"))


def test_a_new_key_replaces_an_unconfirmed_one(app, demo, clock):
    client = signed_in(app, "mediation.a")
    post_form(client, f"{ENROLMENT}/activer", form_url=ENROLMENT)
    first = secret_of(app, "mediation.a")
    post_form(client, f"{ENROLMENT}/activer", form_url=ENROLMENT)
    second = secret_of(app, "mediation.a")
    assert first != second
    assert code_step(client, clock.code(first), url=ENROLMENT).status_code == 200
    assert get_user(app, "mediation.a").totp_confirmed_at is None


# --- signing in with a code -------------------------------------------------------------------------------------


def test_sign_in_asks_for_the_code_after_the_password_and_not_before(app, demo, clock):
    secret, _codes = enrol(app, signed_in(app, "mediation.a"), clock, "mediation.a")
    client = app.test_client()
    password_step(client, "mediation.a")
    assert not is_signed_in(client)  # the password alone opens nothing
    page = client.get(CODE_STEP)
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.get_data(as_text=True)
    response = code_step(client, clock.code(secret))
    assert path_of(response) == DASHBOARD
    assert is_signed_in(client)
    assert client.get(CODE_STEP).status_code == 302  # nothing waits any more
    logins = audit_rows(app, "login")
    assert logins[-1][0] == "ok"
    assert details(logins[-1]) == {"second_factor": "totp", "trusted_device": False}


def test_wrong_expired_and_reused_codes_are_refused(app, demo, clock):
    secret, _codes = enrol(app, signed_in(app, "mediation.a"), clock, "mediation.a")
    client = app.test_client()
    password_step(client, "mediation.a")
    wrong = "000000" if "000000" not in {clock.code(secret, step) for step in (-1, 0, 1)} else "111111"
    for code in (wrong, clock.code(secret, -2), clock.code(secret, -3)):  # wrong, then expired
        response = code_step(client, code)
        assert response.status_code == 200
        assert "Ce code n'est pas valable ou a déjà servi." in text(response)
        assert not is_signed_in(client)
    empty = code_step(client, "")
    assert "Indiquez le code affiché par votre application." in text(empty)
    assert len(audit_rows(app, "login")) >= 3
    assert [outcome for outcome, _ in audit_rows(app, "login")].count("failed") == 3

    code = clock.code(secret)
    assert path_of(code_step(client, code)) == DASHBOARD
    # The same code, right away, on another browser that knows the password: refused.
    other = app.test_client()
    password_step(other, "mediation.a")
    assert WRONG_CODE_ERROR in text(code_step(other, code))
    assert not is_signed_in(other)
    clock.advance(30)
    assert path_of(code_step(other, clock.code(secret))) == DASHBOARD


def test_the_code_step_waits_ten_minutes_then_the_password_is_asked_again(app, demo, clock):
    secret, _codes = enrol(app, signed_in(app, "mediation.a"), clock, "mediation.a")
    client = app.test_client()
    password_step(client, "mediation.a")
    clock.advance(10 * 60 + 1)
    response = code_step(client, clock.code(secret), form_url="/connexion")
    assert path_of(response) == "/connexion"
    assert "Le délai pour saisir le code est dépassé." in text(client.get("/connexion"))
    assert not is_signed_in(client)
    assert path_of(client.get(CODE_STEP)) == "/connexion"


def test_a_password_change_while_the_code_is_awaited_ends_the_wait(app, demo, clock):
    secret, _codes = enrol_directly(app, "mediation.a")
    client = app.test_client()
    password_step(client, "mediation.a")
    with app.app_context():
        db.session.execute(update(User).where(User.email == email("mediation.a"))
                           .values(password_hash=fast_hash(NEW_PASSWORD)))
        db.session.commit()
    assert path_of(code_step(client, clock.code(secret), form_url="/connexion")) == "/connexion"
    assert not is_signed_in(client)


def test_the_page_asked_for_and_stay_signed_in_survive_the_code_step(app, demo, clock):
    secret, _codes = enrol_directly(app, "mediation.a")
    client = app.test_client()
    token = CSRF_RE.search(client.get("/connexion").get_data(as_text=True)).group(1)
    response = client.post("/connexion?next=/notifications", data={
        "csrf_token": token, "email": email("mediation.a"), "password": DEMO_PASSWORD, "remember": "y"})
    assert path_of(response) == CODE_STEP
    response = code_step(client, clock.code(secret))
    assert response.headers["Location"] == "/notifications"
    assert any(header.startswith("qn_remember=") for header in response.headers.getlist("Set-Cookie"))


# --- recovery codes ----------------------------------------------------------------------------------------------


def test_a_recovery_code_signs_in_once(app, demo, clock):
    _secret, codes = enrol(app, signed_in(app, "mediation.a"), clock, "mediation.a")
    client = app.test_client()
    password_step(client, "mediation.a")
    page = client.get(RECOVERY_STEP)
    assert page.status_code == 200 and 'autocomplete="off"' in page.get_data(as_text=True)
    response = code_step(client, codes[3].upper(), url=RECOVERY_STEP, field="recovery_code")
    assert path_of(response) == DASHBOARD
    assert "Il vous en reste 9" in text(client.get(DASHBOARD))
    assert details(audit_rows(app, "login")[-1]) == {"second_factor": "recovery_code", "trusted_device": False}

    again = app.test_client()
    password_step(again, "mediation.a")
    refused = code_step(again, codes[3], url=RECOVERY_STEP, field="recovery_code")
    assert refused.status_code == 200
    assert "Ce code de secours n'est pas valable ou a déjà servi." in text(refused)
    assert not is_signed_in(again)
    assert path_of(code_step(again, codes[4], url=RECOVERY_STEP, field="recovery_code")) == DASHBOARD


def test_new_recovery_codes_need_a_current_code(app, demo, clock):
    client = signed_in(app, "mediation.a")
    secret, codes = enrol(app, client, clock, "mediation.a")
    url = f"{ENROLMENT}/codes-de-secours"
    assert "Il vous reste 10 codes de secours valables." in text(client.get(url))
    wrong = code_step(client, clock.code(secret, -2), url=url)
    assert wrong.status_code == 200 and WRONG_CODE_ERROR in text(wrong)
    response = code_step(client, clock.code(secret), url=url)
    fresh = RECOVERY_CODE.findall(response.get_data(as_text=True))
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    with app.app_context():
        user = User.by_email(email("mediation.a"))
        assert not two_factor.use_recovery_code(user, codes[0])
        assert two_factor.use_recovery_code(user, fresh[0])
        db.session.commit()


# --- switching it off ---------------------------------------------------------------------------------------------


def test_switching_off_needs_the_password_or_a_code(app, demo, clock):
    client = signed_in(app, "mediation.a")
    secret, _codes = enrol(app, client, clock, "mediation.a")
    url = f"{ENROLMENT}/desactiver"
    empty = post_form(client, url, {})
    assert "Indiquez votre mot de passe actuel ou un code de votre application." in text(empty)
    wrong = post_form(client, url, {"current_password": "pas le bon mot de passe"})
    assert "Le mot de passe actuel est incorrect." in text(wrong)
    assert post_form(client, url, {"code": clock.code(secret, -2)}).status_code == 200
    assert get_user(app, "mediation.a").totp_confirmed_at is not None
    assert path_of(post_form(client, url, {"code": clock.code(secret)})) == ENROLMENT
    user = get_user(app, "mediation.a")
    assert (user.totp_secret, user.totp_confirmed_at) == (None, None)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert path_of(login(app.test_client(), email("mediation.a"))) == DASHBOARD
    assert [outcome for outcome, _ in audit_rows(app, "two_factor.disabled")] == ["failed", "failed", "ok"]


def test_switching_on_ends_the_other_sessions_and_keeps_this_one(app, demo, clock):
    phone = signed_in(app, "mediation.a")
    laptop = signed_in(app, "mediation.a")
    bystander = signed_in(app, "mediation.b")
    post_form(laptop, f"{ENROLMENT}/activer", form_url=ENROLMENT)
    secret = secret_of(app, "mediation.a")
    # Neither starting an enrolment nor a wrong first code ends anything.
    assert post_form(laptop, ENROLMENT, {"code": clock.code(secret, 3)}).status_code == 200
    assert is_signed_in(phone)
    response = post_form(laptop, ENROLMENT, {"code": clock.code(secret)})
    assert "Vos autres sessions ont été fermées" in words(response)
    assert is_signed_in(laptop) and is_signed_in(bystander)
    assert not is_signed_in(phone)
    assert sessions_of(app, "mediation.a") == 1
    assert details(audit_rows(app, "two_factor.enabled")[-1]) == {"sessions_ended": 1}


def test_switching_off_ends_the_other_sessions_and_forgets_trusted_browsers(app, demo, clock):
    secret, _codes = enrol_directly(app, "mediation.a")
    sessions = []
    for _browser in range(2):
        client = app.test_client()
        password_step(client, "mediation.a")
        assert path_of(code_step(client, clock.code(secret), trust=True)) == DASHBOARD
        clock.advance(30)
        sessions.append(client)
    phone, laptop = sessions
    response = post_form(laptop, f"{ENROLMENT}/desactiver", {"current_password": DEMO_PASSWORD})
    assert path_of(response) == ENROLMENT
    assert "et vos autres sessions ont été fermées" in text(laptop.get(ENROLMENT))
    assert is_signed_in(laptop)
    assert not is_signed_in(phone)
    assert sessions_of(app, "mediation.a") == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TrustedDevice)) == 0
    assert details(audit_rows(app, "two_factor.disabled")[-1]) == {"sessions_ended": 1}


# --- the policy: required for some roles ------------------------------------------------------------------------


@pytest.mark.parametrize("config_overrides", [{**ENFORCED, "RATELIMIT_ENABLED": False}])
def test_a_coordinator_without_a_second_factor_can_only_enrol(app, demo, clock, ctx, config_overrides):  # noqa: F811
    client = app.test_client()
    assert path_of(login(client, email("coordination"))) == ENROLMENT
    page = text(client.get(ENROLMENT))
    assert "la double authentification est obligatoire pour continuer" in page
    assert "Coordination (BMS)" in page

    open_endpoints = {"static", "auth.two_factor"}
    for route in ROUTES:
        # Static files (the core's and each plugin's blueprint's) stay served during enrolment.
        if route.method != "GET" or route.endpoint in open_endpoints or route.endpoint.endswith(".static"):
            continue
        if route.endpoint.startswith(("public_api.", "data_inclusion.")):
            # The JSON API never reads the session cookie: it answers as to anyone without a token.
            assert client.get(route.build_url(ctx)).status_code in (200, 400, 404), route.endpoint
            continue
        response = client.get(route.build_url(ctx))
        assert path_of(response) == ENROLMENT, f"{route.endpoint} answered {response.status_code}"
    token = CSRF_RE.search(client.get(ENROLMENT).get_data(as_text=True)).group(1)
    for route in ROUTES:
        if route.method != "POST" or route.last or route.endpoint in {
                "auth.two_factor", "auth.start_two_factor", "main.set_language"}:
            continue
        response = client.post(route.build_url(ctx), data={"csrf_token": token, **route.data(ctx)})
        assert path_of(response) == ENROLMENT, f"{route.endpoint} POST answered {response.status_code}"
    assert client.get("/nexiste-pas").status_code == 302
    static = client.get("/static/qn.css")
    assert static.status_code == 200
    static.close()
    # However many pages were refused, the reason is given once.
    page = text(client.get(ENROLMENT))
    assert page.count("Votre rôle demande la double authentification : activez-la pour continuer.") == 1
    assert get_user(app, "coordination").totp_secret is None  # nothing else happened meanwhile

    secret, _codes = enrol(app, client, clock, "coordination")
    assert client.get(DASHBOARD).status_code == 200
    assert client.get("/admin/journal").status_code == 200
    # Switching it off is refused for a role that requires it.
    response = client.get(f"{ENROLMENT}/desactiver")
    assert path_of(response) == ENROLMENT
    assert "elle ne peut pas être désactivée" in text(client.get(ENROLMENT))
    response = post_form(client, f"{ENROLMENT}/desactiver", {"current_password": DEMO_PASSWORD}, form_url=ENROLMENT)
    assert path_of(response) == ENROLMENT
    assert get_user(app, "coordination").totp_confirmed_at is not None
    # Next time, the code is asked like for anyone who enrolled.
    other = app.test_client()
    password_step(other, "coordination")
    assert path_of(code_step(other, clock.code(secret))) == DASHBOARD


@pytest.mark.parametrize("config_overrides", [{**ENFORCED, "RATELIMIT_ENABLED": False}])
def test_enforcement_leaves_other_roles_free_and_sign_out_works(app, demo, config_overrides):
    mediator = signed_in(app, "mediation.a")
    assert mediator.get(DASHBOARD).status_code == 200
    admin = app.test_client()
    assert path_of(login(admin, email("admin"))) == ENROLMENT
    assert path_of(post_form(admin, "/deconnexion", form_url=ENROLMENT)) == "/connexion"
    assert not is_signed_in(admin)


def test_the_users_page_says_whether_two_factor_is_enforced(app, demo):
    page = text(signed_in(app, "admin").get("/admin/personnes"))
    assert "La double authentification n'est exigée pour aucun rôle" in page
    assert "QN_TWO_FACTOR_REQUIRED_ROLES" in page


@pytest.mark.parametrize("config_overrides", [{"TWO_FACTOR_REQUIRED_ROLES": ["coordinator"]}])
def test_the_users_page_names_the_roles_that_must_enrol(app, demo, config_overrides):
    page = text(signed_in(app, "admin").get("/admin/personnes"))
    assert "La double authentification est exigée pour : Coordination (BMS)." in page


@pytest.fixture
def quiet_production_logging():
    """A non-testing app adds a stream handler to the ``qn_portal`` logger: take it away afterwards."""
    import logging

    logger = logging.getLogger("qn_portal")
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


def test_production_requires_it_for_admins_and_coordinators_by_default(monkeypatch, tmp_path,
                                                                       quiet_production_logging):
    for name in ("QN_TWO_FACTOR_REQUIRED_ROLES", "QN_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    base = {"SECRET_KEY": "k3Jx9-Qm2vLw8Rt5Yp1Zs7Nb4Hc6Fd0Ga2Ue8Io3Wq", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    monkeypatch.setenv("QN_INSTANCE_PATH", str(tmp_path))
    assert create_app({**base, "ENV": "production"}).config["TWO_FACTOR_REQUIRED_ROLES"] == ["admin", "coordinator"]
    assert create_app({**base, "ENV": "development"}).config["TWO_FACTOR_REQUIRED_ROLES"] == []
    monkeypatch.setenv("QN_TWO_FACTOR_REQUIRED_ROLES", "admin")
    assert create_app({**base, "ENV": "production"}).config["TWO_FACTOR_REQUIRED_ROLES"] == ["admin"]
    monkeypatch.setenv("QN_TWO_FACTOR_REQUIRED_ROLES", "")
    assert create_app({**base, "ENV": "production"}).config["TWO_FACTOR_REQUIRED_ROLES"] == []
    monkeypatch.setenv("QN_TWO_FACTOR_REQUIRED_ROLES", '["admin", "coordinator", "partner"]')
    assert create_app({**base}).config["TWO_FACTOR_REQUIRED_ROLES"] == ["admin", "coordinator", "partner"]
    monkeypatch.setenv("QN_TWO_FACTOR_REQUIRED_ROLES", "admin,coordinateur")
    with pytest.raises(ConfigurationError, match="coordinateur"):
        create_app({**base})


# --- the admin reset ---------------------------------------------------------------------------------------------


def test_an_admin_resets_a_lost_second_factor(app, demo, clock):
    coordinator = signed_in(app, "coordination")
    secret, codes = enrol(app, coordinator, clock, "coordination")
    assert is_signed_in(coordinator)
    with app.app_context():
        user = User.by_email(email("coordination"))
        two_factor.trust_device(user, "Téléphone perdu")
        db.session.commit()
    admin = signed_in(app, "admin")
    users_page = text(admin.get("/admin/personnes"))
    assert "Réinitialiser la double authentification Camille Coordination" in " ".join(
        re.sub(r"<[^>]+>", "", users_page).split())
    target = demo["users"]["coordination"]

    response = post_form(admin, f"/admin/personnes/{target}/double-authentification", form_url="/admin/personnes")
    assert path_of(response) == "/admin/personnes"
    assert "La double authentification de Camille Coordination est réinitialisée" in text(admin.get("/admin/personnes"))
    user = get_user(app, "coordination")
    assert (user.totp_secret, user.totp_confirmed_at, user.totp_last_step) == (None, None, 0)
    with app.app_context():
        for model in (RecoveryCode, TrustedDevice):
            assert db.session.scalar(select(func.count()).select_from(model).where(model.user_id == target)) == 0
        (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "two_factor.reset"))
        assert (entry.user_id, entry.target) == (demo["users"]["admin"], "Camille Coordination <coordination@example.org>")
        assert json.loads(entry.details)["sessions_ended"] == 1
    # Sessions opened with the lost factor end: whoever holds the phone or the computer is signed out.
    assert not is_signed_in(coordinator)
    with app.app_context():
        (message,) = list(outbox())
    assert message["To"] == email("coordination")
    assert message["Subject"] == "Votre double authentification a été réinitialisée"
    assert "Alex Admin a réinitialisé la double authentification" in message.get_content()
    assert "http://portail.test/compte/double-authentification" in message.get_content()
    # The person signs in with the password alone again; the old codes are dead.
    client = app.test_client()
    assert path_of(login(client, email("coordination"))) == DASHBOARD

    # Nothing left to reset; one's own second factor goes through one's own page.
    again = post_form(admin, f"/admin/personnes/{target}/double-authentification", form_url="/admin/personnes")
    assert "n'a pas de double authentification à réinitialiser" in text(admin.get(path_of(again)))
    own = post_form(admin, f"/admin/personnes/{demo['users']['admin']}/double-authentification",
                    form_url="/admin/personnes")
    assert "Pour votre propre compte" in text(admin.get(path_of(own)))
    with app.app_context():
        assert len(outbox()) == 1  # no second mail for what did nothing


def sessions_of(app, key: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(UserSession).join(User)
                                 .where(User.email == email(key)))


@pytest.mark.parametrize("config_overrides", [{**ENFORCED, "RATELIMIT_ENABLED": False}])
def test_the_command_line_resets_the_last_admins_second_factor(app, demo, clock, runner, config_overrides):
    secret, _codes = enrol_directly(app, "admin")
    browsers = []
    for trust in (True, False):
        browser = app.test_client()
        password_step(browser, "admin")
        assert path_of(code_step(browser, clock.code(secret), trust=trust)) == DASHBOARD
        clock.advance(30)
        browsers.append(browser)
    waiting = app.test_client()
    password_step(waiting, "admin")  # at the code step when the reset happens
    bystander = signed_in(app, "mediation.a")

    result = runner.invoke(main, ["users", "reset-two-factor", " Admin@Example.org "])
    assert result.exit_code == 0, (result.output, result.exception)
    assert "Two-factor sign-in turned off for admin@example.org; 2 session(s) ended." in result.output
    user = get_user(app, "admin")
    assert (user.totp_secret, user.totp_confirmed_at, user.totp_last_step) == (None, None, 0)
    with app.app_context():
        for model in (RecoveryCode, TrustedDevice):
            assert db.session.scalar(select(func.count()).select_from(model).where(model.user_id == user.id)) == 0
        (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "two_factor.reset"))
        assert (entry.user_id, entry.outcome, entry.target) == (None, "ok", "Alex Admin <admin@example.org>")
        assert details((entry.outcome, entry.details)) == {"account_id": user.id, "via": "command line",
                                                           "sessions_ended": 2}
    assert sessions_of(app, "admin") == 0
    assert not any(is_signed_in(browser) for browser in browsers)
    assert path_of(waiting.get(CODE_STEP)) == "/connexion"  # the wait at the code step is over too
    assert is_signed_in(bystander)
    # The password alone signs in again, on the trusted browser too, straight to enrolment (the role requires it).
    assert path_of(login(browsers[0], email("admin"))) == ENROLMENT


def test_the_command_line_reset_refuses_an_unknown_address_and_leaves_others_alone(app, demo, runner):
    enrol_directly(app, "mediation.a")
    result = runner.invoke(main, ["users", "reset-two-factor", "personne@example.org"])
    assert result.exit_code == 1
    assert "No account with the e-mail address 'personne@example.org'." in result.output
    assert get_user(app, "mediation.a").totp_confirmed_at is not None
    # An account without a second factor: nothing to do, and nothing recorded.
    client = signed_in(app, "mediation.b")
    result = runner.invoke(main, ["users", "reset-two-factor", email("mediation.b")])
    assert result.exit_code == 0, result.output
    assert "mediation.b@example.org has no two-factor sign-in: nothing to reset." in result.output
    assert is_signed_in(client)
    assert audit_rows(app, "two_factor.reset") == []
    assert runner.invoke(main, ["users", "reset-two-factor"]).exit_code == 2  # the address is required


def test_only_admins_may_reset(app, demo):
    enrol_directly(app, "mediation.a")
    target = demo["users"]["mediation.a"]
    coordinator = signed_in(app, "coordination")
    token = CSRF_RE.search(coordinator.get(DASHBOARD).get_data(as_text=True)).group(1)
    assert coordinator.post(f"/admin/personnes/{target}/double-authentification",
                            data={"csrf_token": token}).status_code == 403
    assert get_user(app, "mediation.a").totp_confirmed_at is not None
    assert signed_in(app, "admin").post(f"/admin/personnes/{target}/double-authentification").status_code == 400


# --- throttling ----------------------------------------------------------------------------------------------------


LIMITS = {"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN_ACCOUNT": "3 per minute", "RATELIMIT_LOGIN_ADDRESS": "50 per minute"}


def from_address(client, address: str):
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.mark.parametrize("config_overrides", [LIMITS])
def test_wrong_codes_count_with_wrong_passwords_against_the_account(app, demo, clock, config_overrides):
    secret, _codes = enrol_directly(app, "mediation.a")
    stranger = from_address(app.test_client(), "203.0.113.1")
    assert login(stranger, email("mediation.a"), "pas le bon mot de passe").status_code == 200  # 1
    thief = from_address(app.test_client(), "203.0.113.2")
    password_step(thief, "mediation.a")  # a right password costs nothing
    assert code_step(thief, clock.code(secret, -2)).status_code == 200  # 2
    assert code_step(thief, clock.code(secret, 2)).status_code == 200  # 3
    assert code_step(thief, clock.code(secret)).status_code == 429  # even the right code, while locked
    assert not is_signed_in(thief)
    # The account is locked everywhere, at the password step too; another account is not.
    assert login(from_address(app.test_client(), "203.0.113.3"), email("mediation.a")).status_code == 429
    assert path_of(login(from_address(app.test_client(), "203.0.113.4"), email("mediation.b"))) == DASHBOARD
    clock.advance(60)  # the limiter has its own clock: the account stays locked until its minute is over
    assert code_step(thief, clock.code(secret)).status_code == 429


@pytest.mark.parametrize("config_overrides", [LIMITS])
def test_right_codes_do_not_count(app, demo, clock, config_overrides):
    secret, _codes = enrol_directly(app, "mediation.a")
    for attempt in range(4):
        client = from_address(app.test_client(), f"198.51.100.{attempt + 1}")
        password_step(client, "mediation.a")
        assert path_of(code_step(client, clock.code(secret))) == DASHBOARD
        clock.advance(30)


@pytest.mark.parametrize("config_overrides", [LIMITS])
def test_wrong_codes_on_the_account_pages_count_too(app, demo, clock, config_overrides):
    client = signed_in(app, "direction.a")
    secret, _codes = enrol(app, client, clock, "direction.a")
    for _attempt in range(3):
        assert code_step(client, clock.code(secret, -2), url=f"{ENROLMENT}/codes-de-secours").status_code == 200
    assert code_step(client, clock.code(secret), url=f"{ENROLMENT}/codes-de-secours").status_code == 429
    assert post_form(client, f"{ENROLMENT}/desactiver", {"current_password": DEMO_PASSWORD},
                     form_url=ENROLMENT).status_code == 429


@pytest.mark.parametrize("config_overrides", [LIMITS])
def test_wrong_first_codes_at_enrolment_are_limited(app, demo, clock, config_overrides):
    client = signed_in(app, "mediation.a")
    post_form(client, f"{ENROLMENT}/activer", form_url=ENROLMENT)
    secret = secret_of(app, "mediation.a")
    for steps in (-3, 3, -4):
        assert post_form(client, ENROLMENT, {"code": clock.code(secret, steps)}).status_code == 200
    locked = post_form(client, ENROLMENT, {"code": clock.code(secret)})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "Trop de tentatives" in text(locked)
    assert get_user(app, "mediation.a").totp_confirmed_at is None


@pytest.mark.parametrize("config_overrides", [LIMITS])
def test_wrong_passwords_and_codes_to_switch_off_are_limited(app, demo, clock, config_overrides):
    secret, _codes = enrol(app, signed_in(app, "mediation.a"), clock, "mediation.a")
    client = app.test_client()
    password_step(client, "mediation.a")
    assert path_of(code_step(client, clock.code(secret))) == DASHBOARD
    url = f"{ENROLMENT}/desactiver"
    assert post_form(client, url, {"current_password": "pas le bon mot de passe"}).status_code == 200
    assert post_form(client, url, {"code": clock.code(secret, -2)}).status_code == 200
    assert post_form(client, url, {"current_password": "toujours pas le bon"}).status_code == 200
    assert post_form(client, url, {"current_password": DEMO_PASSWORD}).status_code == 429
    assert get_user(app, "mediation.a").totp_confirmed_at is not None


# --- trusted browsers ------------------------------------------------------------------------------------------


def trusted_cookie(response) -> str | None:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(two_factor.TRUSTED_COOKIE + "="):
            return header
    return None


def test_a_trusted_browser_skips_the_code_for_thirty_days(app, demo, clock):
    secret, _codes = enrol(app, signed_in(app, "mediation.a"), clock, "mediation.a")
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (X11; Linux) Firefox/140.0"
    password_step(browser, "mediation.a")
    page = text(browser.get(CODE_STEP))
    assert "Ne plus demander de code sur ce navigateur pendant 1\xa0mois" in page  # Babel: a no-break space
    response = code_step(browser, clock.code(secret), trust=True)
    assert path_of(response) == DASHBOARD
    cookie = trusted_cookie(response)
    assert cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Max-Age=2592000" in cookie
    token = browser.get_cookie(two_factor.TRUSTED_COOKIE, domain="portail.test").value
    with app.app_context():
        (device,) = db.session.scalars(select(TrustedDevice))
        assert device.token_hash != token and len(device.token_hash) == 64
        assert device.user_agent == "Mozilla/5.0 (X11; Linux) Firefox/140.0"
    assert details(audit_rows(app, "login")[-1]) == {"second_factor": "totp", "trusted_device": True}

    post_form(browser, "/deconnexion", form_url=DASHBOARD)
    assert path_of(login(browser, email("mediation.a"))) == DASHBOARD  # no code asked here
    assert details(audit_rows(app, "login")[-1]) == {"second_factor": "trusted_device"}
    assert path_of(login(app.test_client(), email("mediation.a"))) == CODE_STEP  # elsewhere it is
    # The cookie opens nothing without the password, nor for another account.
    other = app.test_client()
    other.set_cookie(two_factor.TRUSTED_COOKIE, token, domain="portail.test")
    enrol_directly(app, "mediation.b")
    assert path_of(login(other, email("mediation.b"))) == CODE_STEP
    # After thirty days the code is asked again.
    post_form(browser, "/deconnexion", form_url=DASHBOARD)
    clock.advance(30 * 86400 + 1)
    assert path_of(login(browser, email("mediation.a"))) == CODE_STEP


@pytest.mark.parametrize("config_overrides", [{"ENV": "production", "TESTING": False, "RATELIMIT_ENABLED": False}])
def test_the_trusted_browser_cookie_is_secure_when_the_session_cookie_is(quiet_production_logging, app, demo, clock,
                                                                         config_overrides):
    secret, _codes = enrol_directly(app, "mediation.a")
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"  # Secure cookies come back over HTTPS only
    client.environ_base["HTTP_REFERER"] = "https://portail.test/connexion"  # Flask-WTF checks it over HTTPS
    password_step(client, "mediation.a")
    cookie = trusted_cookie(code_step(client, clock.code(secret), trust=True))
    assert cookie and "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    with app.app_context():
        db.engine.dispose()


def test_a_password_change_forgets_every_trusted_browser(app, demo, clock):
    secret, _codes = enrol_directly(app, "mediation.a")
    browser = app.test_client()
    password_step(browser, "mediation.a")
    assert path_of(code_step(browser, clock.code(secret), trust=True)) == DASHBOARD
    response = post_form(browser, "/compte/mot-de-passe", {
        "current_password": DEMO_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert path_of(response) == "/compte"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TrustedDevice)) == 0
    post_form(browser, "/deconnexion", form_url=DASHBOARD)
    assert path_of(login(browser, email("mediation.a"), NEW_PASSWORD)) == CODE_STEP


def test_trusted_browsers_are_listed_and_revoked_from_the_profile(app, demo, clock):
    secret, _codes = enrol_directly(app, "mediation.a")
    browsers = []
    for agent in ("Navigateur du bureau", "Navigateur de la maison"):
        browser = app.test_client()
        browser.environ_base["HTTP_USER_AGENT"] = agent
        password_step(browser, "mediation.a")
        assert path_of(code_step(browser, clock.code(secret), trust=True)) == DASHBOARD
        clock.advance(30)
        browsers.append(browser)
    office, home = browsers
    page = words(home.get(DEVICES))
    assert "Navigateur du bureau" in page and "Navigateur de la maison (ce navigateur)" in page
    with app.app_context():
        office_id = db.session.scalar(select(TrustedDevice.id).where(TrustedDevice.user_agent == "Navigateur du bureau"))
    # Someone else cannot revoke it (not found), its owner can.
    stranger = signed_in(app, "mediation.b")
    response = post_form(stranger, f"{DEVICES}/{office_id}/retirer", form_url=DASHBOARD)
    assert response.status_code == 404
    assert path_of(post_form(home, f"{DEVICES}/{office_id}/retirer", form_url=DEVICES)) == DEVICES
    page = text(home.get(DEVICES))
    assert "Navigateur du bureau" not in page and "Navigateur de la maison" in page
    post_form(office, "/deconnexion", form_url=DASHBOARD)
    assert path_of(login(office, email("mediation.a"))) == CODE_STEP

    response = post_form(home, f"{DEVICES}/retirer-tous", form_url=DEVICES)
    assert path_of(response) == DEVICES
    assert "qn_trusted=;" in (trusted_cookie(response) or "")
    assert "Aucun navigateur de confiance" in text(home.get(DEVICES))
    assert [details for _outcome, details in audit_rows(app, "two_factor.devices_revoked")] == [
        '{"count": 1}', '{"count": 1}']


def test_signing_in_again_after_a_code_leaves_one_session(app, demo, clock):
    secret, _codes = enrol_directly(app, "mediation.a")
    client = app.test_client()
    password_step(client, "mediation.a")
    code_step(client, clock.code(secret))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 1
