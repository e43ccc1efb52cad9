"""The evidence pack: one ZIP of the current view with every citation and the data
version, so a view can go into a report and still be traced (pure, no Streamlit).

The pack holds (file names in :data:`PACK_FILES` order; ``map.png`` and
``contradictions.csv`` only when there is something to put in them)::

    README.txt          what each file holds, the codes, the caveats
    CITATION.txt        how to cite the view: a short and a long form, the permalink
    sites.csv           the shown sites with their status as of the date (Excel-safe CSV)
    sites.geojson       the same sites, RFC 7946 (WGS 84 lon/lat), each with its sources
    events.csv          the events the Events panel lists
    figures.csv         the figures behind the People held panel, in the sources' words
    contradictions.csv  where those figures' sources disagree
    sources.csv         every source cited by anything above, and nothing else
    map.png             the map as the analyst saw it, with a caption strip
    brief.pdf           the one-page printed brief (:mod:`components.export.brief`)
    manifest.json       the SHA-256 and size of each file above, the data version, the view
    SHA256SUMS          the same hashes in ``sha256sum -c`` format

Everything is built from the frames the page draws (the caller passes them), so the
pack cannot disagree with the screen.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np
import pandas as pd

from components.analysis import figures as fig
from components.analysis.filters import View
from components.data.labels import (
    CONFIDENCE_LABELS,
    PRECISION_LABELS,
    QUALIFIER_LABELS,
    STATUS_LABELS,
    ZONE_LABELS,
    country_name,
)
from components.data.status import StatusAt
from components.export import caption, tables
from components.export.provenance import (
    ATLAS_NAME,
    Citation,
    DataVersion,
    cited_source_ids,
)

PACK_FILES = (
    "README.txt", "CITATION.txt", "sites.csv", "sites.geojson", "events.csv",
    "figures.csv", "contradictions.csv", "sources.csv", "map.png", "brief.pdf",
    "manifest.json", "SHA256SUMS",
)  # fmt: skip
MAX_CAPTURE_BYTES = 40 * 1024 * 1024  # a base64 PNG larger than this is refused
UPLOAD_ORIGIN = "your upload"


class CaptureError(ValueError):
    """What the browser sent as the map image cannot be used (the message says why)."""


@dataclass(frozen=True)
class MapCapture:
    """The map as the analyst's browser drew it.

    ``png``: PNG bytes, ``width`` x ``height`` pixels (device pixels: ``scale`` x the
    CSS size); ``markers``: site markers and ``clusters``: cluster markers inside the
    frame, counted in the DOM the image was drawn from; ``basemap``: ``"tiles"`` or
    ``"offline"`` (the outline basemap drawn when tiles do not load); ``view``: the
    map's ``zoom/lat/lon``.
    """

    png: bytes
    width: int
    height: int
    markers: int
    clusters: int
    basemap: str
    view: str = ""
    scale: float = 1.0
    legend: bytes | None = None  # the legend opened, as its own PNG

    @classmethod
    def from_browser(cls, value: Mapping) -> MapCapture:
        """Parse the capture component's value: ``{"png": "data:image/png;base64,…",
        "markers": int, "clusters": int, "basemap": str, "view": str, "scale": float}``.
        Raises :class:`CaptureError` when the browser reported an error or sent
        something that is not a readable PNG."""
        if value.get("error"):
            raise CaptureError(str(value["error"])[:300])
        url = value.get("png")
        prefix = "data:image/png;base64,"
        if not isinstance(url, str) or not url.startswith(prefix):
            raise CaptureError("the browser sent no PNG image of the map")
        if len(url) > MAX_CAPTURE_BYTES:
            raise CaptureError("the map image is too large")
        try:
            png = base64.b64decode(url[len(prefix) :], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CaptureError("the map image is not valid base64") from exc
        try:
            image = caption.read_png(png)
        except caption.ImageError as exc:
            raise CaptureError(str(exc)) from exc
        try:
            markers, clusters = int(value.get("markers", 0)), int(value.get("clusters", 0))
            scale = float(value.get("scale") or 1.0)
        except (TypeError, ValueError) as exc:
            raise CaptureError("the marker counts are not numbers") from exc
        basemap = "tiles" if value.get("basemap") == "tiles" else "offline"
        legend = None
        legend_url = value.get("legend")
        if isinstance(legend_url, str) and legend_url.startswith(prefix):
            try:
                legend = base64.b64decode(legend_url[len(prefix) :], validate=True)
            except (binascii.Error, ValueError):
                legend = None  # the map image still stands without its legend
        return cls(
            png,
            image.size[0],
            image.size[1],
            markers,
            clusters,
            basemap,
            str(value.get("view") or "")[:60],
            scale,
            legend,
        )

    @property
    def summary(self) -> str:
        """E.g. ``"Map as shown: 12 site markers and 3 clusters, offline basemap"``."""
        basemap = "basemap tiles" if self.basemap == "tiles" else "offline basemap"
        clusters = f" and {self.clusters} cluster{'s' if self.clusters != 1 else ''}"
        return (
            f"Map as shown: {self.markers} site marker{'s' if self.markers != 1 else ''}"
            f"{clusters if self.clusters else ''}, {basemap}"
            + (f", view {self.view}" if self.view else "")
        )


@dataclass(frozen=True)
class ViewRecord:
    """Which view a pack is of: ``filters`` in words (provenance.filter_lines), the
    as-of day (ISO), the permalink, the data version, the export time (UTC, aware)."""

    view: View
    as_of: str
    permalink: str
    version: DataVersion
    exported_at: datetime
    filters: list[str]
    citation: Citation


@dataclass(frozen=True)
class PackInput:
    """The frames the page draws for one view. ``sites``: the shown sites (with the
    status columns of :func:`with_status` and an ``origin`` column when uploads are
    mixed in); ``events``: the shown events; ``figures``: the People held panel's rows;
    ``contradictions``: the disagreements among them; ``sources``: the atlas's whole
    sources table (the pack keeps only what is cited)."""

    record: ViewRecord
    sites: pd.DataFrame
    events: pd.DataFrame
    figures: pd.DataFrame
    contradictions: pd.DataFrame
    sources: pd.DataFrame
    capture: MapCapture | None = None
    capture_problem: str = ""  # why there is no map image, when there is none
    include_upload: bool = False


@dataclass(frozen=True)
class Pack:
    """A built pack: ``zip`` bytes, the ``files`` in it (name -> (bytes, sha256)), the
    captioned map image and the brief (also inside the ZIP)."""

    zip: bytes
    files: dict[str, tuple[int, str]]
    map_png: bytes | None
    brief_pdf: bytes
    missing_sources: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return "scam-centre-atlas-evidence-pack.zip"


STATUS_COLUMNS = ["status", "status_since", "status_source_id", "status_disputed"]


def with_status(sites: pd.DataFrame, status: StatusAt, mask: np.ndarray) -> pd.DataFrame:
    """``sites`` (the rows of ``mask``) with the status columns the map draws: the status
    code as of the date, the day it holds from, the source that set it, whether another
    source disputes it."""
    return sites.assign(
        status=status.code[mask],
        status_since=status.since[mask],
        status_source_id=status.source_id[mask],
        status_disputed=np.where(status.disputed[mask], "yes", ""),
    )


def pack_sites(sites: pd.DataFrame, include_upload: bool) -> pd.DataFrame:
    """The rows of ``sites`` a pack (and its citation) holds: the analyst's uploaded
    sites (``origin`` = "your upload") only when ``include_upload``."""
    if "origin" in sites.columns and not include_upload:
        return sites[sites["origin"] != UPLOAD_ORIGIN]
    return sites


def people_figures(shown: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """The rows the People held panel lists for the shown sites' countries."""
    return fig.people_rows(figures, fig.shown_countries(shown))


def panel_figures(shown: pd.DataFrame, atlas) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The figures the People held panel lists for ``shown`` (every column of
    ``figures.csv``, with every side of the disagreements it lists) and those
    disagreements' rows of ``contradictions.csv``. ``atlas``: a
    :class:`components.data.Atlas`."""
    rows = people_figures(shown, atlas.figures)
    table = getattr(atlas, "contradictions", None)
    found = fig.contradictions_for(rows, atlas.figures, table)
    if found:
        rows = pd.concat([rows, *[c.rows for c in found]], ignore_index=True)
        rows = rows.drop_duplicates("figure_id", keep="first")
    ids = [c.contradiction_id for c in found]
    if table is None:
        chosen = pd.DataFrame()
    else:
        chosen = table[table["contradiction_id"].isin(ids)]
    return rows.drop(columns=["metric_base", "scope_used"], errors="ignore"), chosen


def _count(n: int, noun: str) -> str:
    """'1 event', '2 events', '1,234 events'."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _readme(content: PackInput, files: list[str], capture_line: str) -> str:
    record = content.record
    sites = content.sites
    low = int((sites.get("confidence", pd.Series(dtype=str)) == "low").sum())
    disputed = int((sites.get("status_disputed", pd.Series(dtype=str)) == "yes").sum())
    words = int((content.figures.get("qualifier", pd.Series(dtype=str)) == "qualitative").sum())
    uploaded = int((sites.get("origin", pd.Series(dtype=str)) == UPLOAD_ORIGIN).sum())
    what = {
        "README.txt": "this file",
        "CITATION.txt": "how to cite this view (short and long form, with the permalink)",
        "sites.csv": f"the {_count(len(sites), 'shown site')}, each with its sources and its "
        "status as of the date (UTF-8 with BOM, CRLF: opens in Excel)",
        "sites.geojson": "the same sites as RFC 7946 GeoJSON (WGS 84, [lon, lat]), each "
        "feature carrying its sources' quotes",
        "events.csv": f"the {_count(len(content.events), 'event')} the Events panel lists",
        "figures.csv": f"the {_count(len(content.figures), 'figure')} behind the People held "
        "panel, in the sources' own words (value_text); value_low/value_high are blank where "
        "the source gives words, not numbers",
        "contradictions.csv": f"the {_count(len(content.contradictions), 'place')} where those "
        "figures' sources disagree (both sides are kept; none is picked)",
        "sources.csv": "every source cited by a file above (URL, publisher, date, exact "
        "quote), and nothing else",
        "map.png": capture_line,
        "brief.pdf": "a one-page printed brief of this view",
        "manifest.json": "the SHA-256 and size of every file, the data version and the view",
        "SHA256SUMS": "the same hashes; check with `sha256sum -c SHA256SUMS`",
    }
    lines = [
        f"{ATLAS_NAME}: evidence pack",
        "=" * 40,
        "",
        f"Exported: {record.exported_at.strftime('%Y-%m-%d %H:%M:%S UTC')}",
        f"Data version: {record.version.short} (SHA-256 {record.version.sha256})",
        f"Permalink: {record.permalink}",
        "",
        "The view",
        *[f"  {line}" for line in record.filters],
        "",
        "Files",
        *[f"  {name:<20}{what[name]}" for name in files],
        *([f"  {'map.png':<20}{capture_line}"] if "map.png" not in files else []),
        "",
        "Codes",
        "  precision (what a point stands for; ACLED-style geo-precision):",
        *[f"    {k}: {v}" for k, v in PRECISION_LABELS.items()],
        "  confidence (how sure the position is):",
        *[f"    {k}: {v}" for k, v in CONFIDENCE_LABELS.items()],
        "  status (as of the date, from dated, sourced events):",
        *[f"    {k}: {v}" for k, v in STATUS_LABELS.items()],
        "    (blank: not yet reported on that date; status_disputed=yes: another source "
        "disputes the claim that set it)",
        "  zone_type:",
        *[f"    {k}: {v}" for k, v in ZONE_LABELS.items()],
        "  qualifier (of a figure):",
        *[f"    {k}: {v}" for k, v in QUALIFIER_LABELS.items()],
        "",
        "Caveats",
        "  - Figures are kept in the sources' words ('at least', 'around', 'tens of "
        "thousands'); never read a words-only figure as a number, and never add figures "
        f"of different sources or dates. {words} figure(s) here are words only.",
        f"  - {low} site(s) have low confidence: their position is an unverified estimate.",
        "  - A town, district or province point stands for an area: the site is somewhere "
        "inside it (halo of 5, 15 or 40 km on the map), not at the point.",
        f"  - {disputed} site status(es) rest on a claim another source disputes.",
        "  - Statuses change: each is as of the date above, from the events the atlas has.",
    ]
    if uploaded:
        lines.append(
            f"  - {uploaded} site(s) come from the analyst's own upload (origin = "
            "'your upload'): not checked by the atlas team."
        )
    return "\n".join(lines) + "\n"


def _citation_text(record: ViewRecord) -> str:
    return (
        f"How to cite this view\n\nShort form:\n{record.citation.short}\n\n"
        f"Long form:\n{record.citation.long}\n\nPermalink (reopens this view):\n"
        f"{record.permalink}\n\nData version: {record.version.sha256}\n"
        + "".join(f"  {name}: {sha}\n" for name, sha in record.version.files.items())
    )


def key_numbers(figures: pd.DataFrame, sources: pd.DataFrame, per_country: int = 2) -> list:
    """The brief's key numbers: per country, the ``per_country`` newest national
    estimates of people in scam operations, in the sources' words."""
    from components.export.brief import KeyNumber

    if figures.empty:
        return []
    rows = fig.chart_rows(
        figures.assign(
            metric_base=fig.column(figures, "metric").map(fig.metric_base),
            scope_used=[fig.scope_of(r) for _, r in figures.iterrows()],
        )
    )
    by_id = sources.drop_duplicates("source_id").set_index("source_id")
    out = []
    for code, group in rows.groupby(fig.column(rows, "country"), sort=False):
        for _, r in group.head(per_country).iterrows():
            sid = fig.cell(r, "source_id")
            src = by_id.loc[sid] if sid in by_id.index else None
            title = (
                f"{src['publisher']}, {src['title']} ({src['date'] or 'undated'})"
                if src is not None
                else sid
            )
            disputed = ", ".join(fig.disputes(r))
            # A joint figure is one figure for several countries, never one country's.
            joint = [c.strip() for c in fig.cell(r, "joint_countries").split(";") if c.strip()]
            where = (
                ", ".join(country_name(c) for c in joint) + " together (one joint figure)"
                if joint
                else country_name(code)
            )
            out.append(
                KeyNumber(
                    country=where,
                    words=fig.cell(r, "value_text"),
                    what="People in scam operations (national), "
                    + QUALIFIER_LABELS.get(fig.cell(r, "qualifier"), fig.cell(r, "qualifier")),
                    as_of=fig.date_label(fig.cell(r, "as_of")),
                    source=title,
                    url=str(src["url"]) if src is not None else "",
                    disputed=f"Disputed by: {disputed}" if disputed else "",
                )
            )
    return out


def _brief(content: PackInput, map_png: bytes | None, summary: str) -> bytes:
    from components.export.brief import Brief, brief_pdf

    sites = content.sites
    rows = [
        {
            "name": str(r.get("name", "")),
            "country": country_name(str(r.get("country", ""))),
            "zone_type": ZONE_LABELS.get(str(r.get("zone_type", "")), str(r.get("zone_type", ""))),
            "status": STATUS_LABELS.get(str(r.get("status", "")), "").split(" (")[0].strip(),
            "confidence": str(r.get("confidence", "")),
            "precision": str(r.get("precision", "")),
        }
        for r in sites.to_dict("records")
    ]
    record = content.record
    caveats = [
        "Figures are in the sources' own words; words-only figures are not numbers.",
        "Low-confidence positions are unverified estimates; town, district and province "
        "points stand for an area.",
        "Statuses are as of the date shown, from dated, sourced events.",
    ]
    return brief_pdf(
        Brief(
            title=f"{ATLAS_NAME}: view as of {record.as_of}",
            citation=record.citation.long,
            data_version=record.version.short,
            filters=list(record.filters),
            exported_at=record.exported_at.strftime("%Y-%m-%d %H:%M UTC"),
            map_png=map_png,
            map_note=summary,
            numbers=key_numbers(content.figures, content.sources),
            sites=rows,
            caveats=caveats,
        )
    )


def build_pack(content: PackInput) -> Pack:
    """Build the evidence pack of ``content``. Uploaded sites (``origin`` = "your
    upload") are left out unless ``content.include_upload``. Returns a :class:`Pack`;
    source ids that ``sources`` lacks are listed in ``missing_sources`` (and in the
    manifest), never invented."""
    record = content.record
    sites = pack_sites(content.sites, content.include_upload)
    content = replace(content, sites=sites)
    site_table = tables.export_table(sites, content.sources)
    cited = cited_source_ids(
        {
            "sites": sites,
            "events": content.events,
            "figures": content.figures,
            "contradictions": content.contradictions,
        }
    )
    cited_sources = tables.sources_subset(content.sources, cited)
    missing = [i for i in cited if i not in set(cited_sources["source_id"])]

    map_png = None
    summary = content.capture_problem or "The map image was not captured."
    if content.capture is not None:
        summary = content.capture.summary
        strip = [
            f"Status as of {record.as_of} · data version {record.version.short} · exported "
            f"{record.exported_at.strftime('%Y-%m-%d %H:%M UTC')}",
            " · ".join(line for line in record.filters[1:] if not line.endswith(": all"))
            or "No filters: every site the atlas holds",
            summary,
            f"Cite: {record.citation.short}",
        ]
        map_png = caption.captioned(content.capture.png, ATLAS_NAME, strip, content.capture.legend)

    files: dict[str, bytes] = {}
    files["CITATION.txt"] = _citation_text(record).encode("utf-8")
    files["sites.csv"] = tables.excel_csv(site_table)
    files["sites.geojson"] = tables.to_geojson(sites, content.sources)
    files["events.csv"] = tables.events_csv(content.events)
    files["figures.csv"] = tables.figures_csv(content.figures)
    if len(content.contradictions):
        files["contradictions.csv"] = tables.excel_csv(content.contradictions)
    files["sources.csv"] = tables.excel_csv(cited_sources)
    if map_png is not None:
        files["map.png"] = map_png
    brief = _brief(content, map_png, summary)
    files["brief.pdf"] = brief
    names = ["README.txt", *[n for n in PACK_FILES if n in files]]
    files["README.txt"] = _readme(
        content,
        [*names, "manifest.json", "SHA256SUMS"],
        summary + " (with a caption strip naming the view)"
        if map_png is not None
        else f"not in this pack: {summary}",
    ).encode("utf-8")
    digests = {n: (len(files[n]), _sha(files[n])) for n in names}
    manifest = {
        "atlas": ATLAS_NAME,
        "exported_at": record.exported_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "data_version": {
            "sha256": record.version.sha256,
            "short": record.version.short,
            "files": record.version.files,
        },
        "view": {
            "permalink": record.permalink,
            "as_of": record.as_of,
            "filters": record.filters,
        },
        "counts": {
            "sites": len(sites),
            "events": len(content.events),
            "figures": len(content.figures),
            "contradictions": len(content.contradictions),
            "sources": len(cited_sources),
        },
        "map": None
        if content.capture is None
        else {
            "markers": content.capture.markers,
            "clusters": content.capture.clusters,
            "basemap": content.capture.basemap,
            "view": content.capture.view,
            "width": content.capture.width,
            "height": content.capture.height,
        },
        "map_problem": "" if content.capture is not None else summary,
        "includes_upload": bool(
            content.include_upload
            and "origin" in sites.columns
            and (sites["origin"] == UPLOAD_ORIGIN).any()
        ),
        "missing_sources": missing,
        "files": [{"name": n, "bytes": size, "sha256": sha} for n, (size, sha) in digests.items()],
    }
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
    digests["manifest.json"] = (len(files["manifest.json"]), _sha(files["manifest.json"]))
    sums = "".join(f"{sha}  {n}\n" for n, (_, sha) in digests.items())
    files["SHA256SUMS"] = sums.encode("ascii")
    digests["SHA256SUMS"] = (len(files["SHA256SUMS"]), _sha(files["SHA256SUMS"]))

    stamp = record.exported_at.timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in [*names, "manifest.json", "SHA256SUMS"]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = (
                zipfile.ZIP_STORED if name.endswith((".png", ".pdf")) else zipfile.ZIP_DEFLATED
            )
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return Pack(buffer.getvalue(), digests, map_png, brief, missing)
