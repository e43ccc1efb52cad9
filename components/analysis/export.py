"""Exports of the current view as CSV and GeoJSON, each carrying its sources (pure)."""

from __future__ import annotations

import json

import pandas as pd

from components.data.spreadsheet import excel_csv

EXPORT_COLUMNS = [
    "site_id", "name", "aliases", "country", "admin1", "zone_type", "precision",
    "lat", "lon", "confidence", "coord_source", "note", "source_ids", "origin",
]  # fmt: skip


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
        props = {c: row.get(c) for c in EXPORT_COLUMNS if c not in ("lat", "lon")}
        props["sources"] = [
            {k: s.get(k) for k in ("source_id", "publisher", "title", "date", "url", "quote")}
            for s in _sources_for(row.get("source_ids"), by_id)
        ]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
                "properties": props,
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, indent=1).encode("utf-8")
