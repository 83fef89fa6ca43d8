"""Paper campaigns end to end: the real clients service resolves the selection, a render worker prints the PDFs.

Clients are created through the clients API; the campaign's snapshot, its exclusions, its letters and
labels are checked in the PDFs themselves (pdfplumber), and mailing.rendered reaches the timeline.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import httpx
import pdfplumber
import pytest
from PIL import Image

from services.mailings.paper.formats import PAGE_SIZES_MM, SEEDED_FORMATS
from tests.conftest import AMQP_URL, TestAccount, new_account
from tests.mailings_support import (  # noqa: F401
    campaign_api,
    campaign_app,
    mail_account,
    render_dir,
    render_worker,
    rendered,
)
from tests.support import EventTap, eventually

MM = 72 / 25.4
BEAUNE = {"line1": "12 rue des Tonneliers", "postal_code": "21200", "city": "Beaune"}


@pytest.fixture
async def account(clients_app: Any) -> TestAccount:
    """A fresh account of the clients service (campaigns read its clients)."""
    return await new_account(clients_app)


async def new_client(api: httpx.AsyncClient, account: TestAccount, **fields: Any) -> int:
    """A client created through the clients API; returns its id."""
    response = await api.post("/api/clients", json=fields, headers=account.headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def the_base(api: httpx.AsyncClient, account: TestAccount) -> dict[str, int]:
    """Five clients: two printable, one refusing mail, one without postal code, one abroad."""
    ids = {
        "helene": await new_client(
            api, account, title="Mme", first_name="Hélène", last_name="Dupré-Œillet", billing_address=BEAUNE
        ),
        "chateau": await new_client(
            api,
            account,
            company_name="Château de l'Œnothèque",
            billing_address={**BEAUNE, "line1": "2ᵉ allée des Vignes"},
        ),
        "refuses": await new_client(api, account, last_name="Refus", accepts_mailing=False, billing_address=BEAUNE),
        "no_code": await new_client(
            api, account, last_name="Sanscode", billing_address={"line1": "3 rue Basse", "city": "Beaune"}
        ),
        "abroad": await new_client(
            api,
            account,
            first_name="Jürg",
            last_name="Müller",
            billing_address={"line1": "Rue du Lac 3", "postal_code": "1003", "city": "Lausanne", "country_code": "CH"},
        ),
    }
    return ids


async def create(
    campaign_api: httpx.AsyncClient, account: TestAccount, selection: dict[str, Any], name: str = "Primeurs 2026"
) -> dict[str, Any]:
    """POST a campaign and return it, asserting it was created."""
    response = await campaign_api.post(
        "/api/mailings/campaigns", headers=account.headers, json={"name": name, "selection": selection}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def listed(
    campaign_api: httpx.AsyncClient, account: TestAccount, campaign: dict[str, Any], what: str
) -> list[dict[str, Any]]:
    """Every recipient or exclusion of a campaign, following the pages."""
    items: list[dict[str, Any]] = []
    url: str | None = f"{campaign['href']}/{what}?limit=2"
    while url:
        page = (await campaign_api.get(url, headers=account.headers)).json()
        items += page["items"]
        url = page["next"]
    return items


def image(kind: str, size: tuple[int, int] = (400, 600)) -> bytes:
    """A real PNG or JPEG of the given pixel size."""
    out = io.BytesIO()
    Image.new("RGB", size, (230, 220, 200)).save(out, format=kind)
    return out.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims an absurd pixel size (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = chunk(b"IDAT", zlib.compress(b"\0" * 64))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + pixels + chunk(b"IEND", b"")


async def render(
    campaign_api: httpx.AsyncClient, account: TestAccount, campaign: dict[str, Any], **body: Any
) -> dict[str, Any]:
    """Queue a render and wait until it is done."""
    response = await campaign_api.post(f"{campaign['href']}/renders", json=body, headers=account.headers)
    assert response.status_code == 202, response.text
    return await rendered(campaign_api, account, response.json())


async def pdf_of(campaign_api: httpx.AsyncClient, account: TestAccount, job: dict[str, Any]) -> pdfplumber.PDF:
    """Download a finished render and open it."""
    response = await campaign_api.get(job["download_url"], headers=account.headers)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    return pdfplumber.open(io.BytesIO(response.content))


async def test_a_campaign_from_a_search_keeps_its_recipients_and_lists_who_is_left_out(api, campaign_api, account):
    ids = await the_base(api, account)
    campaign = await create(campaign_api, account, {"search": {"q": ""}})
    assert (campaign["status"], campaign["recipients"], campaign["excluded"]) == ("draft", 3, 2)
    recipients = await listed(campaign_api, account, campaign, "recipients")
    assert [r["client_id"] for r in recipients] == sorted([ids["helene"], ids["chateau"], ids["abroad"]])
    assert [r["position"] for r in recipients] == [1, 2, 3]
    helene = next(r for r in recipients if r["client_id"] == ids["helene"])
    assert helene["address"]["postal_code"] == "21200" and helene["first_name"] == "Hélène"
    exclusions = {e["client_id"]: e for e in await listed(campaign_api, account, campaign, "exclusions")}
    assert exclusions[ids["refuses"]]["reason"] == "refuses_mailing"
    assert exclusions[ids["no_code"]]["reason"] == "undeliverable"
    assert "postal code" in exclusions[ids["no_code"]]["detail"]

    # The snapshot does not follow later edits: reprinting gives the same letters.
    edited = await api.patch(
        f"/api/clients/{ids['helene']}",
        headers=account.headers,
        json={"billing_address": {**BEAUNE, "city": "Dijon", "postal_code": "21000"}},
    )
    assert edited.status_code == 200, edited.text
    again = await listed(campaign_api, account, campaign, "recipients")
    assert next(r for r in again if r["client_id"] == ids["helene"])["address"]["city"] == "Beaune"


async def test_a_campaign_from_a_segment_or_ids_and_bad_selections(api, campaign_api, account):
    ids = await the_base(api, account)
    segment = await api.post(
        "/api/clients/segments", headers=account.headers, json={"name": "Beaune", "search": {"city": ["Beaune"]}}
    )
    assert segment.status_code == 201, segment.text
    by_segment = await create(campaign_api, account, {"segment_id": segment.json()["id"]})
    assert (by_segment["recipients"], by_segment["excluded"]) == (2, 2)
    by_ids = await create(campaign_api, account, {"client_ids": [ids["abroad"], ids["refuses"]]})
    assert (by_ids["recipients"], by_ids["excluded"]) == (1, 1)

    missing_segment = await campaign_api.post(
        "/api/mailings/campaigns", headers=account.headers, json={"name": "x", "selection": {"segment_id": 999_999}}
    )
    assert missing_segment.status_code == 404, missing_segment.text
    unknown_ids = await campaign_api.post(
        "/api/mailings/campaigns", headers=account.headers, json={"name": "x", "selection": {"client_ids": [999_999]}}
    )
    assert unknown_ids.status_code == 422
    assert any(e["field"].startswith("selection") for e in unknown_ids.json()["errors"]), unknown_ids.text
    bad_search = await campaign_api.post(
        "/api/mailings/campaigns", headers=account.headers, json={"name": "x", "selection": {"search": {"nope": 1}}}
    )
    assert bad_search.status_code == 422
    assert any(e["field"].startswith("selection.search") for e in bad_search.json()["errors"]), bad_search.text
    no_name = await campaign_api.post(
        "/api/mailings/campaigns",
        headers=account.headers,
        json={"name": "", "selection": {"client_ids": [ids["abroad"]]}},
    )
    assert no_name.status_code == 422 and no_name.json()["errors"][0]["field"] == "name"
    listing = (await campaign_api.get("/api/mailings/campaigns?limit=1", headers=account.headers)).json()
    assert listing["items"][0]["id"] == by_ids["id"] and listing["next"]


async def test_text_with_merge_fields_and_the_background_image_is_checked_by_content(api, campaign_api, account):
    ids = await the_base(api, account)
    campaign = await create(campaign_api, account, {"client_ids": [ids["helene"]]})
    href, headers = campaign["href"], account.headers
    edited = await campaign_api.patch(
        href,
        headers=headers,
        json={"title": "Primeurs 2026", "text": "Chère {{title}} {{last_name}}, nos primeurs arrivent."},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["text"].startswith("Chère {{title}}")
    unknown = await campaign_api.patch(href, headers=headers, json={"text": "Bonjour {{surname}}"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "text", unknown.text

    for kind, mime in (("PNG", "image/png"), ("JPEG", "image/jpeg")):
        accepted = await campaign_api.put(f"{href}/background", content=image(kind), headers=headers)
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["background"]["mime_type"] == mime
    as_form = await campaign_api.put(
        f"{href}/background", headers=headers, files={"image": ("fond.png", image("PNG", (300, 300)), "image/png")}
    )
    assert as_form.status_code == 200 and as_form.json()["background"]["width"] == 300, as_form.text

    refused = {
        "gif": image("GIF"),
        "text named png": b"not an image at all, whatever the name says",
        "too big": image("PNG", (120, 120)) + b"\0" * (10 * 1024 * 1024),
        "absurd size": png_header_claiming(50_000, 50_000),
        "too small": image("PNG", (20, 20)),
    }
    for label, data in refused.items():
        response = await campaign_api.put(
            f"{href}/background", headers=headers, files={"image": ("fond.png", data, "image/png")}
        )
        assert response.status_code == 422, (label, response.text)
        assert response.json()["errors"][0]["field"] == "image", label
    # Beyond what is worth reading, the body-size limit answers before the route runs.
    huge = await campaign_api.put(f"{href}/background", content=b"\0" * (17 * 1024 * 1024), headers=headers)
    assert huge.status_code == 413
    assert (await campaign_api.get(href, headers=headers)).json()["background"]["width"] == 300
    removed = await campaign_api.delete(f"{href}/background", headers=headers)
    assert removed.status_code == 200 and removed.json()["background"] is None


async def test_letters_print_each_recipient_and_the_timeline_says_so(api, campaign_api, account, render_worker):
    ids = await the_base(api, account)
    campaign = await create(campaign_api, account, {"search": {}}, name="Primeurs d'automne")
    await campaign_api.patch(
        campaign["href"],
        headers=account.headers,
        json={"title": "Nos primeurs 2026", "text": "Bonjour {{first_name}} {{last_name}}, le prix est de 12 €."},
    )
    await campaign_api.put(
        f"{campaign['href']}/background", content=image("JPEG", (1240, 1754)), headers=account.headers
    )
    async with EventTap(AMQP_URL, "negoce.mailings", "mailing.rendered") as tap:
        job = await render(campaign_api, account, campaign, kind="letters")
        [event] = await eventually(lambda: [b for b in tap.bodies() if b["payload"]["campaign_id"] == campaign["id"]])
    assert (job["pages_done"], job["pages_total"], job["percent"]) == (3, 3, 100)
    assert sorted(event["payload"]["client_ids"]) == sorted([ids["helene"], ids["chateau"], ids["abroad"]])
    assert event["payload"]["pages"] == 3 and event["payload"]["name"] == "Primeurs d'automne"

    with await pdf_of(campaign_api, account, job) as pdf:
        assert len(pdf.pages) == 3
        for page in pdf.pages:
            assert (round(page.width / MM), round(page.height / MM)) == (210, 297)
        texts = [page.extract_text() for page in pdf.pages]
    helene = next(t for t in texts if "Hélène" in t)
    assert "Bonjour Hélène Dupré-Œillet" in helene and "12 €" in helene and "21200 BEAUNE" in helene
    assert any("Château de l'Œnothèque" in t and "2ᵉ allée des Vignes" in t for t in texts), texts
    assert any("1003 LAUSANNE" in t and "SUISSE" in t for t in texts), texts

    async def on_timeline() -> list[dict[str, Any]]:
        timeline = (await api.get(f"/api/clients/{ids['helene']}/timeline", headers=account.headers)).json()
        return [e for e in timeline["items"] if e["category"] == "mailing"]

    [line] = await eventually(on_timeline)
    assert "Primeurs d'automne" in line["text"]

    # Printed: frozen, but it can be printed again, identically.
    printed = (await campaign_api.get(campaign["href"], headers=account.headers)).json()
    assert printed["status"] == "printed" and printed["printed_at"]
    for attempt in (
        campaign_api.patch(campaign["href"], headers=account.headers, json={"name": "Autre"}),
        campaign_api.delete(campaign["href"], headers=account.headers),
        campaign_api.delete(f"{campaign['href']}/background", headers=account.headers),
    ):
        response = await attempt
        assert response.status_code == 409 and response.json()["reason"] == "campaign_printed"
    again = await render(campaign_api, account, campaign, kind="letters")
    with await pdf_of(campaign_api, account, again) as pdf:
        assert [page.extract_text() for page in pdf.pages] == texts


def _words_in(page: Any, box: tuple[float, float, float, float]) -> str:
    x0, top, x1, bottom = box
    return " ".join(
        w["text"]
        for w in page.extract_words()
        if w["x0"] >= x0 - 0.5 and w["x1"] <= x1 + 0.5 and w["top"] >= top - 0.5 and w["bottom"] <= bottom + 0.5
    )


def _label_box(fmt: Any, index: int, dx: float = 0.0, dy: float = 0.0) -> tuple[float, float, float, float]:
    row, column = divmod(index, fmt.columns)
    x = (fmt.left_mm + column * fmt.pitch_x_mm + dx) * MM
    y = (fmt.top_mm + row * fmt.pitch_y_mm + dy) * MM
    return x, y, x + fmt.label_width_mm * MM, y + fmt.label_height_mm * MM


async def test_labels_land_inside_their_rectangles_with_skip_and_calibration(api, campaign_api, account, render_worker):
    await the_base(api, account)
    campaign = await create(campaign_api, account, {"search": {}})
    l7160 = next(f for f in SEEDED_FORMATS if f.code == "L7160")
    job = await render(campaign_api, account, campaign, kind="labels", format="L7160", skip=4)
    assert job["format"] == "L7160" and job["skip"] == 4
    with await pdf_of(campaign_api, account, job) as pdf:
        [page] = pdf.pages
        assert (round(page.width / MM), round(page.height / MM)) == (210, 297)
        for index in range(4):
            assert _words_in(page, _label_box(l7160, index)) == ""
        assert "Hélène" in _words_in(page, _label_box(l7160, 4))
        assert "Château" in _words_in(page, _label_box(l7160, 5))
        assert "LAUSANNE" in _words_in(page, _label_box(l7160, 6))

    settings = await campaign_api.put(
        "/api/mailings/label-settings", headers=account.headers, json={"offset_x_mm": 3.0, "offset_y_mm": -2.5}
    )
    assert settings.status_code == 200, settings.text
    moved = await render(campaign_api, account, campaign, kind="labels", format="L7160")
    with await pdf_of(campaign_api, account, moved) as pdf:
        page = pdf.pages[0]
        word = next(w for w in page.extract_words() if w["text"] == "Hélène")
    with await pdf_of(campaign_api, account, job) as pdf:
        before = next(w for w in pdf.pages[0].extract_words() if w["text"] == "Hélène")
    # Label 4 (second row, second column) against label 0, then the calibration on top.
    assert word["x0"] - before["x0"] == pytest.approx(-l7160.pitch_x_mm * MM + 3.0 * MM, abs=0.05)
    assert word["top"] - before["top"] == pytest.approx(-l7160.pitch_y_mm * MM - 2.5 * MM, abs=0.05)

    # Every seeded format, US Letter ones included: each address lies inside its own label.
    await campaign_api.put(
        "/api/mailings/label-settings", headers=account.headers, json={"offset_x_mm": 0, "offset_y_mm": 0}
    )
    for fmt in SEEDED_FORMATS:
        job = await render(campaign_api, account, campaign, kind="labels", format=fmt.code)
        with await pdf_of(campaign_api, account, job) as pdf:
            page = pdf.pages[0]
            width, height = PAGE_SIZES_MM[fmt.paper]
            assert (round(page.width / MM, 1), round(page.height / MM, 1)) == (round(width, 1), round(height, 1))
            assert "BEAUNE" in _words_in(page, _label_box(fmt, 0)), fmt.code
            assert "LAUSANNE" in _words_in(page, _label_box(fmt, 2)), fmt.code


async def test_label_formats_settings_and_test_grid(campaign_api, account):
    headers = account.headers
    formats = (await campaign_api.get("/api/mailings/label-formats", headers=headers)).json()
    codes = [f["code"] for f in formats]
    assert {"L7160", "L7161", "3422", "3474", "3475", "5160", "5163"} <= set(codes)
    assert all(f["seeded"] for f in formats)
    own = {
        "code": "MAISON-3x8",
        "name": "Planche maison",
        "paper": "A4",
        "columns": 3,
        "rows": 8,
        "label_width_mm": 70,
        "label_height_mm": 36,
        "left_mm": 0,
        "top_mm": 4.5,
        "pitch_x_mm": 70,
        "pitch_y_mm": 36,
    }
    created = await campaign_api.post("/api/mailings/label-formats", headers=headers, json=own)
    assert created.status_code == 201, created.text
    assert created.json()["labels_per_sheet"] == 24 and not created.json()["seeded"]
    duplicate = await campaign_api.post("/api/mailings/label-formats", headers=headers, json=own)
    assert duplicate.status_code == 409
    seeded_code = await campaign_api.post("/api/mailings/label-formats", headers=headers, json={**own, "code": "L7160"})
    assert seeded_code.status_code == 409
    too_wide = await campaign_api.post(
        "/api/mailings/label-formats",
        headers=headers,
        json={**own, "code": "X", "columns": 4, "pitch_y_mm": 30, "label_width_mm": -1},
    )
    assert too_wide.status_code == 422
    fields = {e["field"] for e in too_wide.json()["errors"]}
    assert "label_width_mm" in fields, too_wide.text
    overflowing = await campaign_api.post(
        "/api/mailings/label-formats", headers=headers, json={**own, "code": "Y", "columns": 4, "pitch_y_mm": 30}
    )
    assert {e["field"] for e in overflowing.json()["errors"]} == {"columns", "pitch_y_mm"}, overflowing.text
    not_a_number = await campaign_api.post(
        "/api/mailings/label-formats", headers=headers, json={**own, "code": "Z", "rows": "huit"}
    )
    assert not_a_number.status_code == 422 and not_a_number.json()["errors"][0]["field"] == "rows"

    other = other_account()
    theirs = [f["code"] for f in (await campaign_api.get("/api/mailings/label-formats", headers=other)).json()]
    assert "MAISON-3x8" not in theirs
    assert (await campaign_api.delete("/api/mailings/label-formats/MAISON-3x8", headers=other)).status_code == 404

    assert (await campaign_api.get("/api/mailings/label-settings", headers=headers)).json() == {
        "offset_x_mm": 0.0,
        "offset_y_mm": 0.0,
    }
    out_of_bounds = await campaign_api.put(
        "/api/mailings/label-settings", headers=headers, json={"offset_x_mm": 25, "offset_y_mm": 0}
    )
    assert out_of_bounds.status_code == 422 and out_of_bounds.json()["errors"][0]["field"] == "offset_x_mm"
    await campaign_api.put("/api/mailings/label-settings", headers=headers, json={"offset_x_mm": 1, "offset_y_mm": 2})

    grid = await campaign_api.post("/api/mailings/label-formats/MAISON-3x8/test-grid", headers=headers)
    assert grid.status_code == 200 and grid.headers["content-type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(grid.content)) as pdf:
        [page] = pdf.pages
        outlines = page.rects + page.curves
        assert len(outlines) >= 24
        first = min(outlines, key=lambda r: (round(r["top"]), r["x0"]))
        assert first["x0"] == pytest.approx((0 + 1) * MM, abs=0.5)
        assert first["top"] == pytest.approx((4.5 + 2) * MM, abs=0.5)
    assert (await campaign_api.post("/api/mailings/label-formats/NOPE/test-grid", headers=headers)).status_code == 404
    assert (await campaign_api.delete("/api/mailings/label-formats/L7160", headers=headers)).status_code == 409
    assert (await campaign_api.delete("/api/mailings/label-formats/MAISON-3x8", headers=headers)).status_code == 204


def other_account() -> dict[str, str]:
    """Headers of another account (the mailings service needs no account row)."""
    return mail_account().headers


async def test_renders_refuse_bad_input_and_other_accounts(api, campaign_api, account):
    ids = await the_base(api, account)
    campaign = await create(campaign_api, account, {"client_ids": [ids["helene"]]})
    href, headers = campaign["href"], account.headers
    cases = [
        ({"kind": "labels"}, "format"),
        ({"kind": "labels", "format": "NOPE"}, "format"),
        ({"kind": "labels", "format": "L7160", "skip": 21}, "skip"),
        ({"kind": "labels", "format": "L7160", "skip": -1}, "skip"),
        ({"kind": "letters", "format": "L7160"}, "format"),
        ({"kind": "fax"}, "kind"),
    ]
    for body, field in cases:
        response = await campaign_api.post(f"{href}/renders", json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"][0]["field"] == field, (body, response.text)
    empty = await create(campaign_api, account, {"client_ids": [ids["refuses"]]})
    nothing = await campaign_api.post(f"{empty['href']}/renders", json={"kind": "letters"}, headers=headers)
    assert nothing.status_code == 409

    queued = await campaign_api.post(f"{href}/renders", json={"kind": "letters"}, headers=headers)
    assert queued.status_code == 202 and queued.json()["state"] == "queued"
    not_ready = await campaign_api.get(f"{queued.json()['href']}/file", headers=headers)
    assert not_ready.status_code == 409

    other = other_account()
    for url in (
        href,
        f"{href}/recipients",
        f"{href}/exclusions",
        queued.json()["href"],
        f"{queued.json()['href']}/file",
    ):
        assert (await campaign_api.get(url, headers=other)).status_code == 404, url
    assert (await campaign_api.patch(href, json={"name": "x"}, headers=other)).status_code == 404
    assert (await campaign_api.post(f"{href}/renders", json={"kind": "letters"}, headers=other)).status_code == 404
    assert (await campaign_api.get("/api/mailings/campaigns/0", headers=headers)).status_code == 422
    assert (await campaign_api.get(href)).status_code == 401
    deleted = await campaign_api.delete(href, headers=headers)
    assert deleted.status_code == 204
    assert (await campaign_api.get(queued.json()["href"], headers=headers)).status_code == 404
