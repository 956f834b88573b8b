"""departments and working groups (org units) with accounts, the unit responsible for a plan
project, intake channels as data, the register of existing projects

Revision ID: 0015c
Revises: 0014b
Create Date: 2026-12-07 05:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015c'
down_revision = '0015h'
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('resident', 'facilitator', 'organizer', 'city_reviewer', 'admin')"
NEW_ROLES = ("role IN ('resident', 'facilitator', 'organizer', 'city_reviewer', 'admin', "
             "'department', 'working_group')")
CHANNELS = ("channel IN ('resident', 'participatory_budget', 'dong_plan', 'department', "
            "'proposal_scheme')")

# Until now the channel an item came through was written, if at all, into the free-text
# proposing group ("주민참여예산위원회", "천호3동 지역회의"...). Read in this order, so a
# "동 주민참여예산" item counts as the participatory budget's.
CHANNEL_WORDS = (
    ('participatory_budget', ('%참여예산%',)),
    ('proposal_scheme', ('%제안제%', '%제안제도%')),
    ('dong_plan', ('%동 계획%', '%동계획%', '%동 지역회의%', '%지역협력분과%')),
    ('department', ('%부서%', '%과 제안%')),
)


def upgrade():
    op.create_table(
        'org_unit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('department', 'working_group')",
                           name=op.f('ck_org_unit_known_kind')),
        sa.CheckConstraint('length(name) > 0', name=op.f('ck_org_unit_name_not_empty')),
        sa.ForeignKeyConstraint(['district_id'], ['district.id'],
                                name=op.f('fk_org_unit_district_id_district'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_org_unit')),
        sa.UniqueConstraint('district_id', 'name', name=op.f('uq_org_unit_district_id_name')),
    )
    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_unit_district_id'), ['district_id'],
                              unique=False)

    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('org_unit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_membership_org_unit_id'), ['org_unit_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_membership_org_unit_id_org_unit'),
                                    'org_unit', ['org_unit_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_constraint(batch_op.f('ck_membership_known_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_membership_known_role'), NEW_ROLES)
        batch_op.create_check_constraint(
            batch_op.f('ck_membership_unit_role_names_unit'),
            "(role IN ('department', 'working_group')) = (org_unit_id IS NOT NULL)")

    with op.batch_alter_table('plan_project', schema=None) as batch_op:
        batch_op.add_column(sa.Column('responsible_unit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_plan_project_responsible_unit_id'),
                              ['responsible_unit_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_plan_project_responsible_unit_id_org_unit'),
                                    'org_unit', ['responsible_unit_id'], ['id'],
                                    ondelete='SET NULL')

    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reported_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_progress_report_reported_by_id_user_account'),
                                    'user_account', ['reported_by_id'], ['id'],
                                    ondelete='SET NULL')

    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=30),
                                      server_default='resident', nullable=False))
        batch_op.add_column(sa.Column('entered_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_agenda_item_entered_by_id_user_account'),
                                    'user_account', ['entered_by_id'], ['id'],
                                    ondelete='SET NULL')

    items = sa.table('agenda_item', sa.column('channel', sa.String()),
                     sa.column('proposing_group', sa.String()))
    for channel, patterns in reversed(CHANNEL_WORDS):
        op.execute(items.update()
                   .where(sa.or_(*(items.c.proposing_group.like(p) for p in patterns)))
                   .values(channel=channel))

    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f('ck_agenda_item_known_channel'), CHANNELS)

    op.create_table(
        'existing_project',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('org_unit_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('length(title) > 0', name=op.f('ck_existing_project_title_not_empty')),
        sa.ForeignKeyConstraint(['district_id'], ['district.id'],
                                name=op.f('fk_existing_project_district_id_district'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'],
                                name=op.f('fk_existing_project_org_unit_id_org_unit'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_existing_project')),
        sa.UniqueConstraint('district_id', 'title', name=op.f('uq_existing_project_district_id_title')),
    )
    with op.batch_alter_table('existing_project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_existing_project_district_id'), ['district_id'],
                              unique=False)


def downgrade():
    op.drop_table('existing_project')
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_agenda_item_known_channel'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_agenda_item_entered_by_id_user_account'),
                                 type_='foreignkey')
        batch_op.drop_column('entered_by_id')
        batch_op.drop_column('channel')
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_progress_report_reported_by_id_user_account'),
                                 type_='foreignkey')
        batch_op.drop_column('reported_by_id')
    with op.batch_alter_table('plan_project', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_project_responsible_unit_id_org_unit'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_plan_project_responsible_unit_id'))
        batch_op.drop_column('responsible_unit_id')
    op.execute(sa.text("DELETE FROM membership WHERE org_unit_id IS NOT NULL"))
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_membership_unit_role_names_unit'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_membership_known_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_membership_known_role'), OLD_ROLES)
        batch_op.drop_constraint(batch_op.f('fk_membership_org_unit_id_org_unit'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_membership_org_unit_id'))
        batch_op.drop_column('org_unit_id')
    op.drop_table('org_unit')
