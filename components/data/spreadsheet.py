"""CSV files an analyst opens in a spreadsheet: the one writer every download uses (pure).

Excel opens a double-clicked CSV in the machine's legacy code page unless the file starts
with a UTF-8 byte order mark, so Khmer, Burmese or Thai names turn into mojibake; it
also expects CRLF line ends. And it runs a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula (CSV injection: a name such as ``=HYPERLINK(...)`` from an upload
becomes a live link), so such text cells are written with a leading apostrophe, which
Excel and LibreOffice show as text.
"""

from __future__ import annotations

import pandas as pd

ENCODING = "utf-8-sig"  # UTF-8 with a byte order mark
LINE_END = "\r\n"
# Text that a spreadsheet would read as the start of a formula (tab and CR too: some
# spreadsheets strip them and then read what follows).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: object) -> object:
    """``value`` with a leading apostrophe if it is text a spreadsheet would run as a
    formula; anything else (numbers, blanks, other text) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def excel_csv(frame: pd.DataFrame) -> bytes:
    """``frame`` as a CSV file Excel opens correctly: UTF-8 with a BOM, CRLF line ends,
    a header row, no index, text cells defused (:func:`defuse`).

    Only text cells are defused: keep numbers numeric (a negative longitude held as a
    float stays ``-98.5``; held as text it would be written ``'-98.5``). A line break
    inside a cell is kept, inside quotes. Returns the file's bytes; ``frame`` is not
    changed.
    """
    text_columns = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    safe = frame.copy()
    if text_columns:
        safe[text_columns] = safe[text_columns].map(defuse)
    return safe.to_csv(index=False, lineterminator=LINE_END).encode(ENCODING)
