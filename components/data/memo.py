"""Results computed from a dataset's long-lived tables, kept while those tables live.

The atlas's tables are cached once per dataset and read-only by contract, so a result
computed from one table object stays right for as long as that object lives. pandas
frames are unhashable: entries are keyed by the table's identity and dropped (by a
``weakref.finalize``) when the table is garbage, so a reloaded dataset, whose tables are
new objects, never reads another's entries.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import pandas as pd

T = TypeVar("T")
_MISSING = object()
_LOCK = threading.Lock()


def entries_for(store: dict[int, dict[Any, Any]], table: pd.DataFrame) -> dict[Any, Any]:
    """``store``'s dict of results for ``table`` (by identity): created empty on first use,
    removed from ``store`` when ``table`` is garbage collected. The caller fills and reads
    it; results in it are shared, so they must not be modified."""
    entries = store.get(id(table))
    if entries is None:
        # The finaliser first: a table that cannot be weakly referenced raises here and
        # leaves no entry that a later object with its id could read.
        weakref.finalize(table, store.pop, id(table), None)
        entries = store[id(table)] = {}
    return entries


def computed(
    store: dict[int, dict[Any, Any]],
    table: pd.DataFrame,
    key: Hashable,
    compute: Callable[[], T],
    max_kept: int | None = None,
) -> T:
    """``compute()`` once per ``table`` (by identity) and ``key``, kept in ``store`` (see
    :func:`entries_for`); the result is shared, so it must not be modified. With
    ``max_kept``, at most that many keys are kept per table (see :func:`remember`)."""
    entries = entries_for(store, table)
    found = entries.get(key, _MISSING)
    if found is _MISSING:
        found = compute()
        remember(entries, key, found, max_kept)
    return found


def remember(entries: dict[Any, Any], key: Hashable, value: Any, max_kept: int | None) -> None:
    """``entries[key] = value``, first dropping the oldest entries (in insertion order) so
    that at most ``max_kept`` remain (None: no limit). Sessions run on their own threads:
    one at a time changes a dict here."""
    with _LOCK:
        entries.pop(key, None)
        while max_kept is not None and entries and len(entries) >= max_kept:
            del entries[next(iter(entries))]
        entries[key] = value
