"""Thin Streamlit panels: read state, call pure functions, draw. No logic of their own.

Everything derived from data is shown through ``st.table``/``st.metric``/``st.text``
or as markdown escaped with :func:`components.ui.text.md`; nothing uses unsafe HTML.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from components.analysis import dossier, export, figures
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


def summary_metrics(
    shown: pd.DataFrame, atlas: Atlas, countries: tuple[str, ...], events_shown: int
) -> None:
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Sites shown", f"{len(shown):,}", help="Sites that match the filters.")
    c2.metric("Countries", f"{shown['country'].nunique():,}")
    c3.metric("Events shown", f"{events_shown:,}")
    total, counted, no_number = figures.lower_bound_sum(atlas.figures, countries)
    label = "People held: sum of lower bounds"
    if counted:
        c4.metric(
            label,
            f"≥ {total:,.0f}",
            help=(
                "OHCHR (29 Aug 2023). Adds its lower values for "
                + ", ".join(counted)
                + ". 'Around 100,000' (Cambodia) counts as 100,000. Not a total: other "
                "countries have no number, only words."
            ),
        )
    else:
        c4.metric(label, "no number", help="The shown countries have only qualitative figures.")
    if no_number:
        c4.caption(
            "No number for "
            + ", ".join(country_name(c) for c in no_number)
            + ": “at least tens of thousands”, one joint figure."
        )


def _source_line(source_id: str, sources: pd.DataFrame) -> str:
    row = sources[sources["source_id"] == source_id]
    if row.empty:
        return md(source_id)
    s = row.iloc[0]
    date = s["date"] or "undated"
    return f"{md_link(s['publisher'], s['url'])}, {md(date)} ({md(source_id)})"


def people_panel(atlas: Atlas, countries: tuple[str, ...]) -> None:
    st.subheader("People held in scam operations, per country")
    st.caption(
        "The sources' own words. Lower bounds are drawn running on, ranges between their "
        "bounds; words-only estimates stay words. Several sources per country side by side."
    )
    rows = figures.people_figures(atlas.figures, countries)
    if rows.empty:
        st.info("No people-held estimates for the chosen countries.")
        return
    spec = figures.chart_spec(rows)
    if spec:
        st.vega_lite_chart(spec, width="stretch")
    seen_joint: set[tuple[str, str]] = set()
    for code, group in rows.groupby("country", sort=False):
        st.markdown(f"**{md(country_name(code))}**")
        for _, r in group.iterrows():
            key = (r["source_id"], r["value_text"])
            if r["joint_countries"] and key in seen_joint:
                continue
            if r["joint_countries"]:
                seen_joint.add(key)
            line = (
                f"- {md(figures.figure_label(r))} — {_source_line(r['source_id'], atlas.sources)}"
            )
            line += f", as of {md(r['as_of'])}"
            if r["context"]:
                line += f"  \n  *Note:* {md(r['context'])}"
            st.markdown(line)
            for dispute_id in [d for d in str(r["disputed_by"]).split(";") if d]:
                quote = atlas.sources.loc[atlas.sources["source_id"] == dispute_id, "quote"]
                if not quote.empty:
                    st.warning(
                        f"Disputed: {md(quote.iloc[0])} — {_source_line(dispute_id, atlas.sources)}"
                    )
    unconfirmed = atlas.figures[atlas.figures["status"] == "unconfirmed"]
    if not unconfirmed.empty:
        with st.expander("Unconfirmed claims (shown for completeness, not used anywhere)"):
            for _, r in unconfirmed.iterrows():
                st.markdown(
                    f"- UNCONFIRMED: {md(figures.figure_label(r))} — "
                    f"{_source_line(r['source_id'], atlas.sources)}  \n  {md(r['context'])}"
                )


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
