"""Reading analysts' real files (components/data/reading.py): dialects, decimal commas,
Excel's ``sep=`` line and trailing columns, duplicate headers and legacy encodings.

Each shared case file is read twice: from /work/shared/cases/files (the issue's own
copy, skipped where absent) and from the copy committed under tests/cases (so CI runs it).
"""

from __future__ import annotations

import codecs
import csv
import io
import shutil
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from components.data import LOCATIONS, CsvError, load_atlas, read_csv, validate_table
from components.data import columns as columns_module
from components.data import tables as tables_module
from components.data.reading import ReadTable, read_table
from components.upload.pipeline import check_upload

REPO = Path(__file__).resolve().parents[1]
SHARED_CASES = Path(__file__).resolve().parents[2] / "shared" / "cases" / "files"
LOCAL_CASES = REPO / "tests" / "cases"
HEADER = ",".join(LOCATIONS.names[:-1])  # the 14 columns analysts' files have


def case_file(name: str, where: str) -> Path:
    """The case file ``name`` from the shared cases ('shared') or tests/cases ('local')."""
    path = (SHARED_CASES if where == "shared" else LOCAL_CASES) / name
    if not path.exists():
        pytest.skip(f"case file {name} is not at {path} (shared cases live outside the repo)")
    return path


WHERE = ["shared", "local"]


def locations(rows: list[str], header: str = HEADER, sep: str = ",", nl: str = "\n") -> str:
    """A locations file's text: ``header`` and ``rows`` written with ``sep`` for ','."""
    return nl.join([header.replace(",", sep), *rows]) + nl


# --- semicolon_decimal_comma.csv: ';' separator, CRLF, decimal commas ----------------------


@pytest.mark.parametrize("where", WHERE)
def test_semicolon_decimal_comma_case_loads_with_its_coordinates(where):
    path = case_file("semicolon_decimal_comma.csv", where)

    table = read_table(path, path.name)

    assert isinstance(table, ReadTable)
    assert (table.delimiter, table.newline, table.bom, table.encoding) == (
        ";",
        "\r\n",
        False,
        "utf-8",
    )
    assert list(table.frame.columns) == LOCATIONS.names[:-1]
    assert table.frame.loc[0, "lat"] == "11.6167" and table.frame.loc[0, "lon"] == "102.9833"
    assert table.frame.loc[0, "name"] == "Test compound A"
    assert table.notes == ["read as ';'-separated with decimal commas"]
    result = validate_table(read_csv(path, path.name), LOCATIONS)
    assert [str(p) for p in result.problems] == []
    assert result.frame.loc[2, "lat"] == 11.6167 and result.frame.loc[2, "lon"] == 102.9833


@pytest.mark.parametrize("where", WHERE)
def test_semicolon_decimal_comma_case_uploads(where):
    path = case_file("semicolon_decimal_comma.csv", where)
    result = check_upload(path.read_bytes(), path.name, {"KP1"}, set())
    assert result.error is None, result.error
    assert result.problems == []
    assert list(result.frame["lat"]) == [11.6167] and list(result.frame["lon"]) == [102.9833]
    # The analyst is told how the file was read.
    assert result.notes == [f"{path.name}: read as ';'-separated with decimal commas"]


def test_sep_line_with_decimal_commas_is_honoured_and_skipped():
    text = "sep=;\r\n" + locations(
        [
            'my_1;Shwe Kokko;;MM;Kayin;compound;compound;16,8283;98,5201;;;medium;;"Note; 12,5 km"',
            "",
            "my_2;Myawaddy;;MM;;border_town;town;-16,5;98,25;;;low;;",
        ],
        sep=";",
        nl="\r\n",
    )

    table = read_table(text.encode("utf-8"), "sites.csv")

    frame = table.frame
    assert table.delimiter == ";"
    assert list(frame.index) == [0, 2]  # spreadsheet rows 2 and 4: the sep line is hidden
    assert (frame.loc[0, "lat"], frame.loc[0, "lon"]) == ("16.8283", "98.5201")
    assert (frame.loc[2, "lat"], frame.loc[2, "lon"]) == ("-16.5", "98.25")
    assert frame.loc[0, "note"] == "Note; 12,5 km"  # text columns are never touched
    assert table.notes == [
        "used the 'sep=;' line Excel wrote as the separator",
        "read as ';'-separated with decimal commas",
    ]


def test_sep_line_can_name_a_comma():
    text = "SEP=,\n" + locations(["a;b,Name;1,KH,,city,town,1.5,2.5,,,low,,"])
    table = read_table(text.encode(), "x.csv")
    assert table.delimiter == "," and table.frame.loc[0, "site_id"] == "a;b"


@pytest.mark.parametrize(
    "sep, name", [("\t", "tab"), ("|", "pipe"), (";", "semicolon_no_decimals")]
)
def test_other_separators_are_detected(sep, name):
    rows = [
        ["kh_1", "Poipet (O'Smach; border)", "", "KH", "", "border_town", "town", "13.65805"],
        ["kh_2", "Bavet", "", "KH", "", "border_town", "town", ""],
    ]
    rows[0] += ["102.56365", "", "", "low", "KP1;KP2", ""]
    rows[1] += ["", "", "", "low", "", "a note"]
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\n").writerows([HEADER.split(","), *rows])
    text = out.getvalue()

    table = read_table(text.encode(), f"{name}.csv")

    assert table.delimiter == sep
    assert table.frame.loc[0, "name"] == "Poipet (O'Smach; border)"
    assert table.frame.loc[0, "source_ids"] == "KP1;KP2"
    assert (table.frame.loc[0, "lat"], table.frame.loc[0, "lon"]) == ("13.65805", "102.56365")
    assert table.frame.loc[1, "note"] == "a note"
    shown = {"\t": "tab", "|": "'|'", ";": "';'"}[sep]
    assert table.notes == [f"read as {shown}-separated"]


def test_a_comma_file_with_semicolons_in_cells_stays_comma_separated():
    rows = [
        f'kh_{i},"Site {i}; alias",,KH,,city,town,1.{i},2.{i},,,low,KP1;KP2;KP3,' for i in range(9)
    ]
    table = read_table(locations(rows).encode(), "x.csv")
    assert table.delimiter == "," and table.notes == []
    assert table.frame.loc[8, "source_ids"] == "KP1;KP2;KP3"


def test_thousands_separators_are_left_as_written_and_named():
    """'1.234,5' could be 1234.5 or a typo: it is not converted, so the validator flags it."""
    header = "figure_id;country;metric;value_low;value_high;value_text;qualifier;as_of;source_id"
    text = "\n".join(
        [
            header,
            "f1;KH;people_rescued;1.234,5;2000,0;about 1.234,5;estimate;2024;KP1",
            "f2;KH;people_rescued;1 500;12,0;12,0 people;estimate;2024;KP1",
        ]
    )

    table = read_table(text.encode(), "figures.csv")

    frame = table.frame
    assert frame.loc[0, "value_low"] == "1.234,5"  # left as written
    assert frame.loc[0, "value_high"] == "2000.0"
    assert frame.loc[0, "value_text"] == "about 1.234,5"  # text column: never touched
    assert frame.loc[1, "value_low"] == "1 500"
    assert (frame.loc[1, "value_high"], frame.loc[1, "value_text"]) == ("12.0", "12,0 people")
    assert table.notes == [
        "read as ';'-separated with decimal commas",
        "row 2, column value_low: '1.234,5' has a thousands separator, so it was not "
        "read as a number; write it without one (1234.5)",
        "row 3, column value_low: '1 500' has a thousands separator, so it was not "
        "read as a number; write it without one (1500)",
    ]


def test_a_comma_file_keeps_commas_in_numeric_cells():
    text = locations(['kh_1,A,,KH,,city,town,"11,5",102.5,,,low,,'])
    table = read_table(text.encode(), "x.csv")
    assert table.frame.loc[0, "lat"] == "11,5"  # only a ';'/tab/'|' file has decimal commas


# --- duplicate_lat_header.csv: two 'lat' columns ----------------------------------------


@pytest.mark.parametrize("where", WHERE)
def test_duplicate_lat_header_case_is_refused_naming_the_column(where):
    path = case_file("duplicate_lat_header.csv", where)

    with pytest.raises(CsvError) as caught:
        read_table(path, path.name)

    message = str(caught.value)
    assert message.startswith("duplicate_lat_header.csv: duplicate column(s): lat")
    assert "\n" not in message
    result = check_upload(path.read_bytes(), path.name, {"KP1"}, set())
    assert result.error == message


@pytest.mark.parametrize("where", WHERE)
def test_duplicate_lat_header_case_is_one_problem_for_the_validator(where, tmp_path):
    path = case_file("duplicate_lat_header.csv", where)
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    shutil.copy(path, data / "locations.csv")

    result = load_atlas(data, check_countries=False)

    assert [str(p) for p in result.problems] == [
        "locations.csv: duplicate column(s): lat; each column name must appear once"
    ]
    assert result.fatal


def test_three_way_duplicate_with_spaces_is_one_line_before_any_other_problem():
    header = "site_id, lat ,name,lat,lon,lat  ,name,,"
    text = header + "\na,1,x,2,3,4,y,,data under a blank header\n"

    with pytest.raises(CsvError) as caught:
        read_csv(text.encode(), "x.csv")

    assert str(caught.value) == (
        "x.csv: duplicate column(s): lat, name; each column name must appear once"
    )


# --- Excel's empty columns ------------------------------------------------------------------


def test_excel_trailing_empty_columns_are_dropped():
    text = "a,b,c,,,\r\n1,2,3,,,\r\n,,,,,\r\n4,5,6,, ,\r\n"
    table = read_table(text.encode(), "x.csv")
    assert list(table.frame.columns) == ["a", "b", "c"]
    assert table.frame.to_dict("records") == [
        {"a": "1", "b": "2", "c": "3"},
        {"a": "4", "b": "5", "c": "6"},
    ]
    assert list(table.frame.index) == [0, 2] and table.notes == []


def test_a_blank_header_over_data_names_the_column():
    cells = [str(i) for i in range(16)]
    header = ",".join(LOCATIONS.names[:14]) + ",,"
    text = header + "\n" + ",".join(cells[:14]) + ",,\n" + ",".join(cells[:14]) + ",,x\n"

    with pytest.raises(CsvError) as caught:
        read_csv(text.encode(), "sites.csv")

    assert str(caught.value) == (
        "sites.csv: column 16 (P) has data but no header (row 3 holds 'x'); "
        "name the column or delete it"
    )


# --- encodings ----------------------------------------------------------------------------------


def test_cp1252_from_old_excel_is_read_with_a_note():
    text = locations(["mm_1,Möng La,,MM,Shan State,city,town,21.98,99.6,,,medium,,café – “quoted”"])

    table = read_table(text.encode("cp1252"), "sites.csv")

    assert table.encoding == "cp1252"
    assert table.frame.loc[0, "name"] == "Möng La"
    assert table.frame.loc[0, "note"] == "café – “quoted”"
    assert table.notes == ["read as Windows-1252; save as CSV UTF-8 to be sure"]


def test_thai_windows_874_is_read_with_a_note():
    text = locations(["th_1,แม่สอด,Mae Sot,TH,ตาก,border_town,town,16.7,98.5,,,medium,,"])
    table = read_table(text.encode("cp874"), "sites.csv")
    assert table.frame.loc[0, "name"] == "แม่สอด" and table.frame.loc[0, "admin1"] == "ตาก"
    assert table.notes == ["read as Windows-874 (Thai); save as CSV UTF-8 to be sure"]


def test_vietnamese_windows_1258_is_read_with_a_note():
    name = "Mô\u0323c Ba\u0300i"  # Windows-1258 spells tones as combining marks
    text = locations([f"vn_1,{name},,VN,Tây Ninh,border_town,town,11.0,106.2,,,medium,,"])
    table = read_table(text.encode("cp1258"), "sites.csv")
    assert unicodedata.normalize("NFC", table.frame.loc[0, "name"]) == "Mộc Bài"
    assert table.notes == ["read as Windows-1258 (Vietnamese); save as CSV UTF-8 to be sure"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_utf16_with_a_bom_is_read(codec):
    text = locations(["mm_1,မြို့,Möng La,MM,,city,town,21.98,99.6,,,medium,,"], nl="\r\n")
    raw = text.encode(codec)
    if codec == "utf-16-be":
        raw = codecs.BOM_UTF16_BE + raw

    table = read_table(raw, "sites.csv")

    assert table.bom and table.newline == "\r\n" and table.encoding.startswith("utf-16")
    assert table.frame.loc[0, "name"] == "မြို့" and table.frame.loc[0, "aliases"] == "Möng La"
    assert table.notes == ["read as UTF-16; save as CSV UTF-8 to be sure"]


def test_utf8_with_bom_has_no_note():
    table = read_table(codecs.BOM_UTF8 + "a,b\r\nမြို့,2\r\n".encode(), "x.csv")
    assert (table.bom, table.encoding, table.newline, table.notes) == (True, "utf-8", "\r\n", [])
    assert table.frame.loc[0, "a"] == "မြို့"


@pytest.mark.parametrize(
    "raw",
    [
        b"name,country\n\x81\x8d,MM\n",  # bytes no Windows code page here defines
        "a,b\nမြို့,2\n".encode() + b"x,\xff\n",  # UTF-8 with one stray byte
    ],
    ids=["undefined_bytes", "utf8_with_a_stray_byte"],
)
def test_undetectable_encoding_keeps_the_clear_error(raw):
    with pytest.raises(CsvError, match=r"^x\.csv: not UTF-8 text \(byte 0x.. at offset \d+\); "):
        read_table(raw, "x.csv")


# --- the contract every caller relies on ------------------------------------------------------


def test_read_csv_is_still_importable_from_data_and_tables():
    assert tables_module.read_csv is read_csv and tables_module.CsvError is CsvError
    frame = read_csv(b" a ,b\n1,2\n", "x.csv")
    assert list(frame.columns) == ["a", "b"] and frame.loc[0, "a"] == "1"


def test_cells_are_text_and_quoted_fields_work():
    raw = b'a;b;c\r\n"x;y";"line\r\nbreak";NA\r\n\r\n;"";\r\n007;" 1,5 ";\r\n'
    table = read_table(raw, "x.csv")
    assert table.frame.to_dict("records") == [
        {"a": "x;y", "b": "line\r\nbreak", "c": "NA"},
        {"a": "007", "b": " 1,5 ", "c": ""},
    ]
    assert list(table.frame.index) == [0, 3]


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"", "x.csv: the file is empty (expected a header row and data rows)."),
        (b"\xef\xbb\xbf\r\n", "x.csv: the file is empty (no header row)."),
        (b"sep=;\r\n", "x.csv: the file is empty (no header row)."),
        (b"a,b\n1,\x002\n", "x.csv: contains NUL bytes; this is not a text CSV file."),
        (b'a,b\n1,"2\n', "x.csv: not a well-formed CSV file (row 2: a quote is never closed)."),
        (b"a,b\n1,2,3\n", "x.csv: not a well-formed CSV file (row 2 has 3 cells, the header 2)."),
    ],
)
def test_unreadable_files_say_why_in_one_line(raw, message):
    with pytest.raises(CsvError) as caught:
        read_table(raw, "x.csv")
    assert str(caught.value) == message


def test_a_large_file_is_read_quickly():
    import time

    row = "kh_{i};Site {i};;KH;;city;town;11,{i};102,{i};;;low;KP1;note {i}"
    text = locations([row.format(i=i) for i in range(50_000)], sep=";")
    start = time.perf_counter()
    table = read_table(text.encode(), "big.csv")
    assert time.perf_counter() - start < 10
    assert len(table.frame) == 50_000 and table.frame.loc[49_999, "lat"] == "11.49999"


def test_a_data_folder_saved_by_old_excel_loads(tmp_path):
    """Windows-1252 locations and UTF-16 events (both once refused) load as the clean data."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    clean = load_atlas(data, check_countries=False)
    for file, codec in (("locations.csv", "cp1252"), ("events.csv", "utf-16")):
        path = data / file
        path.write_bytes(path.read_text(encoding="utf-8").encode(codec, errors="replace"))

    result = load_atlas(data, check_countries=False)

    assert [str(p) for p in result.problems] == []
    assert result.summary() == clean.summary()
    assert result.atlas.events.equals(clean.atlas.events)


def test_a_utf16_bom_before_text_that_is_not_utf16_keeps_the_clear_error():
    with pytest.raises(CsvError, match=r"^x\.csv: not UTF-8 text \(byte 0xff at offset 0\)"):
        read_table(b"\xff\xfe not utf-8", "x.csv")


HOSTILE_LOCATIONS = [
    # site_id, name, aliases, country, admin1, zone_type, precision, lat, lon, coord_source,
    # coord_evidence, confidence, source_ids, note, parent_site_id
    ["a1", "Plain", "", "MM", "Kayin", "casino_complex", "compound", "16.8", "98.5",
     "https://example.org/a", "", "high", "S1", "", ""],
    [" a2 ", " <b>Padded</b> ", " x ; y ", " KH ", "", "casino_complex", "town", " 11.5 ",
     "104.9 ", "https://wikimili.com/x", "", "high", "S1; S2", "note\nwith a line", "a1"],
    ["a1", "Duplicate id", "", "MM", "", "city", "town", "16.9", "98.6", "", "", "low",
     "", "", ""],
    ["a4", "", "", "ZZ", "", "nope", "town", "95", "1e400", "http://exa mple.org",
     "mirror of en.wikipedia", "high", "S1;;bad id", "", "a4"],
    ["a5", "Thai digits", "", "TH", "", "city", "town", "๑๖.๘", "98,5",
     "https://ex\u2060ample.org", "", "medium", "S1", "", "a9"],
    ["a6", "\u00a0x", "", "LA", "", "special_economic_zone", "province", "20.3", "100.1",
     "GeoNames", "", "medium", "S1", "", ""],
]  # fmt: skip


SHORT_EVENTS = (  # optional columns left out: the validator adds them as blank
    "event_id,date,country,place,event_type,summary,people,source_id,site_id\n"
    "E1,2024,KH,P,raid,s,1,S1,\nE2,2024-02,KH,P,raid,s,1e400,S1,\n"
)


@pytest.mark.parametrize(
    "file",
    ["locations.csv", "figures.csv", "events.csv", "sources.csv", "hostile.csv", "short.csv"],
)
def test_validating_arrow_text_gives_what_validating_str_cells_gives(file, tmp_path, monkeypatch):
    """The loader reads its own files as Arrow text (columns.TEXT) and the validator checks
    them in Arrow; an upload's str cells go through the same checks. Both give the same
    good rows (Arrow-backed str columns, float coordinates) and the same problems, row
    by row."""
    if file == "hostile.csv":
        path, schema = tmp_path / file, LOCATIONS
        with path.open("w", newline="", encoding="utf-8") as out:
            csv.writer(out).writerows([LOCATIONS.names, *HOSTILE_LOCATIONS])
    elif file == "short.csv":
        path, schema = tmp_path / file, tables_module.EVENTS
        path.write_text(SHORT_EVENTS, encoding="utf-8")
    else:
        path, schema = tables_module.DEFAULT_DATA_DIR / file, tables_module.SCHEMAS[file]
    arrow = read_csv(path, file, arrow=True)
    assert set(arrow.dtypes) == {columns_module.TEXT}  # the Arrow reader took it
    plain = read_csv(path, file)
    assert set(plain.dtypes) == {np.dtype(object)}
    monkeypatch.setattr(tables_module, "ARROW_TEXT_ROWS", 0)  # every table as Arrow text
    a = validate_table(arrow, schema)
    monkeypatch.setattr(tables_module, "ARROW_TEXT_ROWS", 10**9)  # every table as str cells
    b = validate_table(plain, schema)
    assert [str(p) for p in a.problems] == [str(p) for p in b.problems]
    if file == "hostile.csv":
        assert len(a.problems) >= 10 and list(a.frame["site_id"]) == ["a1", "a6"]
    if file == "short.csv":  # and a count of '1e400' people is no whole number
        assert [(p.row, p.column) for p in a.problems] == [(3, "people")]
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=True)
    numeric = tables_module.NUMERIC
    # Either way the good rows' text stays in Arrow buffers (pandas' str dtype), not in a
    # Python object per cell: a million sites' text in a few hundred MB.
    for frame in (a.frame, b.frame):
        assert {frame[c].dtype for c in frame if c not in numeric} == {columns_module.STR}
        assert all(frame[c].dtype == np.float64 for c in frame if c in numeric)
    assert (a.ids, a.bad_keys, a.bad_rows) == (b.ids, b.bad_keys, b.bad_rows)


def test_a_long_file_is_validated_in_the_readers_own_buffers(tmp_path, monkeypatch):
    """The Arrow reader hands each column over as one chunk (its blocks combined a column
    at a time), and a table with no bad row keeps those buffers through the checks into
    its good rows: at a million sites a copy of every column was 400 MB more at the peak."""
    from benchmarks.synthetic import write_dataset
    from components.data import reading

    monkeypatch.setattr(reading, "_BLOCK", 1 << 16)  # many blocks in a small file
    n = tables_module.ARROW_TEXT_ROWS + 500
    write_dataset(tmp_path, n)
    path = tmp_path / "locations.csv"
    assert path.stat().st_size > 8 * reading._BLOCK
    frame = read_csv(path, "locations.csv", arrow=True)
    assert len(frame) == n
    # pandas keeps an Arrow column as a ChunkedArray (pa.array() of it would combine).
    chunks = {c: frame[c].array._pa_array.num_chunks for c in frame}
    assert set(chunks.values()) == {1}, chunks
    result = validate_table(frame, LOCATIONS)
    assert not result.problems and len(result.frame) == n

    def text_buffer(series):
        return series.array._pa_array.chunk(0).buffers()[2].address

    for column in ("name", "aliases", "note", "site_id"):
        assert result.frame[column].dtype == columns_module.STR
        assert text_buffer(result.frame[column]) == text_buffer(frame[column]), column
    # And what it reads is what the same file split by the csv module gives.
    plain = read_table(path, "locations.csv")
    assert frame.astype(object).equals(plain.frame.astype(object))


def test_the_arrow_reader_gives_one_chunk_per_column_whatever_the_file_size():
    from components.data import reading

    row = "x" * 90 + ',"quoted, with comma",' + "é" * 40 + "\n"
    n = (3 * reading._BLOCK) // len(row.encode()) + 1000  # several of the reader's blocks
    body = ("a,b,c\n" + row * n).encode()
    table = reading._arrow_cells(body, ",")
    assert table.num_rows == n + 1
    assert [table.column(i).num_chunks for i in range(3)] == [1, 1, 1]
    assert table.column(1)[n].as_py() == "quoted, with comma"
