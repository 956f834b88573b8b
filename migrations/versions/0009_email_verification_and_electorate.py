"""verified email addresses, and who may vote as a choice of three

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 23:00:00

Accounts gain ``email_verified_at``. Existing accounts keep it empty: nothing proves their
owners hold their addresses, so they verify from their page (a link by mail) before voting in
a vote that asks for it. Votes they could cast in before keep admitting them (below).

A vote's ``verified_only`` flag becomes ``electorate``, who may vote online: ``account`` (any
resident account), ``email`` (a verified address) or ``roll`` (on the voter roll). Existing
votes keep their exact meaning: ``verified_only`` true becomes ``roll``, false becomes
``account``. New votes default to ``email`` in the application, so a freshly made account can
no longer vote at once unless the organizer chooses so.

Downgrading maps ``roll`` back to true and both others to false: the old schema cannot say
"verified email", so such votes admit every account again.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

ELECTORATES = "electorate IN ('account', 'email', 'roll')"


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.add_column(sa.Column('electorate', sa.String(length=10), nullable=True))
    vote = sa.table('vote', sa.column('verified_only', sa.Boolean()),
                    sa.column('electorate', sa.String(length=10)))
    op.execute(vote.update().values(
        electorate=sa.case((vote.c.verified_only, 'roll'), else_='account')))
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.alter_column('electorate', existing_type=sa.String(length=10), nullable=False)
        batch_op.create_check_constraint(batch_op.f('ck_vote_known_electorate'), ELECTORATES)
        batch_op.drop_column('verified_only')


def downgrade():
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_only', sa.Boolean(), nullable=True))
    vote = sa.table('vote', sa.column('verified_only', sa.Boolean()),
                    sa.column('electorate', sa.String(length=10)))
    op.execute(vote.update().values(verified_only=vote.c.electorate == 'roll'))
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.alter_column('verified_only', existing_type=sa.Boolean(), nullable=False)
        batch_op.drop_constraint(batch_op.f('ck_vote_known_electorate'), type_='check')
        batch_op.drop_column('electorate')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
