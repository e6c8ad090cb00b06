"""Meta-tests that keep the plugin contract: every hook documented and tested, plugins that follow the
naming rules (tables, templates, URLs, permissions, migration branches), and a portal that boots with any
single plugin switched off.

The checks are small functions, applied to the real app and, where a mistake is easy to make, to a
broken example first, so that each of them is known to fail when it should.
"""

from __future__ import annotations

import ast
import inspect
import re
import tomllib
from collections import defaultdict
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from conftest import make_config
from fake_plugins import installer
from sqlalchemy import inspect as inspect_database

from qn_portal import api, create_app, hookspecs
from qn_portal.extensions import db
from qn_portal.plugins import ENTRY_POINT_GROUP, get_host
from qn_portal.search.models import FTS_TABLES

TESTS = Path(__file__).parent
ROOT = TESTS.parent
GUIDE = ROOT / "docs" / "plugins.md"
HOOKS = {
    name: function for name, function in sorted(vars(hookspecs).items())
    if inspect.isfunction(function) and hasattr(function, "qn_portal_spec")
}
KINDS = ("Setup", "Request", "Event")


def hook_kind(doc: str) -> str | None:
    """The kind a hookspec's docstring announces: a paragraph that starts with Setup, Request or Event."""
    match = re.search(r"^(Setup|Request|Event)\b", doc, re.M)
    return match.group(1) if match else None


def declared_plugins() -> list[str]:
    """Plugins installed now or declared by the portal's and the example's pyproject (installed by conftest)."""
    names = {entry_point.name for entry_point in entry_points(group=ENTRY_POINT_GROUP)}
    for pyproject in (ROOT / "pyproject.toml", TESTS / "example_plugin" / "pyproject.toml"):
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        names |= set(project.get("entry-points", {}).get(ENTRY_POINT_GROUP, {}))
    return sorted(names)


PLUGINS = declared_plugins()


# --- every hook: a docstring, a section of the guide, a test ---------------------------------------------


def documented_hooks(markdown: str) -> dict[str, tuple[str, str]]:
    """``{hook: (section, signature)}`` for every heading like ``### `nav_items(user)` `` of the guide."""
    found: dict[str, tuple[str, str]] = {}
    section, fenced = "", False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        heading = None if fenced else re.match(r"^(#{2,6})\s+(.+?)\s*$", line)
        if not heading:
            continue
        if len(heading.group(1)) == 2:
            section = heading.group(2)
        hook = re.match(r"^`(\w+)(\(.*\))`", heading.group(2))
        if hook and len(heading.group(1)) > 2:
            found[hook.group(1)] = (section, hook.group(2))
    return found


def words_in_test_code(source: str) -> list[str]:
    """Identifiers and strings of a test module, without its comments and docstrings."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value) for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    texts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            texts.append(node.id)
        elif isinstance(node, ast.Attribute):
            texts.append(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            texts.append(node.name)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            texts.append(node.value)
    return texts


def names(hook: str, texts: list[str]) -> bool:
    pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(hook)}(?![A-Za-z0-9])")
    return any(pattern.search(text) for text in texts)


def words_of_test_modules() -> dict[str, list[str]]:
    return {
        str(path.relative_to(TESTS)): words_in_test_code(path.read_text(encoding="utf-8"))
        for path in sorted(TESTS.rglob("test_*.py"))
        if path.resolve() != Path(__file__).resolve() and "build" not in path.relative_to(TESTS).parts
    }


def test_the_checks_themselves_tell_a_hook_from_its_absence():
    guide = "## Request hooks\n### `nav_items(user)`\n```\n### `dashboard_widgets(user)`\n```\n## Event hooks\n"
    assert documented_hooks(guide) == {"nav_items": ("Request hooks", "(user)")}
    code = '"""nav_items in a docstring."""\n# dashboard_widgets in a comment\ndef test_on_event_x():\n    call("search_documents")\n'
    texts = words_in_test_code(code)
    assert [hook for hook in HOOKS if names(hook, texts)] == ["on_event", "search_documents"]
    assert hook_kind("Return things.\n\nRequest, on every page.") == "Request"
    assert hook_kind("Return things, at setup.") is None


def test_hookspecs_are_found():
    assert {"blueprints", "models", "nav_items", "on_event"} <= set(HOOKS)


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_hookspec_has_a_docstring_that_says_its_kind(hook):
    doc = inspect.getdoc(HOOKS[hook]) or ""
    assert doc, f"hookspec {hook} has no docstring"
    assert hook_kind(doc) in KINDS, f"the docstring of {hook} must say whether it is a Setup, Request or Event hook"


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_hook_is_documented_in_the_guide_under_its_kind(hook):
    documented = documented_hooks(GUIDE.read_text(encoding="utf-8"))
    assert hook in documented, f"docs/plugins.md needs a heading like ### `{hook}{inspect.signature(HOOKS[hook])}`"
    section, signature = documented[hook]
    assert signature == str(inspect.signature(HOOKS[hook])), f"the guide shows {hook}{signature}"
    assert section == f"{hook_kind(inspect.getdoc(HOOKS[hook]))} hooks"


def test_guide_documents_no_hook_that_does_not_exist():
    assert set(documented_hooks(GUIDE.read_text(encoding="utf-8"))) <= set(HOOKS)


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_hook_is_named_in_a_test(hook):
    sources = words_of_test_modules()
    assert sources, "no test modules found"
    assert [path for path, texts in sources.items() if names(hook, texts)], f"no test names the hook {hook}"


def test_guide_lists_everything_the_facade_offers():
    guide = GUIDE.read_text(encoding="utf-8")
    missing = [name for name in api.__all__ if f"`{name}`" not in guide and f"`{name}(" not in guide]
    assert not missing, f"docs/plugins.md does not mention these qn_portal.api names: {missing}"


def test_every_public_function_of_the_facade_has_a_docstring():
    public = {name for name in vars(api) if not name.startswith("_")}
    modules = {name for name in public if inspect.ismodule(getattr(api, name))}
    assert public - modules - {"annotations"} == set(api.__all__), "qn_portal.api.__all__ must list every export"
    undocumented = [
        name for name in api.__all__
        if (inspect.isfunction(getattr(api, name)) or inspect.isclass(getattr(api, name)))
        and not (inspect.getdoc(getattr(api, name)) or "").strip()
    ]
    assert not undocumented, f"qn_portal.api exports without a docstring: {undocumented}"


# --- the plugin manager ----------------------------------------------------------------------------------


def test_no_registered_plugin_implements_an_unknown_hook(app):
    host = get_host(app)
    host.pm.check_pending()
    assert host.pm.has_plugin("core")
    for name, info in host.plugins.items():
        assert host.pm.has_plugin(name) == info.loaded, name


# --- the naming rules ------------------------------------------------------------------------------------


def plugin_names(app) -> list[str]:
    return [name for name, info in get_host(app).plugins.items() if not info.core and info.loaded]


def table_problems(app, tables) -> list[str]:
    """Tables that belong neither to the core (its ``models``) nor, by their prefix, to a plugin."""
    host = get_host(app)
    core = {model.__tablename__ for info in host.plugins.values() if info.core for model in info.models}
    core |= FTS_TABLES  # the search index's FTS5 table and its shadow tables (SQLite), in no model
    problems = [
        f"plugin {name}: table {model.__tablename__} must start with {name}_"
        for name in plugin_names(app) for model in host.plugins[name].models
        if not model.__tablename__.startswith(f"{name}_")
    ]
    owners = tuple(f"{name}_" for name in host.plugins if not host.plugins[name].core)
    problems += [f"table {table} belongs to no plugin" for table in sorted(tables)
                 if table not in core and table != "alembic_version" and not table.startswith(owners)]
    return problems


def test_table_check_notices_a_stray_table(app):
    assert table_problems(app, ["example_note", "notes"]) == ["table notes belongs to no plugin"]


def test_every_table_is_the_cores_or_carries_its_plugins_prefix(app):
    with app.app_context():
        migrated = inspect_database(db.engine).get_table_names()
    assert "example_note" in migrated
    assert table_problems(app, db.metadata.tables) == []
    assert table_problems(app, migrated) == []
    assert [model.__tablename__ for model in get_host(app).plugins["example"].models] == ["example_note"]


def template_problems(app) -> list[str]:
    """Plugin templates outside ``templates/<name>/`` and template paths shipped twice (the core included)."""
    host = get_host(app)
    shipped: dict[str, list[str]] = defaultdict(list)
    for path in app.jinja_loader.list_templates():
        shipped[path].append("core")
    problems = []
    for name in plugin_names(app):
        info = host.plugins[name]
        paths = set()
        if hasattr(info.module, "__path__"):  # a package: its templates/ folder
            folder = Path(info.module.__file__).parent / "templates"
            if folder.is_dir():
                paths |= {file.relative_to(folder).as_posix() for file in folder.rglob("*") if file.is_file()}
        for blueprint in info.blueprints:
            if blueprint.jinja_loader is not None:
                paths |= set(blueprint.jinja_loader.list_templates())
        for path in sorted(paths):
            shipped[path].append(name)
            if not path.startswith(f"{name}/"):
                problems.append(f"plugin {name}: template {path} is not under templates/{name}/")
    problems += [f"{path} is shipped by {' and '.join(owners)}" for path, owners in sorted(shipped.items())
                 if len(owners) > 1]
    return problems


def test_template_check_notices_a_misplaced_and_a_shadowing_template(migrated, tmp_path, monkeypatch):
    install = installer(tmp_path / "site")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    install("sloppy", "fake_plugins.sloppy")
    app = create_app(make_config(migrated, tmp_path))
    assert get_host(app).plugins["sloppy"].loaded
    assert template_problems(app) == [
        "plugin sloppy: template example/index.html is not under templates/sloppy/",
        "plugin sloppy: template widget.html is not under templates/sloppy/",
        "example/index.html is shipped by example and sloppy",
    ]


def test_plugin_templates_live_in_their_own_folder_and_never_collide(app):
    assert template_problems(app) == []
    assert "example/index.html" in app.jinja_env.list_templates()


def test_plugin_urls_live_under_their_name(app):
    host = get_host(app)
    for rule in app.url_map.iter_rules():
        owner = host.blueprint_owner.get(rule.endpoint.split(".")[0]) if "." in rule.endpoint else None
        if owner and not host.plugins[owner].core:
            assert rule.rule.startswith(f"/{owner}/"), f"{rule.endpoint} answers at {rule.rule}"
    assert any(rule.rule == "/example/" for rule in app.url_map.iter_rules())


def test_blueprints_and_permissions_carry_the_plugins_name(app):
    host = get_host(app)
    plugins = plugin_names(app)
    for name in plugins:
        assert [blueprint.name for blueprint in host.plugins[name].blueprints] in ([], [name])
        declared = [permission.name for result in host.call_plugin(name, "permissions") for permission in result]
        assert all(permission.startswith(f"{name}.") for permission in declared), declared
    core = [permission.name for result in host.call_plugin("core", "permissions") for permission in result]
    assert not [permission for permission in core if permission.split(".")[0] in plugins]
    assert "example.write" in host.permissions


def test_each_plugin_has_a_title_and_its_own_migration_branch(app):
    from alembic.script import ScriptDirectory

    from qn_portal.migrations_support import alembic_config

    host = get_host(app)
    with app.app_context():
        script = ScriptDirectory.from_config(alembic_config())
        revisions = list(script.walk_revisions())
    for name in plugin_names(app):
        info = host.plugins[name]
        assert info.description, f"plugin {name} needs a module docstring (its title on the admin page)"
        if info.models:
            assert info.migrations_folder and Path(info.migrations_folder).is_dir(), name
        if not info.migrations_folder:
            continue
        folder = Path(info.migrations_folder).resolve()
        own = [rev for rev in revisions if Path(rev.path).resolve().parent == folder]
        for revision in own:
            assert name in revision.branch_labels, f"{revision.revision} must be in the branch {name}"
        assert len([rev for rev in own if rev.down_revision is None]) == (1 if own else 0), name
        labelled = [rev.revision for rev in revisions if name in rev.branch_labels]
        assert sorted(labelled) == sorted(rev.revision for rev in own), f"revisions of {name} outside its folder"
    assert any(name == "example" for name in plugin_names(app))


# --- the portal boots with any single plugin disabled ----------------------------------------------------


@pytest.mark.parametrize("config_overrides", [{"DISABLED_PLUGINS": [name]} for name in PLUGINS], ids=PLUGINS)
def test_portal_serves_with_one_plugin_disabled(app, portal, config_overrides):
    (name,) = config_overrides["DISABLED_PLUGINS"]
    host = get_host(app)
    assert name in host.plugins and host.plugins[name].loaded, f"{name} is declared but did not load"
    with app.app_context():
        assert not host.is_enabled(name)
        assert all(host.is_enabled(other) for other in plugin_names(app) if other != name)

    client = portal.login_as("coordination")
    response = client.get("/tableau-de-bord")
    assert response.status_code == 200
    assert "Mes associations" in response.get_data(as_text=True)
    assert client.get("/associations/grand-parc-connecte").status_code == 200
    assert client.get("/recherche", query_string={"q": "atelier"}).status_code == 200
    if host.plugins[name].blueprints:
        assert client.get(f"/{name}/").status_code == 404
