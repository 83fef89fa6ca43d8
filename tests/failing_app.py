"""The reminders service plus one route that fails for real: for the gateway tests only, never deployed.

Production code has no route that is meant to fail, and every failure found so far is fixed; the
gateway's handling of a service's 500 is still worth a test, so this app adds an honest one.
"""

from __future__ import annotations

from fastapi import FastAPI

from services.reminders.app import create_app as create_reminders_app

FAILING_PATH = "/api/reminders/test/unhandled-error"


def create_app() -> FastAPI:
    """The real reminders app with a GET route that raises an exception no handler expects."""
    app = create_reminders_app()

    @app.get(FAILING_PATH, include_in_schema=False)
    async def unhandled_error() -> None:
        """Fail the way a forgotten bug would."""
        raise RuntimeError("a failure no handler expects")

    return app
