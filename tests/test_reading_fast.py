"""The fast reader (pandas' C parser) gives what the csv-module reader gives.

``read_table`` splits a well-formed file with pandas in one pass and sends any other
file through the csv module record by record. These tests read tricky files both ways
(the slow way by turning the fast path off) and compare cells, record positions, notes
and refusals.
"""

from __future__ import annotations

import pandas as pd
import pytest

from components.data import columns, reading
from components.data.reading import CsvError, read_csv, read_table

HEADER = "site_id,name,aliases,country,lat,lon,note"

CASES = {
    "plain": f"{HEADER}\na,Shwe Kokko,,MM,16.8,98.5,x\nb,KK Park,,MM,16.6,98.5,\n",
    "crlf and blank lines": f"{HEADER}\r\n\r\na,A,,MM,1,2,\r\n\r\n\r\nb,B,,KH,3,4,n\r\n\r\n",
    "whitespace-only rows": f"{HEADER}\n  \n\t,  , \na,A,,MM,1,2,\n",
    "old mac line ends": f"{HEADER}\ra,A,,MM,1,2,\rb,B,,KH,3,4,\r",
    "quoted commas and line breaks": (
        f'{HEADER}\na,"Site, with comma","x\r\ny",MM,1,2,"line\nbreak"\nb,B,,KH,3,4,\n'
    ),
    "doubled quotes": f'{HEADER}\na,"The ""Park""",,MM,1,2,"""quoted"""\nb,"""",,KH,3,4,""\n',
    "quote mid cell": f'{HEADER}\na,ab"c,,MM,1,2,5" tall\n',
    "text after closing quote": f'{HEADER}\na,"a"b,,MM,1,2,\n',
    "space before quote": f'{HEADER}\na, "spaced",,MM,1,2,\n',
    "unclosed quote": f'{HEADER}\na,"never closed,,MM,1,2,\n',
    "short rows padded": f"{HEADER}\na,A,,MM\nb,B\n",
    "long row with blank extras": f"{HEADER}\na,A,,MM,1,2,n,,\n",
    "long row with data": f"{HEADER}\na,A,,MM,1,2,n,,extra\n",
    "trailing blank columns": "site_id,name,,\na,A,,\nb,B,,\n",
    "data under blank header": "site_id,,name\na,oops,A\n",
    "duplicate header": "site_id,name,name\na,A,B\n",
    "hostile text": (
        f"{HEADER}\n"
        "a,<script>alert(1)</script>,=cmd|' /C calc'!A0,MM,NA,null,#N/A\n"
        "b,NaN,None,KH,nan,N/A,-\n"
        "c,007,0x1F,TH,1e5,+3,TRUE\n"
    ),
    "scripts and accents": (
        f"{HEADER}\na,မြဝတီ,Mỹ Tho;แว้ง,MM,1,2,ខេត្ត\nb,Möng La,Ｋ Ｋ,MM,1,2,\u200bzw\n"
    ),
    "leading blank line": f"\n{HEADER}\na,A,,MM,1,2,\n",
    "header only": f"{HEADER}\n",
    "no final line end": f"{HEADER}\na,A,,MM,1,2,last",
    "semicolons": "site_id;name;lat;lon\na;A;11,5;102,25\nb;B;1.234,5;2\n",
    "sep line": 'sep=;\r\nsite_id;name;lat\r\na;"x;y";11,5\r\n',
    "tabs": "site_id\tname\tlat\na\tA\t1\n",
    "pipes with quotes": 'site_id|name|lat\na|"x|y"|1\n',
}


def _slow(monkeypatch, raw: bytes, **kwargs):
    with monkeypatch.context() as patch:
        patch.setattr(reading, "_fast_cells", lambda body, delimiter: None)
        return read_table(raw, "x.csv", **kwargs)


def _outcome(read):
    try:
        table = read()
    except CsvError as exc:
        return ("error", str(exc))
    frame = table.frame
    return (
        frame.to_dict("split"),
        list(frame.index),
        [str(t) for t in frame.dtypes],
        table.notes,
        table.delimiter,
        table.decimal_comma,
        table.newline,
    )


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
@pytest.mark.parametrize("parser", ["arrow", "pandas"])
def test_fast_and_csv_module_readers_agree(monkeypatch, name, codec, parser):
    text = CASES[name]
    try:
        raw = text.encode(codec)
    except UnicodeEncodeError:
        pytest.skip("not writable in this code page")
    if parser == "pandas":  # Arrow's reader off: pandas' C parser reads every fast file
        monkeypatch.setattr(reading, "_arrow_cells", lambda body, delimiter: None)
    fast = _outcome(lambda: read_table(raw, "x.csv"))
    slow = _outcome(lambda: _slow(monkeypatch, raw))
    assert fast == slow


LONG_CASES = {  # past the head that a read without the text decodes (reading._utf8_head)
    "spaces then data": " " * (reading._HEAD_BYTES + 10) + f"{HEADER}\na,A,,MM,1,2,\n",
    "sep line, spaces, data": "sep=;\n" + "\u3000" * reading._HEAD_BYTES + "site_id;name\na;A\n",
    "bad byte far in": f"{HEADER}\n" + "a,A,,MM,1,2,n\n" * 30000 + "b,Caf\udce9,,MM,1,2,\n",
    "line end far in": HEADER + "x" * reading._HEAD_BYTES + "\r\na,A,,MM,1,2,\r\n",
}


@pytest.mark.parametrize("name", [*CASES, *LONG_CASES])
@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_read_csv_without_the_text_agrees(monkeypatch, name, codec):
    try:
        raw = {**CASES, **LONG_CASES}[name].encode(codec, errors="surrogateescape")
    except UnicodeEncodeError:
        pytest.skip("not writable in this code page")
    fast = _outcome(lambda: read_table(raw, "x.csv", keep_text=False))
    # A long case's huge cells are over the csv module's field limit: the fast reader
    # with the text is its reference there.
    slow = _outcome(
        (lambda: read_table(raw, "x.csv"))
        if name in LONG_CASES
        else lambda: _slow(monkeypatch, raw)
    )
    assert fast == slow
    if fast[0] != "error":
        assert read_csv(raw, "x.csv").equals(read_table(raw, "x.csv").frame)
        arrow = read_csv(raw, "x.csv", arrow=True)
        back = pd.DataFrame({c: columns.objects(arrow[c]) for c in arrow}, index=arrow.index)
        pd.testing.assert_frame_equal(back, read_table(raw, "x.csv").frame, check_dtype=False)
        assert all(isinstance(v, str) for v in back.to_numpy().ravel())


BYTES = [
    b"caf\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80", b"\xf4\x8f\xbf\xbf",  # valid
    b"\xc3", b"\xc3(", b"\xe2\x82", b"\x80", b"\xbf", b"\xc0\xaf", b"\xe0\x80\xaf",  # cut, stray,
    b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80",  # overlong,
    b"\xfe", b"\xff", b"\xef\xbf\xbe", b"\xef\xbb\xbf",  # surrogates, too high, 5 bytes
]  # fmt: skip


@pytest.mark.parametrize("piece", BYTES, ids=lambda b: b.hex())
def test_the_utf8_check_accepts_what_python_decodes_and_nothing_else(piece):
    raw = b"site_id,name\na," + piece + b"\n"
    try:
        raw.decode("utf-8")
        decodes = True
    except UnicodeDecodeError:
        decodes = False
    assert (reading._utf8_head(raw) is not None) is decodes


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a,b\n1,2\n", True),
        ('a,b\n"1",2\n', True),
        ('a,b\n"1,2"\n', True),
        ('a,b\n"x""y",2\n', True),
        ('a,b\n"""",2\n', True),
        ('a,b\n1,""\n', True),
        ('a,b\n"1"', True),
        ('"a";b\r\n1;"2"\r\n', True),
        ('a,b\nx"y,2\n', False),
        ('a,b\n"x"y,2\n', False),
        ('a,b\n "x",2\n', False),
        ('a,b\n"x,2\n', False),
        ('a;b\n"x",2\n', False),  # a comma after the quote, but ';' separates
    ],
)
def test_quote_check(text, expected):
    delimiter = ";" if text.split("\n")[0].count(";") else ","
    assert reading._quotes_well_formed(text.encode(), delimiter) is expected


def test_the_fast_path_is_taken_for_a_plain_file(monkeypatch):
    calls = []
    monkeypatch.setattr(reading, "_split_records", lambda *a: calls.append(a) or [])
    table = read_table(CASES["doubled quotes"].encode(), "x.csv", keep_text=False)
    assert calls == [] and table.frame.loc[0, "name"] == 'The "Park"'
    assert table.frame.loc[1, "name"] == '"' and table.frame.loc[1, "note"] == ""


def test_rewritten_works_after_a_fast_read():
    raw = b'site_id,name,lat\r\na,"x, y",1\r\n\r\nb,B,2\r\n'
    table = read_table(raw, "x.csv")
    frame = table.frame.copy()
    frame.loc[2, "lat"] = "2.5"
    assert table.rewritten(frame, ["lat"]) == b'site_id,name,lat\r\na,"x, y",1\r\n\r\nb,B,2.5\r\n'
    assert isinstance(table.frame, pd.DataFrame)


@pytest.mark.parametrize("name", ["plain", "doubled quotes", "hostile text", "old mac line ends"])
def test_arrow_reads_a_plain_file(monkeypatch, name):
    read = []
    original = reading._arrow_rows
    monkeypatch.setattr(reading, "_arrow_rows", lambda *a: read.append(1) or original(*a))
    table = read_table(CASES[name].encode(), "x.csv", keep_text=False)
    assert read == [1] and all(isinstance(v, str) for v in table.frame.to_numpy().ravel())


def test_repeated_cells_share_one_str():
    text = HEADER + "\n" + "".join(f"s{i},Site {i},,MM,1,2,same note\n" for i in range(500))
    frame = read_csv(text.encode(), "x.csv")
    assert frame["country"].map(id).nunique() == 1 and frame["note"].map(id).nunique() == 1
    assert frame["site_id"].tolist() == [f"s{i}" for i in range(500)]
