"""The client sheet (issue 5, clients side): sheet, notes, timeline, archive, erase, delete."""

import uuid
from datetime import UTC, datetime, timedelta

from tests.access_support import announce_user, user_uuid
from tests.conftest import AMQP_URL
from tests.support import EventTap, eventually, invoice_issued, order_payload, publish_event

JAN = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


async def _client(api, account, **fields):
    body = {"last_name": "Martin", **fields}
    response = await api.post("/api/clients", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _timeline(api, account, client_id, **params):
    response = await api.get(f"/api/clients/{client_id}/timeline", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def _send(account, exchange, event_type, payload):
    return await publish_event(
        AMQP_URL, exchange=exchange, event_type=event_type, account_id=account.id, payload=payload
    )


async def test_the_sheet_has_every_field_contacts_status_and_summary_in_one_answer(api, account):
    client_id = await _client(api, account, first_name="Hélène", email="h@exemple.fr")
    contact = {"first_name": "Paul", "email": "compta@exemple.fr", "receives_invoices": True}
    assert (
        await api.post(f"/api/clients/{client_id}/contacts", json=contact, headers=account.headers)
    ).status_code == 201
    base = client_id * 100
    await _send(
        account,
        "negoce.orders",
        "order.created",
        order_payload(order_id=base + 1, client_id=client_id, created_at=JAN, total_cents=12_000),
    )
    await _send(
        account,
        "negoce.orders",
        "order.created",
        order_payload(order_id=base + 2, client_id=client_id, created_at=JAN, total_cents=8_000),
    )
    await _send(
        account,
        "negoce.orders",
        "invoice.issued",
        invoice_issued(
            client_id=client_id,
            invoice_id=base + 1,
            order_id=base + 1,
            total_cents=12_000,
            issued_at=JAN + timedelta(days=1),
        ),
    )

    async def sheet():
        body = (await api.get(f"/api/clients/{client_id}", headers=account.headers)).json()
        return body if body["summary"]["orders_count"] == 2 and body["status"] == "client" else None

    body = await eventually(sheet)
    assert body["first_name"] == "Hélène" and body["email"] == "h@exemple.fr"
    assert [c["email"] for c in body["contacts"]] == ["compta@exemple.fr"]
    assert body["contacts"][0]["receives_invoices"] is True
    assert body["summary"] == {
        "orders_count": 2,
        "open_orders_count": 2,
        "last_order_at": "2026-01-15T10:00:00Z",
        "invoiced_orders_count": 1,
        "invoiced_total_cents": 12_000,
        "average_invoiced_order_cents": 12_000,
        "currency": "EUR",
        "last_invoiced_order": body["last_invoiced_order"],
    }
    assert body["last_invoiced_order"]["order_id"] == base + 1


async def test_notes_are_added_edited_deleted_and_follow_on_the_timeline(api, account):
    client_id = await _client(api, account)
    call_at = "2026-03-02T09:30:00+01:00"
    response = await api.post(
        f"/api/clients/{client_id}/notes",
        headers=account.headers,
        json={"kind": "call", "noted_at": call_at, "text": "Rappeler pour la cuvée 2ᵉ"},
    )
    assert response.status_code == 201, response.text
    note = response.json()
    assert (
        note["kind"] == "call"
        and note["by_user"] == str(user_uuid(account.id, "tester"))
        and note["noted_at"] == "2026-03-02T08:30:00Z"
    )
    comment = (
        await api.post(f"/api/clients/{client_id}/notes", json={"text": "Aime le Margaux"}, headers=account.headers)
    ).json()
    assert comment["kind"] == "comment"

    notes = await _timeline(api, account, client_id, kind="note")
    assert [e["text"] for e in notes] == ["Commentaire : Aime le Margaux", "Appel : Rappeler pour la cuvée 2ᵉ"]
    assert notes[1]["link"] == f"/api/clients/{client_id}/notes/{note['id']}"
    assert notes[1]["occurred_at"] == "2026-03-02T08:30:00Z" and notes[1]["category"] == "note"

    edited = await api.patch(
        f"/api/clients/{client_id}/notes/{note['id']}",
        headers=account.headers,
        json={"kind": "meeting", "text": "Dégustation au chai"},
    )
    assert edited.status_code == 200 and edited.json()["kind"] == "meeting"
    notes = await _timeline(api, account, client_id, kind="note")
    assert "Rendez-vous : Dégustation au chai" in [e["text"] for e in notes]

    assert (
        await api.delete(f"/api/clients/{client_id}/notes/{comment['id']}", headers=account.headers)
    ).status_code == 204
    assert [e["object_id"] for e in await _timeline(api, account, client_id, kind="note")] == [note["id"]]
    listed = (await api.get(f"/api/clients/{client_id}/notes", headers=account.headers)).json()["items"]
    assert [n["id"] for n in listed] == [note["id"]]
    assert (
        await api.get(f"/api/clients/{client_id}/notes/{comment['id']}", headers=account.headers)
    ).status_code == 404


async def test_bad_notes_get_422_naming_the_field_and_change_nothing(api, account):
    client_id = await _client(api, account)
    cases = [
        ({"kind": "fax", "text": "x"}, "kind"),
        ({"text": "   "}, "text"),
        ({}, "text"),
        ({"text": "x", "noted_at": "2026-03-02T09:30:00"}, "noted_at"),
        ({"text": "x", "noted_at": "demain"}, "noted_at"),
        ({"text": "x" * 10_001}, "text"),
        ({"text": "x", "author": "me"}, "author"),
    ]
    for body, field in cases:
        response = await api.post(f"/api/clients/{client_id}/notes", json=body, headers=account.headers)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in str(response.json()["errors"]), (body, response.json())
    assert (await api.get(f"/api/clients/{client_id}/notes", headers=account.headers)).json()["items"] == []


async def test_the_timeline_says_what_changed_who_blocked_and_filters_by_kind(api, account):
    client_id = await _client(api, account)
    await api.patch(
        f"/api/clients/{client_id}", json={"email": "m@exemple.fr", "phone": "0556000000"}, headers=account.headers
    )
    await api.post(f"/api/clients/{client_id}/block", json={"reason": "Impayés"}, headers=account.headers)
    await api.post(f"/api/clients/{client_id}/unblock", headers=account.headers)
    entries = await _timeline(api, account, client_id)
    assert [e["category"] for e in entries] == ["block", "block", "edited", "created"]
    assert entries[0]["text"] == "Client débloqué par tester"
    assert entries[1]["text"] == "Client bloqué par tester : Impayés"
    assert entries[2]["text"] == "Fiche modifiée par tester : e-mail, téléphone"
    assert all(e["link"] == f"/api/clients/{client_id}" for e in entries)
    edited = await _timeline(api, account, client_id, kind=["edited", "created"])
    assert [e["category"] for e in edited] == ["edited", "created"]
    bad = await api.get(f"/api/clients/{client_id}/timeline", params={"kind": "gossip"}, headers=account.headers)
    assert bad.status_code == 422 and "kind" in str(bad.json()["errors"])


async def test_reminders_emails_and_mailings_of_other_services_reach_the_timeline(api, account):
    client_id = await _client(api, account)
    other = await _client(api, account, last_name="Autre")
    reminder = {
        "reminder_id": 7,
        "client_id": client_id,
        "version": 1,
        "due_at": "2026-04-01T08:00:00Z",
        "text": "Proposer le primeur",
        "assigned_user": "alice",
    }
    await _send(account, "negoce.reminders", "reminder.created", reminder)
    await _send(account, "negoce.reminders", "reminder.due", reminder)
    await _send(account, "negoce.reminders", "reminder.done", {**reminder, "done_at": "2026-04-02T10:00:00Z"})
    email = {
        "email_id": 3,
        "client_id": client_id,
        "subject": "Votre facture",
        "recipients": ["m@exemple.fr"],
        "document_kind": "invoices",
        "attempts": 1,
        "by_user": "tester",
        "sent_at": "2026-04-03T10:00:00Z",
    }
    event_id = await _send(account, "negoce.mailings", "email.sent", email)
    await _send(
        account,
        "negoce.mailings",
        "mailing.rendered",
        {
            "campaign_id": 5,
            "name": "Vœux 2027",
            "client_ids": [client_id, other, 999_999_999],
            "pages": 2,
            "rendered_at": "2026-04-04T10:00:00Z",
        },
    )
    # A redelivered event adds nothing.
    await publish_event(
        AMQP_URL,
        exchange="negoce.mailings",
        event_type="email.sent",
        account_id=account.id,
        payload=email,
        event_id=event_id,
    )

    async def lines():
        entries = await _timeline(api, account, client_id, kind=["reminder", "email", "mailing"])
        return entries if len(entries) == 5 else None

    entries = await eventually(lines)
    # Newest first: the reminder was created now; the others happened in April.
    assert [e["text"] for e in entries] == [
        "Rappel créé pour alice : Proposer le primeur",
        "Courrier imprimé : Vœux 2027",
        "E-mail envoyé à m@exemple.fr : Votre facture",
        "Rappel fait pour alice : Proposer le primeur",
        "Rappel arrivé à échéance pour alice : Proposer le primeur",
    ]
    assert entries[1]["link"] == "/api/mailings/campaigns/5" and entries[2]["link"] == "/api/mailings/emails/3"
    assert entries[3]["link"] == "/api/reminders/7" and entries[4]["occurred_at"] == "2026-04-01T08:00:00Z"
    assert [e["text"] for e in await _timeline(api, account, other, kind="mailing")] == ["Courrier imprimé : Vœux 2027"]


async def test_archive_hides_from_the_list_and_search_and_restore_brings_back(api, account):
    client_id = await _client(api, account, last_name="Archivé")
    async with EventTap(AMQP_URL, "negoce.clients", "client.*") as tap:
        archived = await api.post(f"/api/clients/{client_id}/archive", headers=account.headers)
        assert archived.status_code == 200 and archived.json()["archived_by"] == str(user_uuid(account.id, "tester"))
        assert (await api.post(f"/api/clients/{client_id}/archive", headers=account.headers)).status_code == 200
        listing = (await api.get("/api/clients", params={"q": "archivé"}, headers=account.headers)).json()
        assert listing["items"] == []
        assert (await api.get("/api/clients", headers=account.headers)).json()["counts"]["all"] == 0
        sheet = (await api.get(f"/api/clients/{client_id}", headers=account.headers)).json()
        assert sheet["archived_at"] is not None
        refused = await api.patch(f"/api/clients/{client_id}", json={"email": "x@exemple.fr"}, headers=account.headers)
        assert refused.status_code == 409 and refused.json()["state"] == "archived"
        assert (await api.post(f"/api/clients/{client_id}/restore", headers=account.headers)).status_code == 200
        listing = (await api.get("/api/clients", params={"q": "archivé"}, headers=account.headers)).json()
        assert [r["id"] for r in listing["items"]] == [client_id]
        await eventually(lambda: len(tap.bodies("client.restored")) == 1)
    assert len(tap.bodies("client.archived")) == 1  # archiving twice announced once
    assert [e["text"] for e in await _timeline(api, account, client_id, kind="archive")] == [
        "Fiche restaurée par tester",
        "Fiche archivée par tester",
    ]


async def test_delete_is_refused_with_alternatives_for_a_client_with_orders_or_invoices(api, account):
    invoiced = await _client(api, account, last_name="Facturé")
    ordered = await _client(api, account, last_name="Commandé")
    blank = await _client(api, account, last_name="Vierge")
    await _send(
        account,
        "negoce.orders",
        "invoice.issued",
        invoice_issued(
            client_id=invoiced, invoice_id=invoiced * 10, order_id=invoiced * 10, total_cents=1_000, issued_at=JAN
        ),
    )
    await _send(
        account,
        "negoce.orders",
        "order.created",
        order_payload(order_id=ordered * 10, client_id=ordered, created_at=JAN, total_cents=500),
    )
    await eventually(lambda: _status(api, account, invoiced, "client"))
    await eventually(lambda: _orders(api, account, ordered))
    for client_id in (invoiced, ordered):
        response = await api.delete(f"/api/clients/{client_id}", headers=account.headers)
        assert response.status_code == 409, response.text
        assert [a["action"] for a in response.json()["alternatives"]] == ["archive", "erase"]
        assert (await api.get(f"/api/clients/{client_id}", headers=account.headers)).status_code == 200
    assert (await api.delete(f"/api/clients/{blank}", headers=account.headers)).status_code == 204
    assert (await api.get(f"/api/clients/{blank}", headers=account.headers)).status_code == 404


async def test_erase_removes_personal_data_and_keeps_documents_under_a_pseudonym(api, account, sql):
    client_id = await _client(
        api,
        account,
        first_name="Jeanne",
        last_name="Secret",
        email="jeanne@secret.fr",
        phone="06 11 22 33 44",
        note="Allergique au soufre",
        billing_address={"line1": "3 rue Cachée", "postal_code": "33000", "city": "Bordeaux"},
    )
    await api.post(
        f"/api/clients/{client_id}/contacts",
        json={"first_name": "Luc", "email": "luc@secret.fr"},
        headers=account.headers,
    )
    await api.post(f"/api/clients/{client_id}/notes", json={"text": "Divorce en cours"}, headers=account.headers)
    await _send(
        account,
        "negoce.orders",
        "invoice.issued",
        invoice_issued(
            client_id=client_id, invoice_id=client_id * 10, order_id=client_id * 10, total_cents=4_200, issued_at=JAN
        ),
    )
    await eventually(lambda: _status(api, account, client_id, "client"))
    async with EventTap(AMQP_URL, "negoce.clients", "client.erased") as tap:
        response = await api.post(f"/api/clients/{client_id}/erase", headers=account.headers)
        assert response.status_code == 200, response.text
        await eventually(lambda: tap.bodies("client.erased"))
    erased = response.json()
    assert erased["display_name"] == f"ANONYME-{client_id}" and erased["erased_at"] is not None
    assert erased["email"] is None and erased["phone"] is None and erased["note"] is None
    assert erased["billing_address"]["line1"] is None and erased["invoiced_total_cents"] == 4_200
    assert tap.bodies("client.erased")[0]["payload"]["pseudonym"] == f"ANONYME-{client_id}"
    row = (await sql("SELECT * FROM clients WHERE id = :c", c=client_id))[0]._mapping
    for value in row.values():
        assert not any(
            secret in str(value) for secret in ("Jeanne", "Secret", "secret.fr", "Cachée", "soufre", "06 11")
        )
    assert await sql("SELECT 1 FROM contacts WHERE client_id = :c", c=client_id) == []
    assert await sql("SELECT 1 FROM client_notes WHERE client_id = :c", c=client_id) == []
    texts = [r.text for r in await sql("SELECT text FROM timeline_entries WHERE client_id = :c", c=client_id)]
    assert not any("Divorce" in t for t in texts) and any("Facture" in t for t in texts)
    assert (await api.get("/api/clients", params={"q": "secret"}, headers=account.headers)).json()["items"] == []
    assert (await api.post(f"/api/clients/{client_id}/erase", headers=account.headers)).status_code == 200
    assert (await api.post(f"/api/clients/{client_id}/restore", headers=account.headers)).status_code == 409


async def test_another_accounts_client_is_404_on_every_new_route(api, account, clients_app):
    from tests.conftest import new_account

    client_id = await _client(api, account)
    stranger = await new_account(clients_app, "Étranger")
    for method, path, body in [
        ("post", "notes", {"text": "x"}),
        ("get", "notes", None),
        ("post", "archive", None),
        ("post", "restore", None),
        ("post", "erase", None),
        ("get", "timeline", None),
    ]:
        response = await api.request(
            method.upper(), f"/api/clients/{client_id}/{path}", json=body, headers=stranger.headers
        )
        assert response.status_code == 404, (path, response.text)


async def _status(api, account, client_id, status):
    return (await api.get(f"/api/clients/{client_id}", headers=account.headers)).json()["status"] == status


async def _orders(api, account, client_id):
    return (await api.get(f"/api/clients/{client_id}", headers=account.headers)).json()["summary"]["orders_count"]


async def test_a_reminder_names_its_assignee_on_the_timeline_by_the_name_identity_gave(api, account):
    client_id = await _client(api, account, last_name="Assigné")
    announce_user(account.id, "Béatrice Lemaire", role="staff")
    reminder = {
        "reminder_id": 8,
        "client_id": client_id,
        "version": 1,
        "due_at": "2026-05-01T08:00:00Z",
        "text": "Rappeler pour le rosé",
        "assigned_user": str(user_uuid(account.id, "Béatrice Lemaire")),
    }
    await _send(account, "negoce.reminders", "reminder.created", reminder)
    # An id no one announced stays as it came: the line is still written.
    stranger = str(uuid.uuid4())
    await _send(
        account, "negoce.reminders", "reminder.created", {**reminder, "reminder_id": 9, "assigned_user": stranger}
    )

    async def lines():
        entries = await _timeline(api, account, client_id, kind="reminder")
        return entries if len(entries) == 2 else None

    texts = sorted(e["text"] for e in await eventually(lines))
    assert texts == sorted(
        [
            f"Rappel créé pour {stranger} : Rappeler pour le rosé",
            "Rappel créé pour Béatrice Lemaire : Rappeler pour le rosé",
        ]
    )
