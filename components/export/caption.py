"""A map image with its provenance burnt in: a caption strip under the picture naming the
filters, the as-of date, the data version and the export date (pure, Pillow only).

A screenshot passed around on its own loses where it came from; the strip is part of the
pixels, so it cannot be cropped off without it showing.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_SIDE = 8_000  # pixels: a larger image is refused (a decompression bomb, not a map)
STRIP_INK = (17, 17, 17)
STRIP_PAPER = (255, 255, 255)
RULE = (120, 120, 120)


class ImageError(ValueError):
    """The map image is not a PNG this module can read (bad bytes, or too large)."""


def read_png(data: bytes) -> Image.Image:
    """The PNG ``data`` as an RGB image. Raises :class:`ImageError` for anything that is
    not a PNG, cannot be decoded, or is larger than :data:`MAX_SIDE` on a side."""
    if not data.startswith(PNG_SIGNATURE):
        raise ImageError("the map image is not a PNG")
    try:
        image = Image.open(io.BytesIO(data))
        if max(image.size) > MAX_SIDE:
            raise ImageError(f"the map image is {image.size[0]}x{image.size[1]} pixels, too large")
        image.load()
    except ImageError:
        raise
    except Exception as exc:  # Pillow raises many kinds for a broken file
        raise ImageError(f"the map image could not be read ({exc.__class__.__name__})") from exc
    return image.convert("RGB")


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's own bundled font at a given size: the same on every machine.
    return ImageFont.load_default(size=size)


def beside(image: Image.Image, legend: Image.Image, gap: int) -> Image.Image:
    """``legend`` to the right of ``image``, top-aligned, shrunk to ``image``'s height
    when taller; white elsewhere."""
    if legend.size[1] > image.size[1]:
        ratio = image.size[1] / legend.size[1]
        legend = legend.resize((max(1, round(legend.size[0] * ratio)), image.size[1]))
    out = Image.new("RGB", (image.size[0] + gap + legend.size[0], image.size[1]), STRIP_PAPER)
    out.paste(image, (0, 0))
    out.paste(legend, (image.size[0] + gap, 0))
    return out


def captioned(
    png: bytes, title: str, lines: Sequence[str], legend_png: bytes | None = None
) -> bytes:
    """``png`` with a white strip below it holding ``title`` and ``lines`` (wrapped to the
    image's width), and ``legend_png`` (when given) beside it on the right. Returns PNG
    bytes; the height grows by the strip, the width by the legend. Raises
    :class:`ImageError` for an unreadable map image (an unreadable legend is left out)."""
    image = read_png(png)
    if legend_png:
        try:
            image = beside(image, read_png(legend_png), gap=max(8, image.size[0] // 100))
        except ImageError:
            pass
    width = image.size[0]
    scale = max(1.0, width / 1000)
    size = round(15 * scale)
    title_font, font = _font(round(17 * scale), bold=True), _font(size)
    pad = round(10 * scale)
    chars = max(40, int((width - 2 * pad) / (size * 0.52)))
    wrapped: list[str] = []
    for line in lines:
        wrapped.extend(textwrap.wrap(line, chars) or [""])
    line_height = round(size * 1.35)
    height = pad + round(17 * scale * 1.4) + line_height * len(wrapped) + pad
    out = Image.new("RGB", (width, image.size[1] + height), STRIP_PAPER)
    out.paste(image, (0, 0))
    draw = ImageDraw.Draw(out)
    top = image.size[1]
    draw.line([(0, top), (width, top)], fill=RULE, width=max(1, round(scale)))
    y = top + pad
    draw.text((pad, y), title, fill=STRIP_INK, font=title_font)
    y += round(17 * scale * 1.4)
    for line in wrapped:
        draw.text((pad, y), line, fill=STRIP_INK, font=font)
        y += line_height
    buffer = io.BytesIO()
    out.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
