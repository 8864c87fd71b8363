"""Sample files for the sandbox's tests: a calendar invitation and PNG images of any size."""

from __future__ import annotations

import io

from PIL import Image

ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nSUMMARY:视频约访\r\nEND:VCALENDAR\r\n".encode()


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()
