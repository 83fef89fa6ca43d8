"""The reminders API: lists in the account's time zone (DST included), edits, events, bad input, client life."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, pool, text

from services.reminders.accounts.domain import local_day, to_utc
from services.reminders.client_replica.domain import without_text
from shared.events.reminders import ReminderEmailRequested
from shared.migrations import upgrade
from tests.access_support import _engine as _access_engine_of
from tests.access_support import announce_account, announce_user, mint_token, user_uuid
from tests.conftest import AMQP_URL, DB_SUFFIX, recreate_database
from tests.reminders_support import (  # noqa: F401 (fixtures)
    RemAccount,
    known_client,
    new_rem_account,
    rem_account,
    rem_api,
    rem_sql,
    reminders_app,
    send_client_event,
    snapshot,
)
from tests.support import EventTap, eventually

PARIS = ZoneInfo("Europe/Paris")


def test_local_days_last_two_dst_sundays_of_2027_last_23_and_25_hours():
    spring = local_day(datetime(2027, 3, 28, 12, tzinfo=UTC), PARIS)
    autumn = local_day(datetime(2027, 10, 31, 12, tzinfo=UTC), PARIS)
    assert spring == (datetime(2027, 3, 27, 23, tzinfo=UTC), datetime(2027, 3, 28, 22, tzinfo=UTC))
    assert autumn == (datetime(2027, 10, 30, 22, tzinfo=UTC), datetime(2027, 10, 31, 23, tzinfo=UTC))
    with pytest.raises(ValueError, match="does not exist"):
        to_utc(datetime(2027, 3, 28, 2, 30), PARIS)
    assert to_utc(datetime(2027, 10, 31, 2, 30), PARIS) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


async def _create(rem_api, account, client_id, due_at, text="Rappeler", **extra):
    response = await rem_api.post(
        "/api/reminders",
        headers=account.headers,
        json={"client_id": client_id, "due_at": due_at, "text": text, **extra},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_times_are_utc_and_local_with_their_offset_across_dst(rem_api, rem_account, rem_sql):
    client_id = await known_client(rem_sql, rem_account.id)
    assert (await rem_api.get("/api/reminders/settings", headers=rem_account.headers)).json() == {
        "timezone": "Europe/Paris"
    }
    before = await _create(rem_api, rem_account, client_id, "2027-03-27T09:00:00")
    after = await _create(rem_api, rem_account, client_id, "2027-03-28T09:00:00")
    autumn = await _create(rem_api, rem_account, client_id, "2027-10-31T09:00:00")
    explicit = await _create(rem_api, rem_account, client_id, "2027-10-31T08:00:00Z")
    assert [r["due_at"] for r in (before, after, autumn, explicit)] == [
        "2027-03-27T08:00:00Z",
        "2027-03-28T07:00:00Z",
        "2027-10-31T08:00:00Z",
        "2027-10-31T08:00:00Z",
    ]
    assert [r["due_at_local"] for r in (before, after, autumn, explicit)] == [
        "2027-03-27T09:00:00+01:00",
        "2027-03-28T09:00:00+02:00",
        "2027-10-31T09:00:00+01:00",
        "2027-10-31T09:00:00+01:00",
    ]
    skipped = await rem_api.post(
        "/api/reminders",
        headers=rem_account.headers,
        json={"client_id": client_id, "due_at": "2027-03-28T02:30:00", "text": "x"},
    )
    assert skipped.status_code == 422 and skipped.json()["errors"][0]["field"] == "due_at"
    await rem_api.put("/api/reminders/settings", headers=rem_account.headers, json={"timezone": "America/New_York"})
    shown = (await rem_api.get(f"/api/reminders/{after['id']}", headers=rem_account.headers)).json()
    assert shown["due_at_local"] == "2027-03-28T03:00:00-04:00" and shown["timezone"] == "America/New_York"


def _zone_at_midday() -> ZoneInfo:
    """A zone where it is now between 06:00 and 18:00, so today, yesterday and tomorrow are unambiguous."""
    now = datetime.now(UTC)
    for name in (
        "Europe/Paris",
        "America/New_York",
        "America/Los_Angeles",
        "Asia/Tokyo",
        "Asia/Kolkata",
        "Pacific/Auckland",
        "America/Sao_Paulo",
        "Asia/Dubai",
    ):
        if 6 <= now.astimezone(ZoneInfo(name)).hour < 18:
            return ZoneInfo(name)
    raise AssertionError("no zone at midday")


async def test_lists_follow_the_account_day_client_assignee_and_pages(rem_api, rem_account, rem_sql):
    tz = _zone_at_midday()
    await rem_api.put("/api/reminders/settings", headers=rem_account.headers, json={"timezone": tz.key})
    announce_user(rem_account.id, "paul", "staff")
    paul = str(user_uuid(rem_account.id, "paul"))
    first, second = [await known_client(rem_sql, rem_account.id) for _ in range(2)]
    today = datetime.now(tz).date()
    local = lambda day, hour, minute=0: f"{day.isoformat()}T{hour:02d}:{minute:02d}:00"  # noqa: E731
    overdue = await _create(rem_api, rem_account, first, local(today - timedelta(days=1), 12))
    early = await _create(rem_api, rem_account, first, local(today, 0, 5))
    late = await _create(rem_api, rem_account, second, local(today, 23, 55), assigned_user=paul)
    upcoming = await _create(rem_api, rem_account, second, local(today + timedelta(days=1), 0, 5))
    done = await _create(rem_api, rem_account, first, local(today + timedelta(days=3), 9))
    await rem_api.post(f"/api/reminders/{done['id']}/done", headers=rem_account.headers)
    assert early["fired_at"] is not None and late["fired_at"] is None  # a past due time fired at once

    async def ids(**params):
        response = await rem_api.get("/api/reminders", headers=rem_account.headers, params=params)
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()["items"]]

    assert await ids(status="overdue") == [overdue["id"]]
    assert await ids(status="due_today") == [early["id"], late["id"]]
    assert await ids(status="upcoming") == [upcoming["id"]]
    assert await ids(status="done") == [done["id"]]
    assert await ids(client_id=second) == [late["id"], upcoming["id"]]
    assert await ids(assigned_user=paul) == [late["id"]]
    assert await ids(status="due_today", client_id=first) == [early["id"]]
    page = (await rem_api.get("/api/reminders", headers=rem_account.headers, params={"limit": 2})).json()
    assert [r["id"] for r in page["items"]] == [overdue["id"], early["id"]]
    rest = await ids(cursor=page["next_cursor"], limit=10)
    assert rest == [late["id"], upcoming["id"], done["id"]]
    other = await new_rem_account(rem_api)
    assert (await rem_api.get("/api/reminders", headers=other.headers)).json()["items"] == []
    assert (await rem_api.get(f"/api/reminders/{late['id']}", headers=other.headers)).status_code == 404


async def test_every_change_is_an_event_in_version_order(rem_api, rem_account, rem_sql):
    client_id = await known_client(rem_sql, rem_account.id)
    announce_user(rem_account.id, "anne", "staff")
    anne = str(user_uuid(rem_account.id, "anne"))
    async with EventTap(AMQP_URL, "negoce.reminders") as tap:
        created = await _create(rem_api, rem_account, client_id, "2030-01-15T10:00:00+01:00")
        rid, h = created["id"], rem_account.headers
        edited = (
            await rem_api.patch(
                f"/api/reminders/{rid}", headers=h, json={"text": "Relancer le devis", "assigned_user": anne}
            )
        ).json()
        assert edited["text"] == "Relancer le devis" and edited["assigned_user"] == anne
        moved = (
            await rem_api.post(f"/api/reminders/{rid}/reschedule", headers=h, json={"due_at": "2030-02-01T08:30:00"})
        ).json()
        assert moved["due_at"] == "2030-02-01T07:30:00Z"
        snoozed = (await rem_api.post(f"/api/reminders/{rid}/snooze", headers=h, json={"minutes": 60})).json()
        due = datetime.fromisoformat(snoozed["due_at"])
        assert abs(due - (datetime.now(UTC) + timedelta(minutes=60))) < timedelta(seconds=30)
        finished = (await rem_api.post(f"/api/reminders/{rid}/done", headers=h)).json()
        assert finished["status"] == "done" and finished["done_by"] == str(user_uuid(rem_account.id, "tester"))
        again = await rem_api.post(f"/api/reminders/{rid}/done", headers=h)
        assert again.status_code == 409 and again.json()["reason"] == "reminder_done"
        assert (await rem_api.patch(f"/api/reminders/{rid}", headers=h, json={"text": "x"})).status_code == 409
        assert (await rem_api.delete(f"/api/reminders/{rid}", headers=h)).status_code == 204
        assert (await rem_api.get(f"/api/reminders/{rid}", headers=h)).status_code == 404

        def mine():
            return [b for b in tap.bodies() if b["payload"]["reminder_id"] == rid]

        events = await eventually(lambda: len(mine()) == 6 and mine())
    assert [(e["type"], e["payload"]["version"]) for e in events] == [
        ("reminder.created", 1),
        ("reminder.updated", 2),
        ("reminder.updated", 3),
        ("reminder.updated", 4),
        ("reminder.done", 5),
        ("reminder.deleted", 6),
    ]
    assert {e["account_id"] for e in events} == {str(rem_account.id)}
    assert events[4]["payload"]["done_at"] is not None and events[4]["payload"]["by_user"] == str(
        user_uuid(rem_account.id, "tester")
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "x"}, "due_at"),
        ({"due_at": "next tuesday", "text": "x"}, "due_at"),
        ({"due_at": "2027-02-30T10:00:00", "text": "x"}, "due_at"),
        ({"due_at": "2027-03-28T02:15:00", "text": "x"}, "due_at"),
        ({"due_at": "2030-01-01T10:00:00Z", "text": "x" * 2001}, "text"),
        ({"due_at": "2030-01-01T10:00:00Z", "text": ""}, "text"),
        ({"due_at": "2030-01-01T10:00:00Z", "text": "x", "assigned_user": "nobody"}, "assigned_user"),
        ({"due_at": "2030-01-01T10:00:00Z", "text": "x", "colour": "red"}, "colour"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field(rem_api, rem_account, rem_sql, body, field):
    client_id = await known_client(rem_sql, rem_account.id)
    response = await rem_api.post("/api/reminders", headers=rem_account.headers, json={"client_id": client_id, **body})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field


async def test_other_bad_input_names_its_field(rem_api, rem_account, rem_sql):
    h = rem_account.headers
    client_id = await known_client(rem_sql, rem_account.id)
    created = await _create(rem_api, rem_account, client_id, "2030-01-01T10:00:00Z")
    cases = [
        (rem_api.put("/api/reminders/settings", headers=h, json={"timezone": "Europe/Atlantis"}), "timezone"),
        (rem_api.get("/api/reminders", headers=h, params={"status": "someday"}), "status"),
        (rem_api.get("/api/reminders", headers=h, params={"cursor": "garbage"}), "cursor"),
        (rem_api.post(f"/api/reminders/{created['id']}/snooze", headers=h, json={"minutes": 0}), "minutes"),
        (rem_api.post(f"/api/reminders/{created['id']}/reschedule", headers=h, json={"due_at": "soon"}), "due_at"),
        (rem_api.patch(f"/api/reminders/{created['id']}", headers=h, json={"assigned_user": "ghost"}), "assigned_user"),
    ]
    for call, field in cases:
        response = await call
        assert response.status_code == 422, (field, response.text)
        assert response.json()["errors"][0]["field"] == field, response.text
    assert (await rem_api.patch(f"/api/reminders/{created['id']}", headers=h, json={})).status_code == 422


async def test_clients_unknown_here_or_of_another_account_are_refused(rem_api, rem_account, rem_sql):
    stranger = await known_client(rem_sql, uuid.uuid4())
    for client_id in (stranger, 987_654_321_987):
        response = await rem_api.post(
            "/api/reminders",
            headers=rem_account.headers,
            json={"client_id": client_id, "due_at": "2030-01-01T10:00:00Z", "text": "x"},
        )
        assert response.status_code == 404 and response.json()["errors"][0]["field"] == "client_id"


async def test_client_merge_delete_and_erasure_reach_reminders(rem_api, rem_account, rem_sql):
    kept, merged, deleted, erased = [await known_client(rem_sql, rem_account.id) for _ in range(4)]
    pending = await _create(rem_api, rem_account, merged, "2030-01-01T10:00:00Z")
    finished = await _create(rem_api, rem_account, merged, "2030-01-02T10:00:00Z")
    await rem_api.post(f"/api/reminders/{finished['id']}/done", headers=rem_account.headers)
    doomed = await _create(rem_api, rem_account, deleted, "2030-01-01T10:00:00Z")
    secret = await _create(rem_api, rem_account, erased, "2030-01-01T10:00:00Z", text="Appeler Mme Durand, 06 12")
    async with EventTap(AMQP_URL, "negoce.reminders", routing_key="reminder.updated") as tap:
        await send_client_event(
            rem_account.id,
            "client.merged",
            {"merge_id": 1, "kept_client_id": kept, "merged_client_id": merged, "kept_version": 3, "by_user": "boss"},
        )
        await send_client_event(
            rem_account.id, "client.deleted", {"client_id": deleted, "version": 2, "by_user": "boss"}
        )
        await send_client_event(
            rem_account.id,
            "client.erased",
            {"client_id": erased, "version": 2, "pseudonym": "Client 1234", "by_user": "boss"},
        )

        async def moved():
            listed = await rem_api.get("/api/reminders", headers=rem_account.headers, params={"client_id": kept})
            return [r["id"] for r in listed.json()["items"]] == [pending["id"], finished["id"]]

        await eventually(moved)
        [update] = await eventually(lambda: tap.bodies())
    assert update["payload"]["reminder_id"] == pending["id"] and update["payload"]["client_id"] == kept
    assert update["payload"]["version"] == 2 and update["payload"]["by_user"] == "boss"

    async def gone():
        return (await rem_api.get(f"/api/reminders/{doomed['id']}", headers=rem_account.headers)).status_code == 404

    await eventually(gone)

    async def blanked():
        body = (await rem_api.get(f"/api/reminders/{secret['id']}", headers=rem_account.headers)).json()
        return body["text"] == "" and body["due_at"] == secret["due_at"]

    await eventually(blanked)
    kept_copies = await rem_sql("SELECT count(*) FROM outbox WHERE body::text LIKE '%Mme Durand%'")
    assert kept_copies[0][0] == 0, "the erased text stays in no published event's copy"
    refused = await rem_api.post(
        "/api/reminders",
        headers=rem_account.headers,
        json={"client_id": merged, "due_at": "2030-01-01T10:00:00Z", "text": "x"},
    )
    assert refused.status_code == 409 and refused.json()["kept_client_id"] == kept
    assert refused.json()["errors"][0]["field"] == "client_id"
    refused = await rem_api.post(
        "/api/reminders",
        headers=rem_account.headers,
        json={"client_id": deleted, "due_at": "2030-01-01T10:00:00Z", "text": "x"},
    )
    assert refused.status_code == 404 and refused.json()["errors"][0]["field"] == "client_id"
    final = await known_client(rem_sql, rem_account.id)
    await send_client_event(
        rem_account.id,
        "client.merged",
        {"merge_id": 2, "kept_client_id": final, "merged_client_id": kept, "kept_version": 2, "by_user": "boss"},
    )

    async def chained():
        response = await rem_api.post(
            "/api/reminders",
            headers=rem_account.headers,
            json={"client_id": merged, "due_at": "2030-01-01T10:00:00Z", "text": "x"},
        )
        return response.status_code == 409 and response.json()["kept_client_id"] == final

    await eventually(chained)


async def test_a_delete_that_overtakes_the_creation_still_wins(rem_api, rem_account, rem_sql):
    client_id = 3 * 10**9 + uuid.uuid4().int % 10**8
    await send_client_event(rem_account.id, "client.deleted", {"client_id": client_id, "version": 2, "by_user": "x"})

    async def deleted_seen():
        return bool(await rem_sql("SELECT 1 FROM client_replicas WHERE client_id = :c AND deleted", c=client_id))

    await eventually(deleted_seen)
    await send_client_event(rem_account.id, "client.created", snapshot(client_id))

    async def created_seen():
        return bool(await rem_sql("SELECT 1 FROM client_replicas WHERE client_id = :c AND version = 1", c=client_id))

    await eventually(created_seen)
    refused = await rem_api.post(
        "/api/reminders",
        headers=rem_account.headers,
        json={"client_id": client_id, "due_at": "2030-01-01T10:00:00Z", "text": "x"},
    )
    assert refused.status_code == 404


async def test_a_reminder_created_already_due_fires_at_once_into_feed_and_mail_request(rem_api, rem_sql):
    account = await new_rem_account(rem_api, email="tester@cave.example")
    client_id = await known_client(rem_sql, account.id, name="Domaine Lebrun")
    async with EventTap(AMQP_URL, "negoce.reminders", routing_key="reminder.*") as tap:
        past = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
        created = await _create(rem_api, account, client_id, past, text="Rappeler pour la commande")
        assert created["fired_at"] is not None

        def of_reminder(kind: str) -> list[dict]:
            return [b for b in tap.bodies(kind) if b["payload"]["reminder_id"] == created["id"]]

        [due] = await eventually(lambda: of_reminder("reminder.due"))
        [mail] = await eventually(lambda: of_reminder("reminder.email_requested"))
    assert due["payload"]["text"] == "Rappeler pour la commande" and due["account_id"] == str(account.id)
    feed = (await rem_api.get("/api/reminders/notifications", headers=account.headers)).json()
    assert [n["reminder_id"] for n in feed] == [created["id"]] and feed[0]["read_at"] is None
    # The e-mail is asked of the mailings service, written in the firing's transaction with reminder.due.
    assert mail["account_id"] == str(account.id) and mail["correlation_id"] == due["correlation_id"]
    assert mail["payload"] == {
        "notification_id": feed[0]["id"],
        "reminder_id": created["id"],
        "client_id": client_id,
        "user_id": str(user_uuid(account.id, "tester")),
        "to_address": "tester@cave.example",
        "subject": "Rappel : Domaine Lebrun",
        "body": mail["payload"]["body"],
    }
    assert "Rappeler pour la commande" in mail["payload"]["body"] and "Domaine Lebrun" in mail["payload"]["body"]
    stranger = await rem_api.post(
        f"/api/reminders/notifications/{feed[0]['id']}/read", headers=account.headers_for("someone-else")
    )
    assert stranger.status_code == 404
    read = await rem_api.post(f"/api/reminders/notifications/{feed[0]['id']}/read", headers=account.headers)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert (
        await rem_api.get("/api/reminders/notifications", headers=account.headers, params={"unread": True})
    ).json() == []


async def test_an_assignee_identity_has_not_announced_gets_the_feed_entry_and_no_mail_request(rem_api, rem_sql):
    account = RemAccount(id=uuid.uuid4(), user="ghost")
    announce_account(account.id)
    # A token whose user's user.joined has not arrived yet: no known address to e-mail.
    account.tokens["ghost"] = mint_token(account_id=account.id, user="ghost")
    client_id = await known_client(rem_sql, account.id)
    created = await _create(rem_api, account, client_id, (datetime.now(UTC) - timedelta(seconds=1)).isoformat())
    rows = await rem_sql(
        "SELECT routing_key FROM outbox WHERE (body->'payload'->>'reminder_id')::bigint = :r ORDER BY position",
        r=created["id"],
    )
    assert [r[0] for r in rows] == ["reminder.created", "reminder.due"]


def test_pending_email_intents_become_mail_requests_at_upgrade():
    # Before the upgrade, reminders sent its own e-mails from notification_emails: one still
    # pending then must still be delivered, now by the mailings service.
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/negoce_reminders_test{DB_SUFFIX}_intents"
    recreate_database(url)
    upgrade(service="reminders", sync_url=url, revision="0004")
    engine = create_engine(url, poolclass=pool.NullPool)
    account_id = uuid.uuid4()
    try:
        with engine.begin() as connection:
            reminder_id = connection.execute(
                text(
                    "INSERT INTO reminders (account_id, client_id, due_at, text, assigned_user, created_by, version,"
                    " fired_at) VALUES (:a, 42, now(), 'Relancer', 'bob', 'bob', 1, now()) RETURNING id"
                ),
                {"a": account_id},
            ).scalar_one()
            notification_id = connection.execute(
                text(
                    "INSERT INTO notifications (account_id, user_id, reminder_id, client_id, due_at, text)"
                    " VALUES (:a, 'bob', :r, 42, now(), 'Relancer') RETURNING id"
                ),
                {"a": account_id, "r": reminder_id},
            ).scalar_one()
            connection.execute(
                text(
                    "INSERT INTO notification_emails (account_id, notification_id, to_address, subject, body,"
                    " status, attempts) VALUES (:a, :n, 'bob@cave.example', 'Rappel : Cave', 'Relancer', :s, :t)"
                ),
                [
                    {"a": account_id, "n": notification_id, "s": "pending", "t": 2},
                    {"a": account_id, "n": notification_id, "s": "sent", "t": 1},
                ],
            )
        upgrade(service="reminders", sync_url=url)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT routing_key, body, correlation_id FROM outbox")).all()
            left = connection.execute(text("SELECT to_regclass('notification_emails')")).scalar_one()
    finally:
        engine.dispose()
        recreate_database(url)  # drops it
    [(routing_key, body, correlation)] = rows  # the pending one only: the sent one was delivered already
    event = ReminderEmailRequested.model_validate(body)
    assert routing_key == event.type == "reminder.email_requested" and left is None
    assert str(event.event_id) == body["event_id"] and event.account_id == account_id
    assert correlation == event.correlation_id == f"reminder-{reminder_id}"
    assert event.payload.model_dump() == {
        "notification_id": notification_id,
        "reminder_id": reminder_id,
        "client_id": 42,
        "user_id": "bob",
        "to_address": "bob@cave.example",
        "subject": "Rappel : Cave",
        "body": "Relancer",
    }


def test_an_erasure_leaves_a_pending_mail_request_without_the_client_name_or_text():
    requested = {"notification_id": 1, "reminder_id": 2, "client_id": 3, "user_id": "bob", "to_address": "b@x.fr"}
    erased = without_text("reminder.email_requested", {**requested, "subject": "Rappel : Durand", "body": "Durand"})
    assert erased == {**requested, "subject": "Rappel : client 3", "body": ""}


async def test_a_late_snapshot_does_not_bring_back_an_erased_name(rem_account, rem_sql):
    client_id = 4 * 10**9 + uuid.uuid4().int % 10**8
    erased = await send_client_event(
        rem_account.id,
        "client.erased",
        {"client_id": client_id, "version": 4, "pseudonym": "Client 4242", "by_user": "x"},
    )
    created = await send_client_event(rem_account.id, "client.created", snapshot(client_id, name="Durand"))

    async def both_applied():
        rows = await rem_sql(
            "SELECT count(*) FROM inbox WHERE consumer = 'reminders' AND event_id = ANY(:ids)", ids=[erased, created]
        )
        return rows[0][0] == 2

    await eventually(both_applied)
    rows = await rem_sql("SELECT display_name, version FROM client_replicas WHERE client_id = :c", c=client_id)
    assert [tuple(r) for r in rows] == [("Client 4242", 4)]


def _access_engine():
    return _access_engine_of("reminders")


async def test_reminders_are_assigned_to_the_caller_or_an_active_user_identity_announced(rem_api, rem_sql):
    account = RemAccount(id=uuid.uuid4(), user="admin")
    client_id = await known_client(rem_sql, account.id)
    created = await rem_api.post(
        "/api/reminders",
        headers=account.headers,
        json={"client_id": client_id, "due_at": "2030-01-01T10:00:00Z", "text": "Relancer"},
    )
    admin = str(user_uuid(account.id, "admin"))
    assert created.status_code == 201, created.text
    assert created.json()["assigned_user"] == admin
    announce_user(account.id, "alice", "staff", email="alice@cave.example")
    alice = str(user_uuid(account.id, "alice"))
    users = (await rem_api.get("/api/reminders/users", headers=account.headers)).json()
    assert {u["user_id"]: (u["display_name"], u["email"]) for u in users} == {
        admin: ("admin", f"{user_uuid(account.id, 'admin').hex[:12]}@example.com"),
        alice: ("alice", "alice@cave.example"),
    }
    assigned = await rem_api.post(
        "/api/reminders",
        headers=account.headers,
        json={"client_id": client_id, "due_at": "2030-01-02T10:00:00Z", "text": "Encore", "assigned_user": alice},
    )
    assert assigned.status_code == 201, assigned.text
    # Someone identity never announced (or a name from before identity) cannot be given work.
    for stranger in ("bob", str(uuid.uuid4())):
        other = await rem_api.post(
            "/api/reminders",
            headers=account.headers,
            json={"client_id": client_id, "due_at": "2030-01-03T10:00:00Z", "text": "x", "assigned_user": stranger},
        )
        assert other.status_code == 422 and other.json()["errors"][0]["field"] == "assigned_user"
    # Nor, once disabled, can alice; and the directory no longer lists her.
    with _access_engine().begin() as connection:
        connection.execute(text("UPDATE known_users SET active = false WHERE user_id = :u"), {"u": alice})
    refused = await rem_api.post(
        "/api/reminders",
        headers=account.headers,
        json={"client_id": client_id, "due_at": "2030-01-04T10:00:00Z", "text": "x", "assigned_user": alice},
    )
    assert refused.status_code == 422
    assert [u["user_id"] for u in (await rem_api.get("/api/reminders/users", headers=account.headers)).json()] == [
        admin
    ]


async def test_a_client_name_with_a_line_break_still_gets_its_notification_on_one_line(rem_api, rem_sql):
    # A name as an older clients service let it through, carried by its client.created event.
    account = await new_rem_account(rem_api, email="one-line@cave.example")
    client_id = await known_client(rem_sql, account.id, name="Cave\r\nBcc: victime@example.fr")
    created = await _create(rem_api, account, client_id, (datetime.now(UTC) - timedelta(minutes=1)).isoformat())
    [(subject,)] = await rem_sql(
        "SELECT body->'payload'->>'subject' FROM outbox WHERE routing_key = 'reminder.email_requested'"
        " AND (body->'payload'->>'reminder_id')::bigint = :r",
        r=created["id"],
    )
    assert subject == "Rappel : Cave Bcc: victime@example.fr"
