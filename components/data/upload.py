"""An analyst's own list of sites: check, geocode and prepare it as its own layer (pure).

Nothing here writes to ``data/``: the result lives in the analyst's session only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from components.data import (
    LOCATIONS,
    CsvError,
    Problem,
    check_borders,
    check_references,
    read_csv,
    validate_table,
)
from components.geocode import GeocodeCache, Progress, Provider, geocode_frame

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_UPLOAD_ROWS = 5_000
# Columns an analyst may leave out entirely (added blank); the rest must be there.
OPTIONAL_COLUMNS = ("aliases", "admin1", "coord_source", "coord_evidence", "source_ids", "note")


@dataclass
class UploadResult:
    """What became of one uploaded file."""

    name: str
    frame: pd.DataFrame  # good rows, geocoded where possible (may lack coordinates)
    problems: list[str] = field(default_factory=list)  # rows left out, and why
    unresolved: list[str] = field(default_factory=list)  # rows the geocoder could not place
    geocoded: int = 0
    error: str | None = None  # the whole file was refused

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


def _refuse(name: str, message: str) -> UploadResult:
    return UploadResult(name, pd.DataFrame(columns=LOCATIONS.names), error=message)


def check_upload(
    raw: bytes,
    name: str,
    known_sources: set[str],
    atlas_site_ids: set[str],
) -> UploadResult:
    """Validate an uploaded locations CSV with the atlas's own validator.

    ``lat``/``lon`` may be blank (the geocoder fills them). Rows with problems are
    listed and left out; good rows stay usable.
    """
    if len(raw) > MAX_UPLOAD_BYTES:
        return _refuse(
            name,
            f"{name} is {len(raw) / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:.1f} MB. "
            "Split it into smaller files.",
        )
    try:
        frame = read_csv(raw, name)
    except CsvError as exc:
        return _refuse(name, str(exc))
    if len(frame) > MAX_UPLOAD_ROWS:
        return _refuse(
            name,
            f"{name} has {len(frame):,} rows; the limit is {MAX_UPLOAD_ROWS:,}. Split it.",
        )
    if frame.empty:
        return _refuse(name, f"{name} has a header but no rows.")
    for column in OPTIONAL_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    schema = replace(LOCATIONS, file=name)
    table = validate_table(frame, schema, optional=frozenset({"lat", "lon"}))
    if table.unreadable:
        return _refuse(name, "; ".join(str(p) for p in table.problems))
    check_references(table, "source_ids", known_sources, "the atlas's sources.csv", many=True)
    clash = table.frame["site_id"].isin(atlas_site_ids)
    for row, site_id in table.frame.loc[clash, "site_id"].items():
        table.problems.append(
            Problem(name, "is already an atlas site id; rename it", int(row), "site_id", site_id)
        )
    table.frame = table.frame[~clash]
    check_borders(table)
    return UploadResult(name, table.frame, [str(p) for p in table.problems])


def geocode_upload(
    result: UploadResult,
    providers: Sequence[Provider],
    cache: GeocodeCache | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> UploadResult:
    """Fill missing coordinates, trying each provider in turn on what is still missing.

    Whatever a provider resolves is kept even if a later one fails; rows nobody could
    place are listed with the reason the last provider gave.
    """
    frame = result.frame
    if frame.empty:
        return result
    text = frame.astype({"lat": object, "lon": object})
    text["lat"] = frame["lat"].map(lambda v: "" if pd.isna(v) else repr(float(v)))
    text["lon"] = frame["lon"].map(lambda v: "" if pd.isna(v) else repr(float(v)))
    rows = [int(r) for r in frame.index]
    messages: dict[int, str] = {}
    geocoded = 0
    for provider in providers:
        report = geocode_frame(
            text.reset_index(drop=True),
            provider,
            cache=cache,
            on_progress=on_progress,
            row_numbers=rows,
        )
        text = report.frame.set_axis(frame.index)
        geocoded += len(report.resolved)
        for r in report.results:
            if r.status == "resolved":
                messages.pop(r.row, None)
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
    return result
