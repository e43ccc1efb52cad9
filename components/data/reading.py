"""Turn the bytes of an analyst's CSV into a table of text cells (pure; no Streamlit).

Files come from Excel in many locales, so the reader accepts:

* encodings: UTF-8 with or without BOM, UTF-16 with BOM, otherwise a Windows code page
  that ``charset-normalizer`` finds confidently among those analysts in the region use
  (Windows-1252, Windows-874 Thai, Windows-1258 Vietnamese); a note says so;
* separators ``,`` ``;`` tab ``|``: Excel's ``sep=;`` first line if there is one,
  else ``clevercsv`` on the first 64 KB (a header line holding just one candidate
  separator settles it without sniffing);
* decimal commas (``11,6167``) in numeric columns of a file not separated by commas;
* Excel's empty columns (blank header, blank cells), which are dropped.

It refuses, with one line for a person (:class:`CsvError`), a file that is missing,
empty, binary, undecodable, malformed, has a header named twice (checked on the raw
header, before anything else), or has data under a blank header.

The original text and each record's span are kept in :class:`ReadTable`, so
:meth:`ReadTable.rewritten` can give back the file's own bytes with only some cells
changed (the geocoder's command line uses it).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from components.data.columns import TEXT, WHITESPACE, to_strings

# Columns holding numbers once loaded (everything else stays text).
NUMERIC = frozenset({"lat", "lon", "value_low", "value_high", "people"})
DELIMITERS = (",", ";", "\t", "|")
SAMPLE_CHARS = 64 * 1024  # how much of a file the dialect detector looks at
# Windows code pages tried when a file is not UTF-8, with the names analysts know them by.
LEGACY_ENCODINGS = {
    "cp1252": "Windows-1252",
    "cp874": "Windows-874 (Thai)",
    "cp1258": "Windows-1258 (Vietnamese)",
}
UTF16_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))

_SEP_LINE = re.compile(r"sep=(.)(\r\n|\n|\r|$)", re.IGNORECASE)
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
# A number with thousands separators ('1.234,5', '1 500', '12.000,0'), in a file whose
# decimal mark is a comma.
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:[. \u00a0\u202f']\d{3})+(?:,\d+)?")


class CsvError(ValueError):
    """A file that cannot be read as CSV at all; the message is one line for a person."""


@dataclass
class Record:
    """One CSV record: ``text[start:end]`` of :attr:`ReadTable.text`, line end included."""

    start: int
    end: int
    cells: list[str]


@dataclass
class ReadTable:
    """A CSV file read as text cells, and how it was written.

    ``frame``: one column per named header (names stripped), every cell a ``str``;
    blank rows left out, index = record position (0 = spreadsheet row 2).
    ``notes``: one-line sentences for the analyst about how the file was read
    (separator, decimal commas, encoding, Excel's ``sep=`` line, numbers left as text).
    ``delimiter``: the separator; ``encoding``: a Python codec name ("utf-8",
    "utf-16-le", "cp1252" ...); ``newline``: the first line end ("\\r\\n", "\\n" or
    "\\r"); ``bom``: the file starts with a byte-order mark; ``decimal_comma``: numeric
    cells were written with a decimal comma.
    """

    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    delimiter: str = ","
    encoding: str = "utf-8"
    newline: str = "\n"
    bom: bool = False
    decimal_comma: bool = False
    text: str = ""  # the decoded file, BOM left out
    # Header first; sep= line left out. Split from ``text`` when first needed (None).
    records: list[Record] | None = None
    positions: dict[str, int] = field(default_factory=dict)  # column -> cell position
    body_start: int = 0  # where the header starts in ``text`` (after a sep= line)

    def record_spans(self) -> list[Record]:
        """:attr:`records`, split from :attr:`text` on first use (the fast reader does not
        split them). Raises :class:`CsvError` if :attr:`text` is not well-formed CSV."""
        if self.records is None:
            self.records = _split_records(self.text, self.body_start, self.delimiter, "file")
        return self.records

    def rewritten(self, frame: pd.DataFrame, columns: list[str] | tuple[str, ...]) -> bytes:
        """The file's own bytes, with the ``columns`` cells that differ in ``frame`` changed.

        ``frame`` has this table's index (record positions); a cell is written where its
        text differs from :attr:`frame`'s. Only those cells change: every other byte
        (header, blank lines, quoting, spacing, other rows and cells) stays as it was, and
        new cells use the file's separator and decimal mark. Raises UnicodeEncodeError if
        a new cell cannot be written in the file's encoding.
        """
        pieces: list[str] = []
        done = 0
        for pos in frame.index:
            changes = {}
            for column in columns:
                new = _cell_text(frame.at[pos, column])
                if new != self.frame.at[pos, column]:
                    if self.decimal_comma and column in NUMERIC:
                        new = new.replace(".", ",")
                    changes[self.positions[column]] = new
            if not changes:
                continue
            record = self.record_spans()[int(pos) + 1]
            pieces.append(self.text[done : record.start])
            pieces.append(_edit_record(self.text[record.start : record.end], changes, self))
            done = record.end
        pieces.append(self.text[done:])
        bom = {"utf-8": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE}.get(self.encoding)
        bom = bom or (codecs.BOM_UTF16_BE if self.encoding == "utf-16-be" else b"")
        return (bom if self.bom else b"") + "".join(pieces).encode(self.encoding)


def read_table(
    source: Path | bytes,
    file: str,
    keep_text: bool = True,
    max_columns: int | None = None,
    arrow: bool = False,
) -> ReadTable:
    """Read a CSV (path or bytes) as text cells, however Excel saved it.

    ``file`` names the file in messages. Returns a :class:`ReadTable`; with
    ``keep_text=False`` its ``text`` is left empty (saves the file's size in memory; then
    :meth:`ReadTable.rewritten` cannot be used). Raises :class:`CsvError` with a one-line
    explanation ("file.csv: ...") for a missing, empty, binary, undecodable or malformed
    file, a duplicate column name or a column with data but no header.

    A well-formed file (every quote opening or closing a quoted cell, no row longer than
    the header, no data under a blank header) is split by pandas' C parser in one pass;
    any other file goes through the :mod:`csv` module record by record, which words the
    refusal. Both give the same cells and record positions.

    ``arrow``: a comma-separated file Arrow's reader splits keeps its cells in Arrow
    (:data:`components.data.columns.TEXT` columns, for :func:`validate_table`); other
    files, and every file without it, give object columns of str.

    ``max_columns``: refuse (CsvError) a header of more columns, counted on the first
    record alone, before any per-column work (a 100,000-column upload took minutes).
    """
    raw = _raw_bytes(source, file)
    # A file read for its cells alone needs only its head as str (the fast reader splits
    # the bytes): a million-row file is not decoded into a str of a GB it would drop.
    head = _utf8_head(raw) if not keep_text and max_columns is None else None
    if head is None:
        text, encoding, bom, notes = _decode(raw, file)
    else:
        text, encoding, bom, notes = head, "utf-8", False, []
    if "\x00" in text:
        raise CsvError(f"{file}: contains NUL bytes; this is not a text CSV file.")
    delimiter, body_start = None, 0
    sep = _SEP_LINE.match(text)
    if sep and sep.group(1) in DELIMITERS:
        delimiter, body_start = sep.group(1), sep.end()
        notes.append(f"used the 'sep={delimiter}' line Excel wrote as the separator")
    if _NOT_SPACE.search(text, body_start) is None:  # `not text[body_start:].strip()`
        raise CsvError(f"{file}: the file is empty (no header row).")
    delimiter = delimiter or _detect_delimiter(text[body_start : body_start + SAMPLE_CHARS])
    if max_columns is not None:
        first = next(csv.reader(io.StringIO(text[body_start:]), delimiter=delimiter), [])
        if len(first) > max_columns:
            raise CsvError(
                f"{file}: has {len(first):,} columns; the limit is {max_columns:,}. Keep the "
                "columns with the sites' names, places and coordinates, and upload it again."
            )
    newline = _first_newline(text if head is None else raw)
    body = _body_bytes(raw, text, encoding, bom, body_start)
    if not keep_text:
        text = ""  # the fast reader works from the bytes; the csv module re-decodes
    del raw
    cells = _fast_cells(body, delimiter)
    del body
    records = None
    if cells is None:
        text = text or _decode(_raw_bytes(source, file), file)[0]
        records = _split_records(text, body_start, delimiter, file)
        header = [c.strip() for c in records[0].cells]
    elif isinstance(cells, pa.Table):
        header = [str(cells.column(i)[0].as_py()).strip() for i in range(cells.num_columns)]
    else:
        header = [str(c).strip() for c in cells.iloc[0].tolist()]
    dupes = [n for i, n in enumerate(header) if n and n in header[:i]]
    if dupes:
        names = ", ".join(dict.fromkeys(dupes))
        raise CsvError(f"{file}: duplicate column(s): {names}; each column name must appear once")
    positions = {name: i for i, name in enumerate(header) if name}
    # Only a comma-separated file stays Arrow: others may hold decimal commas, which
    # _decimal_commas reads and rewrites in str cells.
    frame = None if cells is None else _fast_rows(cells, header, arrow and delimiter == ",")
    del cells
    if frame is None:  # the csv module words what is wrong (or reads what pandas could not)
        if records is None:
            text = text or _decode(_raw_bytes(source, file), file)[0]
            records = _split_records(text, body_start, delimiter, file)
        rows, index = _rows(records, header, file)
        frame = pd.DataFrame(rows, columns=list(positions), dtype=object)
        frame.index = pd.Index(index, dtype="int64")
    if not keep_text:
        text, records = "", []
    decimal_comma = False
    if delimiter != ",":  # only a file not split by commas can hold decimal commas
        decimal_comma, number_notes = _decimal_commas(frame)
        shown = {"\t": "tab"}.get(delimiter, repr(delimiter))
        with_commas = " with decimal commas" if decimal_comma else ""
        notes += [f"read as {shown}-separated{with_commas}", *number_notes]
    return ReadTable(
        frame,
        notes,
        delimiter,
        encoding,
        newline,
        bom,
        decimal_comma,
        text,
        records,
        positions,
        body_start,
    )


def read_csv(source: Path | bytes, file: str, arrow: bool = False) -> pd.DataFrame:
    """Read a CSV (path or bytes) as text cells: :func:`read_table`'s ``frame``.

    Accepts a BOM, CRLF line ends, quoted fields with commas or line breaks, other
    separators and encodings (see :func:`read_table`). Blank lines and all-blank rows
    are left out, but the index keeps each record's position (0 = spreadsheet row 2),
    so row numbers still match the spreadsheet's. Raises :class:`CsvError`.
    """
    return read_table(source, file, keep_text=False, arrow=arrow).frame


# --- bytes to text ----------------------------------------------------------------------


# The first character str.strip() / bytes.strip() would keep: re's \s is the same
# set (str.isspace; ASCII whitespace for bytes), and a search stops at the first one
# instead of copying a file of hundreds of MB to strip it.
_NOT_SPACE = re.compile(r"\S")
_NOT_SPACE_BYTES = re.compile(rb"\S")


def _raw_bytes(source: Path | bytes, file: str) -> bytes:
    if isinstance(source, Path):
        if not source.exists():
            # The folder's name only: the server's paths are not shown to visitors.
            raise CsvError(f"{file}: file not found in the data folder ({source.parent.name}).")
        if source.is_dir():
            raise CsvError(f"{file}: is a folder, not a CSV file.")
        raw = source.read_bytes()
    else:
        raw = bytes(source)
    if _NOT_SPACE_BYTES.search(raw) is None:  # as `not raw.strip()`, with no copy
        raise CsvError(f"{file}: the file is empty (expected a header row and data rows).")
    return raw


_HEAD_BYTES = 4 * (SAMPLE_CHARS + 64)  # holds a sep= line and the detector's sample


def _utf8_head(raw: bytes) -> str | None:
    """The start of ``raw`` as str (at least ``SAMPLE_CHARS`` + 63 characters, or all of
    it) when :func:`_decode` would read it as UTF-8 without a BOM and find text in it;
    None for any other file (a BOM, a NUL byte, not UTF-8, nothing but spaces at the
    start), which :func:`_decode` reads, words or refuses as ever.

    The whole file is checked to be UTF-8 by Arrow's validator, which accepts exactly
    the byte sequences Python's strict decoder does, without building the str.
    """
    if raw.startswith((codecs.BOM_UTF8, *(bom for bom, _ in UTF16_BOMS))) or b"\x00" in raw:
        return None
    offsets = pa.py_buffer(np.array([0, len(raw)], dtype=np.int64))
    whole = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(raw)])
    try:
        whole.cast(pa.large_string())
    except pa.ArrowInvalid:
        return None
    head = codecs.getincrementaldecoder("utf-8")().decode(raw[:_HEAD_BYTES])
    sep = _SEP_LINE.match(head)
    return head if _NOT_SPACE.search(head, sep.end() if sep else 0) else None


def _first_newline(content: str | bytes) -> str:
    """The first line end ('\\r\\n', '\\n' or '\\r'; '\\n' if there is none) of a text or
    of its UTF-8 bytes (where CR and LF are the same single bytes)."""
    if isinstance(content, str):
        found = re.search(r"\r\n|\n|\r", content)
        return found.group() if found else "\n"
    found = re.search(rb"\r\n|\n|\r", content)
    return found.group().decode() if found else "\n"


def _decode(raw: bytes, file: str) -> tuple[str, str, bool, list[str]]:
    """(text without BOM, codec, had a BOM, notes). UTF-8 first, then UTF-16 by its BOM,
    then a Windows code page ``charset-normalizer`` is confident about."""
    if raw.startswith(codecs.BOM_UTF8):
        return _utf8(raw[3:], raw, 3, file), "utf-8", True, []
    for bom, codec in UTF16_BOMS:
        if raw.startswith(bom):
            try:
                text = raw[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                raise _not_utf8(raw, 0, file) from None
            if not any(ch in text for ch in ("\n", "\r", *DELIMITERS)):
                raise _not_utf8(raw, 0, file)  # a BOM, then no line or cell of text
            return text, codec, True, ["read as UTF-16; save as CSV UTF-8 to be sure"]
    try:
        return raw.decode("utf-8"), "utf-8", False, []
    except UnicodeDecodeError as exc:
        error = exc
    if b"\x00" not in raw:  # binary data is never guessed at
        from charset_normalizer import from_bytes

        best = from_bytes(raw, cp_isolation=list(LEGACY_ENCODINGS)).best()
        if best is not None and best.encoding in LEGACY_ENCODINGS:
            name = LEGACY_ENCODINGS[best.encoding]
            note = f"read as {name}; save as CSV UTF-8 to be sure"
            return raw.decode(best.encoding), best.encoding, False, [note]
    raise _not_utf8(raw, error.start, file)


def _utf8(body: bytes, raw: bytes, offset: int, file: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_utf8(raw, exc.start + offset, file) from None


def _not_utf8(raw: bytes, at: int, file: str) -> CsvError:
    return CsvError(
        f"{file}: not UTF-8 text (byte 0x{raw[at]:02x} at offset {at}); save it as 'CSV UTF-8'."
    )


# --- text to records --------------------------------------------------------------------


def _detect_delimiter(sample: str) -> str:
    """The separator of ``sample`` (the file's first 64 KB, after any ``sep=`` line)."""
    first = sample.split("\n", 1)[0]
    present = [d for d in DELIMITERS if d in first]
    if len(present) == 1 and '"' not in first:
        return present[0]  # the header line can only be split one way
    cut = max(sample.rfind("\n"), 0) or len(sample)  # whole lines only
    try:
        from clevercsv import Detector

        dialect = Detector().detect(sample[:cut], delimiters=list(DELIMITERS))
    except Exception:  # noqa: BLE001 - a detector failure falls back to csv.Sniffer
        dialect = None
    if dialect is not None and dialect.delimiter in DELIMITERS:
        return dialect.delimiter
    try:
        return csv.Sniffer().sniff(sample[:cut], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return ","


class _Lines:
    """The lines of ``text`` from ``start`` (line ends kept), counting what is consumed."""

    def __init__(self, text: str, start: int) -> None:
        self.lines = io.StringIO(text[start:], newline="").readlines()
        self.used = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.used >= len(self.lines):
            raise StopIteration
        self.used += 1
        return self.lines[self.used - 1]


def _split_records(text: str, start: int, delimiter: str, file: str) -> list[Record]:
    """Every record from ``start`` on (blank lines are records with no cells)."""
    lines = _Lines(text, start)
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
    records: list[Record] = []
    offset = start
    while True:
        before = lines.used
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row = len(records) + 1
            why = "a quote is never closed" if "end of data" in str(exc) else str(exc)
            raise CsvError(f"{file}: not a well-formed CSV file (row {row}: {why}).") from None
        end = offset + sum(len(line) for line in lines.lines[before : lines.used])
        records.append(Record(offset, end, cells))
        offset = end
    return records


# --- the fast reader: pandas' C parser on a file known to be well formed -----------------

_QUOTE, _CR, _LF = ord('"'), ord("\r"), ord("\n")
_CHUNK = 1 << 24  # bytes looked at at once when finding quotes (bounds the scratch memory)


def _body_bytes(raw: bytes, text: str, encoding: str, bom: bool, body_start: int) -> bytes:
    """The file from its header on (after BOM and ``sep=`` line), as UTF-8 bytes."""
    if encoding == "utf-8":  # the file's own bytes, not a copy, when nothing is cut
        start = (len(codecs.BOM_UTF8) if bom else 0) + len(text[:body_start].encode())
        return raw[start:] if start else raw
    return text[body_start:].encode("utf-8")


def _quotes_well_formed(body: bytes, delimiter: str) -> bool:
    """Whether every ``"`` in ``body`` opens a quoted cell (at the start of a cell), closes
    one (before a separator, a line end or the end) or is half of a doubled ``""`` inside
    one: then the csv module (strict) and pandas' parser read the same cells.

    A quote inside an unquoted cell (``ab"c``), text after a closing quote (``"a"b``) or
    an unclosed quote gives False (the csv module then reads, or refuses, the file).
    Vectorised: quote positions come from numpy, a chunk of the file at a time.
    """
    if body.find(b'"') < 0:
        return True
    data = np.frombuffer(body, dtype=np.uint8)
    quotes = np.concatenate(
        [np.flatnonzero(data[i : i + _CHUNK] == _QUOTE) + i for i in range(0, len(data), _CHUNK)]
    )
    if len(quotes) % 2:
        return False
    ends = np.array([ord(delimiter), _CR, _LF], dtype=np.uint8)
    opens, closes = quotes[0::2], quotes[1::2]
    # An opening quote follows a separator or line end (or starts the file), or it is the
    # second of a doubled quote: right after the quote before it.
    before = data[np.maximum(opens - 1, 0)]
    after_close = np.r_[False, opens[1:] == closes[:-1] + 1]
    opens_ok = (opens == 0) | np.isin(before, ends) | after_close
    # A closing quote comes before a separator or line end (or ends the file), or it is
    # the first of a doubled quote.
    last = len(data) - 1
    after = data[np.minimum(closes + 1, last)]
    doubled = np.r_[opens[1:] == closes[:-1] + 1, False]
    closes_ok = (closes == last) | np.isin(after, ends) | doubled
    return bool(opens_ok.all() and closes_ok.all())


def _fast_cells(body: bytes, delimiter: str) -> pd.DataFrame | pa.Table | None:
    """Every record of ``body`` (header first) as str cells, columns 0..n-1, short records
    padded with ''; None when the file is not one the C parser reads as the csv module
    does (see :func:`_quotes_well_formed`; a record longer than the first; a BOM or a blank
    line before the header)."""
    if body[:1] in (b"\r", b"\n") or body.startswith(codecs.BOM_UTF8):
        return None  # pandas would skip what the csv module reads as the header
    if not _quotes_well_formed(body, delimiter):
        return None
    cells = _arrow_cells(body, delimiter)
    if cells is not None:
        return cells
    try:  # pandas' C parser pads short records and keeps blank lines as blank records
        cells = pd.read_csv(
            io.BytesIO(body),
            sep=delimiter,
            header=None,
            dtype=object,
            na_filter=False,
            keep_default_na=False,
            skip_blank_lines=False,
            quotechar='"',
            doublequote=True,
            quoting=csv.QUOTE_MINIMAL,
            escapechar=None,
            comment=None,
            skipinitialspace=False,
            encoding="utf-8",
            engine="c",
        )
    except (pd.errors.ParserError, ValueError):  # e.g. a record longer than the header
        return None
    return cells if len(cells) else None


_MAX_COLUMNS = 4096  # columns the Arrow reader is told are text (more: pandas reads it)
# The Arrow reader's block: each block is parsed on its own thread. At 1,000,000 sites
# (287 MB) 32 MB blocks read in 0.58 s with Arrow's peak at 484 MB, where 8 MB blocks
# took 0.79 s and then 0.71 s to combine their 35 chunks per column.
_BLOCK = 32 << 20


def _arrow_cells(body: bytes, delimiter: str) -> pa.Table | None:
    """Every record of ``body`` (header first) as Arrow text columns ``f0..fn-1``, one
    chunk each, read by Arrow's multithreaded CSV reader; None when a record is not as
    wide as the first (pandas' C parser pads short ones)."""
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=_BLOCK),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=True,
                ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{i}": pa.large_string() for i in range(_MAX_COLUMNS)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if table.num_rows == 0 or table.num_columns > _MAX_COLUMNS:
        return None
    # One chunk per column, combined a column at a time with the reader's blocks of that
    # column freed as it goes: the checks then work on the columns' own buffers (a
    # combine of many chunks later copied every column while the read one was alive).
    names, parts = table.column_names, table.columns
    del table
    for i, part in enumerate(parts):
        parts[i] = part.combine_chunks()
    del part
    return pa.Table.from_arrays(parts, names=names)


def _fast_rows(
    cells: pd.DataFrame | pa.Table, header: list[str], arrow: bool = False
) -> pd.DataFrame | None:
    """:func:`_rows` for :func:`_fast_cells`: the non-blank records under named headers,
    indexed by record position; None if a column without a header holds data.
    ``arrow``: columns read by Arrow stay Arrow (:data:`columns.TEXT`)."""
    if isinstance(cells, pa.Table):
        return _arrow_rows(cells, header, arrow)
    body = cells.iloc[1:]
    blank = np.ones(len(body), dtype=bool)
    for i in range(len(header)):
        column = body[i]
        filled = _not_blank(column)
        if not header[i] and filled.any():
            return None
        blank &= ~filled
    named = [i for i, name in enumerate(header) if name]
    frame = body.loc[~blank, named]
    frame.columns = [header[i] for i in named]
    frame.index = pd.Index(np.flatnonzero(~blank), dtype="int64")
    return frame


def _arrow_rows(table: pa.Table, header: list[str], arrow: bool = False) -> pd.DataFrame | None:
    """:func:`_fast_rows` for an Arrow table from :func:`_arrow_cells`."""
    body = table.slice(1)
    blank = np.ones(body.num_rows, dtype=bool)
    for i in range(len(header)):
        trimmed = pc.utf8_trim(body.column(i), characters=WHITESPACE)
        filled = pc.not_equal(trimmed, "").to_numpy()
        if not header[i] and filled.any():
            return None
        blank &= ~filled
    keep = np.flatnonzero(~blank)
    rows = body if len(keep) == body.num_rows else body.take(pa.array(keep))
    named = [i for i, name in enumerate(header) if name]
    index = pd.Index(keep, dtype="int64")
    if arrow:
        return pd.DataFrame(
            {
                header[i]: pd.Series(rows.column(i), index=index, dtype=TEXT, copy=False)
                for i in named
            },
            index=index,
            columns=[header[i] for i in named],
        )
    return pd.DataFrame(
        {header[i]: to_strings(rows.column(i)) for i in named},
        index=index,
        columns=[header[i] for i in named],
        dtype=object,
    )


def _not_blank(column: pd.Series) -> np.ndarray:
    """Boolean array: the cell holds something other than whitespace (``str.strip``)."""
    values = column.to_numpy(dtype=object)
    filled = values != ""
    maybe_space = np.flatnonzero(filled)
    if len(maybe_space):
        arr = pa.array(values[maybe_space], type=pa.large_string())
        trimmed = pc.utf8_trim(arr, characters=WHITESPACE)
        filled[maybe_space] = pc.not_equal(trimmed, "").to_numpy(zero_copy_only=False)
    return filled


def _column_label(position: int) -> str:
    """'column 16 (P)': 1-based position and Excel's letters."""
    n, letters = position, ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"column {position} ({letters})"


def _rows(records: list[Record], header: list[str], file: str) -> tuple[list[list[str]], list[int]]:
    """The non-blank rows' cells under named headers, and their record positions."""
    width = len(header)
    named = [i for i, name in enumerate(header) if name]
    rows, index = [], []
    for pos, record in enumerate(records[1:]):
        cells = record.cells
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            raise CsvError(
                f"{file}: not a well-formed CSV file "
                f"(row {pos + 2} has {len(cells)} cells, the header {width})."
            )
        cells = cells + [""] * (width - len(cells))
        for i, name in enumerate(header):
            if not name and cells[i].strip():
                raise CsvError(
                    f"{file}: {_column_label(i + 1)} has data but no header "
                    f"(row {pos + 2} holds {cells[i].strip()!r}); name the column or delete it"
                )
        rows.append([cells[i] for i in named])
        index.append(pos)
    return rows, index


# --- numbers ----------------------------------------------------------------------------


def _decimal_commas(frame: pd.DataFrame) -> tuple[bool, list[str]]:
    """Turn '11,6167' into '11.6167' in ``frame``'s numeric columns (in place).

    Numbers with thousands separators ('1.234,5') are left as written, so the validator
    reports them, and named in a note. Returns (any cell changed, notes).
    """
    changed, notes = False, []
    for column in [c for c in frame.columns if c in NUMERIC]:
        cells = frame[column]
        stripped = cells.str.strip()
        comma = stripped.str.fullmatch(_DECIMAL_COMMA)
        if comma.any():
            frame.loc[comma, column] = cells[comma].str.replace(",", ".", regex=False)
            changed = True
        for pos, value in stripped[stripped.str.fullmatch(_THOUSANDS)].items():
            plain = re.sub(r"[. \u00a0\u202f']", "", value).replace(",", ".")
            notes.append(
                f"row {int(pos) + 2}, column {column}: {value!r} has a thousands separator, "
                f"so it was not read as a number; write it without one ({plain})"
            )
    return changed, notes


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def _edit_record(record: str, changes: dict[int, str], table: ReadTable) -> str:
    """``record`` (one record's text, line end included) with cells ``changes`` replaced."""
    body = record.rstrip("\r\n")
    ending = record[len(body) :]
    spans, start, quoted = [], 0, False
    for i, ch in enumerate(body):
        if ch == '"':
            quoted = not quoted
        elif ch == table.delimiter and not quoted:
            spans.append(body[start:i])
            start = i + 1
    spans.append(body[start:])
    if not body:
        spans = []
    spans += [""] * (max(changes) + 1 - len(spans))
    for i, value in changes.items():
        needs_quotes = any(ch in value for ch in (table.delimiter, '"', "\r", "\n"))
        spans[i] = '"' + value.replace('"', '""') + '"' if needs_quotes else value
    return table.delimiter.join(spans) + ending
