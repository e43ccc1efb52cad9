"""Every session-state key, and the sync between widgets and the URL query string.

The URL is read into the widgets once per session; after that the widgets are the
truth and each rerun writes them back to the URL, so a copied link reproduces the view.
"""

from __future__ import annotations

import streamlit as st

from components.analysis.filters import Options, View, params_from_view, view_from_params

COUNTRIES = "f_countries"
ZONES = "f_zones"
CONFIDENCES = "f_confidences"
QUERY = "f_query"
SITE = "site"
DATE_RANGE = "event_dates"
URL_LOADED = "_url_loaded"
URL_NOTICES = "_url_notices"
LAST_CLICK = "_last_click"
UPLOAD = "upload_file"
UPLOAD_RESULT = "_upload_result"

SEL_VERSION = "_sel_version"  # bumped when a site is chosen outside the map
SEL_SITE = "_sel_site"  # the site chosen then (a map click does not change it)
FROM_MAP = "_site_from_map"
FRAMED = "_framed"  # the first render has framed a link's filtered sites

NO_SITE = ""


def init_from_url(options: Options) -> None:
    """On a session's first run, copy the URL's view into the widgets' keys."""
    if st.session_state.get(URL_LOADED):
        return
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    view, notices = view_from_params(params, options)
    st.session_state[COUNTRIES] = list(view.countries)
    st.session_state[ZONES] = list(view.zones)
    st.session_state[CONFIDENCES] = list(view.confidences)
    st.session_state[QUERY] = view.query
    st.session_state[SITE] = view.site or NO_SITE
    st.session_state[SEL_SITE] = view.site or NO_SITE
    st.session_state[SEL_VERSION] = 0
    st.session_state[URL_NOTICES] = notices
    st.session_state[URL_LOADED] = True


def current_view() -> View:
    return View(
        countries=tuple(st.session_state.get(COUNTRIES, [])),
        zones=tuple(st.session_state.get(ZONES, [])),
        confidences=tuple(st.session_state.get(CONFIDENCES, [])),
        query=str(st.session_state.get(QUERY, "")).strip(),
        site=st.session_state.get(SITE) or None,
    )


def write_url(view: View) -> None:
    """Mirror the view into the URL (only when it differs, to avoid needless updates)."""
    wanted = params_from_view(view)
    current = {k: st.query_params.get_all(k) for k in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)


def site_chosen() -> None:
    """Select box callback: a selection made outside the map (the camera follows it)."""
    st.session_state[FROM_MAP] = False
    st.session_state[SEL_SITE] = st.session_state.get(SITE, NO_SITE)
    st.session_state[SEL_VERSION] = st.session_state.get(SEL_VERSION, 0) + 1


def site_clicked(site_id: str) -> None:
    """A click on the map chose ``site_id``; the browser has already ringed it."""
    st.session_state[SITE] = site_id
    st.session_state[FROM_MAP] = True


def reset_filters() -> None:
    """Widget callback: clear every filter (the selected site stays)."""
    st.session_state[COUNTRIES] = []
    st.session_state[ZONES] = []
    st.session_state[CONFIDENCES] = []
    st.session_state[QUERY] = ""
