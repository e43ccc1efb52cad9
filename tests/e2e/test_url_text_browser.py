"""A search typed in the sidebar survives the link, in a real browser with no internet.

Case folder ``comma_in_search`` (issue 10): "Bamban, Tarlac" typed in the search box, the
link copied, and the link reopened showed "Bamban Tarlac" and no site. Here each awkward
search (tests/test_url_text.py: TRICKY) is typed into "Search names and aliases"; the
address is read, opened in a new page, and that page's search box must hold exactly the
same text and show the same sites (the "Sites shown" figure, the map's site count and
the site table's rows, checked against the pure search on the same data).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from components.data import load_atlas
from tests.e2e.test_map import metric, wait_for_sites
from tests.harness import map_frame, run_app, screenshot, wait_for_app
from tests.test_url_text import BAMBAN_ID, BAMBAN_NAME, TRICKY, expected_sites, write_data

SEARCH_LABEL = "Search names and aliases"
PICK_LABEL = "Open a site from this page"
Shot = Callable[[str], Path]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_data(tmp_path_factory.mktemp("url_text") / "data")


@pytest.fixture(scope="module")
def atlas(data):
    return load_atlas(data).atlas


@pytest.fixture(scope="module")
def url(data) -> Iterator[str]:
    with run_app(data_dir=data) as base:
        yield base


def search_box(page: Page):
    return page.get_by_label(SEARCH_LABEL, exact=True)


def type_search(page: Page, text: str) -> None:
    """Type ``text`` into the sidebar's search box and commit it (Enter)."""
    box = search_box(page)
    box.fill(text)
    box.press("Enter")


def address_query(page: Page) -> list[str]:
    return parse_qs(urlsplit(page.url).query, keep_blank_values=True).get("q", [])


def wait_for_address(page: Page, q: str) -> str:
    """The page's address once its q is ``q`` (the app writes it after the rerun)."""
    for _ in range(100):
        if address_query(page) == [q]:
            return page.url
        page.wait_for_timeout(100)
    raise AssertionError(f"the address never held q={q!r}: {page.url}")


def table_rows(page: Page) -> set[str]:
    """The site table's rows, from its plain-text chooser (the grid is a canvas)."""
    if (
        page.get_by_text("No shown site matches this search.").count()
        or page.get_by_text("No site is shown.").count()
    ):
        return set()
    chooser = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(PICK_LABEL))
    chooser.click()
    page.get_by_role("option").first.wait_for()  # "Choose a site…" and the rows
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return {o.split(" · ")[0] for o in options if " · " in o}


def shown(page: Page, count: int) -> set[str]:
    expect(metric(page, "Sites shown")).to_have_text(str(count))
    wait_for_sites(map_frame(page), count)
    return table_rows(page)


def names_of(atlas, ids: set[str]) -> set[str]:
    locations = atlas.locations.set_index("site_id")
    return {locations.at[i, "name"] for i in ids}


def round_trip(page: Page, context: BrowserContext, atlas, typed: str, kept: str):
    """Type ``typed``, check the address holds ``kept``, reopen it; return the new page."""
    type_search(page, typed)
    wait_for_app(page)
    link = wait_for_address(page, kept)
    want = expected_sites(atlas, kept)
    assert expected_sites(atlas, typed) == want  # the search strips its ends too
    before = shown(page, len(want))
    assert before == names_of(atlas, want), typed

    other = context.new_page()
    other.goto(link)
    wait_for_app(other)
    try:
        expect(search_box(other)).to_have_value(kept)
        after = shown(other, len(want))
    except AssertionError:
        screenshot(other, "FAILED-url_text-reopened")
        raise
    assert after == before, f"{typed!r}: {before} then {after} after reopening {link}"
    return other


def test_the_case_search_survives_the_link(
    url: str, page: Page, context: BrowserContext, atlas, shot: Shot
):
    """comma_in_search: "Bamban, Tarlac" finds the Bamban site before and after the link."""
    page.goto(url)
    wait_for_app(page)
    other = round_trip(page, context, atlas, "Bamban, Tarlac", "Bamban, Tarlac")
    assert expected_sites(atlas, "Bamban, Tarlac") == {BAMBAN_ID}
    assert table_rows(other) == {BAMBAN_NAME}
    shot("01-typed")
    screenshot(other, "url_text-bamban-02-reopened")
    other.close()


@pytest.mark.parametrize("q", TRICKY[1:])
def test_tricky_search_survives_the_link(q: str, url: str, page: Page, context, atlas):
    page.goto(url)
    wait_for_app(page)
    other = round_trip(page, context, atlas, q, q)
    screenshot(other, f"url_text-tricky-{TRICKY.index(q):02d}-reopened")
    other.close()


def test_spaces_at_the_ends_are_left_out_of_the_link(
    url: str, page: Page, context: BrowserContext, atlas
):
    """Decided: the link keeps the search without its end spaces (same sites)."""
    page.goto(url)
    wait_for_app(page)
    other = round_trip(page, context, atlas, "  Bamban, Tarlac ", "Bamban, Tarlac")
    screenshot(other, "url_text-end-spaces-reopened")
    other.close()
