"""Pictures the sandbox makes or inspects with Pillow: users' photos, stickers, thumbnails."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, UnidentifiedImageError

THUMBNAIL_SIDE = 90


class NotAnImage(ValueError):
    """The bytes are not a picture Pillow can read."""


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) of an image, or NotAnImage."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError) as exc:
        raise NotAnImage(str(exc)) from exc


def thumbnail(data: bytes, side: int = THUMBNAIL_SIDE) -> tuple[bytes, int, int]:
    """A JPEG no larger than side x side, as Telegram makes for the smallest photo size."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            small = image.convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise NotAnImage(str(exc)) from exc
    small.thumbnail((side, side))
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=80)
    return out.getvalue(), small.width, small.height


def sample_photo(seed: int, width: int = 320, height: int = 240) -> bytes:
    """A small, colourful PNG standing for a photo a user took."""
    rng = random.Random(seed)
    background = (rng.randrange(80, 220), rng.randrange(80, 220), rng.randrange(80, 220))
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(15, 60)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def sample_sticker() -> bytes:
    """A 512x512 WebP smiley, the shape of a Telegram sticker."""
    image = Image.new("RGBA", (512, 512), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((16, 16, 496, 496), fill=(255, 204, 77, 255))
    draw.ellipse((150, 170, 210, 250), fill=(60, 40, 20, 255))
    draw.ellipse((302, 170, 362, 250), fill=(60, 40, 20, 255))
    draw.arc((130, 220, 382, 420), start=20, end=160, fill=(60, 40, 20, 255), width=18)
    out = io.BytesIO()
    image.save(out, format="WEBP")
    return out.getvalue()
