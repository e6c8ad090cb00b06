"""The database layer: SQLite tuning, writes that do not lose updates, the health check and a database outage."""

from __future__ import annotations

import html
import threading
import time

import pytest
from conftest import make_config
from sqlalchemy import Column, Integer, MetaData, Table, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from qn_portal import create_app
from qn_portal.database import SQLITE_BUSY_TIMEOUT_MS, lock_for_update, write_transaction
from qn_portal.extensions import csrf, db

UNAVAILABLE = "Le portail est momentanément indisponible. Réessayez dans quelques instants."


def sqlite_app(tmp_path, name="tuning.db"):
    return create_app(make_config("sqlite:///" + str(tmp_path / name), tmp_path))


def test_sqlite_connections_are_tuned(tmp_path):
    app = sqlite_app(tmp_path)
    with app.app_context():
        with db.engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS >= 5000
        db.engine.dispose()


def test_foreign_keys_are_enforced(app):
    from qn_portal.associations.models import Membership

    with app.app_context():
        db.session.add(Membership(user_id=424242, association_id=434343, role="mediator"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_sqlite_write_transaction_takes_the_write_lock_at_once(tmp_path):
    """Inside write_transaction() a second writer waits for the first from its very first statement."""
    app = sqlite_app(tmp_path)
    with app.app_context():
        db.session.execute(text("CREATE TABLE probe (id INTEGER PRIMARY KEY)"))
        db.session.commit()
        other = db.engine.raw_connection()
        other.driver_connection.execute("PRAGMA busy_timeout=0")
        try:
            with write_transaction():
                db.session.execute(text("SELECT count(*) FROM probe"))  # a read only, yet the lock is held
                with pytest.raises(Exception, match="locked"):
                    other.driver_connection.execute("BEGIN IMMEDIATE")
        finally:
            other.close()
        db.engine.dispose()


# --- No lost updates --------------------------------------------------------------------------------------

counters = MetaData()
counter = Table("qn_test_counter", counters, Column("id", Integer, primary_key=True), Column("value", Integer))
THREADS, ROUNDS = 4, 15


@pytest.fixture
def counter_app(app):
    with app.app_context():
        counters.create_all(db.engine)
        db.session.execute(counter.insert().values(id=1, value=0))
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        counters.drop_all(db.engine)
        db.engine.dispose()


def current_value(app) -> int:
    with app.app_context():
        try:
            return db.session.scalar(select(counter.c.value).where(counter.c.id == 1))
        finally:
            db.session.remove()


def read_then_write() -> None:
    """The racy pattern: read a value, think, write value + 1."""
    value = db.session.execute(lock_for_update(select(counter.c.value).where(counter.c.id == 1))).scalar_one()
    time.sleep(0.002)  # widen the window another writer could slip into
    db.session.execute(update(counter).where(counter.c.id == 1).values(value=value + 1))


def run_threads(target) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def worker():
        try:
            start.wait()
            target()
        except BaseException as exc:  # collected and asserted by the test
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a writer is stuck"
    return errors


def test_write_transactions_do_not_lose_updates(counter_app):
    def bump():
        with counter_app.app_context():
            for _ in range(ROUNDS):
                with write_transaction():
                    read_then_write()
            db.session.remove()

    began = time.monotonic()
    assert run_threads(bump) == []
    assert current_value(counter_app) == THREADS * ROUNDS
    assert time.monotonic() - began < 15


def test_post_requests_do_not_lose_updates(counter_app):
    @csrf.exempt
    def bump_view():
        read_then_write()
        db.session.commit()
        return "ok"

    counter_app.add_url_rule("/_test/compteur", "test_bump", bump_view, methods=["POST"])

    def bump():
        client = counter_app.test_client()
        for _ in range(ROUNDS):
            response = client.post("/_test/compteur")
            assert response.status_code == 200, response.status_code

    assert run_threads(bump) == []
    assert current_value(counter_app) == THREADS * ROUNDS


def test_without_a_write_transaction_the_race_is_real(counter_app):
    """The control: the same work with a plain transaction loses updates or fails; the checks above can fail."""
    def bump():
        with counter_app.app_context():
            for _ in range(ROUNDS):
                value = db.session.execute(select(counter.c.value).where(counter.c.id == 1)).scalar_one()
                time.sleep(0.002)
                db.session.execute(update(counter).where(counter.c.id == 1).values(value=value + 1))
                db.session.commit()
            db.session.remove()

    errors = run_threads(bump)
    lost = current_value(counter_app) < THREADS * ROUNDS
    assert lost or any(isinstance(error, OperationalError) for error in errors)


# --- Health check and outages ------------------------------------------------------------------------------


def test_health_check(client):
    response = client.get("/sante")
    assert response.status_code == 200
    assert response.is_json and response.get_json() == {"status": "ok"}


def assert_unavailable(response) -> None:
    assert response.status_code == 503
    page = html.unescape(response.get_data(as_text=True))
    assert UNAVAILABLE in page
    assert '<html lang="fr">' in page
    assert "Traceback" not in page and "OperationalError" not in page


def test_unreachable_postgresql_answers_503_quickly(tmp_path):
    url = "postgresql+psycopg://postgres@127.0.0.1:9/qn_absent?connect_timeout=3"
    app = create_app(make_config(url, tmp_path))
    began = time.monotonic()
    assert_unavailable(app.test_client().get("/sante"))
    assert time.monotonic() - began < 5
    with app.app_context():
        db.engine.dispose()


def test_sqlite_in_a_missing_folder_answers_503_then_recovers_without_restart(tmp_path):
    folder = tmp_path / "pas-encore-la"
    app = create_app(make_config("sqlite:///" + str(folder / "qn.db"), tmp_path))
    client = app.test_client()
    assert_unavailable(client.get("/sante"))
    folder.mkdir()  # the volume comes back
    assert client.get("/sante").status_code == 200
    with app.app_context():
        db.engine.dispose()


def test_a_signed_in_page_during_an_outage_is_503(app, portal, monkeypatch):
    client = portal.login_as("mediation.a")
    with app.app_context():
        db.engine.dispose()

    def refuse(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    with app.app_context():
        monkeypatch.setattr(db.engine.pool, "connect", refuse)
        assert_unavailable(client.get("/tableau-de-bord"))
