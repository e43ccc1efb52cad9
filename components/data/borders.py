"""Is a point in (or within a few km of) its stated country?

Uses Natural Earth 1:10m country outlines (npm ``world-atlas@2.0.2``, fetched by the
setup step). Those outlines are 1-2 km off along border rivers (Myawaddy, Shwe Kokko
and KK Park fall on the Thai side of the Moei), so callers compare the distance with
a tolerance of about 3 km rather than testing strict containment.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pycountry
import shapely
from geographiclib.geodesic import Geodesic
from shapely.geometry import MultiPolygon, Polygon

from components.map.assets import asset_path

BORDER_TOLERANCE_KM = 3.0
# Decoded outlines are kept here (WKB; see country_shapes), like the places cache.
CACHE_DIR = Path(__file__).resolve().parents[2] / ".cache" / "outlines"


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


def _cache_file(raw: bytes) -> Path:
    return CACHE_DIR / f"countries-{hashlib.sha256(raw).hexdigest()[:16]}.wkb"


def _read_cached(path: Path) -> dict[str, bytes] | None:
    """{key: WKB} from a cache file of lines ``key<TAB>hex WKB``; None if unusable."""
    try:
        lines = path.read_text(encoding="ascii").splitlines()
        return {k: bytes.fromhex(v) for k, v in (line.split("\t") for line in lines)}
    except (OSError, ValueError):
        return None


def _write_cached(path: Path, shapes: dict[str, bytes]) -> None:
    """Write the cache file atomically; a folder that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.part")
        tmp.write_text("".join(f"{k}\t{v.hex()}\n" for k, v in shapes.items()), "ascii")
        tmp.replace(path)
    except OSError:
        pass


@lru_cache(maxsize=1)
def country_shapes() -> dict[str, MultiPolygon | Polygon]:
    """Every country's outline (as decoded, not repaired), keyed by ISO alpha-2.

    Decoding the TopoJSON takes about a second, so the shapes are also kept as WKB in
    :data:`CACHE_DIR`, named by the outlines file's SHA-256 (a changed file is decoded
    again); a cache that cannot be read or written is ignored. Raises
    :class:`OutlinesUnavailable` when the outlines file is missing.
    """
    path = outlines_path()
    if not path.is_file():
        raise OutlinesUnavailable(
            f"Country outlines not found at {path}; run scripts/setup.sh to fetch them."
        )
    raw = path.read_bytes()
    cached = _read_cached(_cache_file(raw))
    if cached is not None:
        keys = [k for k in cached if not k.startswith("valid:")]
        try:
            return dict(zip(keys, shapely.from_wkb([cached[k] for k in keys]), strict=True))
        except shapely.errors.GEOSException:  # a damaged entry: decode the file again
            pass
    shapes = decode_countries(json.loads(raw.decode("utf-8")))
    wkb = shapely.to_wkb(list(shapes.values()))
    _write_cached(_cache_file(raw), dict(zip(shapes, wkb, strict=True)))
    return shapes


@lru_cache(maxsize=4)
def _entries(path: Path) -> dict[str, bytes]:
    """The cache file's entries (kept: repaired outlines are added to it in place)."""
    return _read_cached(path) or {}


@cache
def country_shape(country: str) -> MultiPolygon | Polygon | None:
    """One country's outline, repaired and prepared on first use (repair is slow, so lazy;
    a repaired outline is added to the cache file of :func:`country_shapes`)."""
    shape = country_shapes().get(country)
    if shape is None:
        return None
    if not shape.is_valid:
        cache_file = _cache_file(outlines_path().read_bytes())
        cached = _entries(cache_file)  # read once per process, not once per country
        try:
            repaired = shapely.from_wkb(cached.get(f"valid:{country}"))
        except shapely.errors.GEOSException:
            repaired = None
        if repaired is not None:
            shape = repaired
        else:
            shape = shapely.make_valid(shape)
            if cached:
                cached[f"valid:{country}"] = shapely.to_wkb(shape)
                _write_cached(cache_file, cached)
    shapely.prepare(shape)
    return shape


# geopy's ``geodesic(...).km``: the same WGS-84 ellipsoid in km and the same call, without
# importing geopy, whose package imports its ~40 geocoder modules first (0.38 s; the
# validator CLI and a first load paid it for a handful of points outside an outline).
WGS84_KM = Geodesic(6378.137, 1 / 298.257223563)


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
    outside = np.flatnonzero(~inside)
    if len(outside):
        # The nearest point of the outline to each point outside, in one GEOS call
        # (what shapely.ops.nearest_points gives), then the ellipsoidal distance to it.
        lines = shapely.shortest_line(shape, shapely.points(lons[outside], lats[outside]))
        nearest = shapely.get_coordinates(lines).reshape(-1, 2, 2)[:, 0]
        result[outside] = [
            WGS84_KM.Inverse(lats[i], lons[i], y, x, Geodesic.DISTANCE)["s12"]
            for i, (x, y) in zip(outside.tolist(), nearest.tolist(), strict=True)
        ]
    return result


def distance_km(lat: float, lon: float, country: str) -> float | None:
    """Distance in km from one point to ``country`` (0 inside, None if no outline)."""
    d = distances_km(np.array([lat]), np.array([lon]), country)[0]
    return None if np.isnan(d) else float(d)
