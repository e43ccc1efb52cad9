"""A one-page printed brief of the current view: map, key numbers, sites, filters, citation.

For analysts who print. Whatever the view holds, the brief is one A4 landscape page: the
lists (key numbers, sites, caveats) print what fits and say how many more there are, while
the citation, the data version and the filters are always printed in full (shrunk if they
must be). Text from the data is escaped and prints literally; the fonts are the Bitstream
Vera TrueType files shipped inside reportlab, so the output is the same on every machine.
Pure: no Streamlit.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import reportlab
from PIL import Image
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepInFrame, Paragraph, Table, TableStyle

T = TypeVar("T")


@dataclass(frozen=True)
class KeyNumber:
    """One published figure, printed in the source's own words (never turned into a number)."""

    country: str  # country name, e.g. "Myanmar" ("" for regional)
    words: str  # the source's own words, e.g. "at least 120,000"
    what: str  # e.g. "People held in scam operations (national)"
    as_of: str  # e.g. "29 Aug 2023"
    source: str  # publisher and title, e.g. "OHCHR, Online scam operations … (2023-08-29)"
    url: str  # the source's URL (a clickable link when it is http or https)
    disputed: str = ""  # e.g. "Disputed by: Kiripost (…)", or ""


@dataclass(frozen=True)
class Brief:
    """Everything the printed brief shows; all text is already in human words."""

    title: str  # "Scam Centre Atlas: view as of 2026-12-01"
    citation: str  # long citation text incl. the permalink URL (wraps)
    data_version: str  # e.g. "3f2a9c1b7d4e"
    filters: list[str]  # e.g. "Countries: Myanmar, Thailand"
    exported_at: str  # e.g. "2026-12-01 09:14 UTC"
    map_png: bytes | None  # PNG of the map (with its own caption strip), or None
    map_note: str  # one line under the map, e.g. "Map as shown: 23 markers, offline basemap"
    numbers: list[KeyNumber]
    sites: list[dict]  # {"name","country","zone_type","status","confidence","precision"}: str
    caveats: list[str]  # short sentences


CREATOR = "Scam Centre Atlas"
NO_MAP = "Map image not captured"
BAD_MAP = "Map image could not be read"
REGIONAL = "Regional / multi-country"  # as components.data.labels.country_name("") says

PAGE_W, PAGE_H = landscape(A4)  # points (1/72 inch): 841.9 x 595.3
MARGIN = 28.0
GUTTER = 16.0
LEFT_SHARE = 0.45  # of the content width, for the map, filters and caveats
NUMBERS_SHARE = 0.5  # of the right column the key numbers may take when there are sites
FOOTER_MAX = 0.3 * PAGE_H
MAP_MIN = 0.35  # of the body height, the least the map keeps for the filters
NO_MAP_H = 90.0  # height of the framed "Map image not captured"

INK = colors.HexColor("#1b1f24")
MUTED = colors.HexColor("#59636e")
LINK = colors.HexColor("#0b4f9c")
WARN = colors.HexColor("#8a3b00")
RULE = colors.HexColor("#b8c0c8")
SHADE = colors.HexColor("#eef1f4")

FONT = "AtlasVera"
FONT_DIR = Path(reportlab.__file__).parent / "fonts"
_FONT_FILES = {
    FONT: "Vera.ttf",
    f"{FONT}-Bold": "VeraBd.ttf",
    f"{FONT}-Italic": "VeraIt.ttf",
    f"{FONT}-BoldItalic": "VeraBI.ttf",
}

# The site list's columns: (key in a site dict, heading, share of the column width).
SITE_COLUMNS = (
    ("name", "Name", 0.32),
    ("country", "Country", 0.12),
    ("zone_type", "Zone type", 0.2),
    ("status", "Status", 0.2),
    ("confidence", "Confidence", 0.16),
)


@functools.cache
def _fonts() -> str:
    """Register the Vera family once per process; return its name for styles."""
    for name, file in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    pdfmetrics.registerFontFamily(
        FONT,
        normal=FONT,
        bold=f"{FONT}-Bold",
        italic=f"{FONT}-Italic",
        boldItalic=f"{FONT}-BoldItalic",
    )
    return FONT


def _style(size: float, *, bold: bool = False, italic: bool = False, **kw) -> ParagraphStyle:
    name = _fonts() + ("-Bold" if bold else "") + ("-Italic" if italic and not bold else "")
    kw.setdefault("textColor", INK)
    return ParagraphStyle(
        f"brief-{size}-{bold}-{italic}",
        fontName=name,
        fontSize=size,
        leading=round(size * 1.22, 2),
        **kw,
    )


# --- hostile text -------------------------------------------------------------------------


def _clean(value: object) -> str:
    """Text safe to lay out: control characters and lone surrogates become spaces/'?'."""
    text = "" if value is None else str(value)
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        out.append(" " if category == "Cc" else "?" if category == "Cs" else ch)
    return "".join(out)


def _esc(value: object) -> str:
    """Paragraph markup that prints ``value`` literally (``<b>`` stays ``<b>``)."""
    return escape(_clean(value))


def _link(markup: str, url: object) -> str:
    """``markup`` as a clickable link to ``url`` when that is a plain http(s) URL."""
    url = _clean(url).strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return markup
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", url):
        return markup
    href = escape(url, {'"': "&quot;"})
    return f'<a href="{href}" color="{LINK.hexval()}">{markup}</a>'


_URL = re.compile(r"https?://[^\s<>\"]+")


def _linkified(text: object) -> str:
    """Escaped ``text`` with every http(s) URL in it made clickable."""
    text = _clean(text)
    out, pos = [], 0
    for match in _URL.finditer(text):
        url = match.group().rstrip(".,;:)]'")
        out += [escape(text[pos : match.start()]), _link(escape(url), url)]
        pos = match.start() + len(url)
    out.append(escape(text[pos:]))
    return "".join(out)


# --- layout helpers -----------------------------------------------------------------------


def _height(canvas: Canvas, flow: Flowable, width: float) -> float:
    return flow.wrapOn(canvas, width, PAGE_H * 10)[1]


def _fit(
    canvas: Canvas,
    items: Sequence[T],
    build: Callable[[int, T], Flowable],
    more: Callable[[int], Flowable],
    width: float,
    height: float,
    gap: float,
) -> list[Flowable]:
    """The first items that fit in ``height``, then ``more(n_left)`` if any are left out.

    Items are built lazily, so a 100,000-site view costs only the rows that fit.
    """
    flows: list[Flowable] = []
    heights: list[float] = []
    used = 0.0
    for i, item in enumerate(items):
        flow = build(i, item)
        h = _height(canvas, flow, width) + gap
        if used + h > height:
            break
        flows.append(flow)
        heights.append(h)
        used += h
    while len(flows) < len(items):
        tail = more(len(items) - len(flows))
        if used + _height(canvas, tail, width) + gap <= height:
            return [*flows, tail]
        if not flows:
            return []
        flows.pop()
        used -= heights.pop()
    return flows


def _stack(
    canvas: Canvas, flows: Sequence[Flowable], x: float, top: float, width: float, gap: float
) -> float:
    """Draw flowables top-down from ``top``; return the y below the last one."""
    y = top
    for flow in flows:
        h = _height(canvas, flow, width)
        flow.drawOn(canvas, x, y - h)
        y -= h + gap
    return y


def _shrunk(canvas: Canvas, flows: list[Flowable], width: float, height: float) -> list[Flowable]:
    """``flows`` as they are if they fit in ``height``, else scaled down to fit."""
    if sum(_height(canvas, f, width) for f in flows) <= height:
        return flows
    return [KeepInFrame(width, height, flows, mode="shrink")]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


# --- the regions ------------------------------------------------------------------------


def _read_png(png: bytes | None) -> tuple[ImageReader | None, str]:
    """The decoded map image, or None and the words to print in its place."""
    if not png:
        return None, NO_MAP
    try:
        with Image.open(io.BytesIO(png)) as image:
            image.load()
            return ImageReader(image.copy()), ""
    except Exception:  # any undecodable image prints as a visible note, never a crash
        return None, BAD_MAP


def _draw_map(
    canvas: Canvas,
    image: ImageReader | None,
    message: str,
    x: float,
    top: float,
    width: float,
    height: float,
) -> float:
    """The map scaled to fit the box (aspect kept), or ``message`` framed; return its bottom."""
    canvas.saveState()
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.6)
    if image is not None:
        iw, ih = image.getSize()
        scale = min(width / iw, height / ih)
        w, h = iw * scale, ih * scale
        left = x + (width - w) / 2
        canvas.drawImage(image, left, top - h, w, h, mask="auto")
        canvas.rect(left, top - h, w, h)
        bottom = top - h
    else:
        canvas.setFillColor(SHADE)
        canvas.rect(x, top - height, width, height, fill=1)
        canvas.setFillColor(MUTED)
        canvas.setFont(f"{_fonts()}-Bold", 12)
        canvas.drawCentredString(x + width / 2, top - height / 2 - 4, message)
        bottom = top - height
    canvas.restoreState()
    return bottom


def _number(number: KeyNumber) -> Flowable:
    what = " · ".join(_esc(p) for p in (number.what, number.country or REGIONAL, number.as_of) if p)
    source = _link(_esc(number.source) or "Source", number.url)
    url = _link(_esc(number.url), number.url)
    lines = [
        f"<b>{_esc(number.words)}</b> — {what}",
        f'<font color="{MUTED.hexval()}">Source:</font> {source}',
    ]
    if url:
        lines.append(f'<font size="6.5" color="{MUTED.hexval()}">{url}</font>')
    if number.disputed:
        lines.append(f'<font color="{WARN.hexval()}"><i>{_esc(number.disputed)}</i></font>')
    return Paragraph("<br/>".join(lines), _style(7.5))


def _site_row(cells: Sequence[str], widths: list[float], *, head: bool, shade: bool) -> Table:
    style = _style(7, bold=head)
    row = Table([[Paragraph(_esc(c), style) for c in cells]], colWidths=widths)
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8),
        ("LINEBELOW", (0, 0), (-1, -1), 0.8 if head else 0.25, INK if head else RULE),
    ]
    if shade:
        commands.append(("BACKGROUND", (0, 0), (-1, -1), SHADE))
    row.setStyle(TableStyle(commands))
    return row


def _heading(text: str) -> Paragraph:
    return Paragraph(_esc(text), _style(9.5, bold=True, spaceAfter=0))


def _note(text: str) -> Paragraph:
    return Paragraph(_esc(text), _style(7, italic=True, textColor=MUTED))


# --- the page ---------------------------------------------------------------------------


def brief_pdf(brief: Brief) -> bytes:
    """The brief as a one-page A4 landscape PDF (842 x 595 pt), returned as bytes.

    Layout: title, data version and export time on top; the map (scaled to fit, aspect kept,
    or a framed "Map image not captured"), its note, the filters and the caveats on the
    left; the key numbers (words verbatim, what, country, date, source linked to its URL)
    and the site list (name · country · zone type · status · confidence) on the right; the
    full citation, its URLs clickable, along the bottom. Lists print what fits, then
    "… and N more …" (sites: "see sites.csv in the evidence pack"). The PDF's title,
    subject (the citation's first line), creator and keywords (the data version) are set.
    Output is byte-identical for equal input (reportlab's invariant mode).

    No data value raises: text is printed literally whatever it contains (characters Vera
    lacks print as blanks), and a ``map_png`` that cannot be decoded prints as a framed
    "Map image could not be read".
    """
    _fonts()
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(PAGE_W, PAGE_H), invariant=1)
    lines = str(brief.citation or "").splitlines()
    first_line = next((_clean(ln).strip() for ln in lines if _clean(ln).strip()), "")
    canvas.setTitle(_clean(brief.title))
    canvas.setSubject(first_line)
    canvas.setCreator(CREATOR)
    canvas.setAuthor(CREATOR)  # else reportlab writes "anonymous"
    canvas.setKeywords(f"data version {_clean(brief.data_version)}")

    width = PAGE_W - 2 * MARGIN
    top = PAGE_H - MARGIN

    # Header: title, then data version and export time, then a rule.
    meta = _style(8.5, textColor=MUTED)
    header = _shrunk(
        canvas,
        [
            Paragraph(_esc(brief.title), _style(15, bold=True)),
            Paragraph(
                f"Data version <b>{_esc(brief.data_version)}</b> · "
                f"Exported {_esc(brief.exported_at)} · {CREATOR}, printed brief",
                meta,
            ),
        ],
        width,
        64,
    )
    y = _stack(canvas, header, MARGIN, top, width, 3)
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    canvas.line(MARGIN, y, MARGIN + width, y)
    body_top = y - 8

    # Footer: the citation in full, shrunk rather than cut when it is very long.
    cite = Paragraph(f"<b>Cite as:</b> {_linkified(brief.citation)}", _style(7, textColor=INK))
    footer = _shrunk(canvas, [cite], width, FOOTER_MAX)
    footer_h = sum(_height(canvas, f, width) for f in footer)
    _stack(canvas, footer, MARGIN, MARGIN + footer_h, width, 0)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, MARGIN + footer_h + 4, MARGIN + width, MARGIN + footer_h + 4)
    body_bottom = MARGIN + footer_h + 10
    body_h = body_top - body_bottom

    left_w = width * LEFT_SHARE - GUTTER / 2
    right_x = MARGIN + width * LEFT_SHARE + GUTTER / 2
    right_w = width - left_w - GUTTER

    # Left: map, its note, filters, caveats. The map gives up height (down to MAP_MIN of
    # the body) before the filters are shrunk; a missing map takes only a short box.
    image, message = _read_png(brief.map_png)
    notes = [_note(brief.map_note)] if brief.map_note else []
    filter_style = _style(7.5)
    filter_lines = [Paragraph(_esc(line), filter_style) for line in brief.filters] or [
        Paragraph("None: the whole atlas.", filter_style)
    ]
    caveat_style = _style(7.5, leftIndent=8, bulletIndent=0)

    def caveat(_: int, text: str) -> Flowable:
        return Paragraph(_esc(text), caveat_style, bulletText="•")

    def tall(flows: Sequence[Flowable], gap: float) -> float:
        return sum(_height(canvas, f, left_w) + gap for f in flows)

    headings = tall([_heading("Filters"), _heading("Caveats")], 2)
    first_caveats = [caveat(i, t) for i, t in enumerate(brief.caveats[:2])]
    text_h = 15 + tall(notes, 0) + headings + tall(filter_lines, 1) + tall(first_caveats, 2)
    map_h = min(left_w * 0.75, body_h * 0.62, max(body_h - text_h, body_h * MAP_MIN))
    if image is None:
        map_h = min(map_h, NO_MAP_H)
    y = _draw_map(canvas, image, message, MARGIN, body_top, left_w, map_h) - 3
    y = _stack(canvas, notes, MARGIN, y, left_w, 0) - 6
    y = _stack(canvas, [_heading("Filters")], MARGIN, y, left_w, 2)
    caveat_room = 48 if brief.caveats else 24  # heading plus a line or two
    filters = _shrunk(canvas, filter_lines, left_w, max(y - body_bottom - caveat_room, 20))
    y = _stack(canvas, filters, MARGIN, y, left_w, 1) - 6
    y = _stack(canvas, [_heading(f"Caveats ({len(brief.caveats)})")], MARGIN, y, left_w, 2)
    caveats = _fit(
        canvas,
        brief.caveats,
        caveat,
        lambda n: _note(
            f"… and {_plural(n, 'more caveat', 'more caveats')}: see the evidence pack"
        ),
        left_w,
        y - body_bottom,
        2,
    )
    if not brief.caveats:
        caveats = [Paragraph("None recorded for this view.", _style(7.5))]
    _stack(canvas, caveats, MARGIN, y, left_w, 2)

    # Right: key numbers, then the sites in what is left.
    y = _stack(
        canvas, [_heading(f"Key numbers ({len(brief.numbers)})")], right_x, body_top, right_w, 3
    )
    room = y - body_bottom
    numbers_room = room * NUMBERS_SHARE if brief.sites else room
    numbers = _fit(
        canvas,
        brief.numbers,
        lambda _, number: _number(number),
        lambda n: _note(
            f"… and {_plural(n, 'more key number', 'more key numbers')}: see the evidence pack"
        ),
        right_w,
        numbers_room,
        4,
    )
    if not brief.numbers:
        numbers = [Paragraph("No key numbers for this view.", _style(7.5))]
    y = _stack(canvas, numbers, right_x, y, right_w, 4) - 6

    y = _stack(
        canvas, [_heading(f"Sites in this view ({len(brief.sites):,})")], right_x, y, right_w, 3
    )
    widths = [right_w * share for _, _, share in SITE_COLUMNS]
    if brief.sites:
        y = _stack(
            canvas,
            [_site_row([h for _, h, _ in SITE_COLUMNS], widths, head=True, shade=False)],
            right_x,
            y,
            right_w,
            0,
        )
    sites = _fit(
        canvas,
        brief.sites,
        lambda i, site: _site_row(
            [site.get(key, "") for key, _, _ in SITE_COLUMNS], widths, head=False, shade=bool(i % 2)
        ),
        lambda n: _note(
            f"… and {_plural(n, 'more site', 'more sites')}: see sites.csv in the evidence pack"
        ),
        right_w,
        y - body_bottom,
        0,
    )
    if not brief.sites:
        sites = [Paragraph("No sites in this view.", _style(7.5))]
    _stack(canvas, sites, right_x, y, right_w, 0)

    canvas.showPage()
    canvas.save()
    return buf.getvalue()
