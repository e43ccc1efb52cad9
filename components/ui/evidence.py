"""The Export tab: cite this view, the evidence pack and the one-page brief, and each
table of the view on its own.

All building is in :mod:`components.export`; this module only gathers what the page
shows into a :class:`components.export.pack.PackInput` and wires the buttons. The map
image comes from the analyst's browser: a small component (``capture/index.html``) asks
the map beside it to draw itself (``atlas.capture`` in ``static/atlas/atlas.js``) and
sends the PNG here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from components.analysis import figures as fig
from components.analysis.filters import View, params_from_view
from components.data import Atlas
from components.data.labels import site_label
from components.data.version import DataVersion
from components.export import pack as evidence
from components.export import provenance, tables
from components.ui.text import md

CAPTURE = "pack_capture"  # the capture component's key
PACK = "_evidence_pack"  # (signature, nonce, Pack or None, problem) of the last pack built
INCLUDE_UPLOAD = "pack_include_upload"

_capture = components.declare_component(
    "evidence_capture", path=str(Path(__file__).with_name("capture"))
)


@dataclass(frozen=True)
class ViewFrames:
    """What the page shows for one view: ``sites`` the shown sites with status columns
    (and ``origin`` when uploads are mixed in), ``events`` the shown events."""

    view: View
    as_of: str
    sites: pd.DataFrame
    events: pd.DataFrame
    version: DataVersion
    has_upload: bool


def _page_url() -> str:
    try:
        return str(st.context.url or "")
    except Exception:  # no browser session (AppTest, bare mode)
        return ""


def record_of(
    frames: ViewFrames,
    atlas: Atlas,
    now: datetime,
    map_view: str = "",
    include_upload: bool = False,
) -> evidence.ViewRecord:
    """The provenance of the view at ``now`` (UTC); ``map_view``: the map's own
    ``zoom/lat/lon`` when the browser sent it (the address's copy can lag behind). The
    citation counts the analyst's uploaded sites only when ``include_upload``."""
    view = frames.view
    chosen = view.site or ""
    try:
        label = site_label(chosen, atlas.locations) if chosen else ""
    except KeyError:  # a site that left the data is not cited (state.forget_vanished_site)
        label = ""
    lines = provenance.filter_lines(view, frames.as_of, label)
    map_param = map_view or str(st.query_params.get("map") or "")
    link = provenance.permalink(_page_url(), view, frames.as_of, map_param)
    cited = evidence.pack_sites(frames.sites, include_upload)
    countries = fig.shown_countries(cited)
    cite = provenance.citation(
        sites=len(cited),
        countries=countries,
        as_of=frames.as_of,
        version=frames.version,
        link=link,
        accessed=now,
        filters=lines,
    )
    return evidence.ViewRecord(view, frames.as_of, link, frames.version, now, lines, cite)


def _signature(frames: ViewFrames, include_upload: bool) -> tuple:
    params = tuple(sorted((k, tuple(v)) for k, v in params_from_view(frames.view).items()))
    return (params, frames.as_of, include_upload, frames.version.sha256, len(frames.sites))


def _build(frames: ViewFrames, atlas: Atlas, value: dict, include_upload: bool) -> tuple:
    """(Pack or None, problem): the pack of this view with the browser's map image."""
    capture, problem = None, ""
    try:
        capture = evidence.MapCapture.from_browser(value)
    except evidence.CaptureError as exc:
        problem = f"The map image could not be made: {exc}."
    figure_rows, contradictions = evidence.panel_figures(frames.sites, atlas)
    content = evidence.PackInput(
        record=record_of(
            frames, atlas, datetime.now(UTC), capture.view if capture else "", include_upload
        ),
        sites=frames.sites,
        events=frames.events,
        figures=figure_rows,
        contradictions=contradictions,
        sources=atlas.sources,
        capture=capture,
        capture_problem=problem,
        include_upload=include_upload,
    )
    try:
        return evidence.build_pack(content), problem
    except Exception:
        logging.getLogger("atlas").exception("The evidence pack could not be built")
        return None, "The evidence pack could not be built; the details are in the server log."


def export_panel(frames: ViewFrames, atlas: Atlas) -> None:
    """The Export tab for the view ``frames`` holds."""
    record = record_of(frames, atlas, datetime.now(UTC))
    st.subheader("Cite this view")
    st.code(record.citation.short, language=None, wrap_lines=True)
    # The version is hex (never data text), so it needs no escaping.
    st.caption(
        f"Data version **{frames.version.short}**: the SHA-256 of the atlas's data "
        "files, so a citation names the exact data. The link reopens this view with "
        "its as-of date pinned."
    )

    st.subheader("Evidence pack")
    st.caption(
        "One ZIP of this view: the shown sites (CSV and GeoJSON), the events and "
        "figures behind the panels, every source they cite with its quote, the map as "
        "you see it with the filters and data version written under it, a one-page PDF "
        "brief, how to cite it, and SHA-256 hashes of every file."
    )
    include_upload = False
    if frames.has_upload:
        include_upload = st.checkbox(
            "Include my uploaded sites in the pack",
            key=INCLUDE_UPLOAD,
            help="Off by default: your upload stays out of the pack, its table and its map.",
        )
    value = _capture(
        label="Prepare evidence pack",
        include_upload=include_upload,
        key=CAPTURE,
        default=None,
    )
    signature = _signature(frames, include_upload)
    last = st.session_state.get(PACK)
    nonce = value.get("nonce") if isinstance(value, dict) else None
    if nonce and (last is None or last[1] != nonce):
        built, problem = _build(frames, atlas, value, include_upload)
        last = (signature, nonce, built, problem)
        st.session_state[PACK] = last
    if last is not None:
        _pack_result(last, signature)

    st.subheader("Tables of this view")
    sites = frames.sites
    if "origin" in sites.columns:
        st.caption("Your uploaded sites are in these tables too (column origin).")
    figure_rows, _ = evidence.panel_figures(sites, atlas)
    # (label, what builds the file, file name, type, key). Callables: each file is built
    # when its button is clicked, not on every rerun.
    files = [
        (f"Download sites (CSV, {len(sites):,})", partial(tables.to_csv, sites, atlas.sources),
         "scam-centre-atlas-sites.csv", "text/csv", "dl_csv"),
        (f"Download sites (GeoJSON, {len(sites):,})",
         partial(tables.to_geojson, sites, atlas.sources),
         "scam-centre-atlas-sites.geojson", "application/geo+json", "dl_geojson"),
        (f"Download events (CSV, {len(frames.events):,})",
         partial(tables.events_csv, frames.events),
         "scam-centre-atlas-events.csv", "text/csv", "dl_events"),
        (f"Download figures (CSV, {len(figure_rows):,})",
         partial(tables.figures_csv, figure_rows),
         "scam-centre-atlas-figures.csv", "text/csv", "dl_figures"),
    ]  # fmt: skip
    for label, data, name, mime, key in files:
        st.download_button(label, data=data, file_name=name, mime=mime, key=key, on_click="ignore")
    st.caption(
        "Each site row carries its source ids, URLs and citations and its status as of "
        "the date; the GeoJSON also carries the quotes. Events and figures carry their "
        "source ids; the evidence pack adds the sources themselves."
    )


def _pack_result(last: tuple, signature: tuple) -> None:
    built_for, _, built, problem = last
    if problem:
        st.warning(md(problem))
    if built is None:
        return
    if built_for != signature:
        st.info("The view changed since the pack was prepared: prepare it again for this view.")
        return
    files = built.files
    st.success(f"Evidence pack ready: {len(files)} files.")
    st.download_button(
        "Download evidence pack (ZIP)",
        data=built.zip,
        file_name=built.name,
        mime="application/zip",
        key="dl_pack",
        type="primary",
        on_click="ignore",
    )
    st.download_button(
        "Download one-page brief (PDF)",
        data=built.brief_pdf,
        file_name="scam-centre-atlas-brief.pdf",
        mime="application/pdf",
        key="dl_brief",
        on_click="ignore",
    )
    if built.missing_sources:
        st.warning(
            md(
                "Cited but not in sources.csv (left out of the pack): "
                + ", ".join(built.missing_sources)
            )
        )
    with st.expander(f"What is in the pack ({len(files)} files)"):
        st.markdown(
            "\n".join(
                f"- `{name}` · {size:,} bytes · SHA-256 `{sha[:16]}…`"
                for name, (size, sha) in files.items()
            )
        )
        if built.map_png is not None:
            st.image(built.map_png, caption="map.png, as it is in the pack")
