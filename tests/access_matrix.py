"""The access matrix: every route of the app × every role → the expected outcome.

Every (endpoint, method) in the URL map must appear here, or ``test_sweeps.py`` fails: a route that a
plugin adds is classified the day it appears. To declare a plugin's routes, add a ``Route`` per endpoint
and method to ``ROUTES`` (in a section named after the plugin), with the URL to call (a function of the
demo context when it needs an identifier), the outcome per role, and, for POST routes, harmless form data.

Roles: ``anonymous`` and the demo accounts ``partenaire`` (partner), ``mediation.a`` (mediator of A),
``direction.a`` (manager of A), ``coordination`` (coordinator) and ``admin``.
Outcomes: ``OK`` (200), ``REDIRECT`` (302 elsewhere than the login page), ``LOGIN`` (302 to the login
page), ``FORBIDDEN`` (403), ``NOT_FOUND`` (404), ``BAD`` (400).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ANONYMOUS, PARTNER, MEDIATOR, MANAGER, COORDINATOR, ADMIN = (
    "anonymous", "partenaire", "mediation.a", "direction.a", "coordination", "admin")
ROLES = (ANONYMOUS, PARTNER, MEDIATOR, MANAGER, COORDINATOR, ADMIN)
SIGNED_IN = ROLES[1:]

OK, REDIRECT, LOGIN, FORBIDDEN, NOT_FOUND, BAD = "200", "302", "login", "403", "404", "400"


def expect(default: str, anonymous: str | None = None, **by_role: str) -> dict[str, str]:
    """An outcome for every role: ``default``, with ``anonymous`` and per-role exceptions."""
    names = {"partner": PARTNER, "mediator": MEDIATOR, "manager": MANAGER, "coordinator": COORDINATOR,
             "admin": ADMIN}
    outcomes = dict.fromkeys(ROLES, default)
    if anonymous is not None:
        outcomes[ANONYMOUS] = anonymous
    for key, outcome in by_role.items():
        outcomes[names[key]] = outcome
    return outcomes


def signed_in(outcome: str = OK) -> dict[str, str]:
    return expect(outcome, anonymous=LOGIN)


def admin_only(outcome: str = OK) -> dict[str, str]:
    return expect(FORBIDDEN, anonymous=LOGIN, admin=outcome)


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    url: str | Callable[[dict], str]
    outcomes: dict[str, str]
    data: Callable[[dict], dict] = field(default=lambda ctx: {})
    # POST routes whose effect would change later checks (sign-out) run last.
    last: bool = False

    def build_url(self, ctx: dict) -> str:
        return self.url(ctx) if callable(self.url) else self.url


ROUTES: list[Route] = [
    # --- core: pages ---------------------------------------------------------------------------------
    Route("main.home", "GET", "/", expect(REDIRECT, anonymous=LOGIN)),
    Route("main.dashboard", "GET", "/tableau-de-bord", signed_in()),
    Route("main.search", "GET", "/recherche?q=atelier", signed_in()),
    Route("main.health", "GET", "/sante", expect(OK)),
    Route("main.healthz", "GET", "/healthz", expect(OK)),
    Route("main.set_language", "POST", "/langue", expect(REDIRECT), data=lambda ctx: {"locale": "fr"}),
    Route("main.download", "GET", lambda ctx: f"/fichiers/{ctx['file_a']}",
          expect(FORBIDDEN, anonymous=LOGIN, mediator=OK, manager=OK, coordinator=OK, admin=OK)),
    Route("static", "GET", "/static/qn.css", expect(OK)),
    # --- core: accounts ------------------------------------------------------------------------------
    Route("auth.login", "GET", "/connexion", expect(REDIRECT, anonymous=OK)),
    Route("auth.login", "POST", "/connexion", expect(REDIRECT, anonymous=OK),
          data=lambda ctx: {"email": "personne@example.org", "password": "pas le bon mot de passe"}),
    Route("auth.logout", "POST", "/deconnexion", expect(LOGIN), last=True),
    Route("auth.forgot_password", "GET", "/mot-de-passe-oublie", expect(OK)),
    Route("auth.forgot_password", "POST", "/mot-de-passe-oublie", expect(LOGIN),
          data=lambda ctx: {"email": "personne@example.org"}),
    Route("auth.reset_password", "GET", "/reinitialiser/not-a-token", expect(BAD)),
    Route("auth.reset_password", "POST", "/reinitialiser/not-a-token", expect(BAD)),
    Route("auth.accept_invitation", "GET", "/invitation/not-a-token", expect(BAD)),
    Route("auth.accept_invitation", "POST", "/invitation/not-a-token", expect(BAD)),
    Route("auth.profile", "GET", "/compte", signed_in()),
    Route("auth.profile", "POST", "/compte", signed_in(OK), data=lambda ctx: {"name": ""}),
    Route("auth.change_password", "GET", "/compte/mot-de-passe", signed_in()),
    Route("auth.change_password", "POST", "/compte/mot-de-passe", signed_in(OK),
          data=lambda ctx: {"current_password": "faux", "password": "x", "confirm": "y"}),
    Route("auth.end_sessions", "POST", "/compte/autres-sessions", signed_in(REDIRECT)),
    # --- core: two-factor sign-in (no sign-in is waiting for a code; nobody swept has enrolled; ctx["device_b"] is
    # a trusted browser of mediation.b, who has: nobody else may revoke it) ------------------------------------
    Route("auth.second_factor", "GET", "/connexion/code", expect(REDIRECT, anonymous=LOGIN)),
    Route("auth.second_factor", "POST", "/connexion/code", expect(REDIRECT, anonymous=LOGIN),
          data=lambda ctx: {"code": "123456"}),
    Route("auth.recovery_login", "GET", "/connexion/code-de-secours", expect(REDIRECT, anonymous=LOGIN)),
    Route("auth.recovery_login", "POST", "/connexion/code-de-secours", expect(REDIRECT, anonymous=LOGIN),
          data=lambda ctx: {"recovery_code": "abcd-efgh-jkmn-pqrs"}),
    Route("auth.two_factor", "GET", "/compte/double-authentification", signed_in()),
    # Before the enrolment starts (routes of one method run in this order): no secret yet, nothing to confirm.
    Route("auth.two_factor", "POST", "/compte/double-authentification", signed_in(REDIRECT),
          data=lambda ctx: {"code": "123456"}),
    Route("auth.start_two_factor", "POST", "/compte/double-authentification/activer", signed_in(REDIRECT)),
    Route("auth.recovery_codes", "GET", "/compte/double-authentification/codes-de-secours", signed_in(REDIRECT)),
    Route("auth.recovery_codes", "POST", "/compte/double-authentification/codes-de-secours", signed_in(REDIRECT),
          data=lambda ctx: {"code": "123456"}),
    Route("auth.disable_two_factor", "GET", "/compte/double-authentification/desactiver", signed_in(REDIRECT)),
    Route("auth.disable_two_factor", "POST", "/compte/double-authentification/desactiver", signed_in(REDIRECT),
          data=lambda ctx: {"code": "123456"}),
    Route("auth.trusted_devices", "GET", "/compte/double-authentification/appareils", signed_in()),
    Route("auth.revoke_trusted_device", "POST",
          lambda ctx: f"/compte/double-authentification/appareils/{ctx['device_b']}/retirer", signed_in(NOT_FOUND)),
    Route("auth.revoke_all_trusted_devices", "POST", "/compte/double-authentification/appareils/retirer-tous",
          signed_in(REDIRECT)),
    Route("auth.invite", "GET", "/inviter",
          expect(FORBIDDEN, anonymous=LOGIN, manager=OK, coordinator=OK, admin=OK)),
    Route("auth.invite", "POST", "/inviter",
          expect(FORBIDDEN, anonymous=LOGIN, manager=OK, coordinator=OK, admin=OK),
          data=lambda ctx: {"email": "pas-une-adresse"}),
    # --- core: admin ---------------------------------------------------------------------------------
    Route("admin.users", "GET", "/admin/personnes", admin_only()),
    Route("admin.users_csv", "GET", "/admin/personnes/export.csv", admin_only()),
    Route("admin.deactivate_user", "POST", lambda ctx: f"/admin/personnes/{ctx['users']['mediation.b']}/desactiver",
          admin_only(REDIRECT)),
    Route("admin.reactivate_user", "POST", lambda ctx: f"/admin/personnes/{ctx['users']['mediation.b']}/reactiver",
          admin_only(REDIRECT)),
    Route("admin.reset_two_factor", "POST",
          lambda ctx: f"/admin/personnes/{ctx['users']['mediation.b']}/double-authentification", admin_only(REDIRECT)),
    Route("admin.plugins", "GET", "/admin/extensions", admin_only()),
    Route("admin.toggle_plugin", "POST", "/admin/extensions/not-a-plugin", admin_only(NOT_FOUND)),
    # --- core: audit journal ------------------------------------------------------------------------
    Route("admin.journal", "GET", "/admin/journal?action=login&outcome=ok&person=example.org",
          expect(FORBIDDEN, anonymous=LOGIN, coordinator=OK, admin=OK)),
    Route("admin.journal_csv", "GET", "/admin/journal/export.csv?action=login&outcome=ok&person=example.org",
          expect(FORBIDDEN, anonymous=LOGIN, coordinator=OK, admin=OK)),
    # --- core: notifications (ctx["notification_b"] is one of mediation.b's: nobody else may touch it) -----
    Route("notifications.index", "GET", "/notifications", signed_in()),
    Route("notifications.mark_all_read", "POST", "/notifications/tout-lire", signed_in(REDIRECT)),
    Route("notifications.mark_read", "POST", lambda ctx: f"/notifications/{ctx['notification_b']}/lire",
          signed_in(NOT_FOUND)),
    Route("notifications.open_notification", "POST", lambda ctx: f"/notifications/{ctx['notification_b']}/ouvrir",
          signed_in(NOT_FOUND)),
    Route("notifications.preferences", "GET", "/compte/notifications", signed_in()),
    Route("notifications.preferences", "POST", "/compte/notifications", signed_in(OK),
          data=lambda ctx: {"kind__core__added_to_association": "weekly"}),
    # --- core: associations --------------------------------------------------------------------------
    Route("associations.index", "GET", "/associations/", signed_in()),
    Route("associations.index_csv", "GET", "/associations/export.csv?commune=Cenon", signed_in()),
    Route("associations.show", "GET", lambda ctx: f"/associations/{ctx['slugs']['a']}", signed_in()),
    Route("associations.create", "GET", "/associations/nouvelle",
          expect(FORBIDDEN, anonymous=LOGIN, coordinator=OK, admin=OK)),
    Route("associations.create", "POST", "/associations/nouvelle",
          expect(FORBIDDEN, anonymous=LOGIN, coordinator=OK, admin=OK), data=lambda ctx: {"name": ""}),
    Route("associations.edit", "GET", lambda ctx: f"/associations/{ctx['slugs']['a']}/modifier",
          expect(FORBIDDEN, anonymous=LOGIN, manager=OK, coordinator=OK, admin=OK)),
    Route("associations.edit", "POST", lambda ctx: f"/associations/{ctx['slugs']['a']}/modifier",
          expect(FORBIDDEN, anonymous=LOGIN, manager=OK, coordinator=OK, admin=OK), data=lambda ctx: {"name": ""}),
    Route("associations.members", "GET", lambda ctx: f"/associations/{ctx['slugs']['a']}/membres",
          expect(FORBIDDEN, anonymous=LOGIN, manager=OK, coordinator=OK, admin=OK)),
    Route("associations.members_csv", "GET", lambda ctx: f"/associations/{ctx['slugs']['a']}/membres/export.csv",
          expect(FORBIDDEN, anonymous=LOGIN, manager=OK, coordinator=OK, admin=OK)),
    # Harmless changes: mediation.a stays a mediator; removing A's only manager is refused.
    Route("associations.change_role", "POST",
          lambda ctx: f"/associations/{ctx['slugs']['a']}/membres/{ctx['users']['mediation.a']}/role",
          expect(FORBIDDEN, anonymous=LOGIN, manager=REDIRECT, coordinator=REDIRECT, admin=REDIRECT),
          data=lambda ctx: {"role": "mediator"}),
    Route("associations.remove_member", "POST",
          lambda ctx: f"/associations/{ctx['slugs']['a']}/membres/{ctx['users']['direction.a']}/retirer",
          expect(FORBIDDEN, anonymous=LOGIN, manager=REDIRECT, coordinator=REDIRECT, admin=REDIRECT)),
    Route("associations.switch", "POST", "/associations/courante",
          expect(FORBIDDEN, anonymous=LOGIN, mediator=REDIRECT, manager=REDIRECT),
          data=lambda ctx: {"association_id": str(ctx["associations"]["a"])}),
    # ctx["neighbourhood"] is Grand Parc, where A is: deleting it is refused.
    Route("associations.neighbourhoods", "GET", "/associations/quartiers/",
          expect(FORBIDDEN, anonymous=LOGIN, coordinator=OK, admin=OK)),
    Route("associations.neighbourhoods_csv", "GET", "/associations/quartiers/export.csv",
          expect(FORBIDDEN, anonymous=LOGIN, coordinator=OK, admin=OK)),
    Route("associations.create_neighbourhood", "GET", "/associations/quartiers/nouveau",
          expect(FORBIDDEN, anonymous=LOGIN, coordinator=OK, admin=OK)),
    Route("associations.create_neighbourhood", "POST", "/associations/quartiers/nouveau",
          expect(FORBIDDEN, anonymous=LOGIN, coordinator=OK, admin=OK), data=lambda ctx: {"name": ""}),
    Route("associations.edit_neighbourhood", "GET", lambda ctx: f"/associations/quartiers/{ctx['neighbourhood']}/modifier",
          expect(FORBIDDEN, anonymous=LOGIN, coordinator=OK, admin=OK)),
    Route("associations.edit_neighbourhood", "POST", lambda ctx: f"/associations/quartiers/{ctx['neighbourhood']}/modifier",
          expect(FORBIDDEN, anonymous=LOGIN, coordinator=OK, admin=OK), data=lambda ctx: {"name": ""}),
    Route("associations.delete_neighbourhood", "POST",
          lambda ctx: f"/associations/quartiers/{ctx['neighbourhood']}/supprimer",
          expect(FORBIDDEN, anonymous=LOGIN, coordinator=REDIRECT, admin=REDIRECT)),
    # --- core: the public JSON API (it never reads the session cookie: every role gets the anonymous answer;
    # a candidate association is never public) and the profile page's API tokens ----------------------------
    Route("public_api.openapi", "GET", "/api/v1/openapi.json", expect(OK)),
    Route("public_api.resource", "GET", "/api/v1/associations?commune=bordeaux&per_page=5", expect(OK)),
    Route("public_api.resource", "GET", lambda ctx: f"/api/v1/associations/{ctx['associations']['a']}", expect(OK)),
    Route("public_api.resource", "GET", lambda ctx: f"/api/v1/associations/{ctx['associations']['h']}",
          expect(NOT_FOUND)),
    Route("public_api.resource", "GET", "/api/v1/associations?commune=Paris", expect(BAD)),
    Route("public_api.resource", "GET", "/api/v1/nexiste-pas", expect(NOT_FOUND)),
    Route("api_tokens.create", "POST", "/compte/jetons-api", signed_in(OK), data=lambda ctx: {"api-name": ""}),
    Route("api_tokens.revoke", "POST", "/compte/jetons-api/999999/revoquer", signed_in(NOT_FOUND)),
    # --- core: data·inclusion export (public, read-only JSON) ------------------------------------------
    Route("data_inclusion.structures", "GET", "/api/v1/data-inclusion/structures?page=1&size=5", expect(OK)),
    Route("data_inclusion.services", "GET", "/api/v1/data-inclusion/services?page=1&size=5", expect(OK)),
    # --- example (the out-of-tree test plugin) -------------------------------------------------------
    Route("example.index", "GET", "/example/", signed_in()),
    Route("example.index", "POST", "/example/", signed_in(OK), data=lambda ctx: {"title": ""}),
]

# A member of A using B's identifiers: (description, method, URL for B's object[, form data]) → 403 or 404.
# POSTs are sent with a valid CSRF token of A's member: the refusal must come from the access check.
CROSS_ASSOCIATION: list[tuple] = [
    ("a file of B", "GET", lambda ctx: f"/fichiers/{ctx['file_b']}"),
    ("B's profile form", "GET", lambda ctx: f"/associations/{ctx['slugs']['b']}/modifier"),
    ("B's profile, saved", "POST", lambda ctx: f"/associations/{ctx['slugs']['b']}/modifier",
     lambda ctx: {"name": "Reprise", "commune": "Lormont", "room_capacity": "10"}),
    ("B's members", "GET", lambda ctx: f"/associations/{ctx['slugs']['b']}/membres"),
    ("B's members, as CSV", "GET", lambda ctx: f"/associations/{ctx['slugs']['b']}/membres/export.csv"),
    ("a role change in B", "POST",
     lambda ctx: f"/associations/{ctx['slugs']['b']}/membres/{ctx['users']['mediation.b']}/role",
     lambda ctx: {"role": "manager"}),
    ("a removal from B", "POST",
     lambda ctx: f"/associations/{ctx['slugs']['b']}/membres/{ctx['users']['mediation.b']}/retirer"),
    ("B as current association", "POST", lambda ctx: "/associations/courante",
     lambda ctx: {"association_id": str(ctx["associations"]["b"])}),
]


# --- plugins -------------------------------------------------------------------------------------------
# Each built-in plugin declares its sweeps in its own module, ``tests/plugin_sweeps/<name>.py``, so that the
# plugins never edit one shared list. A module may define:
#   ROUTES             list[Route]  — every (endpoint, method) of the plugin, classified as above;
#   CROSS_ASSOCIATION  list[tuple]  — B's objects that A's members must not reach (403 or 404);
#   LIST_PAGES         list[str | Callable[[ctx], str]] — list pages whose query count must not grow;
#   context(app, ctx) -> dict       — identifiers the plugin's URLs need, added to the sweep context;
#   add_rows(app, ctx, count, offset) — ``count`` more rows of every kind the list pages show;
#   store_payload(client, token, payload, ctx) -> list[str] — store an XSS payload in every free-text
#                                     field the plugin has (files names included); returns the pages to check.
def _plugin_sweeps() -> list:
    import importlib
    from pathlib import Path

    folder = Path(__file__).parent / "plugin_sweeps"
    return [importlib.import_module(f"plugin_sweeps.{path.stem}")
            for path in sorted(folder.glob("*.py")) if not path.stem.startswith("_")]


PLUGIN_SWEEPS = _plugin_sweeps()
for _module in PLUGIN_SWEEPS:
    ROUTES.extend(getattr(_module, "ROUTES", []))
    CROSS_ASSOCIATION.extend(getattr(_module, "CROSS_ASSOCIATION", []))
