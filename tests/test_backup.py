"""``qn-portal backup`` and ``restore``: an online backup taken while rows keep arriving, restored elsewhere.

Runs on the suite's database: SQLite by default (the backup API), PostgreSQL when ``QN_DATABASE_URL`` says so
(pg_dump and pg_restore).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import tarfile
import threading
import time

import pytest
from conftest import make_config, new_database
from sqlalchemy import func, make_url, select
from werkzeug.datastructures import FileStorage

from qn_portal import create_app
from qn_portal.accounts.models import User
from qn_portal.audit.models import AuditEntry
from qn_portal.backup import BackupError, _pg_tool
from qn_portal.cli import main
from qn_portal.database import write_transaction
from qn_portal.extensions import db
from qn_portal.storage import file_path, save_upload

ON_POSTGRESQL = os.environ.get("QN_DATABASE_URL", "").startswith("postgresql")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

pytestmark = pytest.mark.skipif(ON_POSTGRESQL and not (shutil.which("pg_dump") and shutil.which("pg_restore")),
                                reason="PostgreSQL run without pg_dump/pg_restore (apt-get install postgresql-client)")


class Writer:
    """A thread that commits one audit row after another until stopped, remembering each committed id."""

    def __init__(self, app):
        self.app, self.committed, self.errors = app, [], []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self):
        with self.app.app_context():
            try:
                while not self.stop.is_set():
                    entry = AuditEntry(action="backup.load", target=f"row {len(self.committed)}")
                    with write_transaction():
                        db.session.add(entry)
                    self.committed.append(entry.id)
            except Exception as error:  # noqa: BLE001 (reported by the test)
                self.errors.append(error)
            finally:
                db.session.remove()

    def wait_for(self, count: int) -> None:
        """Wait until ``count`` rows are committed (a condition, not a duration; gives up after 30 s)."""
        deadline = time.monotonic() + 30
        while len(self.committed) < count and not self.errors and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.committed) >= count, self.errors


def invoke(app, *args):
    return app.test_cli_runner().invoke(main, [str(arg) for arg in args])


def test_a_backup_under_write_load_restores_every_committed_row(app, demo, tmp_path):
    with app.app_context():
        stored = save_upload(FileStorage(io.BytesIO(PDF), filename="fiche.pdf"), plugin="test")
        db.session.commit()
        key = stored.key
        users = db.session.scalar(select(func.count()).select_from(User))

    writer = Writer(app)
    writer.thread.start()
    try:
        writer.wait_for(20)
        committed_before = list(writer.committed)  # every row committed before the backup starts
        (tmp_path / "sauvegardes").mkdir()
        result = invoke(app, "backup", tmp_path / "sauvegardes")
        # The writer went on during the backup and after it: never blocked, never "database is locked".
        writer.wait_for(len(writer.committed) + 5)
    finally:
        writer.stop.set()
        writer.thread.join()
    assert not writer.errors
    assert result.exit_code == 0, (result.output, result.exception)
    archive = tmp_path / "sauvegardes" / re.search(r"(qn-portal-\S+\.tar\.gz)", result.output).group(1)
    assert archive.is_file() and oct(archive.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["format"] == 1 and manifest["database"] == ("postgresql" if ON_POSTGRESQL else "sqlite")
    assert manifest["alembic_revisions"] and manifest["created_at"]

    with new_database("qn_restored", tmp_path) as url:
        fresh = create_app(make_config(url, tmp_path / "fresh"))
        try:
            restored = invoke(fresh, "restore", archive)
            assert restored.exit_code == 0, (restored.output, restored.exception)
            with fresh.app_context():
                ids = set(db.session.scalars(select(AuditEntry.id).where(AuditEntry.action == "backup.load")))
                assert set(committed_before) <= ids  # every row committed before the backup
                assert ids <= set(writer.committed)  # and nothing that was never committed
                assert db.session.scalar(select(func.count()).select_from(User)) == users
                assert file_path(key).read_bytes() == PDF  # the uploads came back too
                db.session.remove()
                db.engine.dispose()
            if not ON_POSTGRESQL:
                with sqlite3.connect(make_url(url).database) as check:
                    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

            # Now the fresh instance holds data: a second restore must be asked for explicitly.
            refused = invoke(fresh, "restore", archive)
            assert refused.exit_code != 0 and "--force" in refused.output
            forced = invoke(fresh, "restore", archive, "--force")
            assert forced.exit_code == 0, (forced.output, forced.exception)
            with fresh.app_context():
                ids_again = set(db.session.scalars(select(AuditEntry.id).where(AuditEntry.action == "backup.load")))
                assert ids_again == ids
        finally:
            with fresh.app_context():
                db.session.remove()
                db.engine.dispose()


def test_restore_refuses_what_is_not_a_backup(app, tmp_path):
    bogus = tmp_path / "pas-une-sauvegarde.tar.gz"
    bogus.write_bytes(b"bonjour")
    result = invoke(app, "restore", bogus)
    assert result.exit_code != 0 and "not a QN Portal backup archive" in result.output

    foreign = tmp_path / "etrangere.tar.gz"
    kind = "sqlite" if ON_POSTGRESQL else "postgresql"
    with tarfile.open(foreign, "w:gz") as tar:
        data = json.dumps({"format": 1, "database": kind}).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    result = invoke(app, "restore", foreign)
    assert result.exit_code != 0 and f"holds a {kind} database" in result.output


def test_restore_refuses_an_archive_escaping_the_uploads(app, tmp_path):
    evil = tmp_path / "evil.tar.gz"
    kind = "postgresql" if ON_POSTGRESQL else "sqlite"
    with tarfile.open(evil, "w:gz") as tar:
        for name, data in (("manifest.json", json.dumps({"format": 1, "database": kind}).encode()),
                           ("database.sqlite3" if kind == "sqlite" else "database.pgdump", b""),
                           ("uploads/../../outside.txt", b"x")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    result = invoke(app, "restore", evil)
    assert result.exit_code != 0 and "outside the uploads" in result.output
    assert not (tmp_path / "outside.txt").exists()


def test_a_missing_pg_dump_is_named(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(BackupError, match="pg_dump is not installed"):
        _pg_tool("pg_dump")
