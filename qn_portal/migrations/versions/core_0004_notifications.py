"""core: notifications and per-kind e-mail preferences

Revision ID: core_0004_notifications
Revises: core_0003_search
"""
from alembic import op
import sqlalchemy as sa
import qn_portal.dbtypes


revision = 'core_0004_notifications'
down_revision = 'core_0003_search'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('created_at', qn_portal.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('read_at', qn_portal.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('mail_state', sa.String(length=10), nullable=False),
    sa.Column('mailed_at', qn_portal.dbtypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_user_id_read_at', ['user_id', 'read_at'], unique=False)
        batch_op.create_index('ix_notification_user_id_created_at', ['user_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_mail_state'), ['mail_state'], unique=False)

    op.create_table('notification_preference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_preference_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preference')),
    sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_notification_preference_user_id'))
    )


def downgrade():
    op.drop_table('notification_preference')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_mail_state'))
        batch_op.drop_index('ix_notification_user_id_created_at')
        batch_op.drop_index('ix_notification_user_id_read_at')

    op.drop_table('notification')
