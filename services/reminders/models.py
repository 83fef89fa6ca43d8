"""Tables of the reminders service."""

from sqlalchemy.orm import DeclarativeBase

from shared.db import new_metadata
from shared.inbox import define_inbox
from shared.outbox import define_outbox


class Base(DeclarativeBase):
    """Declarative base of the reminders database."""

    metadata = new_metadata()


outbox = define_outbox(Base.metadata)
inbox = define_inbox(Base.metadata)
