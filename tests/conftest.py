"""Fixtures: an app per test on a database migrated once per session, SQLite or PostgreSQL.

Set ``QN_DATABASE_URL=postgresql+psycopg://user@host:port/db`` to run the suite on PostgreSQL: the suite
creates its own uniquely named database on that server and drops it at the end.
"""

from __future__ import annotations

import copy
import os
import re
import secrets
import shutil
import subprocess
import sys
from contextlib import contextmanager
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from jinja2 import BytecodeCache
from sqlalchemy import Integer, create_engine, make_url, text
from werkzeug.security import generate_password_hash

from qn_portal import create_app
from qn_portal.extensions import db

HERE = Path(__file__).parent
DEMO_PASSWORD = "un long chemin vers la médiathèque"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]*)"')
# The plugins this repository ships (plugins/). Tests of the core and its plugin host disable them, so that
# what they assert (nav order, panels, search hits, notification kinds) does not depend on which features
# are installed; the shipped plugins have their own tests and are covered by the sweeps.
SHIPPED_PLUGINS = sorted(ep.name for ep in entry_points(group="qn_portal.plugins") if ep.value.startswith("plugins."))


def pytest_configure(config):
    # The suite must not read a developer's instance/config.py or their QN_* variables, except the database.
    kept = ("QN_DATABASE_URL", "QN_CHROMIUM", "QN_REQUIRE_BROWSER", "QN_REQUIRE_REDIS", "QN_TEST_PAGE_CACHE")
    for name in [n for n in os.environ if n.startswith("QN_") and n not in kept]:
        del os.environ[name]


@pytest.fixture(scope="session", autouse=True)
def shared_engines():
    """One SQLAlchemy engine per database and options for the whole session, instead of one per test's app.

    Each engine compiles and caches its own SQL statements: with a new engine per test, every test paid for
    compiling the same statements again. The portal registers its engine events on the ``Engine`` class
    (qn_portal/database.py), so a shared engine behaves exactly like a new one; Flask-SQLAlchemy documents
    ``_make_engine`` as the place to customise engine creation.
    """
    engines: dict[tuple, object] = {}
    make_engine = db._make_engine

    def shared(bind_key, options, app):
        key = (bind_key, repr(sorted(options.items(), key=lambda item: item[0])))
        if key not in engines:
            engines[key] = make_engine(bind_key, options, app)
        return engines[key]

    db._make_engine = shared
    yield
    del db._make_engine
    for engine in engines.values():
        engine.dispose()


def reuse_url_builders() -> None:
    """Let Werkzeug compile each URL rule's builder function once per session, not once per test's app.

    Building a rule's URL builder (``Rule._compile_builder``: an AST compiled to a function) takes a third of
    the time it takes to create an app, and every test creates one. The function depends only on the rule's
    parsed parts (it receives the rule as its first argument), so rules without defaults share it. Should
    Werkzeug rename this private method, the suite just runs slower.
    """
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:
        return
    builders: dict[tuple, object] = {}

    def cached(self, append_unknown=True):
        if self.defaults:
            return compile_builder(self, append_unknown)
        key = (self.rule, tuple(self._trace), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    Rule._compile_builder = cached


reuse_url_builders()


@pytest.fixture(scope="session", autouse=True)
def example_plugin(tmp_path_factory):
    """Install the out-of-tree example plugin as a real package (pip), discovered through its entry point."""
    target = tmp_path_factory.mktemp("site")
    # Built from a private copy: setuptools writes build/ and *.egg-info/ into the source folder, and the
    # suite's parallel workers (pytest-xdist) would otherwise build in the same folder at the same time.
    source = tmp_path_factory.mktemp("example_plugin_source") / "example_plugin"
    shutil.copytree(HERE / "example_plugin", source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--target", str(target), str(source)],
        check=True,
    )
    sys.path.insert(0, str(target))
    yield target
    sys.path.remove(str(target))


@contextmanager
def new_database(label: str, sqlite_folder: Path):
    """An empty database of the kind the suite runs on: a SQLite file, or a uniquely named PostgreSQL
    database on the server of ``QN_DATABASE_URL``, dropped afterwards (CI reuses one server)."""
    url = os.environ.get("QN_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield "sqlite:///" + str(sqlite_folder / f"{label}.db")
        return
    name = f"{label}_{os.getpid()}_{secrets.token_hex(4)}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    with new_database("qn_test", tmp_path_factory.mktemp("db")) as url:
        yield url


def make_config(database_url: str, instance: Path, **overrides) -> dict:
    return {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-" + "x" * 40,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_BACKEND": "memory",
        "PLUGIN_ERRORS": "raise",
        "UPLOAD_FOLDER": str(instance / "uploads"),
        "SERVER_NAME": "portail.test",
        **page_cache_settings(),
        **overrides,
    }


# QN_TEST_PAGE_CACHE=1 runs every test with the page cache on (CI does so on PostgreSQL): each read after a
# write in the whole suite then checks that the write retired the cached page.
PAGE_CACHE_REDIS = "redis://127.0.0.1:6379/5"


def page_cache_settings() -> dict:
    """The page cache's settings for one app: its own key prefix in Redis (rate limits stay in memory)."""
    if os.environ.get("QN_TEST_PAGE_CACHE") != "1":
        return {}
    return {"REDIS_URL": PAGE_CACHE_REDIS, "PAGE_CACHE_PREFIX": f"suite-{os.getpid()}-{secrets.token_hex(4)}:",
            "RATELIMIT_STORAGE_URI": "memory://"}


def forget_page_cache(app) -> None:
    """Delete an app's keys (its data version never expires on its own)."""
    from qn_portal.page_cache import get_cache

    cache = get_cache(app)
    if cache is not None and app.config["PAGE_CACHE_PREFIX"].startswith("suite-"):
        keys = list(cache.redis.scan_iter(app.config["PAGE_CACHE_PREFIX"] + "*"))
        if keys:
            cache.redis.delete(*keys)


@pytest.fixture(scope="session")
def migrated(database_url, example_plugin, tmp_path_factory):
    """The test database, migrated from empty to every head once for the session."""
    import flask_migrate

    instance = tmp_path_factory.mktemp("instance")
    os.environ["QN_INSTANCE_PATH"] = str(instance)
    app = create_app(make_config(database_url, instance))
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        db.engine.dispose()
    return database_url


def wipe(app) -> None:
    """Empty every table (faster than migrating again) so that each test starts from nothing."""
    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def config_overrides():
    """Override in a test module (or with parametrisation) to change the app's settings."""
    return {}


class SharedBytecodeCache(BytecodeCache):
    """Jinja's compiled templates kept in memory for the whole session: every test builds a new app, whose
    own template cache starts empty, and compiling the portal's templates again for each test costs more than
    most tests themselves."""

    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_BYTECODE = SharedBytecodeCache()


@pytest.fixture
def app(migrated, tmp_path, config_overrides):
    app = create_app(make_config(migrated, tmp_path, **config_overrides))
    # The bucket key includes the template's source checksum: a changed template is compiled again.
    app.jinja_env.bytecode_cache = TEMPLATE_BYTECODE
    yield app
    wipe(app)
    forget_page_cache(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def fast_hash(password: str) -> str:
    """A hash that is cheap to check, for the demo accounts only: scrypt costs ~0.1 s a login. Every test
    that sets a password through the portal still goes through scrypt."""
    return generate_password_hash(password, method="pbkdf2:sha256:1")


# Seeded demo databases, by what shapes them (see ``demo_key``): the rows of every table, and what the
# ``demo`` fixture returns. Seeding every plugin's demo data costs far more than copying its rows back.
DEMO_SNAPSHOTS: dict[tuple, tuple[list, dict]] = {}


def demo_key(app, config_overrides: dict) -> tuple:
    """What the demo data depends on: the database, the plugins that seed (loaded and enabled) and the
    settings the test changed. Two tests with the same key get the same rows."""
    from qn_portal.plugins import get_host

    with app.app_context():
        host = get_host()
        seeding = tuple(name for name, info in host.plugins.items()
                        if info.loaded and (info.core or host.is_enabled(name)))
    return app.config["SQLALCHEMY_DATABASE_URI"], seeding, repr(sorted(config_overrides.items()))


def copy_rows(app) -> list:
    """Every row of every table, in an order that inserts parents before children."""
    with app.app_context(), db.engine.connect() as connection:
        snapshot = []
        for table in db.metadata.sorted_tables:
            rows = connection.execute(table.select().order_by(*table.primary_key.columns)).mappings().all()
            if rows:
                snapshot.append((table, [dict(row) for row in rows]))
    return snapshot


def restore_rows(app, snapshot: list) -> None:
    """Insert the copied rows into the (wiped) database. Rows inserted into ``search_entry`` fill the
    full-text index as the ORM's do (SQLite triggers, PostgreSQL's generated column); on PostgreSQL, the id
    sequences then move past the restored ids, as if the rows had been added one by one."""
    with app.app_context():
        with db.engine.begin() as connection:
            for table, rows in snapshot:
                connection.execute(table.insert(), rows)
            if connection.dialect.name == "postgresql":
                for table, _rows in snapshot:
                    for column in table.primary_key.columns:
                        if column.autoincrement is True or (column.autoincrement == "auto"
                                                           and isinstance(column.type, Integer)
                                                           and len(table.primary_key.columns) == 1):
                            connection.execute(text(
                                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{column.name}'), "
                                f"(SELECT max(\"{column.name}\") FROM \"{table.name}\"))"))
        db.engine.dispose()


@pytest.fixture
def demo(app, monkeypatch, config_overrides):
    """The demo associations and accounts, with a known password.

    The first test of a kind seeds them (every loaded plugin's ``demo_data``); the next ones get a copy of
    the same rows, which is what they would have seeded (the demo data is deterministic within a session).
    """
    from qn_portal.demo import seed_demo

    monkeypatch.setenv("QN_DEMO_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setattr("qn_portal.demo.hash_password", fast_hash)
    key = demo_key(app, config_overrides)
    if key in DEMO_SNAPSHOTS:
        snapshot, info = DEMO_SNAPSHOTS[key]
        restore_rows(app, snapshot)
        return copy.deepcopy(info)
    with app.app_context():
        context = seed_demo(log=lambda message: None)
        ids = {key: user.id for key, user in context.users.items()}
        association_ids = {key: association.id for key, association in context.associations.items()}
        slugs = {key: association.slug for key, association in context.associations.items()}
        db.session.remove()
    info = {"users": ids, "associations": association_ids, "slugs": slugs, "password": DEMO_PASSWORD}
    DEMO_SNAPSHOTS[key] = (copy_rows(app), copy.deepcopy(info))
    return info


def csrf_token(client, url: str = "/connexion") -> str:
    response = client.get(url)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({response.status_code})"
    return match.group(1)


def post_form(client, url: str, data: dict | None = None, form_url: str | None = None, **kwargs):
    """Post ``data`` to ``url`` the way a browser would: with the CSRF token of the form's page."""
    token = csrf_token(client, form_url or url)
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


def email(key: str) -> str:
    return f"{key}@example.org"


def signed_in(app, key: str):
    """A new test client signed in as the demo account ``key`` (e.g. ``"mediation.a"``)."""
    client = app.test_client()
    response = login(client, email(key))
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def login(client, email: str, password: str = DEMO_PASSWORD, remember: bool = False):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return post_form(client, "/connexion", data)


class Portal:
    """Sign in as a demo role in one line: ``portal.login_as("mediation.a")``."""

    def __init__(self, app, client):
        self.app, self.client = app, client

    def login_as(self, key: str):
        response = login(self.client, f"{key}@example.org")
        assert response.status_code == 302, response.get_data(as_text=True)
        return self.client

    def new_client(self):
        return self.app.test_client()


@pytest.fixture
def portal(app, client, demo):
    return Portal(app, client)
