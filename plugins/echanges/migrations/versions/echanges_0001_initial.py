"""echanges: categories, threads, posts (history, thanks, mentions), reports and follows.

Revision ID: echanges_0001
Revises:
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

import qn_portal.dbtypes

revision = 'echanges_0001'
down_revision = None
branch_labels = ('echanges',)
depends_on = ("core_0002_associations",)


def upgrade():
    op.create_table('echanges_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('open_to_partners', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', qn_portal.dbtypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_echanges_category')),
    sa.UniqueConstraint('name', name=op.f('uq_echanges_category_name'))
    )
    op.create_table('echanges_follow',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('target_type', sa.String(length=10), nullable=False),
    sa.Column('target', sa.String(length=40), nullable=False),
    sa.Column('seen_at', qn_portal.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('created_at', qn_portal.dbtypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_echanges_follow_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_echanges_follow')),
    sa.UniqueConstraint('user_id', 'target_type', 'target', name='uq_echanges_follow')
    )
    with op.batch_alter_table('echanges_follow', schema=None) as batch_op:
        batch_op.create_index('ix_echanges_follow_target', ['target_type', 'target'], unique=False)
        batch_op.create_index(batch_op.f('ix_echanges_follow_user_id'), ['user_id'], unique=False)

    op.create_table('echanges_thread',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('tags', sa.String(length=300), nullable=False),
    sa.Column('links', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', qn_portal.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('last_activity_at', qn_portal.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('reply_count', sa.Integer(), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('solution_post_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_echanges_thread_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['category_id'], ['echanges_category.id'], name=op.f('fk_echanges_thread_category_id_echanges_category'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_echanges_thread'))
    )
    with op.batch_alter_table('echanges_thread', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_echanges_thread_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_echanges_thread_last_activity_at'), ['last_activity_at'], unique=False)
        batch_op.create_index('ix_echanges_thread_listing', ['category_id', 'last_activity_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_echanges_thread_reply_count'), ['reply_count'], unique=False)
        batch_op.create_index(batch_op.f('ix_echanges_thread_solution_post_id'), ['solution_post_id'], unique=False)

    op.create_table('echanges_post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('is_first', sa.Boolean(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('created_at', qn_portal.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('edited_at', qn_portal.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('deleted_at', qn_portal.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('hidden_reason', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_echanges_post_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['echanges_thread.id'], name=op.f('fk_echanges_post_thread_id_echanges_thread'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_echanges_post'))
    )
    with op.batch_alter_table('echanges_post', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_echanges_post_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_echanges_post_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_echanges_post_hidden'), ['hidden'], unique=False)
        batch_op.create_index('ix_echanges_post_thread', ['thread_id', 'created_at'], unique=False)

    op.create_table('echanges_mention',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['echanges_post.id'], name=op.f('fk_echanges_mention_post_id_echanges_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_echanges_mention_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_echanges_mention')),
    sa.UniqueConstraint('post_id', 'user_id', name='uq_echanges_mention_post_user')
    )
    with op.batch_alter_table('echanges_mention', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_echanges_mention_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_echanges_mention_user_id'), ['user_id'], unique=False)

    op.create_table('echanges_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('comment', sa.String(length=1000), nullable=False),
    sa.Column('created_at', qn_portal.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('resolved_at', qn_portal.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['echanges_post.id'], name=op.f('fk_echanges_report_post_id_echanges_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['user_account.id'], name=op.f('fk_echanges_report_reporter_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'], name=op.f('fk_echanges_report_resolved_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_echanges_report'))
    )
    with op.batch_alter_table('echanges_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_echanges_report_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_echanges_report_resolved_at'), ['resolved_at'], unique=False)

    op.create_table('echanges_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', qn_portal.dbtypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['editor_id'], ['user_account.id'], name=op.f('fk_echanges_revision_editor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['echanges_post.id'], name=op.f('fk_echanges_revision_post_id_echanges_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_echanges_revision'))
    )
    with op.batch_alter_table('echanges_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_echanges_revision_post_id'), ['post_id'], unique=False)

    op.create_table('echanges_thanks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', qn_portal.dbtypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['echanges_post.id'], name=op.f('fk_echanges_thanks_post_id_echanges_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_echanges_thanks_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_echanges_thanks')),
    sa.UniqueConstraint('post_id', 'user_id', name='uq_echanges_thanks_post_user')
    )
    with op.batch_alter_table('echanges_thanks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_echanges_thanks_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_echanges_thanks_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('echanges_thanks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_echanges_thanks_user_id'))
        batch_op.drop_index(batch_op.f('ix_echanges_thanks_post_id'))

    op.drop_table('echanges_thanks')
    with op.batch_alter_table('echanges_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_echanges_revision_post_id'))

    op.drop_table('echanges_revision')
    with op.batch_alter_table('echanges_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_echanges_report_resolved_at'))
        batch_op.drop_index(batch_op.f('ix_echanges_report_post_id'))

    op.drop_table('echanges_report')
    with op.batch_alter_table('echanges_mention', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_echanges_mention_user_id'))
        batch_op.drop_index(batch_op.f('ix_echanges_mention_post_id'))

    op.drop_table('echanges_mention')
    with op.batch_alter_table('echanges_post', schema=None) as batch_op:
        batch_op.drop_index('ix_echanges_post_thread')
        batch_op.drop_index(batch_op.f('ix_echanges_post_hidden'))
        batch_op.drop_index(batch_op.f('ix_echanges_post_created_at'))
        batch_op.drop_index(batch_op.f('ix_echanges_post_author_id'))

    op.drop_table('echanges_post')
    with op.batch_alter_table('echanges_thread', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_echanges_thread_solution_post_id'))
        batch_op.drop_index(batch_op.f('ix_echanges_thread_reply_count'))
        batch_op.drop_index('ix_echanges_thread_listing')
        batch_op.drop_index(batch_op.f('ix_echanges_thread_last_activity_at'))
        batch_op.drop_index(batch_op.f('ix_echanges_thread_author_id'))

    op.drop_table('echanges_thread')
    with op.batch_alter_table('echanges_follow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_echanges_follow_user_id'))
        batch_op.drop_index('ix_echanges_follow_target')

    op.drop_table('echanges_follow')
    op.drop_table('echanges_category')
