"""ateliers: residents' names folded (lower case, no accents) for the session page's search

Revision ID: ateliers_0002
Revises: ateliers_0001
Create Date: 2026-11-28 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

from qn_portal.api import fold_text as fold

revision = "ateliers_0002"
down_revision = "ateliers_0001"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade():
    with op.batch_alter_table("ateliers_resident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_folded", sa.String(length=160), server_default="", nullable=False))
    # The existing names, folded with the core's function as the model folds new ones; through a table
    # stub, not the model, which may change after this revision.
    resident = sa.table("ateliers_resident", sa.column("id", sa.Integer), sa.column("first_name", sa.String),
                        sa.column("name_folded", sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(resident.c.id, resident.c.first_name)
                              .where(resident.c.first_name != "").order_by(resident.c.id)).all()
    update = (sa.update(resident).where(resident.c.id == sa.bindparam("row_id"))
              .values(name_folded=sa.bindparam("folded")))
    for start in range(0, len(rows), BATCH):
        connection.execute(update, [{"row_id": row.id, "folded": fold(row.first_name)[:160]}
                                    for row in rows[start:start + BATCH]])


def downgrade():
    with op.batch_alter_table("ateliers_resident", schema=None) as batch_op:
        batch_op.drop_column("name_folded")
