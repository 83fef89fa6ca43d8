"""The mailings service follows the clients service: snapshots, archiving, merges, deletions and erasures."""

from __future__ import annotations

from sqlalchemy import text

from shared.events.clients import (
    ClientArchived,
    ClientArchivePayload,
    ClientCreated,
    ClientDeleted,
    ClientDeletedPayload,
    ClientErased,
    ClientErasedPayload,
    ClientMerged,
    ClientMergedPayload,
    ClientRestored,
    ClientUpdated,
)
from tests.mailings_support import (  # noqa: F401 (fixtures)
    BUSY,
    REFUSED,
    account,
    client_events,
    contact,
    known_client,
    mailings_api,
    mailings_app,
    replica_row,
    send,
    settled,
    smtp,
    snapshot,
    updated,
)
from tests.support import eventually


async def _emails(api, account, client_id: int) -> list[dict]:
    response = await api.get("/api/mailings/emails", params={"client_id": client_id}, headers=account.headers)
    return response.json()["items"]


async def _post(api, account, client_id: int):
    return await api.post(
        "/api/mailings/emails",
        headers=account.headers,
        json={"client_id": client_id, "subject": "Bonjour", "body": "Texte", "recipients": ["a@example.fr"]},
    )


async def test_snapshots_apply_newest_first_whatever_their_order(mailings_app, mailings_api, client_events, account):
    newer = snapshot(20, version=3, email="new@example.fr", contacts=[contact(1, "compta@example.fr", "invoices")])
    older = snapshot(20, version=2, email="old@example.fr", contacts=[contact(1, "old@example.fr", "invoices")])
    archive = ClientArchivePayload(client_id=20, version=5, by_user="u")
    first = [
        await client_events.publish(ClientUpdated, account=account, payload=updated(newer, "email")),
        await client_events.publish(ClientArchived, account=account, payload=archive),
    ]
    await eventually(lambda: _all_applied(mailings_app, first))
    late = [  # older events delivered after the newer ones, and a redelivery
        await client_events.publish(ClientCreated, account=account, payload=snapshot(20, email="v1@example.fr")),
        await client_events.publish(ClientUpdated, account=account, payload=updated(older, "email")),
        await client_events.publish(ClientRestored, account=account, payload=archive.model_copy(update={"version": 4})),
    ]
    await client_events.republish(first[0])
    await eventually(lambda: _all_applied(mailings_app, late))
    row = await replica_row(mailings_app, account, 20)
    assert (row["version"], row["email"], row["archived"]) == (3, "new@example.fr", True)
    email = await send(
        mailings_api, account, client_id=20, subject="Facture", body="Ci-joint.", document_kind="invoices"
    )
    assert email["recipients"] == ["compta@example.fr"]  # archived clients still get their documents


async def _all_applied(app, events: list) -> bool:
    async with app.state.context.engine.connect() as connection:
        done = (
            await connection.execute(
                text("SELECT count(*) FROM inbox WHERE consumer = 'mailings' AND event_id = ANY(:ids)"),
                {"ids": [e.event_id for e in events]},
            )
        ).scalar_one()
    return done == len(events)


async def test_a_merge_moves_the_emails_to_the_kept_client(mailings_app, mailings_api, client_events, account):
    kept = await known_client(mailings_app, client_events, account, 21, email="kept@example.fr")
    merged = await known_client(mailings_app, client_events, account, 22, email="merged@example.fr")
    earlier = await known_client(mailings_app, client_events, account, 23, email="earlier@example.fr")
    later = await known_client(mailings_app, client_events, account, 26, email="later@example.fr")
    moved = await send(
        mailings_api, account, client_id=merged, subject="Avant fusion", body="Texte", recipients=["a@example.fr"]
    )
    late = await send(
        mailings_api, account, client_id=later, subject="Fusion tardive", body="Texte", recipients=["a@example.fr"]
    )
    await settled(mailings_api, account, moved["id"], "sent")

    async def merge(number: int, into: int, gone: int) -> None:
        await client_events.publish(
            ClientMerged,
            account=account,
            payload=ClientMergedPayload(
                merge_id=number, kept_client_id=into, merged_client_id=gone, kept_version=2, by_user="u"
            ),
        )

        async def applied():
            row = await replica_row(mailings_app, account, gone)
            return row is not None and row["merged_into"] is not None

        await eventually(applied)

    await merge(1, merged, earlier)
    await merge(2, kept, merged)  # the client that absorbed 23 is absorbed in turn
    await merge(3, merged, later)  # delivered late: 22 is already part of 21
    assert [e["id"] for e in await _emails(mailings_api, account, kept)] == [late["id"], moved["id"]]
    assert await _emails(mailings_api, account, merged) == []
    assert (await mailings_api.get(moved["href"], headers=account.headers)).json()["client_id"] == kept
    for gone in (merged, earlier, later):
        refused = await _post(mailings_api, account, gone)
        assert refused.status_code == 409, refused.text
        assert (refused.json()["reason"], refused.json()["kept_client_id"]) == ("client_merged", kept)
    row = await replica_row(mailings_app, account, merged)
    assert (row["merged_into"], row["email"], row["contacts"]) == (kept, None, [])
    assert (await _post(mailings_api, account, kept)).status_code == 202


async def test_a_deleted_client_is_forgotten_with_its_emails(mailings_app, mailings_api, client_events, account):
    client_id = await known_client(
        mailings_app,
        client_events,
        account,
        24,
        email="c@example.fr",
        contacts=[contact(1, "compta@example.fr", "invoices")],
    )
    sent = await send(
        mailings_api, account, client_id=client_id, subject="Envoyé", body="Texte", recipients=["a@example.fr"]
    )
    await settled(mailings_api, account, sent["id"], "sent")
    pending = await send(
        mailings_api,
        account,
        client_id=client_id,
        subject="En attente",
        body="Texte",
        recipients=[f"{BUSY}-24@example.fr"],
    )
    await client_events.publish(
        ClientDeleted, account=account, payload=ClientDeletedPayload(client_id=client_id, version=2, by_user="u")
    )

    async def forgotten():
        statuses = [(await mailings_api.get(e["href"], headers=account.headers)).status_code for e in (sent, pending)]
        return statuses == [404, 404]

    await eventually(forgotten)
    row = await replica_row(mailings_app, account, client_id)
    assert (row["deleted"], row["display_name"], row["email"], row["contacts"]) == (True, "", None, [])
    assert (await _post(mailings_api, account, client_id)).status_code == 404
    # A snapshot delayed in the broker does not bring the client back.
    await client_events.publish(
        ClientUpdated, account=account, payload=updated(snapshot(client_id, version=3, email="late@example.fr"))
    )
    await eventually(lambda: _applied_version(mailings_app, account, client_id, 3))
    assert (await _post(mailings_api, account, client_id)).status_code == 404
    assert (await replica_row(mailings_app, account, client_id))["email"] is None


async def _applied_version(app, account, client_id: int, version: int) -> bool:
    row = await replica_row(app, account, client_id)
    return row is not None and row["version"] >= version


async def test_an_erased_client_keeps_its_emails_without_personal_data(
    mailings_app, mailings_api, client_events, account
):
    client_id = await known_client(
        mailings_app, client_events, account, 25, email="helene@example.fr", name="Hélène Martin"
    )
    sent = await send(
        mailings_api,
        account,
        client_id=client_id,
        subject="Facture de Mme Martin",
        body="Bonjour Hélène",
        recipients=["helene@example.fr"],
    )
    await settled(mailings_api, account, sent["id"], "sent")
    refused = await send(
        mailings_api,
        account,
        client_id=client_id,
        subject="Relance",
        body="Texte",
        recipients=[f"{REFUSED}-helene@example.fr"],
    )
    await settled(mailings_api, account, refused["id"], "failed")
    pending = await send(
        mailings_api,
        account,
        client_id=client_id,
        subject="En attente",
        body="Texte",
        recipients=[f"{BUSY}-helene@example.fr"],
    )
    await client_events.publish(
        ClientErased,
        account=account,
        payload=ClientErasedPayload(client_id=client_id, version=2, pseudonym="ANONYME-25", by_user="u"),
    )

    async def erased():
        row = await replica_row(mailings_app, account, client_id)
        return row is not None and row["erased"]

    await eventually(erased)
    emails = {e["id"]: e for e in await _emails(mailings_api, account, client_id)}
    assert [(e["recipients"], e["subject"], e["body"]) for e in emails.values()] == [([], "", "")] * 3
    assert [emails[i]["status"] for i in (sent["id"], refused["id"], pending["id"])] == ["sent", "failed", "failed"]
    assert "erased" in emails[pending["id"]]["last_error"]
    assert "helene" not in emails[refused["id"]]["last_error"]
    row = await replica_row(mailings_app, account, client_id)
    assert (row["display_name"], row["email"], row["contacts"]) == ("ANONYME-25", None, [])
    refused_post = await _post(mailings_api, account, client_id)
    assert refused_post.status_code == 409 and refused_post.json()["reason"] == "client_erased"
