"""Background images for letters: PNG or JPEG recognised by their content, of a sane size."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MIN_SIDE_PX = 100
MAX_SIDE_PX = 10_000
# An A4 page at 300 dpi is 8.7 Mpx; beyond 40 Mpx an image costs memory (4 bytes a pixel once decoded) and
# prints no better. Pillow's own bomb guard only warns up to 179 Mpx: a 9,000 x 9,000 px PNG of a few kB
# would pass it. Checked from the header, before anything is decoded.
MAX_PIXELS = 40_000_000
MIME_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


def check_background(data: bytes) -> tuple[str, int, int]:
    """(mime type, width px, height px) of a PNG or JPEG background; ValueError saying why anything else is refused."""
    if len(data) > MAX_BYTES:
        raise ValueError(f"the image is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format, image.size
            if kind not in MIME_TYPES:
                raise ValueError(f"the image must be PNG or JPEG, not {kind}")
            if min(width, height) < MIN_SIDE_PX or max(width, height) > MAX_SIDE_PX:
                raise ValueError(
                    f"the image is {width} x {height} px: each side must be between "
                    f"{MIN_SIDE_PX} and {MAX_SIDE_PX:,} px"
                )
            if width * height > MAX_PIXELS:
                raise ValueError(
                    f"the image is {width} x {height} px, more than {MAX_PIXELS // 1_000_000} "
                    "million pixels: refused as a decompression bomb"
                )
            if kind == "JPEG":
                # Decoded at an eighth of its size: the whole stream is still read (a truncated file fails)
                # for a sixty-fourth of the memory.
                image.draft("RGB", (width // 8, height // 8))
            image.load()  # decodes it: a truncated or corrupt file fails here rather than in the print job
    except Image.DecompressionBombError as error:
        raise ValueError("the image is a decompression bomb") from error
    except UnidentifiedImageError as error:
        raise ValueError("the file is not an image") from error
    except (OSError, SyntaxError) as error:  # Pillow's errors for damaged files
        raise ValueError(f"the image is damaged or truncated ({error})") from error
    return MIME_TYPES[kind], width, height
