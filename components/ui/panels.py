"""Thin Streamlit panels: read state, call pure functions, draw. No logic of their own.

Everything derived from data is shown through ``st.table``/``st.metric``/``st.text``
or as markdown escaped with :func:`components.ui.text.md`; nothing uses unsafe HTML.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from components.analysis import dossier, export
from components.data import Atlas, date_span
from components.data.labels import (
    CONFIDENCE_LABELS,
    PRECISION_LABELS,
    ZONE_LABELS,
    country_name,
)
from components.ui.text import md, md_link

MAX_EVENTS_LISTED = 200


def text_table(rows: pd.DataFrame) -> None:
    """st.table renders every cell and header as markdown (a data value like
    ``![x](http://host/)`` would load an image), so each is escaped first."""
    safe = rows.map(md)
    safe.index = [md(i) for i in rows.index]
    safe.columns = [md(c) for c in rows.columns]
    st.table(safe)


def problems_banner(problems: list, data_dir: str, fatal: bool) -> None:
    """A clear banner naming file, row, column and value; never a traceback."""
    if not problems:
        return
    shown = problems[:15]
    more = len(problems) - len(shown)
    lead = "The site list could not be loaded" if fatal else "Some rows were left out because"
    st.error(
        f"{lead}: the data in {md(data_dir)} has {len(problems)} problem(s). "
        "Rows with problems are not shown. Fix them and reload "
        "(python -m components.data validate lists them all)."
    )
    st.code("\n".join(str(p) for p in shown) + (f"\n... and {more} more" if more else ""))


def _source_line(source_id: str, sources: pd.DataFrame) -> str:
    row = sources[sources["source_id"] == source_id]
    if row.empty:
        return md(source_id)
    s = row.iloc[0]
    date = s["date"] or "undated"
    return f"{md_link(s['publisher'], s['url'])}, {md(date)} ({md(source_id)})"


def events_panel(events: pd.DataFrame, sources: pd.DataFrame) -> None:
    st.subheader("Events timeline")
    if events.empty:
        st.info("No events match the filters and dates.")
        return
    chart = events.assign(when=events["date"].map(lambda d: date_span(d)[0]))
    st.vega_lite_chart(
        {
            "data": {"values": chart[["when", "event_type", "place"]].to_dict("records")},
            "mark": {"type": "point", "filled": True, "size": 80},
            "encoding": {
                "x": {"field": "when", "type": "temporal", "title": "Date"},
                "y": {"field": "event_type", "type": "nominal", "title": None},
                "color": {"field": "event_type", "type": "nominal", "legend": None},
                "tooltip": [{"field": "place"}, {"field": "when", "type": "temporal"}],
            },
            "height": 180,
        },
        width="stretch",
    )
    listed = events.sort_values("date", ascending=False).head(MAX_EVENTS_LISTED)
    lines = []
    for _, e in listed.iterrows():
        people = f" ({int(e['people']):,} people)" if pd.notna(e["people"]) else ""
        lines.append(
            f"- **{md(e['date'])}** · {md(e['event_type'])} · {md(e['place'])}: "
            f"{md(e['summary'])}{md(people)} — {_source_line(e['source_id'], sources)}"
        )
    st.markdown("\n".join(lines))
    if len(events) > MAX_EVENTS_LISTED:
        st.caption(f"Newest {MAX_EVENTS_LISTED} of {len(events):,} events listed.")


def dossier_panel(site_id: str | None, atlas: Atlas, is_shown: bool) -> None:
    """Every field, the sources' quotes with links, events and nearest sites."""
    if not site_id:
        st.info("Click a marker on the map, or choose a site above, to open its dossier.")
        return
    match = atlas.locations[atlas.locations["site_id"] == site_id]
    if match.empty:
        st.warning("That site is not in the loaded data.")
        return
    site = match.iloc[0]
    st.subheader(md(site["name"]))
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

    st.markdown("**What the sources say**")
    cited = dossier.site_sources(site, atlas.sources)
    if cited.empty:
        st.caption("No source quotes for this site.")
    for _, s in cited.iterrows():
        st.markdown(f"> {md(s['quote'])}\n\n— {_source_line(s['source_id'], atlas.sources)}")

    st.markdown("**Events here**")
    evs = dossier.site_events(site_id, atlas.events)
    if evs.empty:
        st.caption("No dated events recorded at this site.")
    for _, e in evs.iterrows():
        st.markdown(
            f"- **{md(e['date'])}** {md(e['event_type'])}: {md(e['summary'])} — "
            f"{_source_line(e['source_id'], atlas.sources)}"
        )

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


def export_panel(shown: pd.DataFrame, sources: pd.DataFrame) -> None:
    st.subheader("Export the current view")
    st.caption(
        f"{len(shown):,} sites as filtered. Each row carries its source ids, URLs and "
        "citations; the GeoJSON also carries the quotes."
    )
    c1, c2 = st.columns(2)
    # Callables: the files are built when clicked, not on every rerun.
    c1.download_button(
        "Download CSV",
        data=partial(export.to_csv, shown, sources),
        file_name="scam-centre-atlas-sites.csv",
        mime="text/csv",
        key="dl_csv",
        on_click="ignore",  # a download needs no rerun
    )
    c2.download_button(
        "Download GeoJSON",
        data=partial(export.to_geojson, shown, sources),
        file_name="scam-centre-atlas-sites.geojson",
        mime="application/geo+json",
        key="dl_geojson",
        on_click="ignore",
    )
