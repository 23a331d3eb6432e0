"""console accounts: sign-in accounts, linked chat identities, sessions, API tokens, sign-in throttle

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('console_accounts',
    sa.Column('id', _BIG_ID, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_accounts')),
    sa.UniqueConstraint('username', name=op.f('uq_console_accounts_username'))
    )
    op.create_table('console_signin_throttle',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('first_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_console_signin_throttle'))
    )
    op.create_table('console_api_tokens',
    sa.Column('id', _BIG_ID, nullable=False),
    sa.Column('account_id', _BIG_ID, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['console_accounts.id'], name=op.f('fk_console_api_tokens_account_id_console_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_console_api_tokens_token_hash'))
    )
    with op.batch_alter_table('console_api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_api_tokens_account_id'), ['account_id'], unique=False)

    op.create_table('console_identities',
    sa.Column('id', _BIG_ID, nullable=False),
    sa.Column('account_id', _BIG_ID, nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('workspace', sa.String(length=128), nullable=False),
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('linked_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['console_accounts.id'], name=op.f('fk_console_identities_account_id_console_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_identities')),
    sa.UniqueConstraint('platform', 'workspace', 'user_id', name=op.f('uq_console_identities_platform_workspace_user_id'))
    )
    with op.batch_alter_table('console_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_identities_account_id'), ['account_id'], unique=False)

    op.create_table('console_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('account_id', _BIG_ID, nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('client', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['console_accounts.id'], name=op.f('fk_console_sessions_account_id_console_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_sessions'))
    )
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_console_sessions_account', ['account_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_console_sessions_account')

    op.drop_table('console_sessions')
    with op.batch_alter_table('console_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_identities_account_id'))

    op.drop_table('console_identities')
    with op.batch_alter_table('console_api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_api_tokens_account_id'))

    op.drop_table('console_api_tokens')
    op.drop_table('console_signin_throttle')
    op.drop_table('console_accounts')
