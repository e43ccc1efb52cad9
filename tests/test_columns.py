"""Column mapping: other tools' headers and country names read as the atlas's columns."""

from __future__ import annotations

import pandas as pd
import pytest

from components.upload.columns import REQUIRED, apply_mapping, needs_mapping, suggest_mapping


def test_common_headers_are_suggested():
    headers = ["Site name", "Latitude (WGS84)", "Long", "Country", "Notes", "colour"]
    mapping = suggest_mapping(headers)
    assert mapping["name"] == "Site name"
    assert mapping["lat"] == "Latitude (WGS84)"
    assert mapping["lon"] == "Long"
    assert mapping["country"] == "Country"
    assert mapping["note"] == "Notes"
    assert mapping["site_id"] is None
    assert "colour" not in mapping.values()


@pytest.mark.parametrize(
    ("headers", "lat", "lon"),
    [
        (["latitude", "longitude"], "latitude", "longitude"),
        (["Lat", "Long"], "Lat", "Long"),
        (["LAT", "lng"], "LAT", "lng"),
        (["x", "y"], "y", "x"),
        ([" Latitude ", "LONGITUDE"], " Latitude ", "LONGITUDE"),
        (["lat", "lon", "x", "y"], "lat", "lon"),  # the atlas's own names win
    ],
)
def test_coordinate_synonyms(headers, lat, lon):
    mapping = suggest_mapping(headers)
    assert (mapping["lat"], mapping["lon"]) == (lat, lon)


def test_one_file_column_never_feeds_two_atlas_columns():
    mapping = suggest_mapping(["name", "Site name", "id"])
    assert mapping["name"] == "name"
    used = [v for v in mapping.values() if v]
    assert len(used) == len(set(used))
    assert mapping["site_id"] == "id"


def test_needs_mapping_only_when_required_columns_are_not_named_as_the_atlas_names_them():
    assert not needs_mapping(list(REQUIRED) + ["extra"])
    assert needs_mapping(["site_id", "Site name", "Latitude", "Longitude"])
    assert needs_mapping(["a", "b"])


def test_apply_renames_converts_country_names_and_keeps_other_columns():
    frame = pd.DataFrame(
        {
            "Site name": ["A", "B", "C", "D", "E", "F"],
            "Latitude": ["16.7", "11.0", "17.9", "10.8", "14.6", "1"],
            "Country": ["Myanmar", "Burma", "Lao PDR", "Viet Nam", "kh", "Atlantis"],
            "colour": ["red"] * 6,
        }
    )
    mapping = suggest_mapping(list(frame.columns))
    out, notes = apply_mapping(frame, mapping)
    assert list(out["country"]) == ["MM", "MM", "LA", "VN", "KH", "Atlantis"]
    assert list(out["name"]) == ["A", "B", "C", "D", "E", "F"]
    assert list(out["colour"]) == ["red"] * 6
    assert "column 'Site name' read as name" in notes
    assert "column 'Latitude' read as lat" in notes
    converted = [n for n in notes if n.startswith("country names converted to ISO codes")]
    assert converted == [
        "country names converted to ISO codes: Myanmar→MM (1 row), Burma→MM (1 row), "
        "Lao PDR→LA (1 row), Viet Nam→VN (1 row), kh→KH (1 row)"
    ]
    assert "country values not recognised, left as they are: 'Atlantis' (1 row)" in notes


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Laos", "LA"),
        ("Vietnam", "VN"),
        ("Philippines", "PH"),
        ("Thailand", "TH"),
        ("Cambodia", "KH"),
        ("MMR", "MM"),
        ("  burma ", "MM"),
        ("Brunei", "BN"),
        ("MM", "MM"),
    ],
)
def test_country_names(name, code):
    out, _ = apply_mapping(pd.DataFrame({"country": [name]}), {"country": "country"})
    assert out.loc[0, "country"] == code


def test_codes_already_right_give_no_note_and_counts_are_summed():
    frame = pd.DataFrame({"country": ["MM", "Myanmar", "Myanmar", "Myanmar", ""]})
    out, notes = apply_mapping(frame, {"country": "country"})
    assert list(out["country"]) == ["MM", "MM", "MM", "MM", ""]
    assert notes == ["country names converted to ISO codes: Myanmar→MM (3 rows)"]


def test_a_shadowed_column_is_left_out_and_said():
    frame = pd.DataFrame({"lat": ["bad"], "y": ["16.7"], "x": ["98.5"]})
    out, notes = apply_mapping(frame, {"lat": "y", "lon": "x"})
    assert list(out["lat"]) == ["16.7"] and list(out["lon"]) == ["98.5"]
    assert "lat" in out.columns and list(out.columns).count("lat") == 1
    assert "column 'lat' left out: 'y' is read as lat" in notes


def test_none_leaves_the_atlas_column_out():
    frame = pd.DataFrame({"note": ["x"], "name": ["A"]})
    out, notes = apply_mapping(frame, {"name": "name", "note": None})
    assert "note" not in out.columns
    assert "column 'note' left out (no column chosen for note)" in notes


def test_bad_mappings_raise():
    frame = pd.DataFrame({"a": ["1"]})
    with pytest.raises(ValueError, match="'a' is chosen for both lat and lon"):
        apply_mapping(frame, {"lat": "a", "lon": "a"})
    with pytest.raises(ValueError, match="no column 'b'"):
        apply_mapping(frame, {"lat": "b"})
    with pytest.raises(ValueError, match="'height' is not an atlas column"):
        apply_mapping(frame, {"height": "a"})


def test_a_fill_sets_one_value_for_every_row_and_numbers_ids_by_row():
    from components.upload.columns import Fill, id_prefix

    frame = pd.DataFrame({"Name": ["A", "B"], "zone_type": ["x", "y"]}, index=[0, 3])
    out, notes = apply_mapping(
        frame,
        {
            "name": "Name",
            "site_id": Fill(id_prefix("My sites (v2).csv")),
            "zone_type": Fill("city"),
        },
    )
    # Ids follow the row numbers problems use (index 3 = spreadsheet row 5).
    assert list(out["site_id"]) == ["My-sites-v2-2", "My-sites-v2-5"]
    assert list(out["zone_type"]) == ["city", "city"]  # the file's own column is replaced
    assert "column 'zone_type' left out: zone_type is set for every row" in notes
    assert "zone_type: 'city' for every row (chosen at upload, not in the file)" in notes
    with pytest.raises(ValueError, match="lat cannot be one value for every row"):
        apply_mapping(frame, {"lat": Fill("1")})
    assert id_prefix("???.kml") == "site"
