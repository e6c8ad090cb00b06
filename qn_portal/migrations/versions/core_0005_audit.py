"""core: audit log (audit_entry)

Revision ID: core_0005_audit
Revises: core_0004_notifications
Create Date: 2026-11-27 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import qn_portal.dbtypes

revision = 'core_0005_audit'
down_revision = 'core_0004_notifications'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audit_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', qn_portal.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('actor_email', sa.String(length=254), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('action', sa.String(length=80), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('target', sa.String(length=300), nullable=False),
        sa.Column('details', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_audit_entry_user_id_user_account'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry')),
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_user_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_action'))
    op.drop_table('audit_entry')
