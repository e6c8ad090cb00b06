"""example: the example_note table

Revision ID: example_0001
Revises:
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

import qn_portal.dbtypes

revision = "example_0001"
down_revision = None
branch_labels = ("example",)
depends_on = None


def upgrade():
    op.create_table(
        "example_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", qn_portal.dbtypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_example_note")),
    )


def downgrade():
    op.drop_table("example_note")
