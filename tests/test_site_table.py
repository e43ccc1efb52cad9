"""The site table: search, sort and paging (pure), and its panel's wiring (AppTest).

AppTest cannot click a row of ``st.dataframe`` (its ``Dataframe`` element has no
selection to set), so the grid's callback is called directly here and the clicks
themselves are driven in a real browser (tests/e2e/test_site_table_browser.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from components.analysis.site_table import (
    COLUMNS,
    KEY_COLUMN,
    NOT_YET_LABEL,
    SORTS,
    TableKeys,
    event_counts,
    site_rows,
    status_label,
)
from components.data.tables import CONFIDENCES, SITE_STATUSES, ZONE_TYPES
from components.ui import site_table as panel
from components.ui import state
from tests.apptest import ROOT, fresh_caches  # noqa: F401 (autouse fixture)

APP = str(ROOT / "tests" / "apps" / "site_table_app.py")


# --- a small table whose every order is known ---------------------------------------

SITES = pd.DataFrame(
    {
        "site_id": ["kk", "mong", "shwe", "poipet", "golden", "bavet"],
        "name": ["KK Park", "Möng La", "Shwe Kokko", "Poipet", "Golden Triangle SEZ", "bavet"],
        "aliases": ["", "Mongla", "Yatai New City; Shuigougu", "Paoy Paet", "Kings Romans", ""],
        "country": ["MM", "MM", "MM", "KH", "LA", "KH"],
        "zone_type": [
            "compound",
            "border_town",
            "casino_complex",
            "border_town",
            "special_economic_zone",
            "border_town",
        ],
        "confidence": ["medium", "medium", "high", "high", "low", "high"],
    }
)
CODES = np.array(
    ["demolished_claimed", "reported", "raided", "reported", "raided", "operating"], dtype=object
)
DISPUTED = np.array([True, False, False, False, False, False])
COUNTS = np.array([6, 0, 6, 2, 3, 1])
ALL = np.ones(len(SITES), dtype=bool)


def ids(page) -> list[str]:
    return page.rows[KEY_COLUMN].tolist()


def table(**kwargs):
    args = {"mask": ALL, "status_code": CODES, "disputed": DISPUTED, "event_counts": COUNTS}
    args.update(kwargs)
    return site_rows(SITES, **args)


# Country names sort Cambodia < Laos < Myanmar; zone labels Border town < Casino complex
# < Compound < Special economic zone; status in life order reported < operating < raided
# < demolished_claimed; confidence low < medium < high. Ties always by name A-Z (the
# accent and case folded: "bavet" < "Golden" < "KK Park" < "Möng La" < "Poipet" < "Shwe").
@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        ("Site", False, ["bavet", "golden", "kk", "mong", "poipet", "shwe"]),
        ("Site", True, ["shwe", "poipet", "mong", "kk", "golden", "bavet"]),
        ("Country", False, ["bavet", "poipet", "golden", "kk", "mong", "shwe"]),
        ("Country", True, ["kk", "mong", "shwe", "golden", "bavet", "poipet"]),
        ("Zone type", False, ["bavet", "mong", "poipet", "shwe", "kk", "golden"]),
        ("Zone type", True, ["golden", "kk", "shwe", "bavet", "mong", "poipet"]),
        ("Status", False, ["mong", "poipet", "bavet", "golden", "shwe", "kk"]),
        ("Status", True, ["kk", "golden", "shwe", "bavet", "mong", "poipet"]),
        ("Confidence", False, ["golden", "kk", "mong", "bavet", "poipet", "shwe"]),
        ("Confidence", True, ["bavet", "poipet", "shwe", "kk", "mong", "golden"]),
        ("Events", False, ["mong", "bavet", "poipet", "golden", "kk", "shwe"]),
        ("Events", True, ["kk", "shwe", "golden", "poipet", "bavet", "mong"]),
    ],
)
def test_every_column_sorts_the_whole_table_both_ways(sort, descending, expected):
    page = table(sort=sort, descending=descending)
    assert ids(page) == expected
    assert page.total == 6 and page.pages == 1


def test_every_sort_is_tested():
    assert set(SORTS) == set(COLUMNS)


def test_a_disputed_status_sorts_after_the_same_status_undisputed():
    codes = np.array(["raided"] * 6, dtype=object)
    disputed = np.array([False, True, False, False, False, False])
    page = table(status_code=codes, disputed=disputed, sort="Status")
    assert ids(page)[-1] == "mong"  # disputed raid last; the others by name
    assert ids(page)[:5] == ["bavet", "golden", "kk", "poipet", "shwe"]


def test_rows_carry_labels_not_codes():
    rows = table(sort="Site").rows.set_index(KEY_COLUMN)
    assert list(rows.columns) == list(COLUMNS)
    kk = rows.loc["kk"]
    assert kk["Site"] == "KK Park"
    assert kk["Country"] == "Myanmar"
    assert kk["Zone type"] == "Compound"
    assert kk["Status"] == "Demolition claimed (disputed)"
    assert kk["Confidence"] == "Medium"
    assert kk["Events"] == 6
    assert rows.loc["golden", "Confidence"] == "Low (unverified estimate)"
    assert rows.loc["golden", "Country"] == "Laos"
    assert rows.loc["shwe", "Status"] == "Raided"


@pytest.mark.parametrize("descending", [False, True])
def test_status_as_positions_gives_the_same_table_as_codes(descending):
    """StatusAt.index (int8 positions in SITE_STATUSES, -1 = not yet) is the fast form."""
    codes = CODES.copy()
    codes[1] = ""  # Möng La not yet reported
    index = np.array([SITE_STATUSES.index(c) if c else -1 for c in codes], dtype=np.int8)
    by_code = table(status_code=codes, sort="Status", descending=descending).rows
    by_index = table(status_code=index, sort="Status", descending=descending).rows
    pd.testing.assert_frame_equal(by_code, by_index)
    assert by_index.set_index(KEY_COLUMN).loc["mong", "Status"] == NOT_YET_LABEL


def test_status_labels():
    assert status_label("raided") == "Raided"
    assert status_label("raided", disputed=True) == "Raided (disputed)"
    assert status_label("") == NOT_YET_LABEL
    assert status_label("closed") == "Sealed / closed"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("mong", ["mong"]),  # the name has an umlaut, the query none
        ("MÖNG", ["mong"]),  # case and accents both folded
        ("  mongla ", ["mong"]),  # an alias, spaces trimmed
        ("yatai", ["shwe"]),  # the second alias of a list
        ("paoy paet", ["poipet"]),
        ("cambodia", ["bavet", "poipet"]),  # the country's name
        ("laos", ["golden"]),
        ("park", ["kk"]),
        ("zzz", []),
        ("", ["bavet", "golden", "kk", "mong", "poipet", "shwe"]),
    ],
)
def test_search_looks_in_names_aliases_and_country_names(query, expected):
    page = table(query=query)
    assert ids(page) == expected
    assert page.total == len(expected)


def test_search_and_table_see_only_the_shown_sites():
    mask = np.array([True, False, True, True, True, True])  # Möng La hidden by the filters
    assert ids(table(mask=mask, query="mong")) == []
    assert table(mask=mask).total == 5


def test_prepared_haystack_gives_the_same_search():
    from components.analysis.filters import search_text

    keys = TableKeys.build(SITES, search_text(SITES))
    assert ids(table(query="yatai", keys=keys)) == ["shwe"]
    with pytest.raises(ValueError, match="haystack has 2 rows, expected 6"):
        TableKeys.build(SITES, search_text(SITES).iloc[:2])


def test_paging_cuts_the_sorted_table_without_overlap():
    pages = [table(page=p, page_size=4) for p in range(2)]
    assert [p.total for p in pages] == [6, 6] and [p.pages for p in pages] == [2, 2]
    assert ids(pages[0]) == ["bavet", "golden", "kk", "mong"]
    assert ids(pages[1]) == ["poipet", "shwe"]
    assert (pages[0].start, pages[0].stop, pages[1].start, pages[1].stop) == (0, 4, 4, 6)
    assert list(pages[1].rows.index) == [0, 1]  # the index is the row's place on the page


@pytest.mark.parametrize(("asked", "drawn"), [(-3, 0), (0, 0), (2, 2), (3, 2), (99, 2)])
def test_pages_outside_the_table_are_clamped(asked, drawn):
    page = table(page=asked, page_size=2)
    assert page.page == drawn and page.pages == 3


def test_an_empty_table_has_one_empty_page_with_its_columns():
    page = table(query="nothing matches")
    assert (page.total, page.pages, page.page, page.start, page.stop) == (0, 1, 0, 0, 0)
    assert list(page.rows.columns) == [KEY_COLUMN, *COLUMNS]
    assert page.selected_page is None


def test_the_page_says_where_the_selected_site_is():
    first = table(page=0, page_size=4, selected="shwe")
    assert (first.selected_page, first.selected_row) == (1, None)
    second = table(page=1, page_size=4, selected="shwe")
    assert (second.selected_page, second.selected_row) == (1, 1)
    assert ids(second)[second.selected_row] == "shwe"
    hidden = table(page=0, selected="mong", query="cambodia")
    assert (hidden.selected_page, hidden.selected_row) == (None, None)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sort": "Name"}, "Unknown sort column 'Name'"),
        ({"page_size": 0}, "page_size must be at least 1"),
        ({"mask": ALL[:3]}, r"mask has shape \(3,\), expected \(6,\)"),
        ({"status_code": CODES[:5]}, "status_code has shape"),
        ({"event_counts": COUNTS[:1]}, "event_counts has shape"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        table(**kwargs)


def test_event_counts_count_shown_events_at_mapped_sites():
    rows = np.array([0, 0, 2, -1, 2, 2, 5])
    shown = np.array([True, True, True, True, False, True, True])
    counts = event_counts(rows, shown, 6)
    assert counts.tolist() == [2, 0, 2, 0, 0, 1]  # -1 (no site) and hidden events ignored
    assert event_counts(np.array([], dtype=int), np.array([], dtype=bool), 3).tolist() == [0] * 3
    with pytest.raises(ValueError, match="event_rows has shape"):
        event_counts(rows, shown[:2], 6)
    with pytest.raises(ValueError, match="names site row 5; only 4 sites"):
        event_counts(rows, shown, 4)


def test_100000_sites_give_one_page_in_the_right_order():
    n = 100_000
    rng = np.random.default_rng(7)
    countries = np.array(["MM", "KH", "LA", "TH", "PH"])
    big = pd.DataFrame(
        {
            "site_id": [f"s{i:06d}" for i in range(n)],
            "name": [f"Site {i:06d}" for i in range(n)],
            "aliases": "",
            "country": countries[rng.integers(0, len(countries), n)],
            "zone_type": np.array(ZONE_TYPES)[rng.integers(0, len(ZONE_TYPES), n)],
            "confidence": np.array(CONFIDENCES)[rng.integers(0, len(CONFIDENCES), n)],
        }
    )
    codes = np.array(SITE_STATUSES, dtype=object)[rng.integers(0, len(SITE_STATUSES), n)]
    counts = rng.integers(0, 1000, n)
    mask = rng.random(n) < 0.8
    keys = TableKeys.build(big)
    page = site_rows(
        big,
        mask,
        codes,
        np.zeros(n, dtype=bool),
        counts,
        sort="Events",
        descending=True,
        page=3,
        page_size=50,
        keys=keys,
    )
    assert len(page.rows) == 50 and page.total == int(mask.sum())
    expected = np.sort(counts[mask])[::-1][150:200]
    assert page.rows["Events"].tolist() == expected.tolist()
    last = site_rows(big, mask, codes, np.zeros(n, bool), counts, page=10**9, keys=keys)
    assert last.page == last.pages - 1 and len(last.rows) == last.total - last.start
    found = site_rows(big, mask, codes, np.zeros(n, bool), counts, query="site 012345", keys=keys)
    assert found.total == int(mask[12345])


# --- the panel: wiring under AppTest --------------------------------------------------


def run_app(data_dir: Path | None = None, monkeypatch=None) -> AppTest:
    if data_dir is not None:
        monkeypatch.setenv("ATLAS_DATA_DIR", str(data_dir))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def grid(at: AppTest) -> pd.DataFrame:
    assert len(at.dataframe) == 1
    return at.dataframe[0].value


def grid_key(at: AppTest) -> str:
    """The grid's key in this session (it changes when the grid starts afresh)."""
    version = at.session_state[panel.GRID_VERSION] if panel.GRID_VERSION in at.session_state else 0
    return f"{panel.GRID}-{version}"


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption).replace("\\", "")


def test_panel_draws_the_shown_sites_with_their_labels():
    at = run_app()
    frame = grid(at)
    assert list(frame.columns) == [KEY_COLUMN, *COLUMNS]
    assert len(frame) == 49 and frame[KEY_COLUMN].is_unique
    assert frame["Site"].tolist() == sorted(frame["Site"], key=lambda s: s.casefold())
    kk = frame.set_index(KEY_COLUMN).loc["kk_park"]
    assert kk["Status"] == "Demolition claimed (disputed)" and kk["Country"] == "Myanmar"
    assert "49 sites, sorted by site (A to Z) across all pages" in captions(at)
    assert "Page 1 of 1 · rows 1–49 of 49" in captions(at)
    assert at.button(key=f"{state.TABLE}_next").disabled
    assert at.button(key=f"{state.TABLE}_prev").disabled


def test_panel_search_sort_and_order():
    at = run_app()
    at.text_input(key=panel.QUERY).input("MÖNG").run()
    assert grid(at)["Site"].tolist() == ["Mong La"]
    at.text_input(key=panel.QUERY).input("").run()
    at.selectbox(key=panel.SORT).select("Events").run()
    at.toggle(key=panel.DESCENDING).set_value(True).run()
    events = grid(at)["Events"].tolist()
    assert events == sorted(events, reverse=True) and events[0] > 0
    assert "sorted by events (most first, ties by name)" in captions(at)


def test_choosing_from_the_page_selects_the_site_and_marks_its_row():
    at = run_app()
    at.selectbox(key=panel.PICK).select("kk_park").run()
    assert at.session_state[state.SITE] == "kk_park"
    assert at.session_state[state.SEL_SITE] == "kk_park"
    assert at.session_state[state.SEL_VERSION] == 1
    row = grid(at)[KEY_COLUMN].tolist().index("kk_park")
    assert at.session_state[grid_key(at)]["selection"]["rows"] == [row]
    # The chooser reads each row as text (the grid's canvas is not page text).
    box = at.selectbox(key=panel.PICK)
    assert box.value == ""  # an action: empty again, so the same site can be chosen again
    assert (
        "KK Park · Myanmar · Compound · Demolition claimed (disputed) · Medium confidence · "
        "6 events"
    ) in box.options
    # Choosing it again moves the camera again (a new selection version).
    at.selectbox(key=panel.PICK).select("kk_park").run()
    assert at.session_state[state.SEL_VERSION] == 2


def test_paging_through_more_than_one_page(tmp_path, monkeypatch):
    from benchmarks.synthetic import write_dataset

    write_dataset(tmp_path, 120)
    at = run_app(tmp_path, monkeypatch)
    first = grid(at)
    assert len(first) == 50
    total = int(captions(at).split(" sites, sorted")[0].rsplit("\n", 1)[-1].replace(",", ""))
    assert total > 100
    at.button(key=f"{state.TABLE}_next").click().run()
    second = grid(at)
    assert f"Page 2 of 3 · rows 51–100 of {total}" in captions(at)
    assert not set(first[KEY_COLUMN]) & set(second[KEY_COLUMN])
    at.button(key=f"{state.TABLE}_next").click().run()
    assert len(grid(at)) == total - 100
    assert at.button(key=f"{state.TABLE}_next").disabled
    # A site chosen elsewhere (the map) on another page: one click shows its row.
    wanted = first[KEY_COLUMN].iloc[7]
    at.session_state[state.SITE] = wanted
    at.run()
    goto = at.button(key=f"{state.TABLE}_goto")
    assert goto.label.endswith("(page 1)")
    goto.click().run()
    assert "Page 1 of 3" in captions(at)
    assert at.session_state[grid_key(at)]["selection"]["rows"] == [7]
    # A search goes back to the first page.
    at.button(key=f"{state.TABLE}_next").click().run()
    at.text_input(key=panel.QUERY).input("golden").run()
    assert "Page 1 of" in captions(at)


# --- the grid's callback (AppTest cannot click a dataframe row) ------------------------


@pytest.fixture
def session(monkeypatch):
    fake: dict = {state.SEL_VERSION: 0, panel.SORT: "Site", panel.DESCENDING: False}
    monkeypatch.setattr(st, "session_state", fake)
    return fake


KEY = "grid-key"


def selection(rows=(), columns=(), cells=()) -> dict:
    return {"selection": {"rows": list(rows), "columns": list(columns), "cells": list(cells)}}


def test_ticking_a_row_chooses_its_site_outside_the_map(session):
    session[KEY] = selection(rows=[1])
    panel._grid_changed(("a", "b", "c"), KEY)
    assert session[state.SITE] == "b" and session[state.SEL_SITE] == "b"
    assert session[state.SEL_VERSION] == 1


def test_unticking_the_chosen_row_chooses_it_again_on_a_fresh_grid(session):
    session[state.SITE] = "b"
    session[KEY] = selection()
    panel._grid_changed(("a", "b", "c"), KEY)
    # The site stays chosen, and is chosen again: the map centres on it again.
    assert session[state.SITE] == "b" and session[state.SEL_VERSION] == 1
    assert session[panel.GRID_VERSION] == 1  # a new grid, where "b" is ticked again


def test_a_heading_click_sorts_every_page_and_again_flips_it(session):
    session[panel.PAGE] = 4
    session[KEY] = selection(columns=["Country"])
    panel._grid_changed(("a",), KEY)
    assert (session[panel.SORT], session[panel.DESCENDING], session[panel.PAGE]) == (
        "Country",
        False,
        0,
    )
    assert session[panel.GRID_VERSION] == 1  # a fresh grid: the same heading can flip it
    panel._grid_changed(("a",), KEY)
    assert session[panel.DESCENDING] is True
    session[KEY] = selection(columns=["Events"])
    panel._grid_changed(("a",), KEY)
    assert (session[panel.SORT], session[panel.DESCENDING]) == ("Events", True)  # most first
    assert state.SITE not in session  # sorting chooses no site


def test_choosing_a_row_opens_the_dossier_panel_when_there_is_one(session, monkeypatch):
    monkeypatch.setattr(state, "PANEL", "panel_choice", raising=False)
    session[KEY] = selection(rows=[0])
    panel._grid_changed(("a",), KEY)
    assert session["panel_choice"] == "Dossier"


def test_table_keys_are_built_once_per_dataset(tmp_path):
    from components.analysis.dataset import prepare
    from components.data import load_atlas

    atlas = load_atlas(ROOT / "data").atlas
    one, two = prepare(atlas, tmp_path), prepare(atlas, tmp_path)
    keys = panel.table_keys(one, atlas.locations)
    assert panel.table_keys(one, atlas.locations) is keys
    assert panel.table_keys(two, atlas.locations) is not keys
    assert len(keys) == len(atlas.locations)


@pytest.mark.parametrize(
    "needle",
    ["mong", "cambodia", "la | ", "la | myanmar", "| thai", "kokko | myan", "a", "o", "zzz",
     "ar | c", "bavet | cam", "mong_la", "|"],
)  # fmt: skip
def test_the_search_without_a_joined_text_finds_what_the_joined_text_finds(needle):
    """The table searches the app's own haystack and each country's name apart (no
    per-row joined copy: 170 MB at a million sites); a query spanning the ' | ' between
    them still finds what searching the joined text finds."""
    from components.analysis.filters import normalise, search_text
    from components.data.labels import country_name

    keys = TableKeys.build(SITES, search_text(SITES))
    joined = search_text(SITES).reset_index(drop=True) + " | "
    joined += SITES["country"].map(lambda c: normalise(country_name(c))).reset_index(drop=True)
    expected = joined.str.contains(needle.strip(), regex=False).to_numpy(dtype=bool)
    assert (keys.matches(needle.strip()) == expected).all()


def test_a_site_row_is_found_by_its_id_and_an_unknown_id_gives_minus_one():
    keys = TableKeys.build(SITES)
    for row, site_id in enumerate(SITES["site_id"]):
        assert keys.row_of(site_id) == row
    assert keys.row_of("nowhere") == -1 and keys.row_of("") == -1
    doubled = pd.concat([SITES, SITES.iloc[[2]]], ignore_index=True)
    assert TableKeys.build(doubled).row_of(SITES["site_id"].iloc[2]) == 2  # the first
