"""First load of a dataset on the server: validate (cache miss), then ``prepare``.

    python -m benchmarks.first_load DIR [--no-prepare]

Validates ``DIR`` through the app's own path, :func:`components.data.cache.
load_atlas_cached`, with a fresh, empty cache folder, so the load is always a cache miss
(it validates every CSV and writes the cache entry); then runs ``prepare`` (site
payload, search text, status table, options) into a temporary folder, and waits for the
place labels that ``prepare`` builds in a background thread. Last, it loads ``DIR`` again
from the cache entry just written: what a restart on unchanged data costs.

Prints the wall time of each step (and the process's CPU time in it: on a busy box a
steadier figure; Arrow's reader threads count too) and the process's peak RSS (the
maximum over the whole run, so it includes the cache-hit load). A measurement, not a
test: it never fails on a time. Make a folder with ``python -m benchmarks.synthetic``.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from components.analysis.dataset import prepare
from components.data import load_atlas
from components.data.cache import entry_path, load_atlas_cached
from components.map.view import GENERATED_URL

PLACES_TIMEOUT_S = 600.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.first_load")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--no-prepare", action="store_true", help="time the loads only")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as publish:
        start, cpu = time.perf_counter(), time.process_time()
        calls = []

        def validate(directory: Path):
            calls.append(1)
            return load_atlas(directory)

        result = load_atlas_cached(args.directory, cache, loader=validate)
        loaded, load_cpu = time.perf_counter(), time.process_time() - cpu
        assert calls == [1], "the fresh cache folder should have been a miss"
        stored = entry_path(args.directory, cache)
        size = stored.stat().st_size / 1e6 if stored.exists() else 0.0
        print(
            f"load (cache miss: validate + write entry): {loaded - start:.2f} s "
            f"(CPU {load_cpu:.2f} s; {result.summary()}; {len(result.problems)} problems; "
            f"entry {size:.0f} MB)"
        )
        total = loaded - start
        if not args.no_prepare:
            began, cpu = time.perf_counter(), time.process_time()
            prepared = prepare(result.atlas, publish_dir=Path(publish))
            done, prepare_cpu = time.perf_counter(), time.process_time() - cpu
            total += done - began
            print(
                f"prepare:                                  {done - began:.2f} s "
                f"(CPU {prepare_cpu:.2f} s)"
            )
            print(f"first load (miss + prepare):              {total:.2f} s")
            labels = Path(publish) / prepared.places_url.removeprefix(GENERATED_URL + "/")
            while not labels.exists() and time.perf_counter() - done < PLACES_TIMEOUT_S:
                time.sleep(0.05)
            print(
                f"place labels ready (background thread):   {time.perf_counter() - done:.2f} s "
                "after prepare"
            )
        else:
            print(f"first load (miss):                        {total:.2f} s")
        del result
        began = time.perf_counter()
        again = load_atlas_cached(args.directory, cache, loader=validate)
        print(
            f"load (cache hit):                         {time.perf_counter() - began:.2f} s "
            f"({len(again.atlas.locations)} sites)"
        )
        assert calls == [1], "the second load should have been a cache hit"
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"peak RSS: {peak_rss_mb():.0f} MB; CPU time of the whole run "
        f"{usage.ru_utime + usage.ru_stime:.2f} s (imports included)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
