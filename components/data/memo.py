"""Results computed from a dataset's long-lived tables, kept while those tables live.

The atlas's tables are cached once per dataset and read-only by contract, so a result
computed from one table object stays right for as long as that object lives. pandas
frames are unhashable: entries are keyed by the table's identity and dropped (by a
``weakref.finalize``) when the table is garbage, so a reloaded dataset, whose tables are
new objects, never reads another's entries.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import pandas as pd

T = TypeVar("T")


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
    store: dict[int, dict[Any, Any]], table: pd.DataFrame, key: Hashable, compute: Callable[[], T]
) -> T:
    """``compute()`` once per ``table`` (by identity) and ``key``, kept in ``store`` (see
    :func:`entries_for`); the result is shared, so it must not be modified."""
    entries = entries_for(store, table)
    if key not in entries:
        entries[key] = compute()
    return entries[key]
