"""The current view's tables as files: sites as CSV and GeoJSON (each carrying its
sources), events, figures and sources as CSV (pure, no Streamlit)."""

from __future__ import annotations

import json
import math

import pandas as pd

from components.data.spreadsheet import excel_csv

EXPORT_COLUMNS = [
    "site_id", "name", "aliases", "country", "admin1", "zone_type", "precision",
    "lat", "lon", "confidence", "coord_source", "note", "source_ids", "origin",
    "status", "status_since", "status_source_id", "status_disputed",
]  # fmt: skip


SOURCE_KEYS = ("source_id", "publisher", "title", "date", "url", "quote")


def _sources_for(ids: str, by_id: dict[str, dict]) -> list[dict]:
    return [by_id[i.strip()] for i in str(ids or "").split(";") if i.strip() in by_id]


def export_table(locations: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    by_id = {r["source_id"]: r for r in sources.to_dict("records")}
    table = locations[[c for c in EXPORT_COLUMNS if c in locations.columns]].copy()
    refs = [_sources_for(ids, by_id) for ids in table["source_ids"]]
    table["source_urls"] = [" ; ".join(s["url"] for s in r) for r in refs]
    table["source_citations"] = [
        " ; ".join(f"{s['publisher']}, {s['title']} ({s['date'] or 'undated'})" for s in r)
        for r in refs
    ]
    return table


def to_csv(locations: pd.DataFrame, sources: pd.DataFrame) -> bytes:
    """The view's sites with their sources, as an Excel-safe CSV file
    (:func:`components.data.spreadsheet.excel_csv`)."""
    return excel_csv(export_table(locations, sources))


def to_geojson(locations: pd.DataFrame, sources: pd.DataFrame) -> bytes:
    by_id = {r["source_id"]: r for r in sources.to_dict("records")}
    features = []
    for row in locations.to_dict("records"):
        props = {
            c: _json_value(row.get(c))
            for c in EXPORT_COLUMNS
            if c not in ("lat", "lon") and c in row
        }
        props["sources"] = [
            {k: _json_value(s.get(k)) for k in SOURCE_KEYS}
            for s in _sources_for(row.get("source_ids"), by_id)
        ]
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [float(row["lon"]), float(row["lat"])],
                },
                "properties": props,
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    # RFC 7946: no "crs" member (WGS 84 is implied), [lon, lat] order, and no NaN
    # (not JSON at all: allow_nan=False makes a stray one fail here, not in QGIS).
    return json.dumps(collection, ensure_ascii=False, indent=1, allow_nan=False).encode("utf-8")


def _json_value(value: object) -> object:
    """A cell as JSON: blanks (None, NaN) as null, numpy scalars as Python numbers."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


SOURCE_COLUMNS = ["source_id", "publisher", "title", "date", "date_note", "url", "quote"]


def events_csv(events: pd.DataFrame) -> bytes:
    """The events as listed in the Events panel (every column of ``events.csv``), as an
    Excel-safe CSV file."""
    return excel_csv(events.reset_index(drop=True))


def figures_csv(figures: pd.DataFrame) -> bytes:
    """The figures behind the People held panel (every column of ``figures.csv``, the
    sources' own words in ``value_text``), as an Excel-safe CSV file. Helper columns the
    panel adds (``metric_base``, ``scope_used``) are left out."""
    helpers = [c for c in ("metric_base", "scope_used") if c in figures.columns]
    return excel_csv(figures.drop(columns=helpers).reset_index(drop=True))


def sources_subset(sources: pd.DataFrame, source_ids: list[str]) -> pd.DataFrame:
    """Exactly the sources ``source_ids`` names, in that order (ids not in ``sources``
    are left out: the caller reports them)."""
    by_id = sources.drop_duplicates("source_id").set_index("source_id", drop=False)
    known = [i for i in source_ids if i in by_id.index]
    return by_id.loc[known, [c for c in SOURCE_COLUMNS if c in by_id.columns]].reset_index(
        drop=True
    )
