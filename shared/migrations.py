"""Alembic, driven from code: each service keeps its own migrations/ and version table."""

from __future__ import annotations

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, pool, text
from sqlalchemy.engine import make_url


def alembic_config(*, service: str, sync_url: str) -> Config:
    """The Alembic configuration of one service's migrations against a database URL."""
    config = Config()
    config.set_main_option("script_location", f"services.{service}:migrations")
    config.set_main_option("sqlalchemy.url", sync_url.replace("%", "%%"))
    return config


def ensure_database(sync_url: str) -> bool:
    """Create the database named in the URL when missing; True if it was created."""
    url = make_url(sync_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
        ).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    return not exists


def upgrade(*, service: str, sync_url: str, revision: str = "head") -> None:
    """Create the database if needed and apply the service's migrations."""
    ensure_database(sync_url)
    command.upgrade(alembic_config(service=service, sync_url=sync_url), revision)


def run_migrations_online(target_metadata: MetaData) -> None:
    """Body of every service's env.py: migrate the configured database in one transaction."""
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:  # alembic_config always sets it: an env.py run some other way
        raise RuntimeError(
            "no sqlalchemy.url in the Alembic configuration: run migrations via shared.migrations.upgrade"
        )
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
