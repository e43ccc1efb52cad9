"""What the atlas knows about one site, and where that knowledge comes from (pure)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from geopy.distance import geodesic


def site_sources(site: pd.Series, sources: pd.DataFrame) -> pd.DataFrame:
    """The sources that name the site, in the order the site lists them."""
    ids = [s.strip() for s in str(site.get("source_ids", "") or "").split(";") if s.strip()]
    by_id = sources.set_index("source_id")
    return by_id.loc[[i for i in ids if i in by_id.index]].reset_index()


def site_events(site_id: str, events: pd.DataFrame) -> pd.DataFrame:
    return events[events["site_id"] == site_id].sort_values("date")


def nearest_sites(site: pd.Series, locations: pd.DataFrame, k: int = 5) -> pd.DataFrame:
    """The k nearest other sites with geodesic distances in km.

    A cheap spherical pre-selection keeps this fast for large datasets; the distances
    shown are geopy's geodesic (WGS-84) values.
    """
    others = locations[locations["site_id"] != site["site_id"]]
    if others.empty:
        return others.assign(distance_km=pd.Series(dtype=float))
    lat1, lon1 = np.radians(site["lat"]), np.radians(site["lon"])
    lat2, lon2 = np.radians(others["lat"].to_numpy()), np.radians(others["lon"].to_numpy())
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    rough = 2 * 6371.0 * np.arcsin(np.sqrt(a))
    pick = others.iloc[np.argsort(rough)[: max(k * 3, k)]].copy()
    pick["distance_km"] = [
        geodesic((site["lat"], site["lon"]), (r.lat, r.lon)).km for r in pick.itertuples()
    ]
    return pick.sort_values("distance_km").head(k)
