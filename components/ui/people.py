"""Thin Streamlit panels for figures about people: the headline metrics and the
"People held" tab. All selection, wording and grouping is in
:mod:`components.analysis.figures`; data text goes through ``md`` / ``md_link``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.analysis import figures
from components.data import Atlas
from components.data.labels import QUALIFIER_LABELS, country_name
from components.ui.citation import source_line
from components.ui.text import md


def _figure_line(row: pd.Series, atlas: Atlas, site_names: dict[str, str]) -> str:
    line = (
        f"- **{md(figures.date_label(figures.cell(row, 'as_of')))}** · "
        f"{md(figures.figure_label(row))} · {md(figures.where_label(row, site_names))} — "
        f"{source_line(figures.cell(row, 'source_id'), atlas.sources)}"
    )
    if figures.cell(row, "context"):
        line += f"  \n  *Note:* {md(figures.cell(row, 'context'))}"
    ids = figures.cell(row, "contradiction_ids")
    if ids:
        line += f"  \n  *Sources disagree:* {md(ids)} (see “Sources that disagree” below)"
    return line


def _figure_list(rows: pd.DataFrame, atlas: Atlas, site_names: dict[str, str]) -> None:
    for code, group in rows.groupby(figures.column(rows, "country"), sort=False):
        st.markdown(f"*{md(country_name(code))}*, newest first")
        for _, r in group.iterrows():
            st.markdown(_figure_line(r, atlas, site_names))
            for dispute_id in figures.disputes(r):
                quote = atlas.sources.loc[atlas.sources["source_id"] == dispute_id, "quote"]
                if not quote.empty:
                    st.warning(
                        f"Disputed: {md(quote.iloc[0])} — {source_line(dispute_id, atlas.sources)}"
                    )


def _contradiction(c: figures.Contradiction, atlas: Atlas, site_names: dict[str, str]) -> None:
    st.markdown(f"**{md(c.contradiction_id)}: {md(c.topic or 'sources disagree')}**")
    table = ["| Source | Their words | Kind | Covers | As of |", "|---|---|---|---|---|"]
    for _, r in c.rows.iterrows():
        qualifier = figures.cell(r, "qualifier")
        table.append(
            "| "
            + " | ".join(
                [
                    source_line(figures.cell(r, "source_id"), atlas.sources),
                    md(f"“{figures.cell(r, 'value_text')}”"),
                    md(QUALIFIER_LABELS.get(qualifier, qualifier)),
                    md(figures.where_label(r, site_names)),
                    md(figures.date_label(figures.cell(r, "as_of"))),
                ]
            )
            + " |"
        )
    st.markdown("\n".join(table))
    for source_id in c.other_source_ids:
        quote = atlas.sources.loc[atlas.sources["source_id"] == source_id, "quote"]
        words = f"“{md(quote.iloc[0])}” — " if not quote.empty else ""
        st.markdown(f"- Also a side: {words}{source_line(source_id, atlas.sources)}")
    if c.note:
        st.caption(f"What differs: {md(c.note)}")


CHART_DESCRIPTION = (
    "Chart of national estimates of people held or working in scam operations: {count} "
    "figures for {countries}, one row per source and date. Lower bounds run on to the "
    "right edge, ranges span their bounds. The figures, in the sources' words, are in the "
    "table below the chart."
)


def accessible_chart(spec: dict, countries: list[str]) -> dict:
    """The chart spec with a short description for screen readers (the chart's
    accessible name; Vega's default is "Vega visualization"), and its marks left out of
    the accessibility tree: their automatic labels read drawing internals (a lower
    bound's drawn end, e.g. "end: 230000", as if it were a figure). The figures
    themselves are in :func:`chart_table`, next to the chart. ``countries``: the
    charted countries' names."""
    names = (
        ", ".join(countries[:-1]) + " and " + countries[-1] if countries[1:] else "".join(countries)
    )
    description = CHART_DESCRIPTION.format(count=len(spec["data"]["values"]), countries=names)
    layers = [
        {**layer, "mark": {**_mark(layer["mark"]), "aria": False}}
        for layer in spec.get("layer", [])
    ]
    return {**spec, "description": description, "layer": layers}


def _mark(mark: str | dict) -> dict:
    return {"type": mark} if isinstance(mark, str) else mark


def chart_table(spec: dict) -> str:
    """The chart's figures as a markdown table (its text alternative): each row as the
    chart labels it, in the source's own words, with the kind of figure and its date."""
    lines = ["| Row in the chart | The source's words | Kind | As of |", "|---|---|---|---|"]
    for r in spec["data"]["values"]:
        cells = [md(r["label"]), md(f"“{r['text']}”"), md(r["kind"]), md(r["as_of"])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def people_panel(countries: tuple[str, ...], atlas: Atlas) -> None:
    """The sources' figures about people for the shown sites' ``countries``."""
    st.subheader("People in scam operations: what the sources say")
    st.caption(
        "The sources' own words, newest first, for the countries of the shown sites. "
        "The chart compares only national estimates of people held or working in scam "
        "operations; every other count and scope is listed in its own section. Lower "
        "bounds are drawn running on, ranges between their bounds; words stay words."
    )
    rows = figures.people_rows(atlas.figures, countries)
    if not countries:
        st.info("No sites are shown, so there are no countries to give figures for.")
    elif rows.empty:
        st.info("No figures about people for the countries of the shown sites.")
    else:
        site_names = dict(zip(atlas.locations["site_id"], atlas.locations["name"], strict=True))
        st.markdown("**National estimates: people held or working in scam operations**")
        charted = figures.chart_rows(rows)
        spec = figures.chart_spec(charted, atlas.sources)
        if spec:
            names = [country_name(c) for c in dict.fromkeys(figures.column(charted, "country"))]
            st.vega_lite_chart(accessible_chart(spec, names), width="stretch")
            with st.expander("The chart's figures as a table"):
                st.markdown(chart_table(spec))
        else:
            st.caption("No national estimate with a number for the shown countries.")
        for section in figures.sections(rows):
            first = section.metric == figures.PEOPLE_METRIC and section.scope == "national"
            if first:
                _figure_list(section.rows, atlas, site_names)
                continue
            with st.expander(f"{section.title} ({len(section.rows)})"):
                _figure_list(section.rows, atlas, site_names)
        found = figures.contradictions_for(
            rows, atlas.figures, getattr(atlas, "contradictions", None)
        )
        if found:
            st.markdown("#### Sources that disagree")
            st.caption("Side by side, as each source says it: never averaged, none picked.")
            for c in found:
                _contradiction(c, atlas, site_names)
    claims = figures.unconfirmed(atlas.figures)
    if not claims.empty:
        with st.expander("Unconfirmed claims (shown for completeness, not used anywhere)"):
            for _, r in claims.iterrows():
                st.markdown(
                    f"- UNCONFIRMED: {md(figures.figure_label(r))} — "
                    f"{source_line(figures.cell(r, 'source_id'), atlas.sources)}  \n  "
                    f"{md(figures.cell(r, 'context'))}"
                )
