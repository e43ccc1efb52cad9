"""The map-first workspace at the sizes analysts use (1440x900, 1280x720, a 390x844
phone), in a real browser with no internet:

- the map's top edge is within the first 20% of the window, and on a wide window the map
  fills the window's height beside the panel column and takes at least 60% of the width;
- every shown site lies inside the map's visible bounds, with its marker (or the cluster
  holding it) clear of the map's controls, on first load and after a filter change;
- a link with a map view (map=zoom/lat/lon) reopens that view, and the map writes its
  view to the address as the analyst moves it;
- re-choosing a site after panning re-centres on it;
- two sites at one point each open by mouse and by keyboard;
- axe-core finds no serious or critical violation.

The sites expected on the map come from data/locations.csv, not from the app.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Frame, Locator, Page, expect

from tests.e2e.axe import axe_map_frame, axe_violations, format_violations
from tests.e2e.test_map import LOCATIONS, choose, open_app, wait_for_sites
from tests.harness import MAP_IFRAME, set_map_view, wait_in_frame

Shot = Callable[[str], Path]
SIZES = {"1440x900": (1440, 900), "1280x720": (1280, 720), "phone-390x844": (390, 844)}
PHONE_WIDTH = 640  # Streamlit stacks columns below this width
KH = LOCATIONS[LOCATIONS["country"] == "KH"]
BAVET = (11.06317, 106.13557)
BAVET_COMPOUNDS = {"a7_park_bavet": "A7 Park", "venus_park_bavet": "Venus Park"}
KK_PARK = (16.647556, 98.520722)

# Shown sites outside the map's bounds, and marker or cluster icons that sit under one
# of the map's controls (zoom, fit, basemap switcher, legend, notices) or off the map.
OUT_OF_VIEW = """(sites) => {
  const map = window.map_div;
  const bounds = map.getBounds();
  const outside = sites.filter(([id, lat, lon]) => !bounds.contains([lat, lon])).map((s) => s[0]);
  const box = map.getContainer().getBoundingClientRect();
  const controls = [...map.getContainer().querySelectorAll(".leaflet-control")]
    .map((c) => c.getBoundingClientRect()).filter((r) => r.width && r.height);
  const covered = [];
  for (const icon of map.getContainer().querySelectorAll(".atlas-site, .atlas-cluster")) {
    const r = icon.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const off = x < box.left || x > box.right || y < box.top || y > box.bottom;
    const under = controls.some((c) => x >= c.left && x <= c.right && y >= c.top && y <= c.bottom);
    if (off || under) covered.push(icon.getAttribute("aria-label"));
  }
  return {outside, covered, zoom: map.getZoom()};
}"""


@pytest.fixture(params=list(SIZES), ids=list(SIZES))
def size(request: pytest.FixtureRequest, page: Page) -> tuple[int, int]:
    width, height = SIZES[request.param]
    page.set_viewport_size({"width": width, "height": height})
    return width, height


def sites_of(frame_rows) -> list[list]:
    return [[r.site_id, float(r.lat), float(r.lon)] for r in frame_rows.itertuples()]


def assert_all_in_view(frame: Frame, rows, where: str) -> None:
    # The fit runs once the payload is in; give a re-fit (a notice appearing) time to land.
    frame.page.wait_for_timeout(600)
    found = frame.evaluate(OUT_OF_VIEW, sites_of(rows))
    assert not found["outside"], f"{where}: sites outside the map's view: {found}"
    assert not found["covered"], f"{where}: markers under a control or off the map: {found}"


def assert_map_is_the_page(page: Page, size: tuple[int, int]) -> None:
    width, height = size
    box = page.locator(MAP_IFRAME).bounding_box()
    assert box is not None
    assert box["y"] <= 0.2 * height, f"map top at {box['y']:.0f} px of {height}"
    if width < PHONE_WIDTH:
        assert box["width"] >= 0.9 * width, f"phone map {box['width']:.0f} px of {width}"
        assert box["height"] >= 0.5 * height, f"phone map {box['height']:.0f} px high"
        return
    main = page.get_by_test_id("stMainBlockContainer").bounding_box()
    assert main is not None
    assert box["width"] >= 0.6 * main["width"] - 1, (box["width"], main["width"])
    # Fills the window's height: its foot is on screen, with at most a small margin below.
    bottom = box["y"] + box["height"]
    assert height - 40 <= bottom <= height, f"map from {box['y']:.0f} to {bottom:.0f} of {height}"


def test_first_view_and_a_filter_frame_every_shown_site(
    page: Page, app_url: str, size: tuple[int, int], shot: Shot
) -> None:
    frame = open_app(page, app_url)
    assert_map_is_the_page(page, size)
    assert_all_in_view(frame, LOCATIONS, "first load")
    shot("01-first-load")

    if size[0] < PHONE_WIDTH:  # the filters are in the sidebar, folded away on a phone
        page.get_by_test_id("stExpandSidebarButton").click()
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "false")
        page.wait_for_timeout(500)  # the sidebar slides in
    choose(page, "Country", "Cambodia (KH)")
    wait_for_sites(frame, len(KH))
    if size[0] < PHONE_WIDTH:
        page.get_by_test_id("stSidebar").get_by_role("button", name="Collapse sidebar").click()
    expect(page).to_have_url(re.compile(r"[?&]country=KH(&|$)"))
    assert_all_in_view(frame, KH, "after choosing Cambodia")
    # Framed to Cambodia, not left at the world view of the first load.
    assert frame.evaluate("() => map_div.getZoom()") >= 6
    shot("02-cambodia")


def test_a_link_with_a_map_view_reopens_it(
    page: Page, app_url: str, size: tuple[int, int], shot: Shot
) -> None:
    frame = open_app(page, app_url, "?map=9/16.6900/98.5100")
    wait_in_frame(frame, "() => map_div.getZoom() === 9")
    centre = frame.evaluate("() => map_div.getCenter()")
    assert centre["lat"] == pytest.approx(16.69, abs=1e-3)
    assert centre["lng"] == pytest.approx(98.51, abs=1e-3)
    shot("01-link-view")

    # The analyst moves the map: the address follows, and that link reopens the new view.
    set_map_view(frame, *BAVET, 12)
    expect(page).to_have_url(re.compile(r"[?&]map=12(/|%2F)11\.0632(/|%2F)106\.1356(&|$)"))
    copied = page.url
    other = page.context.new_page()
    other.set_viewport_size(page.viewport_size or {"width": 1280, "height": 720})
    again = open_app(other, copied.split("/?")[0], "?" + copied.split("?", 1)[1])
    wait_in_frame(again, "() => map_div.getZoom() === 12")
    moved = again.evaluate("() => map_div.getCenter()")
    assert (moved["lat"], moved["lng"]) == pytest.approx(BAVET, abs=1e-3)
    other.close()


def choose_in_table(page: Page, name: str) -> None:
    """Open the Sites tab, find ``name`` in the table of shown sites and choose it."""
    tab = page.get_by_role("tab", name="Sites", exact=True)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    search = page.get_by_role("textbox", name="Find a site in the table")
    if search.input_value() != name:
        search.fill(name)
        search.press("Enter")
    picker = page.get_by_role("combobox", name="Open a site from this page")
    option = page.get_by_role("option", name=re.compile(rf"^{re.escape(name)} ·"))
    # A rerun still on its way (the search, the tab) redraws the list and closes it:
    # open it again until the site is offered.
    for _ in range(5):
        page.wait_for_timeout(600)
        picker.click()
        try:
            expect(option).to_have_count(1, timeout=3_000)
            break
        except AssertionError:
            page.keyboard.press("Escape")
    option.click()


def test_choosing_a_site_again_after_panning_recentres_on_it(
    page: Page, app_url: str, size: tuple[int, int], shot: Shot
) -> None:
    frame = open_app(page, app_url)
    choose_in_table(page, "KK Park")
    expect(page).to_have_url(re.compile(r"[?&]site=kk_park(&|$)"))
    centre = "() => { const c = map_div.getCenter(); return [c.lat, c.lng]; }"
    wait_in_frame(frame, f"([lat, lon]) => Math.abs(({centre})()[0] - lat) < 1e-3", KK_PARK)
    assert frame.evaluate(centre) == pytest.approx(KK_PARK, abs=1e-3)
    shot("01-chosen")

    set_map_view(frame, *BAVET, 8)  # the analyst pans away
    choose_in_table(page, "KK Park")  # and chooses the same site again
    wait_in_frame(frame, f"([lat, lon]) => Math.abs(({centre})()[0] - lat) < 1e-3", KK_PARK)
    assert frame.evaluate(centre) == pytest.approx(KK_PARK, abs=1e-3)
    expect(page.get_by_role("tab", name="Dossier")).to_have_attribute("aria-selected", "true")
    shot("02-chosen-again")


def bavet_cluster(frame: Frame) -> Locator:
    """Zoom to Bavet; its compounds share one point, so they sit in one cluster."""
    set_map_view(frame, *BAVET, 14)
    cluster = frame.locator(".atlas-cluster").first
    expect(cluster).to_be_visible()
    return cluster


def expect_dossier(page: Page, site_id: str, name: str) -> None:
    expect(page).to_have_url(re.compile(rf"[?&]site={site_id}(&|$)"))
    heading = page.locator("h3", has_text=name)
    expect(heading).to_have_count(1)
    heading.scroll_into_view_if_needed()  # on a phone the dossier is under the map
    expect(heading).to_be_visible()


def test_two_sites_at_one_point_each_open_by_mouse_and_keyboard(
    page: Page, app_url: str, size: tuple[int, int], shot: Shot
) -> None:
    frame = open_app(page, app_url)
    for site_id, name in BAVET_COMPOUNDS.items():
        page.locator(MAP_IFRAME).scroll_into_view_if_needed()
        bavet_cluster(frame).click()  # fans the sites out around their shared point
        leg = frame.locator(f'[data-site="{site_id}"]')
        expect(leg).to_be_visible()
        leg.click()
        expect_dossier(page, site_id, name)
        shot(f"01-mouse-{site_id}")
        frame.locator(".leaflet-popup-close-button").click()

    for site_id, name in BAVET_COMPOUNDS.items():
        page.locator(MAP_IFRAME).scroll_into_view_if_needed()
        cluster = bavet_cluster(frame)
        cluster.focus()
        page.keyboard.press("Enter")  # fans out and moves focus to the first site
        focused = "() => document.activeElement.getAttribute('data-site')"
        wait_in_frame(frame, f"() => !!({focused})()")
        for _ in range(8):
            if frame.evaluate(focused) == site_id:
                break
            page.keyboard.press("Tab")
        assert frame.evaluate(focused) == site_id
        page.keyboard.press("Enter")
        expect_dossier(page, site_id, name)
        shot(f"02-keyboard-{site_id}")
        frame.locator(".leaflet-popup-close-button").click()


def test_no_serious_accessibility_violations(
    page: Page, app_url: str, size: tuple[int, int], shot: Shot
) -> None:
    open_app(page, app_url, "?site=kk_park")
    page.wait_for_timeout(800)
    found = axe_violations(page)
    assert not found, format_violations(found)
    found = axe_violations(axe_map_frame(page))
    assert not found, "map frame:\n" + format_violations(found)
    shot("01-checked")
