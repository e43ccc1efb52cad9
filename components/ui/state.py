"""Every session-state key, and the sync between widgets and the URL query string.

The URL is read into the widgets once per session; after that the widgets are the
truth and each rerun writes them back to the URL, so a copied link reproduces the view.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from components.analysis.filters import (
    Options,
    View,
    date_window,
    params_from_view,
    view_from_params,
)
from components.map import camera

COUNTRIES = "f_countries"
ZONES = "f_zones"
CONFIDENCES = "f_confidences"
QUERY = "f_query"
STATUSES = "f_statuses"
EVENT_TYPES = "f_event_types"
SITE = "site"
DATE_RANGE = "event_dates"
AS_OF = "as_of"
PLAYING = "playing"
AS_OF_NEXT = "_as_of_next"  # set by the player between runs, applied before the slider
LAST_STEP = "_play_last_step"  # time.monotonic() of the player's last step
PLAY_DONE = "_play_done"  # the player reached the last date: switch the toggle off
URL_LOADED = "_url_loaded"
URL_NOTICES = "_url_notices"
LAST_CLICK = "_last_click"
UPLOAD = "upload_file"
UPLOAD_RESULT = "_upload_result"
UPLOAD_READ = "_upload_read"  # (file key, UploadTable or the refusal message)
UPLOAD_MAPPING = "_upload_mapping"  # (file key, the confirmed atlas -> file column mapping)
UPLOAD_MAPPING_ERROR = "_upload_mapping_error"  # why the last "Use these columns" failed
UPLOAD_COLUMN = "upload_col_"  # prefix of the mapping step's select boxes (+ atlas column)
UPLOAD_USE = "upload_use_columns"  # the mapping step's button
UPLOAD_REMAP = "upload_remap"  # the button that reopens the mapping step
GEOCODE_CACHE = "_geocode_cache"  # this session's geocoder answers for its uploads
ONLINE_STOP = "online_stop"  # the "Stop asking Nominatim" button
ONLINE_STOPPED = "_online_stopped"  # the file key whose online look-ups were stopped

SEL_VERSION = "_sel_version"  # bumped when a site is chosen outside the map
SEL_SITE = "_sel_site"  # the site chosen then (a map click does not change it)
PANEL = "panel"  # the panel column's open tab (components/ui/layout.py PANELS)
DOSSIER_PANEL = "Dossier"
MAP_VIEW = "_map_view"  # a link's saved map view, (zoom, lat, lon), or None
MAP_PARAM = "map"  # the URL key the map writes its view to (see components/map/camera.py)
TABLE = "site_table"  # prefix of the site table's keys (components/ui/site_table.py)

NO_SITE = ""
GONE_SITE = "_gone_site"  # the id of an open site that left the data (forget_vanished_site)
GONE_NOTICE = (
    "The site that was open ({site}) is no longer in the data: the upload or a data file "
    "changed. Its dossier was closed."
)


def today() -> date:
    """The default "as of" date: the day the page is drawn."""
    return date.today()


def date_bounds(options: Options) -> tuple[date, date]:
    """First and last day the time controls offer (the rule links are checked by too:
    :func:`components.analysis.filters.date_window`), with 2022-01-01 .. today for data
    that has no dates."""
    first, last = date_window(options, today())
    return first or date(2022, 1, 1), last or today()


def init_from_url(options: Options) -> None:
    """On a session's first run, copy the URL's view into the widgets' keys."""
    if st.session_state.get(URL_LOADED):
        return
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    view, notices = view_from_params(params, options)
    first, last = date_bounds(options)
    st.session_state[COUNTRIES] = list(view.countries)
    st.session_state[ZONES] = list(view.zones)
    st.session_state[CONFIDENCES] = list(view.confidences)
    st.session_state[STATUSES] = list(view.statuses)
    st.session_state[EVENT_TYPES] = list(view.event_types)
    st.session_state[QUERY] = view.query
    st.session_state[DATE_RANGE] = (
        _clamp(view.start, first, last, first),
        _clamp(view.end, first, last, last),
    )
    st.session_state[AS_OF] = _clamp(view.as_of, first, last, today())
    st.session_state[SITE] = view.site or NO_SITE
    st.session_state[SEL_SITE] = view.site or NO_SITE
    st.session_state[SEL_VERSION] = 0
    if view.site:  # a link to a site opens on its dossier
        st.session_state[PANEL] = DOSSIER_PANEL
    raw = st.query_params.get(MAP_PARAM)
    st.session_state[MAP_VIEW] = camera.parse_view(raw)
    if raw and st.session_state[MAP_VIEW] is None:
        notices.append(
            f"The link's map view “{raw[:40]}” was not understood (expected "
            "zoom/latitude/longitude, e.g. 9/16.69/98.51): the map frames the shown sites."
        )
    st.session_state[URL_NOTICES] = notices
    st.session_state[URL_LOADED] = True


def _clamp(value: str | None, first: date, last: date, default: date) -> date:
    if not value:
        return default
    return min(max(date.fromisoformat(value), first), last)


def current_view(options: Options) -> View:
    """The view the widgets hold. Dates equal to their defaults are left out (None), so
    the URL names only what the analyst chose."""
    first, last = date_bounds(options)
    start, end = st.session_state.get(DATE_RANGE, (first, last))
    as_of = st.session_state.get(AS_OF, today())
    return View(
        countries=tuple(st.session_state.get(COUNTRIES, [])),
        zones=tuple(st.session_state.get(ZONES, [])),
        confidences=tuple(st.session_state.get(CONFIDENCES, [])),
        statuses=tuple(st.session_state.get(STATUSES, [])),
        event_types=tuple(st.session_state.get(EVENT_TYPES, [])),
        query=str(st.session_state.get(QUERY, "")).strip(),
        site=st.session_state.get(SITE) or None,
        start=None if start <= first else start.isoformat(),
        end=None if end >= last else end.isoformat(),
        as_of=None if as_of == today() else as_of.isoformat(),
    )


def write_url(view: View) -> None:
    """Mirror the view into the URL (only when it differs, to avoid needless updates)."""
    wanted = params_from_view(view)
    current = {k: st.query_params.get_all(k) for k in st.query_params}
    # The map writes its own view to the address as it moves; keep it.
    if current.get(MAP_PARAM):
        wanted[MAP_PARAM] = current[MAP_PARAM]
    if current != wanted:
        st.query_params.from_dict(wanted)


def choose_site(site_id: str) -> None:
    """A site chosen outside the map (the site table, the dossier's centre button): the
    selection ring and the camera follow it, even when it is the site already open."""
    st.session_state[SITE] = site_id
    st.session_state[SEL_SITE] = site_id
    st.session_state[SEL_VERSION] = st.session_state.get(SEL_VERSION, 0) + 1
    st.session_state[PANEL] = DOSSIER_PANEL


def forget_vanished_site(site_ids: pd.Series) -> str | None:
    """Close the open site when it is no longer among ``site_ids`` (an upload removed or
    replaced, a data file edited): its id, or None when nothing went. The page then shows
    :data:`GONE_NOTICE` instead of failing on a site it cannot find."""
    chosen = st.session_state.get(SITE) or None
    if not chosen or bool((site_ids == chosen).any()):
        return None
    for key in (SITE, SEL_SITE):
        st.session_state[key] = None
    st.session_state[GONE_SITE] = chosen
    return chosen


def gone_notice() -> str | None:
    """The notice for a site that was open and has gone (until another is chosen)."""
    gone = st.session_state.get(GONE_SITE)
    if not gone or st.session_state.get(SITE):
        return None
    return GONE_NOTICE.format(site=gone)


def site_clicked(site_id: str) -> None:
    """A click on the map chose ``site_id``; the browser has already ringed it."""
    st.session_state[SITE] = site_id
    st.session_state[PANEL] = DOSSIER_PANEL


def reset_filters(options: Options) -> None:
    """Widget callback: clear every filter and date (the selected site stays)."""
    first, last = date_bounds(options)
    st.session_state[COUNTRIES] = []
    st.session_state[ZONES] = []
    st.session_state[CONFIDENCES] = []
    st.session_state[STATUSES] = []
    st.session_state[EVENT_TYPES] = []
    st.session_state[QUERY] = ""
    st.session_state[DATE_RANGE] = (first, last)
    st.session_state[AS_OF] = today()
    st.session_state[PLAYING] = False


# --- the player: steps the "as of" date through time -----------------------------

PLAY_SECONDS = 1.5


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months; the 31st becomes a shorter month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def play_toggled(options: Options) -> None:
    """Toggle callback: starting at the last date rewinds to the first."""
    if st.session_state.get(PLAYING):
        first, last = date_bounds(options)
        if st.session_state.get(AS_OF, last) >= add_months(last, -1):
            st.session_state[AS_OF] = first


def step_as_of(options: Options, months: int) -> None:
    """Button callback: move the "as of" date by calendar ``months``, within bounds."""
    first, last = date_bounds(options)
    current = st.session_state.get(AS_OF, today())
    moved = add_months(current, months)
    st.session_state[AS_OF] = min(max(moved, first), last)


def apply_player() -> None:
    """Before the time widgets are drawn: take the player's next date (widget state may
    only change before its widget exists in a run)."""
    if AS_OF_NEXT in st.session_state:
        st.session_state[AS_OF] = st.session_state.pop(AS_OF_NEXT)
    if st.session_state.pop(PLAY_DONE, False):
        st.session_state[PLAYING] = False


def next_play_date(current: date, last: date) -> tuple[date, bool]:
    """The player's next date and whether it has reached the end."""
    nxt = add_months(current, 1)
    return (last, True) if nxt >= last else (nxt, False)
