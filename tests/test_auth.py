"""Every request names its account; other accounts' data does not exist for it."""

import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.access_support import mint_token
from tests.conftest import JWT_SECRET, new_account

PERSON = {
    "first_name": "Hélène",
    "last_name": "Martin",
    "billing_address": {"postal_code": "33000", "city": "Bordeaux"},
}


async def test_health_and_readiness_check_database_and_broker(api):
    assert (await api.get("/health")).json()["status"] == "ok"
    ready = await api.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": True, "broker": True}


async def test_missing_token_is_401_problem(api):
    response = await api.get("/api/clients")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_bad_tokens_are_401(api, account):
    good = mint_token(account_id=account.id)
    kid = jwt.get_unverified_header(good)["kid"]
    claims = jwt.decode(good, options={"verify_signature": False})
    forged = jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": kid})
    shared_secret = jwt.encode(claims, JWT_SECRET, algorithm="HS256", headers={"kid": kid})
    expired = mint_token(account_id=account.id, ttl_seconds=-120)
    no_account = jwt.encode({k: v for k, v in claims.items() if k != "account_id"}, JWT_SECRET)
    assert (await api.get("/api/clients", headers={"Authorization": f"Bearer {good}"})).status_code == 200
    for token in ("garbage", forged, shared_secret, expired, no_account):
        response = await api.get("/api/clients", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token


async def test_token_of_unknown_account_is_401(api):
    token = mint_token(account_id=uuid.uuid4(), user="ghost")
    response = await api.get("/api/clients", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_another_accounts_client_is_404_everywhere(api, clients_app, account):
    created = (await api.post("/api/clients", json=PERSON, headers=account.headers)).json()
    intruder = await new_account(clients_app, "Intruder")
    path = f"/api/clients/{created['id']}"
    attempts = [
        api.get(path, headers=intruder.headers),
        api.patch(path, json={"note": "hacked"}, headers=intruder.headers),
        api.post(f"{path}/block", json={"reason": "x"}, headers=intruder.headers),
        api.delete(path, headers=intruder.headers),
        api.get(f"{path}/contacts", headers=intruder.headers),
        api.post(f"{path}/contacts", json={"last_name": "X"}, headers=intruder.headers),
    ]
    for attempt in attempts:
        response = await attempt
        assert response.status_code == 404, response.text
    listing = (await api.get("/api/clients", headers=intruder.headers)).json()
    assert listing["items"] == [] and listing["counts"]["all"] == 0
    still = (await api.get(path, headers=account.headers)).json()
    assert still["note"] is None and still["blocked"] is False
