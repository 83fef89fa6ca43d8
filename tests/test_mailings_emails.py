"""E-mails: to clients queued by the API, to users asked by reminders, delivered through a real SMTP server."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import uuid
from collections import Counter
from datetime import UTC, datetime
from email import message_from_bytes, policy
from functools import partial

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import text

from services.mailings.app import create_app
from services.mailings.client_replica import hooks as replica
from services.mailings.emails.domain import build_message
from shared.events.clients import ClientCreated, ClientDeleted, ClientDeletedPayload
from shared.events.envelope import new_event
from shared.events.reminders import ReminderEmailRequestedPayload
from tests.access_support import user_uuid
from tests.conftest import AMQP_URL, isolated_database, running
from tests.mailings_support import (  # noqa: F401 (fixtures)
    BUSY,
    HELD,
    REFUSED,
    SmtpRecorder,
    account,
    client_events,
    contact,
    free_port,
    known_client,
    mail_account,
    mailings_api,
    mailings_app,
    mailings_settings,
    replica_row,
    send,
    settled,
    smtp,
    snapshot,
)
from tests.support import EventTap, eventually, in_process, publish_event

SUBJECT = "Votre facture d'été — Château Œillet"
BODY = "Bonjour Hélène,\n\nVeuillez trouver votre facture de 1 250,00 €.\nÀ bientôt !\n"


async def test_an_email_is_queued_then_delivered_by_smtp_and_announced(
    mailings_app, mailings_api, client_events, smtp, account
):
    client_id = await known_client(mailings_app, client_events, account, 1, email="client@example.fr")
    async with EventTap(AMQP_URL, "negoce.mailings", "email.*") as tap:
        response = await mailings_api.post(
            "/api/mailings/emails",
            headers={**account.headers, "X-Request-ID": "mail-test-request-1"},
            json={
                "client_id": client_id,
                "subject": SUBJECT,
                "body": BODY,
                "recipients": ["helene@example.fr", "Compta@Example.fr", "helene@example.fr"],
            },
        )
        assert response.status_code == 202, response.text
        queued = response.json()
        assert response.headers["Location"] == queued["href"] == f"/api/mailings/emails/{queued['id']}"
        assert (queued["status"], queued["attempts"], queued["sent_at"]) == ("queued", 0, None)
        assert queued["recipients"] == ["helene@example.fr", "Compta@example.fr"]  # once each, domain lower-cased
        sent = await settled(mailings_api, account, queued["id"], "sent")
        await eventually(lambda: tap.bodies("email.sent"))
    assert sent["attempts"] == 1 and sent["sent_at"] is not None and sent["last_error"] is None
    [received] = smtp.to("helene@example.fr")
    message = received.message
    assert received.mail_from == "no-reply@negoce.localhost"
    assert received.rcpt_tos == ["helene@example.fr", "Compta@example.fr"]
    assert message["Subject"] == SUBJECT and message["To"] == "helene@example.fr, Compta@example.fr"
    assert message["From"] == "Négoce <no-reply@negoce.localhost>"
    assert message["Message-ID"] == f"<email-{queued['id']}@negoce.localhost>"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n") == BODY  # lines end in CRLF on the wire
    assert message["Content-Transfer-Encoding"] == "quoted-printable"  # accents travel through 7-bit relays
    [event] = tap.bodies("email.sent")
    assert (event["account_id"], event["correlation_id"]) == (str(account.id), "mail-test-request-1")
    assert event["payload"] | {"sent_at": None} == {
        "email_id": queued["id"],
        "client_id": client_id,
        "subject": SUBJECT,
        "recipients": ["helene@example.fr", "Compta@example.fr"],
        "document_kind": None,
        "attempts": 1,
        "by_user": str(user_uuid(account.id, "tester")),
        "sent_at": None,
        "error": None,
    }
    assert tap.bodies("email.failed") == []


async def test_recipients_by_document_kind_come_from_the_contacts_flags(
    mailings_app, mailings_api, client_events, smtp, account
):
    client_id = await known_client(
        mailings_app,
        client_events,
        account,
        2,
        email="maison@example.fr",
        contacts=[
            contact(1, "achats@example.fr", "quotes", "proforma"),
            contact(2, "compta@example.fr", "invoices", "dunning"),
            contact(3, "direction@example.fr", "dunning"),
            contact(4, None, "quotes"),  # no address: never a recipient
            contact(5, "ACHATS@example.fr", "quotes"),  # the same mailbox as contact 1
        ],
    )
    expected = {
        "quotes": ["achats@example.fr"],
        "proforma": ["achats@example.fr"],
        "invoices": ["compta@example.fr"],
        "dunning": ["compta@example.fr", "direction@example.fr"],
    }
    for kind, recipients in expected.items():
        email = await send(
            mailings_api, account, client_id=client_id, subject=f"Document {kind}", body="Ci-joint.", document_kind=kind
        )
        assert (email["recipients"], email["document_kind"]) == (recipients, kind)
        await settled(mailings_api, account, email["id"], "sent")
        assert smtp.to(recipients[-1])[-1].message["Subject"] == f"Document {kind}"

    # Nobody flagged for quotes any more: the client's own address receives them.
    await known_client(
        mailings_app,
        client_events,
        account,
        client_id,
        version=2,
        email="maison@example.fr",
        contacts=[contact(2, "compta@example.fr", "invoices")],
    )
    fallback = await send(
        mailings_api, account, client_id=client_id, subject="Devis", body="Ci-joint.", document_kind="quotes"
    )
    assert fallback["recipients"] == ["maison@example.fr"]

    # Neither a flagged contact nor an address: the answer names the field.
    nobody = await known_client(
        mailings_app, client_events, account, 3, email=None, contacts=[contact(7, "x@example.fr", "quotes")]
    )
    refused = await mailings_api.post(
        "/api/mailings/emails",
        headers=account.headers,
        json={"client_id": nobody, "subject": "Facture", "body": "Ci-joint.", "document_kind": "invoices"},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "document_kind" and "invoices" in refused.json()["detail"]

    # An address no relay would take, from the client's record: refused now rather than failed later.
    accented = await known_client(mailings_app, client_events, account, 11, email="hélène@example.fr")
    refused = await mailings_api.post(
        "/api/mailings/emails",
        headers=account.headers,
        json={"client_id": accented, "subject": "Facture", "body": "Ci-joint.", "document_kind": "invoices"},
    )
    assert refused.status_code == 422 and "hélène@example.fr" in refused.json()["detail"]


async def test_bad_input_is_a_422_naming_the_field(mailings_app, mailings_api, client_events, account):
    client_id = await known_client(mailings_app, client_events, account, 4, email="c@example.fr")
    good = {"client_id": client_id, "subject": "Bonjour", "body": "Texte", "recipients": ["a@example.fr"]}
    cases = {
        "subject": {**good, "subject": ""},
        "body": {k: v for k, v in good.items() if k != "body"},
        "recipients.0": {**good, "recipients": ["not-an-address"]},
        "recipients": {**good, "recipients": []},
        "document_kind": {**good, "recipients": None, "document_kind": "catalogue"},
        "client_id": {**good, "client_id": 0},
        "cc": {**good, "cc": ["b@example.fr"]},
    }
    for field, body in cases.items():
        response = await mailings_api.post("/api/mailings/emails", json=body, headers=account.headers)
        assert response.status_code == 422, (field, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], (field, response.json())
    # A line break in the subject would let a caller write headers of its own.
    injected = await mailings_api.post(
        "/api/mailings/emails", headers=account.headers, json={**good, "subject": "Hi\r\nBcc: victim@example.fr"}
    )
    assert injected.status_code == 422 and injected.json()["errors"][0]["field"] == "subject"
    accented = await mailings_api.post(
        "/api/mailings/emails", headers=account.headers, json={**good, "recipients": ["hélène@example.fr"]}
    )
    assert accented.status_code == 422 and accented.json()["errors"][0]["field"] == "recipients.0"
    idn = await send(mailings_api, account, **{**good, "recipients": ["Bob@Château.fr"]})
    assert idn["recipients"] == ["Bob@xn--chteau-xta.fr"]  # as any relay takes it
    both = await mailings_api.post(
        "/api/mailings/emails", headers=account.headers, json={**good, "document_kind": "quotes"}
    )
    assert both.status_code == 422 and both.json()["errors"][0]["field"] == "document_kind"
    neither = await mailings_api.post(
        "/api/mailings/emails", headers=account.headers, json={k: v for k, v in good.items() if k != "recipients"}
    )
    assert neither.status_code == 422 and neither.json()["errors"][0]["field"] == "recipients"
    assert (await mailings_api.get("/api/mailings/emails/0", headers=account.headers)).status_code == 422
    listed = await mailings_api.get("/api/mailings/emails", params={"limit": 0}, headers=account.headers)
    assert listed.status_code == 422 and listed.json()["errors"][0]["field"] == "limit"


async def test_a_subject_holds_no_control_character_that_would_end_its_header(
    mailings_app, mailings_api, client_events, account
):
    client_id = await known_client(mailings_app, client_events, account, 5, email="c@example.fr")
    for subject in ("Facture\x0bBcc: x@example.fr", "Facture\u2028Bcc", "Facture\x85avril", "Facture\tavril"):
        response = await mailings_api.post(
            "/api/mailings/emails",
            headers=account.headers,
            json={"client_id": client_id, "subject": subject, "body": "Texte", "recipients": ["a@example.fr"]},
        )
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "subject", response.text
    assert (
        await mailings_api.get("/api/mailings/emails", params={"client_id": client_id}, headers=account.headers)
    ).json()["items"] == []


async def test_an_email_that_cannot_be_written_fails_for_good_and_the_next_is_sent(smtp):
    settings = mailings_settings(smtp, database_url=isolated_database("mailings", "unwritable"), run_consumers=False)
    account = mail_account()
    app = create_app(settings)
    await replica.apply_snapshot(
        sessions=app.state.context.sessions,
        consumer="mailings",
        event=new_event(ClientCreated, account_id=account.id, payload=snapshot(60, email="c@example.fr")),
    )
    async with in_process(app) as api:  # queued before the sender starts
        broken = await send(
            api, account, client_id=60, subject="Premier", body="Texte", recipients=["broken@example.fr"]
        )
        following = await send(
            api, account, client_id=60, subject="Second", body="Texte", recipients=["following@example.fr"]
        )
    # As queued before subjects were checked: one Python refuses to write as a header, first in line.
    async with app.state.context.engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE emails SET subject = 'Premier' || chr(11) || 'Bcc: x',"
                " next_attempt_at = now() - interval '1 day' WHERE id = :i"
            ),
            {"i": broken["id"]},
        )
    async with running(app), in_process(app) as api:
        failed = await settled(api, account, broken["id"], "failed")
        await settled(api, account, following["id"], "sent")
    assert failed["attempts"] == 1 and "cannot build the message" in failed["last_error"]
    assert smtp.to("broken@example.fr") == [] and len(smtp.to("following@example.fr")) == 1


async def test_another_account_sees_nothing_and_cannot_email_its_clients(
    mailings_app, mailings_api, client_events, account
):
    client_id = await known_client(mailings_app, client_events, account, 5, email="c@example.fr")
    email = await send(
        mailings_api, account, client_id=client_id, subject="Bonjour", body="Texte", recipients=["a@example.fr"]
    )
    other = mail_account()
    assert (await mailings_api.get(email["href"], headers=other.headers)).status_code == 404
    listed = await mailings_api.get("/api/mailings/emails", params={"client_id": client_id}, headers=other.headers)
    assert listed.status_code == 200 and listed.json() == {"items": [], "next": None}
    for client in (client_id, 999_999):
        response = await mailings_api.post(
            "/api/mailings/emails",
            headers=other.headers,
            json={"client_id": client, "subject": "Bonjour", "body": "Texte", "recipients": ["a@example.fr"]},
        )
        assert response.status_code == 404, response.text
    assert (await mailings_api.get(email["href"])).status_code == 401


async def test_a_clients_emails_are_listed_newest_first_by_pages(mailings_app, mailings_api, client_events, account):
    client_id = await known_client(mailings_app, client_events, account, 6, email="c@example.fr")
    other_client = await known_client(mailings_app, client_events, account, 7, email="d@example.fr")
    ids = [
        (
            await send(
                mailings_api, account, client_id=client_id, subject=f"N° {n}", body="Texte", recipients=["a@example.fr"]
            )
        )["id"]
        for n in range(3)
    ]
    await send(
        mailings_api, account, client_id=other_client, subject="Autre", body="Texte", recipients=["a@example.fr"]
    )
    first = (
        await mailings_api.get(
            "/api/mailings/emails", params={"client_id": client_id, "limit": 2}, headers=account.headers
        )
    ).json()
    assert [e["id"] for e in first["items"]] == ids[:0:-1]
    second = (await mailings_api.get(first["next"], headers=account.headers)).json()
    assert [e["id"] for e in second["items"]] == ids[:1] and second["next"] is None
    everything = (await mailings_api.get("/api/mailings/emails", headers=account.headers)).json()
    assert len(everything["items"]) == 4


async def test_a_refused_recipient_fails_at_once_and_is_reported(
    mailings_app, mailings_api, client_events, smtp, account
):
    client_id = await known_client(mailings_app, client_events, account, 8, email="c@example.fr")
    async with EventTap(AMQP_URL, "negoce.mailings", "email.*") as tap:
        refused = await send(
            mailings_api,
            account,
            client_id=client_id,
            subject="Relance",
            body="Texte",
            recipients=[f"{REFUSED}-8@example.fr"],
        )
        partly = await send(
            mailings_api,
            account,
            client_id=client_id,
            subject="Relance",
            body="Texte",
            recipients=["ok-8@example.fr", f"{REFUSED}-9@example.fr"],
        )
        failed = await settled(mailings_api, account, refused["id"], "failed")
        half = await settled(mailings_api, account, partly["id"], "sent")
        await eventually(lambda: tap.bodies("email.failed") and tap.bodies("email.sent"))
    assert failed["attempts"] == 1 and "550" in failed["last_error"] and failed["failed_at"]
    [event] = tap.bodies("email.failed")
    assert event["payload"]["email_id"] == refused["id"] and "550" in event["payload"]["error"]
    # The relay took the message for the other recipient: sent, with the refusal on record.
    assert half["attempts"] == 1 and f"{REFUSED}-9@example.fr (550" in half["last_error"]
    assert [r.rcpt_tos for r in smtp.to("ok-8@example.fr")] == [["ok-8@example.fr"]]


async def test_temporary_failures_are_retried_until_the_last_attempt_then_reported(
    mailings_app, mailings_api, client_events, account
):
    settings = mailings_app.state.settings
    client_id = await known_client(mailings_app, client_events, account, 9, email="c@example.fr")
    async with EventTap(AMQP_URL, "negoce.mailings", "email.*") as tap:
        email = await send(
            mailings_api,
            account,
            client_id=client_id,
            subject="Relance",
            body="Texte",
            recipients=[f"{BUSY}@example.fr"],
        )
        failed = await settled(mailings_api, account, email["id"], "failed")
        await eventually(lambda: tap.bodies("email.failed"))
    assert failed["attempts"] == settings.email_max_attempts and "451" in failed["last_error"]
    [event] = tap.bodies("email.failed")
    assert event["payload"]["attempts"] == settings.email_max_attempts and tap.bodies("email.sent") == []


async def test_the_relay_down_then_up_delays_but_loses_nothing(
    mailings_app, mailings_api, client_events, smtp, account
):
    client_id = await known_client(mailings_app, client_events, account, 10, email="c@example.fr")
    smtp.stop()
    try:
        email = await send(
            mailings_api,
            account,
            client_id=client_id,
            subject="Pendant la panne",
            body="Texte",
            recipients=["patient@example.fr"],
        )

        async def retried() -> dict | None:
            body = (await mailings_api.get(email["href"], headers=account.headers)).json()
            return body if body["attempts"] >= 2 else None

        waiting = await eventually(retried)
        assert waiting["status"] == "queued" and "Connect" in waiting["last_error"]
        assert waiting["next_attempt_at"] is not None
    finally:
        smtp.start()
    sent = await settled(mailings_api, account, email["id"], "sent")
    # At least the failed first attempt and the one that went through: an attempt counts when it is
    # claimed, so the second may have been under way as the relay came back, and succeeded.
    assert sent["attempts"] >= 2 and sent["last_error"] is None
    assert len(smtp.to("patient@example.fr")) == 1


async def test_a_sender_stopped_mid_send_leaves_nothing_behind(smtp):
    """A crash after the relay took two messages and before their outcome was committed: after a restart
    those two are sent again with the same Message-ID (at-least-once), the two never tried are sent once."""
    settings = mailings_settings(
        smtp,
        database_url=isolated_database("mailings", "crash"),
        run_consumers=False,
        email_batch_size=2,
        smtp_timeout_seconds=2.0,
        email_claim_seconds=2.5,
    )
    account = mail_account()
    addresses = [f"{HELD}-{n}@example.fr" for n in range(4)]
    async with EventTap(AMQP_URL, "negoce.mailings", "email.sent") as tap:
        first, ids = await stopped_mid_send(settings, smtp, account, addresses, held=2)
        async with in_process(first) as api:  # what the stopped process left in the database
            before = [(await api.get(f"/api/mailings/emails/{i}", headers=account.headers)).json() for i in ids]
        assert sorted((e["status"], e["attempts"]) for e in before) == [("queued", 0)] * 2 + [("queued", 1)] * 2
        async with running(create_app(settings)) as second, in_process(second) as api:
            after = [await settled(api, account, i, "sent") for i in ids]
            await eventually(lambda: len([b for b in tap.bodies() if b["account_id"] == str(account.id)]) == 4)
    copies = Counter(r.message_id for a in addresses for r in smtp.to(a))
    assert sorted(copies.values()) == [1, 1, 2, 2] and set(copies) == {f"<email-{i}@negoce.localhost>" for i in ids}
    assert {e["id"]: e["attempts"] for e in after} == {i: copies[f"<email-{i}@negoce.localhost>"] for i in ids}
    announced = [b["payload"]["email_id"] for b in tap.bodies() if b["account_id"] == str(account.id)]
    assert sorted(announced) == sorted(ids)  # one email.sent each, duplicates on the wire or not


async def test_a_last_attempt_that_never_reported_back_is_reported_failed(smtp):
    """With one attempt allowed, a crash during it leaves no attempt to retry: the e-mail fails, saying why."""
    settings = mailings_settings(
        smtp,
        database_url=isolated_database("mailings", "interrupted"),
        run_consumers=False,
        email_max_attempts=1,
        smtp_timeout_seconds=2.0,
        email_claim_seconds=2.5,
    )
    account = mail_account()
    async with EventTap(AMQP_URL, "negoce.mailings", "email.*") as tap:
        _, [email_id] = await stopped_mid_send(settings, smtp, account, [f"{HELD}-last@example.fr"], held=1)
        async with running(create_app(settings)) as second, in_process(second) as api:
            failed = await settled(api, account, email_id, "failed")
            await eventually(lambda: [b for b in tap.bodies("email.failed") if b["account_id"] == str(account.id)])
    assert failed["attempts"] == 2 and "may or may not have been delivered" in failed["last_error"]
    assert len(smtp.to(f"{HELD}-last@example.fr")) == 1  # not sent again: no attempt was left


async def stopped_mid_send(settings, smtp, account, addresses: list[str], *, held: int):
    """Queue one e-mail per address in a new app, and stop it while the relay holds ``held`` of them unanswered."""
    app = create_app(settings)
    await replica.apply_snapshot(
        sessions=app.state.context.sessions,
        consumer="mailings",
        event=new_event(ClientCreated, account_id=account.id, payload=snapshot(50, email="c@example.fr")),
    )
    async with in_process(app) as api:  # all queued before the sender starts: its first batch is known
        ids = [
            (await send(api, account, client_id=50, subject=f"N° {n}", body="Texte", recipients=[address]))["id"]
            for n, address in enumerate(addresses)
        ]
    smtp.hold.set()
    try:
        async with running(app):
            await eventually(lambda: len([r for a in addresses for r in smtp.to(a)]) == held)
    finally:
        smtp.hold.clear()
    return app, ids


async def test_the_development_server_stores_each_message_in_a_maildir(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "services.mailings.emails.dev_smtp",
            "--port",
            str(port),
            "--maildir",
            str(tmp_path / "mail"),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        await eventually(lambda: _listening(port))
        message = build_message(
            email_id=77,
            sender="Négoce <no-reply@negoce.localhost>",
            recipients=["a@example.fr"],
            subject=SUBJECT,
            body=BODY,
            domain="negoce.localhost",
            created_at=datetime.now(UTC),
        )
        await aiosmtplib.send(message, hostname="127.0.0.1", port=port, start_tls=False)
        stored = await eventually(lambda: list((tmp_path / "mail" / "new").iterdir()))
    finally:
        process.terminate()
        _, log = process.communicate(timeout=10)
    [path] = stored
    kept = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert kept["Subject"] == SUBJECT and kept["Message-ID"] == "<email-77@negoce.localhost>"
    [line] = [line for line in log.splitlines() if "received" in line]
    assert "<email-77@negoce.localhost>" in line and "a@example.fr" in line and SUBJECT in line


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


# Plain-text AUTH, which aiosmtpd warns about on every connection: acceptable on the loopback.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_a_relay_requiring_a_login_gets_it_and_a_wrong_password_is_retried_not_failed():
    def authenticate(server, session, envelope, mechanism, auth_data):
        # handled=False: aiosmtpd answers the 535 itself.
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"negoce", b"s3cret"), handled=False)

    relay = SmtpRecorder()
    relay.controller = Controller(
        relay,
        hostname="127.0.0.1",
        port=relay.port,
        authenticator=authenticate,
        auth_required=True,
        auth_require_tls=False,
    )
    relay.controller.start()
    database = isolated_database("mailings", "auth")
    account = mail_account()
    try:
        for password, status in (("s3cret", "sent"), ("wrong", "queued")):
            settings = mailings_settings(
                relay, database_url=database, run_consumers=False, smtp_username="negoce", smtp_password=password
            )
            app = create_app(settings)
            await replica.apply_snapshot(
                sessions=app.state.context.sessions,
                consumer="mailings",
                event=new_event(
                    ClientCreated, account_id=account.id, payload=snapshot(60, version=1, email="c@example.fr")
                ),
            )
            async with running(app), in_process(app) as api:
                email = await send(
                    api, account, client_id=60, subject="Identifié", body="Texte", recipients=[f"{password}@example.fr"]
                )
                if status == "sent":
                    await settled(api, account, email["id"], "sent")
                else:  # the relay's configuration, not the message: attempted again until someone fixes it
                    retried = await eventually(partial(_attempted_twice, api, account, email["id"]))
                    assert retried["status"] == "queued" and "535" in retried["last_error"]
    finally:
        relay.stop()
    assert [r.message["Subject"] for r in relay.to("s3cret@example.fr")] == ["Identifié"]
    assert relay.to("wrong@example.fr") == []


async def _attempted_twice(api, account, email_id: int) -> dict | None:
    body = (await api.get(f"/api/mailings/emails/{email_id}", headers=account.headers)).json()
    return body if body["attempts"] >= 2 else None


# --- notification e-mails to users, asked for by the reminders service ----------------------------


def reminder_email(to_address: str, *, client_id: int = 77, subject: str = "Rappel : Cave Martin") -> dict:
    """A reminder.email_requested payload, as a fired reminder writes it."""
    return ReminderEmailRequestedPayload(
        notification_id=client_id * 10,
        reminder_id=client_id * 100,
        client_id=client_id,
        user_id="vendeur",
        to_address=to_address,
        subject=subject,
        body="Rappel du 04/01/2027 10:00 CET pour Cave Martin (n° 77) :\n\nRelancer\n",
    ).model_dump(mode="json")


async def request_reminder_email(account, payload: dict, event_id: uuid.UUID | None = None) -> uuid.UUID:
    """Publish reminder.email_requested on the reminders exchange, as the reminders relay would."""
    return await publish_event(
        AMQP_URL,
        exchange="negoce.reminders",
        event_type="reminder.email_requested",
        account_id=account.id,
        payload=payload,
        event_id=event_id,
    )


async def user_emails(app, account) -> list:
    """The account's e-mails to users, oldest first."""
    async with app.state.context.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT * FROM emails WHERE account_id = :a AND user_id IS NOT NULL ORDER BY id"), {"a": account.id}
        )
        return list(rows.mappings())


async def test_a_reminder_email_is_delivered_once_however_often_its_request_arrives(
    mailings_app, mailings_api, smtp, account
):
    async with EventTap(AMQP_URL, "negoce.mailings", routing_key="email.*") as tap:
        event_id = await request_reminder_email(account, reminder_email("vendeur@cave.example"))
        [email] = await eventually(
            lambda: _sent(user_emails(mailings_app, account)),
        )
        await request_reminder_email(account, reminder_email("vendeur@cave.example"), event_id=event_id)
        # Consumed in order: once the next request is stored, the redelivery was seen (and dropped).
        await request_reminder_email(account, reminder_email("suivant@cave.example", client_id=78))
        await eventually(lambda: _count(user_emails(mailings_app, account), 2))
        await asyncio.sleep(0.5)
    [received] = smtp.to("vendeur@cave.example")
    assert received.mail_from == "rappels@negoce.localhost" and received.message["Subject"] == "Rappel : Cave Martin"
    assert received.message_id == f"<email-{email['id']}@negoce.localhost>"
    assert "Relancer" in received.message.get_content()
    assert (email["client_id"], email["user_id"], email["created_by"]) == (77, "vendeur", "reminders")
    # Not the client's correspondence: neither its e-mail routes nor its timeline's events show it.
    listed = (await mailings_api.get("/api/mailings/emails", headers=account.headers)).json()
    assert listed["items"] == [] and tap.bodies() == []
    missing = await mailings_api.get(f"/api/mailings/emails/{email['id']}", headers=account.headers)
    assert missing.status_code == 404


async def test_a_reminder_email_waits_out_a_relay_failure_then_goes_once(mailings_app, smtp, account):
    smtp.stop()
    try:
        await request_reminder_email(account, reminder_email("patient-vendeur@cave.example"))

        async def retried():
            emails = await user_emails(mailings_app, account)
            return emails if emails and emails[0]["attempts"] >= 2 else None

        [waiting] = await eventually(retried)
        assert waiting["status"] == "queued" and "Connect" in waiting["last_error"]
    finally:
        smtp.start()
    [sent] = await eventually(lambda: _sent(user_emails(mailings_app, account)))
    assert sent["attempts"] >= 2 and sent["last_error"] is None
    assert len(smtp.to("patient-vendeur@cave.example")) == 1


async def test_a_reminder_email_that_cannot_go_is_marked_failed(mailings_app, smtp, account):
    await request_reminder_email(account, reminder_email(f"{REFUSED}-vendeur@cave.example"))
    await request_reminder_email(account, reminder_email("hélène@cave.example", client_id=79))

    async def both_failed():
        emails = await user_emails(mailings_app, account)
        return emails if len(emails) == 2 and all(e["status"] == "failed" for e in emails) else None

    refused, unwritable = await eventually(both_failed)
    assert "550" in refused["last_error"] and refused["failed_at"] is not None
    assert unwritable["attempts"] == 0 and "ASCII" in unwritable["last_error"]


async def test_a_reminder_email_about_a_deleted_client_is_not_sent(mailings_app, client_events, smtp, account):
    client_id = await known_client(mailings_app, client_events, account, 80, email="c@example.fr")
    await client_events.publish(
        ClientDeleted, account=account, payload=ClientDeletedPayload(client_id=client_id, version=2, by_user="x")
    )
    await eventually(lambda: _deleted(replica_row(mailings_app, account, client_id)))
    await request_reminder_email(account, reminder_email("trop-tard@cave.example", client_id=client_id))
    await request_reminder_email(account, reminder_email("marqueur@cave.example", client_id=81))
    [email] = await eventually(lambda: _count(user_emails(mailings_app, account), 1))
    assert email["recipients"] == ["marqueur@cave.example"]


async def _sent(rows):
    emails = await rows
    return emails if emails and all(e["status"] == "sent" for e in emails) else None


async def _count(rows, count: int):
    emails = await rows
    return emails if len(emails) == count else None


async def _deleted(row):
    found = await row
    return found is not None and found["deleted"]
