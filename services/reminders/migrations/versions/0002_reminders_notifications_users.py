"""reminders, notifications, e-mails, users, settings, client replica

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 03:19:23.298101
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account_settings',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_account_settings'))
    )
    op.create_table('client_replicas',
    sa.Column('client_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=300), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('merged_into', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('client_id', name=op.f('pk_client_replicas'))
    )
    op.create_table('reminder_users',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.String(length=100), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.PrimaryKeyConstraint('account_id', 'user_id', name=op.f('pk_reminder_users'))
    )
    op.create_table('reminders',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('client_id', sa.BigInteger(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('assigned_user', sa.String(length=100), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('fired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('char_length(text) <= 2000', name=op.f('ck_reminders_text_length')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders'))
    )
    op.create_index('ix_reminders_account_due', 'reminders', ['account_id', 'due_at', 'id'], unique=False)
    op.create_index('ix_reminders_assignee', 'reminders', ['account_id', 'assigned_user', 'due_at'], unique=False)
    op.create_index('ix_reminders_client', 'reminders', ['account_id', 'client_id'], unique=False)
    op.create_index('ix_reminders_due', 'reminders', ['due_at'], unique=False, postgresql_where='fired_at IS NULL AND done_at IS NULL')
    op.create_table('notifications',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.String(length=100), nullable=False),
    sa.Column('reminder_id', sa.BigInteger(), nullable=False),
    sa.Column('client_id', sa.BigInteger(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['reminder_id'], ['reminders.id'], name=op.f('fk_notifications_reminder_id_reminders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    op.create_index('ix_notifications_feed', 'notifications', ['account_id', 'user_id', 'id'], unique=False)
    op.create_index(op.f('ix_notifications_reminder_id'), 'notifications', ['reminder_id'], unique=False)
    op.create_table('notification_emails',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('notification_id', sa.BigInteger(), nullable=False),
    sa.Column('to_address', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=7), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f('ck_notification_emails_status')),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_notification_emails_notification_id_notifications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_emails'))
    )
    op.create_index(op.f('ix_notification_emails_notification_id'), 'notification_emails', ['notification_id'], unique=False)
    op.create_index('ix_notification_emails_pending', 'notification_emails', ['next_attempt_at'], unique=False, postgresql_where="status = 'pending'")


def downgrade() -> None:
    op.drop_index('ix_notification_emails_pending', table_name='notification_emails', postgresql_where="status = 'pending'")
    op.drop_index(op.f('ix_notification_emails_notification_id'), table_name='notification_emails')
    op.drop_table('notification_emails')
    op.drop_index(op.f('ix_notifications_reminder_id'), table_name='notifications')
    op.drop_index('ix_notifications_feed', table_name='notifications')
    op.drop_table('notifications')
    op.drop_index('ix_reminders_due', table_name='reminders', postgresql_where='fired_at IS NULL AND done_at IS NULL')
    op.drop_index('ix_reminders_client', table_name='reminders')
    op.drop_index('ix_reminders_assignee', table_name='reminders')
    op.drop_index('ix_reminders_account_due', table_name='reminders')
    op.drop_table('reminders')
    op.drop_table('reminder_users')
    op.drop_table('client_replicas')
    op.drop_table('account_settings')
