"""The sidebar: filters, event dates, and the analyst's own upload (thin UI)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from components import upload
from components.analysis.filters import Options
from components.data import CONFIDENCES, PRECISIONS, ZONE_TYPES, Atlas
from components.data.labels import (
    CONFIDENCE_LABELS,
    EVENT_TYPE_LABELS,
    STATUS_LABELS,
    ZONE_LABELS,
    country_name,
)
from components.geocode import GeocodeCache, Progress, Provider, make_geocoder
from components.ui import state
from components.ui.text import md
from components.upload.columns import FILLABLE, Fill, id_prefix


def filters_sidebar(options: Options) -> DeltaGenerator:
    """Draw the sidebar's filters and time controls; return the place for upload feedback."""
    state.apply_player()
    first, last = state.date_bounds(options)
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
        st.multiselect(
            "Status as of the chosen date",
            options.statuses,
            key=state.STATUSES,
            format_func=lambda s: STATUS_LABELS.get(s, s),
            help="A site's status at the “as of” date, from its dated, sourced events. "
            "A claim another source contradicts counts, and is marked disputed.",
        )
        st.text_input(
            "Search names and aliases",
            key=state.QUERY,
            max_chars=200,
            placeholder="e.g. Kokang, Yatai, POGO",
        )
        view = state.current_view(options)
        if view.active:
            parts = []
            if view.countries:
                parts.append("country: " + ", ".join(view.countries))
            if view.zones:
                parts.append("zone: " + ", ".join(ZONE_LABELS[z] for z in view.zones))
            if view.confidences:
                parts.append("confidence: " + ", ".join(view.confidences))
            if view.statuses:
                parts.append("status: " + ", ".join(STATUS_LABELS[s] for s in view.statuses))
            if view.event_types:
                parts.append("events: " + ", ".join(view.event_types))
            if view.query:
                parts.append(f"search: “{view.query}”")
            st.caption(md("Active filters — " + "; ".join(parts)))
        st.button(
            "Reset filters",
            on_click=state.reset_filters,
            args=(options,),
            disabled=not (view.active or view.start or view.end or view.as_of),
            width="stretch",
        )
        st.divider()
        st.subheader("Time")
        # Month steps (arrow keys, drag, the buttons below), so a keyboard reaches any
        # month in a few presses; a link's exact day stays exact (it anchors the steps).
        st.select_slider(
            "Status as of",
            options=month_steps(st.session_state.get(state.AS_OF, last), first, last),
            format_func=date.isoformat,
            key=state.AS_OF,
            help="Markers show each site's status on this day; only events up to this day "
            "are drawn. Sites first reported later are hidden. The arrow keys move it a "
            "month at a time.",
        )
        back, forward = st.columns(2)
        back.button(
            "◀ 1 month",
            on_click=state.step_as_of,
            args=(options, -1),
            width="stretch",
            help="Move the “as of” date a month back.",
        )
        forward.button(
            "1 month ▶",
            on_click=state.step_as_of,
            args=(options, 1),
            width="stretch",
            help="Move the “as of” date a month on.",
        )
        st.toggle(
            "Play through time (a month a step)",
            key=state.PLAYING,
            on_change=state.play_toggled,
            args=(options,),
        )
        if st.session_state.get(state.PLAYING):
            _player(last)
        st.slider(
            "Show events between",
            min_value=first,
            max_value=last,
            format="YYYY-MM",
            key=state.DATE_RANGE,
        )
        st.multiselect(
            "Event types",
            options.event_types,
            key=state.EVENT_TYPES,
            format_func=lambda t: EVENT_TYPE_LABELS.get(t, t),
            placeholder="All event types",
        )
        st.divider()
        st.subheader("Your own sites")
        st.file_uploader(
            "Add a CSV, GeoJSON, KML or GeoPackage file of sites (lat/lon may be blank)",
            # No ``type=``: Streamlit would check the names itself and, for a name holding
            # a NUL byte, raise before the script runs, on every rerun (issue 13). The
            # app checks the name (upload.file_name_problem) and the content instead.
            key=state.UPLOAD,
            help=f"At most {upload.MAX_UPLOAD_ROWS:,} rows and "
            f"{upload.MAX_UPLOAD_BYTES // 1024 // 1024} MB, with the columns of "
            "data/locations.csv (other names, such as Latitude or Site name, are matched for "
            "you to check). Checked by the atlas's validator; rows without coordinates are "
            "placed with the offline gazetteer. GIS files: point features in WGS84.",
        )
        st.checkbox(
            "Also ask Nominatim (online) for rows the offline gazetteer cannot place",
            key="use_nominatim",
            # Ticked again after "Stop asking Nominatim": the analyst wants it again.
            on_change=lambda: st.session_state.pop(state.ONLINE_STOPPED, None),
            help=f"At most {upload.MAX_ONLINE_LOOKUPS} look-ups per file, one per second "
            "(Nominatim's usage policy allows no bulk geocoding); place larger files with "
            "the command-line geocoder.",
        )
        feedback = st.container()  # filled once the upload has been checked
        st.divider()
        st.caption(
            "Sites are the places the UN OHCHR report (29 Aug 2023) names, as reported by "
            "Kiripost, plus sites named in later reporting. Every point and figure links to "
            "its source; unverified items are marked as such."
        )
    return feedback


def month_steps(current: date, first: date, last: date) -> list[date]:
    """The "as of" control's stops: ``current`` and every whole calendar month before and
    after it (as the month buttons step: 31 January, 28 February, ...), within
    ``first`` .. ``last``, which are stops too.

    Anchoring the months on the current day keeps any day a link or the player chose
    exactly, and makes one arrow key press one month, like the buttons.
    """
    current = min(max(current, first), last)
    stops = {first, current, last}
    for direction in (-1, 1):
        months = direction
        while first < (day := state.add_months(current, months)) < last:
            stops.add(day)
            months += direction
    return sorted(stops)


@st.fragment(run_every=state.PLAY_SECONDS)
def _player(last: date) -> None:
    """While playing: step the "as of" date and redraw the whole page (map in place)."""
    if not st.session_state.get(state.PLAYING):
        return
    # The fragment also runs inside every full run: step only when the timer fired.
    now = time.monotonic()
    if now - st.session_state.get(state.LAST_STEP, 0.0) < 0.9 * state.PLAY_SECONDS:
        return
    st.session_state[state.LAST_STEP] = now
    nxt, done = state.next_play_date(st.session_state[state.AS_OF], last)
    st.session_state[state.AS_OF_NEXT] = nxt
    if done:
        st.session_state[state.PLAY_DONE] = True
    st.rerun(scope="app")


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


def geocode_cache() -> GeocodeCache:
    """This session's answers for its uploads: in memory, never shared with another
    analyst (a name one looks up is not answered from another's look-up) and gone with
    the session."""
    cache = st.session_state.get(state.GEOCODE_CACHE)
    if cache is None:
        cache = st.session_state[state.GEOCODE_CACHE] = GeocodeCache(None)
    return cache


NO_COLUMN = "(none)"
SHOWN_ITEMS = 20  # problems listed in full; the rest are counted
EXPAND_OVER = 5  # longer lists sit in an expander
# Values an analyst may give every row of a column the file lacks (columns.FILLABLE).
FILL_VALUES = {"zone_type": ZONE_TYPES, "precision": PRECISIONS, "confidence": CONFIDENCES}
# What a column the file lacks starts as (site_id: numbered rows; see _preselected).
FILL_DEFAULTS = {"confidence": "low"}
COLUMN_LABELS = {
    "site_id": "site_id: a short unique id (or number the rows)",
    "name": "name: the site's name",
    "country": "country: a name or ISO code",
    "zone_type": "zone_type: compound, casino_complex, … (or one for every row)",
    "precision": "precision: compound, town, district or province (or one for every row)",
    "lat": "lat: latitude (WGS84); none: the geocoder places rows by name",
    "lon": "lon: longitude (WGS84); none: the geocoder places rows by name",
    "confidence": "confidence: high, medium or low (or one for every row)",
}


def handle_upload(
    atlas: Atlas, use_online: bool, where: DeltaGenerator | None = None
) -> upload.UploadResult | None:
    """Read a newly uploaded file once; when its column names are not the atlas's, ask
    (in ``where``, default the sidebar) which column holds what; then check and geocode
    it once per file, mapping and geocoder choice. None while nothing is ready to draw.
    """
    file = st.session_state.get(state.UPLOAD)
    if file is None:
        for key in (state.UPLOAD_RESULT, state.UPLOAD_READ, state.UPLOAD_MAPPING):
            st.session_state.pop(key, None)
        return None
    file_key = (file.file_id, file.size)
    read = st.session_state.get(state.UPLOAD_READ)
    if not read or read[0] != file_key:
        table: upload.UploadTable | str
        problem = upload.file_name_problem(file.name)
        try:
            table = problem or upload.read_upload(file.getvalue(), file.name)
        except upload.UploadError as exc:
            table = str(exc)
        _forget_mapping()
        st.session_state[state.UPLOAD_READ] = read = (file_key, table)
    table = read[1]
    if isinstance(table, str):
        return upload.refused(upload.shown_name(file.name), table)
    confirmed = st.session_state.get(state.UPLOAD_MAPPING)
    if confirmed and confirmed[0] == file_key:
        mapping = confirmed[1]
    elif not upload.needs_mapping(table.headers):
        mapping = upload.suggest_mapping(table.headers)
    else:
        _mapping_step(table, file_key, where or st.sidebar)
        return None
    key = (file_key, tuple(mapping.items()), use_online)
    stored = st.session_state.get(state.UPLOAD_RESULT)
    if stored and stored[0] == key:
        return stored[1]
    result = upload.check_table(
        table, mapping, set(atlas.sources["source_id"]), set(atlas.locations["site_id"])
    )
    if result.error is None:
        providers = [geocoders()["gazetteer"]]
        online = use_online and st.session_state.get(state.ONLINE_STOPPED) != file_key
        if online:
            providers.append(geocoders()["nominatim"])
        bar = st.sidebar.progress(0.0, text="Placing rows without coordinates…")
        stop = st.sidebar.empty()
        if online:  # a click stops the run at the next row (Streamlit reruns at once)
            stop.button(
                "Stop asking Nominatim",
                key=state.ONLINE_STOP,
                on_click=_stop_online,
                args=(file_key,),
                help="Rows not yet asked stay without coordinates; the offline gazetteer's "
                "answers are kept.",
            )

        def progress(p: Progress) -> None:
            bar.progress(p.done / max(p.total, 1), text=f"Geocoded {p.done} of {p.total} rows")

        result = upload.geocode_upload(
            result,
            providers,
            geocode_cache(),
            progress,
            max_online=upload.MAX_ONLINE_LOOKUPS,
            should_stop=session_gone(),
        )
        bar.empty()
        stop.empty()
    st.session_state[state.UPLOAD_RESULT] = (key, result)
    return result


def _stop_online(file_key: tuple) -> None:
    """The analyst stopped the online look-ups of this file (until another file)."""
    st.session_state[state.ONLINE_STOPPED] = file_key
    st.session_state["use_nominatim"] = False


def session_gone() -> Callable[[], str | None]:
    """A check for :func:`upload.geocode_upload`: "the session ended" once this page's
    session has no browser connected (tab closed, network gone), so no look-up outlives
    its page by more than one row."""
    ctx = get_script_run_ctx()
    if ctx is None or not Runtime.exists():
        return lambda: None
    runtime, session_id = Runtime.instance(), ctx.session_id

    def check() -> str | None:
        return None if runtime.is_active_session(session_id) else "the session ended"

    return check


def _forget_mapping() -> None:
    """A new file: its own suggestions, not the last file's choices."""
    for key in list(st.session_state):
        if str(key).startswith(state.UPLOAD_COLUMN):
            del st.session_state[key]
    st.session_state.pop(state.UPLOAD_MAPPING, None)
    st.session_state.pop(state.UPLOAD_MAPPING_ERROR, None)


def column_choices(column: str, table: upload.UploadTable) -> dict[str, str | Fill | None]:
    """The options of one atlas column's select box: label -> mapping value.

    "(none)", then for :data:`~components.upload.columns.FILLABLE` columns one value for
    every row ("(every row: compound)"; for site_id "(number the rows: …)"), then the
    file's columns under their own names.
    """
    choices: dict[str, str | Fill | None] = {NO_COLUMN: None}
    if column == "site_id":
        prefix, first = id_prefix(table.name), int(table.frame.index[0]) + 2
        choices[f"(number the rows: {prefix}-{first}, {prefix}-{first + 1}, …)"] = Fill(prefix)
    for value in FILL_VALUES.get(column, ()) if column in FILLABLE else ():
        choices[f"(every row: {value})"] = Fill(value)
    choices.update({header: header for header in table.headers})
    return choices


def _preselected(column: str, suggested: str | None, choices: dict) -> str:
    """The suggested file column; else for site_id numbered rows, for confidence "low"
    (a list without a stated confidence is unverified); else "(none)"."""
    if suggested is not None:
        return suggested
    if column == "site_id":
        return next(label for label, value in choices.items() if isinstance(value, Fill))
    label = f"(every row: {FILL_DEFAULTS.get(column)})"
    return label if label in choices else NO_COLUMN


def _mapping_step(table: upload.UploadTable, file_key: tuple, where: DeltaGenerator) -> None:
    """One select box per atlas column, preselected with the suggested file column (or,
    for a column the file lacks, a value for every row where one is safe to assume)."""
    suggested = upload.suggest_mapping(table.headers)
    choices = {column: column_choices(column, table) for column in suggested}
    required = [c for c in suggested if c in upload.REQUIRED]
    optional = [c for c in suggested if c not in upload.REQUIRED]

    def box(column: str) -> None:
        options = list(choices[column])
        st.selectbox(
            COLUMN_LABELS.get(column, column),
            options,
            index=options.index(_preselected(column, suggested[column], choices[column])),
            key=f"{state.UPLOAD_COLUMN}{column}",
        )

    with where:
        st.info(
            md(
                f"{table.name}: its column names are not the atlas's. Check which of its "
                "columns holds what, then press “Use these columns”."
            )
        )
        if table.notes:
            st.markdown(bullet_list(table.notes))
        for column in required:
            box(column)
        with st.expander("Optional columns"):
            for column in optional:
                box(column)
        error = st.session_state.get(state.UPLOAD_MAPPING_ERROR)
        if error:
            st.error(md(error))
        st.button(
            "Use these columns",
            key=state.UPLOAD_USE,
            type="primary",
            on_click=_use_columns,
            args=(file_key, choices),
            width="stretch",
        )


def _use_columns(file_key: tuple, choices: dict[str, dict[str, str | Fill | None]]) -> None:
    """Button callback: keep the chosen mapping for this file, unless it is impossible."""
    mapping: dict[str, str | Fill | None] = {}
    for column, options in choices.items():
        label = st.session_state.get(f"{state.UPLOAD_COLUMN}{column}", NO_COLUMN)
        mapping[column] = options.get(label)
    files = [v for v in mapping.values() if isinstance(v, str)]
    twice = [v for v in files if files.count(v) > 1]
    if twice:
        both = " and ".join(c for c, v in mapping.items() if v == twice[0])
        st.session_state[state.UPLOAD_MAPPING_ERROR] = (
            f"'{twice[0]}' is chosen for both {both}; choose one column for each."
        )
        return
    unset = [c for c in upload.REQUIRED if c not in ("lat", "lon") and mapping.get(c) is None]
    if unset:
        st.session_state[state.UPLOAD_MAPPING_ERROR] = (
            f"Choose a column for {', '.join(unset)}"
            + (", or one value for every row" if set(unset) & set(FILLABLE) else "")
            + "."
        )
        return
    st.session_state.pop(state.UPLOAD_MAPPING_ERROR, None)
    st.session_state[state.UPLOAD_MAPPING] = (file_key, mapping)


def _remap() -> None:
    """Button callback: show the mapping step again for the same file."""
    st.session_state.pop(state.UPLOAD_MAPPING, None)
    st.session_state.pop(state.UPLOAD_RESULT, None)


def bullet_list(items: list[str], shown: int = SHOWN_ITEMS) -> str:
    """Markdown bullets of data text (escaped with :func:`md`), at most ``shown`` of
    them, then "… and N more"."""
    lines = [f"- {md(item)}" for item in items[:shown]]
    if len(items) > shown:
        lines.append(f"- … and {len(items) - shown:,} more")
    return "\n".join(lines)


def _listing(title: str, items: list[str]) -> None:
    """A warning with its items as a wrapped list; long lists folded in an expander."""
    st.warning(md(title))
    if len(items) > EXPAND_OVER:
        with st.expander("Show the list"):
            st.markdown(bullet_list(items))
    else:
        st.markdown(bullet_list(items))


def upload_feedback(result: upload.UploadResult | None, where: DeltaGenerator) -> None:
    with where:
        if result is None:
            return
        if result.error:
            st.error(md(result.error))
            if result.notes:
                st.markdown(bullet_list(result.notes))
            _remap_button()
            return
        mapped = len(result.mapped)
        if mapped:
            st.success(
                md(
                    f"{mapped} of your sites {'is' if mapped == 1 else 'are'} on the map as "
                    f"their own layer ({result.geocoded} "
                    "placed by the geocoder). They are not saved anywhere."
                )
            )
        else:  # read, but nothing to draw: not a success, and say where to look
            st.warning(
                md(
                    "None of the rows in your file is on the map: each was left out or "
                    "could not be placed. The reasons are listed below."
                )
            )
        if result.notes:
            with st.expander(f"How your file was read ({len(result.notes)})"):
                st.markdown(bullet_list(result.notes))
        if result.problems:
            _listing(f"{len(result.problems)} row(s) left out:", result.problems)
        if result.caveats:
            _listing(
                f"{len(result.caveats)} row(s) placed less surely than your file said "
                "(precision or confidence lowered):",
                result.caveats,
            )
        if result.unresolved:
            _listing(
                f"{len(result.unresolved)} row(s) could not be placed on the map:",
                result.unresolved,
            )
        _remap_button()
        st.download_button(
            "Download your sites with coordinates",
            data=result.download,
            file_name=f"geocoded-{Path(result.name).stem}.csv",
            mime="text/csv",
            key="dl_upload",
            on_click="ignore",
        )


def _remap_button() -> None:
    """For a file whose columns the analyst matched: a way back to that step."""
    if st.session_state.get(state.UPLOAD_MAPPING):
        st.button("Choose other columns", key=state.UPLOAD_REMAP, on_click=_remap)
