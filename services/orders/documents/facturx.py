"""The Factur-X e-invoice: the document's PDF made PDF/A-3, carrying its CII XML (EN 16931), with the factur-x library.

factur-x stamps the current time in three places (the document information's dates, the XMP metadata's
CreateDate/ModifyDate, and the embedded XML's ModDate) and adds no output intent, which PDF/A requires. One
pypdf pass afterwards sets all three dates to the issue date and adds an sRGB output intent, whose profile
Pillow's LittleCMS builds (with its creation date pinned too): the same document always gives the same bytes.
"""

from __future__ import annotations

import functools
import io
import re

import facturx
from PIL import ImageCms
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from services.orders.documents.cii import cii_xml
from services.orders.documents.model import Document
from services.orders.documents.pdf import TITLES, render_pdf

SRGB = "sRGB IEC61966-2.1"
# An ICC header's creation date (bytes 24-35, six big-endian uint16): pinned to 2000-01-01 00:00:00.
ICC_DATE = slice(24, 36)
ICC_FIXED_DATE = b"".join(n.to_bytes(2, "big") for n in (2000, 1, 1, 0, 0, 0))
XMP_DATES = re.compile(rb"(<xmp:(?:CreateDate|ModifyDate)>)[^<]*(</xmp:(?:CreateDate|ModifyDate)>)")
# factur-x writes the XMP's pdf:Producer as "pypdf": the document information must say the same (PDF/A).
PRODUCER = "pypdf"


@functools.cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile made by LittleCMS (no file copied in), the same bytes in every process."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return profile[: ICC_DATE.start] + ICC_FIXED_DATE + profile[ICC_DATE.stop :]


def _output_intent(writer: PdfWriter) -> DictionaryObject:
    profile = DecodedStreamObject()
    profile.set_data(srgb_profile())
    profile[NameObject("/N")] = NumberObject(3)
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject(SRGB),
            NameObject("/Info"): TextStringObject(SRGB),
            NameObject("/DestOutputProfile"): writer._add_object(profile.flate_encode()),
        }
    )


def _pin(pdf: bytes, document: Document) -> bytes:
    """The factur-x output with its clock readings replaced by the issue date, and an sRGB output intent."""
    pdf_date = document.issue_date.strftime("D:%Y%m%d000000+00'00'")
    xmp_date = document.issue_date.strftime("%Y-%m-%dT00:00:00+00:00").encode()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({"/CreationDate": pdf_date, "/ModDate": pdf_date, "/Producer": PRODUCER})
    root = writer.root_object
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]  # type: ignore[index]
    for spec in names[1::2]:
        embedded = spec.get_object()["/EF"]["/F"].get_object()
        embedded["/Params"][NameObject("/ModDate")] = TextStringObject(pdf_date)
    metadata = root["/Metadata"].get_object()
    assert isinstance(metadata, StreamObject)
    metadata.set_data(XMP_DATES.sub(rb"\g<1>" + xmp_date + rb"\g<2>", metadata.get_data()))
    root[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(_output_intent(writer))])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_facturx(document: Document, pdf: bytes | None = None) -> bytes:
    """The invoice's or credit note's Factur-X PDF/A-3 (its PDF, given or rendered, with factur-x.xml inside)."""
    xml = cii_xml(document)  # ValueError for a kind that has no e-invoice, before rendering anything
    title = f"{TITLES[document.kind].capitalize()} {document.number}"
    metadata = {
        "author": document.seller.name,
        "keywords": f"{TITLES[document.kind].capitalize()}, Factur-X",
        "title": title,
        "subject": f"{title} – {document.buyer.name}",
    }
    combined = facturx.generate_from_binary(
        pdf if pdf is not None else render_pdf(document),
        xml,
        flavor="factur-x",
        level="en16931",
        check_xsd=False,  # cii_xml has checked it
        pdf_metadata=metadata,
        lang="fr-FR",
    )
    return _pin(combined, document)
