"""First load of a dataset on the server: validate (``load_atlas``) then ``prepare``.

    python -m benchmarks.first_load DIR [--no-prepare]

Prints the wall time of each step and the process's peak RSS. A measurement, not a
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


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.first_load")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--no-prepare", action="store_true", help="time load_atlas only")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result = load_atlas(args.directory)
    loaded = time.perf_counter()
    problems = len(result.problems)
    print(f"load_atlas: {loaded - start:.2f} s ({result.summary()}; {problems} problems)")
    if not args.no_prepare:
        with tempfile.TemporaryDirectory() as publish:
            prepare(result.atlas, publish_dir=Path(publish))
            print(f"prepare:    {time.perf_counter() - loaded:.2f} s")
    print(f"total:      {time.perf_counter() - start:.2f} s; peak RSS {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
