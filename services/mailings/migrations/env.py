"""Alembic environment of the mailings database."""

from services.mailings.models import Base
from shared.migrations import run_migrations_online

run_migrations_online(Base.metadata)
