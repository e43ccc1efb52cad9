"""First load of a dataset on the server: validate (cache miss), then ``prepare``.

    python -m benchmarks.first_load DIR [--no-prepare]

Validates ``DIR`` through the server's own path, :func:`components.data.cache.
load_atlas_cached`, with a fresh, empty cache folder, so the load is always a cache miss
(it validates every CSV and writes the cache entry; a large ``locations.csv`` is
validated by a child process, as in the server); then runs ``prepare`` (site payload,
search text, status table, options) into a temporary folder, and waits for the place
labels that ``prepare`` builds in a child process. Last, it loads ``DIR`` again from the
cache entry just written: what a restart on unchanged data costs.

Prints the wall time of each step (and this process's CPU time in it: on a busy box a
steadier figure; Arrow's reader threads count too), this process's peak RSS (what the
server's own process would hold; the maximum over the whole run, so it includes the
cache-hit load) and the largest child's. A measurement, not a test: it never fails on a
time. Make a folder with ``python -m benchmarks.synthetic``.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import threading
import time
from pathlib import Path

from components.analysis.dataset import prepare
from components.data.cache import entry_path, load_atlas_cached
from components.map.view import GENERATED_URL

PLACES_TIMEOUT_S = 600.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _no_validation(directory: Path):
    raise AssertionError(f"the second load of {directory} should have been a cache hit")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.first_load")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--no-prepare", action="store_true", help="time the loads only")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as publish:
        start, cpu = time.perf_counter(), time.process_time()
        stored = entry_path(args.directory, cache)
        assert not stored.exists(), "the fresh cache folder should be a miss"
        children_before = _children_cpu()
        result = load_atlas_cached(args.directory, cache)
        loaded, load_cpu = time.perf_counter(), time.process_time() - cpu
        child_cpu = _children_cpu() - children_before
        # Where the check ran, as it happened (a child that failed falls back to here).
        where = f"a child, CPU {child_cpu:.2f} s" if child_cpu > 0.05 else "this process"
        size = stored.stat().st_size / 1e6 if stored.exists() else 0.0
        written = stored.stat().st_mtime_ns if stored.exists() else None
        print(
            f"load (cache miss: validate in {where} + write entry): {loaded - start:.2f} s "
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
                f"place labels ready (child process):       {time.perf_counter() - done:.2f} s "
                "after prepare"
            )
            for thread in threading.enumerate():  # the child reaped: its usage counted
                if thread.name.startswith("places-"):
                    thread.join(PLACES_TIMEOUT_S)
        else:
            print(f"first load (miss):                        {total:.2f} s")
        del result
        began = time.perf_counter()
        again = load_atlas_cached(args.directory, cache, loader=_no_validation)
        print(
            f"load (cache hit):                         {time.perf_counter() - began:.2f} s "
            f"({len(again.atlas.locations)} sites)"
        )
        assert stored.stat().st_mtime_ns == written, "the entry should be read, not rewritten"
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"peak RSS: {peak_rss_mb():.0f} MB; largest child's peak RSS {children:.0f} MB; "
        f"CPU time of the whole run {usage.ru_utime + usage.ru_stime:.2f} s (imports included), "
        f"of its children {_children_cpu():.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
