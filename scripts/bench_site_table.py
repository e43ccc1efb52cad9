"""Time the site table (components.analysis.site_table) at 100,000 and 1,000,000 sites.

A measurement, not a test: prints figures and exits 0. Run from the repo root::

    .venv/bin/python scripts/bench_site_table.py [N ...]

Sites: ``benchmarks.synthetic.make_locations`` (real sites first, then synthetic ones
with names, aliases, countries, zones and confidences); above 100,000 the 100,000 are
repeated with fresh ids and names. Statuses, disputes and event counts are random.
80 % of the sites are shown. Each per-rerun figure is the median of 5 calls (the
first call per sort column also makes that column's full order, once per dataset: it
is timed apart as "first call").
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import make_locations  # noqa: E402
from components.analysis.filters import search_text  # noqa: E402
from components.analysis.site_table import TableKeys, event_counts, site_rows  # noqa: E402
from components.data.tables import SITE_STATUSES  # noqa: E402

SIZES = (100_000, 1_000_000)
BASE = 100_000
REPEATS = 5
CASES = (
    ("by name, page 1", {"sort": "Site"}),
    ("by name, last page", {"sort": "Site", "page": 10**9}),
    ("by events, most first", {"sort": "Events", "descending": True}),
    ("by status", {"sort": "Status"}),
    ("by country, Z-A", {"sort": "Country", "descending": True}),
    ("search 'golden'", {"query": "golden"}),
    ("search 'möng', by confidence", {"query": "möng", "sort": "Confidence"}),
)


def sites(n: int, base: pd.DataFrame) -> pd.DataFrame:
    if n <= len(base):
        return base.iloc[:n].reset_index(drop=True)
    copies = []
    for k in range(-(-n // len(base))):
        part = base.copy()
        if k:
            part["site_id"] = part["site_id"] + f"_r{k}"
            part["name"] = part["name"] + f" ({k})"
        copies.append(part)
    return pd.concat(copies, ignore_index=True).iloc[:n]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main(argv: list[str]) -> int:
    sizes = tuple(int(a.replace("_", "")) for a in argv) or SIZES
    started = time.perf_counter()
    base = make_locations(min(max(sizes), BASE))
    print(f"synthetic sites: {len(base):,} made in {time.perf_counter() - started:.1f} s")
    rng = np.random.default_rng(0)
    for n in sizes:
        loc = sites(n, base)
        # As the app passes it: StatusAt.index, int8 positions in SITE_STATUSES.
        codes = rng.integers(0, len(SITE_STATUSES), n).astype(np.int8)
        disputed = rng.random(n) < 0.01
        mask = rng.random(n) < 0.8
        event_rows = rng.integers(-1, n, 3 * n)
        ev_mask = rng.random(3 * n) < 0.9
        print(f"\n{n:,} sites ({int(mask.sum()):,} shown, {len(event_rows):,} events)")

        t = time.perf_counter()
        haystack = search_text(loc)
        t_hay = time.perf_counter() - t
        t = time.perf_counter()
        keys = TableKeys.build(loc, haystack)
        t_keys = time.perf_counter() - t
        print(
            f"  once per dataset: search_text {ms(t_hay)} (the app's Prepared.haystack), "
            f"TableKeys.build {ms(t_keys)}"
        )

        times = []
        for _ in range(REPEATS):
            t = time.perf_counter()
            counts = event_counts(event_rows, ev_mask, n)
            times.append(time.perf_counter() - t)
        print(f"  per rerun: event_counts {ms(statistics.median(times))}")
        for label, kwargs in CASES:
            t = time.perf_counter()
            site_rows(loc, mask, codes, disputed, counts, keys=keys, **kwargs)
            first = time.perf_counter() - t
            times = []
            for _ in range(REPEATS):
                t = time.perf_counter()
                page = site_rows(loc, mask, codes, disputed, counts, keys=keys, **kwargs)
                times.append(time.perf_counter() - t)
            print(
                f"  per rerun: site_rows {label:<30} {ms(statistics.median(times))}"
                f"  (first call {ms(first).strip()}; {page.total:,} rows, page"
                f" {page.page + 1:,} of {page.pages:,}, {len(page.rows)} built)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
