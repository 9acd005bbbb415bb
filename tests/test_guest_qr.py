"""Guest QR codes: made with segno, read back with zxing-cpp as the check-in camera reads a photo."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image, ImageDraw

from eventflow import guest_qr
from eventflow.errors import InputError


def _photo(png: bytes, *, angle: float = 0, fmt: str = "JPEG") -> bytes:
    """A QR code as a camera might see it: on a grey desk, a little turned, JPEG-compressed."""
    code = Image.open(io.BytesIO(png)).convert("RGB").rotate(angle, expand=True, fillcolor="white")
    desk = Image.new("RGB", (code.width + 240, code.height + 180), (120, 120, 115))
    desk.paste(code, (130, 70))
    ImageDraw.Draw(desk).text((10, 10), "place card", fill=(255, 255, 255))
    out = io.BytesIO()
    desk.save(out, format=fmt, quality=70)
    return out.getvalue()


def test_a_generated_code_is_read_back_from_a_photo():
    participant = uuid.uuid4()
    png = guest_qr.qr_png(participant)
    assert guest_qr.read_guest_code(png) == str(participant)
    assert guest_qr.read_guest_code(_photo(png, angle=8)) == str(participant)


def test_a_photo_without_a_guest_code_finds_nobody():
    import segno
    other = io.BytesIO()
    segno.make("https://example.org/not-a-guest").save(other, kind="png", scale=6)
    assert guest_qr.read_guest_code(other.getvalue()) is None
    blank = io.BytesIO()
    Image.new("RGB", (320, 240), "white").save(blank, format="PNG")
    assert guest_qr.read_guest_code(blank.getvalue()) is None
    assert guest_qr.participant_in("EVENTFLOW-GUEST:not-a-uuid") is None


def test_a_file_that_is_no_photo_is_a_clear_error():
    with pytest.raises(InputError, match="not a photo"):
        guest_qr.read_guest_code(b"%PDF-1.4 not an image")
