"""The map's camera: the commands the app sends it, and the view a link carries.

The browser frames the map itself (``static/atlas/atlas.js``: it knows the map's real
size in pixels); the app only says *what* to frame, as a command with a version. A
command runs once per version, so choosing the same site again still moves the camera.
The analyst's own pans and zooms are written to the address as ``map=zoom/lat/lon``
(OpenStreetMap's convention), and a link holding it opens on that view.
"""

from __future__ import annotations

import math
import re

MIN_ZOOM = 1  # the map's widest zoom (components/map/view.py)
MAX_ZOOM = 18
_VIEW = re.compile(r"^\s*(\d{1,2})/(-?\d{1,3}(?:\.\d+)?)/(-?\d{1,3}(?:\.\d+)?)\s*$")


def parse_view(text: str | None) -> tuple[int, float, float] | None:
    """``"9/16.6900/98.5100"`` → ``(9, 16.69, 98.51)``: zoom level, latitude and longitude
    in degrees (WGS 84). None for anything else: a zoom outside 1-18, a latitude outside
    ±85 (web-map limit), a longitude outside ±180, or text of another shape."""
    found = _VIEW.match(text or "")
    if not found:
        return None
    zoom, lat, lon = int(found.group(1)), float(found.group(2)), float(found.group(3))
    if not (MIN_ZOOM <= zoom <= MAX_ZOOM) or abs(lat) > 85 or abs(lon) > 180:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    return zoom, lat, lon


def format_view(zoom: int, lat: float, lon: float) -> str:
    """The inverse of :func:`parse_view`, with 4 decimals (about 11 m)."""
    return f"{int(zoom)}/{lat:.4f}/{lon:.4f}"


def fit(version: str) -> dict:
    """Frame every shown site."""
    return {"v": version, "kind": "fit"}


def to_view(version: str, view: tuple[int, float, float]) -> dict:
    """Open a saved ``(zoom, lat, lon)`` view."""
    return {"v": version, "kind": "view", "view": [int(view[0]), view[1], view[2]]}


def to_site(version: str, at: tuple[float, float]) -> dict:
    """Centre on a site at ``(lat, lon)``, zoomed in far enough to show it alone."""
    return {"v": version, "kind": "site", "at": [round(at[0], 6), round(at[1], 6)]}
