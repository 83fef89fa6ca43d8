"""Message subscribers of e-mails: the notification e-mails other services ask for by event."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from services.mailings.emails import service
from shared.app import ServiceContext
from shared.events.identity import SignInEmailRequested
from shared.events.reminders import ReminderEmailRequested
from shared.messaging import IDENTITY_EXCHANGE, REMINDERS_EXCHANGE, subscriptions


def subscribe(router: RabbitRouter, context: ServiceContext, *, consumer: str) -> None:
    """Subscribers that queue the e-mails other services ask for, for the sender loop to deliver."""
    sessions = context.sessions
    limit = context.settings.consumer_delivery_limit
    # Its own queue (mailings.reminder.email_requested) bound to the reminders exchange.
    subscriber = subscriptions(router, consumer=consumer, exchange=REMINDERS_EXCHANGE, delivery_limit=limit)

    @subscriber(ReminderEmailRequested)
    async def on_reminder_email_requested(event: ReminderEmailRequested) -> None:
        """A fired reminder's notification e-mail to its assigned user, delivered by the sender loop."""
        await service.apply_reminder_email(sessions=sessions, consumer=consumer, event=event)

    # Its own queue (mailings.sign_in_email.requested) bound to the identity exchange.
    from_identity = subscriptions(router, consumer=consumer, exchange=IDENTITY_EXCHANGE, delivery_limit=limit)

    @from_identity(SignInEmailRequested)
    async def on_sign_in_email_requested(event: SignInEmailRequested) -> None:
        """An invitation or password-reset e-mail to a user, delivered by the sender loop."""
        await service.apply_sign_in_email(sessions=sessions, consumer=consumer, event=event)
