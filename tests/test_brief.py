"""The printed brief is one A4 landscape page whatever the view holds, and prints what the
analyst needs to cite it: the full citation with its permalink, the data version, the key
numbers in the source's own words, and hostile names literally.

Checked with the real poppler tools (pdfinfo, pdftoppm, pdftotext), not reportlab's own
view of what it wrote: the page count, the text a reader can copy, where each word sits
(no word outside the page margins, no two words on top of each other), where the map
lands on the rendered page and the links a reader can click.
"""

from __future__ import annotations

import html
import io
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from components.export.brief import Brief, KeyNumber, brief_pdf

PERMALINK = "http://localhost:8501/?country=MM&as_of=2025-06-30"
CITATION = (
    "Scam Centre Atlas (2026). Forced-criminality scam centres in Southeast Asia: Myanmar, "
    f"status as of 2025-06-30. Data version 3f2a9c1b7d4e. Permalink: {PERMALINK}"
)
VERSION = "3f2a9c1b7d4e"
HOSTILE = "<b>Bold</b> & Co"
MAGENTA = (255, 0, 255)
MARGIN_PT = 28


def map_png(width: int = 1200, height: int = 800) -> bytes:
    """A map-like PNG framed in pure magenta, so its place on the page can be found."""
    image = Image.new("RGB", (width, height), (206, 224, 236))
    draw = ImageDraw.Draw(image)
    draw.polygon(
        [(width * 0.1, height * 0.1), (width * 0.7, height * 0.15), (width * 0.5, height * 0.9)],
        fill=(236, 232, 220),
    )
    for i in range(23):
        x, y = width * (0.2 + (i * 0.037) % 0.6), height * (0.2 + (i * 0.061) % 0.6)
        draw.ellipse([x - 8, y - 8, x + 8, y + 8], fill=(200, 40, 40))
    draw.rectangle([0, 0, width - 1, height - 1], outline=MAGENTA, width=max(width // 60, 8))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def number(i: int = 0, **changes: str) -> KeyNumber:
    base = KeyNumber(
        country="Myanmar",
        words="at least 120,000",
        what="People held in scam operations (national)",
        as_of="29 Aug 2023",
        source="OHCHR, Online scam operations and trafficking into forced criminality in "
        "Southeast Asia (2023-08-29)",
        url=f"https://bangkok.ohchr.org/online-scam-operations-{i}.pdf",
    )
    return replace(base, **changes)


def site(name: str, i: int = 0) -> dict:
    return {
        "name": name,
        "country": ["Myanmar", "Cambodia", "Laos", "Philippines"][i % 4],
        "zone_type": ["Compound", "Casino complex", "Special economic zone"][i % 3],
        "status": ["Operating (reported active)", "Raided", "Demolition claimed"][i % 3],
        "confidence": ["High", "Medium", "Low (unverified estimate)"][i % 3],
        "precision": "town (the point is a town centre; the site is nearby)",
    }


def brief(**changes) -> Brief:
    base = Brief(
        title="Scam Centre Atlas: view as of 2026-12-01",
        citation=CITATION,
        data_version=VERSION,
        filters=["Countries: Myanmar, Thailand", "Status as of: 2025-06-30"],
        exported_at="2026-12-01 09:14 UTC",
        map_png=map_png(),
        map_note="Map as shown: 23 markers, offline basemap",
        numbers=[
            number(),
            number(
                1,
                country="Cambodia",
                words="around 100,000",
                disputed="Disputed by: Kiripost (renders it as 'at least 100,000')",
            ),
            number(2, country="", words="at least tens of thousands"),
        ],
        sites=[site("Shwe Kokko (Yatai New City)"), site(HOSTILE, 1), site("KK Park", 2)],
        caveats=["3 sites are unverified: a single source names them."],
    )
    return replace(base, **changes)


# --- the poppler tools ------------------------------------------------------------------


def write(tmp_path: Path, the_brief: Brief) -> Path:
    path = tmp_path / "brief.pdf"
    path.write_bytes(brief_pdf(the_brief))
    return path


def run(*args: str | Path) -> str:
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True).stdout


def info(pdf: Path) -> dict[str, str]:
    lines = run("pdfinfo", pdf).splitlines()
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines)}


def text(pdf: Path) -> str:
    return run("pdftotext", "-enc", "UTF-8", pdf, "-")


def squeezed(s: str) -> str:
    """Without whitespace: text wrapped over lines still matches the one-line original."""
    return "".join(s.split())


def pages_as_png(pdf: Path, tmp_path: Path, dpi: int = 50) -> list[Path]:
    out = tmp_path / "png"
    out.mkdir()
    run("pdftoppm", "-png", "-r", str(dpi), pdf, out / "page")
    return sorted(out.glob("*.png"))


WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


def words(pdf: Path) -> list[tuple[float, float, float, float, str]]:
    """Every word pdftotext sees, with its box in points from the top-left corner."""
    found = WORD.findall(run("pdftotext", "-bbox", "-enc", "UTF-8", pdf, "-"))
    return [(*map(float, box), html.unescape(w)) for *box, w in found]


def overlaps(boxes: list[tuple[float, float, float, float, str]]) -> list[tuple[str, str]]:
    """Pairs of words whose boxes cover more than a third of the smaller one's area."""
    hits = []
    boxes = sorted(boxes, key=lambda b: b[1])
    for i, (x0, y0, x1, y1, w) in enumerate(boxes):
        for a0, b0, a1, b1, v in boxes[i + 1 :]:
            if b0 >= y1:
                break
            ix, iy = min(x1, a1) - max(x0, a0), min(y1, b1) - max(y0, b0)
            smaller = min((x1 - x0) * (y1 - y0), (a1 - a0) * (b1 - b0))
            if ix > 0 and iy > 0 and ix * iy > smaller / 3:
                hits.append((w, v))
    return hits


# --- one page, whatever the size ----------------------------------------------------------

LONG_CITATION = (CITATION + " ") + " ".join(
    f"Source {i}: Publisher {i}, a rather long report title number {i} (2024-0{i % 9 + 1}-01)."
    for i in range(40)
)
LONG_CITATION = LONG_CITATION[:1983] + " End of citation."  # 2,000 characters

EXTREMES = {
    "0-sites": dict(sites=[]),
    "1-site": dict(sites=[site("Only site")]),
    "500-sites": dict(sites=[site(f"Site {i:04d}", i) for i in range(500)]),
    "40-numbers": dict(numbers=[number(i, words=f"number {i:02d} in words") for i in range(40)]),
    "2000-char-citation": dict(citation=LONG_CITATION),
    "no-map": dict(map_png=None),
    "nothing-at-all": dict(filters=[], numbers=[], sites=[], caveats=[], map_png=None),
    "portrait-map": dict(map_png=map_png(400, 1000)),
    "everything-at-once": dict(
        sites=[site(f"Site {i:04d} " + "long name " * (i % 5), i) for i in range(500)],
        numbers=[number(i, words=f"number {i:02d} in words") for i in range(40)],
        citation=LONG_CITATION,
        map_png=None,
        filters=[f"Filter line {i}: " + ", ".join(["Myanmar"] * 30) for i in range(12)],
        caveats=[f"Caveat {i}: a figure given in words only." for i in range(60)],
    ),
}


@pytest.mark.parametrize("changes", EXTREMES.values(), ids=EXTREMES.keys())
def test_always_one_page_with_everything_inside_it(tmp_path, changes):
    the_brief = brief(**changes)
    pdf = write(tmp_path, the_brief)

    assert info(pdf)["Pages"] == "1"
    pngs = pages_as_png(pdf, tmp_path)
    assert [p.name for p in pngs] == ["page-1.png"]
    with Image.open(pngs[0]) as page:
        page.load()
        assert page.width > page.height  # landscape

    # The citation and the data version, in full, however long the citation is.
    found = text(pdf)
    assert squeezed(the_brief.citation) in squeezed(found)
    assert VERSION in found

    # Nothing cut off at the page edges, nothing drawn on top of something else.
    boxes = words(pdf)
    info_ = info(pdf)
    page_w, page_h = (float(v) for v in re.findall(r"[\d.]+", info_["Page size"])[:2])
    outside = [
        w
        for x0, y0, x1, y1, w in boxes
        if x0 < MARGIN_PT - 1 or y0 < MARGIN_PT - 1
        or x1 > page_w - MARGIN_PT + 1 or y1 > page_h - MARGIN_PT + 1
    ]  # fmt: skip
    assert not outside, f"words outside the margins: {outside[:10]}"
    assert not overlaps(boxes), f"words drawn over each other: {overlaps(boxes)[:10]}"


def test_the_overlap_check_sees_overlapping_words():
    """The layout check above can fail: two words in the same place are caught."""
    word = (100.0, 100.0, 140.0, 110.0, "one")
    assert overlaps([word, (105.0, 102.0, 150.0, 112.0, "two")]) == [("one", "two")]
    assert overlaps([word, (100.0, 110.0, 140.0, 120.0, "below")]) == []


def test_the_page_renders_and_prints_what_the_analyst_cites(tmp_path):
    pdf = write(tmp_path, brief())
    pngs = pages_as_png(pdf, tmp_path)
    assert len(pngs) == 1
    with Image.open(pngs[0]) as page:
        page.verify()

    found = text(pdf)
    assert PERMALINK in found  # the link on one line, where a reader can copy it
    assert squeezed(f"Data version 3f2a9c1b7d4e. Permalink: {PERMALINK}") in squeezed(found)
    assert VERSION in found
    assert "at least 120,000" in found  # the source's words, verbatim
    assert "around 100,000" in found
    assert "Disputed by: Kiripost" in found
    assert HOSTILE in found  # printed literally, not as bold "Bold & Co"
    assert "2026-12-01 09:14 UTC" in found
    assert "Countries: Myanmar, Thailand" in found
    assert "Status as of: 2025-06-30" in found
    assert "Map as shown: 23 markers, offline basemap" in found
    assert "3 sites are unverified" in found
    assert "Map image not captured" not in found
    assert "more site" not in found  # all three sites fit


def test_metadata(tmp_path):
    meta = info(write(tmp_path, brief(citation=f"First line of it\nsecond line {PERMALINK}")))
    assert meta["Title"] == "Scam Centre Atlas: view as of 2026-12-01"
    assert meta["Subject"] == "First line of it"
    assert meta["Creator"] == "Scam Centre Atlas"
    assert VERSION in meta["Keywords"]
    assert meta["Page size"].endswith("(A4)")


def test_sources_and_permalink_are_links(tmp_path):
    hostile_url = 'javascript:alert("x")'
    numbers = [number(), number(1, url=hostile_url, source="A source with a bad link")]
    pdf = write(tmp_path, brief(numbers=numbers))
    urls = {line.split()[-1] for line in run("pdfinfo", "-url", pdf).splitlines()[1:]}
    assert urls == {PERMALINK, "https://bangkok.ohchr.org/online-scam-operations-0.pdf"}
    assert "A source with a bad link" in text(pdf)  # printed, just not clickable


def test_more_sites_than_fit_are_counted(tmp_path):
    names = [f"Site {i:04d}" for i in range(500)]
    found = text(write(tmp_path, brief(sites=[site(n, i) for i, n in enumerate(names)])))
    shown = [n for n in names if n in found]
    assert shown == names[: len(shown)]  # the first ones, in order
    assert len(shown) >= 15  # a useful number, not a token few
    more = 500 - len(shown)
    assert f"… and {more} more sites: see sites.csv in the evidence pack" in found
    assert "Sites in this view (500)" in found


def test_the_count_of_sites_left_out_is_exact_and_grammatical(tmp_path):
    """Just past what fits, the count is exact: "1 more site", "2 more sites"."""
    names = [f"Site {i:04d}" for i in range(500)]
    everything = text(write(tmp_path, brief(sites=[site(n) for n in names])))
    fits = len([n for n in names if n in everything])
    for total in range(fits + 1, fits + 5):
        found = text(write(tmp_path, brief(sites=[site(n) for n in names[:total]])))
        left = total - len([n for n in names if n in found])
        said = re.findall(r"… and (\d+) more (sites?): see sites.csv in the evidence pack", found)
        if left == 0:
            assert said == []
        else:
            assert said == [(str(left), "site" if left == 1 else "sites")]


def test_more_key_numbers_than_fit_are_counted(tmp_path):
    numbers = [number(i, words=f"number {i:02d} in words") for i in range(40)]
    found = text(write(tmp_path, brief(numbers=numbers)))
    shown = [n.words for n in numbers if n.words in found]
    assert shown == [n.words for n in numbers[: len(shown)]]
    assert len(shown) >= 4
    assert f"… and {40 - len(shown)} more key numbers" in found


@pytest.mark.parametrize(
    ("png", "message"),
    [(None, "Map image not captured"), (b"not a png", "Map image could not be read")],
    ids=["none", "garbage"],
)
def test_without_a_map_image_a_framed_note_prints(tmp_path, png, message):
    found = text(write(tmp_path, brief(map_png=png)))
    assert message in found
    assert "Map as shown: 23 markers" in found


def magenta_box(page: Path) -> tuple[int, int, int, int]:
    with Image.open(page) as image:
        rgb = image.convert("RGB")
    mask = Image.eval(rgb.split()[1], lambda g: 255 if g < 60 else 0)  # green ~0: magenta
    red = Image.eval(rgb.split()[0], lambda r: 255 if r > 200 else 0)
    blue = Image.eval(rgb.split()[2], lambda b: 255 if b > 200 else 0)
    from PIL import ImageChops

    box = ImageChops.multiply(ImageChops.multiply(mask, red), blue).getbbox()
    assert box, "map image not on the page"
    return box


@pytest.mark.parametrize("size", [(1200, 800), (400, 1000), (2400, 600)])
def test_the_map_keeps_its_shape_and_stays_in_its_region(tmp_path, size):
    pdf = write(tmp_path, brief(map_png=map_png(*size)))
    [page] = pages_as_png(pdf, tmp_path, dpi=72)  # 1 px = 1 pt
    left, top, right, bottom = magenta_box(page)
    assert right - left == pytest.approx(size[0] / size[1] * (bottom - top), rel=0.04)
    with Image.open(page) as image:
        width, height = image.size
    assert left >= MARGIN_PT - 1 and top >= MARGIN_PT - 1
    assert right <= width / 2  # the left half of the page
    assert bottom <= height * 0.75  # leaves room for the filters, caveats and citation
    assert right - left >= 250 or bottom - top >= 250  # big enough to read


def test_hostile_and_non_latin_text_prints_literally(tmp_path):
    names = [
        '<script>alert("x")</script>',
        'Tom & Jerry\'s "compound" &amp; <i>',
        "បាវិត (Bavet) compound",
        "ရွှေကုက္ကို (Shwe Kokko)",
        "金三角经济特区 (Golden Triangle SEZ)",
        "Nul\x00and\x07bell",
        "lone surrogate \ud800 here",
        "X" * 300,  # one long word: broken over lines, not past the column
    ]
    the_brief = brief(
        title="<title> & 'quotes'",
        sites=[site(n, i) for i, n in enumerate(names)],
        numbers=[number(words="<b>at least</b> 5 & more", what="“quoted” — dashed · dotted")],
        caveats=["<br/> is not a line break here"],
        filters=["Search: <a href='x'>"],
    )
    pdf = write(tmp_path, the_brief)
    assert info(pdf)["Pages"] == "1"
    found = text(pdf)
    squeezed_text = squeezed(found)
    for literal in [
        '<script>alert("x")</script>',
        'Tom & Jerry\'s "compound" &amp; <i>',
        "(Bavet) compound",
        "(Shwe Kokko)",
        "(Golden Triangle SEZ)",
        "<b>at least</b> 5 & more",
        "“quoted” — dashed · dotted",
        "<br/> is not a line break here",
        "Search: <a href='x'>",
        "<title> & 'quotes'",
    ]:
        assert squeezed(literal) in squeezed_text, literal  # cells wrap long names
    assert squeezed_text.count("X") == 300  # all of it, wrapped inside its cell
    assert not overlaps(words(pdf))


def test_same_brief_same_bytes():
    assert brief_pdf(brief()) == brief_pdf(brief())
