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
    """``cells.str.strip()`` for a column of str (object dtype kept), in one kernel call."""
    arr = _arrow(cells)
    if arr is None:  # None, NaN or non-text cells: pandas' own rules for those
        return cells.str.strip()
    out = pc.utf8_trim(arr, characters=WHITESPACE).to_numpy(zero_copy_only=False)
    return pd.Series(out, index=cells.index, dtype=cells.dtype, name=cells.name)


def split_lists(cells: pd.Series, keep_blank: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Each cell split at ';' and each part stripped, as (positions, parts).

    ``positions``: int64 positions into ``cells`` (0..n-1), in order; ``parts``: object
    array of str. Blank parts are left out unless ``keep_blank`` ('S1;;S2' has a blank
    one, as does a blank cell). Cells must be str.
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
    return positions, parts.to_numpy(zero_copy_only=False)


def full_match(cells: pd.Series | np.ndarray, pattern: str) -> np.ndarray:
    """Boolean array: each cell matches the RE2 ``pattern`` (anchor it yourself).

    Only for ASCII patterns on stripped cells, where Python's ``re`` and RE2 agree.
    """
    arr = _arrow(pd.Series(cells, dtype=object) if isinstance(cells, np.ndarray) else cells)
    if arr is None:
        regex = re.compile(pattern)
        return np.array([bool(regex.search(str(v))) for v in cells], dtype=bool)
    return pc.match_substring_regex(arr, pattern).to_numpy(zero_copy_only=False)
