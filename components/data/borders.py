"""Is a point in (or within a few km of) its stated country?

Uses Natural Earth 1:10m country outlines (npm ``world-atlas@2.0.2``, fetched by the
setup step). Those outlines are 1-2 km off along border rivers (Myawaddy, Shwe Kokko
and KK Park fall on the Thai side of the Moei), so callers compare the distance with
a tolerance of about 3 km rather than testing strict containment.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pycountry
import shapely
from geopy.distance import geodesic
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.ops import nearest_points

from components.map.assets import asset_path

BORDER_TOLERANCE_KM = 3.0


class OutlinesUnavailable(RuntimeError):
    """The country outlines file is missing (run scripts/setup.sh)."""


def outlines_path() -> Path:
    return asset_path("world-atlas", "countries-10m.json")


def _decode_arcs(topo: dict) -> list[np.ndarray]:
    """Decode quantized, delta-encoded TopoJSON arcs into (n, 2) lon/lat arrays."""
    transform = topo.get("transform")
    arcs = []
    for arc in topo["arcs"]:
        pts = np.asarray(arc, dtype=float)[:, :2]
        if transform:
            pts = np.cumsum(pts, axis=0) * transform["scale"] + transform["translate"]
        arcs.append(pts)
    return arcs


def _ring(indexes: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    parts = []
    for n, i in enumerate(indexes):
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(arc if n == 0 else arc[1:])
    return np.concatenate(parts)


def _polygon(rings: list[list[int]], arcs: list) -> Polygon | None:
    # Quantization collapses some tiny islands to fewer than 4 points: skip those rings.
    shell, *holes = (_ring(r, arcs) for r in rings)
    if len(shell) < 4:
        return None
    return Polygon(shell, [h for h in holes if len(h) >= 4])


def decode_countries(topo: dict) -> dict[str, MultiPolygon | Polygon]:
    """Country geometries keyed by ISO 3166 alpha-2 code."""
    arcs = _decode_arcs(topo)
    out: dict[str, MultiPolygon | Polygon] = {}
    for geom in topo["objects"]["countries"]["geometries"]:
        numeric = geom.get("id")
        country = pycountry.countries.get(numeric=str(numeric)) if numeric else None
        if country is None:
            continue
        arcs_of = geom.get("arcs", [])  # a null geometry (TopoJSON allows them) has none
        parts = {"Polygon": [arcs_of], "MultiPolygon": arcs_of}.get(geom.get("type"), [])
        polygons = [p for p in (_polygon(rings, arcs) for rings in parts) if p is not None]
        if not polygons:
            continue
        out[country.alpha_2] = MultiPolygon(polygons)
    return out


@lru_cache(maxsize=1)
def country_shapes() -> dict[str, MultiPolygon | Polygon]:
    path = outlines_path()
    if not path.is_file():
        raise OutlinesUnavailable(
            f"Country outlines not found at {path}; run scripts/setup.sh to fetch them."
        )
    return decode_countries(json.loads(path.read_text(encoding="utf-8")))


@cache
def country_shape(country: str) -> MultiPolygon | Polygon | None:
    """One country's outline, repaired and prepared on first use (repair is slow, so lazy)."""
    shape = country_shapes().get(country)
    if shape is None:
        return None
    if not shape.is_valid:
        shape = shapely.make_valid(shape)
    shapely.prepare(shape)
    return shape


def distances_km(lats: np.ndarray, lons: np.ndarray, country: str) -> np.ndarray:
    """Distance in km from each point to the outline of ``country`` (0 inside).

    NaN where the country has no outline (then nothing can be said).
    """
    result = np.full(len(lats), np.nan)
    shape = country_shape(country)
    if shape is None or len(lats) == 0:
        return result
    inside = shapely.contains_xy(shape, lons, lats)
    result[inside] = 0.0
    for i in np.flatnonzero(~inside):
        point = Point(lons[i], lats[i])
        nearest = nearest_points(shape, point)[0]
        result[i] = geodesic((lats[i], lons[i]), (nearest.y, nearest.x)).km
    return result


def distance_km(lat: float, lon: float, country: str) -> float | None:
    """Distance in km from one point to ``country`` (0 inside, None if no outline)."""
    d = distances_km(np.array([lat]), np.array([lon]), country)[0]
    return None if np.isnan(d) else float(d)
