"""The evidence pack's pure core (components.export): data version, permalink, cited
sources, the ZIP's files, manifest and hashes, the map image's caption strip."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import math
import shutil
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageDraw

from components.analysis.dataset import prepare
from components.analysis.filters import (
    Options,
    View,
    event_mask,
    site_mask,
    view_from_params,
)
from components.data import load_atlas
from components.data.version import DATA_FILES, data_version
from components.export import caption, provenance, tables
from components.export import pack as evidence

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def atlas():
    return load_atlas(DATA).atlas


@pytest.fixture(scope="module")
def prepared(atlas, tmp_path_factory):
    return prepare(atlas, publish_dir=tmp_path_factory.mktemp("generated"))


def map_png(width: int = 400, height: int = 300) -> bytes:
    image = Image.new("RGB", (width, height), (230, 230, 225))
    draw = ImageDraw.Draw(image)
    draw.rectangle([50, 50, 80, 80], fill=(213, 94, 0))
    draw.ellipse([200, 120, 230, 150], fill=(0, 114, 178))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def browser_value(**extra) -> dict:
    value = {
        "png": data_url(map_png()),
        "legend": data_url(map_png(120, 500)),
        "markers": 7,
        "clusters": 2,
        "basemap": "offline",
        "view": "7/19.5613/99.2005",
        "scale": 2,
        "nonce": "1",
    }
    value.update(extra)
    return value


def pack_input(atlas, prepared, view: View, capture=None, include_upload=False, mine=None):
    """The frames the page would pass for ``view`` (as dashboard.py builds them)."""
    as_of = view.as_of or "2026-12-01"
    status = prepared.status.at(as_of)
    mask = site_mask(atlas.locations, view, prepared.haystack, status)
    ev = event_mask(atlas.events, prepared.event_rows, mask, replace(view, as_of=as_of))
    sites = evidence.with_status(atlas.locations[mask], status, mask)
    if mine is not None:
        sites = pd.concat(
            [sites.assign(origin="atlas"), mine.assign(origin="your upload")], ignore_index=True
        )
    rows, contradictions = evidence.panel_figures(sites, atlas)
    version = data_version(DATA)
    link = provenance.permalink("http://localhost:8501/", view, as_of, "7/19.5/99.2")
    lines = provenance.filter_lines(view, as_of)
    cite = provenance.citation(
        sites=len(sites),
        countries=("MM",),
        as_of=as_of,
        version=version,
        link=link,
        accessed=NOW,
        filters=lines,
    )
    record = evidence.ViewRecord(view, as_of, link, version, NOW, lines, cite)
    return evidence.PackInput(
        record=record,
        sites=sites,
        events=atlas.events[ev],
        figures=rows,
        contradictions=contradictions,
        sources=atlas.sources,
        capture=capture,
        capture_problem="" if capture else "The map image was not captured.",
        include_upload=include_upload,
    )


# A full pack's files, in order (the spec, written out: not the module's own constant).
FULL_PACK = [
    "README.txt", "CITATION.txt", "sites.csv", "sites.geojson", "events.csv",
    "figures.csv", "contradictions.csv", "sources.csv", "map.png", "brief.pdf",
    "manifest.json", "SHA256SUMS",
]  # fmt: skip


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def checked_files(data: bytes) -> dict[str, bytes]:
    """The pack's files, after checking each against manifest.json and SHA256SUMS."""
    files = unzip(data)
    manifest = json.loads(files["manifest.json"])
    for entry in manifest["files"]:
        assert entry["bytes"] == len(files[entry["name"]]), entry
        assert entry["sha256"] == hashlib.sha256(files[entry["name"]]).hexdigest(), entry
    sums = dict(reversed(line.split("  ", 1)) for line in files["SHA256SUMS"].decode().splitlines())
    assert set(sums) == set(files) - {"SHA256SUMS"}
    for name, sha in sums.items():
        assert hashlib.sha256(files[name]).hexdigest() == sha, name
    return files


def csv_rows(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf"), "no BOM: Excel would misread non-Latin names"
    assert b"\r\n" in data
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


# ---------------------------------------------------------------- data version


def test_data_version_names_every_data_file_and_changes_with_one_byte(tmp_path):
    for name in DATA_FILES:
        shutil.copy(DATA / name, tmp_path / name)
    first = data_version(tmp_path)
    assert first == data_version(DATA)
    assert list(first.files) == list(DATA_FILES)
    assert (
        first.files["sources.csv"]
        == hashlib.sha256((DATA / "sources.csv").read_bytes()).hexdigest()
    )
    assert len(first.sha256) == 64 and first.short == first.sha256[:12]
    with (tmp_path / "events.csv").open("ab") as handle:
        handle.write(b"\n")
    assert data_version(tmp_path).sha256 != first.sha256
    (tmp_path / "locations.csv").unlink()
    with pytest.raises(FileNotFoundError):
        data_version(tmp_path)


# ---------------------------------------------------------------- permalink


def test_permalink_pins_the_date_and_reopens_the_same_view():
    view = View(countries=("MM", "TH"), zones=("compound",), query="Bamban, Tarlac")
    link = provenance.permalink("https://atlas.example.org/app?country=KH", view, "2025-06-30")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "atlas.example.org", "/app")
    params = parse_qs(parts.query)
    assert params["asof"] == ["2025-06-30"]
    assert params["country"] == ["MM,TH"]  # the page's own old query is not carried over
    options = Options(
        countries=("KH", "MM", "TH"),
        zones=("compound",),
        confidences=(),
        first_date="2020-01-01",
        last_date="2026-12-01",
    )
    reopened, _ = view_from_params(params, options)
    assert reopened.countries == ("MM", "TH")
    assert reopened.query == "Bamban, Tarlac"
    assert reopened.as_of == "2025-06-30"
    with_map = provenance.permalink("", view, "2025-06-30", "9/16.6/98.5")
    assert with_map.startswith("http://localhost:8501/?") and "map=9/16.6/98.5" in with_map


def test_filter_lines_say_all_for_open_parts():
    lines = provenance.filter_lines(View(countries=("MM",)), "2025-06-30", "KK Park")
    assert lines[0] == "Status as of: 2025-06-30"
    assert "Countries: Myanmar" in lines
    assert "Zone types: all" in lines
    assert lines[-1] == "Selected site: KK Park"


# ---------------------------------------------------------------- the pack


def test_pack_holds_every_file_and_its_hashes_match(atlas, prepared):
    capture = evidence.MapCapture.from_browser(browser_value())
    content = pack_input(
        atlas, prepared, View(countries=("MM",), as_of="2025-06-30"), capture=capture
    )
    built = evidence.build_pack(content)
    files = checked_files(built.zip)
    assert list(files) == FULL_PACK
    manifest = json.loads(files["manifest.json"])
    assert manifest["data_version"]["sha256"] == data_version(DATA).sha256
    assert manifest["map"]["markers"] == 7 and manifest["map"]["clusters"] == 2
    assert manifest["counts"]["sites"] == len(content.sites) > 0
    assert manifest["counts"]["events"] == len(content.events) > 0
    assert files["brief.pdf"].startswith(b"%PDF")
    numbers = evidence.key_numbers(content.figures, atlas.sources)
    assert any(n.country == "Myanmar" and n.words == "at least 120,000" for n in numbers)


def test_a_joint_figure_is_not_given_to_one_country(atlas, prepared):
    content = pack_input(atlas, prepared, View(countries=("TH",), as_of="2026-03-31"))
    numbers = evidence.key_numbers(content.figures, atlas.sources)
    joint = [n for n in numbers if n.words == "at least tens of thousands"]
    assert joint, [n.words for n in numbers]
    assert all(n.country.endswith("together (one joint figure)") for n in joint)
    assert all("Thailand" in n.country and "Laos" in n.country for n in joint)


def test_pack_tables_match_the_view_and_every_source_resolves(atlas, prepared):
    content = pack_input(atlas, prepared, View(countries=("MM",), as_of="2025-06-30"))
    files = unzip(evidence.build_pack(content).zip)
    sites, events = csv_rows(files["sites.csv"]), csv_rows(files["events.csv"])
    figures, sources = csv_rows(files["figures.csv"]), csv_rows(files["sources.csv"])
    assert [r["site_id"] for r in sites] == content.sites["site_id"].tolist()
    assert [r["event_id"] for r in events] == content.events["event_id"].tolist()
    assert {r["country"] for r in sites} == {"MM"}
    # Statuses as of the pack's date, as the map draws them, not today's.
    row = int(np.flatnonzero(atlas.locations["site_id"] == "kk_park")[0])
    then = prepared.status.at("2025-06-30").code[row]
    later = prepared.status.at("2026-12-01").code[row]
    assert then != later
    kk = next(r for r in sites if r["site_id"] == "kk_park")
    assert kk["status"] == then
    # Words stay words: the OHCHR figure is in its own words.
    assert any(r["value_text"] == "at least 120,000" for r in figures)
    ids = [r["source_id"] for r in sources]
    assert len(ids) == len(set(ids))
    cited = provenance.ids_in(
        [r["source_ids"] for r in sites]
        + [r["status_source_id"] for r in sites]
        + [r["source_id"] for r in events]
        + [r["disputed_by"] for r in events]
        + [r["source_id"] for r in figures]
        + [r["disputed_by"] for r in figures]
        + [r["source_ids"] for r in csv_rows(files["contradictions.csv"])]
    )
    assert set(cited) == set(ids), "sources.csv must hold every cited source and no other"
    assert all(r["url"].startswith("http") and r["quote"] for r in sources)


def test_pack_geojson_is_rfc7946(atlas, prepared):
    content = pack_input(atlas, prepared, View(as_of="2025-06-30"))
    files = unzip(evidence.build_pack(content).zip)
    collection = json.loads(files["sites.geojson"], parse_constant=pytest.fail)
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection  # RFC 7946 §4: WGS 84 only, no crs member
    by_id = content.sites.set_index("site_id")
    assert len(collection["features"]) == len(by_id)
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        lon, lat = feature["geometry"]["coordinates"]
        assert feature["geometry"]["type"] == "Point"
        row = by_id.loc[feature["properties"]["site_id"]]
        assert (lon, lat) == (pytest.approx(row["lon"]), pytest.approx(row["lat"]))
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert all(s["url"] and s["quote"] for s in feature["properties"]["sources"])


def test_blank_cells_become_null_not_nan(atlas):
    sites = atlas.locations.head(2).copy()
    sites["admin1"] = [float("nan"), "Kayin State"]
    collection = json.loads(tables.to_geojson(sites, atlas.sources))
    assert collection["features"][0]["properties"]["admin1"] is None


def test_upload_stays_out_unless_ticked(atlas, prepared):
    mine = pd.DataFrame(
        {
            "site_id": ["u_1"],
            "name": ["My secret lead"],
            "country": ["MM"],
            "zone_type": ["compound"],
            "precision": ["compound"],
            "lat": [16.7],
            "lon": [98.5],
            "confidence": ["low"],
            "source_ids": [""],
        }
    )
    view = View(countries=("MM",), as_of="2025-06-30")
    left_out = unzip(evidence.build_pack(pack_input(atlas, prepared, view, mine=mine)).zip)
    for name, data in left_out.items():
        assert b"My secret lead" not in data, name
    assert json.loads(left_out["manifest.json"])["includes_upload"] is False
    kept = unzip(
        evidence.build_pack(pack_input(atlas, prepared, view, mine=mine, include_upload=True)).zip
    )
    assert any(r["name"] == "My secret lead" for r in csv_rows(kept["sites.csv"]))
    assert json.loads(kept["manifest.json"])["includes_upload"] is True
    assert "not checked by the atlas team" in kept["README.txt"].decode()


def test_without_a_map_image_the_pack_says_so(atlas, prepared):
    content = pack_input(atlas, prepared, View(as_of="2025-06-30"))
    content = replace(content, capture_problem="The map image could not be made: timeout.")
    files = unzip(evidence.build_pack(content).zip)
    assert "map.png" not in files
    manifest = json.loads(files["manifest.json"])
    assert manifest["map"] is None and "timeout" in manifest["map_problem"]
    assert "not in this pack" in files["README.txt"].decode()


def test_citation_and_readme_carry_the_view(atlas, prepared):
    view = View(countries=("MM",), as_of="2025-06-30")
    content = pack_input(atlas, prepared, view)
    files = unzip(evidence.build_pack(content).zip)
    citation = files["CITATION.txt"].decode()
    version = data_version(DATA)
    assert content.record.permalink in citation and "asof=2025-06-30" in citation
    assert version.sha256 in citation and version.short in content.record.citation.short
    readme = files["README.txt"].decode()
    for code in ("compound:", "low:", "raided:", "at_least:", "qualitative:"):
        assert code in readme
    assert "Countries: Myanmar" in readme
    assert f"the {len(content.events)} events the Events panel lists" in readme
    one = evidence.build_pack(replace(content, events=content.events.head(1)))
    assert "the 1 event the Events panel lists" in unzip(one.zip)["README.txt"].decode()


# ---------------------------------------------------------------- the map image


def test_capture_is_refused_with_a_reason():
    with pytest.raises(evidence.CaptureError, match="timeout"):
        evidence.MapCapture.from_browser({"error": "timeout"})
    with pytest.raises(evidence.CaptureError, match="no PNG"):
        evidence.MapCapture.from_browser({"png": "data:image/jpeg;base64,AAAA"})
    with pytest.raises(evidence.CaptureError, match="base64"):
        evidence.MapCapture.from_browser({"png": "data:image/png;base64,@@@"})
    not_png = "data:image/png;base64," + base64.b64encode(b"<svg/>").decode()
    with pytest.raises(evidence.CaptureError, match="not a PNG"):
        evidence.MapCapture.from_browser({"png": not_png})
    with pytest.raises(evidence.CaptureError, match="numbers"):
        evidence.MapCapture.from_browser(browser_value(markers="many"))


def test_caption_strip_and_legend_are_burnt_into_the_image():
    png = map_png(400, 300)
    legend = map_png(100, 600)  # taller than the map: shrunk to its height
    out = Image.open(io.BytesIO(caption.captioned(png, "Scam Centre Atlas", ["a" * 300], legend)))
    assert out.size[0] > 400 and out.size[0] < 400 + 100  # legend beside, shrunk
    assert out.size[1] > 300 + 40  # the strip below
    strip = np.asarray(out.convert("L"))[305:, :]
    assert (strip < 100).mean() > 0.005, "the strip holds no text"
    original = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert np.array_equal(np.asarray(out.convert("RGB"))[:300, :400], original)
    with pytest.raises(caption.ImageError):
        caption.captioned(b"not a png", "t", [])


def test_capture_summary_reads_as_a_sentence():
    capture = evidence.MapCapture.from_browser(browser_value(markers=1, clusters=0))
    assert capture.summary == (
        "Map as shown: 1 site marker, offline basemap, view 7/19.5613/99.2005"
    )
    assert not math.isnan(capture.scale)
