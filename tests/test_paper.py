"""Paper mailings rendered to PDF and read back with pdfplumber: pages, where each word lands, fonts, images.

Pure: no database, no broker. Positions are in PDF points from the page's top-left corner, as pdfplumber gives
them; a label's rectangle is computed from its format (and the calibration offsets), never from the renderer.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import replace

import pdfplumber
import pytest
from PIL import Image
from reportlab.lib.units import mm

from services.mailings.paper.addresses import PostalAddress, country_name, deliverability_problem, postal_lines
from services.mailings.paper.formats import PAGE_SIZES_MM, SEEDED_FORMATS, LabelFormat, geometry_errors, seeded_format
from services.mailings.paper.render import (
    WINDOW_HEIGHT_MM,
    WINDOW_LEFT_MM,
    WINDOW_TOP_MM,
    WINDOW_WIDTH_MM,
    Letter,
    check_background,
    merge_fields,
    render_labels,
    render_letters,
    render_test_grid,
)

EPSILON = 0.01  # points: rounding in the PDF's coordinates

SHORT = PostalAddress(("Mme Hélène Œuvray",), ("3 rue de la Paix",), "75002", "Paris", "FR")
LONG = PostalAddress(
    ("Établissements Vignobles et Châteaux du Grand Sud-Ouest Réunis", "À l'attention de M. Jean-Baptiste Lemoine"),
    (
        "Résidence les Coteaux, bâtiment C, escalier 4",
        "128 boulevard du Maréchal de Lattre de Tassigny",
        "Lieu-dit la Croix-Blanche",
        "BP 12",
    ),
    "33330",
    "Saint-Émilion-de-la-Grande-Appellation-Contrôlée",
    "FR",
)
ABROAD = PostalAddress(
    ("Weinhandlung Müller GmbH", "Herrn Jürgen Groß"), ("Maximilianstraße 35", "Hinterhaus"), "80539", "München", "DE"
)
US = PostalAddress(("Wine & Co",), ("200 Park Avenue",), "NY 10166", "New York", "US")
SAMPLES = [SHORT, LONG, ABROAD, US]


def pdf_pages(data: bytes) -> list[dict]:
    """Each page's size and words (with positions and fonts), and its images."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [
            {
                "width": page.width,
                "height": page.height,
                "images": list(page.images),
                "words": page.extract_words(extra_attrs=["fontname", "size"], keep_blank_chars=False),
                "rects": list(page.rects),
                "text": page.extract_text(),
            }
            for page in pdf.pages
        ]


def label_rect(fmt: LabelFormat, index: int, offset_x_mm: float = 0.0, offset_y_mm: float = 0.0) -> tuple:
    """(x0, top, x1, bottom) in points of label ``index`` of a sheet, from the format's figures alone."""
    row, column = divmod(index, fmt.columns)
    x0 = (fmt.left_mm + column * fmt.pitch_x_mm + offset_x_mm) * mm
    top = (fmt.top_mm + row * fmt.pitch_y_mm + offset_y_mm) * mm
    return x0, top, x0 + fmt.label_width_mm * mm, top + fmt.label_height_mm * mm


def inside(word: dict, rect: tuple) -> bool:
    """Whether the word's box lies wholly in the rectangle."""
    x0, top, x1, bottom = rect
    return (
        word["x0"] >= x0 - EPSILON
        and word["x1"] <= x1 + EPSILON
        and word["top"] >= top - EPSILON
        and word["bottom"] <= bottom + EPSILON
    )


def render(addresses, **options) -> tuple[int, bytes]:
    """render_labels into memory: (pages returned, PDF bytes)."""
    out = io.BytesIO()
    pages = render_labels(addresses, out, **options)
    return pages, out.getvalue()


# --- labels -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "count", "pages"),
    [("L7160", 1, 1), ("L7160", 21, 1), ("L7160", 22, 2), ("L7651", 131, 3), ("5160", 31, 2)],
)
def test_labels_fill_sheets_of_the_format_paper(code, count, pages):
    fmt = seeded_format(code)
    returned, data = render([SHORT] * count, fmt=fmt)
    read = pdf_pages(data)
    width, height = PAGE_SIZES_MM[fmt.paper]
    assert returned == len(read) == pages
    assert all(abs(page["width"] - width * mm) < 0.01 and abs(page["height"] - height * mm) < 0.01 for page in read)


@pytest.mark.parametrize("offsets", [(0.0, 0.0), (1.5, 2.0)], ids=["no offset", "offset"])
@pytest.mark.parametrize("fmt", SEEDED_FORMATS, ids=[f.code for f in SEEDED_FORMATS])
def test_every_address_lies_inside_its_label_on_every_seeded_format(fmt, offsets):
    addresses = [
        replace(SAMPLES[i % len(SAMPLES)], name_lines=(f"N{i:03d}", *SAMPLES[i % len(SAMPLES)].name_lines))
        for i in range(fmt.labels_per_sheet + 3)
    ]
    _, data = render(addresses, fmt=fmt, offset_x_mm=offsets[0], offset_y_mm=offsets[1])
    read = pdf_pages(data)
    assert len(read) == 2
    for number, address in enumerate(addresses):
        page = read[number // fmt.labels_per_sheet]
        rect = label_rect(fmt, number % fmt.labels_per_sheet, *offsets)
        mine = [w for w in page["words"] if inside(w, rect)]
        assert mine[0]["text"] == f"N{number:03d}", (fmt.code, number)
        # Every word of this address (tagged by its first line) and no stranger's: the tag starts the label.
        assert not [w for w in mine[1:] if w["text"].startswith("N") and w["text"][1:].isdigit()]
        expected = postal_lines(address)
        if address is not LONG and fmt.label_width_mm > 60:  # roomy labels print the address whole
            assert " ".join(w["text"] for w in mine).split() == " ".join(expected).split()
        assert expected[-1].split()[-1] in [w["text"] for w in mine] or fmt.label_width_mm < 60
    for page in read:  # nothing printed outside the labels
        assert all(
            any(inside(w, label_rect(fmt, i, *offsets)) for i in range(fmt.labels_per_sheet)) for w in page["words"]
        )


def test_a_crowded_address_keeps_its_name_and_city_and_stays_in_a_small_label():
    fmt = seeded_format("L7651")  # 38.1 x 21.2 mm
    _, data = render([LONG], fmt=fmt)
    words = pdf_pages(data)[0]["words"]
    assert all(inside(w, label_rect(fmt, 0)) for w in words)
    texts = [w["text"] for w in words]
    assert texts[0].startswith("Établissements") or texts[0] == "Établissements"
    assert "33330" in texts
    assert min(w["size"] for w in words) >= 6 - 0.01


def test_a_line_as_wide_as_the_label_is_set_smaller_not_cut():
    fmt = seeded_format("L7651")
    words = [w["text"] for w in pdf_pages(render([US], fmt=fmt)[1])[0]["words"]]
    assert words == ["Wine", "&", "Co", "200", "Park", "Avenue", "NEW", "YORK", "NY", "10166", "ETATS-UNIS"]


def test_skip_leaves_the_first_labels_of_the_sheet_empty():
    fmt = seeded_format("L7160")
    _, data = render([SHORT] * 20, fmt=fmt, skip=4)
    read = pdf_pages(data)
    assert len(read) == 2  # 4 + 20 labels: one more than a sheet of 21
    first = read[0]["words"]
    for index in range(4):
        assert not [w for w in first if inside(w, label_rect(fmt, index))]
    assert [w["text"] for w in first if inside(w, label_rect(fmt, 4))][:3] == ["Mme", "Hélène", "Œuvray"]
    assert [w["text"] for w in read[1]["words"] if inside(w, label_rect(fmt, 2))][:1] == ["Mme"]
    assert not [w for w in read[1]["words"] if inside(w, label_rect(fmt, 3))]


@pytest.mark.parametrize("skip", [-1, 21, 100])
def test_skip_must_stay_within_the_first_sheet(skip):
    with pytest.raises(ValueError, match="skip"):
        render([SHORT], fmt=seeded_format("L7160"), skip=skip)


def test_offsets_move_the_print_by_the_given_millimetres():
    fmt = seeded_format("L7163")
    plain = pdf_pages(render([SHORT, ABROAD], fmt=fmt)[1])[0]["words"]
    moved = pdf_pages(render([SHORT, ABROAD], fmt=fmt, offset_x_mm=2.5, offset_y_mm=-1.5)[1])[0]["words"]
    assert [w["text"] for w in plain] == [w["text"] for w in moved]
    for before, after in zip(plain, moved, strict=True):
        assert after["x0"] - before["x0"] == pytest.approx(2.5 * mm, abs=0.02)  # right
        assert after["top"] - before["top"] == pytest.approx(-1.5 * mm, abs=0.02)  # negative y: up


def test_text_is_centred_vertically_in_its_label():
    fmt = seeded_format("L7165")  # tall labels: 67.73 mm
    words = pdf_pages(render([SHORT], fmt=fmt)[1])[0]["words"]
    x0, top, _x1, bottom = label_rect(fmt, 0)
    above, below = min(w["top"] for w in words) - top, bottom - max(w["bottom"] for w in words)
    assert above == pytest.approx(below, abs=0.5)
    assert min(w["x0"] for w in words) == pytest.approx(x0 + 3 * mm, abs=0.05)  # padded 3 mm


def test_accents_and_typographic_characters_survive():
    address = PostalAddress(
        ("Mme Hélène Œuvray", "Cuvée 2ᵉ cru à 15 €"), ("Lieu-dit « Les Ormeaux »",), "13100", "Aix-en-Provence", "FR"
    )
    text = pdf_pages(render([address], fmt=seeded_format("L7161"))[1])[0]["text"]
    for piece in ("Hélène", "Œuvray", "2ᵉ", "€", "«", "AIX-EN-PROVENCE"):
        assert piece in text


def test_the_same_input_gives_the_same_bytes_so_a_reprint_is_identical():
    fmt = seeded_format("L7160")
    assert render(SAMPLES * 10, fmt=fmt)[1] == render(SAMPLES * 10, fmt=fmt)[1]


def test_progress_is_reported_every_few_pages_and_at_the_end():
    seen: list[int] = []
    pages, _ = render([SHORT] * (21 * 60), fmt=seeded_format("L7160"), progress=seen.append)
    assert pages == 60 and seen == [25, 50, 60]


def test_nothing_to_print_still_gives_a_valid_pdf_of_one_blank_page():
    pages, data = render([], fmt=seeded_format("L7160"))
    assert pages == 1 and [p["words"] for p in pdf_pages(data)] == [[]]
    out = io.BytesIO()
    assert render_letters(iter([]), out) == 1 and len(pdf_pages(out.getvalue())) == 1


def test_a_broken_format_is_refused_before_printing():
    broken = replace(seeded_format("L7160"), columns=4)
    with pytest.raises(ValueError, match="columns"):
        render([SHORT], fmt=broken)


def test_the_test_grid_outlines_and_numbers_every_label():
    fmt = seeded_format("L7160")
    out = io.BytesIO()
    assert render_test_grid(out, fmt=fmt, offset_x_mm=1.0, offset_y_mm=0.5) == 1
    page = pdf_pages(out.getvalue())[0]
    assert len(page["rects"]) == fmt.labels_per_sheet
    for index in range(fmt.labels_per_sheet):
        x0, top, x1, bottom = label_rect(fmt, index, 1.0, 0.5)
        rect = next(r for r in page["rects"] if abs(r["x0"] - x0) < 0.05 and abs(r["top"] - top) < 0.05)
        assert rect["x1"] == pytest.approx(x1, abs=0.05) and rect["bottom"] == pytest.approx(bottom, abs=0.05)
        numbers = [w["text"] for w in page["words"] if inside(w, (x0, top, x1, bottom)) and w["text"].isdigit()]
        assert numbers == [str(index + 1)]


# --- letters ------------------------------------------------------------------------------------------------


def letters_pdf(letters, **options) -> tuple[int, bytes]:
    """render_letters into memory: (pages returned, PDF bytes)."""
    out = io.BytesIO()
    pages = render_letters(letters, out, **options)
    return pages, out.getvalue()


WINDOW = (
    WINDOW_LEFT_MM * mm,
    WINDOW_TOP_MM * mm,
    (WINDOW_LEFT_MM + WINDOW_WIDTH_MM) * mm,
    (WINDOW_TOP_MM + WINDOW_HEIGHT_MM) * mm,
)
BODY = (
    "Madame, Monsieur,\n\nLa vente primeur 2025 ouvre le 2ᵉ lundi d'avril : Œuvre de nos coteaux, 18 € la "
    "bouteille.\n\nBien cordialement,\nLe domaine"
)


def test_one_a4_page_per_letter_with_the_address_in_the_envelope_window():
    letters = [Letter(address, "Vente primeur", BODY) for address in SAMPLES]
    pages, data = letters_pdf(letters)
    read = pdf_pages(data)
    assert pages == len(read) == 4
    assert all(abs(p["width"] - 210 * mm) < 0.01 and abs(p["height"] - 297 * mm) < 0.01 for p in read)
    for address, page in zip(SAMPLES, read, strict=True):
        in_window = [w["text"] for w in page["words"] if inside(w, WINDOW)]
        assert in_window[0] == address.name_lines[0].split()[0]
        assert postal_lines(address)[-1].split()[-1] in in_window  # the city, or the country abroad
        # the window holds the address and nothing else
        assert len(in_window) == len([w for w in page["words"] if w["top"] < WINDOW[3]])


def test_a_letter_prints_the_title_in_bold_then_the_text_with_its_characters():
    read = pdf_pages(letters_pdf([Letter(SHORT, "Vente primeur : 2ᵉ édition", BODY)])[1])[0]
    title = [w for w in read["words"] if w["top"] > WINDOW[3]][:5]
    assert " ".join(w["text"] for w in title) == "Vente primeur : 2ᵉ édition"
    assert all("Bold" in w["fontname"] for w in title)
    for piece in ("2ᵉ lundi", "Œuvre", "18 €", "Bien cordialement,\nLe domaine"):
        assert piece in read["text"]


def test_a_long_text_is_set_smaller_to_stay_on_one_page():
    body = "\n\n".join(f"Paragraphe {n} : " + "des vins de garde et de soif, " * 12 for n in range(8))
    page = pdf_pages(letters_pdf([Letter(SHORT, "Catalogue", body)])[1])[0]
    sizes = {round(w["size"], 1) for w in page["words"] if w["top"] > 120 * mm}
    assert max(sizes) < 10.5 and min(sizes) >= 8
    assert "…" not in page["text"] and "Paragraphe 7" in page["text"]
    assert max(w["bottom"] for w in page["words"]) <= (297 - 20) * mm + EPSILON


def test_a_text_too_long_even_at_the_smallest_size_is_cut_with_an_ellipsis():
    body = "\n\n".join(f"Paragraphe {n} : " + "des vins de garde et de soif, " * 12 for n in range(60))
    pages, data = letters_pdf([Letter(SHORT, "Catalogue", body)] * 2)
    read = pdf_pages(data)
    assert pages == len(read) == 2
    assert read[0]["text"].rstrip().endswith("…")
    assert max(w["bottom"] for w in read[0]["words"]) <= (297 - 20) * mm + EPSILON
    assert all(w["x1"] <= (210 - 20) * mm + EPSILON for w in read[0]["words"])


def test_control_characters_and_glyphless_input_do_not_break_a_letter():
    recipient = replace(SHORT, name_lines=("Mme\x00 Hélène\u200b Œuvray",))
    letter = Letter(recipient, "Titre\x1b 🍷", "Corps\x00\x07 \ud800fin")
    pages, data = letters_pdf([letter])
    text = pdf_pages(data)[0]["text"]
    assert pages == 1 and "Hélène Œuvray" in text and "Corps fin" in text and "\x00" not in text


def test_a_very_long_word_is_broken_within_the_margins():
    page = pdf_pages(letters_pdf([Letter(SHORT, "Lien", "https://example.fr/" + "x" * 400)])[1])[0]
    assert all(w["x1"] <= (210 - 20) * mm + EPSILON for w in page["words"])


def jpeg_bytes(width: int, height: int) -> bytes:
    """A noisy JPEG (noise, so that its size is realistic)."""
    out = io.BytesIO()
    Image.effect_noise((width, height), 60).convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def png_bytes(width: int, height: int, mode: str = "RGBA") -> bytes:
    """A PNG of one colour."""
    out = io.BytesIO()
    Image.new(mode, (width, height), "red" if mode != "1" else 1).save(out, "PNG")
    return out.getvalue()


def test_the_background_is_stored_once_drawn_on_every_page_and_covers_it():
    background = jpeg_bytes(1000, 1000)  # square: it must overflow A4's width to cover its height
    one = letters_pdf([Letter(SHORT, "Primeurs", BODY)], background=background)[1]
    hundred = letters_pdf([Letter(SHORT, "Primeurs", BODY)] * 100, background=background)[1]
    assert one.count(b"/Subtype /Image") == hundred.count(b"/Subtype /Image") == 1
    assert len(hundred) - len(one) < len(background) / 2
    read = pdf_pages(hundred)
    for page in (read[0], read[99]):
        (image,) = page["images"]
        assert image["x0"] <= 0.01 and image["x1"] >= page["width"] - 0.01
        assert image["top"] <= 0.01 and image["bottom"] >= page["height"] - 0.01
        assert image["width"] == pytest.approx(image["height"], rel=0.001)  # the aspect ratio is kept


def test_a_jpeg_background_is_embedded_as_is_not_decoded_and_recompressed():
    background = jpeg_bytes(600, 800)
    data = letters_pdf([Letter(SHORT, "Primeurs", BODY)], background=background)[1]
    assert b"/DCTDecode" in data and b"/FlateDecode /Height 800" not in data
    assert len(data) > len(background)  # the JPEG itself, not a smaller re-encoding


def test_a_png_background_with_transparency_prints():
    pages, data = letters_pdf([Letter(SHORT, "Primeurs", BODY)], background=png_bytes(300, 400))
    assert pages == 1 and len(pdf_pages(data)[0]["images"]) == 1


def test_a_refused_background_stops_the_letters():
    with pytest.raises(ValueError, match="not an image"):
        letters_pdf([Letter(SHORT, "Primeurs", BODY)], background=b"not an image at all")


def test_letters_report_progress_every_few_pages_and_at_the_end():
    seen: list[int] = []
    pages, _ = letters_pdf([Letter(SHORT, "Primeurs", BODY)] * 60, progress=seen.append)
    assert pages == 60 and seen == [25, 50, 60]


# --- formats ------------------------------------------------------------------------------------------------


def test_the_seeded_formats_are_the_reference_table_and_valid():
    assert [f.code for f in SEEDED_FORMATS] == [
        "L7160",
        "L7161",
        "L7162",
        "L7163",
        "L7165",
        "L7173",
        "L7651",
        "3422",
        "3474",
        "3475",
        "5160",
        "5163",
    ]
    assert all(geometry_errors(f) == [] for f in SEEDED_FORMATS)
    assert [f.paper for f in SEEDED_FORMATS].count("Letter") == 2


L7160 = seeded_format("L7160")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"label_width_mm": 0}, "label_width_mm"),
        ({"label_height_mm": -3}, "label_height_mm"),
        ({"pitch_x_mm": 0}, "pitch_x_mm"),
        ({"label_width_mm": 12.0}, "label_width_mm"),  # no room for an address
        ({"label_height_mm": 6.0, "pitch_y_mm": 6.0}, "label_height_mm"),
        ({"label_width_mm": float("nan")}, "label_width_mm"),
        ({"columns": 0}, "columns"),
        ({"rows": 41}, "rows"),
        ({"columns": 21}, "columns"),
        ({"pitch_x_mm": 60.0}, "pitch_x_mm"),  # narrower than a label: they overlap
        ({"pitch_y_mm": 30.0}, "pitch_y_mm"),
        ({"columns": 4}, "columns"),  # the fourth column runs off the page
        ({"rows": 8}, "rows"),
        ({"left_mm": 20.0}, "columns"),
        ({"top_mm": 40.0}, "rows"),
        ({"left_mm": -1.0}, "left_mm"),
        ({"top_mm": -0.5}, "top_mm"),
        ({"corner_radius_mm": 30.0}, "corner_radius_mm"),
        ({"corner_radius_mm": -1.0}, "corner_radius_mm"),
        ({"paper": "A3"}, "paper"),
        ({"code": " "}, "code"),
    ],
)
def test_geometry_errors_name_each_broken_rule(change, field):
    errors = geometry_errors(replace(L7160, **change))
    assert field in [name for name, _ in errors], errors
    assert all(message for _, message in errors)


def test_geometry_errors_lists_every_rule_broken_and_tolerates_rounding():
    assert {f for f, _ in geometry_errors(replace(L7160, left_mm=-1.0, top_mm=-1.0, rows=0))} == {
        "left_mm",
        "top_mm",
        "rows",
    }
    # A single column needs no pitch; a label ending 0.005 mm past the edge is the table's rounding.
    assert geometry_errors(replace(L7160, columns=1, pitch_x_mm=1.0)) == []
    assert geometry_errors(replace(L7160, left_mm=7.2 + 7.22 + 0.005)) == []
    assert geometry_errors(LabelFormat("X", "Letter full", "Letter", 1, 1, 215.9, 279.4, 0, 0, 0.1, 0.1)) == []


# --- addresses ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "lines"),
    [
        (SHORT, ["Mme Hélène Œuvray", "3 rue de la Paix", "75002 PARIS"]),
        (
            PostalAddress(
                ("SARL  Les Caves\tdu Roy",), ("", "  12, allée des Érables ", None or ""), "69003", "Lyon", "FR"
            ),
            ["SARL Les Caves du Roy", "12, allée des Érables", "69003 LYON"],
        ),
        (
            PostalAddress(("M. Éric Thiébaut",), ("Le Bourg",), "42000", "Saint-Étienne", "FR"),
            ["M. Éric Thiébaut", "Le Bourg", "42000 SAINT-ETIENNE"],
        ),
        (
            PostalAddress(("Mme Ana Soto",), ("Calle Mayor 1",), "28013", "Madrid", "ES"),
            ["Mme Ana Soto", "Calle Mayor 1", "28013 MADRID", "ESPAGNE"],
        ),
        (
            ABROAD,
            [
                "Weinhandlung Müller GmbH",
                "Herrn Jürgen Groß",
                "Maximilianstraße 35",
                "Hinterhaus",
                "80539 MÜNCHEN",
                "ALLEMAGNE",
            ],
        ),
        (US, ["Wine & Co", "200 Park Avenue", "NEW YORK NY 10166", "ETATS-UNIS"]),
        (
            PostalAddress(("Mr Sean Kelly",), ("Main Street",), None, "Galway", "IE"),
            ["Mr Sean Kelly", "Main Street", "GALWAY", "IRLANDE"],
        ),
        (replace(SHORT, country_code=" fr "), ["Mme Hélène Œuvray", "3 rue de la Paix", "75002 PARIS"]),
    ],
)
def test_postal_lines_write_addresses_the_french_way(address, lines):
    assert postal_lines(address) == lines


def test_postal_lines_keep_six_lines_of_38_characters_and_never_drop_the_city():
    lines = postal_lines(LONG)
    assert len(lines) == 6 and all(len(line) <= 38 for line in lines)
    assert lines[0].startswith("Établissements Vignobles")
    assert lines[-1].startswith("33330 ST-EMILION")  # abbreviated as La Poste does
    assert lines[1:5] == [
        "RES les Coteaux, BAT C, ESC 4",
        "128 BD du Maréchal de Lattre de",
        "Lieu-dit la Croix-Blanche",
        "BP 12",
    ]  # the second name line went first
    # Abroad, six lines hold the country too: the second name line and the last address line went first.
    crowded = replace(ABROAD, lines=("Maximilianstraße 35", "Hinterhaus", "3. Stock", "Tür 4"))
    lines = postal_lines(crowded)
    assert len(lines) == 6 and lines[-2:] == ["80539 MÜNCHEN", "ALLEMAGNE"] and "Herrn Jürgen Groß" not in lines


def test_long_lines_are_abbreviated_the_la_poste_way_before_being_cut():
    lines = postal_lines(
        PostalAddress(("Mme Dupont",), ("128 boulevard du Maréchal de Lattre de Tassigny",), "75016", "Paris", "FR")
    )
    assert lines[1] == "128 BD du Maréchal de Lattre de"  # abbreviated, then cut at a word
    assert len(postal_lines(replace(SHORT, lines=("x" * 60,)))[1]) == 38  # one word: a plain cut
    # A city-first country: the city is cut, never its postal code.
    assert (
        postal_lines(replace(US, city="Town of " + "Very Long Name " * 3))[-2] == "TOWN OF VERY LONG NAME VERY NY 10166"
    )


def test_overseas_departements_are_posted_as_france():
    reunion = PostalAddress(("M. Jean Hoarau",), ("12 rue de Paris",), "97400", "Saint-Denis", "RE")
    assert postal_lines(reunion) == ["M. Jean Hoarau", "12 rue de Paris", "97400 SAINT-DENIS"]
    assert deliverability_problem(replace(reunion, postal_code="974")) == "invalid French postal code"
    assert postal_lines(reunion, sender_country="BE")[-1] == "ILE DE LA REUNION"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("KR", "COREE DU SUD"),
        ("IR", "REPUBLIQUE ISLAMIQUE D'IRAN"),
        ("CD", "REPUBLIQUE DEMOCRATIQUE DU CONGO"),
        ("CH", "SUISSE"),
        ("XK", "XK"),
    ],
)
def test_the_country_line_is_the_french_name_in_capitals(code, name):
    assert country_name(code) == name


def test_the_postal_line_is_the_domestic_one_for_a_sender_abroad():
    assert postal_lines(SHORT, sender_country="BE")[-1] == "FRANCE"
    assert (
        postal_lines(replace(SHORT, country_code="BE", postal_code="1000", city="Bruxelles"), sender_country="BE")[-1]
        == "1000 BRUXELLES"
    )


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        (SHORT, None),
        (ABROAD, None),
        (PostalAddress(("Mr Sean Kelly",), ("Main Street",), None, "Galway", "IE"), None),
        (replace(SHORT, name_lines=("  ",)), "no name"),
        (replace(SHORT, lines=("", "  ")), "no address line"),
        (replace(SHORT, postal_code=None), "no postal code"),
        (replace(SHORT, postal_code="7500"), "invalid French postal code"),
        (replace(SHORT, postal_code="00100"), "invalid French postal code"),
        (replace(SHORT, postal_code="99000"), "invalid French postal code"),
        (replace(SHORT, city=" "), "no city"),
        (replace(ABROAD, city=None), "no city"),
        (replace(SHORT, country_code="XX"), "unknown country"),
        (replace(SHORT, country_code="FRA"), "unknown country"),
    ],
)
def test_deliverability_problem(address, problem):
    assert deliverability_problem(address) == problem


# --- merge fields and backgrounds -----------------------------------------------------------------------------


def test_merge_fields_fill_in_each_recipient():
    values = {"title": "Madame", "first_name": "Hélène", "last_name": "Œuvray", "company": None}
    assert (
        merge_fields("{{title}} {{ first_name }} {{last_name}}, {{company}}{{display_name}}!", values)
        == "Madame Hélène Œuvray, !"
    )
    # A value is printed as typed: never expanded again.
    assert merge_fields("Cher {{first_name}}", {"first_name": "{{company}}"}) == "Cher {{company}}"
    assert merge_fields("Prix : {5} €, {{ ", {}) == "Prix : {5} €, {{ "


@pytest.mark.parametrize("template", ["Bonjour {{prenom}}", "{{first_name}} {{ Last_Name }}", "{{}}"])
def test_an_unknown_merge_field_is_named(template):
    with pytest.raises(ValueError, match="unknown merge field") as error:
        merge_fields(template, {"first_name": "A"})
    assert template.split("{{")[-1].split("}}")[0].strip() in str(error.value)


def test_check_background_accepts_png_and_jpeg_by_their_content():
    assert check_background(png_bytes(300, 200)) == ("image/png", 300, 200)
    assert check_background(jpeg_bytes(2480, 3508)) == ("image/jpeg", 2480, 3508)


def crafted_png(width: int, height: int) -> bytes:
    """A PNG whose header announces ``width`` x ``height`` over a few bytes of data: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def gif_bytes() -> bytes:
    """A valid GIF."""
    out = io.BytesIO()
    Image.new("RGB", (300, 300), "blue").save(out, "GIF")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (lambda: gif_bytes(), "PNG or JPEG, not GIF"),
        (lambda: b"Bonjour, ceci est un texte\n" * 40, "not an image"),  # a text file, whatever its name
        (lambda: png_bytes(300, 300) + b"\0" * (12 * 1024 * 1024), "larger than 10 MB"),
        (lambda: png_bytes(20000, 10, mode="1"), "between 100 and 10,000 px"),
        (lambda: png_bytes(50, 500), "between 100 and 10,000 px"),
        (lambda: png_bytes(9000, 9000, mode="1"), "decompression bomb"),
        (lambda: crafted_png(9500, 9500), "decompression bomb"),  # Pillow's own guard, a few bytes on disk
        (lambda: crafted_png(100000, 100000), "decompression bomb"),  # Pillow refuses it on opening
        (lambda: jpeg_bytes(400, 400)[:3000], "damaged or truncated"),
        (lambda: b"", "not an image"),
    ],
    ids=[
        "gif",
        "text",
        "12 MB",
        "20000x10",
        "too small",
        "9000x9000 bomb",
        "crafted bomb",
        "crafted huge",
        "truncated",
        "empty",
    ],
)
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Pillow warns; the check refuses
def test_check_background_refuses_anything_else(data, reason):
    with pytest.raises(ValueError, match=reason):
        check_background(data())
