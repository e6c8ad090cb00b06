"""Database tuning: SQLite pragmas and write transactions that cannot lose updates.

On SQLite, pysqlite's default opens a transaction only before the first write, so a "read, check, then
write" sequence runs its read outside the transaction and two requests can both pass the check. We take
over transaction control: every transaction starts with an explicit ``BEGIN``; in a request that may
change state (POST, PUT, PATCH, DELETE) or inside ``write_transaction()`` it is ``BEGIN IMMEDIATE``, which
takes the write lock at once so the check and the write see the same data. Readers are never blocked (WAL).
On PostgreSQL, lock the parent row with ``lock_for_update`` or make the check one conditional statement.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db

SQLITE_BUSY_TIMEOUT_MS = 10_000
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_immediate: ContextVar[bool] = ContextVar("qn_immediate", default=False)


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event below decide when and how transactions start.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection):
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")


def _wants_write_lock() -> bool:
    if _immediate.get():
        return True
    return has_request_context() and request.method not in SAFE_METHODS


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run the block in one transaction that holds the write lock from its first statement; commit at the end.

    Use it outside requests (CLI, jobs) or in a GET view that must write. Any transaction already open in
    the session is committed first, so that the block starts a fresh one.
    """
    db.session.commit()
    token = _immediate.set(True)
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _immediate.reset(token)


def lock_for_update(statement):
    """Add ``FOR UPDATE`` to a select on PostgreSQL (SQLite's write transaction already serialises writers)."""
    return statement.with_for_update()
