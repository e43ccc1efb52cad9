"""GeoJSON, KML and GeoPackage files as a table of points (pure; pyogrio, no geopandas).

Each point feature becomes one row: its properties as text cells (like a CSV's), then
``lat`` and ``lon`` from the geometry. Other geometry types are counted and left out;
coordinates must already be WGS84 longitude/latitude (nothing is reprojected).
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from pyogrio.raw import read

EXTENSIONS = {".geojson": "geojson", ".json": "geojson", ".kml": "kml", ".gpkg": "gpkg"}
KIND_NAMES = {"geojson": "GeoJSON file", "kml": "KML file", "gpkg": "GeoPackage"}
DRIVERS = {"geojson": {"GeoJSON"}, "kml": {"LIBKML", "KML"}, "gpkg": {"GPKG"}}
# pyogrio names a CRS by authority when it can; CRS84 (GeoJSON's own) reads as EPSG:4326.
WGS84 = frozenset({"EPSG:4326", "EPSG:4979", "OGC:CRS84", "OGC:CRS84h"})
# Fields the KML drivers add to every placemark: styling, not data.
KML_BOOKKEEPING = frozenset(
    {"timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude", "visibility"}
    | {"drawOrder", "icon", "snippet"}
)
_TYPE_WORDS = {
    "LineString": ("line", "lines"),
    "LinearRing": ("line", "lines"),
    "Polygon": ("polygon", "polygons"),
    "MultiPoint": ("multipoint", "multipoints"),
    "MultiLineString": ("multiline", "multilines"),
    "MultiPolygon": ("multipolygon", "multipolygons"),
    "GeometryCollection": ("geometry collection", "geometry collections"),
}


class GisError(ValueError):
    """The file as a whole cannot be used; the message is one line naming the file."""


@dataclass
class GisTable:
    """Points read from a GIS file."""

    # One row per point: properties (text), then lat, lon (text). The index is each
    # feature's number in the file minus 2, so a validator's row N (index + 2) is feature N.
    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)  # what was read how
    left_out: list[str] = field(default_factory=list)  # features not read, and why
    layer: str | None = None  # the layer read (GeoPackage), if the file names one


def gis_kind(raw: bytes, name: str) -> str:
    """``"geojson"``, ``"kml"``, ``"gpkg"`` or ``"csv"``: by the file name's extension,
    else by the first bytes (SQLite header, ``{``, ``<?xml``/``<kml``)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    head = raw[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith(b"{"):
        return "geojson"
    if head.startswith(b"<") and b"<kml" in raw[:2048]:
        return "kml"
    return "csv"


def _plural(count: int, words: tuple[str, str]) -> str:
    return f"{count} {words[0] if count == 1 else words[1]}"


def _type_list(types: Counter) -> str:
    """``Counter({'Polygon': 12, 'LineString': 1})`` -> "12 polygons and 1 line are not
    points" (and "... is not a point" for a single feature)."""
    parts = [
        _plural(n, _TYPE_WORDS.get(t, (t.lower(), t.lower() + "s")))
        for t, n in sorted(types.items(), key=lambda kv: -kv[1])  # ties: first seen first
    ]
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    single = sum(types.values()) == 1
    return text + (" is not a point" if single else " are not points")


def _cell(value: object, integer: bool = False) -> str:
    """A property as text, the way a CSV cell reads; missing values are blank.
    ``integer``: the field is an integer field (read as float when it has gaps)."""
    if value is None:
        return ""
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        return str(int(value)) if integer and float(value).is_integer() else repr(float(value))
    if isinstance(value, np.datetime64):
        return "" if np.isnat(value) else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return ""
    return str(value)


def _broken(name: str, kind: str) -> GisError:
    return GisError(
        f"{name}: not a readable {KIND_NAMES[kind]} (it could not be opened); "
        "check that the file is complete and exported in that format."
    )


def read_gis(
    raw: bytes,
    name: str,
    kind: str | None = None,
    max_rows: int = 5_000,
    max_columns: int | None = None,
) -> GisTable:
    """Read the point features of a GeoJSON, KML or GeoPackage file given as bytes.

    ``kind`` is as :func:`gis_kind` gives (found from ``name``/``raw`` if None). KML:
    the placemarks of every folder; GeoPackage: the first layer with points. Returns a
    :class:`GisTable` whose frame has the features' properties as text cells plus
    ``lat``/``lon``. Raises :class:`GisError` (one line naming the file) for an empty
    or unreadable file, no features, no point features, more than ``max_rows``
    features, more than ``max_columns`` properties (counted before the features are
    read; for GeoJSON before GDAL opens it), or coordinates that are not WGS84.
    """
    kind = kind or gis_kind(raw, name)
    if kind not in KIND_NAMES:
        raise ValueError(f"not a GIS kind: {kind!r}")
    if not raw.strip():
        raise GisError(f"{name}: the file is empty.")
    if kind == "geojson" and max_columns is not None:
        count = _geojson_properties(raw)
        if count > max_columns:
            raise _too_wide(name, count, max_columns)
    suffix = {"geojson": ".geojson", "kml": ".kml", "gpkg": ".gpkg"}[kind]
    remove_stale_folders()
    with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as folder:
        path = str(Path(folder) / f"upload{suffix}")
        Path(path).write_bytes(raw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL's RuntimeWarnings: we say it our way
            try:
                return _read(path, name, kind, max_rows, max_columns)
            except (DataSourceError, DataLayerError):
                raise _broken(name, kind) from None


TEMP_PREFIX = "atlas-upload-"  # GDAL reads an uploaded GIS file from such a private folder
STALE_SECONDS = 3600.0  # a read takes seconds: an older folder was left by a killed process


def remove_stale_folders(now: float | None = None) -> int:
    """Remove upload folders a killed process left in the temp folder (older than an
    hour), so nothing of an upload outlives its session; how many were removed."""
    now = time.time() if now is None else now
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(TEMP_PREFIX + "*"):
        try:
            if folder.is_dir() and now - folder.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(folder)
                removed += 1
        except OSError:
            continue  # not ours to remove, or gone meanwhile
    return removed


def _too_wide(name: str, count: int, limit: int) -> GisError:
    return GisError(
        f"{name}: its features have {count:,} properties; the limit is {limit:,}. Keep the "
        "sites' names, places and coordinates, and upload it again."
    )


def _geojson_properties(raw: bytes) -> int:
    """How many distinct property names the features of a GeoJSON text hold (0 when it
    is not JSON: GDAL then words what is wrong). One pass, no GDAL: a feature with
    100,000 properties took GDAL minutes to read."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return 0
    features = data.get("features") if isinstance(data, dict) else None
    names: set[str] = set()
    for feature in features if isinstance(features, list) else []:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if isinstance(properties, dict):
            names.update(properties)
    return len(names)


def _read(
    path: str, name: str, kind: str, max_rows: int, max_columns: int | None = None
) -> GisTable:
    layers = [str(layer) for layer, _ in pyogrio.list_layers(path)]
    types = {str(layer): str(t) for layer, t in pyogrio.list_layers(path)}
    if not layers:
        raise GisError(f"{name} has no features.")
    notes: list[str] = []
    if kind == "gpkg":
        points = [
            la for la in layers if "point" in types[la].lower() and "multi" not in types[la].lower()
        ]
        chosen = points[:1] or layers[:1]
        if len(layers) > 1:
            others = ", ".join(f"'{la}'" for la in layers if la not in chosen)
            how = "the first with points" if points else "the first; none has points"
            notes.append(
                f"{name} has {len(layers)} layers; read '{chosen[0]}' ({how}); not read: {others}."
            )
    else:
        chosen = layers
    infos = {}
    for layer in chosen:
        info = pyogrio.read_info(path, layer=layer, force_feature_count=True)
        if info["driver"] not in DRIVERS[kind]:
            raise _broken(name, kind)
        crs = info["crs"]
        if crs is None and kind != "gpkg":
            crs = "EPSG:4326"  # GeoJSON (RFC 7946) and KML are WGS84 by definition
        if crs not in WGS84:
            where = f"the layer '{layer}'" if kind == "gpkg" else "it"
            stated = crs or "no stated coordinate system"
            raise GisError(
                f"{name}: coordinates are in {stated}, not WGS84 longitude/latitude "
                f"(EPSG:4326); export {where} as WGS84 and upload it again."
            )
        if max_columns is not None and len(info["fields"]) > max_columns:
            raise _too_wide(name, len(info["fields"]), max_columns)
        infos[layer] = info
    total = sum(int(i["features"]) for i in infos.values())
    if total > max_rows:
        raise GisError(f"{name} has {total:,} features; the limit is {max_rows:,}. Split it.")
    if total == 0:
        raise GisError(f"{name} has no features.")

    frames: list[pd.DataFrame] = []
    other: Counter = Counter()
    no_geometry = 0
    seen = 0  # features before this layer (KML folders are numbered on)
    for layer in chosen:
        if not infos[layer]["features"]:
            continue
        _, _, wkb, values = read(path, layer=layer, force_2d=True)
        names = [str(f) for f in infos[layer]["fields"]]
        integers = [t.startswith("OFTInteger") for t in infos[layer]["ogr_types"]]
        geometries = shapely.from_wkb(wkb) if wkb is not None else np.full(len(values[0]), None)
        kinds = np.array(
            ["" if g is None or shapely.is_empty(g) else g.geom_type for g in geometries]
        )
        no_geometry += int((kinds == "").sum())
        other.update(k for k in kinds if k not in ("", "Point"))
        keep = kinds == "Point"
        cells = {
            n: [_cell(v, whole) for v in np.asarray(col, dtype=object)[keep]]
            for n, whole, col in zip(names, integers, values, strict=True)
        }
        frame = pd.DataFrame(cells, dtype=object)
        if kind == "kml":
            blank_id = "id" in frame and (frame["id"] == "").all()
            frame = frame.drop(
                columns=[
                    c for c in frame.columns if c in KML_BOOKKEEPING or (c == "id" and blank_id)
                ]
            )
        pts = geometries[keep]
        frame["lat"] = [repr(float(y)) for y in shapely.get_y(pts)] if len(pts) else []
        frame["lon"] = [repr(float(x)) for x in shapely.get_x(pts)] if len(pts) else []
        for clash in ("lat", "lon"):
            if clash in names:
                notes.append(f"{name}: property '{clash}' replaced by the points' coordinates.")
        # Index = feature number - 2, so the validator's "row N" (index + 2) is feature N.
        frame.index = pd.Index(np.flatnonzero(keep) + seen - 1, dtype="int64")
        seen += len(kinds)
        frames.append(frame)
    left_out = []
    if other:
        left_out.append(f"{name}: {_type_list(other)}; only point features are read.")
    if no_geometry:
        what = "1 feature has" if no_geometry == 1 else f"{no_geometry:,} features have"
        left_out.append(
            f"{name}: {what} no geometry and {'is' if no_geometry == 1 else 'are'} left out."
        )
    frame = pd.concat(frames) if frames else pd.DataFrame()
    frame = frame.fillna("")
    if frame.empty:
        if other:
            raise GisError(
                f"{name} has no point features: {_type_list(other)}; only point features are read."
            )
        raise GisError(f"{name} has no point features (none of its features has a geometry).")
    if kind == "kml" and len(chosen) > 1:
        folders = ", ".join(f"'{la}'" for la in chosen)
        notes.append(f"{name}: read the placemarks of {len(chosen)} folders: {folders}.")
    return GisTable(frame, notes, left_out, chosen[0] if kind == "gpkg" else None)
