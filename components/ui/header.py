"""The page's compact header: the title, the counts of what is shown and the people-held
headline, in one row above the map; the headline's wording and source under it in the
panel column."""

from __future__ import annotations

import streamlit as st

from components.analysis import figures
from components.data import Atlas
from components.ui.citation import source_line
from components.ui.text import md


def header(shown: figures.Shown, atlas: Atlas, events_shown: int) -> None:
    """One row: the title, the number of sites, countries and events shown, and the
    people-held estimate for the shown sites' countries (see :func:`headline`)."""
    with st.container(key="atlas_header"):
        title, sites, countries, events, people = st.columns(
            [2.4, 0.9, 0.9, 0.9, 2.9], vertical_alignment="top"
        )
        title.markdown("# Scam Centre Atlas")
        sites.metric("Sites shown", f"{shown.count:,}")
        countries.metric("Countries", f"{shown.distinct_countries:,}")
        events.metric("Events shown", f"{events_shown:,}")
        with people:
            headline_metric(shown.countries, atlas)


def headline_metric(countries: tuple[str, ...], atlas: Atlas) -> None:
    """The people-held estimate for the shown sites' ``countries``, in the source's
    words (qualifiers kept). Source: data/figures.csv via
    :func:`components.analysis.figures.headline`."""
    head = figures.headline(atlas.figures, countries)
    # Data words go through md (metric values render markdown). The pieces after the
    # first sit under it (delta without arrow or colour), so none is cut off.
    st.metric(
        head.label,
        md(head.main),
        delta=md(head.more) or None,
        delta_color="off",
        delta_arrow="off",
        help=head.help,
    )


def headline_source(countries: tuple[str, ...], atlas: Atlas) -> None:
    """Who said the headline figure for the shown sites' ``countries``, and what each
    country's figure is in its words."""
    head = figures.headline(atlas.figures, countries)
    lead = source_line(head.source_ids[0], atlas.sources) + ": " if head.source_ids else ""
    st.caption("**People held** · " + lead + md(head.caption))
