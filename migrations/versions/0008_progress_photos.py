"""a photo with its text on progress reports

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-22 04:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('photo_alt', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.create_unique_constraint(batch_op.f('uq_progress_report_photo'), ['photo'])
        batch_op.create_check_constraint(batch_op.f('ck_progress_report_photo_has_text'),
                                        "photo IS NULL OR photo_alt <> ''")


def downgrade():
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_progress_report_photo_has_text'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_progress_report_photo'), type_='unique')
        batch_op.drop_column('photo_alt')
        batch_op.drop_column('photo')
