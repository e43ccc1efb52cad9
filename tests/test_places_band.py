"""select_towns looks at each site's latitude band only, and keeps what a scan of every
city kept."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from components.map import places


def _near_every_city(sites: pd.DataFrame, cities: pd.DataFrame) -> np.ndarray:
    """The neighbourhood rule over every city, as select_towns did it before."""
    lat, lon = cities["lat"].to_numpy(), cities["lon"].to_numpy()
    keep = np.zeros(len(cities), dtype=bool)
    reach = places.NEIGHBOURHOOD_KM / 111.0
    for site_lat, site_lon in sites[["lat", "lon"]].drop_duplicates().itertuples(index=False):
        widen = 1.0 / max(math.cos(math.radians(site_lat)), 0.05)
        near = (np.abs(lat - site_lat) <= reach) & (
            np.abs(((lon - site_lon + 180) % 360) - 180) <= reach * widen
        )
        idx = np.flatnonzero(near)
        dist = places._haversine_km(site_lat, site_lon, lat[idx], lon[idx])
        keep[idx[dist <= places.NEIGHBOURHOOD_KM]] = True
    return keep


def test_band_search_keeps_the_same_towns():
    rng = np.random.default_rng(7)
    n = 4000
    cities = pd.DataFrame(
        {
            "geonameid": np.arange(n),
            "name": [f"Town {i}" for i in range(n)],
            "lat": rng.uniform(-89, 89, n),
            "lon": rng.uniform(-180, 180, n),
            "country": "ZZ",  # outside the home region: only the neighbourhood rule keeps
            "population": 0,
        }
    )
    reach = places.NEIGHBOURHOOD_KM / 111.0
    # Sites on cities, exactly one reach north or south of one (the band's edges), near
    # the date line and the poles.
    sites = pd.DataFrame(
        {
            "lat": np.r_[cities["lat"][:50], cities["lat"][50:80] + reach, [88.9, -88.9, 0]],
            "lon": np.r_[cities["lon"][:50], cities["lon"][50:80], [179.9, -179.9, 180]],
            "country": "ZZ",
        }
    )
    sites.loc[60:79, "lat"] = cities["lat"][60:80].to_numpy() - reach
    towns = places.select_towns(sites, cities)
    expected = cities[_near_every_city(sites, cities)]
    assert sorted(towns["geonameid"]) == sorted(expected["geonameid"])
    assert len(towns) >= 50
