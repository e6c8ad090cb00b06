"""``qn-portal backup`` and ``qn-portal restore``: the database and the uploads in one ``.tar.gz`` archive.

The archive holds ``manifest.json`` (format, database kind, Alembic revisions, creation time), the database
(``database.sqlite3``, or ``database.pgdump`` from ``pg_dump --format=custom``) and ``uploads/``.

Both are taken while the portal keeps serving. SQLite is copied with its online backup API: a plain file copy
of a live WAL database can miss the pages still in the ``-wal`` file or catch a page half written. pg_dump
reads one snapshot. The database is copied before the uploads: stored files are only ever created or
deleted, never changed, so every file the copied rows name is in the archive unless it was deleted meanwhile.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect, make_url, text

from .extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
UPLOADS = "uploads"
# A database with any of these rows is in use: restoring over it needs --force.
IN_USE_TABLES = ("user_account", "association")


class BackupError(click.ClickException):
    """A backup or a restore that cannot go on; the message says why and what to do."""


# --- backup -------------------------------------------------------------------------------------------------


def backup(destination: Path) -> Path:
    """Write an archive of the database and the uploads; return its path.

    ``destination`` is the archive's path, or a folder to put ``qn-portal-<UTC time>.tar.gz`` in. The archive
    appears only once complete (written beside it, then renamed) and only its owner can read it: it holds
    personal data.
    """
    created_at = datetime.now(UTC)
    if destination.is_dir():
        destination = destination / f"qn-portal-{created_at:%Y%m%dT%H%M%SZ}.tar.gz"
    kind = _database_kind()
    partial = destination.with_name(destination.name + ".part")
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".qn-backup-") as work:
        database_file = Path(work) / DATABASE_FILES[kind]
        revisions = _copy_sqlite(database_file) if kind == "sqlite" else _pg_dump(database_file)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as archive:
                archive.add(database_file, arcname=database_file.name)
                files = _add_uploads(archive, Path(current_app.config["UPLOAD_FOLDER"]))
                manifest = {"format": FORMAT, "database": kind, "alembic_revisions": revisions,
                            "created_at": created_at.isoformat(timespec="seconds"), "uploads": files}
                _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
            os.replace(partial, destination)
        finally:
            partial.unlink(missing_ok=True)
    return destination


def _database_kind() -> str:
    kind = db.engine.dialect.name
    if kind not in DATABASE_FILES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {kind}.")
    return kind


def _sqlite_path() -> Path:
    path = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database
    if not path or path == ":memory:":
        raise BackupError("The SQLite database is in memory: there is no file to back up or restore.")
    return Path(path)


def _copy_sqlite(target: Path) -> list[str]:
    """Copy the live database with SQLite's backup API, in one step (one consistent snapshot), and check it."""
    path = _sqlite_path()
    if not path.is_file():
        raise BackupError(f"No SQLite database at {path}.")
    source = sqlite3.connect(path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # pages=-1: every page under one read transaction, however busy the writers
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        problem = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if problem != "ok":
            raise BackupError(f"The copy of the database failed its integrity check: {problem}")
        return _revisions(copy)
    finally:
        copy.close()
        source.close()


def _revisions(connection: sqlite3.Connection) -> list[str]:
    try:
        return sorted(row[0] for row in connection.execute("SELECT version_num FROM alembic_version"))
    except sqlite3.OperationalError:  # never migrated
        return []


def _pg_dump(target: Path) -> list[str]:
    """Dump the database with ``pg_dump --format=custom`` (one snapshot, while the portal keeps writing)."""
    tool = _pg_tool("pg_dump")
    with db.engine.connect() as connection:
        revisions = []
        if inspect(connection).has_table("alembic_version"):
            revisions = sorted(connection.scalars(text("SELECT version_num FROM alembic_version")))
    _run([tool, "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)])
    return revisions


def _add_uploads(archive: tarfile.TarFile, folder: Path) -> int:
    """Add every stored file; one deleted while we walk is simply not there any more."""
    count = 0
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if path.is_symlink() or not path.is_file():
            continue
        try:
            archive.add(path, arcname=f"{UPLOADS}/{path.relative_to(folder).as_posix()}", recursive=False)
        except FileNotFoundError:
            continue
        count += 1
    return count


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


# --- restore ------------------------------------------------------------------------------------------------


def restore(source: Path, force: bool = False) -> dict:
    """Put an archive's uploads and database in place of this instance's; return its manifest.

    Refuses a database that already holds accounts or associations unless ``force``: a restore replaces them.
    """
    if not source.is_file():
        raise BackupError(f"No backup archive at {source}.")
    try:
        archive = tarfile.open(source, mode="r:gz")  # noqa: SIM115 (closed by the "with" below)
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{source} is not a QN Portal backup archive ({error}).") from error
    with archive, tempfile.TemporaryDirectory(prefix=".qn-restore-") as work:
        manifest = _manifest(archive, source)
        kind = _database_kind()
        if manifest["database"] != kind:
            raise BackupError(f"This archive holds a {manifest['database']} database and the portal is set up "
                              f"for {kind}: restore it into a {manifest['database']} database.")
        if not force and _in_use():
            raise BackupError("The database already holds accounts or associations: restoring would replace "
                              "them. Restore into an empty database, or add --force to replace them.")
        database_file = Path(work) / DATABASE_FILES[kind]
        member = _member(archive, DATABASE_FILES[kind], source)
        with archive.extractfile(member) as data, open(database_file, "wb") as out:
            shutil.copyfileobj(data, out)
        # Uploads first: should the database step fail, extra files are harmless, missing ones are not.
        _restore_uploads(archive, Path(current_app.config["UPLOAD_FOLDER"]))
        db.session.remove()
        db.engine.dispose()  # none of our pooled connections may keep a view of the old database
        if kind == "sqlite":
            _restore_sqlite(database_file)
        else:
            _pg_restore(database_file, clean=force)
    # The database changed behind the engine's back: no page rendered from the old one may be served.
    from .page_cache import get_cache

    cache = get_cache()
    if cache is not None:
        cache.bump()
    return manifest


def _manifest(archive: tarfile.TarFile, source: Path) -> dict:
    with archive.extractfile(_member(archive, MANIFEST, source)) as handle:
        manifest = json.load(handle)
    if manifest.get("format") != FORMAT or manifest.get("database") not in DATABASE_FILES:
        raise BackupError(f"{source}: unknown archive format {manifest.get('format')!r}; this portal reads "
                          f"format {FORMAT}.")
    return manifest


def _member(archive: tarfile.TarFile, name: str, source: Path) -> tarfile.TarInfo:
    try:
        member = archive.getmember(name)
    except KeyError:
        member = None
    if member is None or not member.isfile():
        raise BackupError(f"{source} is not a QN Portal backup archive: {name} is missing.")
    return member


def _in_use() -> bool:
    with db.engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
        return any(connection.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first()  # noqa: S608 (constant names)
                   for table in IN_USE_TABLES if table in present)


def _restore_uploads(archive: tarfile.TarFile, folder: Path) -> None:
    for member in archive.getmembers():
        parts = PurePosixPath(member.name).parts
        if len(parts) < 2 or parts[0] != UPLOADS or not member.isfile():
            continue
        if any(part in ("..", "") or "\\" in part for part in parts) or member.name.startswith("/"):
            raise BackupError(f"Refusing the archive member {member.name!r}: it points outside the uploads.")
        target = folder.joinpath(*parts[1:])
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out, archive.extractfile(member) as data:
            shutil.copyfileobj(data, out)


def _restore_sqlite(database_file: Path) -> None:
    """Copy the archived database into the configured one with the backup API: it replaces the content under
    SQLite's own lock, where moving a file over a WAL database would leave its old -wal and -shm beside it."""
    path = _sqlite_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(database_file)
    target = sqlite3.connect(path, timeout=30)
    try:
        source.backup(target)
        problem = target.execute("PRAGMA integrity_check").fetchone()[0]
        if problem != "ok":
            raise BackupError(f"The restored database failed its integrity check: {problem}")
    finally:
        target.close()
        source.close()


def _pg_restore(database_file: Path, clean: bool) -> None:
    command = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
    if clean:  # --force: drop what the archive holds before creating it again
        command += ["--clean", "--if-exists"]
    _run([*command, str(database_file)])


# --- PostgreSQL tools -----------------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(f"{name} is not installed: on Debian, `apt-get install postgresql-client` (the same major "
                          f"version as the server, or newer).")
    return tool


def _run(command: list[str]) -> None:
    """Run a PostgreSQL tool (``--dbname``: the configured database); the password goes through the
    environment, never the command line (which every user of the machine can read in ``ps``)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    command = [command[0], "--dbname", conninfo, *command[1:]]
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip() or result.returncode}")


# --- commands -------------------------------------------------------------------------------------------------


@click.command("backup")
@click.argument("destination", type=click.Path(path_type=Path))
@with_appcontext
def backup_command(destination: Path):
    """Back up the database and the uploads into one archive (DESTINATION: a file, or a folder for a dated one)."""
    path = backup(destination)
    click.echo(f"Backup written: {path}")


@click.command("restore")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds accounts or associations.")
@with_appcontext
def restore_command(source: Path, force: bool):
    """Restore an archive made by `qn-portal backup` (stop the portal first)."""
    manifest = restore(source, force=force)
    click.echo(f"Restored the {manifest['database']} backup of {manifest['created_at']} "
               f"({manifest['uploads']} stored files).")
    click.echo("If this portal's code is newer than the backup, run `qn-portal db upgrade` now.")
