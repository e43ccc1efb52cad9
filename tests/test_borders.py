"""Point-to-country-outline distances (components/borders.py).

The 1:10m outlines are decoded once per process (``country_shapes`` is cached).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import MultiPolygon, Polygon, box

from components.data import borders
from components.data.borders import (
    BORDER_TOLERANCE_KM,
    decode_countries,
    distance_km,
    distances_km,
)

REPO = Path(__file__).resolve().parents[1]

with (REPO / "data" / "locations.csv").open(encoding="utf-8-sig", newline="") as _fh:
    SITES = list(csv.DictReader(_fh))


def test_tolerance_is_about_3_km():
    assert BORDER_TOLERANCE_KM == 3.0


def test_outlines_file_present_and_decoded_once():
    assert borders.outlines_path().is_file()
    first = borders.country_shapes()
    assert borders.country_shapes() is first  # cached: decoded once per process
    assert {"MM", "TH", "KH", "LA", "PH", "VN", "CN"} <= set(first)


def test_there_are_49_committed_sites():
    # 49 data rows in data/locations.csv since the 2026-11 research update (was 22).
    assert len(SITES) == 49


@pytest.mark.parametrize("site", SITES, ids=[s["site_id"] for s in SITES])
def test_committed_site_within_tolerance_of_its_country(site):
    d = distance_km(float(site["lat"]), float(site["lon"]), site["country"])
    assert d is not None, f"no outline for {site['country']}"
    assert d <= BORDER_TOLERANCE_KM


@pytest.mark.parametrize(
    ("lat", "lon", "country", "low", "high"),
    [
        pytest.param(16.68778, 98.50833, "MM", 1.5, 1.9, id="myawaddy_1.7km_outside_MM"),
        pytest.param(16.647556, 98.520722, "MM", 0.75, 1.05, id="kk_park_0.9km_outside_MM"),
        pytest.param(16.68778, 98.50833, "TH", 0.0, 0.0, id="myawaddy_inside_TH_outline"),
        pytest.param(11.56944, 104.92111, "KH", 0.0, 0.0, id="phnom_penh_in_KH"),
        pytest.param(13.7563, 100.5018, "KH", 190.0, 200.0, id="bangkok_from_KH"),
        pytest.param(13.7563, 100.5018, "TH", 0.0, 0.0, id="bangkok_in_TH"),
        pytest.param(11.56944, 104.92111, "TH", 200.0, 235.0, id="phnom_penh_from_TH"),
        pytest.param(16.68778, 98.54, "MM", 4.5, 5.5, id="5km_east_of_myawaddy"),
    ],
)
def test_known_distances(lat, lon, country, low, high):
    d = distance_km(lat, lon, country)
    assert d is not None
    assert low <= d <= high


@pytest.mark.parametrize("country", ["XX", "mm", "", "ZZ"])
def test_unknown_country_gives_none(country):
    assert distance_km(16.68778, 98.50833, country) is None


def test_vectorised_distances():
    lats = np.array([11.56944, 13.7563, 16.68778])
    lons = np.array([104.92111, 100.5018, 98.50833])
    d = distances_km(lats, lons, "KH")
    assert d.shape == (3,)
    assert d[0] == 0.0
    assert 190 < d[1] < 200
    assert d[2] > d[1]
    assert np.isnan(distances_km(lats, lons, "XX")).all()
    assert distances_km(np.array([]), np.array([]), "KH").shape == (0,)


# --- TopoJSON decoding on hand-made topologies ------------------------------------------------


def _topo(arcs, geometries, transform=None):
    topo = {
        "type": "Topology",
        "arcs": arcs,
        "objects": {"countries": {"type": "GeometryCollection", "geometries": geometries}},
    }
    if transform:
        topo["transform"] = transform
    return topo


def test_decode_plain_polygon_and_reversed_arcs():
    # Two arcs make the unit square; MM uses them forwards, KH backwards (~i = -i-1).
    arcs = [[[0, 0], [1, 0], [1, 1]], [[1, 1], [0, 1], [0, 0]]]
    geoms = [
        {"type": "Polygon", "id": "104", "arcs": [[0, 1]]},
        {"type": "Polygon", "id": "116", "arcs": [[~1, ~0]]},
    ]
    shapes = decode_countries(_topo(arcs, geoms))
    assert set(shapes) == {"MM", "KH"}
    for code in ("MM", "KH"):
        shape = shapes[code]
        assert isinstance(shape, MultiPolygon) and len(shape.geoms) == 1
        assert shape.equals(box(0, 0, 1, 1))
    mm = list(shapes["MM"].geoms[0].exterior.coords)
    assert mm == [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]
    kh = list(shapes["KH"].geoms[0].exterior.coords)
    assert kh == mm[::-1]


def test_decode_quantized_delta_encoded_arcs():
    # Quantized: positions are deltas in grid units; lon = x*0.5 + 100, lat = y*0.25 + 10.
    transform = {"scale": [0.5, 0.25], "translate": [100, 10]}
    arcs = [[[0, 0], [2, 0], [0, 4]], [[2, 4], [-2, 0], [0, -4]]]
    geoms = [{"type": "Polygon", "id": "764", "arcs": [[0, 1]]}]
    shapes = decode_countries(_topo(arcs, geoms, transform))
    assert list(shapes) == ["TH"]
    assert list(shapes["TH"].geoms[0].exterior.coords) == [
        (100, 10),
        (101, 10),
        (101, 11),
        (100, 11),
        (100, 10),
    ]


def test_decode_multipolygon_with_hole_and_skips():
    arcs = [
        [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]],  # 0: outer square
        [[1, 1], [1, 2], [2, 2], [2, 1], [1, 1]],  # 1: hole
        [[10, 10], [11, 10], [11, 11], [10, 10]],  # 2: island triangle
        [[20, 20], [21, 21], [20, 20]],  # 3: collapsed ring (3 points): skipped
    ]
    geoms = [
        {"type": "MultiPolygon", "id": "418", "arcs": [[[0], [1]], [[2]], [[3]]]},
        {"type": "Polygon", "id": "-99", "arcs": [[2]]},  # no ISO numeric code: skipped
        {"type": "Polygon", "arcs": [[2]]},  # no id at all: skipped
        {"type": "Polygon", "id": "608", "arcs": [[3]]},  # nothing left: skipped
        {"type": None, "id": "704"},  # a null geometry (no arcs): skipped
        {"type": "Point", "id": "156", "coordinates": [0, 0]},  # not an area: skipped
    ]
    shapes = decode_countries(_topo(arcs, geoms))
    assert list(shapes) == ["LA"]
    la = shapes["LA"]
    expected = MultiPolygon(
        [
            Polygon(arcs[0], [arcs[1]]),
            Polygon(arcs[2]),
        ]
    )
    assert la.equals(expected)
    assert la.area == pytest.approx(16 - 1 + 0.5)
    assert not la.contains(box(1.2, 1.2, 1.8, 1.8))  # the hole is a hole


def test_distances_are_geopys_geodesic_without_importing_geopy():
    """borders measures with geographiclib as geopy's geodesic does (same ellipsoid in km,
    same call), to the last bit, and importing it loads none of geopy's geocoders."""
    import subprocess
    import sys

    from geographiclib.geodesic import Geodesic
    from geopy.distance import geodesic

    rng = np.random.default_rng(5)
    a, b = rng.uniform(-90, 90, (2000, 2)), rng.uniform(-180, 180, (2000, 2))
    for (lat1, lat2), (lon1, lon2) in zip(a.tolist(), b.tolist(), strict=True):
        ours = borders.WGS84_KM.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)["s12"]
        assert ours == geodesic((lat1, lon1), (lat2, lon2)).km
    code = "import sys, components.data.borders; print('geopy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
