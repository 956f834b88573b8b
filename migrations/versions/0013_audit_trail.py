"""an append-only audit trail of organizer and admin actions

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 00:00:00

On PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE of the trail to every client,
with two exceptions. Deleting an account sets ``actor_id`` to NULL on its entries (the
foreign key's ON DELETE SET NULL; ``actor_display`` still says who acted), and nothing else
of the row may change then. A TRUNCATE runs only in a transaction that first ran
``SET LOCAL madang.allow_audit_purge = on``: the test suite empties every table so between
tests, and the application never does.

"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


APPEND_ONLY = """
CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
       AND to_jsonb(NEW) - 'actor_id' = to_jsonb(OLD) - 'actor_id'
       AND NOT EXISTS (SELECT 1 FROM user_account WHERE id = OLD.actor_id) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP;
END
$$;
CREATE TRIGGER audit_entry_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();

CREATE FUNCTION audit_entry_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('madang.allow_audit_purge', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_entry is append-only: TRUNCATE refused';
END
$$;
CREATE TRIGGER audit_entry_no_truncate
    BEFORE TRUNCATE ON audit_entry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_no_truncate();
"""


def upgrade():
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_display', sa.String(length=60), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_kind', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_audit_entry_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_audit_entry_district_id_district')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_audit_entry_district_id_id', ['district_id', 'id'], unique=False)
        batch_op.create_index('ix_audit_entry_action', ['action'], unique=False)
        batch_op.create_index('ix_audit_entry_object', ['object_kind', 'object_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(APPEND_ONLY)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER audit_entry_no_truncate ON audit_entry')
        op.execute('DROP TRIGGER audit_entry_no_update_or_delete ON audit_entry')
        op.execute('DROP FUNCTION audit_entry_no_truncate()')
        op.execute('DROP FUNCTION audit_entry_append_only()')
    op.drop_table('audit_entry')
