"""Server side: what one rerun costs to build and send, atlas versus naive.

Both sides go through the real ``streamlit_folium.st_folium`` code path: its component
function (the only part that needs a running Streamlit) is swapped for a recorder, so
``st_folium`` renders the map, builds the leaflet/header/feature-group strings, walks
the asset links and hashes the script exactly as it does in the app. The recorded
arguments are then serialised with ``json.dumps``, as Streamlit's component layer does
before sending them over the websocket; the byte count is what one rerun ships.
"""

from __future__ import annotations

import contextlib
import gc
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit_folium

from benchmarks.naive import build_naive_map
from components.analysis import dataset
from components.analysis.filters import View, event_mask, site_mask
from components.data import Atlas, load_atlas
from components.map import view as map_view


@dataclass
class Sent:
    """What one st_folium call would have sent."""

    nbytes: int
    key: str  # the component key: same key = same iframe (no remount)


@contextlib.contextmanager
def captured_component() -> Iterator[list[dict]]:
    """Replace streamlit_folium's component function with a recorder."""
    calls: list[dict] = []
    original = streamlit_folium._component_func

    def record(**kwargs):
        calls.append(kwargs)
        return kwargs.get("default")

    streamlit_folium._component_func = record
    try:
        yield calls
    finally:
        streamlit_folium._component_func = original


def serialise(kwargs: dict) -> Sent:
    """Streamlit's CustomComponent: every JSON-able argument in one ``json.dumps``."""
    json_args = {k: v for k, v in kwargs.items() if k != "on_change"}
    text = json.dumps(json_args)
    return Sent(len(text.encode()), str(kwargs.get("key")))


# --- atlas ---------------------------------------------------------------------------


@dataclass
class Prepared:
    """What the app caches per dataset (``components.analysis.dataset.prepare``) + payload size."""

    app: dataset.Prepared
    payload_bytes: int


def prepare(atlas: Atlas, publish_dir: Path) -> Prepared:
    app = dataset.prepare(atlas, publish_dir)
    size = (publish_dir / app.payload_url.rsplit("/", 1)[1]).stat().st_size
    return Prepared(app, size)


def atlas_rerun(atlas: Atlas, prep: Prepared, view: View | None = None) -> Sent:
    """The map's share of one dashboard rerun, as ``dashboard.main`` does it.

    The masks (no upload), then the app's own
    ``components.ui.map_panel.map_panel``: ``map_view.build_base_map`` +
    ``build_layer(layer_spec(...))`` + ``render_map`` (st_folium), with each site's status
    as of the view's date (today by default). The dossier, people,
    events and export panels of a rerun are not included.
    """
    from components.ui.map_panel import map_panel  # the app's map column

    view = view or View()
    locations, events = atlas.locations, atlas.events
    status = prep.app.status.at(view.as_of or date.today().isoformat())
    mask = site_mask(locations, view, prep.app.haystack, status)
    ev_mask = event_mask(events, prep.app.event_rows, mask, view)
    with captured_component() as calls:
        map_panel(atlas, locations, view, prep.app, mask, ev_mask, None, status)
    return serialise(calls[0])


# --- naive ---------------------------------------------------------------------------


def naive_rerun(locations: pd.DataFrame, sources: pd.DataFrame) -> Sent:
    """Fresh map + one folium.Marker per row + default ``st_folium(m)``."""
    m = build_naive_map(locations, sources)
    with captured_component() as calls:
        streamlit_folium.st_folium(m)
    return serialise(calls[0])


# --- measurement ---------------------------------------------------------------------


def timed(fn: Callable[[], Sent | None], repeat: int) -> tuple[float, Sent | None]:
    """Median wall time of ``repeat`` calls, and the last call's result."""
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


@dataclass
class SizeResult:
    label: str
    sites: int
    load_s: float  # load + validate (cached in the app)
    prepare_s: float  # payload build + publish (cached in the app)
    payload_bytes: int
    atlas_s: float
    atlas_bytes: int
    naive_s: float | None  # None: not run
    naive_bytes: int | None
    naive_extrapolated: bool = False
    same_key: bool | None = None  # atlas: does a filter change keep the component key?
    naive_same_key: bool | None = None


def measure_dataset(
    label: str,
    directory: Path,
    repeat: int,
    naive_limit: int,
    log: Callable[[str], None] = print,
) -> SizeResult:
    gc.collect()
    start = time.perf_counter()
    result = load_atlas(directory)
    load_s = time.perf_counter() - start
    if result.problems:
        first = result.problems[0]
        raise RuntimeError(f"{directory}: {len(result.problems)} problem(s), e.g. {first}")
    atlas = result.atlas
    n = len(atlas.locations)
    with tempfile.TemporaryDirectory(prefix="atlas-bench-payload-") as tmp:
        gc.collect()
        start = time.perf_counter()
        prep = prepare(atlas, Path(tmp))
        prepare_s = time.perf_counter() - start
    log(f"  {label}: {n:,} sites loaded in {load_s:.2f} s, payload in {prepare_s:.2f} s")

    atlas_s, sent = timed(lambda: atlas_rerun(atlas, prep), repeat)
    assert sent is not None
    # A filter change must keep the component key (no iframe remount).
    one = sorted(set(atlas.locations["country"]))[0]
    filtered = atlas_rerun(atlas, prep, View(countries=(one,)))
    log(f"  {label}: atlas rerun {atlas_s:.3f} s, {sent.nbytes / 1e6:.3f} MB")

    naive_s = naive_bytes = None
    naive_same = None
    if n <= naive_limit:
        # Naive reads the CSV itself, as a first version would.
        locations = pd.read_csv(directory / "locations.csv", dtype={"source_ids": str})
        sources = pd.read_csv(directory / "sources.csv")
        naive_s, nsent = timed(lambda: naive_rerun(locations, sources), 1)
        assert nsent is not None
        naive_bytes = nsent.nbytes
        if n <= 2_000:  # cheap enough to also check the key behaviour directly
            sub = locations[locations["country"] == one]
            naive_same = naive_rerun(sub, sources).key == nsent.key
        log(f"  {label}: naive rerun {naive_s:.2f} s, {naive_bytes / 1e6:.2f} MB")
    else:
        log(f"  {label}: naive not run (above {naive_limit:,} sites)")
    return SizeResult(
        label,
        n,
        load_s,
        prepare_s,
        prep.payload_bytes,
        atlas_s,
        sent.nbytes,
        naive_s,
        naive_bytes,
        same_key=filtered.key == sent.key,
        naive_same_key=naive_same,
    )


def extrapolate_naive(results: list[SizeResult]) -> None:
    """Fill 'not run' naive cells linearly from the largest size that ran (marked '~')."""
    ran = [r for r in results if r.naive_s is not None]
    if not ran:
        return
    ref = max(ran, key=lambda r: r.sites)
    for r in results:
        if r.naive_s is None:
            factor = r.sites / ref.sites
            r.naive_s = ref.naive_s * factor
            r.naive_bytes = int(ref.naive_bytes * factor)
            r.naive_extrapolated = True


def profile_atlas_rerun(directory: Path, top: int = 12) -> str:
    """cProfile of one atlas rerun (for the report when a target is missed)."""
    import cProfile
    import io
    import pstats

    atlas = load_atlas(directory).atlas
    with tempfile.TemporaryDirectory() as tmp:
        prep = prepare(atlas, Path(tmp))
    profiler = cProfile.Profile()
    profiler.enable()
    atlas_rerun(atlas, prep)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def mask_bytes(n: int) -> int:
    """Size of the base64 bitmask for n sites."""
    return len(map_view.encode_mask(np.ones(n, dtype=bool)))
