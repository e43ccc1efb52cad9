"""Synthetic data folders cached across benchmark runs (``/tmp/bench-data`` by default).

``cached_dataset(n)`` returns ``<cache>/synthetic-<n>``, made with
``python -m benchmarks.synthetic DIR N`` (a subprocess, so the benchmark process does
not hold a million-row table) unless a complete copy is there. A folder counts as
complete when its ``.stamp`` file names the same inputs: a hash of
``benchmarks/synthetic.py`` and the real data's CSV files, so a changed generator or
changed real data makes a fresh folder. ``n`` of 0 means the real data folder itself.

    python -m benchmarks.datasets 100000 1000000   # make (or check) the cached folders
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from components.data import DEFAULT_DATA_DIR

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("BENCH_DATA_DIR", "/tmp/bench-data"))
STAMP = ".stamp"


def inputs_hash(data_dir: Path = DEFAULT_DATA_DIR) -> str:
    digest = hashlib.sha256()
    for path in [Path(__file__).with_name("synthetic.py"), *sorted(data_dir.glob("*.csv"))]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cached_dataset(n: int, cache: Path = CACHE, log=print) -> Path:
    """The folder of ``n`` synthetic sites (seed 0), made if missing or stale."""
    if n <= 0:
        return DEFAULT_DATA_DIR
    folder = cache / f"synthetic-{n}"
    stamp = folder / STAMP
    want = inputs_hash()
    if stamp.is_file() and stamp.read_text().strip() == want:
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "benchmarks.synthetic", str(folder), str(n)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    stamp.write_text(want + "\n")
    log(f"  synthetic {n:,} sites written to {folder} in {time.perf_counter() - start:.1f} s")
    return folder


def main(argv: list[str] | None = None) -> int:
    for arg in sys.argv[1:] if argv is None else argv:
        print(cached_dataset(int(arg)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
