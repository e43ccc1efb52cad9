"""Whole-column text operations for the validator (pyarrow kernels; no per-row Python).

Each gives exactly what the per-value Python it replaces gives: :func:`strip` trims the
characters ``str.strip()`` trims (pyarrow's own whitespace set is a little different),
and :func:`split_lists` splits at ';' as ``str.split(';')`` does.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Every character str.strip() removes (all lie below U+3001).
WHITESPACE = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace())


def _arrow(cells: pd.Series | list[str]) -> pa.Array | None:
    """The cells as an Arrow string array, or None when any cell is not a str."""
    try:
        arr = pa.array(cells, type=pa.large_string(), from_pandas=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    return arr if arr.null_count == 0 else None


def strip(cells: pd.Series) -> pd.Series:
    """``cells.str.strip()`` for a column of str (object dtype kept), in one kernel call.

    Cells with nothing to strip keep their own str objects (not copies), so a column
    of many equal cells stays as small as it was read.
    """
    arr = _arrow(cells)
    if arr is None:  # None, NaN or non-text cells: pandas' own rules for those
        return cells.str.strip()
    return _strip(cells, arr)


def strip_text(cells: pd.Series) -> pd.Series | None:
    """:func:`strip` of a column of str; None (nothing done) if any cell is not a str."""
    arr = _arrow(cells)
    return None if arr is None else _strip(cells, arr)


def _strip(cells: pd.Series, arr: pa.Array) -> pd.Series:
    trimmed = pc.utf8_trim(arr, characters=WHITESPACE)
    changed = np.flatnonzero(
        pc.not_equal(pc.binary_length(trimmed), pc.binary_length(arr)).to_numpy(
            zero_copy_only=False
        )
    )
    out = cells.to_numpy(dtype=object, copy=True)
    if len(changed):
        out[changed] = trimmed.take(pa.array(changed)).to_numpy(zero_copy_only=False)
    return pd.Series(out, index=cells.index, dtype=cells.dtype, name=cells.name)


def split_lists(cells: pd.Series, keep_blank: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Each cell split at ';' and each part stripped, as (positions, parts).

    ``positions``: int64 positions into ``cells`` (0..n-1), in order; ``parts``: object
    array of str. Blank parts are left out unless ``keep_blank`` ('S1;;S2' has a blank
    one, as does a blank cell). Cells must be str.
    """
    positions, parts = split_lists_arrow(cells, keep_blank)
    return positions, parts.to_numpy(zero_copy_only=False)


def split_lists_arrow(cells: pd.Series, keep_blank: bool = False) -> tuple[np.ndarray, pa.Array]:
    """:func:`split_lists` with the parts left as an Arrow string array (millions of
    parts need not become Python strings to be looked up: see ``pc.index_in``)."""
    arr = _arrow(cells)
    if arr is None:
        arr = pa.array([str(v) for v in cells], type=pa.large_string())
    lists = pc.split_pattern(arr, ";")
    positions = pc.list_parent_indices(lists).to_numpy().astype(np.int64)
    parts = pc.utf8_trim(pc.list_flatten(lists), characters=WHITESPACE)
    if not keep_blank:
        filled = pc.not_equal(parts, "")
        positions = positions[filled.to_numpy(zero_copy_only=False)]
        parts = pc.filter(parts, filled)
    return positions, parts


def full_match(cells: pd.Series | np.ndarray, pattern: str) -> np.ndarray:
    """Boolean array: each cell matches the RE2 ``pattern`` (anchor it yourself).

    Only for ASCII patterns on stripped cells, where Python's ``re`` and RE2 agree.
    """
    arr = _arrow(pd.Series(cells, dtype=object) if isinstance(cells, np.ndarray) else cells)
    if arr is None:
        regex = re.compile(pattern)
        return np.array([bool(regex.search(str(v))) for v in cells], dtype=bool)
    return pc.match_substring_regex(arr, pattern).to_numpy(zero_copy_only=False)


def search(cells: pd.Series, regex: re.Pattern[str]) -> np.ndarray:
    """Boolean array: ``regex.search(cell)`` finds something, for each str cell.

    ASCII cells go to RE2 in one kernel call (for ASCII text its ``\\b``, ``\\d``, ``\\s``
    and case folding agree with Python's); every other distinct cell is searched with
    Python's ``re`` itself. ``regex`` may carry re.IGNORECASE (no other flag).
    """
    values = cells.to_numpy(dtype=object) if isinstance(cells, pd.Series) else cells
    arr = _arrow(pd.Series(values, dtype=object))
    if arr is None or regex.flags & ~(re.IGNORECASE | re.UNICODE):
        return np.array([bool(regex.search(str(v))) for v in values], dtype=bool)
    ascii_ = pc.string_is_ascii(arr).to_numpy(zero_copy_only=False)
    found = pc.match_substring_regex(
        arr, regex.pattern, ignore_case=bool(regex.flags & re.IGNORECASE)
    ).to_numpy(zero_copy_only=False)
    found = found & ascii_
    others = np.flatnonzero(~ascii_)
    if len(others):
        codes, uniques = pd.factorize(pd.Series(values[others], dtype=object))
        hits = np.array([bool(regex.search(u)) for u in uniques], dtype=bool)
        found[others] = hits[codes]
    return found


def is_ascii(cells: pd.Series) -> np.ndarray:
    """Boolean array: the str cell holds ASCII characters only."""
    arr = _arrow(cells)
    if arr is None:
        return np.array([str(v).isascii() for v in cells], dtype=bool)
    return pc.string_is_ascii(arr).to_numpy(zero_copy_only=False)


def unknown_ids(
    cells: pd.Series, known: set[str] | frozenset[str], many: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The ids in ``cells`` that are not in ``known``, as (positions, ids).

    ``many``: each cell is a ';'-separated list (parts stripped, blank parts left out,
    as :func:`split_lists`); else a cell is one id and blank cells name none.
    ``positions``: int64 positions into ``cells``, in order (a cell with two unknown ids
    comes twice); ``ids``: object array of str. Membership is tested in Arrow, so only the
    unknown ids become Python strings. Cells must be str.
    """
    arr = _arrow(cells)
    if arr is None:
        arr = pa.array([str(v) for v in cells], type=pa.large_string())
    if many:
        lists = pc.split_pattern(arr, ";")
        positions = pc.list_parent_indices(lists)
        parts = pc.utf8_trim(pc.list_flatten(lists), characters=WHITESPACE)
    else:
        positions, parts = pa.array(np.arange(len(arr), dtype=np.int64)), arr
    stated = pc.not_equal(parts, "")
    if len(parts) * 4 < len(known):  # a few ids against many: look each one up
        ids = parts.to_numpy(zero_copy_only=False)
        missing = np.array([p not in known for p in ids], dtype=bool)
        unknown = pc.and_(stated, pa.array(missing))
    else:
        value_set = pa.array(list(known), type=pa.large_string())
        unknown = pc.and_(stated, pc.invert(pc.is_in(parts, value_set=value_set)))
    return (
        pc.filter(positions, unknown).to_numpy().astype(np.int64),
        pc.filter(parts, unknown).to_numpy(zero_copy_only=False),
    )


def join(columns: list[pd.Series], separator: str) -> list[str] | None:
    """Each row's cells of ``columns`` joined with ``separator`` (one Arrow kernel call),
    as a list of str; None (nothing done) if any cell is not a str."""
    arrays = [_arrow(c) for c in columns]
    if any(a is None for a in arrays):
        return None
    sep = pa.scalar(separator, type=pa.large_string())
    return pc.binary_join_element_wise(*arrays, sep).to_numpy(zero_copy_only=False).tolist()


def first_rows(keys: pd.Series | np.ndarray, wanted: pd.Series | np.ndarray) -> np.ndarray:
    """For each value of ``wanted`` (shape (m,)), the position of the first equal value
    in ``keys`` (shape (n,)), -1 where there is none (missing values match nothing).

    Returns int64 of shape (m,). Only ``wanted``'s distinct values are hashed and
    ``keys`` is probed against them, so a few events looked up among a million sites
    cost one pass over the sites, not a million-entry index (pandas would also first
    convert a million str into its Arrow-backed str type).
    """
    wanted = np.asarray(wanted, dtype=object)
    codes, uniques = pd.factorize(wanted, use_na_sentinel=True)
    where = pd.Index(uniques, dtype=object).get_indexer(np.asarray(keys, dtype=object))
    hit = np.flatnonzero(where >= 0)
    first = np.full(len(uniques), -1, dtype=np.int64)
    first[where[hit][::-1]] = hit[::-1]  # assigned last to first: the first one stays
    if not len(first):  # nothing (or only missing values) wanted
        return np.full(len(wanted), -1, dtype=np.int64)
    return np.where(codes >= 0, first[np.maximum(codes, 0)], -1).astype(np.int64)
