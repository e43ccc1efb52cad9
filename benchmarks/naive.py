"""The naive implementation the atlas is measured against.

What a first version of the dashboard typically does: a fresh ``folium.Map`` (default
OpenStreetMap tiles) on every rerun, one ``folium.Marker(location, tooltip=name,
popup=html)`` per row added straight to the map, and a default ``st_folium(m)``.

One concession, so the comparison means something with no internet: folium's default
scripts and styles come from public CDNs, and offline the map would stay blank (FINDINGS
§1). :func:`build_naive_map` therefore points ``default_js``/``default_css`` at local
copies: Leaflet at the URL the atlas uses (``/app/static/vendor/leaflet@1.9.4/...``, which
also serves Leaflet's default marker icon) and jQuery at ``/app/static/naive/jquery.min.js``
(folium's popups are built with ``$(...)``: without jQuery the script stops at the first
popup and the map stays blank). Bootstrap, Font Awesome and awesome-markers are dropped:
a plain ``folium.Marker`` with Leaflet's default icon does not use them. Nothing else is
changed. ``benchmarks/browser.py`` serves those files from a temporary static folder.

A second, one-line concession: the map script first sets ``L.Icon.Default.imagePath``
to the local Leaflet ``dist/images/``. streamlit-folium runs the map script before
``leaflet.css`` has applied, so Leaflet guesses the icon folder from the stylesheet's
URL as ``.../dist`` (Leaflet issue 4968) and every default marker icon 404s: the naive
page would show no marker at all, whatever its speed.
"""

from __future__ import annotations

from html import escape

import folium
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from components.map import assets

JQUERY_URL = "/app/static/naive/jquery.min.js"


def local_assets() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    js = [
        ("leaflet", assets.asset_url("leaflet", "dist/leaflet.js")),
        ("jquery", JQUERY_URL),
    ]
    css = [("leaflet_css", assets.asset_url("leaflet", "dist/leaflet.css"))]
    return js, css


class IconPath(MacroElement):
    """``L.Icon.Default.imagePath = path`` at the top of the map script."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "L.Icon.Default.imagePath = {{ this.path|tojson }};"
        "{% endmacro %}"
    )

    def __init__(self, path: str):
        super().__init__()
        self._name = "IconPath"
        self.path = path


def popup_html(row, sources: dict[str, tuple[str, str]]) -> str:
    links = []
    for sid in str(row.source_ids or "").split(";"):
        sid = sid.strip()
        if sid in sources:
            publisher, url = sources[sid]
            links.append(
                f'<li><a href="{escape(url)}" target="_blank">{escape(publisher)}</a></li>'
            )
    return (
        f"<b>{escape(str(row.name))}</b><br>"
        f"{escape(str(row.country))} · {escape(str(row.zone_type))}<br>"
        f"Precision: {escape(str(row.precision))}<br>"
        f"Confidence: {escape(str(row.confidence))}"
        + (f"<ul>{''.join(links)}</ul>" if links else "")
    )


def source_lookup(sources: pd.DataFrame) -> dict[str, tuple[str, str]]:
    return {str(r.source_id): (str(r.publisher), str(r.url)) for r in sources.itertuples()}


def build_naive_map(
    locations: pd.DataFrame, sources: pd.DataFrame, offline_assets: bool = True
) -> folium.Map:
    """Fresh map, default tiles, one ``folium.Marker`` per row."""
    m = folium.Map(location=[15.0, 105.0], zoom_start=5)
    if offline_assets:
        m.default_js, m.default_css = local_assets()
        IconPath(assets.asset_url("leaflet", "dist/images/")).add_to(m)
    lookup = source_lookup(sources)
    for row in locations.itertuples(index=False):
        folium.Marker(
            location=[float(row.lat), float(row.lon)],
            tooltip=str(row.name),
            popup=popup_html(row, lookup),
        ).add_to(m)
    return m
