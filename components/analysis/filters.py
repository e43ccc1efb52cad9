"""Filters: the analyst's view as a value, applied to DataFrames, read from URLs (pure)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from components.data import date_span

# URL query keys; each may repeat (?country=MM&country=KH) or hold a comma list.
URL_KEYS = ("country", "zone", "confidence", "q", "site")
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class View:
    """What the analyst is looking at: the filters and the selected site."""

    countries: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    confidences: tuple[str, ...] = ()
    query: str = ""
    site: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.countries or self.zones or self.confidences or self.query)


@dataclass(frozen=True)
class Options:
    """The values a URL or a widget may choose from (the data's own)."""

    countries: tuple[str, ...]
    zones: tuple[str, ...]
    confidences: tuple[str, ...]
    sites: frozenset[str] = field(default_factory=frozenset)


def normalise(text: str) -> str:
    """Case- and accent-insensitive form for searching ('Möng La' -> 'mong la')."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_text(locations: pd.DataFrame) -> pd.Series:
    """What the text search looks in: name, aliases and site id, normalised once."""
    joined = (
        locations["name"].fillna("")
        + " | "
        + locations["aliases"].fillna("")
        + " | "
        + locations["site_id"].fillna("")
    )
    return joined.map(normalise)


def site_mask(locations: pd.DataFrame, view: View, haystack: pd.Series | None = None) -> np.ndarray:
    """Boolean mask of the sites the view shows."""
    mask = np.ones(len(locations), dtype=bool)
    if view.countries:
        mask &= locations["country"].isin(view.countries).to_numpy()
    if view.zones:
        mask &= locations["zone_type"].isin(view.zones).to_numpy()
    if view.confidences:
        mask &= locations["confidence"].isin(view.confidences).to_numpy()
    if view.query.strip():
        hay = search_text(locations) if haystack is None else haystack
        needle = normalise(view.query.strip())
        mask &= hay.str.contains(needle, regex=False).to_numpy()
    return mask


def event_site_rows(events: pd.DataFrame, locations: pd.DataFrame) -> np.ndarray:
    """For each event, the row of its site in ``locations`` (-1: at no mapped site).

    Depends only on the dataset, so the app computes it once per dataset.
    """
    row_of = pd.Series(np.arange(len(locations)), index=locations["site_id"].to_numpy())
    row_of = row_of[~row_of.index.duplicated()]
    rows = events["site_id"].fillna("").map(row_of)
    return rows.fillna(-1).astype(int).to_numpy()


def event_mask(
    events: pd.DataFrame,
    site_rows: np.ndarray,
    shown_sites: np.ndarray,
    view: View,
    start: str | None = None,
    end: str | None = None,
) -> np.ndarray:
    """Events that follow the filters.

    An event at a mapped site is shown when its site is (``site_rows`` from
    :func:`event_site_rows`, ``shown_sites`` the site mask). An event at no mapped site
    (a national report, a regional study) is shown when only countries are filtered
    and its country is among them (or no filter at all). Dates are compared as ISO
    spans, so '2025-01' is kept by any range that overlaps January 2025.
    """
    sited = site_rows >= 0
    site_filter = bool(view.zones or view.confidences or view.query.strip())
    if site_filter:
        unsited_ok = np.zeros(len(events), dtype=bool)
    elif view.countries:
        unsited_ok = events["country"].isin(view.countries).to_numpy()
    else:
        unsited_ok = np.ones(len(events), dtype=bool)
    at_shown_site = sited & np.asarray(shown_sites, dtype=bool)[np.where(sited, site_rows, 0)]
    mask = np.where(sited, at_shown_site, unsited_ok)
    # A month- or year-precision date covers a span; keep it if the span overlaps.
    dates = events["date"].fillna("")
    first = dates.map(lambda d: date_span(d)[0])
    last = dates.map(lambda d: date_span(d)[1])
    if start:
        mask &= (last >= start).to_numpy()
    if end:
        mask &= (first <= end).to_numpy()
    return mask


def _values(params: Mapping[str, Sequence[str]], key: str) -> list[str]:
    out: list[str] = []
    for raw in params.get(key, []) or []:
        out.extend(v.strip() for v in str(raw).split(",") if v.strip())
    return out


def view_from_params(
    params: Mapping[str, Sequence[str]], options: Options
) -> tuple[View, list[str]]:
    """Read a view from URL query parameters; unknown values are dropped with a notice."""
    notices: list[str] = []

    def pick(key: str, allowed: Sequence[str], upper: bool = False) -> tuple[str, ...]:
        chosen, unknown = [], []
        for value in _values(params, key):
            value = value.upper() if upper else value
            if value in allowed and value not in chosen:
                chosen.append(value)
            elif value not in allowed:
                unknown.append(value)
        if unknown:
            shown = ", ".join(repr(u[:40]) for u in unknown[:5])
            notices.append(f"Ignored unknown {key} value(s) in the link: {shown}.")
        return tuple(chosen)

    query_values = _values(params, "q")
    query = " ".join(query_values)[:MAX_QUERY_LENGTH] if query_values else ""
    site = None
    site_values = _values(params, "site")
    if site_values:
        if site_values[0] in options.sites:
            site = site_values[0]
        else:
            notices.append(f"Ignored unknown site in the link: {site_values[0][:40]!r}.")
    view = View(
        countries=pick("country", options.countries, upper=True),
        zones=pick("zone", options.zones),
        confidences=pick("confidence", options.confidences),
        query=query,
        site=site,
    )
    return view, notices


def params_from_view(view: View) -> dict[str, list[str]]:
    """URL query parameters for a view (empty parts left out, lists comma-joined)."""
    params: dict[str, list[str]] = {}
    if view.countries:
        params["country"] = [",".join(view.countries)]
    if view.zones:
        params["zone"] = [",".join(view.zones)]
    if view.confidences:
        params["confidence"] = [",".join(view.confidences)]
    if view.query:
        params["q"] = [view.query]
    if view.site:
        params["site"] = [view.site]
    return params
