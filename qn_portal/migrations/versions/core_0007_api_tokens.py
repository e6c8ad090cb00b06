"""core: personal tokens of the public JSON API (api_token)

Revision ID: core_0007_api_tokens
Revises: core_0006_two_factor
Create Date: 2026-11-27 08:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import qn_portal.dbtypes

revision = 'core_0007_api_tokens'
down_revision = 'core_0006_two_factor'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('scopes', sa.String(length=300), nullable=False),
        sa.Column('created_at', qn_portal.dbtypes.UTCDateTime(), nullable=False),
        sa.Column('expires_at', qn_portal.dbtypes.UTCDateTime(), nullable=True),
        sa.Column('last_used_at', qn_portal.dbtypes.UTCDateTime(), nullable=True),
        sa.Column('revoked_at', qn_portal.dbtypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash')),
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))
    op.drop_table('api_token')
