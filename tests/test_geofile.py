"""GeoJSON, KML and GeoPackage uploads: points become lat/lon next to their properties."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import shapely
from pyogrio.raw import write

from components.upload import geofile
from components.upload.geofile import GisError, gis_kind, read_gis
from tests.gis import LINE, POLYGON, feature, geojson, point


def gpkg(tmp_path, layers: list[tuple[str, str, list, dict]]) -> bytes:
    """A GeoPackage with ``(layer, crs, geometries, {field: values})`` layers."""
    path = tmp_path / "sites.gpkg"
    for layer, crs, geometries, fields in layers:
        kind = shapely.get_type_id(geometries[0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            write(
                str(path),
                shapely.to_wkb(np.array(geometries, dtype=object)),
                [np.array(v, dtype=object) for v in fields.values()],
                list(fields),
                layer=layer,
                driver="GPKG",
                geometry_type={0: "Point", 1: "LineString", 3: "Polygon"}[kind],
                crs=crs,
                append=path.exists(),
            )
    return path.read_bytes()


def test_geojson_points_with_properties_and_a_polygon_mixed_in():
    raw = geojson(
        feature(point(98.52, 16.65), site_id="u1", Name="KK Park", people=120),
        feature(POLYGON, site_id="area", Name="Zone"),
        feature(point(106.13, 11.06), site_id="u2", Name="Bavet <b>", people=None),
        feature(POLYGON, site_id="area2", Name="Zone 2"),
        feature(LINE, site_id="road", Name="Road"),
        feature(None, site_id="nowhere", Name="No geometry"),
    )
    table = read_gis(raw, "mine.geojson")
    frame = table.frame
    assert list(frame["site_id"]) == ["u1", "u2"]
    assert list(frame["Name"]) == ["KK Park", "Bavet <b>"]
    assert list(frame["people"]) == ["120", ""]  # text cells, like a CSV's
    assert list(frame["lat"]) == ["16.65", "11.06"]
    assert list(frame["lon"]) == ["98.52", "106.13"]
    assert table.left_out == [
        "mine.geojson: 2 polygons and 1 line are not points; only point features are read.",
        "mine.geojson: 1 feature has no geometry and is left out.",
    ]


def test_a_file_with_no_points_is_refused_naming_what_it_holds():
    with pytest.raises(GisError) as err:
        read_gis(geojson(feature(POLYGON, a=1), feature(LINE, a=2)), "areas.geojson")
    assert str(err.value) == (
        "areas.geojson has no point features: 1 polygon and 1 line are not points; "
        "only point features are read."
    )


def test_non_wgs84_is_refused_naming_the_crs():
    raw = geojson(feature(point(1e6, 2e6), a=1), crs="urn:ogc:def:crs:EPSG::3857")
    with pytest.raises(GisError, match=r"mercator\.geojson: coordinates are in EPSG:3857"):
        read_gis(raw, "mercator.geojson")


def test_crs84_geojson_is_wgs84():
    raw = geojson(feature(point(98.5, 16.7), a=1), crs="urn:ogc:def:crs:OGC:1.3:CRS84")
    assert list(read_gis(raw, "x.geojson").frame["lat"]) == ["16.7"]


@pytest.mark.parametrize(
    ("raw", "name", "message"),
    [
        (b"", "empty.geojson", "empty.geojson: the file is empty."),
        (b"   \n", "blank.kml", "blank.kml: the file is empty."),
        (geojson(), "none.geojson", "none.geojson has no features."),
        (
            b'{"type": "FeatureCollection", "features": [',
            "cut.geojson",
            "cut.geojson: not a readable GeoJSON file",
        ),
        (b"[1, 2, 3]", "list.json", "list.json: not a readable GeoJSON file"),
        (
            b"SQLite format 3\x00" + b"x" * 200,
            "broken.gpkg",
            "broken.gpkg: not a readable GeoPackage",
        ),
        (b"<kml><Document>", "cut.kml", "cut.kml: not a readable KML file"),
    ],
)
def test_empty_and_broken_files(raw, name, message):
    with pytest.raises(GisError) as err:
        read_gis(raw, name)
    assert str(err.value).startswith(message)
    assert "/vsimem" not in str(err.value) and "/tmp" not in str(err.value)


def test_too_many_features():
    features = [feature(point(98.5, 16.7), n=i) for i in range(11)]
    with pytest.raises(GisError, match="many.geojson has 11 features; the limit is 10. Split it."):
        read_gis(geojson(*features), "many.geojson", max_rows=10)


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>My map</name>
<Folder><name>Myanmar</name>
 <Placemark><name>KK Park</name><description>Near the Moei &amp; river</description>
  <Point><coordinates>98.52,16.65,0</coordinates></Point></Placemark>
</Folder>
<Folder><name>Cambodia</name>
 <Placemark><name>Bavet</name><Point><coordinates>106.13,11.06</coordinates></Point></Placemark>
 <Placemark><name>Border road</name>
  <LineString><coordinates>106.1,11.0 106.2,11.1</coordinates></LineString></Placemark>
</Folder></Document></kml>
"""


def test_kml_placemarks_from_every_folder():
    table = read_gis(KML.encode("utf-8"), "map.kml")
    frame = table.frame
    assert list(frame["Name"]) == ["KK Park", "Bavet"]
    assert list(frame["description"]) == ["Near the Moei & river", ""]
    assert list(frame["lat"]) == ["16.65", "11.06"] and list(frame["lon"]) == ["98.52", "106.13"]
    # KML's own bookkeeping fields are not offered as columns.
    assert not {"tessellate", "extrude", "visibility", "altitudeMode"} & set(frame.columns)
    assert table.left_out == ["map.kml: 1 line is not a point; only point features are read."]
    assert "map.kml: read the placemarks of 2 folders: 'Myanmar', 'Cambodia'." in table.notes


def test_gpkg_first_point_layer_is_read_and_named(tmp_path):
    raw = gpkg(
        tmp_path,
        [
            ("roads", "EPSG:4326", [shapely.LineString([(98, 16), (99, 17)])], {"n": ["r"]}),
            (
                "sites",
                "EPSG:4326",
                [shapely.Point(98.52, 16.65), shapely.Point(106.13, 11.06)],
                {"site_id": ["u1", "u2"], "name": ["KK Park", "Bavet"]},
            ),
            ("more", "EPSG:4326", [shapely.Point(1, 1)], {"n": ["x"]}),
        ],
    )
    table = read_gis(raw, "atlas.gpkg")
    assert list(table.frame["site_id"]) == ["u1", "u2"]
    assert list(table.frame["lat"]) == ["16.65", "11.06"]
    assert table.notes == [
        "atlas.gpkg has 3 layers; read 'sites' (the first with points); not read: 'roads', 'more'."
    ]


def test_gpkg_in_utm_is_refused(tmp_path):
    raw = gpkg(tmp_path, [("utm", "EPSG:32647", [shapely.Point(500000, 1840000)], {"n": ["a"]})])
    with pytest.raises(GisError) as err:
        read_gis(raw, "utm.gpkg")
    assert str(err.value) == (
        "utm.gpkg: coordinates are in EPSG:32647, not WGS84 longitude/latitude (EPSG:4326); "
        "export the layer 'utm' as WGS84 and upload it again."
    )


def test_a_lat_property_gives_way_to_the_geometry():
    raw = geojson(feature(point(98.5, 16.7), lat="wrong", site_id="u1"))
    table = read_gis(raw, "x.geojson")
    assert list(table.frame["lat"]) == ["16.7"]
    assert "x.geojson: property 'lat' replaced by the points' coordinates." in table.notes


@pytest.mark.parametrize(
    ("raw", "name", "kind"),
    [
        (b"a,b\n", "x.csv", "csv"),
        (b"{}", "x.geojson", "geojson"),
        (b"{}", "x.JSON", "geojson"),
        (b"<kml/>", "x.kml", "kml"),
        (b"SQLite format 3\x00", "x.gpkg", "gpkg"),
        (b"SQLite format 3\x00", "upload", "gpkg"),
        (b'  {"type": "FeatureCollection"}', "upload", "geojson"),
        (b'<?xml version="1.0"?><kml>', "upload.txt", "kml"),
        (b"site_id,name\n", "upload.txt", "csv"),
    ],
)
def test_kind_by_extension_then_content(raw, name, kind):
    assert gis_kind(raw, name) == kind


def test_module_has_no_geopandas():
    assert "geopandas" not in geofile.__dict__


def test_points_without_properties_and_feature_numbers():
    raw = geojson(feature(POLYGON), feature(point(98.5, 16.7)), feature(point(104.9, 11.5)))
    frame = read_gis(raw, "bare.geojson").frame
    assert list(frame.columns) == ["lat", "lon"]
    assert [i + 2 for i in frame.index] == [2, 3]  # the features' numbers in the file


def test_upload_folders_left_by_a_killed_process_are_removed(tmp_path, monkeypatch):
    """Issue 13: nothing of an upload outlives its session, even after a kill mid-read."""
    import os
    import tempfile
    import time

    from components.upload import geofile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stale = tmp_path / "atlas-upload-killed"
    stale.mkdir()
    (stale / "upload.geojson").write_text("{}")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    fresh = tmp_path / "atlas-upload-reading"  # another session's read in progress
    fresh.mkdir()
    geofile.read_gis(
        b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"x"},'
        b'"geometry":{"type":"Point","coordinates":[100,13]}}]}',
        "one.geojson",
    )
    assert not stale.exists() and fresh.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["atlas-upload-reading"]
