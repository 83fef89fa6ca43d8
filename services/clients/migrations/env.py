"""Alembic environment of the clients database."""

from services.clients.models import Base
from shared.migrations import run_migrations_online

run_migrations_online(Base.metadata)
