"""Whole-column text operations for the validator (pyarrow kernels; no per-row Python).

Each gives exactly what the per-value Python it replaces gives: :func:`strip` trims the
characters ``str.strip()`` trims (pyarrow's own whitespace set is a little different),
and :func:`split_lists_arrow` splits at ';' as ``str.split(';')`` does.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Every character str.strip() removes (all lie below U+3001).
WHITESPACE = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace())


TEXT = pd.ArrowDtype(pa.large_string())  # the validator's own text columns (see text_column)
# The validated tables' text columns (see as_str): pandas 3's default str dtype, which keeps
# its cells in Arrow buffers (a million sites' text in a few hundred MB, not a million
# Python objects per column).
STR = pd.StringDtype("pyarrow", na_value=np.nan)


def _arrow(cells: pd.Series | list[str] | pa.Array) -> pa.Array | None:
    """The cells as an Arrow string array, or None when any cell is not a str.

    A :data:`TEXT` column gives its own buffers (no copy); an Arrow large_string array
    is taken as it is.
    """
    if isinstance(cells, pd.Series) and (cells.dtype == TEXT or cells.dtype == STR):
        arr = pa.array(cells.array)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.chunk(0) if arr.num_chunks == 1 else arr.combine_chunks()
        if not pa.types.is_large_string(arr.type):
            arr = arr.cast(pa.large_string())  # new offsets; the text buffer is shared
        return arr if arr.null_count == 0 else None
    if isinstance(cells, pa.Array) and pa.types.is_large_string(cells.type):
        return cells if cells.null_count == 0 else None
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


def text_column(cells: pd.Series) -> pd.Series:
    """``cells`` stripped (:func:`strip`) as a :data:`TEXT` column, or, when any cell is
    not a str, :func:`strip`'s object column (pandas' own rules for None and NaN).

    Comparisons, ``isin`` and the whole-column checks of this module run in Arrow
    kernels on a TEXT column and need no conversion of a million Python strings; turn
    it back with :func:`objects`.
    """
    arr = _arrow(cells)
    if arr is None:
        return strip(cells)
    trimmed = pc.utf8_trim(arr, characters=WHITESPACE)
    if _text_bytes(trimmed) == _text_bytes(arr):  # trimming only ever removes bytes
        trimmed = arr  # nothing was trimmed: keep the column's own buffers, not a copy
    return pd.Series(trimmed, index=cells.index, dtype=TEXT, name=cells.name)


def _text_bytes(arr: pa.Array) -> int:
    """The UTF-8 bytes held by the cells of ``arr`` (a slice counts its own cells only)."""
    return pc.sum(pc.binary_length(arr)).as_py() or 0


def objects(cells: pd.Series) -> pd.Series:
    """A :data:`TEXT` column as an object column of str (other columns as they are).

    A column that repeats its cells (country, zone type, notes) shares one str per
    distinct cell, as pandas' own CSV parser does.
    """
    if cells.dtype != TEXT:
        return cells
    arr = _arrow(cells)
    if arr is None:  # missing cells (never from the reader): None where they are
        return cells.astype(object).where(cells.notna(), None)
    return pd.Series(to_strings(arr), index=cells.index, dtype=object, name=cells.name)


def as_str(cells: pd.Series) -> pd.Series:
    """A text column (:data:`TEXT` or object of str) as :data:`STR`, sharing a TEXT
    column's Arrow buffers; any other column as it is."""
    if cells.dtype == STR:
        return cells
    if cells.dtype == TEXT:
        arr = pa.array(cells.array)
        return pd.Series(pd.array(arr, dtype=STR), index=cells.index, name=cells.name)
    if cells.dtype == object:
        return cells.astype(STR)
    return cells


def text_array(cells: pd.Series) -> pa.Array:
    """A text column as one Arrow large_string array, a missing cell as "" (a
    :data:`STR` or :data:`TEXT` column in one chunk gives its own buffers)."""
    arr = _arrow(cells)
    return _arrow(cells.fillna("").astype(STR)) if arr is None else arr


class TextSet:
    """``value in TextSet(column)`` and :meth:`position`: lookups among a text column's
    cells, kept in its Arrow buffers (a frozenset of a million site ids is ~90 MB of
    Python objects). Each lookup is one Arrow scan (a few ms at a million cells): for
    rare lookups, such as the site a link names or the row of the open site."""

    def __init__(self, cells: pd.Series) -> None:
        self._cells = text_array(cells)

    def position(self, value: object) -> int:
        """The position of the first cell equal to ``value``, -1 when there is none."""
        if not isinstance(value, str):
            return -1
        return int(pc.index(self._cells, pa.scalar(value, type=self._cells.type)).as_py())

    def __contains__(self, value: object) -> bool:
        return self.position(value) >= 0

    def __len__(self) -> int:
        return len(self._cells)


_DISTINCT_SAMPLE = 1 << 16  # cells looked at to guess whether a column repeats its cells


def to_strings(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An Arrow text column (no nulls) as a numpy object array of str; a column that
    repeats its cells shares one str per distinct cell."""
    sample = column.slice(0, _DISTINCT_SAMPLE)
    if len(sample) and pc.count_distinct(sample).as_py() * 4 < len(sample):
        encoded = pc.dictionary_encode(column)
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        return encoded.dictionary.to_numpy(zero_copy_only=False)[encoded.indices.to_numpy()]
    return column.to_numpy(zero_copy_only=False)


# Cells Arrow's cast to float64 reads exactly as pandas' to_numeric does (checked on
# 300,000 random decimals of 1-25 digits with a '-' sign and exponents, and on inf/0
# edges). A leading '+' is left to pandas: its parse of '+' and 16 or more digits can be
# one unit in the last place off the correctly rounded value Arrow gives.
_PLAIN_NUMBER = r"^-?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"


def to_numbers(cells: pd.Series) -> pd.Series:
    """``pd.to_numeric(cells, errors="coerce")`` as float64 (NaN where not a number),
    whatever the cells' dtype: plain decimals of a text column are cast in one Arrow
    kernel, every other cell goes through pandas' own parser."""
    arr = _arrow(cells) if cells.dtype in (TEXT, object) else None
    if arr is None:
        values = cells.to_numpy(dtype=object) if cells.dtype == TEXT else cells
        return pd.to_numeric(values, errors="coerce").astype(float)
    plain = pc.match_substring_regex(arr, _PLAIN_NUMBER)
    out = pc.cast(pc.if_else(plain, arr, "nan"), pa.float64()).to_numpy(zero_copy_only=False)
    blank = pc.equal(arr, "")  # NaN, as pandas gives
    others = np.flatnonzero(~pc.or_(plain, blank).to_numpy(zero_copy_only=False))
    if len(others):
        rest = arr.take(pa.array(others)).to_numpy(zero_copy_only=False)
        out = out.copy()
        out[others] = pd.to_numeric(pd.Series(rest, dtype=object), errors="coerce").astype(float)
    return pd.Series(out, index=cells.index, name=cells.name)


def split_lists_arrow(cells: pd.Series, keep_blank: bool = False) -> tuple[np.ndarray, pa.Array]:
    """Each cell split at ';' and each part stripped, as (positions, parts).

    ``positions``: int64 positions into ``cells`` (0..n-1), in order; ``parts``: an Arrow
    string array (millions of parts need not become Python strings to be looked up: see
    ``pc.index_in``). Blank parts are left out unless ``keep_blank`` ('S1;;S2' has a
    blank one, as does a blank cell). Cells must be str.
    """
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


def full_match(cells: pd.Series | np.ndarray | pa.Array, pattern: str) -> np.ndarray:
    """Boolean array: each cell matches the RE2 ``pattern`` (anchor it yourself).

    Only for ASCII patterns on stripped cells, where Python's ``re`` and RE2 agree.
    ``cells`` may be an Arrow large_string array (as :func:`split_lists_arrow` gives).
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
    arr = _arrow(cells if isinstance(cells, pd.Series) else pd.Series(cells, dtype=object))
    if arr is None or regex.flags & ~(re.IGNORECASE | re.UNICODE):
        values = cells.to_numpy(dtype=object) if isinstance(cells, pd.Series) else cells
        return np.array([bool(regex.search(str(v))) for v in values], dtype=bool)
    ascii_ = pc.string_is_ascii(arr).to_numpy(zero_copy_only=False)
    found = pc.match_substring_regex(
        arr, regex.pattern, ignore_case=bool(regex.flags & re.IGNORECASE)
    ).to_numpy(zero_copy_only=False)
    found = found & ascii_
    others = np.flatnonzero(~ascii_)
    if len(others):
        values = arr.take(pa.array(others)).to_numpy(zero_copy_only=False)
        codes, uniques = pd.factorize(pd.Series(values, dtype=object))
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
    as :func:`split_lists_arrow`); else a cell is one id and blank cells name none.
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


def join(columns: list[pd.Series], separator: str) -> pd.Series | None:
    """Each row's cells of ``columns`` (equal lengths) joined with ``separator``, in one
    Arrow kernel call, as a :data:`STR` column on the first column's index; None (nothing
    done) if any cell is not a str."""
    arrays = [_arrow(c) for c in columns]
    if any(a is None for a in arrays):
        return None
    sep = pa.scalar(separator, type=pa.large_string())
    joined = pc.binary_join_element_wise(*arrays, sep)
    return pd.Series(pd.array(joined, dtype=STR), index=columns[0].index)


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
    text = _arrow(keys) if isinstance(keys, pd.Series) and keys.dtype in (TEXT, STR) else None
    if text is not None and all(isinstance(u, str) for u in uniques):
        # Keys in Arrow (the validated tables' str columns) are probed in Arrow: no str
        # per key (a million site ids: ~70 MB of Python objects otherwise).
        value_set = pa.array(list(uniques), type=pa.large_string())
        found = pc.index_in(text, value_set=value_set)
        where = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    else:
        # Both sides as object Indexes: given a bare array, pandas 3 would first infer its
        # Arrow-backed str type for a million keys and then cast them back (0.3 s at 1M).
        probe = pd.Index(np.asarray(keys, dtype=object), dtype=object, copy=False)
        where = pd.Index(uniques, dtype=object).get_indexer(probe)
    hit = np.flatnonzero(where >= 0)
    first = np.full(len(uniques), -1, dtype=np.int64)
    first[where[hit][::-1]] = hit[::-1]  # assigned last to first: the first one stays
    if not len(first):  # nothing (or only missing values) wanted
        return np.full(len(wanted), -1, dtype=np.int64)
    return np.where(codes >= 0, first[np.maximum(codes, 0)], -1).astype(np.int64)
