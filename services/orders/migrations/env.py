"""Alembic environment of the orders database."""

from services.orders.models import Base
from shared.migrations import run_migrations_online

run_migrations_online(Base.metadata)
