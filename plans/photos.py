"""Photos on progress reports: checked, cleaned and stored as files.

Whatever a phone sends (JPEG, PNG or WebP), the stored photo is a fresh JPEG of at
most ``MAX_SIDE`` pixels a side, turned upright, with no metadata: camera EXIF often carries
the place a photo was taken and the device, which the public plan page must not publish.
Only content Pillow can decode as an image is accepted, whatever the file name says.
"""

from __future__ import annotations

import io
import os
import secrets
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED = frozenset({"JPEG", "PNG", "WEBP"})
MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1600
# Far above any phone camera; a tiny file claiming more pixels is a decompression bomb.
MAX_PIXELS = 60_000_000


class PhotoError(ValueError):
    """Not a photo we can take; ``reason`` says which way."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def cleaned(data: bytes) -> bytes:
    """The photo as the JPEG we store: upright, bounded in size, without metadata."""
    if len(data) > MAX_BYTES:
        raise PhotoError("too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ACCEPTED:
                    raise PhotoError("not_a_photo")
                if image.width * image.height > MAX_PIXELS:
                    raise PhotoError("too_large")
                image.load()
                upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombWarning,
            Image.DecompressionBombError) as error:
        raise PhotoError("not_a_photo") from error
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    # A new image from pixels only: no EXIF, no ICC profile, no comments.
    upright.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def store(folder: Path, photo: bytes) -> str:
    """Write the photo under a new random name, whole or not at all; the name."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(18)}.jpg"
    partial = folder / f".{name}.part"
    partial.write_bytes(photo)
    os.replace(partial, folder / name)
    return name
