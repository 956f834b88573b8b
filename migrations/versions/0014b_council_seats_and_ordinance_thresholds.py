"""council members in seats with terms, retirement and replacement; the reason for a
district's own thresholds

Revision ID: 0014b
Revises: 0014d
Create Date: 2026-12-07 02:20:00

"""
from datetime import date, timedelta

from alembic import op
import sqlalchemy as sa


revision = '0014b'
down_revision = '0014d'
branch_labels = None
depends_on = None


def _two_years_from(day):
    try:
        anniversary = day.replace(year=day.year + 2)
    except ValueError:
        anniversary = date(day.year + 2, 3, 1)
    return anniversary - timedelta(days=1)


def upgrade():
    with op.batch_alter_table('plan_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('thresholds_reason', sa.Text(), server_default='',
                                      nullable=False))

    with op.batch_alter_table('council_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seat', sa.String(length=20), server_default='appointed',
                                      nullable=False))
        batch_op.add_column(sa.Column('term_starts_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('term_ends_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('renewals', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('retired_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('retire_reason', sa.Text(), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))

    # Members recorded before terms were kept start an appointed term on the day of the
    # upgrade (organizers correct the dates); those no longer active retire that day.
    today = date.today()
    members = sa.table('council_member', sa.column('active', sa.Boolean()),
                       sa.column('term_starts_on', sa.Date()),
                       sa.column('term_ends_on', sa.Date()),
                       sa.column('retired_on', sa.Date()),
                       sa.column('retire_reason', sa.Text()))
    op.execute(members.update().values(term_starts_on=today,
                                       term_ends_on=_two_years_from(today)))
    op.execute(members.update().where(members.c.active.is_(False)).values(
        retired_on=today, retire_reason='임기 기록 이전에 활동을 마친 위원'))

    with op.batch_alter_table('council_member', schema=None) as batch_op:
        batch_op.alter_column('term_starts_on', existing_type=sa.Date(), nullable=False)
        batch_op.drop_column('active')
        batch_op.create_foreign_key(batch_op.f('fk_council_member_replaces_id_council_member'),
                                    'council_member', ['replaces_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_check_constraint(batch_op.f('ck_council_member_known_seat'),
                                         "seat IN ('appointed', 'ex_officio')")
        batch_op.create_check_constraint(
            batch_op.f('ck_council_member_appointed_term_ends'),
            "seat = 'ex_officio' OR term_ends_on IS NOT NULL")
        batch_op.create_check_constraint(
            batch_op.f('ck_council_member_term_in_order'),
            "term_ends_on IS NULL OR term_ends_on >= term_starts_on")
        batch_op.create_check_constraint(batch_op.f('ck_council_member_renewed_once_at_most'),
                                         "renewals BETWEEN 0 AND 1")
        batch_op.create_check_constraint(batch_op.f('ck_council_member_retired_has_reason'),
                                         "retired_on IS NULL OR retire_reason <> ''")
        batch_op.create_check_constraint(
            batch_op.f('ck_council_member_retired_after_start'),
            "retired_on IS NULL OR retired_on >= term_starts_on")


def downgrade():
    with op.batch_alter_table('council_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
    members = sa.table('council_member', sa.column('active', sa.Boolean()),
                       sa.column('retired_on', sa.Date()))
    op.execute(members.update().where(members.c.retired_on.is_not(None)).values(active=False))
    with op.batch_alter_table('council_member', schema=None) as batch_op:
        for name in ('retired_after_start', 'retired_has_reason', 'renewed_once_at_most',
                     'term_in_order', 'appointed_term_ends', 'known_seat'):
            batch_op.drop_constraint(batch_op.f(f'ck_council_member_{name}'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_council_member_replaces_id_council_member'),
                                 type_='foreignkey')
        for column in ('replaces_id', 'retire_reason', 'retired_on', 'renewals',
                       'term_ends_on', 'term_starts_on', 'seat'):
            batch_op.drop_column(column)

    with op.batch_alter_table('plan_settings', schema=None) as batch_op:
        batch_op.drop_column('thresholds_reason')
