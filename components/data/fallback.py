"""The last good dataset: a bad edit or a failed read never costs the page its data.

Pure (no Streamlit). When the data files change and the new version does not pass every
check (a file truncated mid-row, a typo in a URL, a cell cut inside a quote) or cannot be
read at all (permissions, a file replaced by a folder), :func:`serve` keeps serving the
last version that passed, and says what was refused and why, so the page can name the
new problems in a banner (file, row, column, value) while the map still shows every site
it showed before.

The last good version is kept in memory by the app and on disk in the cache folder
(``last-good-<folder key>.pkl``, written to a temporary file and renamed), so a
restart while the files are broken still serves it. It is per data folder (the key is a
hash of the folder's resolved path) and holds the version (SHA-256 of the files, as the
evidence pack cites it) with the validated tables.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from components.data.tables import LoadResult
from components.data.version import DataVersion, data_version

log = logging.getLogger("atlas")
FORMAT = 1  # bump when Good's shape changes


@dataclass(frozen=True)
class Good:
    """A dataset that passed every check: its data version (SHA-256 of each file and of
    them all) and its validated tables."""

    version: DataVersion
    result: LoadResult


@dataclass(frozen=True)
class Served:
    """What the page shows, and what it refused.

    ``result``: the tables to draw (the current files' when they passed, or when there is
    no last good version to fall back on; else the last good version's).
    ``version``: the data version of the files ``result`` came from (None when unknown).
    ``rejected``: the current files' load when it was refused for the last good version.
    ``read_error``: one line on why the current files could not be read at all, if so.
    """

    result: LoadResult | None
    version: DataVersion | None
    rejected: LoadResult | None = None
    read_error: str | None = None

    @property
    def fallback(self) -> bool:
        """True when the page shows an older version than the files on disk."""
        shown_anyway = self.read_error is not None and self.result is not None
        return self.rejected is not None or shown_anyway


def folder_key(directory: Path | str) -> str:
    """16 hex digits naming a data folder (its resolved path), for the cache file name."""
    return hashlib.sha256(str(Path(directory).resolve()).encode()).hexdigest()[:16]


def good_path(directory: Path | str, cache_dir: Path | str) -> Path:
    # Not *.pickle: the data cache prunes its own entries by that pattern.
    return Path(cache_dir) / f"last-good-{folder_key(directory)}.pkl"


def passed(result: LoadResult) -> bool:
    """A load that may become the last good version: usable and without any problem."""
    return not result.fatal and not result.problems and not result.atlas.locations.empty


def _header(handle) -> DataVersion | None:
    head = pickle.load(handle)  # noqa: S301 - our own file, in our own folder
    if not (isinstance(head, tuple) and len(head) == 2 and head[0] == FORMAT):
        return None
    return head[1] if isinstance(head[1], DataVersion) else None


def recall(directory: Path | str, cache_dir: Path | str, version_only: bool = False) -> Good | None:
    """The last good version of ``directory`` kept on disk, or None (never raises: a
    missing, unreadable or foreign file is None, with a logged warning when present).
    ``version_only``: read the version and not the tables (``Good.result`` is None)."""
    path = good_path(directory, cache_dir)
    try:
        with path.open("rb") as handle:
            version = _header(handle)
            if version is None:
                log.warning("Ignored the last good dataset %s: not written by this version", path)
                return None
            if version_only:
                return Good(version, None)  # type: ignore[arg-type]
            result = pickle.load(handle)  # noqa: S301 - our own file, in our own folder
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - any unusable file is no fallback
        log.warning("Ignored the last good dataset %s (%s: %s)", path, type(exc).__name__, exc)
        return None
    return Good(version, result) if isinstance(result, LoadResult) else None


def remember(
    directory: Path | str, cache_dir: Path | str, good: Good, entry: Path | None = None
) -> None:
    """Keep ``good`` as the last good version of ``directory`` (atomic; a folder that
    cannot be written is logged and skipped: the copy in memory still serves).

    ``entry``: a data cache entry holding ``good.result`` (``components.data.cache``,
    the same pickle), copied as it is when it can be read. Pickling tables that were
    themselves read from a pickle copies every Arrow column once more (about 375 MB
    of RSS kept at 1,000,000 sites); copying the file costs no memory.
    """
    path = good_path(directory, cache_dir)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".pkl.part", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            # The version first, apart, so a check of it need not read the tables.
            pickle.dump((FORMAT, good.version), handle, protocol=pickle.HIGHEST_PROTOCOL)
            if not _copy_entry(entry, handle):
                pickle.dump(good.result, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        log.warning("Could not keep the last good dataset in %s (%s)", path, exc)
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _copy_entry(entry: Path | None, handle) -> bool:
    """Append the file ``entry`` to ``handle``; False (nothing written) when there is
    no entry or it cannot be opened."""
    if entry is None:
        return False
    try:
        source = entry.open("rb")
    except OSError:
        return False
    with source:
        shutil.copyfileobj(source, handle, 1 << 20)
    return True


def _version(directory: Path) -> DataVersion | None:
    """The folder's data version; None without ``locations.csv`` (the loader says so)."""
    if not (directory / "locations.csv").exists():
        return None
    return data_version(directory)


def serve(
    directory: Path | str,
    cache_dir: Path | str,
    load: Callable[[Path], LoadResult],
    last: Good | None = None,
    entry: Callable[[DataVersion], Path] | None = None,
) -> tuple[Served, Good | None]:
    """Load ``directory`` with ``load`` and decide what the page shows.

    ``last``: the last good version the caller holds in memory (else the one on disk).
    ``entry``: where ``load`` keeps the validated result of a data version on disk (a
    data cache entry, see :func:`remember`), when it does; asked for the version that
    was checked, so it never names another version's tables.
    Returns the :class:`Served` view and the last good version after this load (the new
    one when the files passed, to hand back as ``last`` next time). Never raises for a
    file that cannot be read (an ``OSError`` while hashing or loading): that is
    ``Served.read_error``.
    """
    directory = Path(directory)
    try:
        before = _version(directory)
        result = load(directory)
        after = _version(directory)
    except OSError as exc:
        name = Path(exc.filename).name if getattr(exc, "filename", None) else directory.name
        reason = exc.strerror or type(exc).__name__
        error = f"{name} could not be read ({reason})."
        last = last or recall(directory, cache_dir)
        if last is None:
            return Served(None, None, read_error=error), None
        return Served(last.result, last.version, read_error=error), last
    if passed(result) and before is not None and after is not None:
        if before.sha256 == after.sha256 and (last is None or last.version.sha256 != after.sha256):
            last = Good(after, result)
            kept = recall(directory, cache_dir, version_only=True)
            if kept is None or kept.version.sha256 != after.sha256:
                remember(directory, cache_dir, last, entry(after) if entry else None)
        return Served(result, after), last
    last = last or recall(directory, cache_dir)
    if last is None or (after is not None and last.version.sha256 == after.sha256):
        return Served(result, after), last
    return Served(last.result, last.version, rejected=result), last
