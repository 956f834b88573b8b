"""the approval path of seed 000: council, then the city's review with a city reviewer role,
answered and resolved items, and the city's decision record

Revision ID: 0015b
Revises: 0014b
Create Date: 2026-12-07 05:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015b'
down_revision = '0014b'
branch_labels = None
depends_on = None

ROLES_BEFORE = "role IN ('resident', 'facilitator', 'organizer', 'admin')"
ROLES_AFTER = "role IN ('resident', 'facilitator', 'organizer', 'city_reviewer', 'admin')"
STATUSES_BEFORE = "status IN ('draft', 'in_review', 'approved')"
STATUSES_AFTER = "status IN ('draft', 'council', 'in_review', 'approved')"


def _replace_check(table: str, name: str, condition: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(f'ck_{table}_{name}'), type_='check')
        batch_op.create_check_constraint(batch_op.f(f'ck_{table}_{name}'), condition)


def upgrade():
    _replace_check('membership', 'known_role', ROLES_AFTER)
    _replace_check('plan', 'known_status', STATUSES_AFTER)
    # Before this revision a plan "in review" had not been to the council yet: the council
    # now comes first, so it waits for the council.
    plan = sa.table('plan', sa.column('status', sa.String()))
    op.execute(plan.update().where(plan.c.status == 'in_review').values(status='council'))

    with op.batch_alter_table('review_comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answered_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_review_comment_answered_by_id_user_account'),
                                    'user_account', ['answered_by_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_review_comment_resolved_by_id_user_account'),
                                    'user_account', ['resolved_by_id'], ['id'],
                                    ondelete='SET NULL')
    # An item resolved before was answered at the same moment, by the district.
    comment = sa.table('review_comment', sa.column('answered_at', sa.DateTime(timezone=True)),
                       sa.column('resolved_at', sa.DateTime(timezone=True)))
    op.execute(comment.update().where(comment.c.resolved_at.is_not(None)).values(
        answered_at=comment.c.resolved_at))

    op.create_table('city_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IN ('approved', 'returned')",
                       name=op.f('ck_city_decision_known_outcome')),
    sa.CheckConstraint('length(decided_by) > 0', name=op.f('ck_city_decision_decider_named')),
    sa.CheckConstraint("outcome = 'approved' OR note <> ''",
                       name=op.f('ck_city_decision_returned_has_reason')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'],
                            name=op.f('fk_city_decision_decided_by_id_user_account'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_city_decision_plan_id_plan'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city_decision'))
    )
    with op.batch_alter_table('city_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_city_decision_plan_id'), ['plan_id'], unique=False)


def downgrade():
    with op.batch_alter_table('city_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_city_decision_plan_id'))
    op.drop_table('city_decision')
    with op.batch_alter_table('review_comment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_review_comment_resolved_by_id_user_account'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_review_comment_answered_by_id_user_account'),
                                 type_='foreignkey')
        batch_op.drop_column('resolved_by_id')
        batch_op.drop_column('answered_by_id')
        batch_op.drop_column('answered_at')
    plan = sa.table('plan', sa.column('status', sa.String()))
    op.execute(plan.update().where(plan.c.status == 'council').values(status='in_review'))
    _replace_check('plan', 'known_status', STATUSES_BEFORE)
    op.execute("DELETE FROM membership WHERE role = 'city_reviewer'")
    _replace_check('membership', 'known_role', ROLES_BEFORE)
