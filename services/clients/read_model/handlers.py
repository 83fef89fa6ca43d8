"""Message subscribers of the clients service: thin, each hands its event to the batch applier."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream import AckPolicy
from faststream.rabbit import RabbitRouter

from services.clients.models import inbox
from services.clients.read_model import price_grids, timeline_feed
from services.clients.read_model import service as read_model
from shared.app import ServiceContext
from shared.batching import BatchApplier, ManualAckScope, current_message
from shared.events.envelope import Event
from shared.events.mailings import EmailFailed, EmailSent, MailingRendered
from shared.events.orders import (
    InvoiceCancelled,
    InvoiceIssued,
    OrderCancelled,
    OrderConfirmed,
    OrderCreated,
    OrderInvoiced,
    PaymentReceived,
    PriceGridCreated,
    PriceGridRenamed,
    ShipmentShipped,
)
from shared.events.reminders import ReminderCreated, ReminderDeleted, ReminderDone, ReminderDue
from shared.messaging import MAILINGS_EXCHANGE, ORDERS_EXCHANGE, REMINDERS_EXCHANGE, consumer_queue, subscriptions

CONSUMER = "clients"
# What each event does to the client read models. Each event type gets a durable quorum
# queue; a nacked message returns until its delivery limit.
CONSUMED: dict[type[Event], str] = {
    OrderCreated: "A new order enters the client's history and timeline.",
    OrderConfirmed: "A confirmed order counts as placed and updates the history and the timeline.",
    OrderInvoiced: "An invoiced order is no longer open (its invoice.issued updates the figures).",
    OrderCancelled: "A cancelled order leaves the statistics and the orders placed, and shows on the timeline.",
    InvoiceIssued: "An invoice makes its client a client and updates the list columns.",
    InvoiceCancelled: "A credit note takes the invoice out of the client's statistics.",
    ShipmentShipped: "Delivered goods count for the client who received them (top products).",
    PaymentReceived: "A payment shows on the billed client's timeline.",
}


def _forward(applier: BatchApplier, event_class: type[Event], effect: str) -> Callable[..., Awaitable[None]]:
    """A subscriber for one event type that hands each event to the batch applier."""

    async def handler(event: Event) -> None:
        await applier.submit(event, current_message())

    # FastStream parses the body by the annotation and names the AsyncAPI channel after the function.
    handler.__annotations__ = {"event": event_class, "return": None}
    handler.__name__ = handler.__qualname__ = f"on_{event_class.TYPE.replace('.', '_')}"
    handler.__doc__ = effect
    return handler


def build_subscribers(context: ServiceContext) -> RabbitRouter:
    """Subscribers that feed the client read models and timelines from the other services' events."""
    router = RabbitRouter()
    router.include_router(_order_subscribers(context))
    router.include_router(_timeline_subscribers(context))
    router.include_router(_price_grid_subscribers(context))
    return router


def _order_subscribers(context: ServiceContext) -> RabbitRouter:
    """Subscribers to the orders service's events, batched into the read models."""
    router = RabbitRouter(middlewares=[ManualAckScope])
    limit = context.settings.consumer_delivery_limit
    applier = BatchApplier(sessions=context.sessions, inbox=inbox, consumer=CONSUMER, apply=read_model.apply_events)
    context.background.append(applier.run)

    for event_class, effect in CONSUMED.items():
        router.subscriber(
            consumer_queue(consumer=CONSUMER, event=event_class, delivery_limit=limit),
            ORDERS_EXCHANGE,
            ack_policy=AckPolicy.MANUAL,  # the applier acknowledges after its commit
        )(_forward(applier, event_class, effect))
    return router


def _price_grid_subscribers(context: ServiceContext) -> RabbitRouter:
    """Subscribers that keep the replica of the price grid names the search's grid: reads."""
    router = RabbitRouter()
    sessions = context.sessions
    on_grid = subscriptions(
        router, consumer=CONSUMER, exchange=ORDERS_EXCHANGE, delivery_limit=context.settings.consumer_delivery_limit
    )

    @on_grid(PriceGridCreated)
    async def on_price_grid_created(event: PriceGridCreated) -> None:
        """A new price grid can be searched by its name."""
        await price_grids.note_price_grid(sessions=sessions, consumer=CONSUMER, event=event)

    @on_grid(PriceGridRenamed)
    async def on_price_grid_renamed(event: PriceGridRenamed) -> None:
        """A renamed price grid is searched by its new name."""
        await price_grids.note_price_grid(sessions=sessions, consumer=CONSUMER, event=event)

    return router


def _timeline_subscribers(context: ServiceContext) -> RabbitRouter:
    """Subscribers that put reminders, e-mails and paper mailings on the clients' timelines."""
    router = RabbitRouter()
    sessions = context.sessions
    limit = context.settings.consumer_delivery_limit
    on_reminder = subscriptions(router, consumer=CONSUMER, exchange=REMINDERS_EXCHANGE, delivery_limit=limit)
    on_mailing = subscriptions(router, consumer=CONSUMER, exchange=MAILINGS_EXCHANGE, delivery_limit=limit)

    @on_reminder(ReminderCreated)
    async def on_reminder_created(event: ReminderCreated) -> None:
        """A new reminder shows on its client's timeline."""
        await timeline_feed.note_reminder(sessions=sessions, consumer=CONSUMER, event=event)

    @on_reminder(ReminderDue)
    async def on_reminder_due(event: ReminderDue) -> None:
        """A reminder that came due shows on its client's timeline."""
        await timeline_feed.note_reminder(sessions=sessions, consumer=CONSUMER, event=event)

    @on_reminder(ReminderDone)
    async def on_reminder_done(event: ReminderDone) -> None:
        """A reminder marked done shows on its client's timeline."""
        await timeline_feed.note_reminder(sessions=sessions, consumer=CONSUMER, event=event)

    @on_reminder(ReminderDeleted)
    async def on_reminder_deleted(event: ReminderDeleted) -> None:
        """A deleted reminder says so on its client's timeline."""
        await timeline_feed.note_reminder(sessions=sessions, consumer=CONSUMER, event=event)

    @on_mailing(EmailSent)
    async def on_email_sent(event: EmailSent) -> None:
        """An e-mail sent to the client shows on its timeline."""
        await timeline_feed.note_email(sessions=sessions, consumer=CONSUMER, event=event)

    @on_mailing(EmailFailed)
    async def on_email_failed(event: EmailFailed) -> None:
        """An e-mail given up on shows on the client's timeline, so someone acts."""
        await timeline_feed.note_email(sessions=sessions, consumer=CONSUMER, event=event)

    @on_mailing(MailingRendered)
    async def on_mailing_rendered(event: MailingRendered) -> None:
        """A printed paper mailing shows on each recipient's timeline."""
        await timeline_feed.note_mailing(sessions=sessions, consumer=CONSUMER, event=event)

    return router
