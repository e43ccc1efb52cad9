"""Where a view comes from: the data version (:mod:`components.data.version`), the
permalink, the filters in words, the sources the view cites, and how to cite it (pure,
no Streamlit)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

import pandas as pd

from components.analysis.filters import View, params_from_view
from components.data.labels import (
    CONFIDENCE_LABELS,
    EVENT_TYPE_LABELS,
    STATUS_LABELS,
    ZONE_LABELS,
    country_name,
)
from components.data.version import DataVersion

ATLAS_NAME = "Scam Centre Atlas"


def permalink(page_url: str, view: View, as_of: str, map_param: str = "") -> str:
    """The address that reopens this view: the page's scheme, host and path, the
    view's query parameters with the as-of date pinned (a link without it would mean
    "today" on the day it is opened), and the map's ``zoom/lat/lon`` when known."""
    parts = urlsplit(page_url or "http://localhost:8501/")
    params = params_from_view(replace(view, as_of=as_of))
    if map_param:
        params["map"] = [map_param]
    query = urlencode([(k, v) for k, values in params.items() for v in values])
    # Commas and slashes read better left as they are, and the app reads them either way.
    query = query.replace("%2C", ",").replace("%2F", "/")
    return urlunsplit((parts.scheme or "http", parts.netloc, parts.path or "/", query, ""))


def _names(values: Sequence[str], labels: Mapping[str, str]) -> str:
    return ", ".join(labels.get(v, v) for v in values)


def filter_lines(view: View, as_of: str, site_label: str = "") -> list[str]:
    """The view in words, one line per part, e.g. ``["Status as of: 2025-06-30",
    "Countries: Myanmar, Thailand", "Zone types: all"]``. Parts left open say "all"."""
    lines = [f"Status as of: {as_of}"]
    lines.append("Countries: " + (", ".join(country_name(c) for c in view.countries) or "all"))
    lines.append("Zone types: " + (_names(view.zones, ZONE_LABELS) or "all"))
    lines.append("Confidence: " + (_names(view.confidences, CONFIDENCE_LABELS) or "all"))
    lines.append("Status: " + (_names(view.statuses, STATUS_LABELS) or "all"))
    lines.append("Event types: " + (_names(view.event_types, EVENT_TYPE_LABELS) or "all"))
    if view.start or view.end:
        lines.append(f"Events dated: {view.start or 'first'} to {view.end or 'last'}")
    if view.query:
        lines.append(f"Search: “{view.query}”")
    if site_label:
        lines.append(f"Selected site: {site_label}")
    return lines


def ids_in(values: Iterable[object]) -> list[str]:
    """Every ``;``-separated id in ``values``, in first-seen order, blanks dropped."""
    seen: dict[str, None] = {}
    for value in values:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            continue
        for part in str(value).split(";"):
            if part.strip():
                seen.setdefault(part.strip(), None)
    return list(seen)


def cited_source_ids(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Every source id cited by the rows of ``tables`` (their ``source_ids``,
    ``source_id``, ``status_source_id`` and ``disputed_by`` columns), in first-seen order."""
    columns = ("source_ids", "source_id", "status_source_id", "disputed_by")
    values: list[object] = []
    for frame in tables.values():
        for column in columns:
            if column in frame.columns:
                values.extend(frame[column].tolist())
    return ids_in(values)


@dataclass(frozen=True)
class Citation:
    """How to cite one view. ``short``: one line for a footnote; ``long``: a paragraph
    naming the filters, the data version in full and the permalink."""

    short: str
    long: str


def citation(
    *,
    sites: int,
    countries: Sequence[str],
    as_of: str,
    version: DataVersion,
    link: str,
    accessed: datetime,
    filters: Sequence[str] = (),
) -> Citation:
    """The citation of a view of ``sites`` sites in ``countries`` (ISO codes) at
    ``as_of``; ``accessed`` is the export time (UTC)."""
    where = ", ".join(country_name(c) for c in countries) or "no country"
    day = accessed.strftime("%Y-%m-%d")
    what = f"{sites:,} site{'s' if sites != 1 else ''} in {where}, status as of {as_of}"
    short = f"{ATLAS_NAME}, view of {what} (data version {version.short}). {link} (accessed {day})."
    long = (
        f"{ATLAS_NAME} ({accessed.year}). Scam centres in Southeast Asia: {what}. "
        f"Filters: {'; '.join(filters) or 'none'}. "
        f"Data version {version.short} (SHA-256 {version.sha256}). "
        f"Available at {link} (accessed {accessed.strftime('%Y-%m-%d %H:%M UTC')})."
    )
    return Citation(short, long)
