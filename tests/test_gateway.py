"""The whole system as `make run` starts it: four service processes behind the nginx gateway."""

import httpx

from tests.conftest import SERVICES


async def test_every_service_is_ready_behind_the_gateway(gateway):
    async with httpx.AsyncClient(base_url=gateway) as http:
        assert (await http.get("/health")).status_code == 200
        for service in SERVICES:
            ready = (await http.get(f"/ready/{service}")).json()
            assert ready["checks"] == {"database": True, "broker": True}, service


async def test_clients_are_listed_through_the_gateway_for_their_account_only(gateway, clients_app):
    from tests.conftest import new_account

    owner, other = await new_account(clients_app, "Owner"), await new_account(clients_app, "Other")
    async with httpx.AsyncClient(base_url=gateway) as http:
        created = await http.post(
            "/api/clients",
            json={"company_name": "Cave du Port"},
            headers={**owner.headers, "X-Request-ID": "gateway-test-0001"},
        )
        assert created.status_code == 201, created.text
        assert created.headers["x-request-id"] == "gateway-test-0001"
        mine = (await http.get("/api/clients", headers=owner.headers)).json()
        assert [r["display_name"] for r in mine["items"]] == ["Cave du Port"]
        theirs = await http.get("/api/clients", headers=other.headers)
        assert theirs.json()["items"] == []
        assert (await http.get(f"/api/clients/{created.json()['id']}", headers=other.headers)).status_code == 404
        assert (await http.get("/api/clients")).status_code == 401


async def test_gateway_answers_unknown_paths_and_big_bodies_with_problems(gateway, clients_app):
    from tests.conftest import new_account

    account = await new_account(clients_app)
    async with httpx.AsyncClient(base_url=gateway) as http:
        unknown = await http.get("/api/nowhere")
        assert unknown.status_code == 404
        assert unknown.headers["content-type"].startswith("application/problem+json")
        big = await http.post(
            "/api/clients",
            content=b"{" + b" " * 3_000_000 + b"}",
            headers={**account.headers, "content-type": "application/json"},
        )
        assert big.status_code == 413


async def test_a_search_and_its_csv_go_through_the_gateway(gateway, clients_app):
    from tests.conftest import new_account

    account = await new_account(clients_app, "Gateway search")
    async with httpx.AsyncClient(base_url=gateway, headers=account.headers) as http:
        for name, city in (("Cave Hélène", "Bordeaux"), ("Cave du Nord", "Lille")):
            await http.post(
                "/api/clients",
                json={
                    "company_name": name,
                    "billing_address": {
                        "line1": "1 rue",
                        "postal_code": "33000" if city == "Bordeaux" else "59000",
                        "city": city,
                    },
                },
            )
        found = (await http.get("/api/clients", params={"q": "helene dept:33"})).json()
        assert [r["display_name"] for r in found["items"]] == ["Cave Hélène"]
        exported = await http.get("/api/clients/exports/clients.csv", params={"q": "cave"})
        assert exported.status_code == 200
        lines = exported.content.decode("utf-8-sig").splitlines()
        # CSV-quoted ="59000": Excel keeps the postal code's digits as text. Sorted by name: Nord first.
        assert len(lines) == 3 and '"=""59000"""' in lines[1] and '"=""33000"""' in lines[2]
        bad = await http.get("/api/clients", params={"q": "dept:"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["position"] == 1


async def test_an_idempotency_key_and_its_replayed_answer_go_through_the_gateway(gateway, clients_app):
    from tests.conftest import new_account

    account = await new_account(clients_app, "Gateway retry")
    headers = {**account.headers, "Idempotency-Key": "gateway-retry-0001"}
    async with httpx.AsyncClient(base_url=gateway, headers=headers) as http:
        first = await http.post("/api/clients", json={"company_name": "Cave du Retour"})
        again = await http.post("/api/clients", json={"company_name": "Cave du Retour"})
        assert first.status_code == again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
        other = await http.post("/api/clients", json={"company_name": "Autre cave"})
        assert other.status_code == 409 and other.json()["errors"][0]["field"] == "Idempotency-Key"
        listed = (await http.get("/api/clients")).json()
        assert [r["display_name"] for r in listed["items"]] == ["Cave du Retour"]
