"""The map column: builds the rerun's layer, draws the map, turns clicks into selections."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from components.analysis.dataset import Prepared
from components.analysis.filters import View
from components.data import Atlas
from components.data.labels import country_name
from components.data.status import StatusAt
from components.map import view as map_view
from components.ui import state
from components.ui.text import md


def map_panel(
    atlas: Atlas,
    sites: pd.DataFrame,
    view: View,
    prep: Prepared,
    site_mask: np.ndarray,
    event_mask: np.ndarray,
    upload: dict | None,
    status: StatusAt,
) -> None:
    """Everything in the map column. ``sites`` holds the atlas's and the analyst's sites."""
    links = map_view.asset_links()
    if not links.offline_ready:
        st.warning(
            "Map scripts were not found on this server (run scripts/setup.sh): the map "
            "is loading them from the internet and will stay blank without it."
        )
    # A selection made outside the map moves the camera; a click on the map does not.
    # A link's filters frame the sites they show, once; after that the analyst's own
    # zoom and pan are kept when filters change.
    coords = _position(sites, view.site)
    camera = None if st.session_state.get(state.FROM_MAP, False) else coords
    zoom = None if camera is None else map_view.SELECT_ZOOM
    if not st.session_state.get(state.FRAMED):
        st.session_state[state.FRAMED] = True
        shown = atlas.locations[site_mask]
        if camera is None and view.active and not shown.empty:
            box = map_view.data_bounds(shown)
            (south, west), (north, east) = box
            camera = ((south + north) / 2, (west + east) / 2)
            zoom = map_view.zoom_for_bounds(box)
    selection = (
        st.session_state.get(state.SEL_VERSION, 0),
        _position(sites, st.session_state.get(state.SEL_SITE)),
    )
    # The payload holds the events at mapped sites, in order.
    spec = map_view.layer_spec(
        site_mask,
        event_mask[prep.event_rows >= 0],
        selection,
        upload,
        map_view.status_spec(status.code, status.disputed, status.since, site_mask),
        status.as_of,
    )
    value = map_view.render_map(
        map_view.build_base_map(prep.payload_url, prep.bounds, links, prep.country_names),
        map_view.build_layer(spec),
        center=camera,
        zoom=zoom,
        on_change=partial(on_map_click, sites),
    )
    apply_click(value or {}, sites)
    away = _outside_home(atlas.locations[site_mask])
    if away:
        st.caption(md(f"Also on the map, outside Southeast Asia (zoom out to see them): {away}."))
    st.caption(
        "Colour: zone type. Shape over the dot: status as of the chosen date (see the "
        "legend); hollow = no longer running as before; ? = disputed. A halo means the "
        "point stands for a town, zone or province, not a building. Dashed outline: "
        "unverified estimate. Basemap: switch at top right."
    )


def _outside_home(shown: pd.DataFrame) -> str:
    """'3 sites in Nigeria, Sri Lanka, Zambia' for shown sites outside the framed region."""
    if shown.empty or len(map_view.home_sites(shown)) == len(shown):
        return ""
    away = shown[~shown["country"].isin(map_view.HOME_REGION)]
    names = sorted({country_name(c) for c in away["country"]})
    return f"{len(away)} site(s) in {', '.join(names)}"


def on_map_click(locations: pd.DataFrame) -> None:
    """st_folium callback (runs before the script): a marker click selects its site."""
    value = st.session_state.get(map_view.MAP_KEY) or {}
    apply_click(value, locations)


def apply_click(value: dict, locations: pd.DataFrame) -> None:
    clicked = value.get("last_object_clicked")
    if not clicked or clicked == st.session_state.get(state.LAST_CLICK):
        return
    st.session_state[state.LAST_CLICK] = clicked
    site = map_view.site_at(
        locations, clicked["lat"], clicked["lng"], value.get("last_object_clicked_tooltip")
    )
    if site:
        state.site_clicked(site)


def _position(sites: pd.DataFrame, site_id: str | None) -> tuple[float, float] | None:
    row = sites[sites["site_id"] == site_id] if site_id else sites.iloc[0:0]
    if row.empty:
        return None
    return float(row.iloc[0]["lat"]), float(row.iloc[0]["lon"])
