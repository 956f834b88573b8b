"""one person once: seat tickets for forums, the ballot an Idempotency-Key came with, and
account emails in their folded spelling

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 23:00:00

Voter roll entries keep their digests. A digest is of the folded name (``core.identity``),
which the roll never stored, so no migration can recompute one. For names typed in Hangul
or Latin letters without invisible characters the new folding spells them exactly as the
old one (NFKC equals NFC there, and spaces and case were already ignored), so their digests
are unchanged; an entry whose name held a full-width letter or an invisible character is
found only when typed that way again, and staff verify such a person anew.

"""
from alembic import op
import sqlalchemy as sa

from core.identity import fold_email


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cast_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_digest', sa.String(length=64), nullable=True))
    op.create_table('forum_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['forum_id'], ['forum.id'], name=op.f('fk_forum_ticket_forum_id_forum'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_forum_ticket_issued_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['participant_id'], ['forum_participant.id'], name=op.f('fk_forum_ticket_participant_id_forum_participant'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_ticket')),
    sa.UniqueConstraint('forum_id', 'code', name=op.f('uq_forum_ticket_forum_id_code')),
    sa.UniqueConstraint('participant_id', name=op.f('uq_forum_ticket_participant_id'))
    )
    with op.batch_alter_table('forum_ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_ticket_forum_id'), ['forum_id'], unique=False)
    _fold_emails()


def _fold_emails():
    """Respell stored emails as sign-in now looks them up. An address whose folded spelling
    another account already has keeps its old spelling: it is a look-alike of that account
    (what the folding exists to refuse), sign-in finds the other account, and an admin
    decides what becomes of it; two accounts are never merged here."""
    connection = op.get_bind()
    users = sa.table('user_account', sa.column('id', sa.Integer), sa.column('email', sa.String))
    rows = connection.execute(sa.select(users.c.id, users.c.email)).all()
    taken = {email for _id, email in rows}
    for user_id, email in rows:
        folded = fold_email(email)
        if folded != email and folded not in taken:
            connection.execute(users.update().where(users.c.id == user_id)
                               .values(email=folded))
            taken.add(folded)


def downgrade():
    with op.batch_alter_table('forum_ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_ticket_forum_id'))
    op.drop_table('forum_ticket')
    with op.batch_alter_table('cast_request', schema=None) as batch_op:
        batch_op.drop_column('request_digest')
