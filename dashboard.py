"""Scam Centre Atlas: entry point. Page set-up, state, then one call per panel."""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path

import pandas as pd
import streamlit as st

from components import map_view, panels, state, upload
from components.data import DEFAULT_DATA_DIR, LoadResult, load_atlas
from components.filters import Options, event_mask, search_text, site_mask
from components.geocode import GeocodeCache, Progress, Provider, make_geocoder
from components.labels import CONFIDENCE_LABELS, ZONE_LABELS, country_name
from components.text import md

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


@st.cache_data(show_spinner="Loading and checking the data…", max_entries=4)
def load(directory: str, fingerprint: tuple) -> LoadResult:
    return load_atlas(directory)


@st.cache_data(show_spinner=False, max_entries=4)
def prepared(directory: str, fingerprint: tuple) -> tuple[str, tuple, dict, pd.Series]:
    """Per dataset, once: the published payload URL, bounds, names and search text."""
    atlas = load(directory, fingerprint).atlas
    payload = map_view.build_payload(atlas.locations, atlas.events, atlas.sources)
    url = map_view.publish_payload(payload)
    names = {c: country_name(c) for c in sorted(set(atlas.locations["country"]))}
    return url, map_view.data_bounds(atlas.locations), names, search_text(atlas.locations)


@st.cache_resource(show_spinner=False)
def geocoders() -> dict[str, Provider]:
    """One shared, rate-limited geocoder per provider, and one shared answer cache.

    Nominatim is asked only when the analyst opts in; ``ATLAS_NOMINATIM_URL`` points
    it at another Nominatim-compatible server (a mirror on a restricted network).
    """
    return {
        "gazetteer": make_geocoder("gazetteer"),
        "nominatim": make_geocoder(
            "nominatim",
            url=os.environ.get("ATLAS_NOMINATIM_URL") or None,
            user_agent="scam-centre-atlas/1.0 (dashboard upload)",
            timeout=5.0,
            max_retries=1,
            error_wait_seconds=1.0,
            max_retry_after=5.0,
        ),
    }


@st.cache_resource(show_spinner=False)
def geocode_cache() -> GeocodeCache:
    return GeocodeCache(None)  # in memory only: nothing uploaded is written to disk


def handle_upload(atlas, use_online: bool) -> upload.UploadResult | None:
    """Check and geocode a newly uploaded file once; keep the result for the session."""
    file = st.session_state.get(state.UPLOAD)
    if file is None:
        st.session_state.pop(state.UPLOAD_RESULT, None)
        return None
    key = (file.file_id, file.size, use_online)
    stored = st.session_state.get(state.UPLOAD_RESULT)
    if stored and stored[0] == key:
        return stored[1]
    result = upload.check_upload(
        file.getvalue(),
        file.name,
        set(atlas.sources["source_id"]),
        set(atlas.locations["site_id"]),
    )
    if result.error is None:
        providers = [geocoders()["gazetteer"]]
        if use_online:
            providers.append(geocoders()["nominatim"])
        bar = st.sidebar.progress(0.0, text="Placing rows without coordinates…")

        def progress(p: Progress) -> None:
            bar.progress(p.done / max(p.total, 1), text=f"Geocoded {p.done} of {p.total} rows")

        result = upload.geocode_upload(result, providers, geocode_cache(), progress)
        bar.empty()
    st.session_state[state.UPLOAD_RESULT] = (key, result)
    return result


def upload_feedback(result: upload.UploadResult | None) -> None:
    with st.sidebar:
        if result is None:
            return
        if result.error:
            st.error(md(result.error))
            return
        mapped = len(result.mapped)
        st.success(
            md(
                f"{mapped} of your sites are on the map as their own layer ({result.geocoded} "
                "placed by the geocoder). They are not saved anywhere."
            )
        )
        if result.problems:
            st.warning(md(f"{len(result.problems)} row(s) left out:"))
            st.code("\n".join(result.problems))
        if result.unresolved:
            st.warning(md(f"{len(result.unresolved)} row(s) could not be placed on the map:"))
            st.code("\n".join(result.unresolved))
        st.download_button(
            "Download your sites with coordinates",
            data=result.download(),
            file_name=f"geocoded-{result.name}",
            mime="text/csv",
            key="dl_upload",
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


def sidebar(options: Options) -> tuple[str, str]:
    with st.sidebar:
        st.header("Filters")
        st.multiselect(
            "Country",
            options.countries,
            key=state.COUNTRIES,
            format_func=lambda c: f"{country_name(c)} ({c})",
        )
        st.multiselect("Zone type", options.zones, key=state.ZONES, format_func=ZONE_LABELS.get)
        st.multiselect(
            "Confidence",
            options.confidences,
            key=state.CONFIDENCES,
            format_func=CONFIDENCE_LABELS.get,
        )
        st.text_input(
            "Search names and aliases",
            key=state.QUERY,
            max_chars=200,
            placeholder="e.g. Kokang, Yatai, POGO",
        )
        view = state.current_view()
        if view.active:
            parts = []
            if view.countries:
                parts.append("country: " + ", ".join(view.countries))
            if view.zones:
                parts.append("zone: " + ", ".join(ZONE_LABELS[z] for z in view.zones))
            if view.confidences:
                parts.append("confidence: " + ", ".join(view.confidences))
            if view.query:
                parts.append(f"search: “{view.query}”")
            st.caption(md("Active filters — " + "; ".join(parts)))
        st.button(
            "Reset filters",
            on_click=state.reset_filters,
            disabled=not view.active,
            width="stretch",
        )
        st.divider()
        st.subheader("Event dates")
        start, end = st.slider(
            "Show events between",
            min_value=date(2022, 1, 1),
            max_value=date(2026, 12, 31),
            value=(date(2022, 1, 1), date(2026, 12, 31)),
            format="YYYY-MM",
            key=state.DATE_RANGE,
        )
        st.divider()
        st.subheader("Your own sites")
        st.file_uploader(
            "Add a CSV with the columns of data/locations.csv (lat/lon may be blank)",
            type=["csv"],
            key=state.UPLOAD,
            help=f"At most {upload.MAX_UPLOAD_ROWS:,} rows and "
            f"{upload.MAX_UPLOAD_BYTES // 1024 // 1024} MB. Checked by the atlas's validator; "
            "rows without coordinates are placed with the offline gazetteer.",
        )
        st.checkbox(
            "Also ask Nominatim (online) for rows the offline gazetteer cannot place",
            key="use_nominatim",
        )
        st.divider()
        st.caption(
            "Sites are the places the UN OHCHR report (29 Aug 2023) names, as reported by "
            "Kiripost, plus sites named in later reporting. Every point and figure links to "
            "its source; unverified items are marked as such."
        )
    return start.isoformat(), end.isoformat()


def main() -> None:
    directory = data_dir()
    fingerprint = _fingerprint(directory) if directory.is_dir() else ()
    st.title("Scam Centre Atlas")
    st.caption(
        "Where forced-criminality scam centres in Southeast Asia have been reported, what is "
        "known about each site, and where that knowledge comes from."
    )
    if not directory.is_dir():
        st.error(
            f"Data folder not found: {directory}. Set ATLAS_DATA_DIR to a folder "
            "holding locations.csv, figures.csv, events.csv and sources.csv."
        )
        return
    result = load(str(directory), fingerprint)
    panels.problems_banner(result.problems, str(directory), result.fatal)
    atlas = result.atlas
    if result.fatal or atlas.locations.empty:
        return
    locations = atlas.locations
    options = Options(
        countries=tuple(sorted(set(locations["country"]))),
        zones=tuple(z for z in ZONE_LABELS if z in set(locations["zone_type"])),
        confidences=tuple(c for c in CONFIDENCE_LABELS if c in set(locations["confidence"])),
        sites=frozenset(locations["site_id"]),
    )
    state.init_from_url(options)
    for notice in st.session_state.get(state.URL_NOTICES, []):
        st.info(md(notice))

    start, end = sidebar(options)
    view = state.current_view()
    uploaded = handle_upload(atlas, bool(st.session_state.get("use_nominatim")))
    upload_feedback(uploaded)
    payload_url, bounds, names, haystack = prepared(str(directory), fingerprint)
    mask = site_mask(locations, view, haystack)
    mine = uploaded.mapped if uploaded is not None else locations.iloc[0:0]
    mine_mask = site_mask(mine, view)
    # Every site the analyst can see, click and export: the atlas's and their own.
    sites = pd.concat(
        [locations.assign(origin="atlas"), mine.assign(origin="your upload")], ignore_index=True
    )
    shown = pd.concat(
        [locations[mask].assign(origin="atlas"), mine[mine_mask].assign(origin="your upload")],
        ignore_index=True,
    )
    shown_ids = set(shown["site_id"])
    ev_mask = event_mask(atlas.events, shown_ids, view, start, end)

    panels.summary_metrics(shown, atlas, view.countries, int(ev_mask.sum()))
    if len(mine):
        st.caption(md(f"Including {int(mine_mask.sum())} of your {len(mine)} uploaded sites."))
    if shown.empty:
        st.warning("No site matches these filters. Use “Reset filters” in the sidebar.")

    left, right = st.columns([3, 2], gap="medium")
    with left:
        links = map_view.asset_links()
        if not links.offline_ready:
            st.warning(
                "Map scripts were not found on this server (run scripts/setup.sh): the map "
                "is loading them from the internet and will stay blank without it."
            )
        coords = _position(sites, view.site)
        from_map = st.session_state.get(state.FROM_MAP, False)
        base = map_view.build_base_map(payload_url, bounds, links, names)
        layer_events = _payload_event_mask(atlas.events, ev_mask, locations)
        selection = (
            st.session_state.get(state.SEL_VERSION, 0),
            _position(sites, st.session_state.get(state.SEL_SITE)),
        )
        layer = map_view.build_layer(
            map_view.layer_spec(
                mask,
                layer_events,
                selection,
                map_view.upload_payload(mine[mine_mask], atlas.sources),
            )
        )
        value = map_view.render_map(
            base,
            layer,
            center=None if from_map or coords is None else coords,
            zoom=None if from_map or coords is None else map_view.SELECT_ZOOM,
            on_change=partial(on_map_click, sites),
        )
        apply_click(value or {}, sites)
        st.caption(
            "Colour: zone type. A halo means the point stands for a town, zone or province, "
            "not a building. Dashed: unverified estimate. Basemap: switch at top right."
        )
    with right:
        ids = [state.NO_SITE, *sites.sort_values("name")["site_id"]]
        label_of = dict(zip(sites["site_id"], sites["name"], strict=True))
        st.selectbox(
            "Site dossier",
            ids,
            key=state.SITE,
            format_func=lambda s: "Choose a site…" if s == state.NO_SITE else label_of[s],
            on_change=state.site_chosen,
        )
        panels.dossier_panel(
            st.session_state.get(state.SITE) or None, replace(atlas, locations=sites), shown_ids
        )

    people, timeline, downloads = st.tabs(["People held", "Events timeline", "Export"])
    with people:
        panels.people_panel(atlas, view.countries)
    with timeline:
        panels.events_panel(atlas.events[ev_mask], atlas.sources)
    with downloads:
        panels.export_panel(shown, atlas.sources)

    state.write_url(state.current_view())


def _position(sites: pd.DataFrame, site_id: str | None) -> tuple[float, float] | None:
    row = sites[sites["site_id"] == site_id] if site_id else sites.iloc[0:0]
    if row.empty:
        return None
    return float(row.iloc[0]["lat"]), float(row.iloc[0]["lon"])


def _payload_event_mask(events: pd.DataFrame, mask, locations: pd.DataFrame):
    """The event mask restricted to the events the map payload holds (those at sites),
    in payload order."""
    at_site = events["site_id"].isin(set(locations["site_id"])).to_numpy()
    return mask[at_site]


try:
    main()
except Exception:  # Last line of defence: log it, never show a traceback on the page.
    logging.getLogger("atlas").exception("Unexpected error while drawing the page")
    st.error(
        "Something went wrong while drawing this view. The details were written to the "
        "server log. Try “Reset filters” or reload the page."
    )
