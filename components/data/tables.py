"""Load and validate the atlas's four CSV files (pure pandas; no Streamlit).

The app, the uploader and the command line all go through :func:`load_atlas` /
:func:`validate_table`, so the app can never show a row the validator rejects.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first
record is row 2 (a record with a quoted line break still counts as one row).

Command line::

    python -m components.data validate [DIR]     # DIR defaults to data/
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pycountry

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
)
PRECISIONS = ("compound", "town", "district", "province")
CONFIDENCES = ("high", "medium", "low")
QUALIFIERS = ("at_least", "estimate", "range", "up_to", "qualitative", "reported")
EVENT_TYPES = ("report", "raid", "rescue", "sanction", "policy", "pledge")
FIGURE_STATUSES = ("confirmed", "unconfirmed")

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


@dataclass(frozen=True)
class Schema:
    file: str
    columns: tuple[Column, ...]
    key: str | None = None  # unique id column

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


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
        Column("coord_source", required=False),
        Column("coord_evidence", required=False),
        Column("confidence", "choice", choices=CONFIDENCES),
        Column("source_ids", "id_list", required=False),
        Column("note", required=False),
    ),
    key="site_id",
)
FIGURES = Schema(
    "figures.csv",
    (
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
    ),
)
EVENTS = Schema(
    "events.csv",
    (
        Column("date", "date"),
        Column("country", "country", required=False),
        Column("place"),
        Column("event_type", "choice", choices=EVENT_TYPES),
        Column("summary"),
        Column("people", "count", required=False),
        Column("source_id", "id"),
        Column("site_id", "id", required=False),
    ),
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
SCHEMAS = {s.file: s for s in (LOCATIONS, FIGURES, EVENTS, SOURCES)}
# Columns holding numbers once loaded (everything else stays text).
NUMERIC = {"lat", "lon", "value_low", "value_high", "people"}


class CsvError(ValueError):
    """A file that cannot be read as CSV at all; the message is one line for a person."""


def read_csv(source: Path | bytes, file: str) -> pd.DataFrame:
    """Read a CSV (path or bytes) as text cells, the way Excel users save them.

    Accepts a UTF-8 BOM, CRLF line ends and quoted fields with commas or line breaks.
    Blank lines and all-blank rows are left out, but the index keeps each record's
    position (0 = spreadsheet row 2), so row numbers still match the spreadsheet's.
    Raises :class:`CsvError` with a one-line explanation for a missing, empty,
    non-UTF-8 or malformed file.
    """
    if isinstance(source, Path):
        if not source.exists():
            raise CsvError(f"{file}: file not found at {source}.")
        if source.is_dir():
            raise CsvError(f"{file}: {source} is a folder, not a CSV file.")
        raw = source.read_bytes()
    else:
        raw = source
    if not raw.strip():
        raise CsvError(f"{file}: the file is empty (expected a header row and data rows).")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvError(
            f"{file}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save it as 'CSV UTF-8'."
        ) from None
    if "\x00" in text:
        raise CsvError(f"{file}: contains NUL bytes; this is not a text CSV file.")
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            skipinitialspace=False,
            skip_blank_lines=False,
        )
    except pd.errors.EmptyDataError:
        raise CsvError(f"{file}: the file is empty (no header row).") from None
    except pd.errors.ParserError as exc:
        detail = str(exc).replace("Error tokenizing data. C error: ", "").strip()
        raise CsvError(f"{file}: not a well-formed CSV file ({detail}).") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    blank = frame.apply(lambda s: s.str.strip().eq("")).all(axis=1)
    return frame[~blank]


# --- cell checks --------------------------------------------------------------------
# Each takes the stripped, non-blank cells of one column and returns a boolean mask of
# the bad ones plus the message to give for them.


def _countries() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


def _check_id(cells: pd.Series, col: Column) -> tuple[pd.Series, str]:
    return ~cells.str.match(ID_RE), "is not a valid id (letters, digits, _ . - only)"


def _check_metric(cells: pd.Series, col: Column) -> tuple[pd.Series, str]:
    return ~cells.str.match(METRIC_RE), "is not a metric name like people_rescued[:place_period]"


def _check_choice(cells: pd.Series, col: Column) -> tuple[pd.Series, str]:
    return ~cells.isin(col.choices), f"is not one of: {', '.join(col.choices)}"


def _check_country(cells: pd.Series, col: Column) -> tuple[pd.Series, str]:
    return ~cells.isin(_countries()), "is not an ISO 3166 alpha-2 country code (e.g. MM, KH)"


def _check_country_list(cells: pd.Series, col: Column) -> tuple[pd.Series, str]:
    known = _countries()
    bad = cells.map(lambda v: any(p.strip() not in known for p in v.split(";")))
    return bad, "holds a value that is not an ISO 3166 alpha-2 country code"


def _check_id_list(cells: pd.Series, col: Column) -> tuple[pd.Series, str]:
    bad = cells.map(lambda v: any(not ID_RE.match(p.strip()) for p in v.split(";")))
    return bad, "is not a ';'-separated list of ids"


def _number_check(low: float, high: float, what: str) -> Callable:
    def check(cells: pd.Series, col: Column) -> tuple[pd.Series, str]:
        values = pd.to_numeric(cells, errors="coerce")
        return ~values.between(low, high), f"is not {what}"

    return check


def _check_count(cells: pd.Series, col: Column) -> tuple[pd.Series, str]:
    values = pd.to_numeric(cells, errors="coerce")
    bad = values.isna() | (values < 0) | (values != np.floor(values))
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


def _check_date(cells: pd.Series, col: Column) -> tuple[pd.Series, str]:
    def bad(v: str) -> bool:
        if not DATE_RE.match(v):
            return True
        full = date_span(v)[0]
        return pd.to_datetime(full, format="%Y-%m-%d", errors="coerce") is pd.NaT

    return cells.map(bad), "is not a date written YYYY, YYYY-MM or YYYY-MM-DD"


def _check_url(cells: pd.Series, col: Column) -> tuple[pd.Series, str]:
    return ~cells.str.match(URL_RE), "is not an http(s) URL"


_CHECKS: dict[str, Callable[[pd.Series, Column], tuple[pd.Series, str]]] = {
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


def _row_number(index: int) -> int:
    return int(index) + 2


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
    missing = [c for c in schema.names if c not in frame.columns]
    if missing:
        problems.append(
            Problem(
                schema.file,
                f"missing required column(s): {', '.join(missing)}; "
                f"found: {', '.join(map(str, frame.columns)) or 'none'}",
            )
        )
        return TableResult(schema, frame.iloc[0:0], problems, unreadable=True)
    dupes = frame.columns[frame.columns.duplicated()].tolist()
    if dupes:
        problems.append(Problem(schema.file, f"duplicate column(s): {', '.join(dupes)}"))
        return TableResult(schema, frame.iloc[0:0], problems, unreadable=True)

    frame = frame[schema.names].apply(lambda s: s.str.strip())
    if not (pd.api.types.is_integer_dtype(frame.index) and frame.index.is_unique):
        frame = frame.reset_index(drop=True)  # else: record positions from read_csv
    bad = pd.Series(False, index=frame.index)

    def flag(mask: pd.Series, column: str, message: str) -> None:
        nonlocal bad
        for i in mask[mask].index:
            problems.append(
                Problem(schema.file, message, _row_number(i), column, str(frame.at[i, column]))
            )
        bad = bad | mask.reindex(frame.index, fill_value=False)

    for col in schema.columns:
        cells = frame[col.name]
        blank = cells == ""
        if col.required and col.name not in optional:
            flag(blank, col.name, "is blank; a value is required")
        filled = cells[~blank]
        if col.kind in _CHECKS and len(filled):
            mask, message = _CHECKS[col.kind](filled, col)
            flag(mask.astype(bool), col.name, message)

    if schema.key:
        keys = frame[schema.key]
        dup = keys.duplicated(keep="first") & (keys != "")
        flag(dup, schema.key, "duplicates an id used in an earlier row")

    if schema is FIGURES:
        _check_figure_values(frame, flag)

    for name in NUMERIC & set(frame.columns):
        frame[name] = pd.to_numeric(frame[name], errors="coerce")
    bad_rows = {_row_number(i) for i in bad[bad].index}
    good = frame[~bad]
    good.index = [_row_number(i) for i in good.index]  # keep spreadsheet row numbers
    ids = set(frame[schema.key]) - {""} if schema.key else set()
    return TableResult(schema, good, problems, bad_rows, ids=ids)


def _check_figure_values(frame: pd.DataFrame, flag: Callable) -> None:
    """Numbers must agree with the source's qualifier; words are never made numbers."""
    low = pd.to_numeric(frame["value_low"], errors="coerce")
    high = pd.to_numeric(frame["value_high"], errors="coerce")
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


@dataclass
class Atlas:
    """The four validated tables the dashboard works from."""

    locations: pd.DataFrame
    figures: pd.DataFrame
    events: pd.DataFrame
    sources: pd.DataFrame


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
            f"{len(a.sources)} sources"
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
    drop = []
    for row, value in frame[column].items():
        ids = _split_ids(value) if many else ([value] if value else [])
        unknown = [i for i in ids if i not in known]
        if unknown and quiet:
            drop.append(row)
        elif unknown:
            result.problems.append(
                Problem(
                    result.schema.file,
                    f"refers to {', '.join(unknown)}, which is not in {target}",
                    int(row),
                    column,
                    str(value),
                )
            )
            drop.append(row)
    if drop:
        result.bad_rows.update(int(r) for r in drop)
        result.frame = frame.drop(index=drop)


def check_borders(result: TableResult, tolerance_km: float | None = None) -> None:
    """Flag sites more than ``tolerance_km`` outside their stated country."""
    from components.data import borders

    tolerance = borders.BORDER_TOLERANCE_KM if tolerance_km is None else tolerance_km
    frame = result.frame
    coords = frame["lat"].notna() & frame["lon"].notna()
    try:
        drop = []
        for country, group in frame[coords].groupby("country"):
            dist = borders.distances_km(
                group["lat"].to_numpy(float), group["lon"].to_numpy(float), str(country)
            )
            for row, d in zip(group.index, dist, strict=True):
                if not np.isnan(d) and d > tolerance:
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
    try:
        frame = read_csv(directory / schema.file, schema.file)
    except CsvError as exc:
        empty = pd.DataFrame({c: pd.Series(dtype=str) for c in schema.names})
        for name in NUMERIC & set(schema.names):
            empty[name] = empty[name].astype(float)
        message = str(exc).removeprefix(f"{schema.file}: ")  # Problem names the file
        return TableResult(schema, empty, [Problem(schema.file, message)], unreadable=True)
    result = validate_table(frame, schema)
    if result.unreadable:
        result.frame = pd.DataFrame({c: pd.Series(dtype=str) for c in schema.names})
    return result


def load_atlas(
    directory: Path | str = DEFAULT_DATA_DIR, check_countries: bool = True
) -> LoadResult:
    """Load and validate ``locations``, ``figures``, ``events`` and ``sources`` CSVs.

    Every problem in every file is collected; rows with problems are left out of the
    returned tables, so nothing the validator rejects is ever shown.
    """
    directory = Path(directory)
    tables = {s.file: _load_table(directory, s) for s in SCHEMAS.values()}
    loc, fig, ev, src = (tables[s.file] for s in (LOCATIONS, FIGURES, EVENTS, SOURCES))

    source_ids, no_src = set(src.frame["source_id"]), src.unreadable
    check_references(loc, "source_ids", source_ids, "sources.csv", many=True, quiet=no_src)
    check_references(fig, "source_id", source_ids, "sources.csv", quiet=no_src)
    check_references(fig, "disputed_by", source_ids, "sources.csv", many=True, quiet=no_src)
    check_references(ev, "source_id", source_ids, "sources.csv", quiet=no_src)
    # Events may name a site that a bad row removed: check against every stated id.
    check_references(ev, "site_id", loc.ids, "locations.csv", quiet=loc.unreadable)
    if check_countries and not loc.unreadable:
        check_borders(loc)

    problems = [p for t in tables.values() for p in t.problems]
    problems.sort(key=lambda p: (p.file, p.row or 0))
    atlas = Atlas(loc.frame, fig.frame, ev.frame, src.frame)
    return LoadResult(atlas, problems, fatal=loc.unreadable)


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
