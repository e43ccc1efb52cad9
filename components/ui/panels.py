"""Thin Streamlit panels: read state, call pure functions, draw. No logic of their own.

Everything derived from data is shown through ``st.table``/``st.metric``/``st.text``
or as markdown escaped with :func:`components.ui.text.md`; nothing uses unsafe HTML.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from components.data import Atlas, date_span
from components.data.fallback import Served
from components.data.labels import EVENT_TYPE_LABELS, STATUS_LABELS
from components.data.status import StatusAt, status_counts
from components.ui import dossier_view
from components.ui.citation import source_line
from components.ui.text import md

MAX_EVENTS_LISTED = 200


def data_banner(served: Served, folder: str) -> None:
    """What is wrong with the data files and what the page shows meanwhile: each
    problem's file, row, column and value, or why a file could not be read. ``folder``
    is the data folder's name (never the server's path). Never a traceback."""
    shown = served.result
    short = served.version.short if served.version else ""
    if served.read_error:
        if shown is None:
            st.error(
                f"The data could not be read: {md(served.read_error)} Check that the server "
                f"may read every file in the data folder ({md(folder)}), then reload."
            )
            return
        st.warning(
            f"The data files could not be read just now: {md(served.read_error)} The page "
            f"shows the last version that passed every check (data version {short}, "
            f"{len(shown.atlas.locations):,} sites). Check that the server may read every "
            f"file in the data folder ({md(folder)}); the next reload picks the files up again."
        )
        return
    if served.rejected is not None and shown is not None:
        problems = served.rejected.problems
        st.warning(
            f"The data files changed, and the new version has {len(problems)} problem(s), "
            "so it is not used: the page shows the last version that passed every check "
            f"(data version {short}, {len(shown.atlas.locations):,} sites). Fix the "
            "problems below and reload (python -m components.data validate lists them all)."
        )
        _problem_list(problems)
        return
    if shown is not None:
        problems_banner(shown.problems, folder, shown.fatal)


def problems_banner(problems: list, folder: str, fatal: bool) -> None:
    """A clear banner naming file, row, column and value; never a traceback. ``folder``:
    the data folder's name."""
    if not problems:
        return
    lead = "The site list could not be loaded" if fatal else "Some rows were left out because"
    st.error(
        f"{lead}: the data in {md(folder)} has {len(problems)} problem(s). "
        "Rows with problems are not shown. Fix them and reload "
        "(python -m components.data validate lists them all)."
    )
    _problem_list(problems)


def _problem_list(problems: list) -> None:
    shown = problems[:15]
    more = len(problems) - len(shown)
    text = "\n".join(str(p) for p in shown) + (f"\n... and {more} more" if more else "")
    st.code(text, language=None)  # plain: no syntax colours on data


def payload_banner(folder: Path) -> None:
    """The map's data file could not be written (read-only or full disk): said once, with
    what to do; the map itself is drawn from a copy sent with the page."""
    st.warning(
        f"The map's data file could not be written to the server's {md(folder.name)} folder "
        "(read-only or full disk), so the page carries the map's data itself: it is drawn, "
        "but pages open more slowly. Free disk space or make that folder writable, then "
        "restart the app."
    )


def time_caption(status: StatusAt, mask: np.ndarray, as_of: str, later: int) -> None:
    """One line on what the "as of" date does to the map: the shown sites' statuses, and
    ``later``, how many sites the other filters keep that are first reported after it."""
    counts = status_counts(status, mask)
    parts = [f"{n:,} {STATUS_LABELS.get(code, code).lower()}" for code, n in counts.items()]
    line = f"Status as of {as_of}: " + (", ".join(parts) if parts else "no site shown")
    if later:
        line += f". {later:,} site(s) first reported after this date are not drawn."
    st.caption(md(line))


def events_panel(events: pd.DataFrame, sources: pd.DataFrame) -> None:
    st.subheader("Events timeline")
    if events.empty:
        st.info("No events match the filters and dates.")
        return
    chart = events.assign(
        when=events["date"].map(lambda d: date_span(d)[0]),
        kind=events["event_type"].map(lambda t: EVENT_TYPE_LABELS.get(t, t)),
    )
    st.vega_lite_chart(
        {
            "data": {"values": chart[["when", "kind", "place", "date"]].to_dict("records")},
            "mark": {"type": "point", "filled": True, "size": 80, "opacity": 0.8},
            "encoding": {
                "x": {
                    "field": "when",
                    "type": "temporal",
                    "title": "Year",
                    "timeUnit": "yearmonthdate",
                    "axis": {"format": "%Y", "tickCount": "year", "labelAngle": 0},
                },
                "y": {"field": "kind", "type": "nominal", "title": None},
                # One colour and one shape per event type, fixed whatever the filters.
                "color": {
                    "field": "kind",
                    "type": "nominal",
                    "legend": None,
                    "scale": {"domain": list(EVENT_TYPE_LABELS.values())},
                },
                "tooltip": [
                    {"field": "place", "title": "Place"},
                    {"field": "date", "title": "Date (as the source gives it)"},
                    {"field": "kind", "title": "Type"},
                ],
            },
            "height": {"step": 24},
        },
        width="stretch",
    )
    # Stable: events of one date keep the file's order, whatever the column's dtype.
    listed = events.sort_values("date", ascending=False, kind="stable").head(MAX_EVENTS_LISTED)
    lines = []
    for _, e in listed.iterrows():
        people = f" ({int(e['people']):,} people)" if pd.notna(e["people"]) else ""
        lines.append(
            f"- **{md(e['date'])}** · {md(EVENT_TYPE_LABELS.get(e['event_type'], e['event_type']))}"
            f" · {md(e['place'])}: "
            f"{md(e['summary'])}{md(people)} — {source_line(e['source_id'], sources)}"
        )
    st.markdown("\n".join(lines))
    if len(events) > MAX_EVENTS_LISTED:
        st.caption(f"Newest {MAX_EVENTS_LISTED} of {len(events):,} events listed.")


def dossier_panel(
    site_id: str | None,
    atlas: Atlas,
    is_shown: bool,
    repeated: Collection[str] | None = None,
) -> None:
    """Every field, the sources' quotes with links, events and nearest sites: the heading,
    then the blocks of :func:`components.ui.dossier_view.blocks` (built once per site and
    dataset, so a first opening shows the heading while they are built).

    ``repeated``: the names more than one of ``atlas.locations`` bears
    (:func:`~components.data.labels.repeated_names`, kept per dataset), so the heading
    need not count them again; counted here when not given.
    """
    if not site_id:
        st.info("Click a marker on the map, or choose a site above, to open its dossier.")
        return
    head = dossier_view.heading(site_id, atlas, repeated)
    if head is None:
        st.warning("That site is not in the loaded data.")
        return
    st.subheader(head.text)  # the id too if a name repeats; sent before the blocks are built
    if not is_shown:
        st.caption("This site is hidden by the current filters.")
    for block in dossier_view.blocks(atlas, head):
        _draw(block)


def _draw(block: dossier_view.Block) -> None:
    """One block of a dossier, as Streamlit draws its kind (its text is escaped already)."""
    if block.kind == "table":
        st.table(block.body)
    elif block.kind == "columns":
        for col, text in zip(st.columns(max(len(block.body), 1)), block.body, strict=False):
            col.markdown(text)
    else:
        getattr(st, block.kind)(block.body)
