"""Merge and erase followed by every service, over the real broker and databases (issues 5 and 12, proof).

Two clients with orders, invoices, shipments, payments, reservations, negotiated prices,
reminders and e-mails are merged through the clients API; every service is then checked.
Clients with a rich history (merges both ways, shipments to and from other clients, notes,
e-mails, reminders, a printed campaign, export files) are then erased and looked for in every
column of every table of every service's database, and in every stored file.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.clients.exports.worker import ExportWorker
from services.clients.settings import ClientsSettings
from services.mailings.renders.worker import RenderWorker
from shared.jobs import LeasedJobWorker
from tests.access_support import announce_user, user_uuid
from tests.conftest import database_url, running
from tests.mailings_support import mailings_api, mailings_settings, replica_row, send, settled, smtp  # noqa: F401
from tests.orders_support import catalogue, order, seller_profile
from tests.reminders_support import rem_api, reminders_app  # noqa: F401
from tests.support import eventually, files_mentioning, rows_mentioning


@pytest.fixture(scope="module")
def stored_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Where this module's export files and campaign PDFs are written."""
    return {"exports": tmp_path_factory.mktemp("exports"), "renders": tmp_path_factory.mktemp("renders")}


@pytest.fixture(scope="module")
async def mailings_app(smtp, clients_app: FastAPI, stored_files: dict[str, Path]) -> AsyncIterator[FastAPI]:
    """The mailings service sending e-mails through the test relay and reading selections from the clients app."""
    from services.mailings.app import create_app

    settings = mailings_settings(
        smtp, render_dir=stored_files["renders"], render_lease_seconds=5.0, render_poll_seconds=0.1
    )
    async with running(create_app(settings, clients_transport=httpx.ASGITransport(app=clients_app))) as app:
        yield app


async def _known_everywhere(api, orders_api, rem_api, mailings_app, account, **fields: Any) -> int:
    """A client created in the clients service, once orders, reminders and mailings have its event."""
    response = await api.post("/api/clients", json=fields, headers=account.headers)
    assert response.status_code == 201, response.text
    client_id = response.json()["id"]

    async def known() -> bool:
        orders = await orders_api.get(
            "/api/orders/negotiated-prices", params={"client_id": client_id}, headers=account.headers
        )
        reminders = await rem_api.get("/api/reminders", params={"client_id": client_id}, headers=account.headers)
        return (
            orders.status_code == 200
            and reminders.status_code == 200
            and await replica_row(mailings_app, account, client_id) is not None
        )

    await eventually(known)
    return client_id


async def _history(orders_api, rem_api, mailings_api, account, cat, client_id: int, quantity: str) -> dict[str, Any]:
    """An invoiced, shipped, paid order, a reservation, a negotiated price, a reminder and an e-mail."""
    await orders_api.put(
        "/api/orders/negotiated-prices",
        headers=account.headers,
        json={"client_id": client_id, "variant_id": cat["bottle"], "price_cents": 900},
    )
    created = await order(orders_api, account, client_id, [{"variant_id": cat["bottle"], "quantity": quantity}])
    for step in ("confirm", "shipments", "invoice"):
        response = await orders_api.post(
            f"/api/orders/{created['id']}/{step}", json={} if step == "shipments" else None, headers=account.headers
        )
        assert response.status_code in (200, 201), response.text
    paid = await orders_api.post(
        f"/api/orders/{created['id']}/payments",
        headers=account.headers,
        json={"amount_cents": 1_000, "method": "cheque"},
    )
    assert paid.status_code == 201, paid.text
    reservation = await orders_api.post(
        "/api/orders/reservations",
        headers=account.headers,
        json={"client_id": client_id, "variant_id": cat["magnum"], "quantity": "2"},
    )
    assert reservation.status_code == 201, reservation.text
    reminder = await rem_api.post(
        "/api/reminders",
        headers=account.headers,
        json={
            "client_id": client_id,
            "due_at": "2030-01-15T09:00:00+01:00",
            "text": f"Relancer {client_id}",
            "assigned_user": str(user_uuid(account.id, "tester")),
        },
    )
    assert reminder.status_code == 201, reminder.text
    email = await send(
        mailings_api,
        account,
        client_id=client_id,
        subject=f"Facture {client_id}",
        body="Bonjour",
        recipients=[f"client{client_id}@exemple.fr"],
    )
    await settled(mailings_api, account, email["id"], "sent")
    return {
        "order": created["id"],
        "total": created["total_cents"],
        "reminder": reminder.json()["id"],
        "email": email["id"],
        "reservation": reservation.json()["id"],
    }


async def test_a_merge_moves_everything_in_every_service_and_the_statistics_add_up(
    api, orders_api, rem_api, mailings_app, mailings_api, smtp, account
):
    announce_user(account.id, "tester", email="tester@exemple.fr")
    cat = await catalogue(orders_api, account)
    await seller_profile(orders_api, account)  # its invoices are legal documents
    kept = await _known_everywhere(
        api, orders_api, rem_api, mailings_app, account, last_name="Garde", email="garde@exemple.fr"
    )
    merged = await _known_everywhere(
        api, orders_api, rem_api, mailings_app, account, last_name="Fusion", phone="05 56 00 00 00"
    )
    first = await _history(orders_api, rem_api, mailings_api, account, cat, kept, "6")
    second = await _history(orders_api, rem_api, mailings_api, account, cat, merged, "12")

    async def invoiced(client_id: int, count: int) -> bool:
        sheet = (await api.get(f"/api/clients/{client_id}", headers=account.headers)).json()
        return sheet["invoiced_orders_count"] == count

    await eventually(lambda: invoiced(kept, 1))
    await eventually(lambda: invoiced(merged, 1))
    response = await api.post(
        "/api/clients/merge", headers=account.headers, json={"kept_client_id": kept, "merged_client_id": merged}
    )
    assert response.status_code == 200, response.text

    sheet = (await api.get(f"/api/clients/{kept}", headers=account.headers)).json()
    assert sheet["invoiced_total_cents"] == first["total"] + second["total"]
    assert sheet["invoiced_orders_count"] == 2 and sheet["phone"] == "05 56 00 00 00"
    assert sheet["summary"]["orders_count"] == 2
    top = (await api.get(f"/api/clients/{kept}/top-products", headers=account.headers)).json()["items"]
    assert top[0]["units"] == 18

    async def orders_moved() -> bool:
        bodies = [
            (await orders_api.get(f"/api/orders/{o}", headers=account.headers)).json()
            for o in (first["order"], second["order"])
        ]
        return all(b["client_id"] == kept and b["ship_to_client_id"] == kept for b in bodies)

    await eventually(orders_moved)
    reservations = (
        await orders_api.get("/api/orders/reservations", params={"client_id": kept}, headers=account.headers)
    ).json()
    assert {r["id"] for r in reservations} == {first["reservation"], second["reservation"]}
    prices = (
        await orders_api.get("/api/orders/negotiated-prices", params={"client_id": kept}, headers=account.headers)
    ).json()
    assert [p["price_cents"] for p in prices] == [900]
    superseded = (
        await orders_api.get("/api/orders/superseded-prices", params={"client_id": kept}, headers=account.headers)
    ).json()
    assert len(superseded) == 1
    refused = await orders_api.post(
        "/api/orders",
        headers=account.headers,
        json={"client_id": merged, "lines": [{"variant_id": cat["bottle"], "quantity": "1"}]},
    )
    assert refused.status_code == 409

    async def reminders_moved() -> list[int] | None:
        items = (await rem_api.get("/api/reminders", params={"client_id": kept}, headers=account.headers)).json()[
            "items"
        ]
        ids = sorted(r["id"] for r in items)
        return ids if len(ids) == 2 else None

    assert await eventually(reminders_moved) == sorted([first["reminder"], second["reminder"]])
    assert (
        await rem_api.post(
            "/api/reminders",
            headers=account.headers,
            json={
                "client_id": merged,
                "due_at": "2030-01-15T09:00:00Z",
                "text": "x",
                "assigned_user": str(user_uuid(account.id, "tester")),
            },
        )
    ).status_code == 409

    async def emails_moved() -> bool:
        items = (
            await mailings_api.get("/api/mailings/emails", params={"client_id": kept}, headers=account.headers)
        ).json()["items"]
        return {e["id"] for e in items} == {first["email"], second["email"]}

    await eventually(emails_moved)
    timeline = (
        await api.get(
            f"/api/clients/{kept}/timeline", params={"kind": ["email", "reminder", "merge"]}, headers=account.headers
        )
    ).json()["items"]
    assert sorted(e["category"] for e in timeline) == ["email", "email", "merge", "reminder", "reminder"]
    gone = await api.get(f"/api/clients/{merged}", headers=account.headers)
    assert gone.status_code == 404 and gone.json()["merged_into"] == kept


async def test_an_erased_client_leaves_no_personal_data_in_any_service(
    api,
    orders_api,
    orders_app,
    rem_api,
    reminders_app,
    mailings_app,
    mailings_api,
    smtp,
    account,
    clients_app,
    stored_files,
):
    announce_user(account.id, "tester", email="tester@exemple.fr")
    cat = await catalogue(orders_api, account)
    await seller_profile(orders_api, account)  # its invoices are legal documents
    people = {name: _person(name) for name in ("erased", "absorbed", "merged_away")}
    known = [
        _known_everywhere(api, orders_api, rem_api, mailings_app, account, **fields)
        for fields in (
            people["erased"].fields(note=f"Note {people['erased'].word}", show_note_on_orders=True),
            people["absorbed"].fields(),
            people["merged_away"].fields(with_phone=False, with_address=False),
            {"first_name": "Karine", "last_name": "Survivante", "email": "karine@exemple.fr"},
            {"company_name": "Cave Destinataire"},
            {"company_name": "Cave Payeuse"},
        )
    ]
    erased, absorbed, merged_away, survivor, ship_to, payer = [await each for each in known]
    word = people["erased"].word
    workers = _Workers(mailings_app, stored_files)
    try:
        # The erased client's own history: notes, a contact, e-mails, reminders (one fired), a blocking reason.
        await _ok(
            api.post(
                f"/api/clients/{erased}/notes",
                headers=account.headers,
                json={"kind": "call", "text": f"Appel de Mme {word} : rappeler"},
            )
        )
        await _ok(
            api.post(
                f"/api/clients/{erased}/contacts",
                headers=account.headers,
                json={
                    "first_name": "Paul",
                    "last_name": f"Contact{word}",
                    "email": f"paul.{word}@exemple.fr",
                    "receives_invoices": True,
                },
            )
        )
        for client_id, person in ((erased, people["erased"]), (absorbed, people["absorbed"])):
            email = await send(
                mailings_api,
                account,
                client_id=client_id,
                subject=f"Facture de {person.word}",
                body=f"Bonjour {person.word}",
                recipients=[person.email],
            )
            await settled(mailings_api, account, email["id"], "sent")
            await _ok(
                rem_api.post(
                    "/api/reminders",
                    headers=account.headers,
                    json={
                        "client_id": client_id,
                        "due_at": "2030-01-15T09:00:00+01:00",
                        "text": f"Relancer {person.word}",
                    },
                )
            )
        await _ok(
            rem_api.post(
                "/api/reminders",
                headers=account.headers,
                json={"client_id": erased, "due_at": "2020-01-15T09:00:00+01:00", "text": f"Rappeler {word}"},
            )
        )
        await settled(
            mailings_api,
            account,
            (
                await send(
                    mailings_api, account, client_id=erased, subject="Relevé", body="Bonjour", document_kind="invoices"
                )
            )["id"],
            "sent",
        )
        # Shipments both ways: billed to the erased client and shipped to another, and the other way round.
        documents = [
            await _delivered(orders_api, account, cat, erased, ship_to),
            await _delivered(orders_api, account, cat, payer, erased),
        ]
        # Blocked (with a reason) and unblocked once its orders were taken: a blocked client gets none.
        await _ok(api.post(f"/api/clients/{erased}/block", headers=account.headers, json={"reason": f"Impayés {word}"}))
        await _ok(api.post(f"/api/clients/{erased}/unblock", headers=account.headers))
        # A printed campaign and export files that hold the erased clients.
        campaign = await _ok(
            mailings_api.post(
                "/api/mailings/campaigns",
                headers=account.headers,
                json={"name": "Vœux", "selection": {"client_ids": [erased, absorbed, merged_away, ship_to]}},
            )
        )
        await _ok(
            mailings_api.patch(
                f"/api/mailings/campaigns/{campaign['id']}",
                headers=account.headers,
                json={"text": "Bonjour {{first_name}} {{last_name}}"},
            )
        )
        render = await _ok(
            mailings_api.post(
                f"/api/mailings/campaigns/{campaign['id']}/renders", headers=account.headers, json={"kind": "letters"}
            )
        )
        exports = [
            (await _ok(api.post("/api/clients/exports", headers=account.headers, json=body)))["id"]
            for body in (
                {},
                {"kind": "contacts", "format": "csv"},
                {"format": "csv", "selection": {"client_ids": [erased, merged_away, payer]}},
            )
        ]
        await eventually(lambda: workers.finished(api, mailings_api, account, exports, [render["id"]]), timeout=60)

        # Merges both ways: the erased client absorbs a record, another record is absorbed by a client that stays.
        for kept, merged in ((erased, absorbed), (survivor, merged_away)):
            await _ok(
                api.post(
                    "/api/clients/merge",
                    headers=account.headers,
                    json={"kept_client_id": kept, "merged_client_id": merged},
                )
            )
        markers = [m for person in people.values() for m in person.markers]
        databases = {
            name: app.state.context.engine
            for name, app in (
                ("clients", clients_app),
                ("orders", orders_app),
                ("reminders", reminders_app),
                ("mailings", mailings_app),
            )
        }
        folders = list(stored_files.values())

        async def leftovers() -> dict[str, list[str]]:
            found = {name: await rows_mentioning(engine, markers) for name, engine in databases.items()}
            return {**found, "files": files_mentioning(folders, markers)}

        # The search finds what is there before the erasure: in every database and in both kinds of file.
        before = await eventually(lambda: _everywhere(leftovers), timeout=30)
        assert {line.split(".")[0] for line in before["files"]} >= {*map(str, exports[:2]), str(render["id"])}

        for client_id in (erased, merged_away):
            await _ok(api.post(f"/api/clients/{client_id}/erase", headers=account.headers))

        async def clean() -> bool:
            return not any((await leftovers()).values())

        try:
            await eventually(clean, timeout=60, interval=0.5)
        except AssertionError:
            raise AssertionError({k: v for k, v in (await leftovers()).items() if v}) from None
        await eventually(lambda: workers.finished(api, mailings_api, account, exports, [render["id"]]), timeout=60)
        assert not any((await leftovers()).values())
    finally:
        await workers.stop()

    # The documents keep their numbers, amounts and dates, under the pseudonym.
    for document in documents:
        body = (await orders_api.get(f"/api/orders/{document['id']}", headers=account.headers)).json()
        assert (body["total_cents"], body["invoice"]["number"]) == (document["total"], document["invoice"])
        assert body["invoice"]["issued_at"] == document["issued_at"]
    sheet = (await api.get(f"/api/clients/{erased}", headers=account.headers)).json()
    assert (sheet["display_name"], sheet["invoiced_total_cents"]) == (f"ANONYME-{erased}", documents[0]["total"])
    # The other clients' lines name the erased ones by their pseudonym; the survivor keeps its own name.
    shipment_lines = [e["text"] for e in await _timeline(api, account, payer, "shipment")]
    assert [f"vers ANONYME-{erased} :" in t for t in shipment_lines] == [True]
    assert [e["text"] for e in await _timeline(api, account, erased, "merge")] == [
        f"Fiche « ANONYME-{absorbed} » (n° {absorbed}) fusionnée dans celle-ci par tester"
    ]
    assert [e["text"] for e in await _timeline(api, account, survivor, "merge")] == [
        f"Fiche « ANONYME-{merged_away} » (n° {merged_away}) fusionnée dans celle-ci par tester"
    ]
    assert (await api.get(f"/api/clients/{survivor}", headers=account.headers)).json()["display_name"] == (
        "Karine Survivante"
    )


class _Person:
    """A client's personal data, with words found nowhere else in the test databases."""

    def __init__(self, word: str, digits: str) -> None:
        self.word, self.digits = word, digits
        self.email = f"{word.lower()}@exemple.fr"
        self.phone = "06 " + " ".join(digits[i : i + 2] for i in range(0, 8, 2))
        self.line1, self.city = f"7 impasse des {word}", f"Ville{word}"

    def fields(self, *, with_phone: bool = True, with_address: bool = True, **extra: Any) -> dict[str, Any]:
        """The client's fields for POST /api/clients."""
        fields = {
            "title": "Mme",
            "first_name": f"Hélène{self.word}",
            "last_name": self.word,
            "email": self.email,
            **extra,
        }
        if with_phone:
            fields["phone"] = self.phone
        if with_address:
            fields["billing_address"] = {"line1": self.line1, "postal_code": "97133", "city": self.city}
        return fields

    @property
    def markers(self) -> list[str]:
        """What must be found nowhere once erased: name, e-mail, phone in both notations, address."""
        return [self.word, self.email, self.phone, "06" + self.digits, self.line1, self.city]


def _person(role: str) -> _Person:
    return _Person(f"Zq{role[:3].title()}{secrets.token_hex(3)}", f"{secrets.randbelow(10**8):08d}")


async def _ok(request: Any) -> Any:
    response = await request
    assert response.status_code in (200, 201, 202), response.text
    return response.json() if response.content else None


async def _delivered(orders_api, account, cat, billed: int, ship_to: int) -> dict[str, Any]:
    """An order billed to one client and shipped to another: confirmed, shipped, invoiced, paid."""
    created = await order(
        orders_api, account, billed, [{"variant_id": cat["bottle"], "quantity": "6"}], ship_to_client_id=ship_to
    )
    for step, body in (
        ("confirm", None),
        ("shipments", {}),
        ("invoice", None),
        ("payments", {"amount_cents": 1_000, "method": "cheque"}),
    ):
        await _ok(orders_api.post(f"/api/orders/{created['id']}/{step}", json=body, headers=account.headers))
    invoiced = (await orders_api.get(f"/api/orders/{created['id']}", headers=account.headers)).json()
    return {
        "id": created["id"],
        "total": invoiced["total_cents"],
        "invoice": invoiced["invoice"]["number"],
        "issued_at": invoiced["invoice"]["issued_at"],
    }


async def _everywhere(leftovers) -> dict[str, list[str]] | None:
    found = await leftovers()
    return found if all(found.values()) else None


async def _timeline(api, account, client_id: int, kind: str) -> list[dict[str, Any]]:
    response = await api.get(f"/api/clients/{client_id}/timeline", params={"kind": kind}, headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


class _Workers:
    """The export worker and the render worker, running in this process for one test."""

    def __init__(self, mailings_app: FastAPI, stored_files: dict[str, Path]) -> None:
        self.stop_event = asyncio.Event()
        self.workers: list[LeasedJobWorker[Any]] = [
            ExportWorker(
                ClientsSettings(
                    database_url=database_url("clients"),
                    export_dir=stored_files["exports"],
                    export_lease_seconds=5,
                    export_poll_seconds=0.1,
                )
            ),
            RenderWorker(mailings_app.state.settings),
        ]
        self.tasks = [asyncio.create_task(worker.run(self.stop_event)) for worker in self.workers]

    async def finished(self, api, mailings_api, account, exports: list[str], renders: list[int]) -> bool:
        """Whether every export and render job of the test is done."""
        states = [
            (await api.get(f"/api/clients/exports/{job}", headers=account.headers)).json()["state"] for job in exports
        ]
        states += [
            (await mailings_api.get(f"/api/mailings/renders/{job}", headers=account.headers)).json()["state"]
            for job in renders
        ]
        return states == ["done"] * len(states)

    async def stop(self) -> None:
        """Stop both workers and close their database connections."""
        self.stop_event.set()
        await asyncio.gather(*self.tasks)
        for worker in self.workers:
            await worker.engine.dispose()
