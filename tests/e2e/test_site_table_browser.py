"""The site table in a real browser (tests/apps/site_table_app.py on 120 synthetic sites):
ticking a row chooses its site, a heading click sorts every page, the pages turn, and
the keyboard reaches every row through "Open a site from this page" (tabbing through
the grid chooses nothing).

The grid is a canvas; its cells are read through the hidden table Chromium exposes to
screen readers (``glide-cell-<column>-<row>``, column 0 being the tick boxes), which
holds only the rows scrolled into view.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import Locator, Page, expect

from benchmarks.synthetic import write_dataset
from components.analysis.dataset import prepare
from components.analysis.site_table import PAGE_SIZE, site_rows
from components.data import load_atlas
from components.ui.site_table import COLUMN_WIDTHS
from tests.e2e.axe import axe_violations, format_violations
from tests.harness import APP_IDLE, run_app, wait_for_app

SITES = 120
AS_OF = "2026-11-30"  # as tests/apps/site_table_app.py
SITE_COLUMN, COUNTRY_COLUMN = 1, 2
TICKS = 33  # px, the tick-box column left of the Site column
TICK_X = TICKS / 2
COUNTRY_X = TICKS + COLUMN_WIDTHS["Site"] + COLUMN_WIDTHS["Country"] / 2
Shot = Callable[[str], Path]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("sites"), SITES)


@pytest.fixture(scope="module")
def table_url(data_dir: Path) -> Iterator[str]:
    with run_app(data_dir=data_dir, script="tests/apps/site_table_app.py") as url:
        yield url


@pytest.fixture(scope="module")
def expected(data_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """What the table should show, from the pure function on the same data."""
    atlas = load_atlas(data_dir).atlas
    prep = prepare(atlas, tmp_path_factory.mktemp("payload"))
    status = prep.status.at(AS_OF)
    counts = np.bincount(prep.event_rows[prep.event_rows >= 0], minlength=len(atlas.locations))

    def page(**kwargs) -> pd.DataFrame:
        args = (atlas.locations, status.reported, status.index, status.disputed, counts)
        return site_rows(*args, **kwargs).rows

    return page


def open_table(page: Page, url: str) -> Locator:
    page.set_viewport_size({"width": 1200, "height": 1100})
    page.goto(url)
    wait_for_app(page)
    grid = page.get_by_test_id("stDataFrame")
    expect(cell(page, SITE_COLUMN, 0)).not_to_have_text("")
    return grid


def cell(page: Page, column: int, row: int) -> Locator:
    return page.get_by_test_id(f"glide-cell-{column}-{row}")


def chosen(page: Page) -> Locator:
    return page.get_by_text(re.compile(r"^Selected site:"))


def expect_marked(page: Page, site_name: str) -> None:
    """The grid shows exactly one row as selected (among those in view): this one."""
    rows = page.locator("[data-testid=stDataFrame] table[role=grid] tr[aria-selected=true]")
    expect(rows).to_have_count(1)
    expect(rows.locator("td").first).to_have_text(site_name)


def click_cell(page: Page, grid: Locator, column_x: float, row: int) -> None:
    """Click inside the grid's canvas; the pointer moves there first, as a hand would
    (the grid ignores a click that arrives without a hover)."""
    box = grid.bounding_box()
    assert box is not None
    x, y = box["x"] + column_x, box["y"] + 35 * (row + 1.5)  # 35 px rows under a header
    page.mouse.move(x - 4, y - 4)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.up()


def caption(page: Page, pattern: str) -> Locator:
    return page.get_by_test_id("stCaptionContainer").filter(has_text=re.compile(pattern))


def test_ticking_a_row_chooses_its_site_and_marks_it(page: Page, table_url, expected, shot):
    grid = open_table(page, table_url)
    first = expected()
    expect(chosen(page)).to_have_text("Selected site: none")
    click_cell(page, grid, TICK_X, 2)  # the third row's tick box
    expect(chosen(page)).to_have_text(f"Selected site: {first['site_id'].iloc[2]}")
    expect_marked(page, first["Site"].iloc[2])
    expect(page.get_by_text("Selection version: 1")).to_be_visible()
    chooser = page.get_by_role("combobox", name="Open a site from this page")
    # The chooser is an action, empty again, so the open site can be chosen again.
    expect(chooser).to_have_value("Choose a site…")
    shot("01-row-chosen")


def test_a_heading_click_sorts_every_page(page: Page, table_url, expected, shot):
    grid = open_table(page, table_url)
    expect(page.get_by_text("Page 1 of 3 · rows 1–50 of")).to_be_visible()
    click_cell(page, grid, COUNTRY_X, -1)  # the Country heading
    expect(caption(page, "sorted by country \\(A to Z")).to_be_visible()
    by_country = expected(sort="Country")
    expect(cell(page, COUNTRY_COLUMN, 0)).to_have_text(by_country["Country"].iloc[0])
    expect(cell(page, SITE_COLUMN, 0)).to_have_text(by_country["Site"].iloc[0])
    wait_for_app(page)  # a click while the sort's rerun still draws the grid is lost
    click_cell(page, grid, COUNTRY_X, -1)  # again: Z to A
    expect(caption(page, "sorted by country \\(Z to A")).to_be_visible()
    by_country_desc = expected(sort="Country", descending=True)
    expect(cell(page, SITE_COLUMN, 0)).to_have_text(by_country_desc["Site"].iloc[0])
    expect(chosen(page)).to_have_text("Selected site: none")  # sorting chose nothing
    shot("01-sorted-by-country-desc")
    # The last page holds the end of the same order, not a re-sorted page.
    page.get_by_role("button", name="Next page").click()
    page.get_by_role("button", name="Next page").click()
    expect(page.get_by_text(re.compile(r"^Page 3 of 3 · rows 101–"))).to_be_visible()
    last = expected(sort="Country", descending=True, page=2)
    expect(cell(page, SITE_COLUMN, 0)).to_have_text(last["Site"].iloc[0])
    shot("02-last-page")


def test_pages_turn_without_overlap(page: Page, table_url, expected):
    open_table(page, table_url)
    previous = page.get_by_role("button", name="Previous page")
    expect(previous).to_be_disabled()
    page.get_by_role("button", name="Next page").click()
    expect(
        page.get_by_text(f"Page 2 of 3 · rows {PAGE_SIZE + 1}–{2 * PAGE_SIZE} of")
    ).to_be_visible()
    expect(cell(page, SITE_COLUMN, 0)).to_have_text(expected(page=1)["Site"].iloc[0])
    expect(previous).to_be_enabled()
    previous.click()
    expect(cell(page, SITE_COLUMN, 0)).to_have_text(expected()["Site"].iloc[0])


def test_the_keyboard_opens_any_row_of_the_page(page: Page, table_url, expected, shot):
    open_table(page, table_url)
    first = expected()
    search = page.get_by_role("textbox", name="Find a site in the table")
    search.focus()
    # Tab order: sort, order, the grid's toolbar and cells, the page buttons, the chooser.
    chooser = page.get_by_role("combobox", name="Open a site from this page")
    for _ in range(30):  # inside the grid, Tab steps through the first row's cells
        page.keyboard.press("Tab")
        if chooser.evaluate("el => el === document.activeElement"):
            break
    expect(chooser).to_be_focused()
    expect(chosen(page)).to_have_text("Selected site: none")  # passing the grid chose nothing
    wanted = first.iloc[4]
    page.keyboard.type(wanted["Site"])
    page.keyboard.press("Enter")
    expect(chosen(page)).to_have_text(f"Selected site: {wanted['site_id']}")
    expect_marked(page, wanted["Site"])
    shot("01-chosen-by-keyboard")


def test_the_keyboard_ticks_a_row_in_the_grid(page: Page, table_url, expected):
    """Arrow keys move a focused cell; Shift+Space ticks its row (Space alone does not)."""
    open_table(page, table_url)
    first = expected()
    page.get_by_role("textbox", name="Find a site in the table").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => !!document.activeElement.closest('[data-testid=stDataFrame]')"):
            if page.evaluate("() => document.activeElement.tagName !== 'BUTTON'"):
                break
    for _ in range(2):
        page.keyboard.press("ArrowDown")
        page.wait_for_timeout(100)  # the grid moves its focused cell on the next frame
    page.wait_for_function("() => /^glide-cell-/.test(document.activeElement.dataset.testid)")
    focused = page.evaluate("() => document.activeElement.dataset.testid")
    row = int(focused.rsplit("-", 1)[1])  # glide-cell-<column>-<row>
    assert row >= 1
    page.keyboard.press("Space")
    page.wait_for_timeout(500)
    page.wait_for_selector(APP_IDLE)
    expect(chosen(page)).to_have_text("Selected site: none")  # Space alone ticks nothing
    page.keyboard.press("Shift+Space")
    expect(chosen(page)).to_have_text(f"Selected site: {first['site_id'].iloc[row]}")
    expect_marked(page, first["Site"].iloc[row])


def test_search_narrows_the_table_to_matching_sites(page: Page, table_url, expected):
    open_table(page, table_url)
    name = expected()["Site"].iloc[7]
    search = page.get_by_role("textbox", name="Find a site in the table")
    search.fill(name.upper())
    search.press("Enter")
    expect(page.get_by_text(re.compile(r"^Page 1 of 1 · rows 1–\d+ of \d+$"))).to_be_visible()
    expect(cell(page, SITE_COLUMN, 0)).to_have_text(expected(query=name.upper())["Site"].iloc[0])


def test_the_table_meets_wcag_aa(page: Page, table_url, expected):
    """axe-core, WCAG 2.0-2.2 A/AA, serious and critical: before and after a choice."""
    open_table(page, table_url)
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
    chooser = page.get_by_role("combobox", name="Open a site from this page")
    chooser.click()
    page.keyboard.type(expected()["Site"].iloc[1])
    page.keyboard.press("Enter")
    expect(chosen(page)).to_have_text(f"Selected site: {expected()['site_id'].iloc[1]}")
    page.wait_for_selector(APP_IDLE)
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
