"""GeoJSON builders shared by the tests of GIS uploads (no test here)."""

from __future__ import annotations

import json

POLYGON = {"type": "Polygon", "coordinates": [[[98, 16], [99, 16], [99, 17], [98, 16]]]}
LINE = {"type": "LineString", "coordinates": [[98, 16], [99, 17]]}
# The atlas's vocabulary columns, for features that should pass the validator.
ATLAS_DEFAULTS = {"zone_type": "compound", "precision": "compound", "confidence": "medium"}


def feature(geometry: dict | None, **properties) -> dict:
    """One GeoJSON Feature with exactly ``properties``."""
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def atlas_feature(geometry: dict | None, **properties) -> dict:
    """A Feature with :data:`ATLAS_DEFAULTS` under ``properties``."""
    return feature(geometry, **(ATLAS_DEFAULTS | properties))


def point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def geojson(*features: dict, crs: str | None = None) -> bytes:
    """A FeatureCollection as UTF-8 bytes, with a named ``crs`` member if given."""
    doc: dict = {"type": "FeatureCollection", "features": list(features)}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(doc).encode("utf-8")
