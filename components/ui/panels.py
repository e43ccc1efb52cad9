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

from components.analysis import dossier
from components.data import Atlas, date_span
from components.data.columns import TextSet
from components.data.fallback import Served
from components.data.labels import (
    CONFIDENCE_LABELS,
    EVENT_TYPE_LABELS,
    PRECISION_LABELS,
    STATUS_LABELS,
    ZONE_LABELS,
    country_name,
    site_label,
)
from components.data.memo import entries_for
from components.data.status import StatusAt, status_counts
from components.ui.text import md, md_link

MAX_EVENTS_LISTED = 200


def text_table(rows: pd.DataFrame) -> None:
    """st.table renders every cell and header as markdown (a data value like
    ``![x](http://host/)`` would load an image), so each is escaped first."""
    safe = rows.map(md)
    safe.index = [md(i) for i in rows.index]
    safe.columns = [md(c) for c in rows.columns]
    st.table(safe)


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


# Per sources table: each source's citation line, built once (a dossier cites a source up
# to a dozen times, and each lookup filtered the whole table: 4.5 ms under load).
_SOURCE_LINES: dict[int, dict[str, str]] = {}


def _source_line(source_id: str, sources: pd.DataFrame) -> str:
    """ "Publisher (linked), date (S001)" for a source id; the id alone if unknown."""
    lines = entries_for(_SOURCE_LINES, sources)
    if not lines:
        columns = ("source_id", "publisher", "url", "date")
        for sid, publisher, url, date in zip(*(sources[c] for c in columns), strict=True):
            if sid not in lines:  # the first row of an id, as before
                lines[sid] = f"{md_link(publisher, url)}, {md(date or 'undated')} ({md(sid)})"
    return lines.get(source_id) or md(source_id)


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
            f"{md(e['summary'])}{md(people)} — {_source_line(e['source_id'], sources)}"
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
    """Every field, the sources' quotes with links, events and nearest sites.

    ``repeated``: the names more than one of ``atlas.locations`` bears
    (:func:`~components.data.labels.repeated_names`, kept per dataset), so the heading
    need not count them again; counted here when not given.
    """
    if not site_id:
        st.info("Click a marker on the map, or choose a site above, to open its dossier.")
        return
    at = TextSet(atlas.locations["site_id"]).position(site_id)  # no copy of the rows
    if at < 0:
        st.warning("That site is not in the loaded data.")
        return
    site = atlas.locations.iloc[at]
    st.subheader(md(site_label(site_id, atlas.locations, repeated)))  # the id too if a name repeats
    if not is_shown:
        st.caption("This site is hidden by the current filters.")
    if site["confidence"] == "low":
        st.warning("Unverified estimate: the position is not confirmed by any source.")
    if not str(site["source_ids"]).strip():
        st.warning("Unverified: no cited source names this site as a scam location.")
    fields = [
        ("Site id", site["site_id"]),
        ("Aliases", site["aliases"]),
        ("Country", f"{country_name(site['country'])} ({site['country']})"),
        ("Admin area", site["admin1"]),
        ("Zone type", ZONE_LABELS.get(site["zone_type"], site["zone_type"])),
        ("Precision", PRECISION_LABELS.get(site["precision"], site["precision"])),
        ("Confidence", CONFIDENCE_LABELS.get(site["confidence"], site["confidence"])),
        ("Coordinates", f"{site['lat']:.5f}, {site['lon']:.5f}"),
        ("Coordinate source", site["coord_source"]),
        ("Coordinate evidence", site["coord_evidence"]),
        ("Note", site["note"]),
    ]
    text_table(pd.DataFrame(fields, columns=["Field", "Value"]).set_index("Field"))

    _relations(site, atlas.locations)

    st.markdown("**What the sources say**")
    cited = dossier.site_sources(site, atlas.sources)
    withheld = dossier.withheld_citations(site, atlas.withheld_sources)
    for source_id, problem in withheld.items():
        st.warning(
            f"Unverified citation: source {md(source_id)} is withheld because its row in "
            f"sources.csv has a problem ({md(problem)}). Until it is fixed, nothing here "
            "rests on it."
        )
    if cited.empty and not withheld:
        st.caption("No source quotes for this site.")
    for _, s in cited.iterrows():
        st.markdown(f"> {md(s['quote'])}\n\n— {_source_line(s['source_id'], atlas.sources)}")

    _timeline(site_id, atlas)
    _contradictions(site_id, atlas)

    st.markdown("**Nearest other sites**")
    near = dossier.nearest_sites(site, atlas.locations)
    if near.empty:
        st.caption("No other sites.")
    else:
        text_table(
            pd.DataFrame(
                {
                    "Site": near["name"],
                    "Country": near["country"],
                    "Distance (km)": near["distance_km"].map(lambda d: f"{d:,.1f}"),
                }
            ).set_index("Site")
        )


def _relations(site: pd.Series, locations: pd.DataFrame) -> None:
    """A site that lies within a larger one, and the sites that lie within this one."""
    parent_id = str(site.get("parent_site_id", "") or "")
    parent, children = dossier.relations(site, locations)
    if parent_id and parent is not None:
        km = parent["distance_km"]
        where = (
            "placed at the same point (its exact position is not known)"
            if km < 0.05
            else f"{km:,.1f} km from its point"
        )
        st.markdown(f"**Part of:** {md(parent['name'])} ({md(parent_id)}), {where}")
    if not children.empty:
        items = [
            f"{md(r['name'])} ({md(r['site_id'])}, {r['distance_km']:,.1f} km)"
            for _, r in children.iterrows()
        ]
        st.markdown("**Known parts of this site:** " + "; ".join(items))


def _timeline(site_id: str, atlas: Atlas) -> None:
    """The site's life: first report, then each status change with date, source and quote."""
    st.markdown("**Status through time**")
    steps = dossier.site_timeline(site_id, atlas.locations, atlas.events, atlas.sources)
    if steps.empty:
        st.caption("No dated report or status change recorded for this site.")
        return
    by_id = atlas.sources.set_index("source_id")
    for _, step in steps.iterrows():
        label = STATUS_LABELS.get(step["status"], step["status"])
        when = step["date"] or "undated"
        line = f"- **{md(when)}** · **{md(label)}**"
        if step.get("summary"):
            line += f": {md(step['summary'])}"
        source_id = step.get("source_id") or ""
        if source_id:
            line += f" — {_source_line(source_id, atlas.sources)}"
            if source_id in by_id.index:
                line += f"  \n  > {md(by_id.at[source_id, 'quote'])}"
        st.markdown(line)
        if step.get("disputed"):
            against = [d for d in str(step.get("disputed_by", "")).split(";") if d.strip()]
            lines = [
                f"> {md(by_id.at[d, 'quote'])}\n\n— {_source_line(d, atlas.sources)}"
                for d in against
                if d in by_id.index
            ]
            st.warning(
                "Disputed: another source contradicts this claim, so it is shown as a claim, "
                "not as fact.\n\n" + "\n\n".join(lines)
            )


def _contradictions(site_id: str, atlas: Atlas) -> None:
    """Where sources disagree about this site: every side, with its source, side by side."""
    rows = dossier.site_contradictions(site_id, atlas)
    if rows.empty:
        return
    st.markdown("**Where sources disagree**")
    by_id = atlas.sources.set_index("source_id")
    for _, c in rows.iterrows():
        st.markdown(f"*{md(c['topic'])}* ({md(c['contradiction_id'])})")
        if c.get("note"):
            st.caption(md(c["note"]))
        sides = [s for s in str(c["source_ids"]).split(";") if s.strip() in by_id.index]
        for col, sid in zip(st.columns(max(len(sides), 1)), sides, strict=False):
            sid = sid.strip()
            col.markdown(f"> {md(by_id.at[sid, 'quote'])}\n\n— {_source_line(sid, atlas.sources)}")
