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
    Route("auth.invite", "GET", "/inviter",
          expect(FORBIDDEN, anonymous=LOGIN, manager=OK, coordinator=OK, admin=OK)),
    Route("auth.invite", "POST", "/inviter",
          expect(FORBIDDEN, anonymous=LOGIN, manager=OK, coordinator=OK, admin=OK),
          data=lambda ctx: {"email": "pas-une-adresse"}),
    # --- core: admin ---------------------------------------------------------------------------------
    Route("admin.users", "GET", "/admin/personnes", admin_only()),
    Route("admin.deactivate_user", "POST", lambda ctx: f"/admin/personnes/{ctx['users']['mediation.b']}/desactiver",
          admin_only(REDIRECT)),
    Route("admin.reactivate_user", "POST", lambda ctx: f"/admin/personnes/{ctx['users']['mediation.b']}/reactiver",
          admin_only(REDIRECT)),
    Route("admin.plugins", "GET", "/admin/extensions", admin_only()),
    Route("admin.toggle_plugin", "POST", "/admin/extensions/not-a-plugin", admin_only(NOT_FOUND)),
    # --- core: associations --------------------------------------------------------------------------
    Route("associations.index", "GET", "/associations/", signed_in()),
    Route("associations.show", "GET", lambda ctx: f"/associations/{ctx['slugs']['a']}", signed_in()),
    # --- example (the out-of-tree test plugin) -------------------------------------------------------
    Route("example.index", "GET", "/example/", signed_in()),
    Route("example.index", "POST", "/example/", signed_in(OK), data=lambda ctx: {"title": ""}),
]

# A member of A using B's identifiers: (description, method, URL for B's object, data) → 403 or 404.
CROSS_ASSOCIATION: list[tuple[str, str, Callable[[dict], str]]] = [
    ("a file of B", "GET", lambda ctx: f"/fichiers/{ctx['file_b']}"),
]
