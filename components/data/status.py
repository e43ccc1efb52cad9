"""A site's status through time, derived from dated, sourced events (pure pandas/numpy).

Every site starts as ``reported`` on the earliest date any of its cited sources or its
events carries (its *first report*). Each event with a ``status`` then gives its site
that status from the first day of the event's date on ("2025-11" counts from
2025-11-01). A claim another source contradicts (``disputed_by`` set) still sets the
status, but is flagged ``disputed`` so the page can show it as a claim, not as fact.

Dates are ISO text throughout (``YYYY-MM-DD``); partial dates (``YYYY``, ``YYYY-MM``)
are read with :func:`components.data.tables.date_span`. Nothing here imports Streamlit.

Typical use, per dataset then per rerun::

    first = first_reported(atlas.locations, atlas.events, atlas.sources)  # once
    changes = status_changes(atlas.events)  # once
    now = status_at(atlas.locations, changes, first, "2025-11-30")  # per rerun
    now.code, now.disputed  # aligned with atlas.locations rows
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from components.data.columns import first_rows, split_lists_arrow, strip_text, to_strings
from components.data.labels import STATUS_LABELS
from components.data.memo import computed
from components.data.tables import SITE_STATUSES

__all__ = [
    "SITE_STATUSES",
    "StatusAt",
    "StatusTable",
    "bench",
    "data_dates",
    "first_reported",
    "span_ends",
    "span_starts",
    "status_at",
    "status_changes",
    "status_counts",
    "site_timeline",
]

NOT_YET = ""  # status code of a site not yet reported at the "as of" date
ISO_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CHANGE_COLUMNS = [
    "site_id",
    "date",
    "start",
    "status",
    "event_id",
    "source_id",
    "disputed",
    "disputed_by",
    "summary",
    "order",
]
TIMELINE_COLUMNS = [
    "date",
    "start",
    "status",
    "label",
    "event_id",
    "source_id",
    "disputed",
    "disputed_by",
    "summary",
]


# --- dates ---------------------------------------------------------------------------


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A text column as str with blanks as '' (an absent column reads as all blank)."""
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    cells = frame[column].fillna("")
    stripped = strip_text(cells) if cells.dtype == object else None
    if stripped is not None:  # a column of str (what the validator gives): one kernel call
        return stripped
    return cells.astype(str).str.strip()


def span_starts(dates: pd.Series) -> pd.Series:
    """First day of each YYYY / YYYY-MM / YYYY-MM-DD date, as ISO text ('' stays '').

    Vectorised :func:`date_span` ``[0]``: shape (n,) -> (n,), same index.
    """
    d = dates.fillna("").astype(str).str.strip()
    n = d.str.len()
    out = d.where(n != 4, d + "-01-01")
    return out.where(n != 7, d + "-01")


def span_ends(dates: pd.Series) -> pd.Series:
    """Last day of each date's span, as ISO text ('' stays '').

    Vectorised :func:`date_span` ``[1]``: a month ends on ``-31`` whatever its length
    (these are compared as text only, where -31 sorts after every day of the month).
    """
    d = dates.fillna("").astype(str).str.strip()
    n = d.str.len()
    out = d.where(n != 4, d + "-12-31")
    return out.where(n != 7, d + "-31")


def _days(iso: pd.Series | np.ndarray) -> np.ndarray:
    """ISO day text -> int64 days since 1970-01-01; blank or invalid -> INT64 min."""
    parsed = pd.to_datetime(pd.Series(iso, dtype=object), format="%Y-%m-%d", errors="coerce")
    return parsed.to_numpy(dtype="datetime64[D]").astype(np.int64)


_NAT = np.datetime64("NaT").astype(np.int64)


def _check_day(value: str, what: str) -> str:
    if not isinstance(value, str) or not ISO_DAY_RE.match(value):
        raise ValueError(f"{what} must be an ISO date YYYY-MM-DD, got {value!r}")
    try:
        np.datetime64(value, "D")
    except ValueError as err:
        raise ValueError(f"{what} is not a calendar date: {value!r}") from err
    return value


def data_dates(events: pd.DataFrame, sources: pd.DataFrame | None = None) -> tuple[str, str]:
    """The data's span: the first day of its earliest date, the last real day of its latest.

    Parameters
    ----------
    events : DataFrame with a ``date`` column (YYYY, YYYY-MM or YYYY-MM-DD text).
    sources : optional DataFrame with a ``date`` column (blank = undated, skipped).

    Returns
    -------
    (first, last) : ISO ``YYYY-MM-DD`` text; ``("", "")`` when nothing is dated. ``last``
        is a real calendar day ("2025-02" ends on 2025-02-28), fit for a date widget.
    """
    frames = [events] + ([sources] if sources is not None else [])
    dates = pd.concat([_text(f, "date") for f in frames], ignore_index=True)
    dates = dates[dates != ""]
    starts = pd.to_datetime(span_starts(dates), format="%Y-%m-%d", errors="coerce").dropna()
    if starts.empty:
        return "", ""
    n = dates.str.len()
    year_end = pd.to_datetime(dates[n == 4] + "-12-31", format="%Y-%m-%d", errors="coerce")
    month_end = pd.to_datetime(
        dates[n == 7] + "-01", format="%Y-%m-%d", errors="coerce"
    ) + pd.offsets.MonthEnd(0)
    day = pd.to_datetime(dates[n == 10], format="%Y-%m-%d", errors="coerce")
    ends = pd.concat([year_end, month_end, day]).dropna()
    return starts.min().strftime("%Y-%m-%d"), ends.max().strftime("%Y-%m-%d")


# --- first report --------------------------------------------------------------------


def _citations(locations: pd.DataFrame) -> tuple[np.ndarray, pa.Array]:
    """Every source id each site cites, as (rows, ids): int64 site row positions and an
    Arrow string array, one entry per ';'-separated part of a non-blank ``source_ids``
    cell, in the order the site lists them. Blank parts are kept ('S1;;S2': a blank
    part may name a blank id); a blank cell cites nothing. Split once, shared by
    :func:`_first_reports` and :func:`_undated_citation` (millions of parts at 1M sites)."""
    cells = _text(locations, "source_ids")
    rows, parts = split_lists_arrow(cells, keep_blank=True)
    stated = (cells != "").to_numpy()[rows]
    return rows[stated], pc.filter(parts, pa.array(stated))


def _earliest_per_row(rows: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Positions of each row's earliest dated entry (the first listed on a tie).

    ``rows``: int64, non-decreasing (a site's citations come together); ``days``: int64
    days, ``_NAT`` when undated. Entries with no row (-1) or no day are never chosen.
    Returns int64 positions into ``rows``, one per row that has a dated entry, in row
    order. One pass over the entries (no sort): millions of citations at 1M sites.
    """
    ok = np.flatnonzero((rows >= 0) & (days != _NAT))
    if not len(ok):
        return ok.astype(np.int64)
    r, d = rows[ok], days[ok]
    starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
    lows = np.minimum.reduceat(d, starts)
    hit = np.flatnonzero(d == np.repeat(lows, np.diff(np.r_[starts, len(d)])))
    first = np.r_[True, r[hit][1:] != r[hit][:-1]]
    return ok[hit[first]].astype(np.int64)


def _day_strings(days: np.ndarray) -> np.ndarray:
    """ISO ``YYYY-MM-DD`` of int64 days (none ``_NAT``), as an object array that holds
    one str per distinct day, shared by its rows (days span a few thousand values: a
    lookup table, not a sort of a million)."""
    if not len(days):
        return np.empty(0, dtype=object)
    low = int(days.min())
    offset = days - low
    used = np.flatnonzero(np.bincount(offset))
    text = np.datetime_as_string((used + low).astype("datetime64[D]"), unit="D").astype(object)
    lookup = np.empty(int(used[-1]) + 1, dtype=object)
    lookup[used] = text
    return lookup[offset]


def _first_reports(
    locations: pd.DataFrame,
    events: pd.DataFrame,
    sources: pd.DataFrame,
    citations: tuple[np.ndarray, pa.Array] | None = None,
) -> pd.DataFrame:
    """Per site row that has any dated evidence: its earliest date and what carries it.

    Returns a frame indexed by site row (int) with columns ``date`` (as written),
    ``start`` (ISO first day), ``source_id`` and ``event_id`` ('' when a cited source,
    not an event, is the first report). Ties: a cited source before an event, then the
    order of ``source_ids`` / of the events file. ``citations``: :func:`_citations` of
    ``locations``, when the caller has it.
    """
    # Cited sources: one row per (site row, source id), in the order the site lists them
    # (kept in Arrow: millions of ids are looked up without becoming Python strings).
    cited_rows, cited = citations if citations is not None else _citations(locations)
    named = pc.not_equal(cited, "")
    if not pc.all(named).as_py():  # a copy only when there are blank ids to drop
        keep = named.to_numpy(zero_copy_only=False)
        cited_rows, cited = cited_rows[keep], pc.filter(cited, named)
    # Date each source once, then look the cited ids up (unknown ids: undated).
    known, src_dates, src_days = _dated_sources(sources, cited.type)
    at = pc.index_in(cited, value_set=known).fill_null(-1).to_numpy()  # int32
    cited_days = np.where(at >= 0, src_days[np.maximum(at, 0)] if len(src_days) else _NAT, _NAT)
    # Events at the site.
    ev_rows = first_rows(_text(locations, "site_id"), _text(events, "site_id"))
    ev_dates = _text(events, "date")
    cited_days = np.asarray(cited_days, dtype=np.int64)
    rows = np.concatenate([cited_rows, ev_rows.astype(np.int64)])
    days = np.concatenate([cited_days, _days(span_starts(ev_dates).to_numpy())])
    # Earliest day first; ties: a cited source (listed first) before an event (file order).
    # Each site's own earliest citation is found in one pass (its ids are listed
    # together), so only those and the events are sorted, not every citation.
    n_cited = len(cited)
    valid = np.concatenate(
        [_earliest_per_row(cited_rows, cited_days), n_cited + np.arange(len(ev_rows))]
    )
    valid = valid[(rows[valid] >= 0) & (days[valid] != _NAT)]
    valid = valid[np.lexsort((valid, days[valid], rows[valid]))]
    ordered = rows[valid]  # sorted: each row's first entry starts its run
    chosen = (
        valid[np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])] if len(valid) else valid
    )
    del ordered  # chosen: positions in the combined (cited, events) order
    from_source = chosen < n_cited
    src_pos, ev_pos = np.maximum(at[chosen[from_source]], 0), chosen[~from_source] - n_cited
    date = np.empty(len(chosen), dtype=object)
    source_id = np.empty(len(chosen), dtype=object)
    event_id = np.full(len(chosen), "", dtype=object)
    date[from_source] = src_dates[src_pos]
    # Ids and days repeat (a million sites cite a few hundred sources): each distinct one
    # becomes a Python str once and the rows share it (~100 MB less at 1,000,000 sites).
    source_id[from_source] = to_strings(cited.take(pa.array(chosen[from_source])))
    date[~from_source] = ev_dates.to_numpy(dtype=object)[ev_pos]
    source_id[~from_source] = _text(events, "source_id").to_numpy(dtype=object)[ev_pos]
    event_id[~from_source] = _text(events, "event_id").to_numpy(dtype=object)[ev_pos]
    return pd.DataFrame(
        {
            "date": date,
            "start": _day_strings(days[chosen]),
            "source_id": source_id,
            "event_id": event_id,
        },
        index=pd.Index(rows[chosen], name="row"),
        dtype=object,  # the shared strs as they are (str dtype would copy each per row)
    )


# Per sources table (weakly held): its ids, dates and days (see _dated_sources); per
# events table: its status changes (see _changes_of). One dossier asked for each again.
_DATED: dict[int, dict[pa.DataType, tuple]] = {}
_CHANGES: dict[int, dict[str, tuple[pd.DataFrame, np.ndarray]]] = {}


def _dated_sources(
    sources: pd.DataFrame, id_type: pa.DataType
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Each distinct source id (its first row wins) as an Arrow array of ``id_type``, with
    that row's date as written (object, str) and its first day (int64 days, NaT's value
    when undated). Computed once per sources table (read-only by contract)."""

    def compute() -> tuple[pa.Array, np.ndarray, np.ndarray]:
        src_ids = _text(sources, "source_id")
        dates = _text(sources, "date")
        once = ~src_ids.duplicated().to_numpy()  # the first source with an id wins
        days = _days(span_starts(dates).to_numpy())[once]
        known = pa.array(src_ids.to_numpy(dtype=object)[once].tolist(), type=id_type)
        written = dates.to_numpy(dtype=object)[once]
        days.setflags(write=False)
        written.setflags(write=False)  # shared between calls
        return known, written, days

    return computed(_DATED, sources, id_type, compute)


def _changes_of(events: pd.DataFrame, site_id: str) -> pd.DataFrame:
    """The :func:`status_changes` rows of one site (index 0..k-1): the events table's
    changes are computed once per table (read-only by contract) and sliced by site id."""

    def compute() -> tuple[pd.DataFrame, np.ndarray]:
        changes = status_changes(events)  # sorted by site_id
        return changes, changes["site_id"].to_numpy(dtype=object)

    changes, ids = computed(_CHANGES, events, "all", compute)
    lo, hi = np.searchsorted(ids, site_id, "left"), np.searchsorted(ids, site_id, "right")
    return changes.iloc[lo:hi].reset_index(drop=True)


def _undated_citation(
    locations: pd.DataFrame,
    sources: pd.DataFrame,
    citations: tuple[np.ndarray, pa.Array] | None = None,
) -> np.ndarray:
    """Per site row: the first cited source whose page is undated ('' when none is).

    An undated page (Kiripost's seed article: "published after 2023-08") may name the
    site before any dated source does, so such a site's first report is unknown.
    ``citations``: :func:`_citations` of ``locations``, when the caller has it.
    """
    undated = set(_text(sources, "source_id")[_text(sources, "date") == ""])
    out = np.full(len(locations), "", dtype=object)
    if not undated:
        return out
    rows, parts = citations if citations is not None else _citations(locations)
    value_set = pa.array(sorted(undated), type=parts.type)
    hit = pc.is_in(parts, value_set=value_set).to_numpy(zero_copy_only=False)
    at = np.flatnonzero(hit)
    rows = rows[at]
    first = np.r_[True, rows[1:] != rows[:-1]] if len(rows) else np.zeros(0, dtype=bool)
    # the first undated source each site cites (one str per distinct id, shared)
    out[rows[first]] = to_strings(parts.take(pa.array(at[first])))
    return out


def first_reported(
    locations: pd.DataFrame, events: pd.DataFrame, sources: pd.DataFrame
) -> np.ndarray:
    """The day each site was first reported: its earliest dated source or event.

    Parameters
    ----------
    locations : DataFrame, n rows, with ``site_id`` and ``source_ids`` (';'-separated ids
        into ``sources``).
    events : DataFrame with ``site_id`` and ``date`` (blank ``site_id``: at no site).
    sources : DataFrame with ``source_id`` and ``date`` (blank: undated).

    Returns
    -------
    ndarray of object (str), shape (n,), aligned with ``locations`` rows: the first day
    (ISO ``YYYY-MM-DD``) of the earliest date among the site's cited sources and its
    events ("2024-03" -> "2024-03-01"); "" when none of them is dated, or when the site
    cites an undated source (it may have named the site earlier: the first report is
    unknown, so the site is never hidden as "not yet reported"). Unknown source ids are
    skipped (the validator reports them).
    """
    out = np.full(len(locations), "", dtype=object)
    citations = _citations(locations)
    # First the sites citing an undated source (a bool is kept, not their ids), then the
    # reports: neither's working arrays are alive with the other's result.
    unknown = _undated_citation(locations, sources, citations) != ""
    first = _first_reports(locations, events, sources, citations)
    out[first.index.to_numpy(dtype=np.int64)] = first["start"].to_numpy()
    out[unknown] = ""
    return out


# --- status changes --------------------------------------------------------------------


def status_changes(events: pd.DataFrame) -> pd.DataFrame:
    """The events that change a site's status, in the order they take effect.

    Parameters
    ----------
    events : DataFrame with ``site_id``, ``date``, ``status`` and optionally
        ``event_id``, ``source_id``, ``disputed_by``, ``summary`` (absent columns read
        as blank; data without a ``status`` column has no changes).

    Returns
    -------
    DataFrame, one row per event with a non-blank ``status`` and ``site_id`` and a
    readable date, sorted by ``site_id``, then ``start``, then file order, with columns
    ``site_id, date`` (as written), ``start`` (first day of the date's span, ISO),
    ``status, event_id, source_id, disputed`` (bool: ``disputed_by`` non-blank),
    ``disputed_by, summary, order`` (int: the event's position in ``events``).
    Index 0..m-1.

    Raises
    ------
    ValueError
        When a ``status`` is not one of :data:`SITE_STATUSES` (the validator rejects such
        rows before they get here; this guards code that builds frames itself).
    """
    cols = {c: _text(events, c) for c in CHANGE_COLUMNS if c not in ("start", "disputed", "order")}
    frame = pd.DataFrame({k: v.to_numpy() for k, v in cols.items()})
    frame["order"] = np.arange(len(events))
    frame = frame[(frame["status"] != "") & (frame["site_id"] != "")]
    unknown = sorted(set(frame["status"]) - set(SITE_STATUSES))
    if unknown:
        raise ValueError(f"unknown site status(es) {unknown}; allowed: {SITE_STATUSES}")
    frame = frame.assign(start=span_starts(frame["date"]))
    frame = frame[_days(frame["start"]) != _NAT]
    frame["disputed"] = frame["disputed_by"] != ""
    frame = frame.sort_values(["site_id", "start", "order"], kind="stable")
    return frame[CHANGE_COLUMNS].reset_index(drop=True)


# --- status at a date ------------------------------------------------------------------

# Status codes as small ints: -1 = not yet reported, i = SITE_STATUSES[i].
_CODES = np.array((NOT_YET, *SITE_STATUSES), dtype=object)
_INDEX = {s: i for i, s in enumerate(SITE_STATUSES)}


@dataclass(frozen=True)
class StatusAt:
    """Each site's status at one date; every array has shape (n,) and follows the
    ``locations`` rows it was computed for. Made by :meth:`StatusTable.at`.

    Attributes
    ----------
    as_of : the ISO date asked about ('' = the latest the data knows).
    index : int8 array: -1 = not yet reported, else the position in :data:`SITE_STATUSES`
        (cheap to count and compare).
    disputed : bool array: the claim that set the status is contradicted by a source.
    code : object array of str: a :data:`SITE_STATUSES` value, or "" for a site not yet
        reported on ``as_of`` (its first report is later).
    since : object array of str: ISO day the status holds from ('' = undated report).
    event_id, source_id : object arrays of str: the event that set the status and its
        source ('' for a plain "reported" status).

    ``code``, ``since``, ``event_id`` and ``source_id`` are made on each access (a few
    ms per million sites) from the small arrays the object keeps: each session keeps
    its page's StatusAt, 7 MB per million sites instead of 35.
    """

    as_of: str
    index: np.ndarray
    disputed: np.ndarray
    known: np.ndarray  # bool: first reported on or before as_of (or undated)
    pick: np.ndarray  # int (n,): the change that sets the status (into the arrays below), -1
    first: np.ndarray  # object (n,): each site's first report (the table's, shared)
    change_start: np.ndarray  # object (m,): per status change, its start (shared)
    change_event: np.ndarray  # object (m,): per status change, its event id (shared)
    change_source: np.ndarray  # object (m,): per status change, its source id (shared)

    @property
    def code(self) -> np.ndarray:
        return _CODES[self.index.astype(np.int64) + 1]

    @property
    def since(self) -> np.ndarray:
        return self._per_change(self.change_start, np.where(self.known, self.first, ""))

    @property
    def event_id(self) -> np.ndarray:
        return self._per_change(self.change_event, np.full(len(self.index), "", dtype=object))

    @property
    def source_id(self) -> np.ndarray:
        return self._per_change(self.change_source, np.full(len(self.index), "", dtype=object))

    def _per_change(self, values: np.ndarray, out: np.ndarray) -> np.ndarray:
        hit = self.pick >= 0
        out[hit] = values[self.pick[hit]]
        return out

    @property
    def reported(self) -> np.ndarray:
        """Bool (n,): the site is known at ``as_of`` (its code is not "")."""
        return self.index >= 0

    def having(self, statuses: Sequence[str]) -> np.ndarray:
        """Bool (n,): the site's status is one of ``statuses`` (unknown names match none)."""
        wanted = [_INDEX[s] for s in statuses if s in _INDEX]
        return np.isin(self.index, np.array(wanted, dtype=np.int8))


class StatusTable:
    """Status changes prepared once per dataset, so :meth:`at` costs one searchsorted.

    Build with :meth:`build` (from the atlas's tables) or :meth:`from_changes`; then
    ``table.at("2025-11-30")`` for each "as of" date. Holds arrays only; read-only.

    Parameters
    ----------
    locations : DataFrame, n rows, with ``site_id``.
    changes : :func:`status_changes` output (m rows); changes at sites not in
        ``locations`` are ignored.
    first : shape (n,), :func:`first_reported` for ``locations``.

    Raises
    ------
    ValueError
        ``first`` does not have shape (n,).
    """

    def __init__(
        self, locations: pd.DataFrame, changes: pd.DataFrame, first: np.ndarray | Sequence[str]
    ) -> None:
        n = len(locations)
        first = np.asarray(first, dtype=object)
        if first.shape != (n,):
            raise ValueError(f"first has shape {first.shape}, expected ({n},)")
        self.n = n
        self.first = first
        self.first_days = _days(first)
        rows = first_rows(locations["site_id"], changes["site_id"])
        keep = rows >= 0
        kept = changes[keep]
        rows = rows[keep].astype(np.int64)
        days = _days(kept["start"].to_numpy())
        order = kept["order"].to_numpy() if "order" in kept else np.arange(len(rows))
        sort = np.lexsort((order, days, rows))
        self.rows, self.days = rows[sort], days[sort]
        self.status = np.array([_INDEX[s] for s in kept["status"]], dtype=np.int8)[sort]
        self.start = kept["start"].to_numpy(dtype=object)[sort]
        self.event_id = kept["event_id"].to_numpy(dtype=object)[sort]
        self.source_id = kept["source_id"].to_numpy(dtype=object)[sort]
        self.disputed = kept["disputed"].to_numpy(dtype=bool)[sort]
        if len(rows):
            self.base = int(days.min())
            self.width = int(days.max()) - self.base + 2
            self.keys = self.rows * self.width + (self.days - self.base)
        self.site_rows = np.arange(n, dtype=np.int64)

    @classmethod
    def build(
        cls, locations: pd.DataFrame, events: pd.DataFrame, sources: pd.DataFrame
    ) -> StatusTable:
        """From the atlas's tables: first reports and status changes in one go."""
        return cls(locations, status_changes(events), first_reported(locations, events, sources))

    def at(self, as_of: str | None) -> StatusAt:
        """Every site's status on ``as_of`` (see :func:`status_at`)."""
        n = self.n
        if as_of is None:
            limit = np.iinfo(np.int64).max
            known = np.ones(n, dtype=bool)
        else:
            limit = int(np.datetime64(_check_day(as_of, "as_of"), "D").astype(np.int64))
            known = (self.first_days == _NAT) | (self.first_days <= limit)
        index = np.where(known, 0, -1).astype(np.int8)
        disputed = np.zeros(n, dtype=bool)
        chosen = np.full(n, -1, dtype=np.int32 if len(self.rows) < 2**31 else np.int64)
        if len(self.rows) and limit >= self.base:
            offset = min(limit - self.base, self.width - 2)  # past the last change: all count
            want = self.site_rows * self.width + offset
            last = np.searchsorted(self.keys, want, side="right") - 1
            hit = last >= 0
            hit[hit] = self.rows[last[hit]] == self.site_rows[hit]
            pick = last[hit]
            index[hit] = self.status[pick]
            disputed[hit] = self.disputed[pick]
            chosen[hit] = pick
        return StatusAt(
            as_of or "",
            index,
            disputed,
            known,
            chosen,
            self.first,
            self.start,
            self.event_id,
            self.source_id,
        )


def status_at(
    locations: pd.DataFrame,
    changes: pd.DataFrame,
    first: np.ndarray | Sequence[str],
    as_of: str | None,
) -> StatusAt:
    """Every site's status on ``as_of``, vectorised (one ``np.searchsorted``).

    One-shot form of ``StatusTable(locations, changes, first).at(as_of)``; an app that
    asks about many dates keeps the :class:`StatusTable` (its build hashes the site ids,
    the bulk of the cost at 100,000 sites).

    Parameters
    ----------
    locations : DataFrame, n rows, with ``site_id`` (rows of the result follow it).
    changes : :func:`status_changes` of the events (m rows); changes at sites not in
        ``locations`` are ignored.
    first : shape (n,), :func:`first_reported` for ``locations`` (ISO text, '' undated).
    as_of : ISO ``YYYY-MM-DD``; a change counts from its ``start`` day inclusive. None:
        the latest status the data knows (every change applies).

    Returns
    -------
    StatusAt
        For each site: the status of its last change on or before ``as_of`` (ties on a
        day: the later event in the file wins); else "reported" when its first report is
        on or before ``as_of`` or undated; else "" (not yet reported).

    Raises
    ------
    ValueError
        ``as_of`` is not an ISO calendar day; ``first`` has the wrong length.

    Notes
    -----
    Cost O((n + m) log m); see :func:`bench` for timings at 100,000 x 1,000.
    """
    return StatusTable(locations, changes, first).at(as_of)


def status_counts(status: StatusAt | np.ndarray, mask: np.ndarray | None = None) -> dict[str, int]:
    """How many sites have each status, in :data:`SITE_STATUSES` order, zeros left out.

    Parameters
    ----------
    status : a :class:`StatusAt`, or its ``code`` array (shape (n,), str).
    mask : optional bool (n,): count only these sites (e.g. the shown ones).

    Returns
    -------
    dict status -> count, e.g. ``{"reported": 12, "raided": 3}``. Sites not yet reported
    ("" codes) are not counted.
    """
    if isinstance(status, StatusAt):
        index = status.index
    else:
        codes = pd.Series(np.asarray(status, dtype=object))
        index = codes.map(_INDEX).fillna(-1).to_numpy(dtype=np.int8)
    if mask is not None:
        index = index[np.asarray(mask, dtype=bool)]
    counts = np.bincount(index[index >= 0].astype(np.int64), minlength=len(SITE_STATUSES))
    return {s: int(c) for s, c in zip(SITE_STATUSES, counts, strict=True) if c}


# --- one site's life -------------------------------------------------------------------


def site_timeline(
    site_id: str, locations: pd.DataFrame, events: pd.DataFrame, sources: pd.DataFrame
) -> pd.DataFrame:
    """One site's life for the dossier: its first report, then each status change.

    Parameters
    ----------
    site_id : the site's id (one of ``locations.site_id``).
    locations, events, sources : the atlas's tables (see :func:`first_reported`).

    Returns
    -------
    DataFrame, oldest first, columns ``date`` (as written; '' for an undated report),
    ``start`` (ISO first day), ``status``, ``label`` (human label), ``event_id``,
    ``source_id``, ``disputed`` (bool), ``disputed_by``, ``summary``. The first row is
    the ``reported`` start: its earliest dated source or event (saying so when an undated
    page also names the site, which may then have been reported earlier), or, when
    nothing is dated, an undated row naming the undated (else the first) cited source.
    Empty for an unknown site.
    """
    # Validated ids are stripped already: match as given first, so one dossier does not
    # strip a 100,000-row column; fall back to stripped text for raw tables.
    loc = locations[locations["site_id"] == site_id] if "site_id" in locations else locations[:0]
    if loc.empty:
        loc = locations[_text(locations, "site_id") == site_id]
    if loc.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TIMELINE_COLUMNS}).astype(
            {"disputed": bool}
        )
    loc = loc.iloc[:1]
    here = events[_text(events, "site_id") == site_id]
    first = _first_reports(loc, here, sources)
    undated = _undated_citation(loc, sources)[0]
    if len(first):
        f = first.iloc[0]
        summary = ""
        if f["event_id"]:
            summary = str(_text(here, "summary")[_text(here, "event_id") == f["event_id"]].iloc[0])
        if undated:  # the map never hides such a site (see first_reported)
            summary = (summary + " " if summary else "") + (
                f"First dated report; an undated page ({undated}) also names the site, "
                "so it may have been reported earlier."
            )
        start_row = {
            "date": f["date"],
            "start": f["start"],
            "source_id": f["source_id"],
            "event_id": f["event_id"],
            "summary": summary,
        }
    else:
        cited = [s.strip() for s in str(loc["source_ids"].iloc[0] or "").split(";")]
        cited = [s for s in cited if s]
        start_row = {
            "date": "",
            "start": "",
            "source_id": undated or (cited[0] if cited else ""),
            "event_id": "",
            "summary": "",
        }
    start_row.update(status="reported", disputed=False, disputed_by="")
    steps = _changes_of(events, site_id)
    timeline = pd.DataFrame([start_row])
    if len(steps):
        timeline = pd.concat([timeline, steps], ignore_index=True)
    timeline["label"] = timeline["status"].map(lambda s: STATUS_LABELS.get(s, s))
    timeline["disputed"] = timeline["disputed"].astype(bool)
    return timeline[TIMELINE_COLUMNS]


# --- benchmark -------------------------------------------------------------------------


def bench(n_sites: int = 100_000, n_changes: int = 1_000, repeat: int = 5) -> dict[str, float]:
    """Time the status steps on synthetic data; print and return best seconds per step.

    Not a test (timings depend on the machine): run ``python -m components.data.status``.
    """
    rng = np.random.default_rng(8)
    ids = np.array([f"s{i:06d}" for i in range(n_sites)], dtype=object)
    # Each site cites two of 500 sources, dated over five years.
    locations = pd.DataFrame(
        {"site_id": ids, "source_ids": [f"S{i % 500};S{i * 7 % 500}" for i in range(n_sites)]}
    )
    sources = pd.DataFrame(
        {
            "source_id": [f"S{i}" for i in range(500)],
            "date": (np.datetime64("2021-01-01") + rng.integers(0, 1_800, 500)).astype(str),
        }
    )
    days = np.datetime64("2022-01-01") + rng.integers(0, 1_800, n_changes)
    events = pd.DataFrame(
        {
            "event_id": [f"E{i}" for i in range(n_changes)],
            "date": days.astype(str),
            "site_id": ids[rng.integers(0, n_sites, n_changes)],
            "status": rng.choice(np.array(SITE_STATUSES[1:], dtype=object), n_changes),
            "source_id": "S1",
            "disputed_by": np.where(rng.random(n_changes) < 0.1, "S2", ""),
        }
    )
    steps = (
        "first_reported",
        "status_changes",
        "status_at (one-shot)",
        "StatusTable build",
        "StatusTable.at",
        "status_counts",
    )
    timings: dict[str, list[float]] = {k: [] for k in steps}
    for _ in range(repeat):
        tf = time.perf_counter()
        first = first_reported(locations, events, sources)
        t0 = time.perf_counter()
        timings["first_reported"].append(t0 - tf)
        changes = status_changes(events)
        t1 = time.perf_counter()
        now = status_at(locations, changes, first, "2024-06-30")
        t2 = time.perf_counter()
        table = StatusTable(locations, changes, first)
        t3 = time.perf_counter()
        table.at("2024-06-30")
        t4 = time.perf_counter()
        status_counts(now, np.ones(n_sites, dtype=bool))
        t5 = time.perf_counter()
        timings["status_changes"].append(t1 - t0)
        timings["status_at (one-shot)"].append(t2 - t1)
        timings["StatusTable build"].append(t3 - t2)
        timings["StatusTable.at"].append(t4 - t3)
        timings["status_counts"].append(t5 - t4)
    best = {k: min(v) for k, v in timings.items()}
    print(
        f"{n_sites:,} sites x {n_changes:,} changes (best of {repeat}): "
        + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in best.items())
    )
    return best


if __name__ == "__main__":
    bench()
