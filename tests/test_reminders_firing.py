"""Firing with real Celery processes: on time, exactly once, through crashes, restarts and two workers."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
from collections import Counter
from datetime import UTC, datetime, timedelta

from tests.conftest import AMQP_URL, VHOST
from tests.mailings_support import mailings_app, smtp  # noqa: F401 (fixtures)
from tests.reminders_support import (  # noqa: F401 (fixtures)
    celery_cluster,
    known_client,
    new_rem_account,
    rem_api,
    rem_sql,
    reminders_app,
)
from tests.support import EventTap, eventually


async def _create_many(rem_api, account, client_id, count, *, in_seconds):
    """Reminders due in a few seconds, all created before that time (one created already due fires at once)."""
    due = datetime.now(UTC) + timedelta(seconds=in_seconds)
    responses = await asyncio.gather(
        *(
            rem_api.post(
                "/api/reminders",
                headers=account.headers,
                json={"client_id": client_id, "due_at": due.isoformat(), "text": f"Rappel {n}"},
            )
            for n in range(count)
        )
    )
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
    assert datetime.now(UTC) < due, f"creating {count} reminders took more than {in_seconds} s"
    return [r.json()["id"] for r in responses]


async def _firings(rem_sql, ids):
    """How many reminder.due outbox rows and notifications each reminder has."""
    due = await rem_sql(
        "SELECT (body->'payload'->>'reminder_id')::bigint, count(*) FROM outbox "
        "WHERE routing_key = 'reminder.due' AND (body->'payload'->>'reminder_id')::bigint = ANY(:ids) "
        "GROUP BY 1",
        ids=ids,
    )
    feed = await rem_sql(
        "SELECT reminder_id, count(*) FROM notifications WHERE reminder_id = ANY(:ids) GROUP BY 1", ids=ids
    )
    return dict(due), dict(feed)


async def _fired_once(rem_sql, ids):
    due, feed = await _firings(rem_sql, ids)
    return due == feed == dict.fromkeys(ids, 1)


def _published(tap, ids):
    """Distinct reminder.due events per reminder seen on the exchange (a re-publish keeps its event id)."""
    wanted = set(ids)
    seen = {
        (b["payload"]["reminder_id"], b["event_id"])
        for b in tap.bodies("reminder.due")
        if b["payload"]["reminder_id"] in wanted
    }
    return Counter(reminder_id for reminder_id, _ in seen)


async def test_due_reminders_fire_on_time_once_with_event_feed_and_mail(
    rem_api, rem_sql, celery_cluster, mailings_app, smtp
):
    # The e-mails travel as reminder.email_requested over the real broker; mailings sends them.
    account = await new_rem_account(rem_api, email="vigneron@cave.example")
    client_id = await known_client(rem_sql, account.id, name="Cave Martin")
    celery_cluster.worker()
    celery_cluster.beat()
    async with EventTap(AMQP_URL, "negoce.reminders", routing_key="reminder.due") as tap:
        *ids, finished = await _create_many(rem_api, account, client_id, 6, in_seconds=3)
        due_at = datetime.now(UTC) + timedelta(seconds=3)
        await rem_api.post(f"/api/reminders/{finished}/done", headers=account.headers)
        await eventually(lambda: _fired_once(rem_sql, ids), timeout=30)
        await eventually(lambda: _published(tap, ids) == dict.fromkeys(ids, 1), timeout=10)
        late = (datetime.now(UTC) - due_at).total_seconds()
        assert late < 5, f"fired {late:.1f} s after the due time"
        feed = (await rem_api.get("/api/reminders/notifications", headers=account.headers)).json()
        assert sorted(n["reminder_id"] for n in feed) == sorted(ids)
        mails = await eventually(
            lambda: len(smtp.to("vigneron@cave.example")) == 5 and smtp.to("vigneron@cave.example"), timeout=20
        )
        assert {m.message["Subject"] for m in mails} == {"Rappel : Cave Martin"}
        assert {m.mail_from for m in mails} == {"rappels@negoce.localhost"}
        assert len({m.message_id for m in mails}) == 5, "one Message-ID per e-mail"
        # Rescheduled after firing, a reminder fires once more at its new time, and only then.
        again = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
        await rem_api.post(f"/api/reminders/{ids[0]}/reschedule", headers=account.headers, json={"due_at": again})
        await eventually(lambda: _published(tap, ids)[ids[0]] == 2, timeout=15)
        await asyncio.sleep(1.5)  # more ticks change nothing
    assert await _firings(rem_sql, ids) == ({**dict.fromkeys(ids, 1), ids[0]: 2},) * 2
    assert await _firings(rem_sql, [finished]) == ({}, {}), "a reminder done before its time never fires"
    await eventually(lambda: len(smtp.to("vigneron@cave.example")) >= 6, timeout=20)
    assert len(smtp.to("vigneron@cave.example")) == 6


async def _locked_by_worker(rem_sql, ids):
    """Whether another transaction holds every one of these rows (SKIP LOCKED sees none of them)."""
    free = await rem_sql("SELECT id FROM reminders WHERE id = ANY(:ids) FOR UPDATE SKIP LOCKED", ids=ids)
    return not free


async def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(rem_api, rem_sql, celery_cluster):
    account = await new_rem_account(rem_api)
    client_id = await known_client(rem_sql, account.id)
    stuck = celery_cluster.worker("stuck", fire_hold_seconds=30)
    celery_cluster.beat()
    ids = await _create_many(rem_api, account, client_id, 30, in_seconds=3)
    await eventually(lambda: _locked_by_worker(rem_sql, ids), timeout=30)
    stuck.kill()  # SIGKILL while the claim transaction holds the batch, uncommitted
    await asyncio.sleep(0.5)
    assert await _firings(rem_sql, ids) == ({}, {})
    rows = await rem_sql("SELECT count(*) FROM reminders WHERE id = ANY(:ids) AND fired_at IS NULL", ids=ids)
    assert rows[0][0] == 30
    celery_cluster.worker("back")
    await eventually(lambda: _fired_once(rem_sql, ids), timeout=30)


async def test_two_workers_and_a_restarted_beat_fire_each_reminder_once(rem_api, rem_sql, celery_cluster):
    account = await new_rem_account(rem_api)
    client_id = await known_client(rem_sql, account.id)
    # Small batches held a little: one worker alone would need 6 batches in a row.
    hold = 0.3
    for name in ("w1", "w2"):
        celery_cluster.worker(name, fire_batch_size=50, fire_hold_seconds=hold)
    beat = celery_cluster.beat()
    async with EventTap(AMQP_URL, "negoce.reminders", routing_key="reminder.due") as tap:
        # What matters is that all 300 come due at one instant after they exist; 300 requests on the test
        # app's six connections take 9-16 s on a 2-core machine, so they are made due in an hour and then
        # brought forward together (the claim reads nothing but due_at), rather than waited for.
        first = await _create_many(rem_api, account, client_id, 300, in_seconds=3600)
        await rem_sql(
            "UPDATE reminders SET due_at = now() + interval '1 second' WHERE id = ANY(:ids) RETURNING id", ids=first
        )
        await eventually(lambda: _fired_once(rem_sql, first), timeout=30)
        starts = [
            r[0]
            for r in await rem_sql("SELECT DISTINCT fired_at FROM reminders WHERE id = ANY(:ids) ORDER BY 1", ids=first)
        ]
        # A solo worker runs one claim transaction at a time: two starting closer than the hold overlapped,
        # so both workers were claiming at once.
        assert any((b - a).total_seconds() < hold for a, b in itertools.pairwise(starts)), starts
        beat.kill()
        # Ticks beat sent before it died are still taken (they expire after a few seconds): let them go.
        await eventually(lambda: celery_cluster.ticks_waiting() == 0, timeout=30)
        second = await _create_many(rem_api, account, client_id, 50, in_seconds=3)
        await asyncio.sleep(5)
        assert await _firings(rem_sql, second) == ({}, {}), "nothing fires without beat"
        celery_cluster.beat()
        await eventually(lambda: _fired_once(rem_sql, second), timeout=30)
        ids = first + second
        await eventually(lambda: _published(tap, ids) == dict.fromkeys(ids, 1), timeout=15)
    await asyncio.sleep(1)
    assert await _fired_once(rem_sql, first + second)


def _close_vhost_connections() -> int:
    """Close the AMQP connections of this test run's vhost (the relay's among them)."""
    listed = subprocess.run(
        ["rabbitmqctl", "-q", "list_connections", "pid", "vhost"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    pids = [line.split()[0] for line in listed.splitlines() if line.split()[1:] == [VHOST]]
    for pid in pids:
        subprocess.run(
            ["rabbitmqctl", "-q", "close_connection", pid, "test: broker restart"], capture_output=True, timeout=60
        )
    return len(pids)


async def test_celery_broker_and_amqp_restarts_lose_no_firing(rem_api, rem_sql, celery_cluster):
    account = await new_rem_account(rem_api)
    client_id = await known_client(rem_sql, account.id)
    celery_cluster.worker()
    celery_cluster.beat()
    async with EventTap(AMQP_URL, "negoce.reminders", routing_key="reminder.due") as tap:
        before = await _create_many(rem_api, account, client_id, 10, in_seconds=2)
        await eventually(lambda: _fired_once(rem_sql, before), timeout=30)
        celery_cluster.redis.kill()
        during = await _create_many(rem_api, account, client_id, 10, in_seconds=2)
        await asyncio.sleep(3.5)
        assert await _firings(rem_sql, during) == ({}, {}), "no tick travels while the broker is down"
        celery_cluster.redis.start()
        await eventually(lambda: _fired_once(rem_sql, during), timeout=40)
        assert await asyncio.to_thread(_close_vhost_connections) >= 1
        after = await _create_many(rem_api, account, client_id, 10, in_seconds=2)
        await eventually(lambda: _fired_once(rem_sql, after), timeout=30)
        ids = before + during + after

        async def all_published():
            return _published(tap, ids) == dict.fromkeys(ids, 1)

        await eventually(all_published, timeout=30)
