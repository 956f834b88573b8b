"""the plan version the council approved, which is what the public reads

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 23:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
    # Each approval logged so far approved the last version saved before it.
    op.execute("""
        UPDATE plan_version SET approved_at = (
            SELECT MIN(approval.created_at) FROM plan_log AS approval
            WHERE approval.plan_id = plan_version.plan_id AND approval.action = 'approved'
              AND approval.created_at >= plan_version.created_at
              AND NOT EXISTS (
                  SELECT 1 FROM plan_version AS later
                  WHERE later.plan_id = plan_version.plan_id
                    AND later.number > plan_version.number
                    AND later.created_at <= approval.created_at))
    """)


def downgrade():
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_column('approved_at')
