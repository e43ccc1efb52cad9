"""An analyst's own list of sites: check, geocode and prepare it as its own layer (pure).

A CSV, GeoJSON, KML or GeoPackage file is read (:func:`read_upload`), its columns are
matched to the atlas's (:func:`suggest_mapping`, confirmed by the analyst when the names
differ), then checked by the atlas's own validator (:func:`check_table`).

Nothing here writes to ``data/``: the result lives in the analyst's session only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from components.data import (
    LOCATIONS,
    CsvError,
    Problem,
    check_borders,
    check_references,
    validate_table,
)
from components.data.reading import read_table
from components.geocode import GeocodeCache, Progress, Provider, geocode_frame
from components.upload.columns import REQUIRED, apply_mapping, needs_mapping, suggest_mapping
from components.upload.geofile import GisError, gis_kind, read_gis

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_UPLOAD_ROWS = 5_000
# Columns an upload may have, checked before any per-column work: the atlas reads ~15;
# ACLED exports have ~30. A 100,000-column file of 681 KB once took 399 s to refuse.
MAX_UPLOAD_COLUMNS = 500
# Requests one uploaded file may make to an online geocoder (public Nominatim: "no heavy
# uses", at most 1 request/s, no bulk geocoding); the rest is for the command line.
MAX_ONLINE_LOOKUPS = 25
# What the upload accepts, by the file name's extension (the widget itself is not told:
# Streamlit's own check of the names raises outside the app for a name holding a NUL).
UPLOAD_EXTENSIONS = ("csv", "geojson", "json", "kml", "gpkg")
# Columns an analyst may leave out entirely (added blank); the rest must be there.
OPTIONAL_COLUMNS = ("aliases", "admin1", "coord_source", "coord_evidence", "source_ids", "note")


@dataclass
class UploadResult:
    """What became of one uploaded file.

    ``notes`` say how the file was read (separator, encoding, columns, country names).
    Every other list holds one line per row, for a person, starting "row N 'name': ":
    ``problems`` rows left out, ``unresolved`` rows the geocoder could not place, and
    ``caveats`` rows it did place but less surely than the row said, e.g. "row 2 'Casino
    compound 7 near Poipet': 13.658050, 102.563650 from 'Poipet' -> 'Paoy Paet,
    Cambodia'; precision lowered from compound to town: the match is a town, not the
    compound; confidence lowered from high to low: an automatic name match is
    unverified". Show ``caveats`` beside ``unresolved``: those rows are on the map, but
    not as the analyst described them (the rows' coord_source and note say so too).
    """

    name: str
    frame: pd.DataFrame  # good rows, geocoded where possible (may lack coordinates)
    problems: list[str] = field(default_factory=list)  # rows left out, and why
    unresolved: list[str] = field(default_factory=list)  # rows the geocoder could not place
    caveats: list[str] = field(default_factory=list)  # rows placed less surely than stated
    geocoded: int = 0
    error: str | None = None  # the whole file was refused
    notes: list[str] = field(default_factory=list)  # how columns and values were read

    @property
    def mapped(self) -> pd.DataFrame:
        """Rows that have coordinates and so can be drawn."""
        if self.frame.empty:
            return self.frame
        return self.frame[self.frame["lat"].notna() & self.frame["lon"].notna()]

    def download(self) -> bytes:
        """The upload as the analyst sent it, with the coordinates that were found, as an
        Excel-safe CSV file (:func:`components.data.spreadsheet.excel_csv`: BOM, CRLF,
        formula-looking text prefixed with an apostrophe)."""
        from components.data.spreadsheet import excel_csv

        columns = [c for c in LOCATIONS.names if c in self.frame.columns]
        return excel_csv(self.frame[columns])


def refused(name: str, message: str) -> UploadResult:
    """The result for a file refused as a whole, with the one-line reason."""
    return UploadResult(name, pd.DataFrame(columns=LOCATIONS.names), error=message)


class UploadError(ValueError):
    """The whole file was refused; the message is one line naming the file."""


@dataclass
class UploadTable:
    """An uploaded file read as a table, before its columns are matched to the atlas's."""

    name: str
    frame: pd.DataFrame  # text cells, the file's own column names
    kind: str  # "csv", "geojson", "kml" or "gpkg"
    notes: list[str] = field(default_factory=list)  # how the file was read
    left_out: list[str] = field(default_factory=list)  # features not read (GIS files)

    @property
    def headers(self) -> list[str]:
        return [str(c) for c in self.frame.columns]


def shown_name(name: str) -> str:
    """``name`` safe to print: control characters (NUL, newlines, escapes) as U+FFFD."""
    return "".join("\ufffd" if ord(c) < 32 or 127 <= ord(c) < 160 else c for c in name)


def file_name_problem(name: str) -> str | None:
    """Why an uploaded file's name is refused (one line), or None when it is fine: a
    control character in it (e.g. a NUL byte), or an extension that is not one of
    :data:`UPLOAD_EXTENSIONS`."""
    shown = shown_name(name)
    if shown != name:
        return (
            f"The file name {shown!r} holds a control character (shown as \ufffd). Rename the "
            "file and upload it again."
        )
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in UPLOAD_EXTENSIONS:
        ends = f"ends in .{suffix}" if suffix else "has no extension"
        return (
            f"{name} is not a CSV, GeoJSON, KML or GeoPackage file (its name {ends}). "
            "Upload a .csv, .geojson, .json, .kml or .gpkg file."
        )
    return None


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.2f} MiB" if count % (1024 * 1024) else f"{count >> 20} MiB"


def read_upload(raw: bytes, name: str) -> UploadTable:
    """Read an uploaded CSV, GeoJSON, KML or GeoPackage (by extension, else content).

    Raises :class:`UploadError` with a one-line message for a file over
    ``MAX_UPLOAD_BYTES``, with more than ``MAX_UPLOAD_ROWS`` rows or features or more
    than ``MAX_UPLOAD_COLUMNS`` columns (properties), empty, or unreadable.
    """
    if len(raw) > MAX_UPLOAD_BYTES:
        raise UploadError(
            f"{name} is {len(raw):,} bytes ({_size(len(raw))}); the limit is "
            f"{MAX_UPLOAD_BYTES:,} bytes ({_size(MAX_UPLOAD_BYTES)}). Split it into smaller files."
        )
    kind = gis_kind(raw, name)
    if kind == "csv":
        try:
            read = read_table(raw, name, max_columns=MAX_UPLOAD_COLUMNS)
        except CsvError as exc:
            raise UploadError(str(exc)) from None
        table = UploadTable(name, read.frame, kind, [f"{name}: {n}" for n in read.notes])
    else:
        try:
            gis = read_gis(
                raw, name, kind, max_rows=MAX_UPLOAD_ROWS, max_columns=MAX_UPLOAD_COLUMNS
            )
        except GisError as exc:
            raise UploadError(str(exc)) from None
        table = UploadTable(name, gis.frame, kind, gis.notes, gis.left_out)
    if len(table.frame) > MAX_UPLOAD_ROWS:
        raise UploadError(
            f"{name} has {len(table.frame):,} rows; the limit is {MAX_UPLOAD_ROWS:,}. Split it."
        )
    if table.frame.empty:
        raise UploadError(f"{name} has a header but no rows.")
    return table


def check_upload(
    raw: bytes,
    name: str,
    known_sources: set[str],
    atlas_site_ids: set[str],
    mapping: Mapping[str, str | None] | None = None,
) -> UploadResult:
    """Read an uploaded file, match its columns (``mapping``, else the suggested one)
    and validate it: :func:`read_upload`, then :func:`check_table`.

    A refused file gives a result whose ``error`` says why; nothing is raised.
    """
    try:
        table = read_upload(raw, name)
    except UploadError as exc:
        return refused(name, str(exc))
    if mapping is None:
        mapping = suggest_mapping(table.headers)
    return check_table(table, mapping, known_sources, atlas_site_ids)


def check_table(
    table: UploadTable,
    mapping: Mapping[str, str | None],
    known_sources: set[str],
    atlas_site_ids: set[str],
) -> UploadResult:
    """Validate an uploaded table with the atlas's own validator, its columns matched
    by ``mapping`` (atlas column -> file column or None, see
    :func:`components.upload.columns.apply_mapping`).

    ``lat``/``lon`` may be blank or both absent (the geocoder fills them). Rows with problems are
    listed and left out; good rows stay usable. A file missing a required column after
    the mapping is refused (``error``). Raises ValueError for an impossible mapping.
    """
    name = table.name
    frame, notes = apply_mapping(table.frame, mapping)
    notes = table.notes + notes
    if "lat" not in frame.columns and "lon" not in frame.columns:
        notes.append(f"{name} has no lat/lon columns: every row is placed by the geocoder")
    for column in (*OPTIONAL_COLUMNS, "lat", "lon"):
        if column not in frame.columns:
            frame[column] = ""
    schema = replace(LOCATIONS, file=name)
    checked = validate_table(frame, schema, optional=frozenset({"lat", "lon"}))
    if checked.unreadable:
        result = refused(name, "; ".join(str(p) for p in checked.problems))
        result.notes = notes
        return result
    check_references(checked, "source_ids", known_sources, "the atlas's sources.csv", many=True)
    clash = checked.frame["site_id"].isin(atlas_site_ids)
    for row, site_id in checked.frame.loc[clash, "site_id"].items():
        checked.problems.append(
            Problem(name, "is already an atlas site id; rename it", int(row), "site_id", site_id)
        )
    checked.frame = checked.frame[~clash]
    check_borders(checked)
    problems = table.left_out + [str(p) for p in checked.problems]
    return UploadResult(name, checked.frame, problems, notes=notes)


def geocode_upload(
    result: UploadResult,
    providers: Sequence[Provider],
    cache: GeocodeCache | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    max_online: int | None = MAX_ONLINE_LOOKUPS,
    should_stop: Callable[[], str | None] | None = None,
) -> UploadResult:
    """Fill missing coordinates, trying each provider in turn on what is still missing.

    Whatever a provider resolves is kept even if a later one fails; rows nobody could
    place are listed in ``unresolved`` with the reason the last provider gave. Rows
    placed with a caveat (precision lowered to the match's level, confidence lowered to
    "low") are listed in ``caveats``. ``max_online``: requests this file may make to an
    online provider (any but the offline gazetteer; public Nominatim forbids bulk use).
    ``should_stop``: asked before each row; a reason stops the look-ups (the session
    ended, the analyst cancelled). Returns ``result``, updated in place.
    """
    frame = result.frame
    if frame.empty:
        return result
    text = frame.astype({"lat": object, "lon": object})
    text["lat"] = frame["lat"].map(lambda v: "" if pd.isna(v) else repr(float(v)))
    text["lon"] = frame["lon"].map(lambda v: "" if pd.isna(v) else repr(float(v)))
    rows = [int(r) for r in frame.index]
    messages: dict[int, str] = {}
    caveats: dict[int, str] = {}
    geocoded = 0
    for provider in providers:
        report = geocode_frame(
            text.reset_index(drop=True),
            provider,
            cache=cache,
            on_progress=on_progress,
            row_numbers=rows,
            max_lookups=None if provider.name == "gazetteer" else max_online,
            should_stop=should_stop,
        )
        text = report.frame.set_axis(frame.index)
        geocoded += len(report.resolved)
        for r in report.results:
            if r.status == "resolved":
                messages.pop(r.row, None)
                if r.caveats:
                    caveats[r.row] = str(r)
            else:
                messages[r.row] = str(r)
        if report.ok:
            break
    out = text.copy()
    out["lat"] = pd.to_numeric(out["lat"], errors="coerce")
    out["lon"] = pd.to_numeric(out["lon"], errors="coerce")
    result.frame = out
    result.geocoded = geocoded
    result.unresolved = [messages[r] for r in sorted(messages)]
    result.caveats = [caveats[r] for r in sorted(caveats)]
    return result


__all__ = [
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_COLUMNS",
    "MAX_ONLINE_LOOKUPS",
    "MAX_UPLOAD_ROWS",
    "REQUIRED",
    "UPLOAD_EXTENSIONS",
    "UploadError",
    "UploadResult",
    "UploadTable",
    "check_table",
    "check_upload",
    "file_name_problem",
    "geocode_upload",
    "needs_mapping",
    "read_upload",
    "refused",
    "shown_name",
    "suggest_mapping",
]
