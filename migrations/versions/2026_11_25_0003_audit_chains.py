"""audit chains: several chain heads so that concurrent writers do not queue on one lock

Existing events become chain 1 (position = their sequence number, so their hashes stay
valid); heads 2..8 start empty; new events take their global sequence number from the
database (a sequence on PostgreSQL, the rowid on SQLite).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_CHAINS = 8
_GENESIS_HASH = "0" * 64
_SEQUENCE = "audit_events_seq_seq"


def upgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('chain_seq', _BIG_ID, nullable=True))
    op.execute("UPDATE audit_events SET chain = 1, chain_seq = seq")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('chain', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('chain_seq', existing_type=_BIG_ID, nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_chain_chain_seq'), ['chain', 'chain_seq'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE SEQUENCE {_SEQUENCE} OWNED BY audit_events.seq")
        op.execute(f"SELECT setval('{_SEQUENCE}', COALESCE((SELECT MAX(seq) FROM audit_events), 0) + 1, false)")
        op.execute(f"ALTER TABLE audit_events ALTER COLUMN seq SET DEFAULT nextval('{_SEQUENCE}')")
    op.bulk_insert(sa.table('audit_head', sa.column('id'), sa.column('seq'), sa.column('hash')),
                   [{'id': chain, 'seq': 0, 'hash': _GENESIS_HASH} for chain in range(2, _CHAINS + 1)])


def downgrade() -> None:
    bind = op.get_bind()
    # One chain numbered by its global sequence is all the earlier schema can hold.
    other = bind.execute(sa.text("SELECT COUNT(*) FROM audit_events WHERE chain <> 1 OR chain_seq <> seq")).scalar()
    if other:
        raise RuntimeError(
            f"cannot downgrade below 0003: {other} audit events are on chains the earlier schema cannot "
            "hold; they would lose their tamper evidence. Nothing was changed.")
    op.execute("DELETE FROM audit_head WHERE id <> 1")
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_events ALTER COLUMN seq DROP DEFAULT")
        op.execute(f"DROP SEQUENCE {_SEQUENCE}")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_events_chain_chain_seq'), type_='unique')
        batch_op.drop_column('chain_seq')
        batch_op.drop_column('chain')
