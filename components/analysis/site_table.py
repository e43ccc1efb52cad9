"""The table of shown sites: search it, sort it, cut one page of it (pure, no Streamlit).

Built for 100,000 sites and more: everything that depends only on the dataset (sort
ranks, search text, the order of each fixed column) is computed once by
:class:`TableKeys`; a rerun then costs one vectorised (Arrow) substring search, a
boolean gather of a precomputed order (or one stable sort of small integers, for status
and events, which change with the date and the filters) and the labels of one page.
Only the page's rows ever become strings.

Typical use, per dataset then per rerun::

    keys = TableKeys.build(atlas.locations, prep.haystack)  # once
    counts = event_counts(prep.event_rows, ev_mask, len(atlas.locations))
    page = site_rows(atlas.locations, mask, status.index, status.disputed, counts,
                     query="kokko", sort="Events", descending=True, page=0, keys=keys)
    page.rows  # at most page_size rows: site_id, Site, Country, Zone type, ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from components.analysis.filters import normalise, search_text
from components.data import columns, names
from components.data.labels import CONFIDENCE_LABELS, STATUS_LABELS, ZONE_LABELS, country_name
from components.data.tables import SITE_STATUSES

# The columns shown, in order; ``site_id`` rides along as the (hidden) row key.
COLUMNS = ("Site", "Country", "Zone type", "Status", "Confidence", "Events")
KEY_COLUMN = "site_id"
SORTS = COLUMNS  # every shown column can order the whole table
PAGE_SIZE = 50
DISPUTED = " (disputed)"
NOT_YET_LABEL = "Not yet reported"
# Ordinal columns sort by meaning, not by spelling: confidence low -> high, status in
# the order a site's life runs (reported, operating, raided ... forfeited).
CONFIDENCE_ORDER = {"low": 0, "medium": 1, "high": 2}
# Columns fixed per dataset: their full order is made once (TableKeys.order).
FIXED_SORTS = ("Site", "Country", "Zone type", "Confidence")


@dataclass(frozen=True)
class Coded:
    """A column with few distinct values, kept as codes.

    Attributes
    ----------
    codes : object array, the distinct values, sorted.
    labels : object array, what people read for each code.
    rank : int64 array, each code's sort rank.
    rows : intp array (n,), each row's place in ``codes``.
    """

    codes: np.ndarray
    labels: np.ndarray
    rank: np.ndarray
    rows: np.ndarray

    @classmethod
    def of(cls, column: pd.Series, label: Callable, rank: Callable) -> Coded:
        """``label(code) -> str`` for each distinct value (blank: ""), and
        ``rank(codes, labels) -> int array`` ranking the distinct values."""
        rows, distinct = pd.factorize(column.fillna("").astype(str), sort=True)
        codes = np.asarray(distinct, dtype=object)
        labels = np.array([label(c) for c in codes], dtype=object)
        ranks = np.asarray(rank(codes, labels), dtype=np.int64).reshape(-1)
        return cls(codes, labels, ranks, rows.reshape(-1))

    @property
    def rank_of_rows(self) -> np.ndarray:
        """int64 (n,), each row's rank."""
        return self.rank[self.rows]


@dataclass(frozen=True)
class TableKeys:
    """What the table needs per dataset, computed once; every (n,) array follows the
    rows of the ``locations`` it was built from. Build with :meth:`build`.

    Attributes
    ----------
    site_ids : Series (n,) of the rows' ``site_id``, str in Arrow (finds a site's row).
    name : int64 (n,), dense rank of the case- and accent-folded name ("Möng La" sorts
        with "Mong La").
    country, zone, confidence : :class:`Coded` columns: a small array of labels and each
        row's place in it, with each label's rank (country and zone type by their label
        A-Z, so "Laos" before "Myanmar"; confidence low < medium < high).
    haystack : Series (n,) of str in Arrow (so a substring search is one vectorised
        call): name, aliases and site id, case- and accent-folded
        (:func:`components.analysis.filters.search_text`, the app's own, not a copy).
    country_text : str array, one per country label: its folded name. The table's search
        looks in ``haystack + " | " + country_text`` (see :meth:`matches`), without
        that text being built per row (a million sites: 170 MB).
    """

    site_ids: pd.Series
    name: np.ndarray
    country: Coded
    zone: Coded
    confidence: Coded
    haystack: pd.Series
    country_text: np.ndarray
    # Full orders of the fixed columns, made on first use: (column, descending) -> rows.
    _orders: dict[tuple[str, bool], np.ndarray] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def build(cls, locations: pd.DataFrame, haystack: pd.Series | None = None) -> TableKeys:
        """Ranks, labels and search text for ``locations`` (columns site_id, name,
        aliases, country, zone_type, confidence).

        ``haystack``: :func:`components.analysis.filters.search_text` of ``locations``
        if already computed (the app's ``Prepared.haystack``); the country's name is
        added to it here. Raises ValueError when its length differs from ``locations``.
        """
        n = len(locations)
        if haystack is None:
            haystack = search_text(locations)
        if len(haystack) != n:
            raise ValueError(f"haystack has {len(haystack)} rows, expected {n} (one per site)")
        country = Coded.of(locations["country"], country_name, _by_label)
        zone = Coded.of(locations["zone_type"], lambda z: ZONE_LABELS.get(z, z), _by_label)
        confidence = Coded.of(
            locations["confidence"],
            lambda c: CONFIDENCE_LABELS.get(c, c),
            lambda codes, _labels: [CONFIDENCE_ORDER.get(c, -1) for c in codes],
        )
        site_ids = locations["site_id"].fillna("").astype(columns.STR).reset_index(drop=True)
        return cls(
            site_ids=site_ids,
            name=_dense_rank(_fold(locations["name"])),
            country=country,
            zone=zone,
            confidence=confidence,
            haystack=haystack.reset_index(drop=True).astype(columns.STR),
            country_text=_fold(country.labels).to_numpy(dtype=object),
        )

    def __len__(self) -> int:
        return len(self.site_ids)

    def matches(self, needle: str) -> np.ndarray:
        """bool (n,): the rows whose ``haystack + " | " + country_text`` holds ``needle``
        (a :func:`normalise`-d query: no space at either end)."""
        if "|" in needle:  # it may span the separator: search the joined text (rare)
            country = pd.Series(self.country_text[self.country.rows], dtype=columns.STR)
            joined = self.haystack + " | " + country
            return joined.str.contains(needle, regex=False).to_numpy(dtype=bool)
        # Without '|' (and trimmed) a match lies within one part.
        hits = self.haystack.str.contains(needle, regex=False).to_numpy(dtype=bool)
        in_country = np.array([needle in text for text in self.country_text], dtype=bool)
        return hits | in_country[self.country.rows] if in_country.any() else hits

    def order(self, column: str, descending: bool = False) -> np.ndarray:
        """Every row, in the table's order for a fixed ``column`` (one of
        :data:`FIXED_SORTS`): intp array (n,), made once per column and direction."""
        key = (column, descending)
        if key not in self._orders:
            primary = {
                "Site": self.name,
                "Country": self.country.rank_of_rows,
                "Zone type": self.zone.rank_of_rows,
                "Confidence": self.confidence.rank_of_rows,
            }[column]
            # lexsort sorts by the last key first and is stable: ties by name, then row.
            self._orders[key] = np.lexsort((self.name, -primary if descending else primary))
        return self._orders[key]

    def row_of(self, site_id: str) -> int:
        """The (first) row of ``site_id``, or -1 when no row has it."""
        # One Arrow scan (a million ids: a few ms), not a hash table of a million str.
        return columns.TextSet(self.site_ids).position(str(site_id))


@dataclass(frozen=True)
class TablePage:
    """One page of the table.

    Attributes
    ----------
    rows : DataFrame of at most ``page_size`` rows, columns ``site_id`` then
        :data:`COLUMNS`, in table order, index 0..len-1 (the row's place on the page).
    total : how many shown sites match the search (all pages together).
    page : the page drawn, 0-based, always within ``0 .. pages - 1`` (asked-for pages
        outside that are clamped).
    pages : number of pages, at least 1 (an empty table has one empty page).
    start : 0-based position of ``rows``' first row in the whole table.
    selected_page : the page holding the ``selected`` site, or None when it is not in
        the table (not shown, or not matching the search).
    selected_row : its row on this page (an index of ``rows``), or None.
    """

    rows: pd.DataFrame
    total: int
    page: int
    pages: int
    start: int
    selected_page: int | None = None
    selected_row: int | None = None

    @property
    def stop(self) -> int:
        """0-based position just past the page's last row (``start`` when empty)."""
        return self.start + len(self.rows)


def event_counts(event_rows: np.ndarray, ev_mask: np.ndarray, n_sites: int) -> np.ndarray:
    """Shown events per site: int64 array, shape (n_sites,).

    ``event_rows``: each event's site row, -1 for an event at no mapped site (see
    :func:`components.analysis.filters.event_site_rows`); ``ev_mask``: bool, the events
    shown. Raises ValueError when the two differ in shape or a row is >= ``n_sites``.
    """
    rows = np.asarray(event_rows)
    shown = np.asarray(ev_mask, dtype=bool)
    if rows.shape != shown.shape:
        raise ValueError(f"event_rows has shape {rows.shape}, ev_mask {shown.shape}")
    picked = rows[shown & (rows >= 0)]
    if picked.size and int(picked.max()) >= n_sites:
        raise ValueError(f"event_rows names site row {int(picked.max())}; only {n_sites} sites")
    return np.bincount(picked.astype(np.int64), minlength=n_sites).astype(np.int64)


def site_rows(
    locations: pd.DataFrame,
    mask: np.ndarray,
    status_code: np.ndarray,
    disputed: np.ndarray,
    event_counts: np.ndarray,
    query: str = "",
    sort: str = "Site",
    descending: bool = False,
    page: int = 0,
    page_size: int = PAGE_SIZE,
    *,
    selected: str | None = None,
    keys: TableKeys | None = None,
) -> TablePage:
    """One page of the shown sites that match ``query``, in ``sort`` order.

    Parameters
    ----------
    locations : the atlas's sites (site_id, name, aliases, country, zone_type,
        confidence), n rows.
    mask : bool (n,), the sites the view shows (``site_mask``).
    status_code : (n,), each site's status at the "as of" date, either as str codes
        (``StatusAt.code``; "" = not yet reported) or, faster at 100,000 sites, as
        integer positions in :data:`SITE_STATUSES` (``StatusAt.index``; -1 = not yet
        reported). ``disputed`` : bool (n,), the claim that set it is disputed.
    event_counts : int (n,), shown events per site (:func:`event_counts`).
    query : free text; keeps sites whose name, aliases, id or country name contain it,
        ignoring case and accents ("mong" finds "Möng La"). Blank keeps all.
    sort : one of :data:`SORTS`. Text columns sort by their label A-Z, confidence
        low -> high, status in life order (reported ... forfeited; disputed after
        undisputed), events by count; ``descending`` reverses that. Ties always go by
        name A-Z, then by row, so the order is total and pages never overlap.
    page : 0-based; clamped into the pages that exist. ``page_size`` : rows per page.
    selected : a site id; the page reports where it is (``selected_page``/``_row``).
    keys : :meth:`TableKeys.build` of ``locations``, computed once per dataset; built
        here when None (slow at 100,000 sites: fine for tests and one-off calls).

    Raises ValueError for an unknown ``sort``, ``page_size`` < 1, ``keys`` of another
    size, or an array whose shape is not (n,).
    """
    n = len(locations)
    if sort not in SORTS:
        raise ValueError(f"Unknown sort column {sort!r}; expected one of {', '.join(SORTS)}.")
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size!r}.")
    if keys is None:
        keys = TableKeys.build(locations)
    if len(keys) != n:
        raise ValueError(f"keys were built for {len(keys)} sites, expected {n}")
    keep = _checked(mask, n, "mask", bool)
    life = _life_index(_checked(status_code, n, "status_code", None))
    flags = _checked(disputed, n, "disputed", bool)
    counts = _checked(event_counts, n, "event_counts", np.int64)

    needle = normalise(query.strip()) if query else ""
    if needle:
        keep = keep & keys.matches(needle)

    if sort in FIXED_SORTS:
        full = keys.order(sort, descending)
        order = full[keep[full]]
    else:
        # Status and events change with the date and the filters: one stable sort of
        # the kept rows, already in name order, keeps ties by name.
        by_name = keys.order("Site")
        base = by_name[keep[by_name]]
        if sort == "Status":
            primary = (life[base].astype(np.int16) + 1) * 2 + flags[base]
        else:
            primary = counts[base]
        order = base[np.argsort(-primary if descending else primary, kind="stable")]

    total = len(order)
    pages = max(1, -(-total // page_size))
    page = min(max(int(page), 0), pages - 1)
    start = page * page_size
    rows = order[start : start + page_size]

    selected_page = selected_row = None
    row = keys.row_of(selected) if selected else -1
    if row >= 0 and keep[row]:
        position = int(np.flatnonzero(order == row)[0])
        selected_page = position // page_size
        if selected_page == page:
            selected_row = position - start
    return TablePage(
        rows=_labels(locations, keys, rows, life, flags, counts),
        total=total,
        page=page,
        pages=pages,
        start=start,
        selected_page=selected_page,
        selected_row=selected_row,
    )


def status_label(code: str, disputed: bool = False) -> str:
    """What the table says for a status code ("" = not yet reported)."""
    label = STATUS_LABELS.get(code, code) if code else NOT_YET_LABEL
    return label + DISPUTED if disputed else label


def _life_index(codes: np.ndarray) -> np.ndarray:
    """Status as int8 positions in SITE_STATUSES (-1 = not yet reported or unknown)."""
    if codes.dtype.kind in "iu":
        return codes.astype(np.int8, copy=False)
    return pd.Index(SITE_STATUSES).get_indexer(codes).astype(np.int8)


def _labels(
    locations: pd.DataFrame,
    keys: TableKeys,
    rows: np.ndarray,
    life: np.ndarray,
    disputed: np.ndarray,
    counts: np.ndarray,
) -> pd.DataFrame:
    """The page's rows as the labels people read (built for these rows only: one
    column of ``locations`` is read, the rest comes from the keys' small label arrays)."""
    codes = [SITE_STATUSES[i] if i >= 0 else "" for i in life[rows]]
    return pd.DataFrame(
        {
            KEY_COLUMN: keys.site_ids.iloc[rows].to_numpy(dtype=object),
            "Site": locations["name"].iloc[rows].fillna("").astype(str).to_numpy(dtype=object),
            "Country": keys.country.labels[keys.country.rows[rows]],
            "Zone type": keys.zone.labels[keys.zone.rows[rows]],
            "Status": [
                status_label(c, bool(d)) for c, d in zip(codes, disputed[rows], strict=True)
            ],
            "Confidence": keys.confidence.labels[keys.confidence.rows[rows]],
            "Events": counts[rows].astype(np.int64),
        },
        columns=[KEY_COLUMN, *COLUMNS],
    )


def _by_label(_codes: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Rank distinct values by their label, A-Z, case and accents folded."""
    return _dense_rank(_fold(labels))


def _fold(values: pd.Series | np.ndarray) -> pd.Series:
    """:func:`normalise` of each value (a missing one: ""), as a Series of str in
    Arrow (:func:`components.data.names.plain_column`: ASCII text, nearly all of it, is
    lower-cased in one Arrow call and never becomes Python strings)."""
    if not isinstance(values, pd.Series):
        values = pd.Series(np.asarray(values, dtype=object))
    return names.plain_column(values)


def _dense_rank(values: pd.Series) -> np.ndarray:
    """int64 (n,): each value's place among the distinct values, sorted ascending (by
    code point). Arrow's dense rank: one sort of positions, no table of the distinct
    values (a million names: 90 MB less than factorizing them)."""
    ranks = pc.rank(columns.text_array(values), sort_keys="ascending", tiebreaker="dense")
    return ranks.to_numpy().astype(np.int64) - 1


def _checked(values: np.ndarray, n: int, name: str, dtype: type | None) -> np.ndarray:
    array = np.asarray(values, dtype=dtype)
    if array.shape != (n,):
        raise ValueError(f"{name} has shape {array.shape}, expected ({n},) (one per site)")
    return array
