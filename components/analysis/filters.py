"""Filters: the analyst's view as a value, applied to DataFrames, read from URLs (pure)."""

from __future__ import annotations

import re
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from components.data import columns, names
from components.data.status import StatusAt, span_ends, span_starts
from components.data.tables import EVENT_TYPES, SITE_STATUSES

# URL query keys. List keys may repeat (?country=MM&country=KH) or hold a comma list;
# q is free text (kept whole, commas and all); from / to / asof are ISO days.
LIST_KEYS = ("country", "zone", "confidence", "status", "etype")
DATE_KEYS = ("from", "to", "asof")
URL_KEYS = (*LIST_KEYS, "q", *DATE_KEYS, "site")
MAX_QUERY_LENGTH = 200
ISO_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class View:
    """What the analyst is looking at: the filters, the time and the selected site.

    ``start`` / ``end``: the event date range (ISO days, inclusive; None = open).
    ``as_of``: the day sites' statuses are read at and events are shown up to (ISO day;
    None = the latest the data knows).
    """

    countries: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    confidences: tuple[str, ...] = ()
    query: str = ""
    site: str | None = None
    statuses: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None
    as_of: str | None = None

    @property
    def active(self) -> bool:
        """Any filter narrows the sites or events (dates and the selected site aside)."""
        return bool(
            self.countries
            or self.zones
            or self.confidences
            or self.query
            or self.statuses
            or self.event_types
        )

    @property
    def filters_sites(self) -> bool:
        """A filter on sites' own attributes (not country): unsited events drop out."""
        return bool(self.zones or self.confidences or self.query.strip() or self.statuses)


@dataclass(frozen=True)
class Options:
    """The values a URL or a widget may choose from (the data's own).

    ``first_date`` / ``last_date``: ISO days bounding the data (see
    :func:`components.data.status.data_dates`); a link's dates must fall inside
    :func:`date_window` of them. None: no bound.
    """

    countries: tuple[str, ...]
    zones: tuple[str, ...]
    confidences: tuple[str, ...]
    sites: Container[str] = field(default_factory=frozenset)  # ids a link may open
    statuses: tuple[str, ...] = SITE_STATUSES
    event_types: tuple[str, ...] = EVENT_TYPES
    first_date: str | None = None
    last_date: str | None = None


def date_window(options: Options, today: date | None = None) -> tuple[date | None, date | None]:
    """The days the time controls offer, and a link may name (both inclusive).

    From 1 January of the data's first year to the later of its last day and ``today``
    (default: the real today), so "as of today" is always reachable. None: unbounded
    (no ``first_date`` / ``last_date``).
    """
    first = last = None
    if options.first_date:
        first = date(date.fromisoformat(options.first_date).year, 1, 1)
    if options.last_date:
        last = max(date.fromisoformat(options.last_date), today or date.today())
    return first, last


def normalise(text: str) -> str:
    """Case- and accent-insensitive form for searching ('Möng La' -> 'mong la').

    :func:`components.data.names.plain`: Latin/Greek/Cyrillic accents dropped, the vowel
    signs and tone marks of Burmese, Thai, Khmer and Lao kept ('แว้ง' does not find
    'แวง'), punctuation kept. Any value is accepted (``str()`` is applied).
    """
    return names.plain(text)


def search_text(locations: pd.DataFrame) -> pd.Series:
    """What the text search looks in: name, aliases and site id, normalised once.

    Each column is normalised at once (:func:`components.data.names.plain_all`; a column
    that repeats its values, such as aliases, has each distinct value normalised once),
    then the three are joined: value for value the same as :func:`normalise` of
    ``"name | aliases | site_id"``, since normalising never joins characters across
    " | ".
    """
    # Folded in Arrow (names.plain_column): only the non-ASCII cells ever become Python
    # strs (a million sites: several hundred MB less at prepare's peak).
    parts = [names.plain_column(locations[c]) for c in ("name", "aliases", "site_id")]
    return columns.join(parts, " | ")  # str cells in Arrow (pandas' str dtype)


def site_mask(
    locations: pd.DataFrame,
    view: View,
    haystack: pd.Series | None = None,
    status_codes: StatusAt | np.ndarray | None = None,
) -> np.ndarray:
    """Boolean mask, shape (n,), of the sites the view shows.

    ``haystack``: :func:`search_text` of ``locations`` if already computed.
    ``status_codes``: each site's status at ``view.as_of``, a
    :class:`~components.data.status.StatusAt` or its ``code`` array (shape (n,)). With
    it, sites not yet reported at that date ("" code) are hidden, and ``view.statuses``
    keeps only those statuses. Without it every site counts as "reported" (sites with
    no dated status events, such as an analyst's upload, are exactly that).

    Raises ValueError when ``status_codes`` does not have shape (n,).
    """
    mask = np.ones(len(locations), dtype=bool)
    if isinstance(status_codes, StatusAt):
        if status_codes.index.shape != mask.shape:
            raise ValueError(f"status has shape {status_codes.index.shape}, expected {mask.shape}")
        mask &= status_codes.reported
        if view.statuses:
            mask &= status_codes.having(view.statuses)
    elif status_codes is not None:
        codes = np.asarray(status_codes, dtype=object)
        if codes.shape != mask.shape:
            raise ValueError(f"status_codes has shape {codes.shape}, expected {mask.shape}")
        mask &= codes != ""
        if view.statuses:
            mask &= np.isin(codes, np.array(view.statuses, dtype=object))
    elif view.statuses:
        mask &= "reported" in view.statuses
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
    return columns.first_rows(locations["site_id"], events["site_id"].fillna(""))


def event_mask(
    events: pd.DataFrame,
    site_rows: np.ndarray,
    shown_sites: np.ndarray,
    view: View,
    start: str | None = None,
    end: str | None = None,
) -> np.ndarray:
    """Boolean mask, shape (len(events),), of the events that follow the view.

    An event at a mapped site is shown when its site is (``site_rows`` from
    :func:`event_site_rows`, ``shown_sites`` the site mask). An event at no mapped site
    (a national report, a regional study) is shown when no site attribute is filtered
    (zone, confidence, search, status) and its country is among the chosen ones (or no
    country is chosen). ``view.event_types`` keeps only those types.

    Dates are compared as ISO spans, so '2025-01' is kept by any range that overlaps
    January 2025: the range is ``start`` / ``end`` when given (the older call form),
    else ``view.start`` / ``view.end``. Events starting after ``view.as_of`` are never
    shown (events appear up to the "as of" day).
    """
    start = view.start if start is None else start
    end = view.end if end is None else end
    sited = site_rows >= 0
    if view.filters_sites:
        unsited_ok = np.zeros(len(events), dtype=bool)
    elif view.countries:
        unsited_ok = events["country"].isin(view.countries).to_numpy()
    else:
        unsited_ok = np.ones(len(events), dtype=bool)
    at_shown_site = sited & np.asarray(shown_sites, dtype=bool)[np.where(sited, site_rows, 0)]
    mask = np.where(sited, at_shown_site, unsited_ok)
    if view.event_types:
        mask &= events["event_type"].isin(view.event_types).to_numpy()
    # A month- or year-precision date covers a span; keep it if the span overlaps.
    if start or end or view.as_of:
        dates = events["date"]
        first = span_starts(dates)
        if start:
            mask &= (span_ends(dates) >= start).to_numpy()
        if end:
            mask &= (first <= end).to_numpy()
        if view.as_of:
            mask &= (first <= view.as_of).to_numpy()
    return mask


def _raw(params: Mapping[str, Sequence[str]], key: str) -> list[str]:
    """The key's values as given, stripped, blanks dropped (no comma splitting)."""
    values = params.get(key, []) or []
    if isinstance(values, str):  # a plain mapping of str, not of lists
        values = [values]
    return [str(v).strip() for v in values if str(v).strip()]


def _values(params: Mapping[str, Sequence[str]], key: str) -> list[str]:
    """A list key's values: repeated keys and comma lists both read as lists."""
    return [v.strip() for raw in _raw(params, key) for v in raw.split(",") if v.strip()]


def _iso_day(value: str) -> date | None:
    if not ISO_DAY_RE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def view_from_params(
    params: Mapping[str, Sequence[str]], options: Options, today: date | None = None
) -> tuple[View, list[str]]:
    """Read a view from URL query parameters.

    Unknown list values are dropped with a notice. ``q`` is kept whole (commas too;
    repeated ``q`` values are joined by a space) and cut to ``MAX_QUERY_LENGTH``.
    ``from`` / ``to`` / ``asof`` must be ISO days (YYYY-MM-DD) inside
    :func:`date_window` (``today`` as there); a malformed or out-of-range date is
    ignored with a notice, and ``from`` after ``to`` are swapped with a notice.

    Returns ``(view, notices)``; notices are plain sentences for the page.
    """
    notices: list[str] = []
    first_day, last_day = date_window(options, today)

    def day(key: str) -> str | None:
        values = _raw(params, key)
        if not values:
            return None
        value = values[0]
        if len(values) > 1:
            notices.append(f"Used the first of several {key} dates in the link.")
        parsed = _iso_day(value)
        if parsed is None:
            notices.append(
                f"Ignored the {key} date in the link: {value[:40]!r} is not a date "
                "written YYYY-MM-DD."
            )
            return None
        if (first_day and parsed < first_day) or (last_day and parsed > last_day):
            notices.append(
                f"Ignored the {key} date in the link: {value} is outside "
                f"{first_day or '…'} to {last_day or '…'}."
            )
            return None
        return value

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

    query = " ".join(_raw(params, "q"))[:MAX_QUERY_LENGTH].strip()
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
        statuses=pick("status", options.statuses),
        event_types=pick("etype", options.event_types),
    )
    start, end, as_of = day("from"), day("to"), day("asof")
    if start and end and start > end:
        notices.append(f"Swapped the link's dates: 'from' {start} was after 'to' {end}.")
        start, end = end, start
    return replace(view, start=start, end=end, as_of=as_of), notices


def params_from_view(view: View) -> dict[str, list[str]]:
    """URL query parameters for a view (empty parts left out, lists comma-joined)."""
    params: dict[str, list[str]] = {}
    if view.countries:
        params["country"] = [",".join(view.countries)]
    if view.zones:
        params["zone"] = [",".join(view.zones)]
    if view.confidences:
        params["confidence"] = [",".join(view.confidences)]
    if view.statuses:
        params["status"] = [",".join(view.statuses)]
    if view.event_types:
        params["etype"] = [",".join(view.event_types)]
    if view.query:
        params["q"] = [view.query]
    for key, value in (("from", view.start), ("to", view.end), ("asof", view.as_of)):
        if value:
            params[key] = [value]
    if view.site:
        params["site"] = [view.site]
    return params
