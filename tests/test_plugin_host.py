"""The plugin host: discovery through entry points, enabling and disabling, refusal of broken plugins,
isolation of failing request and event hooks, and permission votes.

The out-of-tree example plugin (tests/example_plugin, entry point ``example``) is installed for the whole
session by conftest. The misbehaving plugins live in tests/fake_plugins; ``install`` declares one of them
as an installed distribution for one test, so that the host discovers it through ``importlib.metadata``.
"""

from __future__ import annotations

import html
import logging
import os
import re
from importlib.metadata import entry_points

import pytest
from conftest import SHIPPED_PLUGINS, csrf_token, login, make_config, post_form, wipe
from fake_plugins import installer
from sqlalchemy import func, inspect, select, text

from qn_portal import create_app
from qn_portal.accounts.models import User
from qn_portal.api import emit
from qn_portal.extensions import db
from qn_portal.permissions import can
from qn_portal.plugins import ENTRY_POINT_GROUP, PluginLoadError, PluginState, get_host
from qn_portal.search import SearchEntry

EXAMPLE_VERSION = "0.3.0"
EXAMPLE_WIDGET = "Dernières notes du carnet"
LOGIN_PAGE = "Connexion au portail"


# --- helpers ---------------------------------------------------------------------------------------------


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def nav_labels(page: str) -> list[str]:
    """The labels of the main navigation of a rendered page."""
    nav = re.search(r'<ul class="nav">(.*?)</ul>', page, re.S)
    return re.findall(r"<a [^>]*>([^<]*)</a>", nav.group(1)) if nav else []


def nav_link(page: str, label: str) -> str | None:
    match = re.search(r'<ul class="nav">.*?<a href="([^"]*)"[^>]*>' + re.escape(label) + "</a>", page, re.S)
    return match.group(1) if match else None


def widget_titles(page: str) -> list[str]:
    return re.findall(r'<h2 id="widget-\d+">([^<]*)</h2>', page)


def panel_titles(page: str) -> list[str]:
    return re.findall(r'<h2 id="panel-\d+">([^<]*)</h2>', page)


def search_titles(client, query: str) -> list[str]:
    response = client.get("/recherche", query_string={"q": query})
    assert response.status_code == 200
    results = re.search(r'<ol class="results">(.*?)</ol>', text_of(response), re.S)
    return re.findall(r'<li><a href="[^"]*">([^<]*)</a>', results.group(1)) if results else []


def plugin_row(page: str, name: str) -> str:
    """The row of the admin's plugins table that shows ``name``."""
    for row in page.split("<tr>")[1:]:
        if f"<td>{name}</td>" in row:
            return row.split("</tr>")[0]
    raise AssertionError(f"no row for {name!r} on the plugins page")


def sign_in(app, key: str):
    client = app.test_client()
    response = login(client, f"{key}@example.org")
    assert response.status_code == 302, text_of(response)
    return client


def user(key: str) -> User:
    found = User.by_email(f"{key}@example.org")
    assert found is not None
    return found


def add_note(client, title: str, body: str = ""):
    return post_form(client, "/example/", {"title": title, "body": body})


def toggle(admin, name: str):
    return post_form(admin, f"/admin/extensions/{name}", form_url="/admin/extensions")


# --- fixtures --------------------------------------------------------------------------------------------


@pytest.fixture
def install(tmp_path, monkeypatch):
    """``install(name, "module[:attr]")`` declares a fake plugin as an installed package for this test."""
    install = installer(tmp_path / "site")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    return install


@pytest.fixture
def build(migrated, tmp_path, monkeypatch):
    """``build(seed=True, **settings)`` creates an app after ``install``; the first one is wiped at the end."""
    from qn_portal.demo import seed_demo

    monkeypatch.setenv("QN_DEMO_PASSWORD", "un long chemin vers la médiathèque")
    apps = []

    def build(seed: bool = False, **overrides):
        if "QN_DISABLED_PLUGINS" not in os.environ:  # a test of that variable decides alone
            overrides.setdefault("DISABLED_PLUGINS", SHIPPED_PLUGINS)
        app = create_app(make_config(migrated, tmp_path, **overrides))
        apps.append(app)
        if seed:
            with app.app_context():
                seed_demo(log=lambda message: None)
        return app

    yield build
    if apps:
        wipe(apps[0])


@pytest.fixture
def config_overrides():
    return {"DISABLED_PLUGINS": SHIPPED_PLUGINS}


@pytest.fixture
def tidy():
    """The well-behaved fake plugin's records, emptied for this test."""
    from fake_plugins import tidy

    tidy.events.clear()
    tidy.demo_seen.clear()
    return tidy


# --- discovery: the out-of-tree example plugin -----------------------------------------------------------


def test_example_plugin_is_discovered_through_its_entry_point(app):
    assert "example" in {entry_point.name for entry_point in entry_points(group=ENTRY_POINT_GROUP)}
    info = get_host(app).plugins["example"]
    assert info.loaded, info.error
    assert not info.core
    assert info.module.__name__ == "qn_example"
    assert info.version == EXAMPLE_VERSION
    assert info.distribution == "qn-example-plugin"
    assert info.description.startswith("Carnet d'exemple")
    assert [blueprint.name for blueprint in info.blueprints] == ["example"]
    assert [model.__tablename__ for model in info.models] == ["example_note"]
    with app.app_context():
        assert get_host(app).is_enabled("example")
    assert get_host(app).permissions["example.write"].roles == {"coordinator", "mediator"}


def test_example_page_answers_signed_in_users_only(portal):
    anonymous = portal.new_client().get("/example/")
    assert anonymous.status_code == 302
    assert "/connexion" in anonymous.headers["Location"]

    response = portal.login_as("partenaire").get("/example/")
    assert response.status_code == 200
    assert "<h1>Carnet d'exemple</h1>" in text_of(response)


def test_example_nav_item_and_widget_reach_the_dashboard(portal):
    page = text_of(portal.login_as("mediation.a").get("/tableau-de-bord"))
    assert nav_link(page, "Carnet") == "/example/"
    # order=50 puts it between the core's associations (10) and its admin entries (900+)
    assert nav_labels(page)[:3] == ["Tableau de bord", "Associations", "Carnet"]
    assert EXAMPLE_WIDGET in widget_titles(page)
    assert "Aucune note." in page


def test_example_migrations_folder_is_a_branch_applied_by_upgrade(app):
    from alembic.script import ScriptDirectory

    from qn_portal.migrations_support import alembic_config

    assert get_host(app).migration_folders()["example"].endswith("migrations/versions")
    with app.app_context():
        script = ScriptDirectory.from_config(alembic_config())
        assert "example_0001" in script.get_heads()
        assert script.get_revision("example@head").branch_labels == {"example"}
        assert inspect(db.engine).has_table("example_note")
        assert "example_0001" in set(db.session.scalars(text("SELECT version_num FROM alembic_version")))


def test_note_added_through_the_form_is_found_by_search(portal, app):
    client = portal.login_as("mediation.a")
    assert search_titles(client, "tablette") == []

    response = add_note(client, "Atelier tablette", "Pour les seniors du quartier")
    assert response.status_code == 302

    assert search_titles(client, "tablette") == ["Atelier tablette"]
    assert search_titles(client, "SENIORS quartier") == ["Atelier tablette"]
    with app.app_context():
        entry = db.session.scalar(select(SearchEntry).where(SearchEntry.plugin == "example"))
        assert entry.url.startswith("/example/#note-")
    page = text_of(client.get("/tableau-de-bord"))
    assert "<li>Atelier tablette</li>" in page  # the widget lists the latest notes


def test_search_reindex_collects_the_plugins_documents(app, demo, runner, portal):
    from qn_example.models import ExampleNote

    with app.app_context():
        db.session.add(ExampleNote(title="Imprimante partagée", body="écrite sans passer par le formulaire"))
        db.session.commit()
    client = portal.login_as("partenaire")
    assert search_titles(client, "imprimante") == []  # nothing told the index yet

    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "documents indexed" in result.output

    assert search_titles(client, "imprimante") == ["Imprimante partagée"]


# --- disabling -------------------------------------------------------------------------------------------


def assert_example_gone(client) -> None:
    assert client.get("/example/").status_code == 404
    token = csrf_token(client, "/tableau-de-bord")
    assert client.post("/example/", data={"csrf_token": token, "title": "x"}).status_code == 404
    page = text_of(client.get("/tableau-de-bord"))
    assert "Carnet" not in nav_labels(page)
    assert "Tableau de bord" in nav_labels(page)  # the rest of the navigation stays
    assert EXAMPLE_WIDGET not in widget_titles(page)
    assert "Mes associations" in widget_titles(page)


def assert_example_present(client) -> None:
    assert client.get("/example/").status_code == 200
    page = text_of(client.get("/tableau-de-bord"))
    assert "Carnet" in nav_labels(page)
    assert EXAMPLE_WIDGET in widget_titles(page)


@pytest.mark.parametrize("config_overrides", [{"DISABLED_PLUGINS": ["example", *SHIPPED_PLUGINS]}])
def test_plugin_disabled_by_configuration_vanishes_until_enabled_again(app, portal, runner, build):
    from qn_example.models import ExampleNote

    with app.app_context():
        db.session.add(ExampleNote(title="Note cachée", body="tablettes"))
        db.session.commit()
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    with app.app_context():  # indexed (the schema and data stay), only hidden
        assert db.session.scalar(select(func.count()).where(SearchEntry.plugin == "example")) == 1

    client = portal.login_as("mediation.a")
    assert_example_gone(client)
    assert search_titles(client, "tablettes") == []
    assert re.search(r"^example\s+0\.3\.0\s+no\s+loaded$", runner.invoke(args=["plugins"]).output, re.M)

    admin = portal.new_client()
    login(admin, "admin@example.org")
    row = plugin_row(text_of(admin.get("/admin/extensions")), "example")
    assert "Désactivée par la configuration" in row
    assert "<form" not in row  # the admin cannot override the configuration
    response = toggle(admin, "example")
    assert "désactivée par la configuration (QN_DISABLED_PLUGINS)" in text_of(admin.get("/admin/extensions"))
    assert response.status_code == 302
    assert client.get("/example/").status_code == 404

    # The same database, without the setting: everything is back, the indexed note included.
    enabled = build()
    again = sign_in(enabled, "mediation.a")
    assert_example_present(again)
    assert search_titles(again, "tablettes") == ["Note cachée"]


def test_disabled_plugins_setting_is_read_from_the_environment(build, monkeypatch):
    monkeypatch.setenv("QN_DISABLED_PLUGINS", "example")
    app = build()
    assert get_host(app).disabled_by_configuration("example")
    assert not get_host(app).is_enabled("example")
    assert app.test_client().get("/example/").status_code == 404


def test_admin_toggle_disables_and_enables_a_plugin(app, portal):
    mediation = portal.login_as("mediation.a")
    assert add_note(mediation, "Inventaire des tablettes").status_code == 302
    assert search_titles(mediation, "inventaire") == ["Inventaire des tablettes"]
    admin = portal.new_client()
    login(admin, "admin@example.org")

    response = toggle(admin, "example")
    assert response.status_code == 302
    page = text_of(admin.get("/admin/extensions"))
    assert "Extension « example » désactivée." in page
    assert "Désactivée" in plugin_row(page, "example")
    with app.app_context():
        state = db.session.get(PluginState, "example")
        assert state.enabled is False
        assert state.updated_by_id == user("admin").id

    # Another signed-in person, on their next request: the plugin is gone everywhere.
    assert_example_gone(mediation)
    assert search_titles(mediation, "inventaire") == []
    with app.app_context():
        assert not can(user("mediation.a"), "example.write")  # a disabled plugin's permissions are nobody's

    assert toggle(admin, "example").status_code == 302
    assert "Extension « example » activée." in text_of(admin.get("/admin/extensions"))
    assert_example_present(mediation)
    assert "<li>Inventaire des tablettes</li>" in text_of(mediation.get("/tableau-de-bord"))
    assert search_titles(mediation, "inventaire") == ["Inventaire des tablettes"]


def test_admin_plugins_page_lists_name_version_and_state(portal):
    admin = portal.login_as("admin")
    response = admin.get("/admin/extensions")
    assert response.status_code == 200
    page = text_of(response)
    row = plugin_row(page, "example")
    assert f"<td>{EXAMPLE_VERSION}</td>" in row
    assert "Carnet d'exemple" in row
    assert "Activée" in row
    assert "Désactiver" in row
    assert "<td>core</td>" not in page  # the core is not a plugin one can switch off
    assert nav_link(text_of(admin.get("/tableau-de-bord")), "Extensions") == "/admin/extensions"


@pytest.mark.parametrize("key", ["coordination", "direction.a", "mediation.a", "partenaire"])
def test_only_admins_manage_plugins(app, portal, key):
    client = portal.login_as(key)
    assert client.get("/admin/extensions").status_code == 403
    token = csrf_token(client, "/tableau-de-bord")
    assert client.post("/admin/extensions/example", data={"csrf_token": token}).status_code == 403
    assert "Extensions" not in nav_labels(text_of(client.get("/tableau-de-bord")))
    with app.app_context():
        assert db.session.get(PluginState, "example") is None
    assert client.get("/example/").status_code == 200


def test_plugins_page_needs_sign_in(client):
    response = client.get("/admin/extensions")
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]
    assert client.post("/admin/extensions/example").status_code == 400  # no CSRF token: refused before all


def test_toggling_an_unknown_or_core_plugin_is_not_found(portal):
    admin = portal.login_as("admin")
    assert toggle(admin, "nothere").status_code == 404
    assert toggle(admin, "core").status_code == 404


# --- a well-behaved plugin uses every hook ---------------------------------------------------------------


@pytest.fixture
def tidy_app(install, build, tidy):
    install("tidy", "fake_plugins.tidy")
    app = build(seed=True)
    info = get_host(app).plugins["tidy"]
    assert info.loaded, info.error
    assert info.version == "0.1"
    return app


def test_tidy_blueprints_sit_behind_the_guard(tidy_app):
    anonymous = tidy_app.test_client()
    assert anonymous.get("/tidy/").status_code == 302
    assert anonymous.get("/tidy/reserve").status_code == 302
    assert anonymous.get("/tidy/ouvert").get_data(as_text=True) == "page publique du rangement"
    assert sign_in(tidy_app, "direction.a").get("/tidy/").status_code == 200


def test_tidy_permissions_decide_with_their_default_roles(tidy_app):
    assert get_host(tidy_app).permissions["tidy.use"].roles == {"manager"}
    assert sign_in(tidy_app, "mediation.a").get("/tidy/reserve").status_code == 403
    assert sign_in(tidy_app, "direction.a").get("/tidy/reserve").get_data(as_text=True) == "réservé à la direction"


def test_tidy_jinja_filters_reach_the_templates(tidy_app):
    assert "<h1>RANGEMENT !</h1>" in text_of(sign_in(tidy_app, "mediation.a").get("/tidy/"))
    assert "tidy_shout" in tidy_app.jinja_env.filters


def test_tidy_nav_items_and_dashboard_widgets(tidy_app):
    # Both implementations take fewer arguments than their hookspec: pluggy passes only what they name.
    page = text_of(sign_in(tidy_app, "direction.a").get("/tableau-de-bord"))
    assert nav_link(page, "Rangement") == "/tidy/"
    assert nav_labels(page).index("Carnet") < nav_labels(page).index("Rangement")  # order 50, then 60
    assert "Rangement du jour" in widget_titles(page)
    assert "Tout est rangé pour Dominique Direction." in page


def test_tidy_association_panels(tidy_app):
    page = text_of(sign_in(tidy_app, "mediation.b").get("/associations/grand-parc-connecte"))
    assert panel_titles(page) == ["Rangement de l'association"]
    assert "Étagères de Grand Parc Connecté." in page


def test_tidy_cli_commands_join_qn_portal(tidy_app):
    result = tidy_app.test_cli_runner().invoke(args=["tidy", "hello"])
    assert result.exit_code == 0, result.output
    assert result.output == "bonjour du rangement\n"


def test_tidy_demo_data_runs_after_the_cores(tidy_app, tidy):
    assert len(tidy.demo_seen) == 1
    assert "mediation.a" in tidy.demo_seen[0]


def test_tidy_search_documents_are_indexed_by_reindex(tidy_app):
    client = sign_in(tidy_app, "partenaire")
    assert search_titles(client, "câbles") == []
    assert tidy_app.test_cli_runner().invoke(args=["search", "reindex"]).exit_code == 0
    assert search_titles(client, "câbles") == ["Boîte à rangement"]


def test_tidy_on_event_hears_what_is_emitted(tidy_app, tidy):
    with tidy_app.app_context():
        event = emit("core.something_happened", actor_id=7, answer=42)
    assert [event] == tidy.events
    assert (event.name, event.data, event.actor_id) == ("core.something_happened", {"answer": 42}, 7)


def test_disabled_plugin_hears_no_events_and_loses_its_panels(tidy_app, tidy):
    app = tidy_app
    admin = sign_in(app, "admin")
    assert toggle(admin, "tidy").status_code == 302
    assert admin.get("/tidy/ouvert").status_code == 404  # public or not
    assert panel_titles(text_of(admin.get("/associations/grand-parc-connecte"))) == []
    assert app.test_cli_runner().invoke(args=["search", "reindex"]).exit_code == 0
    assert search_titles(admin, "câbles") == []
    with app.test_request_context():
        emit("core.something_happened")
    assert tidy.events == []


# --- plugins refused at start ----------------------------------------------------------------------------

REFUSED = {
    "brokenimport": ("fake_plugins.broken_import",
                     "import failed: ModuleNotFoundError: No module named 'qn_portal_missing_dependency'"),
    "setupraises": ("fake_plugins.setup_raises", "setup failed: RuntimeError: the blueprint factory exploded"),
    "wrongname": ("fake_plugins.wrong_name", "blueprint 'notes' must be named 'wrongname'"),
    "wrongprefix": ("fake_plugins.wrong_prefix", "blueprint 'wrongprefix' must be mounted at /wrongprefix, not None"),
    "admin": ("fake_plugins.core_name", "/admin is already used by the portal"),
    "badtable": ("fake_plugins.tables:badtable", "table 'notes' must start with badtable_"),
    "nomigrations": ("fake_plugins.tables:nomigrations", "the plugin has models but no migrations folder"),
    "missingfolder": ("fake_plugins.tables:missingfolder", "missingfolder/migrations does not exist"),
    "misspelt": ("fake_plugins.misspelt:misspelt", "implements unknown hooks: nav_item"),
    "shadow": ("fake_plugins.shadow", "the submodule fake_plugins.shadow.models replaced the models() hook"),
    "wrongargument": ("fake_plugins.misspelt:wrongargument", "registration failed: Plugin 'wrongargument' for hook 'nav_items'"),
}
# Labels that the refused plugins would show if any of their hooks still ran.
REFUSED_LABELS = ["Jamais", "Fantôme", "Faute de frappe", "Widget orphelin", "Mauvais argument"]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_broken_plugin_is_refused_with_a_clear_message_and_the_portal_serves(install, build, caplog, name):
    target, message = REFUSED[name]
    install(name, target)
    with caplog.at_level(logging.ERROR, logger="qn_portal.plugins"):
        app = build(seed=True)

    host = get_host(app)
    info = host.plugins[name]
    assert not info.loaded
    assert message in info.error
    assert f"plugin {name} refused: " in caplog.text and message in caplog.text
    assert not host.is_enabled(name)
    assert not host.pm.has_plugin(name)  # none of its hooks will ever be called
    host.pm.check_pending()

    listing = app.test_cli_runner().invoke(args=["plugins"])
    assert listing.exit_code == 0
    assert re.search(rf"^{name}\s+0\.1\s+no\s+error: .*{re.escape(message)}", listing.output, re.M), listing.output

    admin = sign_in(app, "admin")
    row = plugin_row(text_of(admin.get("/admin/extensions")), name)
    assert "Refusée au chargement" in row and message in row
    assert "<form" not in row
    assert toggle(admin, name).status_code == 302
    assert "ne peut pas être activée" in text_of(admin.get("/admin/extensions"))

    assert app.test_client().get("/connexion").status_code == 200
    client = sign_in(app, "mediation.a")
    page = text_of(client.get("/tableau-de-bord"))
    assert "Carnet" in nav_labels(page) and EXAMPLE_WIDGET in widget_titles(page)
    assert not [label for label in REFUSED_LABELS if label in page]


def test_refused_plugin_cannot_shadow_core_routes(install, build):
    install("wrongprefix", REFUSED["wrongprefix"][0])
    install("admin", REFUSED["admin"][0])
    app = build(seed=True)
    client = app.test_client()
    assert LOGIN_PAGE in text_of(client.get("/connexion"))
    assert client.get("/admin/personnes").status_code == 302  # the core's admin page, behind sign-in
    people = sign_in(app, "admin").get("/admin/personnes")
    assert people.status_code == 200 and "every account" not in text_of(people)
    assert sign_in(app, "partenaire").get("/admin/personnes").status_code == 403
    assert not [rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("wrongprefix.")]


def test_plugin_named_like_the_core_is_refused_and_the_core_keeps_working(install, build):
    install("core", "fake_plugins.setup_raises")
    app = build(seed=True)
    host = get_host(app)
    assert host.plugins["core"].core and host.plugins["core"].loaded
    refused = [info for info in host.plugins.values() if info.name == "core" and not info.core]
    assert len(refused) == 1 and "another plugin is already named 'core'" in refused[0].error
    page = text_of(sign_in(app, "mediation.a").get("/tableau-de-bord"))
    assert nav_labels(page)[:2] == ["Tableau de bord", "Associations"]
    assert "Fantôme" not in page


def test_second_entry_point_to_the_same_module_does_not_unload_the_first(install, build):
    install("tidy", "fake_plugins.tidy")
    install("tidytwin", "fake_plugins.tidy")
    app = build(seed=True)
    host = get_host(app)
    assert host.plugins["tidy"].loaded
    assert "registration failed" in host.plugins["tidytwin"].error
    assert "Rangement" in nav_labels(text_of(sign_in(app, "mediation.a").get("/tableau-de-bord")))


def test_submodule_named_like_a_hook_is_refused_in_every_app(install, build):
    # In the first app the hook function is still there when the plugin registers; in the next ones the
    # submodule has replaced it. Both must refuse, or the hook would vanish silently from the second app on.
    install("shadow", "fake_plugins.shadow")
    for app in (build(), build()):
        assert REFUSED["shadow"][1] in get_host(app).plugins["shadow"].error


def test_required_plugin_that_fails_stops_the_portal(install, build):
    install("wrongprefix", REFUSED["wrongprefix"][0])
    with pytest.raises(PluginLoadError, match=r"required plugins could not be loaded: wrongprefix: setup failed: "
                                              r"PluginLoadError: blueprint 'wrongprefix' must be mounted"):
        build(REQUIRED_PLUGINS=["wrongprefix"])


def test_required_plugin_that_is_missing_stops_the_portal(build):
    with pytest.raises(PluginLoadError, match="nothere: not installed"):
        build(REQUIRED_PLUGINS=["example", "nothere"])


def test_required_plugins_that_load_let_the_portal_start(install, build):
    install("wrongprefix", REFUSED["wrongprefix"][0])  # refused, but not required
    app = build(REQUIRED_PLUGINS="example")  # a string, as QN_REQUIRED_PLUGINS=example gives it
    with app.app_context():
        assert get_host(app).is_enabled("example")
    assert not get_host(app).plugins["wrongprefix"].loaded


# --- failures in request and event hooks -----------------------------------------------------------------


@pytest.fixture
def raising(install, tidy):
    install("raising", "fake_plugins.raising")  # loaded before tidy (plugins run in name order)
    install("tidy", "fake_plugins.tidy")


def test_plugin_raising_in_request_and_event_hooks_is_skipped_when_isolated(raising, build, caplog, tidy):
    app = build(seed=True, PLUGIN_ERRORS="isolate")
    with app.app_context():
        assert get_host(app).is_enabled("raising")
    client = sign_in(app, "mediation.a")
    with caplog.at_level(logging.ERROR, logger="qn_portal.plugins"):
        dashboard = client.get("/tableau-de-bord")
        association = client.get("/associations/grand-parc-connecte")
        with app.test_request_context():
            event = emit("core.something_happened")

    assert dashboard.status_code == 200
    page = text_of(dashboard)
    assert nav_labels(page)[:4] == ["Tableau de bord", "Associations", "Carnet", "Rangement"]
    assert {"Mes associations", EXAMPLE_WIDGET, "Rangement du jour"} <= set(widget_titles(page))
    assert association.status_code == 200
    assert panel_titles(text_of(association)) == ["Rangement de l'association"]
    assert [event] == tidy.events  # the listener after the broken one still heard it
    for hook in ("nav_items", "dashboard_widgets", "association_panels", "on_event"):
        assert f"plugin raising failed in hook {hook}; skipped" in caplog.text
    # A permission voter that fails says "no" rather than nothing: it may have meant to refuse.
    assert "plugin raising failed in hook check_permission; counted as False" in caplog.text
    assert "Équipe" not in text_of(association)  # members of A see their team only when no voter fails
    assert "PluginBug" in caplog.text  # with its traceback


def test_plugin_raising_in_request_and_event_hooks_raises_in_tests(raising, build):
    from fake_plugins.raising import PluginBug

    app = build(seed=True, PLUGIN_ERRORS="raise")
    client = sign_in(app, "mediation.a")
    with pytest.raises(PluginBug):
        client.get("/tableau-de-bord")
    with pytest.raises(PluginBug):
        client.get("/associations/grand-parc-connecte")
    with app.test_request_context(), pytest.raises(PluginBug, match="on_event is broken"):
        emit("core.something_happened")


def test_plugin_raising_in_search_documents_stops_the_reindex_and_the_index_stays(raising, build):
    from fake_plugins.raising import PluginBug

    app = build(seed=True, PLUGIN_ERRORS="isolate")  # reindex is a command: loud whatever the setting
    client = sign_in(app, "mediation.a")
    # Written directly: the raising plugin's failing permission voter would refuse the form.
    from qn_example import note_document
    from qn_example.models import ExampleNote

    from qn_portal.api import db, index_document

    with app.test_request_context():
        note = ExampleNote(title="Note déjà indexée", body="")
        db.session.add(note)
        db.session.flush()
        index_document("example", note_document(note))
        db.session.commit()

    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code != 0
    assert isinstance(result.exception, PluginBug)
    assert search_titles(client, "indexée") == ["Note déjà indexée"]


@pytest.mark.parametrize("errors", ["isolate", "raise"])
def test_widget_or_panel_that_fails_to_render_is_left_out(install, build, caplog, errors):
    from jinja2 import TemplateNotFound

    install("brokentemplate", "fake_plugins.broken_template")
    app = build(seed=True, PLUGIN_ERRORS=errors)
    client = sign_in(app, "mediation.a")
    if errors == "raise":
        with pytest.raises(TemplateNotFound):
            client.get("/tableau-de-bord")
        return
    with caplog.at_level(logging.ERROR, logger="qn_portal.plugins"):
        dashboard = client.get("/tableau-de-bord")
        association = client.get("/associations/grand-parc-connecte")
    assert dashboard.status_code == 200 and association.status_code == 200
    assert "Grand Parc Connecté" in text_of(dashboard)  # the core's widget still renders
    assert "contribution 'brokentemplate/missing.html' failed to render" in caplog.text


# --- permission votes ------------------------------------------------------------------------------------


@pytest.fixture
def voters(install):
    from fake_plugins import voters

    for voter in (voters.first, voters.second):
        voter.votes.clear()
        voter.calls.clear()
    install("votera", "fake_plugins.voters:first")
    install("voterb", "fake_plugins.voters:second")
    return voters


def test_no_vote_leaves_the_default_roles(voters, build):
    app = build(seed=True)
    with app.test_request_context():
        assert can(user("mediation.a"), "example.write")
        assert can(user("admin"), "example.write")
        assert not can(user("partenaire"), "example.write")
    assert ("partenaire@example.org", "example.write", None) in voters.first.calls
    assert ("partenaire@example.org", "example.write", None) in voters.second.calls
    assert add_note(sign_in(app, "partenaire"), "Refusée").status_code == 403


def test_a_yes_vote_grants_what_roles_would_not(voters, build):
    app = build(seed=True)
    voters.first.votes["example.write"] = True
    with app.test_request_context():
        assert can(user("partenaire"), "example.write")
        assert not can(user("partenaire"), "accounts.deactivate")  # only the action voted on
    partner = sign_in(app, "partenaire")
    assert add_note(partner, "Note de la partenaire").status_code == 302
    assert search_titles(partner, "partenaire") == ["Note de la partenaire"]


@pytest.mark.parametrize("votes", [(True, False), (False, True), (None, False)])
def test_a_single_no_wins(voters, build, votes):
    app = build(seed=True)
    voters.first.votes["example.write"], voters.second.votes["example.write"] = votes
    with app.test_request_context():
        assert not can(user("mediation.a"), "example.write")
        assert not can(user("admin"), "example.write")  # even admins, who hold every permission by default
    assert add_note(sign_in(app, "mediation.a"), "Interdite").status_code == 403


def test_a_no_vote_can_close_a_core_page(voters, build):
    app = build(seed=True)
    voters.second.votes["plugins.manage"] = False
    admin = sign_in(app, "admin")
    assert admin.get("/admin/extensions").status_code == 403
    assert "Extensions" not in nav_labels(text_of(admin.get("/tableau-de-bord")))


def test_a_disabled_plugin_does_not_vote(voters, build):
    app = build(seed=True, DISABLED_PLUGINS=["votera"])
    voters.first.votes["example.write"] = False
    with app.test_request_context():
        assert can(user("mediation.a"), "example.write")
    assert voters.first.calls == []
    assert voters.second.calls


def test_report_figures_are_collected_and_a_failing_plugin_is_skipped(raising, build, caplog):
    from datetime import date

    from qn_portal.api import Figure, collect_figures

    app = build(seed=True, PLUGIN_ERRORS="isolate")
    with app.test_request_context(), caplog.at_level(logging.ERROR, logger="qn_portal.plugins"):
        figures = [figure for figure in collect_figures([7, 9], date(2026, 1, 1), date(2026, 2, 1))
                   if figure.key.startswith("tidy.")]
        get_host(app).set_enabled("tidy", False)
        after_disabling = [figure for figure in collect_figures(None, date(2026, 1, 1), date(2026, 2, 1))
                           if figure.key.startswith("tidy.")]
    assert figures == [Figure("tidy.boxes", "Boîtes rangées", 3, association_id=7),
                       Figure("tidy.boxes", "Boîtes rangées", 3, association_id=9)]
    assert after_disabling == []
    assert "plugin raising failed in hook report_figures; skipped" in caplog.text


def test_a_plugin_ships_its_own_translations_and_cannot_retranslate_the_core(app, demo):
    client = sign_in(app, "mediation.a")
    page = text_of(client.get("/tableau-de-bord"))
    assert "Carnet" in nav_labels(page) and EXAMPLE_WIDGET in widget_titles(page)  # French by default
    post_form(client, "/langue", {"locale": "en", "next": "/tableau-de-bord"})
    page = text_of(client.get("/tableau-de-bord"))
    # The example plugin's own catalogue (qn_example/translations) translates its nav item and widget...
    assert "Notebook" in nav_labels(page) and "Latest notes in the notebook" in widget_titles(page)
    # ...but its entry for a core string loses to the core's catalogue.
    assert "Dashboard" in nav_labels(page) and "Plugin's board" not in page
