"""Who may see and do what: each demo role against the core pages, and ``can()`` itself."""

from __future__ import annotations

import html
from types import SimpleNamespace

import pytest
from conftest import post_form
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from qn_portal.accounts.models import User
from qn_portal.associations.models import Association, Membership
from qn_portal.extensions import db
from qn_portal.permissions import UnknownPermission, can
from qn_portal.storage import StoredFile

ROLES = ["admin", "coordination", "direction.a", "mediation.a", "direction.b", "mediation.b", "partenaire"]

# Expected status per role for each page (200: allowed, 403: refused).
PAGES = {
    "/admin/personnes": {"admin"},
    "/admin/extensions": {"admin"},
    "/inviter": {"admin", "coordination", "direction.a", "direction.b"},
    "/associations/": set(ROLES),
}
TEAM_VIEWERS = {
    "a": {"admin", "coordination", "direction.a", "mediation.a"},
    "b": {"admin", "coordination", "direction.b", "mediation.b"},
}
# Names only shown in each association's team list (never the viewer's own name in the header).
TEAM_NAMES = {"a": ("Dominique Direction", "Maëlle Médiation"), "b": ("Bilal Direction", "Nadia Médiation")}


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(portal, role):
    client = portal.login_as(role)
    for url, allowed in PAGES.items():
        response = client.get(url)
        expected = 200 if role in allowed else 403
        assert response.status_code == expected, (role, url)
        if expected == 403:
            assert "Vous n'avez pas accès à cette page." in html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("role", ROLES)
def test_association_team_is_visible_to_its_members_and_coordinators_only(portal, demo, role):
    client = portal.login_as(role)
    for key in TEAM_VIEWERS:  # the demo's other associations have no team in A or B
        response = client.get(f"/associations/{demo['slugs'][key]}")
        assert response.status_code == 200
        page = html.unescape(response.get_data(as_text=True))
        visible = role in TEAM_VIEWERS[key]
        assert ('id="members-title"' in page) is visible, (role, key)
        if visible:
            team = page.split('id="members-title"', 1)[1].split("</section>", 1)[0]
            assert all(name in team for name in TEAM_NAMES[key]), (role, key)
        else:
            # Viewers outside the association are never one of its members, so no name may appear.
            assert not any(name in page for name in TEAM_NAMES[key]), (role, key)


def test_unknown_association_is_404(portal):
    assert portal.login_as("admin").get("/associations/nulle-part").status_code == 404


@pytest.mark.parametrize("url", ["/admin/personnes", "/admin/extensions", "/inviter", "/associations/",
                                 "/associations/grand-parc-connecte", "/tableau-de-bord", "/compte",
                                 "/compte/mot-de-passe", "/recherche?q=x", "/fichiers/abc"])
def test_signed_out_visitors_are_sent_to_login(client, demo, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].split("?")[0].endswith("/connexion")


@pytest.mark.parametrize("url", ["/admin/personnes/1/desactiver", "/admin/personnes/1/reactiver",
                                 "/admin/extensions/example"])
def test_admin_actions_are_refused_to_non_admins(app, portal, demo, url):
    client = portal.login_as("coordination")
    response = post_form(client, url.replace("/1/", f"/{demo['users']['mediation.a']}/"), form_url="/compte")
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(User, demo["users"]["mediation.a"]).active
        from qn_portal.plugins import get_host

        assert get_host().is_enabled("example")


def invite(client, association_id, email="nouvelle@example.org", association_role="mediator"):
    return post_form(client, "/inviter", {
        "email": email, "name": "Nouvelle Personne", "role": "member",
        "association_id": str(association_id), "association_role": association_role,
    })


def memberships_of(app, email):
    with app.app_context():
        return db.session.execute(
            select(Membership.association_id, Membership.role).join(User).where(User.email == email)
        ).all()


def test_a_manager_cannot_invite_into_another_association(app, portal, demo):
    from qn_portal.mail import outbox

    client = portal.login_as("direction.a")
    response = invite(client, demo["associations"]["b"])
    assert response.status_code in (200, 400, 403)
    assert memberships_of(app, "nouvelle@example.org") == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "nouvelle@example.org")) == 0
        assert outbox() == []
    # Nor add an existing member of B to B.
    invite(client, demo["associations"]["b"], email="mediation.b@example.org", association_role="manager")
    assert memberships_of(app, "mediation.b@example.org") == [(demo["associations"]["b"], "mediator")]


def test_a_manager_can_invite_into_their_own_association(app, portal, demo):
    client = portal.login_as("direction.a")
    response = invite(client, demo["associations"]["a"])
    assert response.status_code == 302
    assert memberships_of(app, "nouvelle@example.org") == [(demo["associations"]["a"], "mediator")]


def test_a_manager_cannot_grant_a_platform_role(app, portal, demo):
    client = portal.login_as("direction.a")
    post_form(client, "/inviter", {"email": "boss@example.org", "name": "Boss", "role": "admin",
                                   "association_id": "", "association_role": ""})
    with app.app_context():
        assert User.by_email("boss@example.org") is None


def test_a_mediator_cannot_invite_at_all(app, portal, demo):
    client = portal.login_as("mediation.a")
    assert invite(client, demo["associations"]["a"]).status_code == 403
    assert memberships_of(app, "nouvelle@example.org") == []


# --- can() ------------------------------------------------------------------------------------------------


@pytest.fixture
def people(app, demo):
    """The demo users, loaded in an app context that stays open for the test."""
    with app.test_request_context():
        users = {key: db.session.get(User, user_id) for key, user_id in demo["users"].items()}
        associations = {key: db.session.get(Association, association_id)
                        for key, association_id in demo["associations"].items()}
        yield SimpleNamespace(users=users, associations=associations, ids=demo["associations"])


def allowed(people, action, obj=None) -> set[str]:
    return {key for key, user in people.users.items() if can(user, action, obj)}


def test_platform_permissions(people):
    assert allowed(people, "plugins.manage") == {"admin"}
    assert allowed(people, "accounts.deactivate") == {"admin"}
    # Without an object an association role counts in any association.
    assert allowed(people, "accounts.invite") == {"admin", "coordination", "direction.a", "direction.b"}


def test_association_roles_apply_to_their_own_association_only(people):
    a, b = people.associations["a"], people.associations["b"]
    assert allowed(people, "associations.view_private", a) == TEAM_VIEWERS["a"]
    assert allowed(people, "associations.view_private", b) == TEAM_VIEWERS["b"]
    assert allowed(people, "associations.manage_members", a) == {"admin", "coordination", "direction.a"}
    assert allowed(people, "associations.edit", b) == {"admin", "coordination", "direction.b"}


def test_objects_of_another_association(people):
    a_file = StoredFile(key="k" * 10, original_name="a.pdf", content_type="application/pdf", size=1,
                        plugin="core", association_id=people.ids["a"], uploaded_by_id=people.users["partenaire"].id)
    loose = StoredFile(key="l" * 10, original_name="x.pdf", content_type="application/pdf", size=1, plugin="core",
                       association_id=None, uploaded_by_id=None)
    # The uploader keeps access (core's check_permission vote), members of B do not get it.
    assert allowed(people, "files.download", a_file) == TEAM_VIEWERS["a"] | {"partenaire"}
    # An object of no association: only platform roles that hold the permission.
    assert allowed(people, "files.download", loose) == {"admin", "coordination"}


def test_inactive_and_anonymous_users_hold_nothing(people):
    user = people.users["admin"]
    user.active = False
    assert not can(user, "plugins.manage")
    assert not can(AnonymousUserMixin(), "associations.view_private", people.associations["a"])
    assert not can(None, "accounts.invite")


def test_unknown_permission_raises(people):
    with pytest.raises(UnknownPermission):
        can(people.users["admin"], "associations.fly_to_the_moon")
    with pytest.raises(UnknownPermission):
        can(None, "nope")


def test_a_disabled_plugins_permissions_are_nobodys(app, people):
    from qn_portal.plugins import get_host

    assert can(people.users["mediation.a"], "example.write")
    get_host().set_enabled("example", False)
    db.session.commit()
    assert not can(people.users["mediation.a"], "example.write")
    assert not can(people.users["admin"], "example.write")
