"""Alembic environment of the identity database."""

from services.identity.models import Base
from shared.migrations import run_migrations_online

run_migrations_online(Base.metadata)
