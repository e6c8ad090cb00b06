"""Migrations: from an empty database to every branch's head, the schema is the models'; and back again."""

from __future__ import annotations

import textwrap

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import make_config, new_database
from sqlalchemy import func, inspect, select, text

from qn_portal import create_app
from qn_portal.extensions import db
from qn_portal.migrations_support import alembic_config


@pytest.fixture
def fresh_url(migrated, tmp_path):
    """An empty database of the kind the suite runs on, for this test alone."""
    with new_database("qn_migrations", tmp_path) as url:
        yield url


@pytest.fixture
def fresh_app(fresh_url, tmp_path):
    app = create_app(make_config(fresh_url, tmp_path))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def schema_differences() -> list:
    # The same filter as the migrations' env.py: the search index's full-text objects (FTS5 table on SQLite,
    # tsvector column and GIN index on PostgreSQL) exist for one database only and are in no model.
    from qn_portal.search import is_dialect_specific

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": lambda *args: not is_dialect_specific(*args)})
        return compare_metadata(context, db.metadata)


def applied_revisions() -> set[str]:
    with db.engine.connect() as connection:
        return set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def table_names() -> set[str]:
    with db.engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def assert_fully_migrated() -> None:
    assert schema_differences() == []
    flask_migrate.check()  # the CLI's `db check`: exits non-zero on a difference
    script = ScriptDirectory.from_config(alembic_config())
    heads = set(script.get_heads())
    assert applied_revisions() == heads
    labels = {label for head in heads for label in script.get_revision(head).branch_labels}
    assert {"core", "example"} <= labels
    assert {table.name for table in db.metadata.sorted_tables} <= table_names()


def test_empty_database_to_heads_matches_the_models(fresh_app):
    assert table_names() == set()
    flask_migrate.upgrade(revision="heads")
    assert_fully_migrated()


def test_downgrade_to_base_then_upgrade_again(fresh_app):
    flask_migrate.upgrade(revision="heads")
    flask_migrate.downgrade(revision="base")
    assert table_names() <= {"alembic_version"}
    if table_names():
        assert applied_revisions() == set()
    flask_migrate.upgrade(revision="heads")
    assert_fully_migrated()


def test_one_plugin_branch_can_be_removed_alone(fresh_app):
    flask_migrate.upgrade(revision="heads")
    flask_migrate.downgrade(revision="example@base")
    assert "example_note" not in table_names()
    assert "user_account" in table_names()
    assert schema_differences() != []  # the example model is missing: the comparison does see differences
    flask_migrate.upgrade(revision="heads")
    assert_fully_migrated()


def test_ateliers_0002_folds_the_names_already_stored(fresh_app):
    """Residents registered before the search existed are found too: the revision folds their names."""
    from qn_portal.api import COMMUNES, save_association

    flask_migrate.upgrade(revision="heads")
    flask_migrate.downgrade(revision="ateliers_0001")
    association = save_association(name="Association migrée", commune=COMMUNES[0])
    db.session.commit()
    with db.engine.begin() as connection:
        for name in ("Hélène", ""):
            connection.execute(text("INSERT INTO ateliers_resident (association_id, first_name, phone, created_at) "
                                    "VALUES (:association, :name, '', CURRENT_TIMESTAMP)"),
                               {"association": association.id, "name": name})
    flask_migrate.upgrade(revision="heads")
    with db.engine.connect() as connection:
        folded = connection.execute(text("SELECT first_name, name_folded FROM ateliers_resident "
                                         "ORDER BY id")).all()
    assert [tuple(row) for row in folded] == [("Hélène", "helene"), ("", "")]
    assert_fully_migrated()


def test_the_session_database_is_at_every_head(app):
    with app.app_context():
        assert_fully_migrated()
        db.engine.dispose()


TEST_MIGRATION = '''
"""test: {doc}"""
import sqlalchemy as sa
from alembic import op

revision = "zztest_0001"
down_revision = None
branch_labels = ("zztest",)
depends_on = {core_head!r}


def upgrade():
{upgrade}


def downgrade():
{downgrade}
'''


def add_test_branch(folder, monkeypatch, doc: str, upgrade: str, downgrade: str = "pass") -> None:
    """Add a one-revision ``zztest`` branch, after the core's head, as a plugin's migrations folder would."""
    from qn_portal.plugins import get_host

    script = ScriptDirectory.from_config(alembic_config())
    core_head = next(head for head in script.get_heads() if "core" in script.get_revision(head).branch_labels)
    folder.mkdir()
    source = TEST_MIGRATION.format(doc=doc, core_head=core_head, upgrade=textwrap.indent(upgrade, "    "),
                                   downgrade=textwrap.indent(downgrade, "    "))
    (folder / "zztest_0001.py").write_text(source)
    host = get_host()
    folders = host.migration_folders()
    monkeypatch.setattr(host, "migration_folders", lambda: {**folders, "zztest": str(folder)})


def count_memberships() -> int:
    from qn_portal.associations.models import Membership

    try:
        return db.session.scalar(select(func.count()).select_from(Membership))
    finally:
        db.session.remove()


def sqlite_only():
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's batch mode and foreign key pragma")


def test_sqlite_table_rebuilds_do_not_cascade_deletes(fresh_app, tmp_path, monkeypatch):
    """Dropping the old table in a batch rebuild must not fire ON DELETE CASCADE (foreign keys are on)."""
    sqlite_only()
    from qn_portal.demo import seed_demo

    flask_migrate.upgrade(revision="heads")
    seed_demo(log=lambda message: None)
    memberships = count_memberships()
    assert memberships >= 4
    add_test_branch(
        tmp_path / "versions", monkeypatch, "rebuild the association table",
        upgrade='with op.batch_alter_table("association", recreate="always") as batch_op:\n'
                '    batch_op.add_column(sa.Column("zz_extra", sa.Integer(), nullable=True))',
        downgrade='with op.batch_alter_table("association", recreate="always") as batch_op:\n'
                  '    batch_op.drop_column("zz_extra")',
    )
    flask_migrate.upgrade(revision="zztest@head")
    assert "zz_extra" in {column["name"] for column in inspect(db.engine).get_columns("association")}
    assert count_memberships() == memberships
    flask_migrate.downgrade(revision="zztest@base")
    assert count_memberships() == memberships
    with db.engine.connect() as connection:
        # Foreign keys are back on for the connection the migration used, and for every other one.
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []


def test_sqlite_migration_breaking_foreign_keys_is_rolled_back(fresh_app, tmp_path, monkeypatch):
    sqlite_only()
    flask_migrate.upgrade(revision="heads")
    add_test_branch(
        tmp_path / "versions", monkeypatch, "a migration that leaves an orphan row",
        upgrade='op.add_column("association", sa.Column("zz_extra", sa.Integer(), nullable=True))\n'
                'op.execute("INSERT INTO membership (user_id, association_id, role, created_at) '
                "VALUES (999, 999, 'mediator', '2026-01-01 00:00:00')\")",
    )
    with pytest.raises(SystemExit):
        flask_migrate.upgrade(revision="zztest@head")
    assert count_memberships() == 0
    assert "zz_extra" not in {column["name"] for column in inspect(db.engine).get_columns("association")}
    assert "zztest_0001" not in applied_revisions()
