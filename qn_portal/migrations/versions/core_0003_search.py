"""search: kinds, French stems, and a real full-text index (FTS5 on SQLite, tsvector + GIN on PostgreSQL)

The stems columns are in the models; the full-text objects are not (SQLAlchemy cannot declare them for
both databases) and ``qn_portal.search.models.is_dialect_specific`` keeps them out of the comparison of
models and schema. See that module for why they look the way they do.

Revision ID: core_0003_search
Revises: core_0002_associations
Create Date: 2026-11-27 10:00:00
"""
from alembic import context, op
import sqlalchemy as sa


revision = 'core_0003_search'
down_revision = 'core_0002_associations'
branch_labels = None
depends_on = None

SQLITE_UP = [
    # External content: the FTS table stores only the index and reads the stems from search_entry.
    "CREATE VIRTUAL TABLE search_fts USING fts5(title_stems, text_stems, content='search_entry', "
    "content_rowid='id', tokenize='unicode61')",
    # The triggers keep it current, for the ORM's writes, plain SQL and ON DELETE CASCADE alike.
    "CREATE TRIGGER search_entry_fts_insert AFTER INSERT ON search_entry BEGIN "
    "INSERT INTO search_fts(rowid, title_stems, text_stems) VALUES (new.id, new.title_stems, new.text_stems); "
    "END",
    "CREATE TRIGGER search_entry_fts_delete AFTER DELETE ON search_entry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title_stems, text_stems) "
    "VALUES ('delete', old.id, old.title_stems, old.text_stems); "
    "END",
    "CREATE TRIGGER search_entry_fts_update AFTER UPDATE OF title_stems, text_stems ON search_entry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title_stems, text_stems) "
    "VALUES ('delete', old.id, old.title_stems, old.text_stems); "
    "INSERT INTO search_fts(rowid, title_stems, text_stems) VALUES (new.id, new.title_stems, new.text_stems); "
    "END",
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_entry_fts_update",
    "DROP TRIGGER IF EXISTS search_entry_fts_delete",
    "DROP TRIGGER IF EXISTS search_entry_fts_insert",
    "DROP TABLE IF EXISTS search_fts",
]
POSTGRES_UP = [
    # 'simple': no dictionary of PostgreSQL's, the stems come from Python, identical to SQLite's.
    "ALTER TABLE search_entry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title_stems), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, text_stems), 'B')) STORED",
    "CREATE INDEX ix_search_entry_search_vector ON search_entry USING gin (search_vector)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_search_entry_search_vector",
    "ALTER TABLE search_entry DROP COLUMN IF EXISTS search_vector",
]


def upgrade():
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=80), server_default='', nullable=False))
        batch_op.add_column(sa.Column('title_stems', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('text_stems', sa.Text(), server_default='', nullable=False))
    if not context.is_offline_mode():
        _analyse_existing_entries()
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_UP if dialect == 'sqlite' else POSTGRES_UP if dialect == 'postgresql' else []:
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DOWN if dialect == 'sqlite' else POSTGRES_DOWN if dialect == 'postgresql' else []:
        op.execute(statement)
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.drop_column('text_stems')
        batch_op.drop_column('title_stems')
        batch_op.drop_column('kind')


def _analyse_existing_entries():
    """Entries indexed before this revision get their kind and stems (else only a reindex finds them)."""
    from qn_portal.search.analysis import document_stems

    entries = sa.table('search_entry', sa.column('id'), sa.column('plugin'), sa.column('title'),
                       sa.column('text'), sa.column('kind'), sa.column('title_stems'), sa.column('text_stems'))
    connection = op.get_bind()
    rows = connection.execute(sa.select(entries.c.id, entries.c.plugin, entries.c.title, entries.c.text)).all()
    for row in rows:
        connection.execute(entries.update().where(entries.c.id == row.id).values(
            kind=row.plugin, title_stems=document_stems(row.title), text_stems=document_stems(row.text)))
