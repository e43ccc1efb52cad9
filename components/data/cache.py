"""A validated dataset kept on disk, keyed by the content of its files (pure; no Streamlit).

Validating a million sites takes seconds; a restart on the same files should take none.
:func:`load_atlas_cached` looks for a pickle of the :class:`LoadResult` (the good rows
and every problem) named by the data version (SHA-256 of the data files, as the evidence
pack cites it) and by :data:`CODE_KEY` (the validator's own source, so an edited rule
never serves an old verdict). A hit returns it without reading or checking any CSV.

The cache only ever saves time: a missing, corrupt or unreadable entry is a miss (with a
logged warning when an entry was there but could not be used), a cache folder that cannot
be written is skipped with a warning, and the entry is written to a temporary file and
renamed into place, so a crash never leaves half an entry. Entries are pickles the app
wrote itself into its own folder; never point ``cache_dir`` at a folder others can write.

A miss on a large dataset (:data:`CHILD_MIN_BYTES`) is validated by a child process
(``python -m components.data.cache DATA_DIR CACHE_DIR``) that writes the entry: the
long-lived server then only ever holds the checked tables, not the reading's peak.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from components.data import borders
from components.data.tables import ROOT, LoadResult, load_atlas
from components.data.version import data_version

DEFAULT_CACHE_DIR = ROOT / ".cache" / "atlas"
MAX_ENTRIES = 4  # datasets kept; the oldest entries beyond this are removed
FORMAT = 1  # bump when LoadResult's shape changes
# A miss on a locations.csv this large (about 230,000 sites) is validated in a child
# process that writes the entry, which the caller then reads: reading and checking a
# million rows peaks 300 MB above what the checked tables hold, and that memory is the
# child's, given back whole when it exits, never the long-lived server's (1,000,000
# sites: server peak 1,239 MB validating in process). Below it, the child's start (about
# a second of imports) would cost more than it saves.
CHILD_MIN_BYTES = 64 * 2**20
CHILD_TIMEOUT_S = 1800
# The modules whose code decides what a load returns.
_VALIDATOR_FILES = ("tables.py", "reading.py", "columns.py", "names.py", "borders.py", "labels.py")

log = logging.getLogger("atlas")


def _code_key() -> str:
    digest = hashlib.sha256(f"format {FORMAT}\n".encode())
    here = Path(__file__).parent
    for name in _VALIDATOR_FILES:
        digest.update((here / name).read_bytes())
    # Without the outlines the border check is skipped (a problem says so): not the same.
    digest.update(b"outlines" if borders.outlines_path().is_file() else b"no outlines")
    return digest.hexdigest()[:16]


def cache_dir_from_env() -> Path:
    """``ATLAS_CACHE_DIR`` if set, else ``.cache/atlas`` in the project folder."""
    return Path(os.environ.get("ATLAS_CACHE_DIR") or DEFAULT_CACHE_DIR)


def entry_path(directory: Path | str, cache_dir: Path | str) -> Path:
    """Where the validated dataset of ``directory`` is (or would be) kept.

    Raises ``FileNotFoundError`` when ``directory`` has no ``locations.csv``.
    """
    return entry_for(data_version(directory).sha256, cache_dir)


def entry_for(sha256: str, cache_dir: Path | str) -> Path:
    """Where the validated dataset of the data version ``sha256`` is (or would be) kept."""
    return Path(cache_dir) / f"{sha256}-{_code_key()}.pickle"


def _read(path: Path) -> LoadResult | None:
    try:
        with path.open("rb") as handle:
            result = pickle.load(handle)  # noqa: S301 - our own entries, in our own folder
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - any unreadable entry is a miss
        log.warning("Ignored the unreadable data cache %s (%s: %s)", path, type(exc).__name__, exc)
        return None
    if not isinstance(result, LoadResult):
        log.warning("Ignored the data cache %s: it does not hold a validated dataset", path)
        return None
    return result


def _write(path: Path, result: LoadResult) -> None:
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".pickle", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        tmp = None
        entries = sorted(path.parent.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns)
        for old in entries[:-MAX_ENTRIES]:
            old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("Could not write the data cache in %s (%s); going on without it", path, exc)
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def load_atlas_cached(
    directory: Path | str,
    cache_dir: Path | str | None = None,
    loader: Callable[[Path], LoadResult] = load_atlas,
    child_min_bytes: int | None = CHILD_MIN_BYTES,
) -> LoadResult:
    """:func:`load_atlas` of ``directory``, from the cache when its files are unchanged.

    ``cache_dir``: where entries are kept (default :func:`cache_dir_from_env`).
    ``loader``: what validates on a miss (a seam for tests). A folder without
    ``locations.csv`` is never cached (the loader reports it).
    ``child_min_bytes``: a miss with :func:`load_atlas` on a ``locations.csv`` of at least
    this many bytes is validated by ``python -m components.data.cache`` in a child
    process, which writes the entry; when that fails (no writable cache folder, a child
    that cannot start or dies, files edited meanwhile) the load is done here, as below
    the size. None: always here.
    """
    directory = Path(directory)
    cache_dir = cache_dir_from_env() if cache_dir is None else Path(cache_dir)
    try:
        path = entry_path(directory, cache_dir)
    except OSError:  # no locations.csv, or a file vanished while hashing
        return loader(directory)
    cached = _read(path)
    if cached is not None:
        return cached
    if loader is load_atlas and child_min_bytes is not None and _size(directory) >= child_min_bytes:
        cached = _load_in_child(directory, cache_dir, path)
        if cached is not None:
            return cached
    result = loader(directory)
    try:
        unchanged = entry_path(directory, cache_dir) == path
    except OSError:
        unchanged = False
    if unchanged:  # files edited while they were checked are not stored under the old key
        _write(path, result)
    return result


def _size(directory: Path) -> int:
    try:
        return (directory / "locations.csv").stat().st_size
    except OSError:
        return 0


def _load_in_child(directory: Path, cache_dir: Path, path: Path) -> LoadResult | None:
    """Validate ``directory`` into the entry ``path`` in a child process; the entry read
    back, or None (logged) when there is none afterwards."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "components.data.cache", str(directory), str(cache_dir)],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("Validating %s in a child process failed (%s); validating here", directory, exc)
        return None
    if done.returncode != 0:
        log.warning(
            "Validating %s in a child process failed (exit %s); validating here:\n%s",
            directory,
            done.returncode,
            done.stderr[-2000:],
        )
        return None
    return _read(path)


def main(argv: list[str] | None = None) -> int:
    """``python -m components.data.cache DATA_DIR CACHE_DIR``: validate ``DATA_DIR`` into
    its entry in ``CACHE_DIR`` (what :func:`load_atlas_cached` runs in a child process).
    Returns 0 (the entry may still be missing: a cache folder that cannot be written is
    a warning), or 2 on a wrong call."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m components.data.cache DATA_DIR CACHE_DIR", file=sys.stderr)
        return 2
    load_atlas_cached(Path(args[0]), Path(args[1]), child_min_bytes=None)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    sys.exit(main())
