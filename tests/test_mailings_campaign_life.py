"""Client life reaches paper campaigns: merges, deletions and erasures through the real clients service.

Campaigns not printed yet follow them; a printed campaign keeps what was printed, except an erased
client's personal data, which only its pseudonym replaces.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import TestAccount
from tests.mailings_support import campaign_api, campaign_app, render_dir, render_worker  # noqa: F401
from tests.support import eventually
from tests.test_mailings_campaigns import BEAUNE, account, create, listed, new_client, render  # noqa: F401


async def recipient_ids(campaign_api: httpx.AsyncClient, account: TestAccount, campaign: dict[str, Any]) -> list[int]:
    """The client ids of a campaign's recipients, in print order."""
    return [r["client_id"] for r in await listed(campaign_api, account, campaign, "recipients")]


async def test_merges_deletions_and_erasures_change_unprinted_campaigns_only(api, campaign_api, account, render_worker):
    person = {"billing_address": BEAUNE}
    kept = await new_client(api, account, last_name="Garde", **person)
    merged = await new_client(api, account, last_name="Fusion", **person)
    alone = await new_client(api, account, last_name="Seul", **person)
    deleted = await new_client(api, account, last_name="Parti", **person)
    erased = await new_client(api, account, first_name="Oubliée", last_name="Effacée", **person)
    refusing = await new_client(api, account, last_name="Refus", accepts_mailing=False, **person)

    both = await create(campaign_api, account, {"client_ids": [kept, merged, deleted, erased, alone]}, "Les deux")
    only_merged = await create(campaign_api, account, {"client_ids": [merged, refusing]}, "Le fusionné")
    printed = await create(campaign_api, account, {"client_ids": [merged, deleted, erased, alone]}, "Imprimée")
    await render(campaign_api, account, printed, kind="letters")

    merge = await api.post(
        "/api/clients/merge", headers=account.headers, json={"kept_client_id": kept, "merged_client_id": merged}
    )
    assert merge.status_code == 200, merge.text
    assert (await api.delete(f"/api/clients/{deleted}", headers=account.headers)).status_code == 204
    erase = await api.post(f"/api/clients/{erased}/erase", headers=account.headers)
    assert erase.status_code == 200, erase.text
    pseudonym = erase.json()["display_name"]

    async def applied() -> bool:
        return await recipient_ids(campaign_api, account, both) == sorted([kept, alone]) and await recipient_ids(
            campaign_api, account, only_merged
        ) == [kept]

    await eventually(applied)
    # The kept client was already a recipient: one row (its own, in its place) remains.
    rows = await listed(campaign_api, account, both, "recipients")
    assert [r["last_name"] for r in rows] == ["Garde", "Seul"]
    assert [e["client_id"] for e in await listed(campaign_api, account, only_merged, "exclusions")] == [refusing]

    async def erased_in_print() -> list[dict[str, Any]]:
        rows = await listed(campaign_api, account, printed, "recipients")
        return [r for r in rows if r["client_id"] == erased and r["display_name"] == pseudonym]

    [blank] = await eventually(erased_in_print)
    assert (
        blank["first_name"] is None
        and blank["last_name"] is None
        and blank["address"]
        == {"line1": None, "line2": None, "line3": None, "postal_code": None, "city": None, "country_code": None}
    )
    assert await recipient_ids(campaign_api, account, printed) == sorted([merged, deleted, erased, alone])
    campaign = (await campaign_api.get(printed["href"], headers=account.headers)).json()
    assert (campaign["status"], campaign["recipients"]) == ("printed", 4)


async def test_a_merge_into_a_client_left_out_gives_it_the_letter(api, campaign_api, account):
    refusing = await new_client(api, account, last_name="Refus", accepts_mailing=False, billing_address=BEAUNE)
    merged = await new_client(api, account, last_name="Fusion", billing_address=BEAUNE)
    campaign = await create(campaign_api, account, {"client_ids": [refusing, merged]})
    assert (campaign["recipients"], campaign["excluded"]) == (1, 1)
    merge = await api.post(
        "/api/clients/merge", headers=account.headers, json={"kept_client_id": refusing, "merged_client_id": merged}
    )
    assert merge.status_code == 200, merge.text

    async def moved() -> bool:
        return await recipient_ids(campaign_api, account, campaign) == [refusing]

    await eventually(moved)
    after = (await campaign_api.get(campaign["href"], headers=account.headers)).json()
    assert (after["recipients"], after["excluded"]) == (1, 0)
