"""``negoce backup`` and ``negoce restore``: every service's database (pg_dump) and the broker's definitions.

A backup is a directory: one custom-format dump per database, the broker's definitions when they
could be read, and ``manifest.json`` (when, which versions, each database's Alembic revision, each
file's SHA-256). PostgreSQL is reached directly, never through PgBouncer: pg_dump holds a session.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import URL, make_url

from services.operations.broker_definitions import Broker, export_definitions, import_definitions
from shared.migrations import alembic_config

MANIFEST = "manifest.json"
DEFINITIONS = "rabbitmq-definitions.json"
FORMAT = 1
PG_SECONDS = 3_600


class RestoreRefused(Exception):
    """The restore would overwrite databases that hold data, and --force was not given."""


@dataclass(frozen=True)
class Database:
    """A service's database, as a psycopg URL straight to PostgreSQL."""

    service: str
    url: str

    @property
    def name(self) -> str:
        """The database's name."""
        return str(make_url(self.url).database)


def backup(*, databases: list[Database], broker: Broker, destination: Path) -> Path:
    """Dump every database and the broker's definitions into a new directory under ``destination``; returns it."""
    created = datetime.now(UTC)
    folder = destination / f"negoce-{created:%Y%m%dT%H%M%SZ}"
    folder.mkdir(parents=True, mode=0o700)  # the dumps hold personal data
    entries = []
    for database in databases:
        dump = folder / f"{database.service}.dump"
        _pg("pg_dump", database.url, "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}")
        entries.append(
            {
                "service": database.service,
                "database": database.name,
                "file": dump.name,
                "sha256": _sha256(dump),
                "alembic_heads": database_heads(database),
                "server_version": _server_version(database),
            }
        )
    exported = export_definitions(broker)
    if exported is not None:
        (folder / DEFINITIONS).write_text(json.dumps(exported[0], indent=1))
    manifest = {
        "format": FORMAT,
        "created_at": created.isoformat(),
        "negoce_version": importlib.metadata.version("negoce"),
        "pg_dump_version": _pg_version("pg_dump"),
        "databases": entries,
        "broker": {
            "vhost": broker.vhost,
            "definitions": DEFINITIONS if exported else None,
            "read_through": exported[1] if exported else None,
        },
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return folder


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a backup, its files checked against their recorded SHA-256."""
    manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{folder}: backup format {manifest.get('format')!r}, this version reads {FORMAT}")
    for entry in manifest["databases"]:
        if _sha256(folder / entry["file"]) != entry["sha256"]:
            raise ValueError(f"{folder / entry['file']}: its SHA-256 is not the one the manifest recorded")
    return manifest


def restore(*, folder: Path, databases: Mapping[str, Database], broker: Broker, force: bool) -> list[str]:
    """Restore a backup into the given databases (created when missing) and the broker; returns what was done.

    Refuses (RestoreRefused) when a target database holds tables, unless ``force``: then it is dropped
    first, its sessions ended. After each restore the database's Alembic revision must be the one
    the manifest recorded.
    """
    manifest = read_manifest(folder)
    entries = [entry for entry in manifest["databases"] if entry["service"] in databases]
    occupied = [databases[e["service"]].name for e in entries if _has_tables(databases[e["service"]])]
    if occupied and not force:
        raise RestoreRefused(f"these databases hold data: {', '.join(occupied)} (--force drops them first)")
    done = []
    for entry in entries:
        database = databases[entry["service"]]
        _recreate(database, drop=database.name in occupied)
        _pg(
            "pg_restore",
            database.url,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={database.name}",
            str(folder / entry["file"]),
        )
        heads = database_heads(database)
        if heads != entry["alembic_heads"]:
            raise RuntimeError(
                f"{database.name}: Alembic revision {heads} after restore, the backup had {entry['alembic_heads']}"
            )
        behind = "" if heads == code_heads(database.service) else " (older than this code: run `negoce db upgrade`)"
        done.append(f"{entry['service']}: restored into {database.name} at revision {', '.join(heads)}{behind}")
    definitions = manifest["broker"]["definitions"]
    if definitions:
        way = import_definitions(broker, json.loads((folder / definitions).read_text()))
        done.append(f"broker: definitions of {manifest['broker']['vhost']!r} restored into {broker.vhost!r} ({way})")
    else:
        done.append("broker: the backup holds no definitions; the topology is declared from code")
    return done


def database_heads(database: Database) -> list[str]:
    """The Alembic revisions a database is at."""
    engine = create_engine(database.url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return sorted(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()


def code_heads(service: str) -> list[str]:
    """The Alembic heads of a service's migrations in this code."""
    config = alembic_config(service=service, sync_url="postgresql+psycopg://unused/unused")
    return sorted(ScriptDirectory.from_config(config).get_heads())


def _has_tables(database: Database) -> bool:
    admin = _admin(database)
    try:
        with admin.connect() as connection:
            if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database.name}):
                return False
    finally:
        admin.dispose()
    engine = create_engine(database.url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return bool(
                connection.scalar(
                    text("SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
                )
            )
    finally:
        engine.dispose()


def _recreate(database: Database, *, drop: bool) -> None:
    admin = _admin(database)
    quoted = '"' + database.name.replace('"', '""') + '"'
    try:
        with admin.connect() as connection:
            if drop:
                connection.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
            if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database.name}):
                connection.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        admin.dispose()


def _admin(database: Database) -> Any:
    url = make_url(database.url).set(database="postgres")
    return create_engine(url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)


def _pg(program: str, url: str, *args: str) -> None:
    """Run pg_dump or pg_restore on a database; the password travels in the environment, not the command line."""
    done = subprocess.run(
        [program, *args], env=_libpq_environment(make_url(url)), capture_output=True, text=True, timeout=PG_SECONDS
    )
    if done.returncode != 0:
        raise RuntimeError(f"{program} failed on {make_url(url).database}: {done.stderr.strip()}")


def _libpq_environment(url: URL) -> dict[str, str]:
    given = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    return {**os.environ, **{name: value for name, value in given.items() if value}}


def _server_version(database: Database) -> str:
    engine = create_engine(database.url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return str(connection.scalar(text("SHOW server_version")))
    finally:
        engine.dispose()


def _pg_version(program: str) -> str:
    return subprocess.run([program, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout.strip()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
