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
long-lived server then holds the checked tables, not the reading's peak (unless the
child cannot run: then the load is done in the server, as for smaller datasets). The
machine still needs room for both at once: the server's own memory at that point plus
the child's peak (about 1.1 GB at 1,000,000 sites).
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from components.data import borders
from components.data.child import run_module
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
# A temporary entry file this old is a writer that was killed mid-write (a write takes
# seconds; the child's timeout bounds any check).
STALE_TMP_S = CHILD_TIMEOUT_S + 600
# Exit code of the child when it validated but could not write the entry.
NOT_WRITTEN = 3
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
        _prune(path.parent)
    except OSError as exc:
        log.warning("Could not write the data cache in %s (%s); going on without it", path, exc)
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _prune(folder: Path) -> None:
    """Keep the :data:`MAX_ENTRIES` newest entries; remove temporary files older than
    :data:`STALE_TMP_S` (a writer killed mid-write). Another writer's temporary file in
    progress is neither counted nor touched."""
    now = time.time()
    entries = []
    for item in folder.glob("*.pickle"):
        try:
            mtime = item.stat().st_mtime
        except OSError:
            continue
        if item.name.startswith(".tmp-"):
            if now - mtime > STALE_TMP_S:
                item.unlink(missing_ok=True)
        else:
            entries.append((mtime, item))
    for _mtime, old in sorted(entries)[:-MAX_ENTRIES]:
        old.unlink(missing_ok=True)


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
    this many bytes, with a cache folder that can be written, is validated by
    ``python -m components.data.cache`` in a child process, which writes the entry; when
    the child cannot start or fails, the load is done here, as below the size. None:
    always here. Raises OSError when the child is killed (out of memory) or runs past
    :data:`CHILD_TIMEOUT_S` (see :func:`_load_in_child`).
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
    if (
        loader is load_atlas
        and child_min_bytes is not None
        and _size(directory) >= child_min_bytes
        and _writable(cache_dir)
    ):
        cached = _load_in_child(directory, cache_dir)
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


def _writable(folder: Path) -> bool:
    """Whether entries can be written in ``folder`` (made if missing): without that, a
    child would validate for nothing and the load would be done twice."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK | os.X_OK)


def _load_in_child(directory: Path, cache_dir: Path) -> LoadResult | None:
    """Validate ``directory`` into its entry in ``cache_dir`` in a child process and
    return the entry read back (looked up again after the child: the files may have
    changed meanwhile). None (logged) when the child could not run or wrote no entry:
    the caller then validates in its own process.

    Raises OSError when the child was killed (the kernel's out-of-memory killer, most
    likely) or ran past :data:`CHILD_TIMEOUT_S`: the same check in the server would
    meet the same end, so the page serves the last good version and says why.
    """
    locations = directory.resolve() / "locations.csv"
    try:
        done = run_module(
            "components.data.cache",
            str(directory.resolve()),
            str(cache_dir.resolve()),
            timeout=CHILD_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        raise OSError(
            errno.ETIMEDOUT,
            f"the check ran past {CHILD_TIMEOUT_S} s and was stopped",
            str(locations),
        ) from None
    except Exception as exc:  # noqa: BLE001 - any failure to start: validate here
        log.warning(
            "Could not start a child process to validate %s (%s); validating here", directory, exc
        )
        return None
    if done.returncode < 0:
        raise OSError(
            errno.ENOMEM,
            f"the check was stopped by signal {-done.returncode} (out of memory?)",
            str(locations),
        )
    if done.returncode != 0:
        log.warning(
            "Validating %s in a child process failed (exit %s); validating here:\n%s",
            directory,
            done.returncode,
            done.stderr[-2000:],
        )
        return None
    try:
        path = entry_path(directory, cache_dir)
    except OSError:
        return None
    return _read(path)


def main(argv: list[str] | None = None) -> int:
    """``python -m components.data.cache DATA_DIR CACHE_DIR``: validate ``DATA_DIR`` into
    its entry in ``CACHE_DIR`` (what :func:`load_atlas_cached` runs in a child process).
    Returns 0 when the entry is there, :data:`NOT_WRITTEN` (3) when it could not be
    written (a warning says why), 2 on a wrong call."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m components.data.cache DATA_DIR CACHE_DIR", file=sys.stderr)
        return 2
    directory, cache_dir = Path(args[0]), Path(args[1])
    load_atlas_cached(directory, cache_dir, child_min_bytes=None)
    try:
        written = entry_path(directory, cache_dir).is_file()
    except OSError:
        written = False
    return 0 if written else NOT_WRITTEN


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    sys.exit(main())
