"""The naive dashboard the benchmark's browser part compares the atlas with.

Each run: read ``$ATLAS_DATA_DIR/locations.csv`` with pandas, build a fresh
``folium.Map`` with one ``folium.Marker`` per (filtered) row, and call a default
``st_folium(m)``. The only change from a textbook first version: folium's scripts and
styles point at the app's local Leaflet copy (see ``benchmarks/naive.py``), because
with no internet the CDN copies fail and the map would be blank.

Run by ``python -m benchmarks`` from a temporary folder holding a link to this file and
a ``static`` link to the repo's ``static/`` (Streamlit serves ``static/`` next to the
*main script*), with the repo root as working directory (so ``.streamlit/config.toml``
applies and ``benchmarks`` is importable).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # resolves the link back into the repo
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit_folium import st_folium  # noqa: E402

from benchmarks.naive import build_naive_map  # noqa: E402

st.set_page_config(page_title="Naive atlas", layout="wide")
data = Path(os.environ.get("ATLAS_DATA_DIR") or ROOT / "data")
locations = pd.read_csv(data / "locations.csv", dtype={"source_ids": str})
sources = pd.read_csv(data / "sources.csv")

st.title("Naive atlas")
countries = st.sidebar.multiselect("Country", sorted(locations["country"].unique()))
shown = locations[locations["country"].isin(countries)] if countries else locations
st.caption(f"{len(shown):,} sites")
st_folium(build_naive_map(shown, sources))
