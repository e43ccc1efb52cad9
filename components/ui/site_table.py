"""The table of shown sites: search, sort, page, and choose a site from it.

Only one page (50 rows) travels to the browser per rerun, so it stays fast at 100,000
sites; searching and sorting run on the server over every shown site
(:mod:`components.analysis.site_table`). Choosing a row selects the site as a choice
made outside the map (:func:`components.ui.state.choose_site`): the map follows it and
the dossier opens.

The grid (``st.dataframe``, Streamlit 1.67) is drawn on a canvas, over a hidden table
that Chromium exposes to screen readers (only the rows scrolled into view). Measured in
Chromium: Tab reaches the grid, the arrow keys move a focused cell (announced from that
table), Shift+Space ticks the focused cell's row (which chooses the site) and
Ctrl+Space selects its column (which sorts by it); Space and Enter alone do not tick.
As Shift+Space is not discoverable, the page is also offered as a select box of plain
text ("Open a site from this page"), one option per row with every column.

The grid's own header sorting would sort only this page, so column selection is turned
on (which turns that sorting off) and a heading click sorts every page instead. Its
column menu (Sort, Statistics), toolbar search and CSV download still cover this page
only, which the caption above the grid says.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from components.analysis.dataset import Prepared
from components.analysis.site_table import (
    COLUMNS,
    PAGE_SIZE,
    SORTS,
    TableKeys,
    TablePage,
    event_counts,
    site_rows,
)
from components.data.labels import repeated_names, site_labels
from components.data.memory import release_freed_memory
from components.data.status import StatusAt
from components.ui import state
from components.ui.text import md

QUERY = f"{state.TABLE}_query"  # the table's own search (within the shown sites)
SORT = f"{state.TABLE}_sort"  # one of SORTS
DESCENDING = f"{state.TABLE}_descending"
PAGE = f"{state.TABLE}_page"  # 0-based page (plain state, not a widget)
GRID = f"{state.TABLE}_grid"  # the st.dataframe's key is GRID-<GRID_VERSION>
GRID_VERSION = f"{state.TABLE}_grid_version"  # bumped to start the grid afresh
PICK = f"{state.TABLE}_pick"  # the plain-text chooser for keyboard and screen readers

SEARCH_LABEL = "Find a site in the table"
SORT_LABEL = "Sort the table by"
DESCENDING_LABEL = "Descending"
PICK_LABEL = "Open a site from this page"
PREVIOUS_LABEL = "Previous page"
NEXT_LABEL = "Next page"
GO_TO_SELECTED_LABEL = "Show the selected site's row"
# What "descending" means for each column, said beside the toggle.
ORDER_WORDS = {
    "Site": ("A to Z", "Z to A"),
    "Country": ("A to Z", "Z to A"),
    "Zone type": ("A to Z", "Z to A"),
    "Status": ("reported first … forfeited last", "forfeited first … reported last"),
    "Confidence": ("low first", "high first"),
    "Events": ("fewest first", "most first"),
}

# Column widths in pixels: a page of 50 rows would otherwise size them by its own
# content and jump as the pages turn. Long cells are cut; the chooser below and the
# dossier show them whole.
COLUMN_WIDTHS = {
    "Site": 220,
    "Country": 110,
    "Zone type": 150,
    "Status": 190,
    "Confidence": 130,
    "Events": 70,
}

# TableKeys per dataset: keyed by the id of the (cached, long-lived) Prepared object and
# dropped when that object is, so a reloaded dataset never reads another's ranks.
_KEYS: dict[int, TableKeys] = {}


def table_keys(prep: Prepared, locations: pd.DataFrame) -> TableKeys:
    """The sort ranks and search text of ``locations``, built once per ``prep``."""
    keys = _KEYS.get(id(prep))
    if keys is None or len(keys) != len(locations):
        keys = TableKeys.build(locations, prep.haystack)
        release_freed_memory()  # the build's garbage: 270 MB at 1,000,000 sites
        if id(prep) not in _KEYS:
            weakref.finalize(prep, _KEYS.pop, id(prep), None)
        _KEYS[id(prep)] = keys
    return keys


# Names more than one site bears (labels.repeated_names), per dataset as _KEYS: the
# chooser adds the site id to those so two sites never read the same.
_REPEATED: dict[int, tuple[int, frozenset[str]]] = {}


def repeated_site_names(prep: Prepared, locations: pd.DataFrame) -> frozenset[str]:
    """The names of ``locations`` that more than one site bears, built once per ``prep``."""
    found = _REPEATED.get(id(prep))
    if found is None or found[0] != len(locations):
        if id(prep) not in _REPEATED:
            weakref.finalize(prep, _REPEATED.pop, id(prep), None)
        found = (len(locations), repeated_names(locations["name"]))
        release_freed_memory()
        _REPEATED[id(prep)] = found
    return found[1]


def site_table_panel(
    prep: Prepared,
    locations: pd.DataFrame,
    mask: np.ndarray,
    status: StatusAt,
    ev_mask: np.ndarray,
) -> None:
    """Draw the table of the shown sites (``mask`` over ``locations`` rows), their
    status at the "as of" date (``status``) and shown events (``ev_mask`` over the
    atlas's events, mapped to sites by ``prep.event_rows``).

    Reads and writes only the ``state.TABLE``-prefixed keys, plus the selected site
    (``state.SITE`` and friends, through :func:`state.choose_site`) when a row is chosen.
    """
    keys = table_keys(prep, locations)
    counts = event_counts(prep.event_rows, ev_mask, len(locations))
    selected = st.session_state.get(state.SITE) or None

    st.text_input(
        SEARCH_LABEL,
        key=QUERY,
        on_change=_first_page,
        placeholder="Name, alias or country",
        help="Searches the sites the map shows: names, aliases and country names, "
        "ignoring case and accents.",
    )
    sort_col, order_col = st.columns([3, 2], vertical_alignment="bottom")
    sort = sort_col.selectbox(SORT_LABEL, SORTS, key=SORT, on_change=_first_page)
    descending = order_col.toggle(DESCENDING_LABEL, key=DESCENDING, on_change=_first_page)

    page = site_rows(
        locations,
        mask,
        status.index,  # int8 positions: sorting by status needs no string work
        status.disputed,
        counts,
        query=str(st.session_state.get(QUERY, "")),
        sort=sort,
        descending=descending,
        page=int(st.session_state.get(PAGE, 0)),
        page_size=PAGE_SIZE,
        selected=selected,
        keys=keys,
    )
    st.session_state[PAGE] = page.page  # clamped: the filters may have shrunk the table
    ids = tuple(page.rows["site_id"])

    if page.total == 0:
        st.info("No shown site matches this search." if _query() else "No site is shown.")
        return
    st.caption(md(_order_caption(sort, descending, page.total)))
    key = grid_key()
    _mark_selected(key, page)
    st.dataframe(
        page.rows,
        key=key,
        on_select=partial(_grid_changed, ids, key),
        # Column selection turns the grid's own header sorting off (it would sort only
        # this page): a header click sorts the whole table instead (_grid_changed). No
        # cell selection: with it, tabbing into the grid selects its first cell, which
        # would choose the first site (seen in Chromium).
        selection_mode=["single-row", "single-column"],
        hide_index=True,
        column_order=COLUMNS,
        column_config={
            name: st.column_config.Column(width=width) for name, width in COLUMN_WIDTHS.items()
        },
        alt=f"Shown sites, page {page.page + 1} of {page.pages}",
        width="stretch",
    )
    _navigation(page)
    _chooser(page, ids, repeated_site_names(prep, locations))


def _query() -> str:
    return str(st.session_state.get(QUERY, "")).strip()


def _order_caption(sort: str, descending: bool, total: int) -> str:
    words = ORDER_WORDS[sort][1 if descending else 0]
    ties = "" if sort == "Site" else ", ties by name"
    sites = "1 site" if total == 1 else f"{total:,} sites"
    return (
        f"{sites}, sorted by {sort.lower()} ({words}{ties}) across all pages. Tick a row's "
        "box (keyboard: arrow keys, then Shift+Space) to open its dossier; click a column "
        "heading to sort all pages by it. The grid's own column menu, search and download "
        "cover this page only."
    )


def _navigation(page: TablePage) -> None:
    prev_col, text_col, next_col = st.columns([1, 3, 1], vertical_alignment="center")
    prev_col.button(
        PREVIOUS_LABEL,
        key=f"{state.TABLE}_prev",
        on_click=_set_page,
        args=(page.page - 1,),
        disabled=page.page == 0,
        width="stretch",
    )
    text_col.caption(
        f"Page {page.page + 1:,} of {page.pages:,} · rows {page.start + 1:,}–{page.stop:,} "
        f"of {page.total:,}"
    )
    next_col.button(
        NEXT_LABEL,
        key=f"{state.TABLE}_next",
        on_click=_set_page,
        args=(page.page + 1,),
        disabled=page.page >= page.pages - 1,
        width="stretch",
    )
    if page.selected_page is not None and page.selected_page != page.page:
        st.button(
            f"{GO_TO_SELECTED_LABEL} (page {page.selected_page + 1:,})",
            key=f"{state.TABLE}_goto",
            on_click=_set_page,
            args=(page.selected_page,),
        )


def _chooser(page: TablePage, ids: Sequence[str], repeated: frozenset[str]) -> None:
    """The page as a select box of plain text: reachable by keyboard, read by screen
    readers (the grid's canvas is neither). A site whose name another site bears (in
    ``repeated``, from every shown or hidden site) is named with its site id."""
    rows = page.rows
    names = site_labels(rows["Site"].tolist(), rows["site_id"].tolist(), repeated)
    text = {
        site: f"{name} · {country} · {zone} · {status} · {confidence} confidence · "
        f"{events:,} event{'' if events == 1 else 's'}"
        for site, name, country, zone, status, confidence, events in zip(
            rows["site_id"], names, *(rows[c] for c in COLUMNS[1:]), strict=True
        )
    }
    # An action, not a state: it starts empty each run, so choosing the site that is
    # already open chooses it again (and the map centres on it again).
    st.session_state[PICK] = state.NO_SITE
    st.selectbox(
        PICK_LABEL,
        [state.NO_SITE, *ids],
        key=PICK,
        format_func=lambda s: text.get(s, "Choose a site…"),
        on_change=_picked,
        help="The rows of this page as text, for the keyboard and screen readers.",
    )


def grid_key() -> str:
    """The grid's widget key now (its selection state lives under it)."""
    return f"{GRID}-{st.session_state.get(GRID_VERSION, 0)}"


def _mark_selected(key: str, page: TablePage) -> None:
    """Make the grid show the selected site's row as selected, and nothing else (a page
    change, a map click or a heading click must not leave another mark).

    Written only when the grid's state differs: Streamlit 1.67's grid applies a state
    set from Python only when it differs from the last one applied, so writing the
    same state every run would leave a heading the user clicked marked (see
    :func:`_grid_changed` for when the grid is started afresh instead).
    """
    wanted = [] if page.selected_row is None else [page.selected_row]
    current = (st.session_state.get(key) or {}).get("selection") or {}
    has = (
        list(current.get("rows", [])),
        list(current.get("columns", [])),
        list(current.get("cells", [])),
    )
    if has != (wanted, [], []):
        st.session_state[key] = {"selection": {"rows": wanted, "columns": [], "cells": []}}


def _grid_changed(ids: Sequence[str], key: str) -> None:
    """st.dataframe callback: ticking a row chooses its site; a click on a column
    heading sorts the whole table by it (again: flips the order). ``ids``: the site
    ids of the page the click was on; ``key``: the grid's key.

    After a heading click, or a click that unticks the chosen row, the grid is started
    afresh (a new key). Streamlit 1.67's grid ignores a state set from Python that
    equals the last one it applied: after two heading clicks the second "clear" is
    ignored, the heading stays selected and a click on it again unselects it instead
    of flipping the order (seen in Chromium); an unticked row would stay unticked.
    """
    selection = (st.session_state.get(key) or {}).get("selection") or {}
    columns = [c for c in selection.get("columns", []) if c in SORTS]
    rows = [r for r in selection.get("rows", []) if 0 <= r < len(ids)]
    if columns:
        if st.session_state.get(SORT) == columns[0]:
            st.session_state[DESCENDING] = not st.session_state.get(DESCENDING, False)
        else:
            st.session_state[SORT] = columns[0]
            st.session_state[DESCENDING] = columns[0] == "Events"  # most events first
        _first_page()
    elif rows:
        _chosen(ids[rows[0]])
        return
    else:
        # The chosen row's box clicked again (it unticks): choose it again, so the map
        # centres on it again.
        current = st.session_state.get(state.SITE) or state.NO_SITE
        if current:
            _chosen(current)
    # A heading, or the chosen row unticked: the site stays chosen, its row is ticked
    # again on the fresh grid.
    st.session_state[GRID_VERSION] = st.session_state.get(GRID_VERSION, 0) + 1


def _picked() -> None:
    site = st.session_state.get(PICK) or state.NO_SITE
    if site:
        _chosen(site)


def _chosen(site_id: str) -> None:
    state.choose_site(site_id)
    panel = getattr(state, "PANEL", None)  # the panel column's switcher, when present
    if panel:
        st.session_state[panel] = getattr(state, "DOSSIER_PANEL", "Dossier")


def _first_page() -> None:
    st.session_state[PAGE] = 0


def _set_page(page: int) -> None:
    st.session_state[PAGE] = max(0, page)
