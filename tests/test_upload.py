"""An analyst's upload: validation with the atlas's validator, limits, geocoding, outages."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from components import upload
from components.geocode import GeocodeCache, make_geocoder
from tests.nominatim_stub import NominatimStub, Reply, place

ROOT = Path(__file__).resolve().parents[1]
SOURCES = set(pd.read_csv(ROOT / "data" / "sources.csv", dtype=str)["source_id"])
ATLAS_IDS = set(pd.read_csv(ROOT / "data" / "locations.csv", dtype=str)["site_id"])
HEADER = ["site_id", "name", "country", "zone_type", "precision", "lat", "lon", "confidence"]


def csv_bytes(rows: list[dict], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def row(site_id: str, name: str, country: str, lat: str = "", lon: str = "", **extra) -> dict:
    base = {
        "site_id": site_id,
        "name": name,
        "country": country,
        "zone_type": "compound",
        "precision": "compound",
        "lat": lat,
        "lon": lon,
        "confidence": "medium",
    }
    return base | extra


def check(raw: bytes, name: str = "mine.csv") -> upload.UploadResult:
    return upload.check_upload(raw, name, SOURCES, ATLAS_IDS)


def test_good_rows_are_kept_and_bad_rows_listed():
    raw = csv_bytes(
        [
            row("u1", "Compound A", "KH", "11.56", "104.92"),
            row("u2", "Compound B", "XX", "11.56", "104.92"),
            row("u3", "Compound C", "KH", "95", "104.92"),
            row("u4", "Compound D", "KH"),
        ]
    )
    result = check(raw)
    assert result.error is None
    assert list(result.frame["site_id"]) == ["u1", "u4"]
    assert len(result.problems) == 2
    assert "mine.csv, row 3, column country: 'XX'" in result.problems[0]
    assert "mine.csv, row 4, column lat: '95'" in result.problems[1]
    assert list(result.mapped["site_id"]) == ["u1"]  # u4 waits for the geocoder


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "the file is empty"),
        (b"site_id,name\nx,Caf\x81\x8d\n", "not UTF-8"),  # undefined in every code page tried
        (b"a,b\n1,2\n", "missing required column(s)"),
        (csv_bytes([]), "has a header but no rows"),
        # Issue 13: the refusal read "is 2.1 MB; the limit is 2.1 MB".
        (
            b"x" * (upload.MAX_UPLOAD_BYTES + 1),
            "is 2,097,153 bytes (2.00 MiB); the limit is 2,097,152 bytes (2 MiB)",
        ),
    ],
)
def test_whole_file_refusals_name_the_problem(raw, message):
    result = check(raw)
    assert result.error is not None and message in result.error
    assert result.frame.empty


def test_row_limit():
    rows = [row(f"u{i}", f"Site {i}", "KH", "11.5", "104.9") for i in range(5001)]
    result = check(csv_bytes(rows))
    assert "5,001 rows; the limit is 5,000" in result.error


def test_clashing_ids_and_unknown_sources_are_problems():
    raw = csv_bytes(
        [
            row("kk_park", "My KK Park", "MM", "16.65", "98.52"),
            row("u2", "B", "KH", "11.56", "104.92", source_ids="S001;NOPE"),
            row("u3", "C", "KH", "11.56", "104.92", source_ids="S001"),
        ],
        HEADER + ["source_ids"],
    )
    result = check(raw)
    assert list(result.frame["site_id"]) == ["u3"]
    text = " ".join(result.problems)
    assert "already an atlas site id" in text and "NOPE" in text


def test_point_in_the_wrong_country_is_refused():
    result = check(csv_bytes([row("u1", "Bangkok?", "KH", "13.75", "100.5")]))
    assert result.frame.empty and "outside KH" in result.problems[0]


def test_html_is_kept_as_data():
    payload = "<img src=x onerror=alert(1)>"
    result = check(csv_bytes([row("u1", payload, "KH", "11.56", "104.92")]))
    assert result.frame.iloc[0]["name"] == payload  # escaping is the display's job


def test_offline_gazetteer_places_rows_and_download_keeps_them():
    raw = csv_bytes([row("u1", "Myawaddy", "MM"), row("u2", "Bavet", "KH", "11.06", "106.13")])
    result = upload.geocode_upload(check(raw), [make_geocoder("gazetteer")], GeocodeCache(None))
    assert result.unresolved == [] and result.geocoded == 1
    placed = result.mapped.set_index("site_id")
    assert placed.loc["u1", "lat"] == pytest.approx(16.689, abs=0.01)
    back = pd.read_csv(io.BytesIO(result.download()))
    assert back.loc[0, "coord_source"].startswith("geocoded: gazetteer")


def test_geocoder_outage_keeps_what_was_resolved():
    raw = csv_bytes(
        [
            row("u1", "Myawaddy", "MM"),  # the offline gazetteer knows it
            row("u2", "Compound X", "KH"),  # only Nominatim could, and it is down
            row("u3", "Compound Y", "KH"),
        ]
    )
    with NominatimStub() as stub:
        stub.on("Compound X", Reply("oops", status=500))
        stub.on("Compound Y", Reply([place("Compound Y", 11.5, 104.9, "kh")]))
        nominatim = make_geocoder(
            "nominatim", url=stub.url, timeout=2, max_retries=0, error_wait_seconds=1
        )
        result = upload.geocode_upload(
            check(raw), [make_geocoder("gazetteer"), nominatim], GeocodeCache(None)
        )
    assert set(result.mapped["site_id"]) == {"u1", "u3"}
    assert len(result.unresolved) == 1
    assert "row 3 'Compound X'" in result.unresolved[0]
    assert "500" in result.unresolved[0] or "error" in result.unresolved[0].lower()


# --- other tools' files: column mapping and GIS formats ------------------------------

FOREIGN = (
    "Site ID,Site name,Latitude,Longitude,Country,Zone,Precision,Confidence\n"
    "u1,KK Park (mine),16.65,98.52,Burma,compound,compound,medium\n"
    "u2,Bavet casino,11.06,106.13,Cambodia,casino_complex,compound,low\n"
)


def test_read_upload_gives_headers_before_any_check():
    table = upload.read_upload(FOREIGN.encode(), "felt.csv")
    assert table.kind == "csv"
    assert table.headers[:3] == ["Site ID", "Site name", "Latitude"]
    assert len(table.frame) == 2


def test_foreign_headers_and_country_names_are_read_with_the_suggested_mapping():
    result = check(FOREIGN.encode(), "felt.csv")
    assert result.error is None, result.error
    assert result.problems == []
    assert list(result.mapped["site_id"]) == ["u1", "u2"]
    assert list(result.mapped["country"]) == ["MM", "KH"]
    assert result.mapped["lat"].tolist() == [16.65, 11.06]
    assert "column 'Latitude' read as lat" in result.notes
    assert (
        "country names converted to ISO codes: Burma→MM (1 row), Cambodia→KH (1 row)"
        in result.notes
    )


def test_an_explicit_mapping_is_used():
    raw = FOREIGN.replace("Zone,", "Kind,").encode()
    table = upload.read_upload(raw, "felt.csv")
    mapping = upload.suggest_mapping(table.headers)
    assert mapping["zone_type"] is None  # "Kind" is no synonym
    result = upload.check_table(table, mapping | {"zone_type": "Kind"}, SOURCES, ATLAS_IDS)
    assert result.error is None and len(result.mapped) == 2
    assert "column 'Kind' read as zone_type" in result.notes


def test_a_missing_column_after_mapping_is_named():
    table = upload.read_upload(FOREIGN.encode(), "felt.csv")
    mapping = upload.suggest_mapping(table.headers) | {"confidence": None}
    result = upload.check_table(table, mapping, SOURCES, ATLAS_IDS)
    assert "missing required column(s): confidence" in result.error


def test_geojson_upload_goes_through_the_same_validator():
    import json

    def feat(geometry, **props):
        base = {"zone_type": "compound", "precision": "compound", "confidence": "medium"}
        return {"type": "Feature", "properties": base | props, "geometry": geometry}

    doc = {
        "type": "FeatureCollection",
        "features": [
            feat(
                {"type": "Point", "coordinates": [98.52, 16.65]},
                site_id="g1",
                name="A",
                country="Myanmar",
            ),
            feat(
                {"type": "Point", "coordinates": [104.92, 11.56]},
                site_id="g2",
                name="B",
                country="TH",
            ),
            feat(
                {"type": "Polygon", "coordinates": [[[98, 16], [99, 16], [99, 17], [98, 16]]]},
                site_id="p",
            ),
        ],
    }
    result = check(json.dumps(doc).encode(), "sites.geojson")
    assert result.error is None, result.error
    assert list(result.mapped["site_id"]) == ["g1"]
    assert result.mapped.iloc[0]["lat"] == pytest.approx(16.65)
    assert result.problems[0] == (
        "sites.geojson: 1 polygon is not a point; only point features are read."
    )
    # A Phnom Penh point said to be in Thailand; "row" numbers count features.
    assert result.problems[1].startswith("sites.geojson, row 2, column lat/lon")
    assert "outside TH" in result.problems[1]


def test_gis_files_have_the_same_limits():
    big = b'{"type": "FeatureCollection", "features": []}' + b" " * upload.MAX_UPLOAD_BYTES
    assert "; the limit is 2,097,152 bytes (2 MiB)" in check(big, "big.geojson").error
    assert check(b"", "empty.kml").error == "empty.kml: the file is empty."


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("sites.csv", None),
        ("Sites.GeoJSON", None),
        ("a.b.kml", None),
        ("mine\x00.csv", "The file name 'mine\ufffd.csv' holds a control character"),
        ("evil\n.csv", "holds a control character"),
        (
            "sites.exe",
            "sites.exe is not a CSV, GeoJSON, KML or GeoPackage file (its name ends in .exe)",
        ),
        ("sites", "(its name has no extension)"),
    ],
)
def test_file_names_are_checked_by_the_app(name, problem):
    found = upload.file_name_problem(name)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found
        assert "\x00" not in found and "\n" not in found


def _wide_csv(columns: int) -> bytes:
    header = ",".join(f"col{i}" for i in range(columns))
    return (header + "\n" + ",".join("1" for _ in range(columns)) + "\n").encode()


@pytest.mark.parametrize("columns", [upload.MAX_UPLOAD_COLUMNS + 1, 30_000, 100_000])
def test_a_wide_csv_is_refused_before_any_per_column_work_in_one_short_line(columns):
    """Issue 13: 100,000 columns (681 KB) took 399 s and a 581,167-character message."""
    result = check(_wide_csv(columns), "wide.csv")
    assert result.error == (
        f"wide.csv: has {columns:,} columns; the limit is {upload.MAX_UPLOAD_COLUMNS:,}. "
        "Keep the columns with the sites' names, places and coordinates, and upload it again."
    )


def test_a_wide_geojson_is_refused_before_gdal_reads_it():
    props = {f"p{i}": 1 for i in range(20_000)}
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [100, 13]}}
    raw = json.dumps({"type": "FeatureCollection", "features": [{**feature, "properties": props}]})
    result = check(raw.encode(), "wide.geojson")
    assert result.error.startswith("wide.geojson: its features have 20,000 properties; the limit")
    assert len(result.error) < 200


def test_missing_columns_list_only_the_first_names_found():
    result = check(_wide_csv(upload.MAX_UPLOAD_COLUMNS), "wide.csv")
    assert "missing required column(s)" in result.error
    assert re.search(r"col19 and \d{3} more$", result.error), result.error
    assert "col20," not in result.error
    assert len(result.error) < 400
