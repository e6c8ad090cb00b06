"""Alembic environment for QN Portal: the app's engine and metadata, every plugin's branch."""

from __future__ import annotations

from alembic import context
from flask import current_app

from qn_portal.search import is_dialect_specific

config = context.config
target_metadata = current_app.extensions["migrate"].db.metadata


def include_object(obj, name, type_, reflected, compare_to):
    """Compare only what the models declare; when autogenerating for one plugin, only its own tables.

    The search index's full-text objects exist for one database only (an FTS5 table on SQLite, a tsvector
    column and its GIN index on PostgreSQL) and no model declares them: without this, ``db check`` would
    report them and autogenerate would drop them (see ``qn_portal.search.models``).
    """
    if is_dialect_specific(obj, name, type_, reflected, compare_to):
        return False
    only = current_app.config.get("QN_AUTOGENERATE_ONLY")
    if not only or type_ != "table":
        return True
    host = current_app.extensions["qn_plugins"]
    if only == "core":
        owned = {model.__tablename__ for info in host.plugins.values() if not info.core for model in info.models}
        return name not in owned
    return name.startswith(f"{only}_")


def run_migrations_offline() -> None:
    context.configure(url=str(current_app.extensions["migrate"].db.engine.url), target_metadata=target_metadata,
                      literal_binds=True, include_object=include_object, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = current_app.extensions["migrate"].db.engine
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table and drops the old one; with foreign keys on, that DROP deletes every
            # row first and fires ON DELETE CASCADE in the child tables. The pragma only works outside a
            # transaction: set it on the driver's connection before SQLAlchemy begins one.
            _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                include_object=include_object,
                # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
                render_as_batch=True,
                compare_type=True,
                # Our SQLite connections run DDL inside explicit transactions: all migrations of a run commit
                # together, after the foreign key check below, or not at all.
                transactional_ddl=True,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the migration left rows with broken foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                if connection.in_transaction():
                    connection.rollback()  # what is left: reads after the commit, or a failed run
                _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")


def _sqlite_pragma(connection, statement: str) -> None:
    connection.connection.driver_connection.execute(statement)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
