"""Security sweeps over every route of the URL map, all plugins loaded (no browser needed).

A route missing from ``access_matrix.py`` fails ``test_every_route_is_classified``; once classified, it is
covered by the access matrix, the CSRF sweep, the "GET changes nothing" crawl and the header checks.
"""

from __future__ import annotations

import hashlib
import io
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from access_matrix import (
    ADMIN,
    ANONYMOUS,
    BAD,
    CROSS_ASSOCIATION,
    LOGIN,
    MANAGER,
    MEDIATOR,
    PLUGIN_SWEEPS,
    REDIRECT,
    ROLES,
    ROUTES,
)
from conftest import CSRF_RE, login
from query_count import count_queries
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from xss_payloads import PAYLOADS

from qn_portal.extensions import db

IGNORED_METHODS = {"HEAD", "OPTIONS"}
HOSTILE_NEXT = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)",
                "http:evil.example", "\\\\evil.example", "/%2F%2Fevil.example", " //evil.example"]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": False}


@pytest.fixture
def ctx(app, demo):
    """The demo identifiers plus one stored file per association."""
    from qn_portal.storage import save_upload

    context = dict(demo)
    with app.app_context():
        for key, uploader in (("a", "mediation.a"), ("b", "mediation.b")):
            stored = save_upload(FileStorage(io.BytesIO(PDF), filename=f"fiche-{key}.pdf"), plugin="core",
                                 kinds=("pdf",), association_id=demo["associations"][key],
                                 uploaded_by_id=demo["users"][uploader])
            db.session.commit()
            context[f"file_{key}"] = stored.key
        from qn_portal.associations.models import Neighbourhood
        from qn_portal.notifications.models import Notification

        context["neighbourhood"] = db.session.scalar(select(Neighbourhood.id).where(Neighbourhood.name == "Grand Parc"))
        context["notification_b"] = db.session.scalar(
            select(Notification.id).where(Notification.user_id == demo["users"]["mediation.b"]).limit(1))
        assert context["notification_b"], "the demo should leave notifications waiting for mediation.b"
        context["device_b"] = enrol_with_trusted_device(demo["users"]["mediation.b"])
    for module in PLUGIN_SWEEPS:
        if hasattr(module, "context"):
            context.update(module.context(app, context))
    return context


def enrol_with_trusted_device(user_id: int) -> int:
    """Turn two-factor sign-in on for ``user_id`` and trust one browser; return the browser's id."""
    from qn_portal.accounts import two_factor
    from qn_portal.accounts.models import TrustedDevice, User

    user = db.session.get(User, user_id)
    two_factor.start_enrolment(user)
    user.totp_confirmed_at = two_factor.now()
    two_factor.new_recovery_codes(user)
    two_factor.trust_device(user, "Sweep browser")
    db.session.commit()
    return db.session.scalar(select(TrustedDevice.id).where(TrustedDevice.user_id == user_id))


def client_as(app, role: str):
    client = app.test_client()
    if role != ANONYMOUS:
        response = login(client, f"{role}@example.org")
        assert response.status_code == 302, f"could not sign in as {role}"
    return client


def token_of(client, role: str) -> str:
    page = client.get("/connexion" if role == ANONYMOUS else "/tableau-de-bord").get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token for {role}"
    return match.group(1)


def outcome_of(response) -> str:
    if response.status_code == 302:
        return LOGIN if urlsplit(response.headers["Location"]).path == "/connexion" else REDIRECT
    return str(response.status_code)


def call(client, route, ctx, token: str | None):
    """Send the route's request; the body is read and the response closed (file responses hold a handle)."""
    url = route.build_url(ctx)
    data = route.data(ctx)
    if token is not None:
        data = {"csrf_token": token, **data}
    response = client.get(url) if route.method == "GET" else client.post(url, data=data)
    response.get_data()
    response.close()
    return response


# --- classification ----------------------------------------------------------------------------------


def test_every_route_is_classified(app):
    in_app = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              for method in rule.methods - IGNORED_METHODS}
    declared = {(route.endpoint, route.method) for route in ROUTES}
    assert not in_app - declared, f"routes missing from tests/access_matrix.py: {sorted(in_app - declared)}"
    assert not declared - in_app, f"access_matrix.py lists routes the app does not have: {sorted(declared - in_app)}"
    for route in ROUTES:
        assert set(route.outcomes) == set(ROLES), f"{route.endpoint} {route.method} lacks an outcome for a role"


# --- access matrix ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, ctx, role):
    client = client_as(app, role)
    mismatches = []
    for route in sorted(ROUTES, key=lambda route: (route.last, route.method != "GET")):
        token = token_of(client, role) if route.method != "GET" else None
        got = outcome_of(call(client, route, ctx, token))
        if got != route.outcomes[role]:
            mismatches.append(f"{route.method} {route.build_url(ctx)} ({route.endpoint}): "
                              f"expected {route.outcomes[role]}, got {got}")
    assert not mismatches, f"as {role}:\n" + "\n".join(mismatches)


@pytest.mark.parametrize("role", [MEDIATOR, MANAGER])
def test_member_of_a_is_refused_on_b_objects(app, ctx, role):
    client = client_as(app, role)
    for description, method, url, *data in CROSS_ASSOCIATION:
        form = None
        if method != "GET":
            form = {"csrf_token": token_of(client, role), **(data[0](ctx) if data else {})}
        response = client.open(url(ctx), method=method, data=form)
        assert response.status_code in (403, 404), f"{description}: {response.status_code}"


def test_extra_form_fields_are_ignored(app, ctx):
    client = client_as(app, MEDIATOR)
    token = token_of(client, MEDIATOR)
    response = client.post("/compte", data={
        "csrf_token": token, "name": "Maëlle", "phone": "", "notify_email": "daily", "locale": "fr",
        "role": "admin", "is_admin": "1", "active": "0", "association_id": str(ctx["associations"]["b"]),
        "email": "autre@example.org",
    })
    assert response.status_code == 302
    from qn_portal.accounts.models import User

    with app.app_context():
        user = db.session.get(User, ctx["users"][MEDIATOR])
        assert (user.role, user.active, user.email) == ("member", True, "mediation.a@example.org")
        assert [m.association_id for m in user.memberships] == [ctx["associations"]["a"]]


# --- CSRF ---------------------------------------------------------------------------------------------


def test_every_state_changing_route_requires_a_csrf_token(app, ctx):
    foreign_token = token_of(app.test_client(), ANONYMOUS)  # another session's token
    for role in (ANONYMOUS, ADMIN):
        client = client_as(app, role)
        for route in [r for r in ROUTES if r.method != "GET"]:
            for token in (None, foreign_token):
                response = call(client, route, ctx, token)
                assert response.status_code == 400, (
                    f"{route.method} {route.build_url(ctx)} as {role} with "
                    f"{'no token' if token is None else 'a foreign token'}: {response.status_code}")
                assert "formulaire a expiré" in response.get_data(as_text=True)


# --- GET never changes data ---------------------------------------------------------------------------


# Tables that a GET may append to: the audit log records refused accesses and file downloads.
LOG_TABLES = {"audit_entry"}


def database_fingerprint(app) -> str:
    digest = hashlib.sha256()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name in LOG_TABLES:
                continue
            rows = sorted(repr(tuple(row)) for row in db.session.execute(select(table)))
            digest.update(f"{table.name}:{rows}".encode())
        db.session.remove()
    return digest.hexdigest()


@pytest.mark.parametrize("role", ROLES)
def test_get_requests_change_nothing(app, ctx, role):
    client = client_as(app, role)
    before = database_fingerprint(app)
    for route in [r for r in ROUTES if r.method == "GET"]:
        response = call(client, route, ctx, None)
        assert response.status_code < 500, f"{route.endpoint}: {response.status_code}"
    assert database_fingerprint(app) == before


# --- headers and cookies ------------------------------------------------------------------------------


def assert_security_headers(response, where: str, personal: bool) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {part.strip().split(" ")[0]: part.strip() for part in csp.split(";") if part.strip()}
    assert "script-src" in directives and "unsafe-inline" not in directives["script-src"], where
    assert directives.get("object-src") == "object-src 'none'", where
    assert "base-uri" in directives and "frame-ancestors" in directives, where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy"), where
    if personal:
        assert "no-store" in response.headers.get("Cache-Control", ""), where


def test_headers_on_every_response(app, ctx):
    for role in (ANONYMOUS, ADMIN):
        client = client_as(app, role)
        for route in [r for r in ROUTES if r.method == "GET"]:
            response = call(client, route, ctx, None)
            # The API never reads the session cookie: its answers are the same for everyone (public data).
            personal = role != ANONYMOUS and route.endpoint != "static" and not route.endpoint.startswith(
                ("public_api.", "data_inclusion."))
            assert_security_headers(response, f"{route.endpoint} as {role}", personal)
        assert_security_headers(client.get("/nexiste-pas"), f"404 as {role}", role != ANONYMOUS)
        assert_security_headers(client.post("/langue"), f"CSRF 400 as {role}", role != ANONYMOUS)


def test_cookies_are_httponly_and_samesite(app, demo):
    client = app.test_client()
    response = login(client, "admin@example.org", remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


def test_cookies_are_secure_in_production(migrated, tmp_path, demo):
    from conftest import make_config

    from qn_portal import create_app

    app = create_app(make_config(migrated, tmp_path, ENV="production", TESTING=False))
    client = app.test_client()
    response = login(client, "admin@example.org", remember=True)
    for cookie in response.headers.getlist("Set-Cookie"):
        assert "Secure" in cookie, cookie
    with app.app_context():
        db.engine.dispose()  # the refused form was audited through this app's own pool: close it


# --- open redirects -----------------------------------------------------------------------------------


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_next_parameter_stays_on_the_site(app, demo, target):
    client = app.test_client()
    page = client.get("/connexion?next=" + quote(target, safe="")).get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    response = client.post("/connexion?next=" + quote(target, safe=""),
                           data={"csrf_token": token, "email": "admin@example.org", "password": demo["password"]})
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "portail.test") and location.path.startswith("/"), response.headers["Location"]
    response = client.post("/langue", data={"csrf_token": token_of(client, ADMIN), "locale": "fr", "next": target})
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "portail.test"), response.headers["Location"]


# --- XSS ----------------------------------------------------------------------------------------------


class DangerFinder(HTMLParser):
    DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc", "background"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed", "base"):
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{name}= attribute on <{tag}>")
            cleaned = "".join((value or "").split()).lower()
            if name in self.URL_ATTRIBUTES and cleaned.startswith(self.DANGEROUS_SCHEMES):
                self.problems.append(f"{name}={value!r} on <{tag}>")

    handle_startendtag = handle_starttag


def dangers(html: str) -> list[str]:
    finder = DangerFinder()
    finder.feed(html)
    return finder.problems


XSS_CHUNKS = 4


# The payloads in four parts: the sweep is the suite's longest test, and parts run on separate workers.
@pytest.mark.parametrize("chunk", range(XSS_CHUNKS))
def test_no_payload_survives_into_a_page(app, ctx, chunk):
    client = client_as(app, ADMIN)
    baseline = {path: dangers(client.get(path).get_data(as_text=True))
                for path in ("/compte", "/tableau-de-bord", "/admin/personnes", "/example/")}
    assert not any(baseline.values()), baseline
    storers = [module.store_payload for module in PLUGIN_SWEEPS if hasattr(module, "store_payload")]
    for index, payload in list(enumerate(PAYLOADS))[chunk::XSS_CHUNKS]:
        token = token_of(client, ADMIN)
        plugin_pages = [path for store in storers for path in store(client, token, payload, ctx)]
        client.post("/compte", data={"csrf_token": token, "name": payload[:120], "phone": "",
                                     "notify_email": "daily", "locale": "fr"})
        client.post("/example/", data={"csrf_token": token, "title": payload[:200], "body": payload})
        client.post("/inviter", data={"csrf_token": token, "email": f"xss{index}@example.org",
                                      "name": payload[:120], "role": "partner"})
        for path in ("/compte", "/tableau-de-bord", "/admin/personnes", "/example/",
                     "/recherche?q=" + quote(payload), "/connexion?next=" + quote(payload), *plugin_pages):
            html = client.get(path).get_data(as_text=True)
            found = dangers(html)
            assert not found, f"payload {payload!r} on {path}: {found}"
    with app.app_context():
        from qn_portal.accounts.models import User

        names = set(db.session.scalars(select(User.name)))
    assert any("<script>" in name for name in names), "the payloads were not stored, the sweep proved nothing"


# --- bounded queries ----------------------------------------------------------------------------------


def add_rows(app, ctx, count: int, offset: int) -> None:
    """Add ``count`` associations, members, notes and search entries, as a busy portal would have."""
    from qn_example.models import ExampleNote

    from qn_portal.accounts.models import User
    from qn_portal.associations.models import STATUSES, Association, Membership, Neighbourhood
    from qn_portal.audit.models import AuditEntry
    from qn_portal.dbtypes import utcnow
    from qn_portal.notifications.models import Notification
    from qn_portal.search import SearchEntry

    with app.app_context():
        for i in range(offset, offset + count):
            neighbourhood = Neighbourhood(name=f"Quartier {i}", commune="Cenon", kind="veille")
            association = Association(name=f"Association {i}", slug=f"association-{i}", commune="Cenon",
                                      neighbourhood=neighbourhood, cohort=2021 + i % 5, status=STATUSES[i % 4])
            user = User(email=f"membre{i}@example.org", name=f"Membre {i}")
            db.session.add_all([neighbourhood, association, user, Membership(user=user, association=association, role="mediator"),
                                Membership(user=user, association_id=ctx["associations"]["a"], role="mediator"),
                                ExampleNote(title=f"Atelier {i}", body="atelier"),
                                SearchEntry(plugin="example", key=f"bulk:{i}", title=f"Atelier {i}", text="atelier",
                                            url="/example/", visibility="community"),
                                AuditEntry(action=f"example.bulk_{i % 3}", actor_email=f"membre{i}@example.org",
                                           address="203.0.113.9", details='{"user_id": 1}'),
                                Notification(user_id=ctx["users"]["admin"], kind="core.added_to_association",
                                             title=f"Notification {i}", text="atelier", url="/associations/",
                                             read_at=None if i % 2 else utcnow())])
        db.session.commit()


LIST_PAGES = ["/associations/", "/admin/personnes", "/tableau-de-bord", "/recherche?q=atelier", "/example/",
              "/associations/{slug_a}", "/admin/journal",
              "/notifications", "/compte/notifications",
              "/associations/?commune=Cenon&cohort=2022", "/associations/quartiers/", "/associations/{slug_a}/membres",
              "/api/v1/associations", "/api/v1/openapi.json",
              # The CSV exports: every row of the list, streamed in batches, still no query per row.
              "/admin/personnes/export.csv", "/admin/journal/export.csv", "/associations/export.csv",
              "/associations/quartiers/export.csv", "/associations/{slug_a}/membres/export.csv",
              "/api/v1/data-inclusion/structures", "/api/v1/data-inclusion/services"]


def all_list_pages(ctx) -> list[str]:
    paths = [path.format(slug_a=ctx["slugs"]["a"]) for path in LIST_PAGES]
    for module in PLUGIN_SWEEPS:
        paths += [path(ctx) if callable(path) else path for path in getattr(module, "LIST_PAGES", [])]
    return paths


def add_all_rows(app, ctx, count: int, offset: int) -> None:
    add_rows(app, ctx, count, offset)
    for module in PLUGIN_SWEEPS:
        if hasattr(module, "add_rows"):
            module.add_rows(app, ctx, count, offset)


def test_page_queries_do_not_grow_with_the_data(app, ctx):
    client = client_as(app, ADMIN)
    paths = all_list_pages(ctx)
    add_all_rows(app, ctx, 3, 0)
    small = {path: count_queries(app, client, path) for path in paths}
    add_all_rows(app, ctx, 27, 3)
    large = {path: count_queries(app, client, path) for path in paths}
    grown = {path: (small[path], large[path]) for path in paths if large[path] > small[path]}
    assert not grown, f"queries grow with the data (n rows → 10n rows): {grown}"


def test_bad_outcome_constant_is_used():
    # The reset/invitation token routes answer 400: keep the constant meaningful for plugin authors.
    assert any(route.outcomes[ANONYMOUS] == BAD for route in ROUTES)
