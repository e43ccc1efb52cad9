"""The map column: builds the rerun's layer, draws the map, turns clicks into selections."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from components.analysis.dataset import Prepared
from components.data import Atlas
from components.data.columns import TextSet
from components.data.status import StatusAt
from components.map import camera
from components.map import view as map_view
from components.ui import state


def map_panel(
    atlas: Atlas,
    sites: pd.DataFrame,
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
    command = camera_command(sites)
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
        command,
    )
    value = map_view.render_map(
        map_view.build_base_map(
            prep.payload_url, prep.bounds, links, prep.country_names, prep.places_url
        ),
        map_view.build_layer(spec),
        on_change=partial(on_map_click, sites),
    )
    apply_click(value or {}, sites)
    st.caption(
        "Shape and colour: zone type. Mark over the shape: status as of the chosen date "
        "(see the legend); hollow = no longer running as before; ? = disputed. A halo "
        "means the point stands for a town, zone or province, not a building. Dashed "
        "outline: unverified estimate. Basemap: switch at top right."
    )


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


def camera_command(sites: pd.DataFrame) -> dict:
    """What the camera does on this rerun (it runs in the browser once per version).

    A site chosen outside the map (the table, a link) centres on it; before any such
    choice, the session's first command holds: a link's saved view, its site, or a
    frame around every shown site. Filter changes re-frame in the browser itself.
    """
    version = int(st.session_state.get(state.SEL_VERSION, 0))
    chosen = _position(sites, st.session_state.get(state.SEL_SITE) or None)
    if version > 0:
        return camera.to_site(f"site-{version}", chosen) if chosen else camera.fit(f"fit-{version}")
    first = st.session_state.get(state.MAP_VIEW)
    if first:
        return camera.to_view("link", first)
    if chosen:
        return camera.to_site("link-site", chosen)
    return camera.fit("first")


def _position(sites: pd.DataFrame, site_id: str | None) -> tuple[float, float] | None:
    # One scan of the id column; no mask and no copy of the frame's rows (every
    # selection's rerun runs this on 100,000 sites and more).
    at = TextSet(sites["site_id"]).position(site_id) if site_id else -1
    if at < 0:
        return None
    return float(sites["lat"].iat[at]), float(sites["lon"].iat[at])
