"""The evidence pack in the real browser: set filters and an as-of date, prepare and
download the pack, unzip it, and check it against what the page shows; then the brief."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image
from playwright.sync_api import Frame, Page, expect

from tests.harness import map_frame, wait_for_app
from tests.test_evidence_pack import FULL_PACK, checked_files

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CAPTURE_FRAME = 'iframe[title="components.ui.evidence.evidence_capture"]'

# Site and cluster markers whose box meets the map's frame, as a person sees them.
COUNT_MARKERS = """() => {
  const box = window.atlas.map.getContainer().getBoundingClientRect();
  const seen = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.right > box.left && r.left < box.right
      && r.bottom > box.top && r.top < box.bottom;
  };
  const all = [...document.querySelectorAll('.leaflet-marker-icon')].filter(seen);
  const mine = (el) => el.getAttribute('data-status') === 'upload';
  return {
    markers: all.filter((el) => el.classList.contains('atlas-site') && !mine(el)).length,
    clusters: all.filter((el) => el.classList.contains('atlas-cluster')).length,
    uploaded: all.filter(mine).length,
  };
}"""


def _metric(page: Page, label: str) -> int:
    box = page.get_by_test_id("stMetric").filter(has_text=label)
    return int(box.get_by_test_id("stMetricValue").inner_text().replace(",", ""))


def _rows(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data  # opens cleanly in Excel
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _download(page: Page, name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("button", name=name).click()
    return Path(info.value.path()).read_bytes()


def _prepare(page: Page) -> None:
    page.frame_locator(CAPTURE_FRAME).get_by_role("button", name="Prepare evidence pack").click()
    expect(page.get_by_role("button", name="Download evidence pack (ZIP)")).to_be_visible(
        timeout=60_000
    )


def test_pack_of_a_filtered_dated_view_matches_the_page(app_url, page, shot, tmp_path):
    # Filters from a link, then the date moved back one month in the sidebar.
    page.goto(f"{app_url}/?country=MM&asof=2025-07-31")
    wait_for_app(page)
    page.get_by_role("button", name="◀ 1 month").click()
    wait_for_app(page)
    expect(page.get_by_text(re.compile(r"^Status as of 2025-06-30:"))).to_be_visible()
    frame: Frame = map_frame(page)
    sites_shown, events_shown = _metric(page, "Sites shown"), _metric(page, "Events shown")
    assert sites_shown > 0 and events_shown > 0

    page.get_by_role("tab", name="Export").click()
    wait_for_app(page)
    citation = page.get_by_test_id("stCode").first.inner_text()
    assert "status as of 2025-06-30" in citation and "asof=2025-06-30" in citation
    _prepare(page)
    on_page = frame.evaluate(COUNT_MARKERS)
    shot("ready")
    data = _download(page, "Download evidence pack (ZIP)")

    files = checked_files(data)  # every file is the one manifest.json and SHA256SUMS hash
    assert list(files) == FULL_PACK
    manifest = json.loads(files["manifest.json"])
    assert manifest["view"]["as_of"] == "2025-06-30"
    assert "Countries: Myanmar" in manifest["view"]["filters"]
    assert manifest["data_version"]["short"] in citation

    # Row counts are what the page shows.
    sites, events = _rows(files["sites.csv"]), _rows(files["events.csv"])
    assert len(sites) == sites_shown and {r["country"] for r in sites} == {"MM"}
    assert len(events) == events_shown
    figures, sources = _rows(files["figures.csv"]), _rows(files["sources.csv"])
    assert figures and any(r["value_text"] == "at least 120,000" for r in figures)

    # Every source id in the pack resolves in sources.csv.
    known = {r["source_id"] for r in sources}
    cited = set()
    for rows, columns in (
        (sites, ("source_ids", "status_source_id")),
        (events, ("source_id", "disputed_by")),
        (figures, ("source_id", "disputed_by")),
        (_rows(files["contradictions.csv"]), ("source_ids",)),
    ):
        for r in rows:
            for column in columns:
                cited |= {i.strip() for i in r[column].split(";") if i.strip()}
    assert cited and cited == known

    # RFC 7946 GeoJSON: a FeatureCollection of points, [lon, lat] in WGS 84, no crs.
    collection = json.loads(files["sites.geojson"])
    assert collection["type"] == "FeatureCollection" and "crs" not in collection
    assert len(collection["features"]) == sites_shown
    by_id = {r["site_id"]: r for r in sites}
    for feature in collection["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        row = by_id[feature["properties"]["site_id"]]
        assert (lon, lat) == pytest.approx((float(row["lon"]), float(row["lat"])))

    # map.png: the same markers as the page, counted in the DOM it was drawn from.
    assert on_page["uploaded"] == 0
    assert (manifest["map"]["markers"], manifest["map"]["clusters"]) == (
        on_page["markers"],
        on_page["clusters"],
    )
    assert on_page["markers"] + on_page["clusters"] > 0
    assert manifest["map"]["basemap"] == "offline"  # no internet here
    image = Image.open(io.BytesIO(files["map.png"]))
    css_width = frame.evaluate("() => window.atlas.map.getContainer().clientWidth")
    assert image.size[0] >= 2 * css_width  # drawn at twice the screen's pixels, + legend
    colours = image.convert("RGB").resize((200, 200)).getcolors(40_000)
    assert colours is not None and len(colours) > 50  # a picture, not a blank frame
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "evidence_pack-map.png").write_bytes(files["map.png"])

    # The brief: opens, renders, and its text holds the citation and data version.
    pdf = _download(page, "Download one-page brief (PDF)")
    assert pdf == files["brief.pdf"]
    brief = tmp_path / "brief.pdf"
    brief.write_bytes(pdf)
    for old in ARTIFACTS.glob("evidence_pack-brief*.png"):
        old.unlink()
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (poppler-utils) is missing: scripts/setup.sh --dev installs it")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(brief), str(ARTIFACTS / "evidence_pack-brief")],
        check=True,
    )
    pages = sorted(ARTIFACTS.glob("evidence_pack-brief*.png"))
    assert len(pages) == 1, pages
    text = subprocess.run(
        ["pdftotext", "-layout", str(brief), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(text.split())
    assert manifest["data_version"]["short"] in flat
    assert "asof=2025-06-30" in flat.replace(" ", "")


def test_a_changed_view_asks_for_a_new_pack(app_url, page):
    page.goto(f"{app_url}/?country=PH")
    wait_for_app(page)
    map_frame(page)
    page.get_by_role("tab", name="Export").click()
    wait_for_app(page)
    _prepare(page)
    page.get_by_role("button", name="Reset filters").click()
    wait_for_app(page)
    expect(page.get_by_text("The view changed since the pack was prepared")).to_be_visible()
    expect(page.get_by_role("button", name="Download evidence pack (ZIP)")).to_have_count(0)
    # The events and figures download on their own too.
    expect(page.get_by_role("button", name=re.compile(r"^Download events \(CSV"))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Download figures \(CSV"))).to_be_visible()


LEAD = "My private lead <b>x</b>"


def _pack(page: Page) -> dict[str, bytes]:
    return checked_files(_download(page, "Download evidence pack (ZIP)"))


def test_an_upload_stays_out_of_the_pack_unless_ticked(app_url, page, shot, tmp_path):
    path = tmp_path / "leads.csv"
    pd.DataFrame(
        [
            {
                "site_id": "u_lead",
                "name": LEAD,
                "country": "TH",
                "zone_type": "compound",
                "precision": "compound",
                "lat": 12.57,
                "lon": 99.95,
                "confidence": "medium",
            }
        ]
    ).to_csv(path, index=False)
    page.goto(app_url)
    wait_for_app(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    expect(page.get_by_text("1 of your sites is on the map")).to_be_visible(timeout=60_000)
    frame = map_frame(page)
    frame.wait_for_function("() => window.atlas.stats.uploaded === 1")
    page.get_by_role("tab", name="Export").click()
    wait_for_app(page)

    _prepare(page)
    on_page = frame.evaluate(COUNT_MARKERS)
    assert on_page["uploaded"] == 1  # the lead is on the screen...
    files = _pack(page)
    for name, data in files.items():  # ...and nowhere in the pack
        assert b"My private lead" not in data, name
    manifest = json.loads(files["manifest.json"])
    assert manifest["includes_upload"] is False
    # The citation counts the sites in the pack, not the analyst's upload.
    cited = re.search(r"view of ([\d,]+) sites?", files["CITATION.txt"].decode())
    assert cited and int(cited.group(1).replace(",", "")) == manifest["counts"]["sites"]
    assert manifest["map"]["markers"] == on_page["markers"]  # its marker is not drawn

    page.get_by_text("Include my uploaded sites in the pack").click()
    wait_for_app(page)
    expect(page.get_by_role("button", name="Download evidence pack (ZIP)")).to_have_count(0)
    _prepare(page)
    shot("with-upload")
    files = _pack(page)
    names = [r["name"] for r in _rows(files["sites.csv"])]
    assert LEAD in names  # as text, exactly
    manifest = json.loads(files["manifest.json"])
    assert manifest["includes_upload"] is True
    assert manifest["map"]["markers"] == on_page["markers"] + 1
