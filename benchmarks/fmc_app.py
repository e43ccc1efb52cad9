"""Peer 1 of the scale benchmark: folium's ``FastMarkerCluster`` in ``st_folium``.

What a competent first version of a big-data folium map looks like: the locations are
read once (``st.cache_data``), each run builds ``folium.Map(tiles=None)`` with one
``folium.plugins.FastMarkerCluster(data=[[lat, lon], ...])`` of the rows the sidebar's
Country multiselect keeps, and renders it with ``st_folium(m, key=..., returned_objects=[])``
(a fixed key and no returned objects: the map does not rerun the script by itself).

The only changes for running with no internet (as for ``benchmarks/naive_app.py``):
folium's default scripts and styles, and the marker-cluster plugin's, point at the
local copies served from this app's ``static/vendor``: Leaflet 1.9.4 and
Leaflet.markercluster 1.5.3 (the atlas's vendored copies) and Leaflet.awesome-markers
2.0.5 (npm; FastMarkerCluster's default callback gives every point an
``L.AwesomeMarkers.icon()``: without the plugin the script stops at the first point).
jQuery, Bootstrap (JS, CSS, glyphicons), Font Awesome and the awesome-rotate CSS are
dropped: the map draws without them; only the glyph inside an unclustered marker (the
default ``glyphicon-home``) stays blank.

Started by ``benchmarks.peers`` from a temporary folder holding a link to this file and
a ``static/`` folder with those copies, with the repo root as working directory.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # resolves the link back into the repo
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import folium  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402
from folium.plugins import FastMarkerCluster  # noqa: E402
from streamlit_folium import st_folium  # noqa: E402

from components.map import assets  # noqa: E402

# Leaflet.awesome-markers: FastMarkerCluster's default marker is L.AwesomeMarkers.icon();
# npm's leaflet.awesome-markers@2.0.5 (folium names cdnjs 2.0.2), put there by
# benchmarks.peers.
AWESOME = "/app/static/vendor/leaflet.awesome-markers@2.0.5/dist"
LEAFLET_JS = [
    ("leaflet", assets.asset_url("leaflet", "dist/leaflet.js")),
    ("awesome_markers", f"{AWESOME}/leaflet.awesome-markers.js"),
]
LEAFLET_CSS = [
    ("leaflet_css", assets.asset_url("leaflet", "dist/leaflet.css")),
    ("awesome_markers_css", f"{AWESOME}/leaflet.awesome-markers.css"),
]
CLUSTER_JS = [
    ("markerclusterjs", assets.asset_url("leaflet.markercluster", "dist/leaflet.markercluster.js"))
]
CLUSTER_CSS = [
    ("markerclustercss", assets.asset_url("leaflet.markercluster", "dist/MarkerCluster.css")),
    (
        "markerclusterdefaultcss",
        assets.asset_url("leaflet.markercluster", "dist/MarkerCluster.Default.css"),
    ),
]

st.set_page_config(page_title="FastMarkerCluster peer", layout="wide")
DATA = Path(os.environ.get("ATLAS_DATA_DIR") or ROOT / "data")


@st.cache_data
def locations(path: str) -> pd.DataFrame:
    return pd.read_csv(path, usecols=["lat", "lon", "country"])


sites = locations(str(DATA / "locations.csv"))
countries = st.sidebar.multiselect("Country", sorted(sites["country"].unique()))
shown = sites[sites["country"].isin(countries)] if countries else sites
st.caption(f"{len(shown):,} sites")

# maxZoom: markercluster needs one, and with tiles=None no tile layer gives it.
m = folium.Map(location=[15.0, 105.0], zoom_start=5, tiles=None, maxZoom=18)
m.default_js, m.default_css = LEAFLET_JS, LEAFLET_CSS
cluster = FastMarkerCluster(data=shown[["lat", "lon"]].to_numpy().tolist())
cluster.default_js, cluster.default_css = CLUSTER_JS, CLUSTER_CSS
cluster.add_to(m)
st_folium(m, key="fmc", height=700, width=1000, returned_objects=[])
