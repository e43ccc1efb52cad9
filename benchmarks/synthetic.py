"""Synthetic atlas data folders of any size, valid for ``python -m components.data validate``.

``write_dataset(directory, n)`` writes ``locations.csv`` with ``n`` sites plus copies of
the real ``figures.csv``, ``events.csv`` and ``sources.csv``:

- the real sites come first (so every ``site_id`` that ``events.csv`` names exists);
- half of the remaining sites are the real sites jittered by up to ~20 km (clusters
  where scam centres really are), the other half are spread uniformly over the land of
  Myanmar, Cambodia, Laos, Thailand, the Philippines, Vietnam and Malaysia;
- every synthetic point lies *inside* its country's Natural Earth outline (the same
  shapes ``components.data.borders.distances_km`` uses, so its distance is 0 km, well within
  the 3 km tolerance): candidates are drawn in bulk and filtered with one vectorised
  ``shapely.contains_xy`` call per country, so 100,000 sites take a few seconds;
- zone type, precision and confidence come from the validator's vocabularies;
  ``source_ids`` are a real site's (with that site's name as an alias, so the quotes
  name the synthetic site as the validator requires);
- ``contradictions.csv`` is copied when the real folder has one.

Command line (for a quick look)::

    python -m benchmarks.synthetic DIR N [SEED]
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from components.data import (
    CONFIDENCES,
    DEFAULT_DATA_DIR,
    LOCATIONS,
    PRECISIONS,
    ZONE_TYPES,
    borders,
    read_csv,
)

# Countries the spread-out half is drawn from, with rough weights (land area matters
# less than plausibility: most reported sites are in MM, KH, LA, PH).
SPREAD_COUNTRIES = {
    "MM": 0.22,
    "KH": 0.22,
    "LA": 0.14,
    "TH": 0.12,
    "PH": 0.14,
    "VN": 0.08,
    "MY": 0.08,
}
JITTER_KM = 20.0
KM_PER_DEG = 111.32
OTHER_FILES = ("figures.csv", "events.csv", "sources.csv", "contradictions.csv")

_PLACE_WORDS = (
    "Golden",
    "Dragon",
    "Lucky",
    "Star",
    "Phoenix",
    "Jade",
    "Royal",
    "Silver",
    "Harbour",
    "Lotus",
    "Crown",
    "Pearl",
    "Sunrise",
    "Empire",
    "Oriental",
    "Paradise",
)
_PLACE_KINDS = (
    "Compound",
    "Park",
    "Tower",
    "Resort",
    "Casino",
    "Garden",
    "Plaza",
    "City",
    "Industrial Zone",
)


def _inside(country: str, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    shape = borders.country_shape(country)
    if shape is None:
        return np.zeros(len(lats), dtype=bool)
    return shapely.contains_xy(shape, lons, lats)


def _jittered(real: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` points within JITTER_KM of real sites, inside the real site's country."""
    out: list[pd.DataFrame] = []
    have = 0
    while have < n:
        k = max(64, int((n - have) * 1.6))
        pick = rng.integers(0, len(real), k)
        base = real.iloc[pick].reset_index(drop=True)
        r = JITTER_KM * np.sqrt(rng.random(k))  # uniform over the disc
        theta = rng.random(k) * 2 * np.pi
        lat = base["lat"].to_numpy(float) + (r * np.sin(theta)) / KM_PER_DEG
        lon = base["lon"].to_numpy(float) + (r * np.cos(theta)) / (
            KM_PER_DEG * np.cos(np.radians(base["lat"].to_numpy(float)))
        )
        ok = np.zeros(k, dtype=bool)
        countries = base["country"].to_numpy()
        for country in np.unique(countries):
            sel = countries == country
            ok[sel] = _inside(str(country), lat[sel], lon[sel])
        frame = pd.DataFrame(
            {"lat": lat[ok], "lon": lon[ok], "country": countries[ok], "origin": pick[ok]}
        )
        out.append(frame)
        have += len(frame)
    return pd.concat(out, ignore_index=True).iloc[:n]


def _spread(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` points uniformly over the land of SPREAD_COUNTRIES (rejection sampling)."""
    codes = list(SPREAD_COUNTRIES)
    weights = np.array([SPREAD_COUNTRIES[c] for c in codes])
    counts = rng.multinomial(n, weights / weights.sum())
    out = []
    for country, want in zip(codes, counts, strict=True):
        if want == 0:
            continue
        shape = borders.country_shape(country)
        if shape is None:  # no outline: fall back to the real sites' neighbourhood
            continue
        west, south, east, north = shape.bounds
        got: list[tuple[np.ndarray, np.ndarray]] = []
        have = 0
        while have < want:
            k = max(256, int((want - have) * 4))
            lat = rng.uniform(south, north, k)
            lon = rng.uniform(west, east, k)
            ok = _inside(country, lat, lon)
            got.append((lat[ok], lon[ok]))
            have += int(ok.sum())
        lat = np.concatenate([g[0] for g in got])[:want]
        lon = np.concatenate([g[1] for g in got])[:want]
        out.append(pd.DataFrame({"lat": lat, "lon": lon, "country": country, "origin": -1}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def make_locations(n: int, seed: int = 0, data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    """A locations table of ``n`` valid sites (the real ones first), as text cells."""
    real = read_csv(data_dir / "locations.csv", "locations.csv")
    real = real[LOCATIONS.names]
    if n <= len(real):
        return real.iloc[:n].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    real_num = real.assign(lat=real["lat"].astype(float), lon=real["lon"].astype(float))
    extra = n - len(real)
    near = _jittered(real_num, extra - extra // 2, rng)
    far = _spread(extra // 2, rng)
    if len(far) < extra // 2:  # a country without an outline: top up near real sites
        near = pd.concat([near, _jittered(real_num, extra // 2 - len(far), rng)])
    pts = pd.concat([near, far], ignore_index=True)
    m = len(pts)

    # Each synthetic site cites the sources of a real site (its origin when it has one)
    # and carries that site's name as an alias, so every cited quote names it, as the
    # validator requires (real sites without sources are never picked).
    cited = real["source_ids"].to_numpy()
    with_sources = np.flatnonzero(cited != "")
    origin = pts["origin"].to_numpy()
    donor = np.where(
        (origin >= 0) & (cited[np.maximum(origin, 0)] != ""),
        origin,
        with_sources[rng.integers(0, len(with_sources), m)],
    )
    source_ids = cited[donor]
    donor_name = (real["name"] + "; " + real["aliases"]).str.rstrip("; ").to_numpy()[donor]
    word = np.array(_PLACE_WORDS)[rng.integers(0, len(_PLACE_WORDS), m)]
    kind = np.array(_PLACE_KINDS)[rng.integers(0, len(_PLACE_KINDS), m)]
    serial = np.arange(1, m + 1)
    near_name = np.where(origin >= 0, real["name"].to_numpy()[np.maximum(origin, 0)], "")
    names = [
        f"{w} {k} {s}" + (f" (near {o})" if o else "")
        for w, k, s, o in zip(word, kind, serial, near_name, strict=True)
    ]
    synthetic = pd.DataFrame(
        {
            "site_id": [f"syn_{s:06d}" for s in serial],
            "name": names,
            "aliases": [f"{w} {k}; {d}" for w, k, d in zip(word, kind, donor_name, strict=True)],
            "country": pts["country"].astype(str).to_numpy(),
            "admin1": "",
            "zone_type": np.array(ZONE_TYPES)[rng.integers(0, len(ZONE_TYPES), m)],
            "precision": np.array(PRECISIONS)[rng.integers(0, len(PRECISIONS), m)],
            "lat": np.round(pts["lat"].to_numpy(float), 6).astype(str),
            "lon": np.round(pts["lon"].to_numpy(float), 6).astype(str),
            "coord_source": "synthetic (benchmarks/synthetic.py)",
            "coord_evidence": "",
            "confidence": rng.choice(np.array(CONFIDENCES), m, p=[0.3, 0.45, 0.25]),
            "source_ids": source_ids,
            "note": "Synthetic site for benchmarking; not a real place.",
            "parent_site_id": "",
        }
    )
    return pd.concat([real, synthetic], ignore_index=True)


def write_dataset(
    directory: Path | str, n: int, seed: int = 0, data_dir: Path = DEFAULT_DATA_DIR
) -> Path:
    """Write a complete, valid data folder with ``n`` sites; return its path.

    If ``n`` is smaller than the real data, references to a dropped site are cleared so
    the folder stays valid: events lose ``site_id`` and ``status`` (they stay as
    country-level events), site figures become subnational, parents and contradictions
    lose the site.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    locations = make_locations(n, seed, data_dir)
    locations.to_csv(directory / "locations.csv", index=False)
    for name in OTHER_FILES:
        if (data_dir / name).exists():  # contradictions.csv is optional
            shutil.copyfile(data_dir / name, directory / name)
    if n < len(read_csv(data_dir / "locations.csv", "locations.csv")):
        kept = set(locations["site_id"])
        parents = locations["parent_site_id"]
        locations.loc[(parents != "") & ~parents.isin(kept), "parent_site_id"] = ""
        locations.to_csv(directory / "locations.csv", index=False)
        events = read_csv(data_dir / "events.csv", "events.csv")
        gone = ~events["site_id"].isin(kept)
        events.loc[gone, ["site_id", "status"]] = ""  # a status needs its site
        events.to_csv(directory / "events.csv", index=False)
        figures = read_csv(data_dir / "figures.csv", "figures.csv")
        gone = (figures["site_id"] != "") & ~figures["site_id"].isin(kept)
        figures.loc[gone, "area"] = "a site left out of this synthetic sample"
        figures.loc[gone, ["scope", "site_id"]] = ["subnational", ""]
        figures.to_csv(directory / "figures.csv", index=False)
        if (data_dir / "contradictions.csv").exists():
            con = read_csv(data_dir / "contradictions.csv", "contradictions.csv")
            con.loc[~con["site_id"].isin(kept), "site_id"] = ""
            con.to_csv(directory / "contradictions.csv", index=False)
    return directory


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        print("usage: python -m benchmarks.synthetic DIR N [SEED]", file=sys.stderr)
        return 2
    path = write_dataset(args[0], int(args[1]), int(args[2]) if len(args) == 3 else 0)
    print(f"wrote {int(args[1])} sites to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
