"""One site's dossier as blocks of escaped text and tables (pure: no Streamlit).

:func:`components.ui.panels.dossier_panel` draws the blocks. They depend only on the
dataset's tables and the site, and those tables are read-only by contract, so the blocks
are built once per site and locations table (:mod:`components.data.memo`) and reused by
every rerun that shows the dossier: choosing a site, and any click while it is open.
Building them again cost more than the drawing (pandas lookups, escaping, the fields
table), about half of a fragment rerun's CPU under load.

Every data value in a block went through :func:`components.ui.text.md` (or
:func:`~components.ui.text.md_link`), so a block is drawn as markdown as it is.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from components.analysis import dossier
from components.data import Atlas
from components.data.columns import TextSet
from components.data.labels import (
    CONFIDENCE_LABELS,
    PRECISION_LABELS,
    STATUS_LABELS,
    ZONE_LABELS,
    country_name,
    labelled,
    site_label,
)
from components.data.memo import entries_for, remember
from components.ui.citation import source_line
from components.ui.text import md

Kind = Literal["markdown", "caption", "warning", "table", "columns"]


@dataclass(frozen=True)
class Block:
    """One thing to draw: ``markdown``/``caption``/``warning`` carry escaped markdown text;
    ``table`` a frame whose cells, index and headers are escaped (``st.table`` renders
    them as markdown); ``columns`` a tuple of escaped markdown texts, one per column."""

    kind: Kind
    body: str | pd.DataFrame | tuple[str, ...]


@dataclass(frozen=True)
class Heading:
    """Where a site's dossier starts: its id, its row (position in ``atlas.locations``)
    and its heading (escaped; the site id in brackets when another site has the name)."""

    site_id: str
    row: int
    text: str


@dataclass(frozen=True)
class Dossier:
    """A site's dossier: its heading and the blocks under it, in order. The blocks are
    shared between reruns and sessions: do not modify them."""

    heading: str
    blocks: tuple[Block, ...]


def escaped_table(rows: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``rows`` with every cell, index label and header escaped for markdown:
    ``st.table`` renders each as markdown (a data value like ``![x](http://host/)`` would
    load an image)."""
    safe = rows.map(md)
    safe.index = [md(i) for i in rows.index]
    safe.columns = [md(c) for c in rows.columns]
    return safe


# Per locations table (weakly held: a new dataset or upload drops its entries): each
# opened site's blocks, with the other tables they were built from (checked by identity).
# At most MAX_KEPT per table, the oldest built dropped first.
_BLOCKS: dict[int, dict[str, tuple[tuple[object, ...], tuple[Block, ...]]]] = {}
MAX_KEPT = 512


def heading(site_id: str, atlas: Atlas, repeated: Collection[str] | None = None) -> Heading | None:
    """The :class:`Heading` of ``site_id`` (its first row in ``atlas.locations``), None if
    the site is not there: cheap, so a page can show it before the blocks are built.
    ``repeated``: the :func:`~components.data.labels.repeated_names` of
    ``atlas.locations`` if known (counted here if not)."""
    locations = atlas.locations
    at = TextSet(locations["site_id"]).position(site_id)  # no copy of the rows
    if at < 0:
        return None
    if repeated is None:
        text = site_label(site_id, locations)
    else:
        text = labelled(locations["name"].iloc[at], site_id, repeated)
    return Heading(site_id, at, md(text))


def blocks(atlas: Atlas, head: Heading) -> tuple[Block, ...]:
    """The blocks of the dossier ``head`` starts (made by :func:`heading` for ``atlas``).

    Built once per site and locations table, and again if the atlas's events, sources,
    contradictions or withheld sources are other objects than those they were built from.
    """
    built_from = (atlas.events, atlas.sources, atlas.contradictions, atlas.withheld_sources)
    entries = entries_for(_BLOCKS, atlas.locations)
    found = entries.get(head.site_id)
    if found is not None and all(a is b for a, b in zip(found[0], built_from, strict=True)):
        return found[1]
    made = tuple(_blocks(atlas.locations.iloc[head.row], atlas))
    remember(entries, head.site_id, (built_from, made), MAX_KEPT)
    return made


def site_dossier(
    site_id: str, atlas: Atlas, repeated: Collection[str] | None = None
) -> Dossier | None:
    """The whole dossier of ``site_id``: :func:`heading` and :func:`blocks`; None if the
    site is not in ``atlas.locations``."""
    head = heading(site_id, atlas, repeated)
    return None if head is None else Dossier(head.text, blocks(atlas, head))


def _blocks(site: pd.Series, atlas: Atlas):
    site_id = site["site_id"]
    if site["confidence"] == "low":
        yield Block("warning", "Unverified estimate: the position is not confirmed by any source.")
    if not str(site["source_ids"]).strip():
        yield Block("warning", "Unverified: no cited source names this site as a scam location.")
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
    yield Block(
        "table", escaped_table(pd.DataFrame(fields, columns=["Field", "Value"]).set_index("Field"))
    )
    yield from _relations(site, atlas.locations)

    yield Block("markdown", "**What the sources say**")
    cited = dossier.site_sources(site, atlas.sources)
    withheld = dossier.withheld_citations(site, atlas.withheld_sources)
    for source_id, problem in withheld.items():
        yield Block(
            "warning",
            f"Unverified citation: source {md(source_id)} is withheld because its row in "
            f"sources.csv has a problem ({md(problem)}). Until it is fixed, nothing here "
            "rests on it.",
        )
    if cited.empty and not withheld:
        yield Block("caption", "No source quotes for this site.")
    for quote, source_id in zip(cited["quote"], cited["source_id"], strict=True):
        yield Block("markdown", f"> {md(quote)}\n\n— {source_line(source_id, atlas.sources)}")

    yield from _timeline(site_id, atlas)
    yield from _contradictions(site_id, atlas)

    yield Block("markdown", "**Nearest other sites**")
    near = dossier.nearest_sites(site, atlas.locations)
    if near.empty:
        yield Block("caption", "No other sites.")
    else:
        table = pd.DataFrame(
            {
                "Site": near["name"],
                "Country": near["country"],
                "Distance (km)": near["distance_km"].map(lambda d: f"{d:,.1f}"),
            }
        ).set_index("Site")
        yield Block("table", escaped_table(table))


def _relations(site: pd.Series, locations: pd.DataFrame):
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
        yield Block("markdown", f"**Part of:** {md(parent['name'])} ({md(parent_id)}), {where}")
    if not children.empty:
        items = [
            f"{md(r['name'])} ({md(r['site_id'])}, {r['distance_km']:,.1f} km)"
            for _, r in children.iterrows()
        ]
        yield Block("markdown", "**Known parts of this site:** " + "; ".join(items))


def _quote(source_id: str, sources: pd.DataFrame) -> str | None:
    """The quote of ``source_id``'s first row, None if the id is not in ``sources``."""
    at = TextSet(sources["source_id"]).position(source_id)
    return None if at < 0 else sources["quote"].iloc[at]


def _timeline(site_id: str, atlas: Atlas):
    """The site's life: first report, then each status change with date, source and quote."""
    yield Block("markdown", "**Status through time**")
    steps = dossier.site_timeline(site_id, atlas.locations, atlas.events, atlas.sources)
    if steps.empty:
        yield Block("caption", "No dated report or status change recorded for this site.")
        return
    for _, step in steps.iterrows():
        label = STATUS_LABELS.get(step["status"], step["status"])
        when = step["date"] or "undated"
        line = f"- **{md(when)}** · **{md(label)}**"
        if step.get("summary"):
            line += f": {md(step['summary'])}"
        source_id = step.get("source_id") or ""
        if source_id:
            line += f" — {source_line(source_id, atlas.sources)}"
            if (quote := _quote(source_id, atlas.sources)) is not None:
                line += f"  \n  > {md(quote)}"
        yield Block("markdown", line)
        if step.get("disputed"):
            against = [d for d in str(step.get("disputed_by", "")).split(";") if d.strip()]
            lines = [
                f"> {md(quote)}\n\n— {source_line(d, atlas.sources)}"
                for d in against
                if (quote := _quote(d, atlas.sources)) is not None
            ]
            yield Block(
                "warning",
                "Disputed: another source contradicts this claim, so it is shown as a claim, "
                "not as fact.\n\n" + "\n\n".join(lines),
            )


def _contradictions(site_id: str, atlas: Atlas):
    """Where sources disagree about this site: every side, with its source, side by side."""
    rows = dossier.site_contradictions(site_id, atlas)
    if rows.empty:
        return
    yield Block("markdown", "**Where sources disagree**")
    for _, c in rows.iterrows():
        yield Block("markdown", f"*{md(c['topic'])}* ({md(c['contradiction_id'])})")
        if c.get("note"):
            yield Block("caption", md(c["note"]))
        sides = []
        for sid in str(c["source_ids"]).split(";"):
            quote = _quote(sid.strip(), atlas.sources)
            if quote is not None:
                sides.append(f"> {md(quote)}\n\n— {source_line(sid.strip(), atlas.sources)}")
        yield Block("columns", tuple(sides))
