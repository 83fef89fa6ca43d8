"""Pure rules of the seller profile: what an invoice must print of it, and the logo accepted by its content."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from services.orders.documents.formatting import siren as formatted_siren
from services.orders.documents.model import Seller
from services.orders.models import SellerProfile

DEFAULT_PAYMENT_TERMS_DAYS = 30
DEFAULT_LATE_PENALTY_RATE = "trois fois le taux d'intérêt légal"
LOGO_MAX_BYTES = 1024 * 1024
# A letterhead logo is printed 50 x 22 mm: beyond 4,000 px a side it prints no better, and a small file
# of huge dimensions (a decompression bomb) is refused from its header before anything is decoded.
LOGO_MAX_SIDE_PX = 4_000
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
LOGO_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg"}

# What an invoice or a credit note prints of the seller (CGI art. 242 nonies A, Code de commerce
# R123-237): without one of them the document is not a legal one, so nothing is issued.
INVOICE_MENTIONS = (
    "legal_name",
    "legal_form",
    "address_lines",
    "postal_code",
    "city",
    "siren",
    "siret",
    "vat_number",
    "rcs_city",
    "share_capital_cents",
)
# A delivery note names the seller only.
DELIVERY_NOTE_MENTIONS = ("legal_name", "address_lines", "postal_code", "city")


def missing_mentions(profile: SellerProfile | None, required: tuple[str, ...] = INVOICE_MENTIONS) -> list[str]:
    """The profile's fields a document needs and lacks (all of them when there is no profile)."""
    if profile is None:
        return list(required)
    return [name for name in required if getattr(profile, name) in (None, "", [])]


def payment_terms(profile: SellerProfile) -> str:
    """The payment terms as printed: the profile's own text, or the number of days said plainly."""
    if profile.payment_terms_text:
        return profile.payment_terms_text
    if profile.payment_terms_days == 0:
        return "Paiement comptant à réception de la facture."
    return f"Paiement à {profile.payment_terms_days} jours à compter de la date de facture."


def seller_of(profile: SellerProfile, *, logo: bytes | None) -> Seller:
    """The profile as the documents' model prints it (the RCS number of a French company is its SIREN)."""
    return Seller(
        name=profile.legal_name or "",
        legal_form=profile.legal_form or "",
        address_lines=tuple(profile.address_lines),
        postal_code=profile.postal_code or "",
        city=profile.city or "",
        country_code=profile.country_code,
        siren=profile.siren,
        siret=profile.siret,
        vat_number=profile.vat_number,
        rcs_city=profile.rcs_city,
        rcs_number=formatted_siren(profile.siren) if profile.rcs_city and profile.siren else None,
        share_capital_cents=profile.share_capital_cents,
        logo=logo,
        email=profile.email,
        phone=profile.phone,
        iban=profile.iban,
    )


def check_logo(data: bytes) -> str:
    """The mime type of a PNG or JPEG logo of at most 1 MB, by its content; ValueError saying why not."""
    if not data:
        raise ValueError("the request body is empty; send the PNG or JPEG image as the body")
    if len(data) > LOGO_MAX_BYTES:
        raise ValueError(f"the logo is larger than {LOGO_MAX_BYTES // 1024} kB")
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format, image.size
            if kind not in LOGO_TYPES:
                raise ValueError(f"the logo must be a PNG or JPEG image, not {kind}")
            if max(width, height) > LOGO_MAX_SIDE_PX:
                raise ValueError(f"the logo is {width} x {height} px: at most {LOGO_MAX_SIDE_PX:,} px a side")
            image.load()  # a truncated or corrupt file fails here, not when an invoice is printed
    except Image.DecompressionBombError as error:
        raise ValueError("the logo is a decompression bomb") from error
    except UnidentifiedImageError as error:
        raise ValueError("the file is not an image") from error
    except (OSError, SyntaxError) as error:  # Pillow's errors for damaged files
        raise ValueError(f"the logo is damaged or truncated ({error})") from error
    return LOGO_TYPES[kind]
