"""Serving: ``qn-portal serve`` (gunicorn), ``/healthz``, the private access log, QN_REDIS_URL, and two
gunicorn instances on one PostgreSQL and one Redis behaving as one portal."""

from __future__ import annotations

import logging
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from conftest import DEMO_PASSWORD
from gunicorn.config import Config
from sqlalchemy import select
from werkzeug.test import EnvironBuilder

from qn_portal import create_app
from qn_portal.extensions import db
from qn_portal.serving import (
    ACCESS_LOG_FORMAT,
    PrivateAccessLogger,
    default_workers,
    gunicorn_options,
    remember_route,
)

ON_POSTGRESQL = os.environ.get("QN_DATABASE_URL", "").startswith("postgresql")
QN_PORTAL = str(Path(sys.executable).with_name("qn-portal"))
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TOKEN = "Zq8xV3-kLm2Pw9RtY7uB4nC6"  # stands for a reset token or a private feed token


# --- the command's settings ---------------------------------------------------------------------------------


def test_default_workers_follow_the_cores_with_a_cap():
    assert [default_workers(cores) for cores in (1, 2, 3, 16)] == [3, 5, 7, 8]


def test_gunicorn_options():
    options = gunicorn_options("127.0.0.1", 8123, workers=3, timeout=20)
    assert options["bind"] == "127.0.0.1:8123" and options["workers"] == 3 and options["timeout"] == 20
    assert options["logger_class"] is PrivateAccessLogger and options["accesslog"] == "-"
    for private in ("%(h)s", "%(r)s", "%(q)s", "%(a)s", "%(f)s", "%(u)s", "{"):
        assert private not in ACCESS_LOG_FORMAT


class Sent:
    """What gunicorn's access logger reads from its response object."""

    def __init__(self, status: str, headers: list):
        self.status, self.sent, self.headers = status, 1234, headers


class Duration:
    seconds, microseconds = 0, 4200


def access_line(app, method: str, url: str) -> str:
    """Run one request through the app as gunicorn would, and format its access-log line."""
    from flask import request_started

    request_started.connect(remember_route, app)
    environ = EnvironBuilder(url, base_url="http://portail.test", method=method, headers={
        "User-Agent": "Mozilla/5.0 (Linux; Android 13; Pixel 7) Firefox/120.0",
        "Referer": f"https://portail.test/veille/flux/{TOKEN}.atom",
        "Cookie": f"qn_session={TOKEN}",
    }, environ_base={"REMOTE_ADDR": "198.51.100.23", "RAW_URI": url}).get_environ()
    started = []  # called directly, as gunicorn does (werkzeug's run_wsgi_app would hand the app a copy)
    body = app(environ, lambda status, response_headers, exc_info=None: started.append((status, response_headers)))
    b"".join(body)
    body.close()
    status, response_headers = started[0]
    headers = [(name[5:].replace("_", "-"), value) for name, value in environ.items() if name.startswith("HTTP_")]
    logger = PrivateAccessLogger(Config())
    return ACCESS_LOG_FORMAT % logger.atoms_wrapper_class(logger.atoms(Sent(status, response_headers), headers, environ,
                                                                      Duration()))


@pytest.mark.parametrize("url, route", [
    (f"/reinitialiser/{TOKEN}", "/reinitialiser/<token>"),
    (f"/recherche?q=Mme+Dupont&token={TOKEN}", "/recherche"),
    (f"/chemin-inconnu/{TOKEN}", "-"),
])
def test_the_access_log_holds_the_route_and_nothing_personal(app, url, route):
    line = access_line(app, "GET", url)
    assert f'"GET {route}"' in line
    for private in (TOKEN, "Dupont", "198.51.100.23", "Mozilla", "Firefox", "portail.test", "?"):
        assert private not in line, line


# --- /healthz -----------------------------------------------------------------------------------------------


def test_healthz_answers_ok_without_a_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.mimetype == "text/plain" and response.get_data(as_text=True).strip() == "ok"
    assert "Set-Cookie" not in response.headers


def test_healthz_answers_503_without_details_when_the_database_is_gone(tmp_path, caplog):
    from conftest import make_config

    url = "postgresql+psycopg://postgres@127.0.0.1:9/qn_absent?connect_timeout=3"
    app = create_app(make_config(url, tmp_path))
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_data(as_text=True).strip() == "unavailable"
    assert "Set-Cookie" not in response.headers
    assert "health check: database unavailable (OperationalError)" in caplog.text
    with app.app_context():
        db.engine.dispose()


# --- QN_REDIS_URL -------------------------------------------------------------------------------------------


@pytest.fixture
def environment(monkeypatch, tmp_path):
    for name in [n for n in os.environ if n.startswith("QN_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("QN_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("QN_DATABASE_URL", "sqlite:///" + str(tmp_path / "qn.db"))
    logger = logging.getLogger("qn_portal")
    handlers, level = list(logger.handlers), logger.level
    yield monkeypatch
    logger.handlers[:] = handlers
    logger.setLevel(level)


def test_a_worker_freezes_its_app_out_of_the_garbage_collector(environment):
    """What a worker builds once (its app) is never scanned by a full collection again: no 100 ms pauses."""
    import gc

    from qn_portal.serving import PortalServer

    gc.unfreeze()
    try:
        server = PortalServer.__new__(PortalServer)  # load() alone, as each worker calls it after the fork
        server.load()
        assert gc.get_freeze_count() > 100_000
    finally:
        gc.unfreeze()


def test_rate_limits_use_redis_when_given(environment):
    environment.setenv("QN_REDIS_URL", "redis://127.0.0.1:6379/3")
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    environment.setenv("QN_RATELIMIT_STORAGE_URI", "redis://10.0.0.5:6379/0")  # explicit: it wins
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "redis://10.0.0.5:6379/0"


def test_memory_storage_without_redis_with_one_warning_in_production(environment, caplog):
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "memory://"
    environment.setenv("QN_ENV", "production")
    environment.setenv("QN_SECRET_KEY", "k3Jx9-Qm2vLw8Rt5Yp1Zs7Nb4Hc6Fd0Ga2Ue8Io3Wq")
    with caplog.at_level(logging.WARNING, logger="qn_portal"):
        create_app()
    warnings = [record.getMessage() for record in caplog.records if "QN_REDIS_URL" in record.getMessage()]
    assert len(warnings) == 1 and "several workers" in warnings[0]
    environment.setenv("QN_REDIS_URL", "redis://127.0.0.1:6379/3")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="qn_portal"):
        create_app()
    assert "QN_REDIS_URL" not in caplog.text


# --- real gunicorn ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def portals(folder: Path, settings: dict, count: int, extra_path: Path | None = None):
    """Start ``count`` instances of ``qn-portal serve`` (one worker each), each with its own instance folder
    holding the same ``config.py``; yield their base URLs and log files; always stop them."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("QN_")}
    if extra_path:  # the out-of-tree example plugin the test database was migrated with
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra_path), environment.get("PYTHONPATH")]))
    processes, urls, logs = [], [], []
    try:
        for number in range(1, count + 1):
            instance = folder / f"instance-{number}"
            instance.mkdir()
            (instance / "config.py").write_text("".join(f"{name} = {value!r}\n" for name, value in settings.items()))
            port = free_port()
            log = folder / f"gunicorn-{number}.log"
            with open(log, "wb") as out:
                processes.append(subprocess.Popen(
                    [QN_PORTAL, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
                    env={**environment, "QN_INSTANCE_PATH": str(instance)}, stdout=out, stderr=subprocess.STDOUT))
            urls.append(f"http://127.0.0.1:{port}")
            logs.append(log)
        for url, process, log in zip(urls, processes, logs, strict=True):
            wait_until_healthy(url, process, log)
        yield urls, logs
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll /healthz until the instance answers (a condition; gives up after 30 s with the server's log)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} never became healthy:\n{log.read_text()[-3000:]}")


def base_settings(app, tmp_path) -> dict:
    return {
        "SECRET_KEY": "serving-test-" + secrets.token_hex(24),
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_FOLDER": str(tmp_path / "uploads-partagees"),
        "MAIL_BACKEND": "memory",
    }


CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]*)"')


def csrf(session: requests.Session, url: str) -> str:
    response = session.get(url, timeout=10)
    match = CSRF_RE.search(response.text)
    assert match, f"no CSRF token on {url} ({response.status_code})"
    return match.group(1)


def sign_in(session: requests.Session, base: str, email: str, password: str) -> requests.Response:
    token = csrf(session, f"{base}/connexion")
    return session.post(f"{base}/connexion", data={"csrf_token": token, "email": email, "password": password},
                        allow_redirects=False, timeout=10)


def test_serve_runs_gunicorn_with_a_private_access_log(app, tmp_path, example_plugin):
    """One real instance (SQLite or PostgreSQL): health, no cookie on probes, no rate limit on them, and an
    access log without the query string, the token in a path, the user agent or the address."""
    settings = {**base_settings(app, tmp_path), "RATELIMIT_DEFAULT": "2 per minute",
                "RATELIMIT_KEY_PREFIX": "qn-serve-test-" + secrets.token_hex(4)}
    with portals(tmp_path, settings, count=1, extra_path=example_plugin) as ([base], [log]):
        for _ in range(5):  # a default limit of 2 a minute applies to every route but the probe
            response = requests.get(f"{base}/healthz", timeout=10)
            assert response.status_code == 200 and response.text.strip() == "ok"
            assert "Set-Cookie" not in response.headers
        assert [requests.get(f"{base}/sante", timeout=10).status_code for _ in range(3)] == [200, 200, 429]
        requests.get(f"{base}/recherche?q=Mme+Dupont&jeton={TOKEN}", headers={"User-Agent": "NavigateurPerso/1.0"},
                     allow_redirects=False, timeout=10)
        requests.get(f"{base}/reinitialiser/{TOKEN}", timeout=10)
    text = log.read_text()
    assert '"GET /healthz" 200' in text and '"GET /recherche" 302' in text
    assert '"GET /reinitialiser/<token>" 400' in text
    for private in (TOKEN, "Dupont", "NavigateurPerso", "?q="):
        assert private not in text
    access = [line for line in text.splitlines() if '"GET ' in line]
    assert access and not any("127.0.0.1" in line for line in access)  # nor the client's address


def redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not ON_POSTGRESQL, reason="several app servers share a PostgreSQL database: run with "
                                              "QN_DATABASE_URL=postgresql+psycopg://… (SQLite is one machine's file)")
def test_two_instances_on_one_postgresql_and_one_redis_behave_as_one(app, demo, tmp_path, example_plugin):
    import redis

    if not redis_answers():
        # CI (QN_REQUIRE_REDIS=1, set by .ci/run after starting Redis) must run this test, not skip it.
        if os.environ.get("QN_REQUIRE_REDIS") == "1":
            pytest.fail("Redis does not answer on 127.0.0.1:6379 and QN_REQUIRE_REDIS=1")
        pytest.skip("needs Redis on 127.0.0.1:6379 for the shared rate limits")

    prefix = "qn-multi-test-" + secrets.token_hex(4)
    settings = {**base_settings(app, tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/0",
                "RATELIMIT_KEY_PREFIX": prefix, "RATELIMIT_LOGIN_ACCOUNT": "3 per minute",
                "RATELIMIT_LOGIN_ADDRESS": "100 per minute"}
    try:
        with portals(tmp_path, settings, count=2, extra_path=example_plugin) as ([one, two], _logs):
            for base in (one, two):
                response = requests.get(f"{base}/healthz", timeout=10)
                assert response.status_code == 200 and "Set-Cookie" not in response.headers

            # Sessions: signed in on one, the same cookie is a signed-in session on two.
            browser = requests.Session()
            assert sign_in(browser, one, "mediation.a@example.org", DEMO_PASSWORD).status_code == 302
            elsewhere = requests.Session()
            elsewhere.cookies.set("qn_session", browser.cookies.get("qn_session"))
            dashboard = elsewhere.get(f"{two}/tableau-de-bord", allow_redirects=False, timeout=10)
            assert dashboard.status_code == 200, dashboard.headers.get("Location")

            # Uploads: a file sent through one is downloaded through two (one shared storage folder).
            token = csrf(browser, f"{one}/ressources/nouvelle")
            created = browser.post(f"{one}/ressources/nouvelle", data={
                "csrf_token": token, "title": "Fiche partagée entre deux serveurs", "kind": "fiche",
                "level": "debutant", "licence": "cc-by-sa-4.0", "visibility": "community", "status": "published",
            }, files={"files": ("fiche.pdf", PDF, "application/pdf")}, allow_redirects=False, timeout=10)
            assert created.status_code == 302, created.text[-2000:]
            from plugins.ressources.models import Attachment

            with app.app_context():
                key = db.session.scalars(select(Attachment.file_key)).one()
            download = elsewhere.get(f"{two}/fichiers/{key}", timeout=10)
            assert download.status_code == 200 and download.content == PDF

            # Rate limits: failures on one and on two count against the same allowance (3 a minute).
            attacker = requests.Session()
            outcomes = [sign_in(attacker, base, "direction.a@example.org", "pas le bon mot de passe").status_code
                        for base in (one, one, two, two, one)]
            assert outcomes == [200, 200, 200, 429, 429]
    finally:
        store = redis.Redis(host="127.0.0.1", port=6379, db=0)
        keys = list(store.scan_iter(f"*{prefix}*"))
        if keys:
            store.delete(*keys)
