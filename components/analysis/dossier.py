"""What the atlas knows about one site, and where that knowledge comes from (pure)."""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd
from geopy.distance import geodesic

from components.data import status
from components.data.memo import computed, entries_for, remember


def site_sources(site: pd.Series, sources: pd.DataFrame) -> pd.DataFrame:
    """The sources that name the site, in the order the site lists them."""
    ids = [s.strip() for s in str(site.get("source_ids", "") or "").split(";") if s.strip()]
    by_id = sources.set_index("source_id")
    return by_id.loc[[i for i in ids if i in by_id.index]].reset_index()


def withheld_citations(site: pd.Series, withheld: dict[str, str]) -> dict[str, str]:
    """The sources the site cites whose rows were rejected: id -> the problem (one line),
    in the order the site lists them (see ``Atlas.withheld_sources``)."""
    ids = [s.strip() for s in str(site.get("source_ids", "") or "").split(";") if s.strip()]
    return {i: withheld[i] for i in ids if i in withheld}


def site_events(site_id: str, events: pd.DataFrame) -> pd.DataFrame:
    return events[events["site_id"] == site_id].sort_values("date", kind="stable")


# Per locations table (weakly held: a new dataset drops the old entries): each opened
# site's nearest sites and relations. Geodesic distances cost about 1 ms each in geopy:
# 15 to 20 per dossier, on every rerun that shows it.
_NEAREST: dict[int, dict[tuple, pd.DataFrame]] = {}
MAX_KEPT = 512  # sites per table in each memo here, the oldest dropped first
_RELATIONS: dict[int, dict[tuple, tuple]] = {}


def _site_key(site: pd.Series, *extra: object) -> tuple:
    """What a site's memoised results depend on besides its table (text, so a missing
    coordinate gives one key, not a new NaN each time)."""
    fields = ("site_id", "lat", "lon", "parent_site_id")
    return (*(str(site.get(f, "")) for f in fields), *extra)


def nearest_sites(site: pd.Series, locations: pd.DataFrame, k: int = 5) -> pd.DataFrame:
    """:func:`nearest_sites_of`, computed once per site and ``locations`` table (read-only
    by contract); the frame returned is shared, do not modify it."""
    return computed(
        _NEAREST,
        locations,
        _site_key(site, k),
        lambda: nearest_sites_of(site, locations, k),
        MAX_KEPT,
    )


def nearest_sites_of(site: pd.Series, locations: pd.DataFrame, k: int = 5) -> pd.DataFrame:
    """The k nearest other sites (rows of ``locations``, any site but ``site``'s id),
    nearest first, with ``distance_km``: geopy's geodesic (WGS-84) distance in km.

    A spherical (haversine) distance to every site, on the coordinate columns alone,
    picks the 3k nearest (ties in row order); only those rows are copied and measured
    geodesically. Copying every other row first cost 380 MB at 1,000,000 sites.
    """
    others = (locations["site_id"] != site["site_id"]).to_numpy(dtype=bool)
    wanted = min(k * 3, int(others.sum()))
    if wanted <= 0:
        return locations.iloc[0:0].assign(distance_km=pd.Series(dtype=float))
    lat1, lon1 = np.radians(site["lat"]), np.radians(site["lon"])
    lat2 = np.radians(locations["lat"].to_numpy(dtype=float))
    lon2 = np.radians(locations["lon"].to_numpy(dtype=float))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    rough = 2 * 6371.0 * np.arcsin(np.sqrt(a))
    rough[~others] = np.inf
    cut = np.partition(rough, wanted - 1)[wanted - 1]
    rows = np.flatnonzero(rough <= cut) if np.isfinite(cut) else np.flatnonzero(others)
    rows = rows[np.argsort(rough[rows], kind="stable")][:wanted]  # NaN (no position) last
    pick = locations.iloc[rows].copy()
    pick["distance_km"] = [
        geodesic((site["lat"], site["lon"]), (r.lat, r.lon)).km for r in pick.itertuples()
    ]
    return pick.sort_values("distance_km", kind="stable").head(k)


def _with_distance(site: pd.Series, rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.copy()
    rows["distance_km"] = [
        geodesic((site["lat"], site["lon"]), (r.lat, r.lon)).km for r in rows.itertuples()
    ]
    return rows


def relations(site: pd.Series, locations: pd.DataFrame) -> tuple[pd.Series | None, pd.DataFrame]:
    """:func:`relations_of`, computed once per site and ``locations`` table (read-only by
    contract); what is returned is shared, do not modify it."""
    return computed(
        _RELATIONS, locations, _site_key(site), lambda: relations_of(site, locations), MAX_KEPT
    )


def relations_of(site: pd.Series, locations: pd.DataFrame) -> tuple[pd.Series | None, pd.DataFrame]:
    """The site's parent (the larger site it lies within) and its known parts.

    Returns ``(parent or None, children)``; both carry ``distance_km``, the geodesic
    distance in km from this site's point (KK Park II's building is 5.6 km from the
    KK Park point). Data without a ``parent_site_id`` column has no relations.
    """
    if "parent_site_id" not in locations.columns:
        return None, locations.iloc[0:0].assign(distance_km=pd.Series(dtype=float))
    parent_id = str(site.get("parent_site_id", "") or "")
    parent = None
    if parent_id:
        match = locations[locations["site_id"] == parent_id]
        if not match.empty:
            parent = _with_distance(site, match.iloc[:1]).iloc[0]
    children = locations[locations["parent_site_id"] == site["site_id"]]
    return parent, _with_distance(site, children).sort_values("name", kind="stable")


def site_contradictions(site_id: str, atlas) -> pd.DataFrame:
    """Contradictions about this site: those naming it, and those its events take part in.

    ``atlas`` is a :class:`components.data.Atlas`; data without contradictions gives an
    empty frame.
    """
    table = getattr(atlas, "contradictions", None)
    if table is None or table.empty:
        return pd.DataFrame(columns=["contradiction_id", "topic", "source_ids", "note"])
    ids: set[str] = set(table.loc[table["site_id"] == site_id, "contradiction_id"])
    events = atlas.events
    if "contradiction_ids" in events.columns:
        for value in events.loc[events["site_id"] == site_id, "contradiction_ids"].fillna(""):
            ids.update(p.strip() for p in str(value).split(";") if p.strip())
    return table[table["contradiction_id"].isin(ids)].sort_values("contradiction_id", kind="stable")


# Per events table (weakly held: a new dataset drops the old entries): each site's
# timeline, with the locations and sources tables it was computed from.
_TIMELINES: dict[int, dict[str, tuple]] = {}


def site_timeline(
    site_id: str, locations: pd.DataFrame, events: pd.DataFrame, sources: pd.DataFrame
) -> pd.DataFrame:
    """:func:`components.data.status.site_timeline`, computed once per site and dataset
    (it scans every event and source: 0.08 s a dossier at 49 sites). The tables are read-
    only by contract, so the same three objects give the same answer; the frame returned
    is shared, do not modify it."""
    per_site = entries_for(_TIMELINES, events)
    found = per_site.get(site_id)
    if found is not None and found[0]() is locations and found[1]() is sources:
        return found[2]
    steps = status.site_timeline(site_id, locations, events, sources)
    remember(per_site, site_id, (weakref.ref(locations), weakref.ref(sources), steps), MAX_KEPT)
    return steps
