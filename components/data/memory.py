"""Give memory that one-off builds freed back to the operating system.

The per-dataset builds (``components.analysis.dataset.prepare``, the site table's keys)
allocate and free several hundred MB at 1,000,000 sites. The allocators keep what was
freed for later: Arrow's memory pool, and glibc's malloc inside its heap, where Python
objects and small numpy arrays live. The server's RSS then stays at the build's high
point, and every later peak (a rerun, a second session) starts from there. Measured at
1,000,000 sites: 90 MB given back after ``prepare``, 270 MB after the table's keys.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
from functools import cache

import pyarrow as pa

log = logging.getLogger("atlas")


@cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None on a C library without it (musl, macOS)."""
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_freed_memory() -> bool:
    """Return freed memory to the operating system: Arrow's pool (``release_unused``)
    and glibc's heap (``malloc_trim(0)``). Never raises; a few ms to some tens of ms
    (it walks the heap), so call it after a large build, not per rerun.

    Returns True when glibc's heap was trimmed (False where there is no
    ``malloc_trim``: only Arrow's pool was released).
    """
    try:
        pa.default_memory_pool().release_unused()
    except Exception as exc:  # noqa: BLE001 - only ever an optimisation
        log.debug("Arrow's memory pool could not release memory: %s", exc)
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


def freeze_long_lived() -> int:
    """Take every object alive now out of the cyclic garbage collector's scans.

    Streamlit runs a full collection (``gc.collect(2)``) after every script run, on the
    script's thread, holding the GIL: the server sends nothing to any browser meanwhile.
    A full collection walks every tracked object, most of them the modules, the cached
    dataset and its indexes, which live as long as the server: about 137,000 objects and
    50 to 120 ms per rerun here, on the path of every filter change and selection.
    After a freeze, a collection walks only what was made since (``gc.freeze``).

    Call it after building something long-lived (a dataset, its indexes). Objects frozen
    earlier are thawed and collected first, so the cycles of a dataset dropped since then
    are freed, not kept for good; reference counting frees the rest as always. The freeze
    takes whatever is alive at that moment, the sessions' objects too: a cycle among them
    that becomes garbage later is freed at the next freeze (the next dataset), not before.
    Returns the number of frozen objects. Never raises.
    """
    try:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        return gc.get_freeze_count()
    except Exception as exc:  # noqa: BLE001 - only ever an optimisation
        log.debug("The garbage collector could not freeze: %s", exc)
        return 0
