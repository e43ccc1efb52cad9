"""Scam Centre Atlas: entry point. Page set-up, state, then one call per panel."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from components.analysis.dataset import Prepared
from components.analysis.figures import Shown
from components.analysis.filters import View, event_mask, site_mask
from components.data import DEFAULT_DATA_DIR, Atlas
from components.data.labels import repeated_names, site_labels
from components.data.status import StatusAt
from components.data.version import DataVersion
from components.export import pack as evidence_pack
from components.map import view as map_view
from components.ui import evidence, layout, panels, state
from components.ui.header import header, headline_source
from components.ui.map_panel import map_panel
from components.ui.people import people_panel
from components.ui.serving import load, prepared, server_once
from components.ui.sidebar import filters_sidebar, handle_upload, upload_feedback
from components.ui.site_table import repeated_site_names, site_table_panel
from components.ui.text import md
from components.ui.theme import apply_theme

st.set_page_config(page_title="Scam Centre Atlas", page_icon="🗺️", layout="wide")


def data_dir() -> Path:
    return Path(os.environ.get("ATLAS_DATA_DIR") or DEFAULT_DATA_DIR)


def _fingerprint(directory: Path) -> tuple:
    """Changes when any data file changes, so the cache reloads edited data."""
    return tuple(
        (p.name, p.stat().st_mtime_ns, p.stat().st_size)
        for p in sorted(directory.glob("*.csv"))
        if p.is_file()
    )


def main() -> None:
    server_once()
    directory = data_dir()
    fingerprint = _fingerprint(directory) if directory.is_dir() else ()
    layout.page_style()
    apply_theme()
    if not directory.is_dir():
        st.title("Scam Centre Atlas")
        st.error(
            f"Data folder not found: {directory}. Set ATLAS_DATA_DIR to a folder "
            "holding locations.csv, figures.csv, events.csv and sources.csv."
        )
        return
    served = load(str(directory), fingerprint)
    result = served.result
    if result is None or result.fatal or result.atlas.locations.empty:
        st.title("Scam Centre Atlas")
    panels.data_banner(served, directory.name)
    if result is None or result.fatal or result.atlas.locations.empty:
        return
    atlas = result.atlas
    locations = atlas.locations
    prep = prepared(served.version.sha256 if served.version else "", atlas)
    if map_view.payload_inline(prep.payload_url):
        panels.payload_banner(map_view.GENERATED_DIR)
    state.init_from_url(prep.options)
    feedback = filters_sidebar(prep.options)
    view = state.current_view(prep.options)
    uploaded = handle_upload(atlas, bool(st.session_state.get("use_nominatim")), feedback)
    upload_feedback(uploaded, feedback)
    as_of = view.as_of or state.today().isoformat()
    status = prep.status.at(as_of)
    mask = site_mask(locations, view, prep.haystack, status)
    ev_mask = event_mask(atlas.events, prep.event_rows, mask, replace(view, as_of=as_of))
    mine = uploaded.mapped if uploaded is not None else locations.iloc[0:0]
    mine_mask = site_mask(mine, view)
    if len(mine):
        # The analyst's sites join the atlas's for clicks, the dossier and exports.
        sites = pd.concat(
            [locations.assign(origin="atlas"), mine.assign(origin="your upload")],
            ignore_index=True,
        )
        shown_mask = np.concatenate([mask, mine_mask])
    else:
        sites, shown_mask = locations, mask
    # What the header and side panels read of the shown sites (a session keeps this, not
    # the shown rows: their ids and countries were 28 MB per session at 1,000,000 sites).
    shown = Shown.of(sites["country"][shown_mask])

    state.forget_vanished_site(sites["site_id"])  # an open site the data lost
    header(shown, atlas, int(ev_mask.sum()))
    # Sites the other filters keep but the date hides (first reported later).
    undated_view = replace(view, statuses=())
    later = int((site_mask(locations, undated_view, prep.haystack) & ~status.reported).sum())

    _map_and_side(
        Frame(
            atlas,
            prep,
            sites,
            shown,
            shown_mask,
            mine,
            mine_mask,
            mask,
            ev_mask,
            status,
            served.version,
        ),
        replace(view, as_of=as_of),
        later,
    )


@dataclass(frozen=True)
class Frame:
    """One full run's data, handed to the map-and-side fragment (read-only)."""

    atlas: Atlas
    prep: Prepared
    sites: pd.DataFrame
    shown: Shown  # how many sites are shown, and their countries
    shown_mask: np.ndarray  # bool over ``sites``: the site is shown
    mine: pd.DataFrame
    mine_mask: np.ndarray
    mask: np.ndarray
    ev_mask: np.ndarray
    status: StatusAt
    version: DataVersion | None  # of the files the shown tables came from


# A fragment: choosing a site (table, map click, dossier button, tab) reruns only the
# map and the side panels, not the header and sidebar; a filter change (sidebar) still
# reruns the whole page. Streamlit calls it again with the last full run's arguments.
@st.fragment
def _map_and_side(frame: Frame, view: View, later: int) -> None:
    try:
        _draw_map_and_side(frame, view, later)
    except Exception:  # A fragment rerun is outside main()'s guard.
        logging.getLogger("atlas").exception("Unexpected error while drawing the map or panels")
        st.error(
            "Something went wrong while drawing the map and panels. The details were written "
            "to the server log. Use “Reset filters” in the sidebar, or reload the page."
        )


def _draw_map_and_side(frame: Frame, view: View, later: int) -> None:
    atlas, prep, sites, shown = frame.atlas, frame.prep, frame.sites, frame.shown
    mine, mine_mask, mask, ev_mask = frame.mine, frame.mine_mask, frame.mask, frame.ev_mask
    status, as_of, locations = frame.status, view.as_of, atlas.locations
    left, right = st.columns([layout.MAP_SHARE, 1 - layout.MAP_SHARE], gap="small")
    with left:
        map_panel(
            atlas,
            sites,
            prep,
            mask,
            ev_mask,
            map_view.upload_payload(mine[mine_mask], atlas.sources),
            status,
        )
    with right, st.container(key="atlas_side"):
        for notice in st.session_state.get(state.URL_NOTICES, []):
            st.info(md(notice))
        if gone := state.gone_notice():
            st.info(md(gone))
        if not shown.count:
            st.warning("No site matches these filters. Use “Reset filters” in the sidebar.")
        headline_source(shown.countries, atlas)
        panels.time_caption(status, mask, as_of, later)
        if len(mine):
            st.caption(md(f"Including {int(mine_mask.sum())} of your {len(mine)} uploaded sites."))
        tabs = st.tabs(list(layout.PANELS), key=state.PANEL, on_change="rerun")
        table, dossier, people, timeline, downloads = tabs
        with table:
            if table.open is not False:
                site_table_panel(prep, locations, mask, status, ev_mask)
                _upload_picker(mine[mine_mask])
        with dossier:
            if dossier.open is not False:
                chosen = st.session_state.get(state.SITE) or None
                rows = np.flatnonzero((sites["site_id"] == chosen).to_numpy(dtype=bool))
                is_shown = bool(chosen) and bool(frame.shown_mask[rows].any())
                if chosen:
                    st.button(
                        "Centre the map on this site",
                        on_click=state.choose_site,
                        args=(chosen,),
                        key="centre_on_site",
                    )
                # Names borne by more than one site, counted once per dataset.
                repeated = (
                    repeated_names(sites["name"])
                    if len(mine)
                    else repeated_site_names(prep, locations)
                )
                panels.dossier_panel(chosen, replace(atlas, locations=sites), is_shown, repeated)
        with people:
            if people.open is not False:
                people_panel(shown.countries, atlas)
        with timeline:
            if timeline.open is not False:
                panels.events_panel(atlas.events[ev_mask], atlas.sources)
        with downloads:
            if downloads.open is not False:
                mapped = evidence_pack.with_status(locations[mask], status, mask)
                if len(mine):
                    mapped = pd.concat(
                        [
                            mapped.assign(origin="atlas"),
                            mine[mine_mask].assign(origin="your upload"),
                        ],
                        ignore_index=True,
                    )
                frames = evidence.ViewFrames(
                    view=view,
                    as_of=as_of,
                    sites=mapped,
                    events=atlas.events[ev_mask],
                    version=frame.version,
                    has_upload=bool(len(mine)),
                )
                evidence.export_panel(frames, atlas)

    state.write_url(state.current_view(prep.options))


def _upload_picker(mine: pd.DataFrame) -> None:
    """The analyst's own uploaded sites, by label (they are not in the atlas's table)."""
    if mine.empty:
        return
    ids = mine["site_id"].tolist()
    # Two uploaded sites with one name are told apart by their site ids.
    names = dict(zip(ids, site_labels(mine["name"].tolist(), ids), strict=True))
    st.selectbox(
        "Open one of your uploaded sites",
        [state.NO_SITE, *sorted(names, key=lambda s: names[s].casefold())],
        key=UPLOAD_PICK,
        format_func=lambda s: "Choose a site…" if s == state.NO_SITE else names[s],
        on_change=lambda: (
            state.choose_site(st.session_state[UPLOAD_PICK])
            if st.session_state.get(UPLOAD_PICK)
            else None
        ),
    )


UPLOAD_PICK = "upload_pick"

try:
    main()
except Exception:  # Last line of defence: log it, never show a traceback on the page.
    logging.getLogger("atlas").exception("Unexpected error while drawing the page")
    st.error(
        "Something went wrong while drawing this page. The details were written to the "
        "server log. Reload the page; if it happens again, tell whoever runs this server."
    )
