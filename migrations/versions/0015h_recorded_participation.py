"""past years' participation as a district recorded it, with its source

Revision ID: 0015h
Revises: 0014b
Create Date: 2026-12-07 05:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015h'
down_revision = '0015b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'recorded_participation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('voters', sa.Integer(), nullable=True),
        sa.Column('voting_days', sa.Integer(), nullable=True),
        sa.Column('online_voters', sa.Integer(), nullable=True),
        sa.Column('paper_voters', sa.Integer(), nullable=True),
        sa.Column('forum_voters', sa.Integer(), nullable=True),
        sa.Column('forums', sa.Integer(), nullable=True),
        sa.Column('forum_participants', sa.Integer(), nullable=True),
        sa.Column('proposals', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=300), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_recorded_participation_year_range')),
        sa.CheckConstraint('voters IS NULL OR voters >= 0', name=op.f('ck_recorded_participation_voters_not_negative')),
        sa.CheckConstraint('voting_days IS NULL OR voting_days BETWEEN 1 AND 366', name=op.f('ck_recorded_participation_voting_days_range')),
        sa.CheckConstraint('online_voters IS NULL OR online_voters >= 0', name=op.f('ck_recorded_participation_online_not_negative')),
        sa.CheckConstraint('paper_voters IS NULL OR paper_voters >= 0', name=op.f('ck_recorded_participation_paper_not_negative')),
        sa.CheckConstraint('forum_voters IS NULL OR forum_voters >= 0', name=op.f('ck_recorded_participation_forum_not_negative')),
        sa.CheckConstraint('forums IS NULL OR forums >= 0', name=op.f('ck_recorded_participation_forums_not_negative')),
        sa.CheckConstraint('forum_participants IS NULL OR forum_participants >= 0', name=op.f('ck_recorded_participation_participants_not_negative')),
        sa.CheckConstraint('proposals IS NULL OR proposals >= 0', name=op.f('ck_recorded_participation_proposals_not_negative')),
        sa.CheckConstraint('length(source) > 0', name=op.f('ck_recorded_participation_source_not_empty')),
        sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_recorded_participation_district_id_district'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_recorded_participation_updated_by_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recorded_participation')),
        sa.UniqueConstraint('district_id', 'year', name=op.f('uq_recorded_participation_district_id_year')),
    )


def downgrade():
    op.drop_table('recorded_participation')
