"""E-mails end to end with the real clients service: its events pick the recipients, email.sent reaches its timeline."""

from __future__ import annotations

from tests.mailings_support import (  # noqa: F401 (fixtures; conftest's account: a real clients-service account)
    mailings_api,
    mailings_app,
    replica_row,
    send,
    settled,
    smtp,
)
from tests.support import eventually


async def test_contacts_flagged_in_the_clients_service_receive_the_invoice_and_the_timeline_says_so(
    api, mailings_app, mailings_api, smtp, account
):
    client_id = (
        await api.post(
            "/api/clients",
            headers=account.headers,
            json={"last_name": "Martin", "first_name": "Hélène", "email": "martin@example.fr"},
        )
    ).json()["id"]
    created = await api.post(
        f"/api/clients/{client_id}/contacts",
        headers=account.headers,
        json={
            "first_name": "Service",
            "last_name": "Comptable",
            "email": "compta.martin@example.fr",
            "receives_invoices": True,
        },
    )
    assert created.status_code == 201, created.text

    async def contact_known():
        row = await replica_row(mailings_app, account, client_id)
        return row is not None and row["contacts"]

    await eventually(contact_known)
    email = await send(
        mailings_api,
        account,
        client_id=client_id,
        subject="Votre facture F-000123",
        body="Bonjour, veuillez trouver votre facture.",
        document_kind="invoices",
    )
    assert email["recipients"] == ["compta.martin@example.fr"]
    await settled(mailings_api, account, email["id"], "sent")
    assert smtp.to("compta.martin@example.fr")[0].message["Subject"] == "Votre facture F-000123"

    async def on_the_timeline():
        timeline = await api.get(f"/api/clients/{client_id}/timeline", headers=account.headers)
        return [e for e in timeline.json()["items"] if e["kind"] == "email.sent"]

    [entry] = await eventually(on_the_timeline)
    assert entry["object_id"] == email["id"] and "compta.martin@example.fr" in entry["text"]
    assert entry["link"] == email["href"]
