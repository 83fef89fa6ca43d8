"""notification e-mails are the mailings service's: pending ones become reminder.email_requested events

Revision ID: 0005
Revises: 0004
Create Date: 2027-01-04 09:00:00

The reminders service no longer speaks SMTP. An e-mail still pending at upgrade time is not lost:
it becomes a reminder.email_requested event in the outbox (the event the firing now writes), which
the relay publishes and the mailings service delivers. Sent and failed rows were the delivery log
of e-mails already given their outcome; nothing reads them any more.
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# Each pending e-mail's event, built in SQL: the envelope as shared.events.envelope.Event writes it.
PENDING_TO_OUTBOX = """
WITH pending AS (
    SELECT gen_random_uuid() AS event_id, e.id AS email_id, e.account_id, n.reminder_id,
           jsonb_build_object(
               'notification_id', e.notification_id,
               'reminder_id', n.reminder_id,
               'client_id', n.client_id,
               'user_id', n.user_id,
               'to_address', e.to_address,
               'subject', e.subject,
               'body', e.body
           ) AS payload
    FROM notification_emails e JOIN notifications n ON n.id = e.notification_id
    WHERE e.status = 'pending'
)
INSERT INTO outbox (id, account_id, routing_key, body, correlation_id)
SELECT event_id, account_id, 'reminder.email_requested',
       jsonb_build_object(
           'event_id', event_id,
           'type', 'reminder.email_requested',
           'schema_version', 1,
           'occurred_at', to_jsonb(now()),
           'account_id', account_id,
           'correlation_id', 'reminder-' || reminder_id,
           'payload', payload
       ),
       'reminder-' || reminder_id
FROM pending ORDER BY email_id
"""


def upgrade() -> None:
    op.execute(PENDING_TO_OUTBOX)
    op.drop_index('ix_notification_emails_pending', table_name='notification_emails', postgresql_where="status = 'pending'")
    op.drop_index(op.f('ix_notification_emails_notification_id'), table_name='notification_emails')
    op.drop_table('notification_emails')


def downgrade() -> None:
    # The table comes back empty: the requests it held were handed to the mailings service.
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
