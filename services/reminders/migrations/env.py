"""Alembic environment of the reminders database."""

from services.reminders.models import Base
from shared.migrations import run_migrations_online

run_migrations_online(Base.metadata)
