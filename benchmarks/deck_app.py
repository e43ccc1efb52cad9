"""Peer 2 of the scale benchmark: deck.gl's ScatterplotLayer through ``st.pydeck_chart``.

The locations are read once (``st.cache_data``); each run draws the rows the sidebar's
Country multiselect keeps as one ``ScatterplotLayer``. Streamlit ships deck.gl in its
own frontend bundle, so nothing is fetched from the internet: only a basemap style
would be, and there is none (``map_style=None``). The page renders WebGL in software
(headless Chromium's SwiftShader), as it would on a machine without a GPU.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pydeck as pdk
import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
st.set_page_config(page_title="deck.gl peer", layout="wide")
DATA = Path(os.environ.get("ATLAS_DATA_DIR") or ROOT / "data")


@st.cache_data
def locations(path: str) -> pd.DataFrame:
    return pd.read_csv(path, usecols=["lat", "lon", "country"])


sites = locations(str(DATA / "locations.csv"))
countries = st.sidebar.multiselect("Country", sorted(sites["country"].unique()))
shown = sites[sites["country"].isin(countries)] if countries else sites
st.caption(f"{len(shown):,} sites")

layer = pdk.Layer(
    "ScatterplotLayer",
    data=shown[["lon", "lat"]],
    get_position=["lon", "lat"],
    get_radius=2000,
    radius_min_pixels=2,
    get_fill_color=[200, 30, 0, 180],
)
view = pdk.ViewState(latitude=15.0, longitude=105.0, zoom=4)
st.pydeck_chart(pdk.Deck(layers=[layer], map_style=None, initial_view_state=view), height=700)
