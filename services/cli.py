"""The `negoce` command: migrations, backups, accounts, demo data and dead-letter queues."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from services.clients.settings import ClientsSettings
from services.identity.settings import IdentitySettings
from services.mailings.settings import MailingsSettings
from services.orders.settings import OrdersSettings
from services.reminders.settings import RemindersSettings
from shared.settings import ServiceSettings

if TYPE_CHECKING:  # the commands import what they use when run, so `negoce --help` stays quick
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

app = typer.Typer(help="Négoce operations.", no_args_is_help=True)
db_app = typer.Typer(help="Databases and migrations.", no_args_is_help=True)
account_app = typer.Typer(help="Accounts (tenants).", no_args_is_help=True)
demo_app = typer.Typer(help="The demo account.", no_args_is_help=True)
dlq_app = typer.Typer(help="Dead-letter queues.", no_args_is_help=True)
keys_app = typer.Typer(help="The identity service's signing keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(account_app, name="account")
app.add_typer(demo_app, name="demo")
app.add_typer(dlq_app, name="dlq")
app.add_typer(keys_app, name="keys")

SERVICE_SETTINGS: dict[str, type[ServiceSettings]] = {
    "clients": ClientsSettings,
    "orders": OrdersSettings,
    "reminders": RemindersSettings,
    "mailings": MailingsSettings,
    "identity": IdentitySettings,
}


@db_app.command("upgrade")
def db_upgrade(service: Annotated[str | None, typer.Option(help="Only this service")] = None) -> None:
    """Create each service's database when missing and apply its migrations."""
    from shared.migrations import upgrade

    for name, settings_class in SERVICE_SETTINGS.items():
        if service in (None, name):
            upgrade(service=name, sync_url=settings_class().direct_sync_database_url)
            typer.echo(f"{name}: migrated")


broker_app = typer.Typer(help="RabbitMQ topology.", no_args_is_help=True)
app.add_typer(broker_app, name="broker")


# Both commands reach the broker's definitions the same way.
ManagementUrl = Annotated[
    str,
    typer.Option(
        envvar="NEGOCE_RABBITMQ_MANAGEMENT_URL", help="RabbitMQ's management API (default: AMQP host, port 15672)"
    ),
]


@app.command("backup")
def backup(
    to: Annotated[Path, typer.Option(help="Where the backup's directory is made")] = Path("backups"),
    management_url: ManagementUrl = "",
) -> None:
    """Dump every service's database (pg_dump, custom format) and the broker's definitions, with a manifest."""
    from services.operations.backup import backup as make_backup

    folder = make_backup(databases=_databases(), broker=_broker(management_url), destination=to)
    manifest = json.loads((folder / "manifest.json").read_text())
    typer.echo(f"backup written to {folder}")
    if manifest["broker"]["definitions"] is None:
        typer.echo(
            "broker definitions not read (no management API, no local rabbitmqctl): restore declares them from code"
        )


@app.command("restore")
def restore(
    backup: Annotated[Path, typer.Argument(help="A directory `negoce backup` made", exists=True, file_okay=False)],
    force: Annotated[bool, typer.Option(help="Drop databases that hold data before restoring into them")] = False,
    management_url: ManagementUrl = "",
) -> None:
    """Restore a backup into every service's database and the broker, then declare the topology from code."""
    from services.operations.backup import RestoreRefused
    from services.operations.backup import restore as restore_backup

    databases = {database.service: database for database in _databases()}
    try:
        done = restore_backup(folder=backup, databases=databases, broker=_broker(management_url), force=force)
    except RestoreRefused as refused:
        typer.echo(f"not restored: {refused}", err=True)
        raise typer.Exit(1) from None
    for line in done:
        typer.echo(line)
    broker_declare()


def _databases() -> list[Any]:
    from services.operations.backup import Database

    return [
        Database(service=name, url=settings().direct_sync_database_url) for name, settings in SERVICE_SETTINGS.items()
    ]


def _broker(management_url: str) -> Any:
    from services.operations.broker_definitions import Broker

    return Broker(amqp_url=ClientsSettings().amqp_url, management_url=management_url)


@broker_app.command("declare")
def broker_declare() -> None:
    """Declare every service's queues before any service publishes (run after db upgrade)."""
    import importlib

    from shared.topology import declare_topology

    apps = [importlib.import_module(f"services.{name}.app").create_app() for name in SERVICE_SETTINGS]
    for queue in asyncio.run(declare_topology(apps)):
        typer.echo(f"declared {queue}")


@account_app.command("create")
def account_create(
    name: str,
    owner_email: Annotated[str, typer.Option(help="The owner's e-mail address: they sign in with it")],
    owner_name: Annotated[str | None, typer.Option(help="The owner's name (default: the e-mail's local part)")] = None,
) -> None:
    """Create an account and its owner; print one JSON line with the account id, the owner, a password and a token.

    The password is shown once; the token is an access token for the owner, valid a quarter of an hour.
    Every service learns the account from identity's account.created within moments.
    """
    from email_validator import EmailNotValidError, validate_email

    from services.identity.accounts.command_line import create_account_with_token
    from shared.errors import ProblemError

    try:
        email = validate_email(owner_email, check_deliverability=False).normalized
    except EmailNotValidError as invalid:
        raise typer.BadParameter(str(invalid), param_hint="--owner-email") from invalid
    settings = IdentitySettings()

    async def work(session: AsyncSession) -> dict[str, Any]:
        return await create_account_with_token(
            session, settings=settings, name=name, owner_email=email, owner_name=owner_name or email.split("@")[0]
        )

    try:
        made = asyncio.run(_in_db(settings, work))
    except ProblemError as refused:
        typer.echo(f"account not created: {refused.detail}", err=True)
        raise typer.Exit(1) from refused
    owner = made["owner"]
    typer.echo(
        json.dumps(
            {
                "account_id": str(made["account_id"]),
                "name": name,
                "owner": {"id": str(owner["id"]), "email": owner["email"]},
                "password": made["password"],
                "token": made["token"],
            }
        )
    )


@account_app.command("adopt")
def account_adopt(
    owner_email: Annotated[
        list[str] | None, typer.Option(help="ACCOUNT_ID=EMAIL: the owner's address for that account (repeatable)")
    ] = None,
    domain: Annotated[str, typer.Option(help="Domain of the owner addresses not given")] = "negoce.example",
) -> None:
    """Give every account made before the identity service an owner; print one JSON line (with a password) each.

    Idempotent: accounts identity already knows are left alone, so `make run` and the deployment's
    migrate step run it every time.
    """
    from services.clients.accounts.service import list_accounts
    from services.identity.accounts.command_line import adopt_accounts

    given: dict[uuid.UUID, str] = {}
    for pair in owner_email or []:
        account, _, email = pair.partition("=")
        try:
            given[uuid.UUID(account)] = email
        except ValueError as invalid:
            raise typer.BadParameter(f"{pair!r} is not ACCOUNT_ID=EMAIL", param_hint="--owner-email") from invalid
    accounts = asyncio.run(_in_clients_db(ClientsSettings(), list_accounts))
    settings = IdentitySettings()

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        return await adopt_accounts(session, settings=settings, accounts=accounts, owner_emails=given, domain=domain)

    for adopted in asyncio.run(_in_db(settings, work)):
        typer.echo(json.dumps(adopted))


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Make a new signing key active; the previous ones stay published until the tokens they signed expire."""
    from services.identity.keys.service import rotate_keys

    settings = IdentitySettings()
    kid = asyncio.run(_in_db(settings, lambda s: rotate_keys(s, settings=settings)))
    typer.echo(f"new signing key: {kid}")


def _demo_owner() -> dict[str, Any]:
    """The demo account in identity (made on first call) and an access token for its owner."""
    from services.clients.accounts.service import DEMO_ACCOUNT_ID, DEMO_NAME
    from services.identity.accounts.command_line import ensure_demo_account

    settings = IdentitySettings()
    if settings.environment == "production":
        raise typer.BadParameter("the demo account is refused in production", param_hint="NEGOCE_ENVIRONMENT")

    async def work(session: AsyncSession) -> dict[str, Any]:
        return await ensure_demo_account(
            session,
            settings=settings,
            account_id=DEMO_ACCOUNT_ID,
            name=DEMO_NAME,
            owner_email=settings.demo_owner_email,
            password=settings.demo_password,
        )

    return asyncio.run(_in_db(settings, work))


@demo_app.command("seed")
def demo_seed(
    base_url: Annotated[str, typer.Option(help="Where the gateway answers")] = "http://127.0.0.1:8080",
    clients: Annotated[int, typer.Option(min=1, max=100_000)] = 300,
) -> None:
    """Fill the demo account on first start, then print the URL, how to sign in, and a token."""
    from services.clients.accounts.service import DEMO_ACCOUNT_ID, seed_demo_account

    owner = _demo_owner()
    created = asyncio.run(_in_clients_db(ClientsSettings(), lambda s: seed_demo_account(s, clients=clients)))
    settings = IdentitySettings()
    token = owner["token"]
    typer.echo(f"Demo account {'created' if created else 'already there'}: {DEMO_ACCOUNT_ID}")
    typer.echo(f"Base URL: {base_url}")
    typer.echo(f"Sign in:  {settings.demo_owner_email} / {settings.demo_password}")
    typer.echo(f"Token:    {token}  (valid 15 minutes; sign in for more)")
    typer.echo(f"Try:      curl -H 'Authorization: Bearer {token}' {base_url}/api/clients")


@demo_app.command("orders")
def demo_orders(
    base_url: Annotated[str, typer.Option(help="Where the gateway answers")] = "http://127.0.0.1:8080",
    orders: Annotated[int, typer.Option(min=1, max=100_000)] = 400,
    wait: Annotated[float, typer.Option(help="Seconds to wait for the services")] = 120.0,
) -> None:
    """Give the demo account a catalogue and an order history through the API (once)."""
    from services.orders.demo.seed import seed_demo_orders

    token = _demo_owner()["token"]
    typer.echo(asyncio.run(seed_demo_orders(base_url=base_url, token=token, orders=orders, wait=wait)))


clients_app = typer.Typer(help="The clients service.", no_args_is_help=True)
app.add_typer(clients_app, name="clients")


@clients_app.command("republish")
def clients_republish(
    account: Annotated[str | None, typer.Option(help="Only this account id")] = None,
) -> None:
    """Announce every live client again (after adding a consumer, or to repair a copy)."""

    from services.clients.record.service import republish_snapshots
    from shared.db import create_sessionmaker, settings_engine

    async def run() -> int:
        engine = settings_engine(ClientsSettings(), pool_size=1)
        try:
            return await republish_snapshots(
                create_sessionmaker(engine), account_id=uuid.UUID(account) if account else None
            )
        finally:
            await engine.dispose()

    typer.echo(f"{asyncio.run(run())} client snapshot(s) written to the outbox")


@clients_app.command("export-worker")
def clients_export_worker() -> None:
    """Build queued exports (XLSX, CSV) until stopped; run as many as you like, each job runs once."""
    from services.clients.exports.worker import run_worker

    asyncio.run(run_worker())


@dlq_app.command("list")
def dlq_list() -> None:
    """Show how many messages wait in each dead-letter queue."""
    import importlib

    from shared.dead_letters import dead_letter_counts

    queues = [
        queue
        for name in SERVICE_SETTINGS
        for queue in importlib.import_module(f"services.{name}.app").create_app().state.context.consumer_queues
    ]
    for queue, count in asyncio.run(dead_letter_counts(ClientsSettings().amqp_url, queues)).items():
        typer.echo(f"{queue}\t{count}")


@dlq_app.command("replay")
def dlq_replay(queue: Annotated[str, typer.Argument(help="Consumer queue, e.g. clients.invoice.issued")]) -> None:
    """Move the dead letters of a consumer queue back into it, once the cause is fixed."""
    from shared.dead_letters import replay_dead_letters

    moved = asyncio.run(replay_dead_letters(ClientsSettings().amqp_url, queue))
    typer.echo(f"{moved} message(s) moved back to {queue}")


async def _in_clients_db(settings: ClientsSettings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction on the clients database."""
    return await _in_db(settings, work)


async def _in_db(settings: ServiceSettings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction on a service's database."""
    from shared.db import create_sessionmaker, settings_engine, unit_of_work

    engine = settings_engine(settings, pool_size=1)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            return await work(session)
    finally:
        await engine.dispose()


user_app = typer.Typer(help="Users of the identity service.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for integrations.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")


def _identity_work(work: Callable[[AsyncSession], Awaitable[dict[str, Any]]]) -> None:
    """Run ``work`` in one transaction on the identity database and print its result as one JSON line.

    A refusal (unknown account, address taken, role too high...) is printed to stderr with exit code 1.
    """
    from shared.errors import ProblemError

    try:
        result = asyncio.run(_in_db(IdentitySettings(), work))
    except ProblemError as refused:
        typer.echo(refused.detail, err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(result, default=str))


@user_app.command("invite")
def user_invite(
    account: Annotated[str, typer.Option(help="The account's id")],
    email: Annotated[str, typer.Option(help="The invited person's e-mail address")],
    role: Annotated[str, typer.Option(help="owner, manager, staff or read_only")] = "staff",
    name: Annotated[str | None, typer.Option(help="Their name (default: the e-mail's local part)")] = None,
) -> None:
    """Invite a user to an account; prints one JSON line with the user and the invitation link (also e-mailed)."""
    from pydantic import ValidationError

    from services.identity.base.domain import COMMAND_LINE
    from services.identity.users.schemas import InvitationCreate
    from services.identity.users.service import invite_user

    try:
        account_id = uuid.UUID(account)
    except ValueError:
        raise typer.BadParameter(f"{account!r} is not an account id", param_hint="--account") from None
    try:
        data = InvitationCreate.model_validate({"email": email, "name": name or email.split("@")[0], "role": role})
    except ValidationError as invalid:
        field = str(invalid.errors()[0]["loc"][0])
        raise typer.BadParameter(invalid.errors()[0]["msg"], param_hint=f"--{field}") from None
    settings = IdentitySettings()

    async def work(session: AsyncSession) -> dict[str, Any]:
        made = await invite_user(session, settings=settings, account_id=account_id, data=data, actor=COMMAND_LINE)
        return {"user": made["user"], "invitation_url": made["invitation_url"], "expires_at": made["expires_at"]}

    _identity_work(work)


@token_app.command("issue")
def token_issue(
    user: Annotated[str, typer.Option(help="The user it acts as: id or e-mail address")],
    role: Annotated[str, typer.Option(help="At most the user's role")],
    ttl: Annotated[str, typer.Option(help="Lifetime, e.g. 30d or 12h (at most a year)")],
    name: Annotated[str, typer.Option(help="A name to recognise it by")] = "command line",
) -> None:
    """Issue an API token for a user; prints one JSON line with the token (shown once)."""
    from services.identity.api_tokens.domain import parse_ttl
    from services.identity.api_tokens.service import issue_for_user

    settings = IdentitySettings()
    try:
        lifetime = parse_ttl(ttl, max_days=settings.api_token_max_days)
    except ValueError as invalid:
        raise typer.BadParameter(str(invalid), param_hint="--ttl") from None
    _identity_work(lambda s: issue_for_user(s, settings=settings, user=user, role=role, ttl=lifetime, name=name))


@account_app.command("close")
def account_close(account: Annotated[str, typer.Argument(help="The account's id")]) -> None:
    """Close an account in identity: no more sign-ins, its tokens refused everywhere; prints one JSON line."""
    from services.identity.accounts.service import close_account
    from services.identity.base.domain import COMMAND_LINE

    try:
        account_id = uuid.UUID(account)
    except ValueError:
        raise typer.BadParameter(f"{account!r} is not an account id", param_hint="ACCOUNT") from None
    _identity_work(lambda s: close_account(s, account_id=account_id, actor=COMMAND_LINE))
