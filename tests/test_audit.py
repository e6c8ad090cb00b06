"""The audit log: an entry for every security event (who, when, from where, on what), the journal that
coordinators and admins read, the purge command, and what must never be stored (passwords, tokens, keys)."""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from conftest import DEMO_PASSWORD, email, login, post_form, signed_in
from flask_login import login_user
from sqlalchemy import delete, select, text

from qn_portal.accounts.models import User, UserSession
from qn_portal.api import audit, audit_export
from qn_portal.audit.models import AuditEntry
from qn_portal.dbtypes import utcnow
from qn_portal.extensions import db
from qn_portal.mail import outbox

ADDRESS = "203.0.113.7"
NEW_PASSWORD = "girafe trombone cerisier 42"
OTHER_PASSWORD = "hibou parasol lentille 1907"
WRONG_PASSWORD = "pas le bon mot de passe du tout"
FORGED = "event=login outcome=ok user=1"
ROW = re.compile(r"<time datetime=\"([^\"]+)\"")


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": False}


# --- helpers -------------------------------------------------------------------------------------------------


def from_address(client, address: str = ADDRESS):
    client.environ_base["REMOTE_ADDR"] = address
    return client


def signed_in_from(app, key: str, address: str = ADDRESS):
    client = from_address(app.test_client(), address)
    response = login(client, email(key))
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def entries(app, action: str | None = None, outcome: str | None = None) -> list[AuditEntry]:
    with app.app_context():
        statement = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            statement = statement.where(AuditEntry.action == action)
        if outcome:
            statement = statement.where(AuditEntry.outcome == outcome)
        rows = list(db.session.scalars(statement))
        db.session.expunge_all()
        return rows


def only(app, action: str, outcome: str = "ok") -> AuditEntry:
    rows = entries(app, action, outcome)
    assert len(rows) == 1, [(row.action, row.outcome, row.target) for row in entries(app)]
    return rows[0]


def assert_recent(entry: AuditEntry) -> None:
    assert entry.created_at.tzinfo is not None
    assert timedelta(0) <= utcnow() - entry.created_at < timedelta(minutes=1)


def assert_by(entry: AuditEntry, demo, key: str, address: str = ADDRESS) -> None:
    """Who, when and from where."""
    assert (entry.user_id, entry.actor_email, entry.address) == (demo["users"][key], email(key), address)
    assert_recent(entry)


def link_in(app, path: str) -> str:
    with app.app_context():
        message = list(outbox())[-1]
    match = re.search(rf"http://portail\.test(/{path}/\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


def clear_log(app) -> None:
    with app.app_context():
        db.session.execute(delete(AuditEntry))
        db.session.commit()


def add_entry(app, when: datetime, action: str = "login", outcome: str = "ok", actor: str = "", target: str = ""):
    with app.app_context():
        db.session.add(AuditEntry(created_at=when, action=action, outcome=outcome, actor_email=actor,
                                  target=target, address="198.51.100.1", details="{}"))
        db.session.commit()


def all_stored_text(app) -> str:
    with app.app_context():
        rows = db.session.execute(select(AuditEntry.__table__)).all()
    return "\n".join(" | ".join(str(value) for value in row) for row in rows)


# --- an entry for each event -----------------------------------------------------------------------------------


def test_successful_login_is_recorded_with_who_when_and_where(app, demo):
    signed_in_from(app, "mediation.a")
    entry = only(app, "login")
    assert_by(entry, demo, "mediation.a")


def test_failed_login_is_recorded_although_the_request_commits_nothing(app, demo):
    client = from_address(app.test_client())
    started = time.monotonic()
    response = login(client, email("mediation.a"), WRONG_PASSWORD)
    login(client, "personne@example.org", WRONG_PASSWORD)
    # Written with the request's own connection: no wait for the write lock the request holds (10 s on SQLite).
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    failed = entries(app, "login", "failed")
    assert [(entry.user_id, entry.actor_email, entry.target, entry.address) for entry in failed] == [
        (None, "", email("mediation.a"), ADDRESS), (None, "", "personne@example.org", ADDRESS)]
    assert_recent(failed[0])
    with app.app_context():
        assert db.session.get(User, demo["users"]["mediation.a"]).last_login_at is None


def test_logout_is_recorded(app, demo):
    client = signed_in_from(app, "direction.a")
    response = post_form(client, "/deconnexion", form_url="/tableau-de-bord")
    assert response.status_code == 302
    assert_by(only(app, "logout"), demo, "direction.a")


def test_invitation_sent_and_accepted_are_recorded(app, demo):
    client = signed_in_from(app, "coordination")
    response = post_form(client, "/inviter", {"email": "nouvelle@example.org", "name": "Nouvelle Personne",
                                              "role": "partner", "association_id": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    sent = only(app, "invitation.sent")
    assert_by(sent, demo, "coordination")
    assert sent.target == "nouvelle@example.org"
    assert dict(sent.details_items)["role"] == "partner"

    newcomer = from_address(app.test_client(), "198.51.100.20")
    link = link_in(app, "invitation")
    response = post_form(newcomer, link, {"name": "Nouvelle Personne", "password": NEW_PASSWORD,
                                          "confirm": NEW_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    accepted = only(app, "invitation.accept")
    with app.app_context():
        newcomer_id = User.by_email("nouvelle@example.org").id
    assert (accepted.user_id, accepted.actor_email, accepted.address) == (
        newcomer_id, "nouvelle@example.org", "198.51.100.20")


def test_password_reset_requested_done_and_refused_are_recorded(app, demo):
    client = from_address(app.test_client())
    post_form(client, "/mot-de-passe-oublie", {"email": email("mediation.a")})
    requested = only(app, "password_reset.requested")
    assert (requested.user_id, requested.target, requested.address) == (None, email("mediation.a"), ADDRESS)

    link = link_in(app, "reinitialiser")
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    # Not signed in: the account is the one the link proved.
    assert_by(only(app, "password_reset"), demo, "mediation.a")

    assert client.get(link).status_code == 400  # single use
    refused = only(app, "password_reset", "bad_token")
    assert (refused.user_id, refused.address) == (None, ADDRESS)


def test_password_change_is_recorded_ok_and_failed(app, demo):
    client = signed_in_from(app, "mediation.a")
    post_form(client, "/compte/mot-de-passe", {"current_password": WRONG_PASSWORD, "password": NEW_PASSWORD,
                                               "confirm": NEW_PASSWORD})
    assert_by(only(app, "password_change", "failed"), demo, "mediation.a")
    response = post_form(client, "/compte/mot-de-passe", {"current_password": DEMO_PASSWORD,
                                                          "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert_by(only(app, "password_change"), demo, "mediation.a")


def test_deactivation_and_reactivation_are_recorded_with_their_target(app, demo):
    client = signed_in_from(app, "admin")
    target_id = demo["users"]["mediation.b"]
    for action in ("desactiver", "reactiver"):
        response = post_form(client, f"/admin/personnes/{target_id}/{action}", form_url="/admin/personnes")
        assert response.status_code == 302
    for action in ("account.deactivated", "account.reactivated"):
        entry = only(app, action)
        assert_by(entry, demo, "admin")
        assert email("mediation.b") in entry.target
        assert dict(entry.details_items)["account_id"] == str(target_id)


def test_plugin_toggles_are_recorded(app, demo):
    client = signed_in_from(app, "admin")
    for _ in range(2):
        assert post_form(client, "/admin/extensions/example", form_url="/admin/extensions").status_code == 302
    for action in ("plugin.disabled", "plugin.enabled"):
        entry = only(app, action)
        assert_by(entry, demo, "admin")
        assert entry.target == "example"


def test_refused_access_and_csrf_failure_are_recorded(app, demo):
    client = signed_in_from(app, "mediation.a")
    assert client.get("/admin/journal").status_code == 403
    refused = only(app, "access", "refused")
    assert_by(refused, demo, "mediation.a")
    assert refused.target == "/admin/journal"

    assert client.post("/compte", data={"name": "Sans jeton"}).status_code == 400
    csrf = only(app, "csrf", "refused")
    assert_by(csrf, demo, "mediation.a")
    assert csrf.target == "/compte"


def test_file_download_is_recorded(app, demo):
    import io

    from werkzeug.datastructures import FileStorage

    from qn_portal.storage import save_upload

    with app.app_context():
        stored = save_upload(FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="fiche.pdf"), plugin="core",
                             kinds=("pdf",), association_id=demo["associations"]["a"],
                             uploaded_by_id=demo["users"]["mediation.a"])
        db.session.commit()
        key = stored.key
    client = signed_in_from(app, "direction.a")
    response = client.get(f"/fichiers/{key}")
    response.close()
    assert response.status_code == 200
    entry = only(app, "file.download")
    assert_by(entry, demo, "direction.a")
    assert entry.target == key[:8]


def request_as(app, demo, key: str, path: str = "/"):
    """A request context signed in as the demo account ``key``, from ADDRESS: plugin code runs in one."""
    context = app.test_request_context(path, method="POST", environ_base={"REMOTE_ADDR": ADDRESS})
    context.push()
    login_user(db.session.get(User, demo["users"][key]))
    return context


def test_role_changes_and_removals_use_the_documented_names(app, demo):
    """The association pages record ``membership.role_changed`` and ``membership.removed`` with the member as
    target (docs/plugins.md); the journal knows both names."""
    from qn_portal.audit.journal import ACTION_LABELS

    context = request_as(app, demo, "direction.a", "/associations/a/membres")
    try:
        member = db.session.get(User, demo["users"]["mediation.a"])
        association_id = demo["associations"]["a"]
        audit("membership.role_changed", target=member, user_id=member.id, association_id=association_id,
              old_role="mediator", new_role="manager")
        audit("membership.removed", target=member, user_id=member.id, association_id=association_id)
    finally:
        context.pop()
    for action in ("membership.role_changed", "membership.removed"):
        entry = only(app, action)
        assert_by(entry, demo, "direction.a")
        assert email("mediation.a") in entry.target
        assert dict(entry.details_items)["association_id"] == str(demo["associations"]["a"])
        assert action in ACTION_LABELS
    details = dict(only(app, "membership.role_changed").details_items)
    assert (details["old_role"], details["new_role"]) == ("mediator", "manager")


def test_exports_of_personal_data_are_recorded_through_the_api(app, demo):
    context = request_as(app, demo, "coordination", "/ateliers/12/inscrits.csv")
    try:
        audit_export("ateliers: inscrits de la session 12", 25, association_id=demo["associations"]["a"])
    finally:
        context.pop()
    entry = only(app, "data.export")
    assert_by(entry, demo, "coordination")
    assert entry.target == "ateliers: inscrits de la session 12"
    details = dict(entry.details_items)
    assert (details["count"], details["association_id"]) == ("25", str(demo["associations"]["a"]))


def test_the_log_line_is_still_written(app, demo, caplog):
    client = from_address(app.test_client())
    with caplog.at_level(logging.INFO, logger="qn_portal.audit"):
        caplog.clear()
        login(client, email("mediation.a"), WRONG_PASSWORD)
    lines = [record.getMessage() for record in caplog.records if record.name == "qn_portal.audit"]
    assert len(lines) == 1
    assert lines[0].startswith("event=login outcome=failed user=None address='203.0.113.7'")
    assert "email='mediation.a@example.org'" in lines[0]


# --- transactions ----------------------------------------------------------------------------------------------


def test_what_a_view_left_uncommitted_is_not_saved_with_the_entry(app, demo):
    def careless_view():
        user = db.session.get(User, demo["users"]["mediation.a"])
        user.name = "Jamais enregistré"
        db.session.flush()
        audit("test.careless")
        return "ok"

    app.add_url_rule("/zz-careless", "zz_careless", careless_view)
    assert from_address(app.test_client()).get("/zz-careless").status_code == 200
    assert only(app, "test.careless").address == ADDRESS
    with app.app_context():
        assert db.session.get(User, demo["users"]["mediation.a"]).name != "Jamais enregistré"


def test_outside_requests_an_entry_is_written_at_once_or_when_the_context_ends(app, demo):
    def stored() -> list[str]:
        with db.engine.connect() as connection:  # another connection: sees only what is committed
            return list(connection.execute(text("SELECT action FROM audit_entry ORDER BY id")).scalars())

    with app.app_context():
        audit("test.idle")  # nothing in progress: written at once
        assert stored() == ["test.idle"]
        db.session.get(User, demo["users"]["admin"])  # a transaction in progress is not the log's to commit
        audit("test.busy")
        assert stored() == ["test.idle"]
        db.session.rollback()
    with app.app_context():
        assert stored() == ["test.idle", "test.busy"]
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "test.busy"))
        assert (entry.user_id, entry.actor_email, entry.address) == (None, "", "")


# --- what is never stored --------------------------------------------------------------------------------------


def test_no_password_token_or_session_key_is_ever_stored(app, demo):
    client = from_address(app.test_client())
    login(client, email("mediation.a"), WRONG_PASSWORD)
    assert login(client, email("mediation.a"), DEMO_PASSWORD, remember=True).status_code == 302
    cookies = [client.get_cookie(name, domain="portail.test").value for name in ("qn_session", "qn_remember")]
    post_form(client, "/compte/mot-de-passe", {"current_password": DEMO_PASSWORD, "password": OTHER_PASSWORD,
                                               "confirm": OTHER_PASSWORD})

    anonymous = from_address(app.test_client())
    post_form(anonymous, "/mot-de-passe-oublie", {"email": email("direction.a")})
    link = link_in(app, "reinitialiser")
    token = link.rsplit("/", 1)[1]
    # A forged form to the reset page: the refused request's path holds the token.
    assert anonymous.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 400
    response = post_form(anonymous, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)

    # A careless plugin passing secrets as details.
    context = request_as(app, demo, "coordination")
    try:
        audit("test.careless", password=NEW_PASSWORD, reset_token=token, nested={"api_key": "k" * 20},
              note=f"jeton {token}")
    finally:
        context.pop()

    with app.app_context():
        session_keys = list(db.session.scalars(select(UserSession.key)))
    stored = all_stored_text(app)
    secrets = {"demo password": DEMO_PASSWORD, "wrong password": WRONG_PASSWORD, "new password": NEW_PASSWORD,
               "other password": OTHER_PASSWORD, "reset token": token, "api key": "k" * 20,
               **{f"cookie {i}": value for i, value in enumerate(cookies)},
               **{f"session key {i}": key for i, key in enumerate(session_keys)}}
    assert session_keys and all(cookies)
    leaks = [name for name, secret in secrets.items() if secret in stored]
    assert not leaks, f"stored in the audit log: {leaks}"
    # The entries are there (the check above is not vacuous), with the secrets masked.
    assert only(app, "csrf", "refused").target == "/reinitialiser/***"
    assert only(app, "password_reset").actor_email == email("direction.a")
    careless = dict(only(app, "test.careless").details_items)
    assert (careless["password"], careless["reset_token"], careless["note"]) == ("***", "***", "jeton ***")
    assert careless["nested"] == '{"api_key": "***"}'


def test_token_like_values_are_masked_but_slugs_and_emails_are_kept(app, demo):
    session_like = "Xq7" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1yZ3" + "_-x"
    slug_path = "/associations/association-des-habitants-2024-cenon-bastide"
    context = request_as(app, demo, "admin")
    try:
        audit("test.masking", target=slug_path, note=f"clé {session_like} fin",
              email="jean-christophe.dupont-martinez-2024@example.org")
    finally:
        context.pop()
    entry = only(app, "test.masking")
    details = dict(entry.details_items)
    assert entry.target == slug_path
    assert details["note"] == "clé *** fin"
    assert details["email"] == "jean-christophe.dupont-martinez-2024@example.org"


def test_a_newline_in_a_name_cannot_forge_a_log_line(app, demo, caplog):
    with app.app_context():
        db.session.get(User, demo["users"]["mediation.b"]).name = f"Eve\n{FORGED}\r\n"
        db.session.commit()
    client = signed_in_from(app, "admin")
    with caplog.at_level(logging.INFO, logger="qn_portal.audit"):
        caplog.clear()  # the sign-in's line too, when another test left the logger at INFO
        post_form(client, f"/admin/personnes/{demo['users']['mediation.b']}/desactiver", form_url="/admin/personnes")
        context = request_as(app, demo, "admin")
        try:
            audit("test.newline", target=f"x\n{FORGED}", note=f"a\r\n{FORGED}")
        finally:
            context.pop()
    lines = [record.getMessage() for record in caplog.records if record.name == "qn_portal.audit"]
    assert len(lines) == 2
    assert not [line for line in lines if "\n" in line or "\r" in line]
    assert not [line for line in lines if line.startswith(FORGED)]
    assert "target='Eve\\n" in lines[0]
    for entry in entries(app):
        assert "\n" not in entry.target and "\r" not in entry.target
    assert only(app, "account.deactivated").target.startswith("Eve\\x0a" + FORGED)
    page = client.get("/admin/journal").get_data(as_text=True)
    assert "Eve\\x0a" in page


# --- the journal page ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "status"), [("partenaire", 403), ("mediation.a", 403), ("direction.a", 403),
                                             ("coordination", 200), ("admin", 200)])
def test_journal_is_for_coordinators_and_admins(app, demo, key, status):
    client = signed_in(app, key)
    assert client.get("/admin/journal").status_code == status
    nav = client.get("/tableau-de-bord").get_data(as_text=True)
    assert ('href="/admin/journal"' in nav) == (status == 200)


def test_journal_anonymous_goes_to_the_login_page(client):
    response = client.get("/admin/journal")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def journal_rows(client, query: str = "", status: int = 200) -> list[str]:
    response = client.get("/admin/journal" + query)
    assert response.status_code == status, response.get_data(as_text=True)
    return ROW.findall(response.get_data(as_text=True))


def test_journal_lists_newest_first_and_paginates_with_its_filters(app, demo):
    client = signed_in(app, "coordination")
    clear_log(app)
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    for i in range(25):
        add_entry(app, start + timedelta(hours=i), actor=f"personne{i}@example.org")
    first = journal_rows(client)
    assert len(first) == 20
    assert first == sorted(first, reverse=True)
    assert first[0] == (start + timedelta(hours=24)).isoformat()
    second = journal_rows(client, "?page=2")
    assert len(second) == 5 and second[-1] == start.isoformat()
    journal_rows(client, "?page=3", status=404)

    page = client.get("/admin/journal?outcome=ok&action=login").get_data(as_text=True)
    assert "outcome=ok" in re.search(r'<a href="([^"]+)" rel="next"', page).group(1).replace("&amp;", "&")


def test_journal_filters(app, demo):
    client = signed_in(app, "admin")
    clear_log(app)
    day = datetime(2026, 3, 1, tzinfo=UTC)
    add_entry(app, day + timedelta(hours=9), "login", "ok", actor="mediation.a@example.org")
    add_entry(app, day + timedelta(hours=10), "login", "failed", target="Direction.A@example.org")
    add_entry(app, day + timedelta(hours=22, minutes=30), "account.deactivated", "ok", actor="admin@example.org",
              target="Maëlle <mediation.b@example.org>")  # 23:30 in Paris, 1 March
    add_entry(app, day + timedelta(hours=23, minutes=30), "access", "refused", actor="partenaire@example.org",
              target="/admin/personnes")  # 00:30 in Paris, 2 March
    add_entry(app, day + timedelta(days=10), "plugin.disabled", "ok", actor="admin@example.org", target="example")

    assert len(journal_rows(client)) == 5
    assert len(journal_rows(client, "?action=login")) == 2
    assert len(journal_rows(client, "?outcome=failed")) == 1
    assert len(journal_rows(client, "?action=login&outcome=ok")) == 1
    # The person is the one acting or the one acted upon, in any case.
    assert len(journal_rows(client, "?person=direction.a")) == 1
    assert len(journal_rows(client, "?person=mediation")) == 2
    assert len(journal_rows(client, "?person=ADMIN%40example.org")) == 2
    assert len(journal_rows(client, "?person=%25")) == 0  # a LIKE wildcard is a plain character
    # Dates are days in Paris, both ends included.
    assert journal_rows(client, "?date_from=2026-03-02&date_to=2026-03-02") == [
        (day + timedelta(hours=23, minutes=30)).isoformat()]
    assert len(journal_rows(client, "?date_to=01/03/2026")) == 3
    assert len(journal_rows(client, "?date_from=2026-03-02")) == 2
    page = client.get("/admin/journal?person=nobody").get_data(as_text=True)
    assert "Aucune entrée ne correspond à ces filtres." in page


def test_journal_filter_errors_are_shown_next_to_the_field(app, demo):
    client = signed_in(app, "admin")
    clear_log(app)
    add_entry(app, datetime(2026, 3, 1, 9, tzinfo=UTC))
    cases = [
        ("?date_from=2026-13-45", "date_from", "Indiquez une date au format JJ/MM/AAAA."),
        # The last day of the calendar once overflowed the next midnight's conversion: an error 500.
        ("?date_to=31/12/9999", "date_to", "Indiquez une date entre 1900 et 2200."),
        ("?date_from=0001-01-01", "date_from", "Indiquez une date entre 1900 et 2200."),
        ("?date_from=2026-02-05&date_to=2026-02-01", "date_to", "La date de fin précède la date de début."),
        ("?action=not.an.action", "action", "Choisissez une action de la liste."),
        ("?outcome=maybe", "outcome", "Choisissez un résultat de la liste."),
    ]
    for query, field, message in cases:
        response = client.get("/admin/journal" + query)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        error = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
        assert error and message in error.group(1).replace("&#39;", "'"), (query, page)
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', page)
        # The field in error is left aside; the list still shows.
        assert len(ROW.findall(page)) == 1
    # What was typed is kept in the form.
    assert 'value="2026-13-45"' in client.get("/admin/journal?date_from=2026-13-45").get_data(as_text=True)


def test_journal_shows_labels_in_a_get_form_without_csrf_token(app, demo):
    client = signed_in(app, "admin")
    page = client.get("/admin/journal").get_data(as_text=True)
    assert "Connexion" in page and "Réussite" in page and "admin@example.org" in page
    assert "<form method=\"get\"" in page and "csrf_token" not in page.split("<form method=\"get\"")[1].split("</form>")[0]


# --- retention -------------------------------------------------------------------------------------------------


def test_purge_deletes_only_old_entries(app, runner):
    now = utcnow()
    for days in (400, 366, 364, 10):
        add_entry(app, now - timedelta(days=days), target=f"{days} jours")
    result = runner.invoke(args=["audit", "purge"])
    assert result.exit_code == 0, result.output
    assert "2 audit entries older than 365 days deleted." in result.output
    assert sorted(entry.target for entry in entries(app, "login")) == ["10 jours", "364 jours"]
    purged = only(app, "audit.purged")
    assert dict(purged.details_items) == {"count": "2", "older_than_days": "365"}
    assert (purged.user_id, purged.address) == (None, "")

    result = runner.invoke(args=["audit", "purge", "--older-than-days", "30"])
    assert result.exit_code == 0 and "1 audit entries older than 30 days deleted." in result.output
    assert [entry.target for entry in entries(app, "login")] == ["10 jours"]
    assert runner.invoke(args=["audit", "purge", "--older-than-days", "0"]).exit_code == 2


def test_create_admin_is_recorded(app, runner):
    result = runner.invoke(args=["create-admin", "--email", "nouvel.admin@example.org", "--name", "Camille",
                                 "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    entry = only(app, "account.admin_granted")
    assert entry.target == "Camille <nouvel.admin@example.org>"
    assert NEW_PASSWORD not in all_stored_text(app)
