"""A QR code per guest: printed on place cards and the QR guest list, read back at the door from a
phone's or tablet's camera (``st.camera_input``).

The code carries only ``EVENTFLOW-GUEST:<participant id>``: a random id that means nothing outside
the dashboard, and that the check-in desk looks up in the event open on screen through the
database's door functions, so a code from another event or organisation finds nobody.
Made with segno, read with zxing-cpp (both from PyPI; see requirements.txt).
"""

from __future__ import annotations

import io
from uuid import UUID

import segno
import zxingcpp
from PIL import Image, UnidentifiedImageError

from eventflow.errors import InputError

PREFIX = "EVENTFLOW-GUEST:"
MAX_PHOTO_BYTES = 15 * 1024 * 1024  # a phone photo; anything larger is not a photo of a card


def guest_code(participant_id: str | UUID) -> str:
    """The text a guest's QR code holds."""
    return PREFIX + str(UUID(str(participant_id)))


def qr_png(participant_id: str | UUID, scale: int = 6) -> bytes:
    """The guest's QR code as a PNG (error correction M: it survives a crease or a coffee ring)."""
    buffer = io.BytesIO()
    segno.make(guest_code(participant_id), error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def participant_in(text: str) -> str | None:
    """The participant id a scanned or typed text names, or None when it is not a guest code of ours.
    Typed codes (from the exported list, or a hand-held scanner that types what it reads) may come
    with spaces around them or in other letter case."""
    text = text.strip()
    if text[:len(PREFIX)].upper() != PREFIX:
        return None
    try:
        return str(UUID(text[len(PREFIX):].strip()))
    except ValueError:
        return None


def read_guest_code(photo: bytes) -> str | None:
    """The participant id of the first guest code found in ``photo`` (PNG, JPEG, …), or None when the
    photo shows no code of ours. A file that is no image is an :class:`InputError`."""
    if len(photo) > MAX_PHOTO_BYTES:
        raise InputError("This photo is too large to read (over 15 MB). Take it again with the camera here.")
    try:
        image = Image.open(io.BytesIO(photo))
        image.load()
    except (UnidentifiedImageError, OSError):
        raise InputError("This is not a photo the desk can read. Take it again with the camera here.") from None
    only_qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    for found in zxingcpp.read_barcodes(image.convert("L"), formats=only_qr):
        participant = participant_in(found.text)
        if participant is not None:
            return participant
    return None
