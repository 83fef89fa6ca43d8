"""A database that refuses connections is a 503 to retry, not a 500; the service recovers by itself."""

import uuid

import pytest
from sqlalchemy import create_engine, pool, text

from services.clients.app import create_app
from services.clients.settings import ClientsSettings
from tests.access_support import account_token
from tests.conftest import database_url
from tests.support import in_process

ROLE = "negoce_test_no_connections"


@pytest.fixture
def role_without_connections():
    """A role the server refuses with 'too many connections', as when max_connections is reached."""
    admin = create_engine(database_url("clients", sync=True), isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    with admin.connect() as connection:
        connection.execute(text(f"DROP ROLE IF EXISTS {ROLE}"))
        connection.execute(text(f"CREATE ROLE {ROLE} LOGIN CONNECTION LIMIT 0"))
    yield
    with admin.connect() as connection:
        connection.execute(text(f"DROP ROLE IF EXISTS {ROLE}"))
    admin.dispose()


@pytest.mark.parametrize("refusal", ["too many connections", "nothing listening"])
async def test_a_database_that_refuses_connections_answers_503_with_retry_after(refusal, role_without_connections):
    url = database_url("clients")
    url = url.replace("postgres@", f"{ROLE}@") if refusal == "too many connections" else url.replace(":5432", ":9")
    app = create_app(ClientsSettings(database_url=url, run_consumers=False, run_outbox_relay=False))
    token = account_token(uuid.uuid4())
    async with in_process(app, {"Authorization": f"Bearer {token}"}) as http:
        response = await http.get("/api/clients/1")
    await app.state.context.engine.dispose()
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
