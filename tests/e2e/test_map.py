"""The map in a real browser with no internet: it draws, filters redraw it in place,
a marker click opens the dossier, and links reproduce a view.

Every page runs offline (see conftest): only the app answers, so these tests also prove
the map needs nothing from a CDN. "Same iframe" is proved with a probe variable set
inside the map's frame: a remount (or reload) of the iframe would wipe it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from playwright.sync_api import Error, Frame, Locator, Page, expect

from components.ui.site_table import PICK_LABEL
from tests.harness import (
    MAP_IFRAME,
    BlockedRequests,
    map_frame,
    set_map_view,
    wait_for_app,
    wait_in_frame,
)

LOCATIONS = pd.read_csv(Path(__file__).resolve().parents[2] / "data" / "locations.csv")
ALL_SITES = len(LOCATIONS)  # the committed data (python -m components.data validate passes)
KH_SITES = int((LOCATIONS["country"] == "KH").sum())
TILE_HOST = re.compile(r"^[a-d]\.basemaps\.cartocdn\.com$")
OFFLINE_NOTICE = "Online basemap unreachable: showing offline country outlines."
OUTLINES = "Country outlines (offline)"
PHNOM_PENH = (11.56944, 104.92111)  # a "city" site: the only black (#000000) marker there
PROBE = "window.__probe = 'kept'"
PROBE_KEPT = "() => window.__probe === 'kept'"

Shot = Callable[[str], Path]


# --- helpers -----------------------------------------------------------------------


def open_app(page: Page, base_url: str, query: str = "") -> Frame:
    """Open the app (optionally with a query string) and return the ready map frame."""
    page.goto(f"{base_url}/{query}")
    wait_for_app(page)
    return map_frame(page)


def atlas_attr(frame: Frame, name: str) -> int:
    return int(frame.evaluate("(n) => document.documentElement.getAttribute(n)", name))


def wait_for_sites(frame: Frame, count: int) -> None:
    """Wait until the map's layer shows ``count`` sites (in this same iframe)."""
    assert not frame.is_detached(), "the map iframe was remounted (its frame is detached)"
    wait_in_frame(
        frame,
        "(n) => document.documentElement.getAttribute('data-atlas-sites') === String(n)",
        count,
    )


def metric(page: Page, label: str) -> Locator:
    return (
        page.get_by_test_id("stMetric")
        .filter(has=page.get_by_text(label, exact=True))
        .get_by_test_id("stMetricValue")
    )


def multiselect(page: Page, label: str) -> Locator:
    return page.get_by_test_id("stMultiSelect").filter(has=page.get_by_text(label, exact=True))


def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the sidebar multiselect ``label`` and close its list."""
    multiselect(page, label).click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def query_params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def expect_no_error_on_page(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)


# --- tests -------------------------------------------------------------------------


def test_map_draws_offline_with_local_assets_only(
    page: Page, app_url: str, blocked: BlockedRequests, page_errors: list[Error], shot: Shot
) -> None:
    frame = open_app(page, app_url)

    box = page.locator(MAP_IFRAME).bounding_box()
    assert box is not None and box["height"] > 300, f"map iframe box: {box}"
    assert atlas_attr(frame, "data-atlas-sites") == ALL_SITES
    expect(frame.locator(".atlas-cluster").first).to_be_visible()
    expect(metric(page, "Sites shown")).to_have_text(str(ALL_SITES))

    # The tiles fail (no internet), so the map falls back to the offline outlines.
    expect(frame.locator("#atlas-notice")).to_have_text(OFFLINE_NOTICE)
    expect(frame.get_by_role("radio", name=OUTLINES)).to_be_checked()
    wait_in_frame(frame, "() => window.atlas.outlinesDrawn === true")
    expect(frame.locator("svg path:not(.leaflet-interactive)").first).to_be_attached()
    expect(page.get_by_text("Map scripts were not found")).to_have_count(0)
    shot("01-loaded-offline")

    # The only things the page wanted from the internet are basemap tiles.
    assert blocked.requests, "no tile request was attempted: is the offline routing on?"
    assert blocked.of_type("script", "stylesheet", "font") == []
    assert {h for h in blocked.hosts() if not TILE_HOST.match(h)} == set(), blocked.urls
    assert page_errors == []
    # The map's scripts came as one file (one round trip), not one after another.
    scripts = frame.evaluate(
        """() => performance.getEntriesByType('resource')
                 .filter(e => e.initiatorType === 'script')
                 .map(e => new URL(e.name).pathname)
                 .filter(p => p.startsWith('/app/static/'))"""
    )
    assert len(scripts) == 1 and "/app/static/generated/map-" in scripts[0], scripts


# Outline layers with pixel coordinates (projected), by country name.
PROJECTED_OUTLINES = """() => {
  const names = [];
  let total = 0;
  window.atlas.outlines.eachLayer((l) => {
    total += 1;
    if (l._rings && l._rings.length) names.push(l.feature.properties.name);
  });
  return {total, names};
}"""
# The outline layer of a country, by name (a JS function's text, for the checks below).
OUTLINE_OF = """const outlineOf = (name) => {
  let found = null;
  window.atlas.outlines.eachLayer((l) => { if (l.feature.properties.name === name) found = l; });
  return found;
};"""
OUTLINE_PATH = (
    "(name) => {"
    + OUTLINE_OF
    + """
  const node = outlineOf(name).getElement();
  const map = window.atlas.map.getContainer().getBoundingClientRect();
  const box = node.getBoundingClientRect();
  const inView = box.right > map.left && box.left < map.right &&
    box.bottom > map.top && box.top < map.bottom;
  return {d: node.getAttribute('d').length, inView};
}"""
)
# Whether an outline's drawn path equals the one a projection made now draws.
FRESH_PATH = (
    "(name) => {"
    + OUTLINE_OF
    + """
  const layer = outlineOf(name);
  const drawn = layer.getElement().getAttribute('d');
  layer._lazyKey = null;
  layer._update();
  return drawn === layer.getElement().getAttribute('d') && drawn.length > 20;
}"""
)


def test_offline_outlines_are_drawn_where_the_camera_goes(
    page: Page, app_url: str, shot: Shot
) -> None:
    """The offline outlines project only the countries near the view (a camera jump does
    not re-project the world), and a country a pan brings into view is drawn."""
    frame = open_app(page, app_url)
    wait_in_frame(
        frame, "() => window.atlas.basemap === 'outlines' && window.atlas.outlinesDrawn === true"
    )
    # A site chosen near Sihanoukville: the camera jumps there at the selection zoom.
    frame.evaluate("() => window.atlas.runCamera({kind: 'site', at: [10.63, 103.50]})")
    projected = frame.evaluate(PROJECTED_OUTLINES)
    assert projected["total"] > 200
    assert "Cambodia" in projected["names"]
    assert "Laos" not in projected["names"]  # its bounds end 3 degrees north of the view
    assert len(projected["names"]) < 10, projected["names"]
    cambodia = frame.evaluate(OUTLINE_PATH, "Cambodia")
    assert cambodia["inView"] and cambodia["d"] > 100, cambodia
    shot("01-jump-to-sihanoukville")

    # Another jump at the same zoom (Phnom Penh): a new pixel origin, so Cambodia is
    # projected anew; its path is what a fresh projection draws, not the last one's.
    frame.evaluate("() => window.atlas.runCamera({kind: 'site', at: [11.56, 104.92]})")
    assert frame.evaluate(FRESH_PATH, "Cambodia") is True

    # Pan north a screen at a time (no re-projection on a pan) until the view is over
    # Laos (19.3N 103.5E, near Phonsavan), 9 degrees north.
    frame.evaluate(
        """() => {
          const map = window.atlas.map;
          const step = Math.round(map.getSize().y * 0.8);
          for (let k = 0; k < 60 && map.getCenter().lat < 19.3; k++) {
            map.panBy([0, -step], {animate: false});
          }
        }"""
    )
    laos = frame.evaluate(OUTLINE_PATH, "Laos")
    # Drawn (clipped to the view, it may be just the view's box), not the empty "M0 0".
    assert laos["inView"] and laos["d"] > 20, laos
    assert "Laos" in frame.evaluate(PROJECTED_OUTLINES)["names"]
    shot("02-panned-to-laos")


PLACE_NAMES = (
    "() => Array.from(document.querySelectorAll('.atlas-place-name'), (n) => n.textContent)"
)


def test_place_names_follow_the_camera(page: Page, app_url: str, shot: Shot) -> None:
    """Town names are placed after a move has been painted (a jump's frame does not wait
    for them), and they follow it: after two jumps in one task, the names are those of the
    last view only."""
    frame = open_app(page, app_url)
    wait_in_frame(frame, "() => document.querySelectorAll('.atlas-place-name').length > 0")
    # The jump's task ends with the old names: they are placed after the paint.
    same_task = frame.evaluate(
        "() => { window.atlas.runCamera({kind: 'site', at: [10.63, 103.50]}); return ("
        + PLACE_NAMES
        + ")(); }"
    )
    assert "Sihanoukville" not in same_task
    wait_in_frame(frame, "() => document.body.innerText.includes('Sihanoukville')")
    assert "Mae Sot" not in frame.evaluate(PLACE_NAMES)
    shot("01-sihanoukville")

    # Two jumps in one task (Myawaddy, then back near Sihanoukville, then Myawaddy):
    # the names of the last view, and none of the first's.
    frame.evaluate(
        """() => {
          for (const at of [[16.69, 98.51], [10.63, 103.50], [16.69, 98.51]])
            window.atlas.runCamera({kind: 'site', at});
        }"""
    )
    wait_in_frame(frame, "() => document.body.innerText.includes('Mae Sot')")
    names = frame.evaluate(PLACE_NAMES)
    assert "Myawaddy" in names and "Sihanoukville" not in names, names
    shot("02-myawaddy")


def test_country_filter_redraws_markers_in_the_same_iframe(
    page: Page, app_url: str, shot: Shot
) -> None:
    frame = open_app(page, app_url)
    set_map_view(frame, 12.5, 104.9, 6)
    frame.evaluate(PROBE)
    center = frame.evaluate("() => map_div.getCenter()")
    renders = atlas_attr(frame, "data-atlas-renders")
    shot("01-before")

    choose(page, "Country", "Cambodia (KH)")

    expect(
        multiselect(page, "Country").get_by_role("button", name="Remove Cambodia (KH)")
    ).to_be_visible()
    expect(metric(page, "Sites shown")).to_have_text(str(KH_SITES))
    expect(metric(page, "Countries")).to_have_text("1")
    wait_for_sites(frame, KH_SITES)
    assert frame.evaluate(PROBE_KEPT), "the map iframe was reloaded or remounted"
    assert atlas_attr(frame, "data-atlas-renders") > renders
    assert frame.evaluate("() => window.atlas.stats.sites") == KH_SITES
    assert frame.evaluate("() => map_div.getZoom()") == 6, "zoom was reset by the filter"
    assert frame.evaluate("() => map_div.getCenter()") == center, "the map was panned"
    expect(page).to_have_url(re.compile(r"[?&]country=KH(&|$)"))
    shot("02-cambodia")


def black_marker(frame: Frame) -> Locator:
    """Phnom Penh's marker once the map is zoomed to it (the only "city" site there)."""
    return frame.locator('[data-site="phnom_penh"]')


def stable_center(page: Page, locator: Locator) -> tuple[float, float]:
    """Centre of ``locator`` in page coordinates, once it has stopped moving."""
    previous = None
    for _ in range(50):
        box = locator.bounding_box()
        if box is not None and box == previous:
            return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        previous = box
        page.wait_for_timeout(100)
    raise AssertionError(f"{locator} kept moving: last box {previous}")


def test_marker_click_opens_dossier(page: Page, app_url: str, shot: Shot) -> None:
    frame = open_app(page, app_url)
    frame.evaluate(PROBE)
    expect(page.get_by_role("heading", name="Phnom Penh")).to_have_count(0)
    # Zoom 12, not the app's "show a site" zoom (11): a re-centre after the click would show.
    set_map_view(frame, *PHNOM_PENH, 12)
    marker = black_marker(frame)
    expect(marker).to_have_count(1)
    shot("01-zoomed-to-phnom-penh")

    marker.click()  # fails if anything (legend, halo, badge) covers the marker

    expect(page.locator("h3", has_text="Phnom Penh")).to_be_visible()
    expect(page.get_by_text("What the sources say", exact=True)).to_be_visible()
    expect(page.get_by_role("tab", name="Dossier")).to_have_attribute("aria-selected", "true")
    expect(page).to_have_url(re.compile(r"[?&]site=phnom_penh(&|$)"))
    expect(frame.locator("path.atlas-selected")).to_have_count(1)  # the selection ring
    assert frame.evaluate(PROBE_KEPT), "the map iframe was reloaded or remounted"
    assert frame.evaluate("() => map_div.getZoom()") == 12, "the click changed the zoom"
    shot("02-dossier")


def test_first_marker_click_works_with_the_map_partly_below_the_fold(
    page: Page, app_url: str, shot: Shot
) -> None:
    """Regression: Leaflet focuses the map on the first mousedown; with plain focus() the
    browser scrolled the page to show the whole iframe, the marker moved away under the
    pointer, the mouseup landed elsewhere and the click was lost (the page jumped and no
    dossier opened). Here the window hides the map's bottom 40 px."""
    frame = open_app(page, app_url)
    set_map_view(frame, *PHNOM_PENH, 12)  # the marker sits in the middle of the map
    box = page.locator(MAP_IFRAME).bounding_box()
    assert box is not None
    hidden = 40  # px of the map below the window; the marker (14 px) then moves off the pointer
    height = int(box["y"] + box["height"]) - hidden
    assert height > box["height"] + 50, f"window too short to show the whole map: {box}"
    width = page.viewport_size["width"] if page.viewport_size else 1400
    page.set_viewport_size({"width": width, "height": height})
    marker = black_marker(frame)
    expect(marker).to_be_in_viewport()
    x, y = stable_center(page, marker)
    shot("01-map-bottom-below-the-fold")

    # A user's click where the marker is: no scrolling first (Playwright's locator.click
    # may scroll the marker to the middle of the window, which hides the problem).
    page.mouse.click(x, y)

    expect(page.locator("h3", has_text="Phnom Penh")).to_be_visible()
    shot("02-after-first-click")
    after = page.locator(MAP_IFRAME).bounding_box()
    assert after is not None and after["y"] == box["y"], "the page jumped on the click"


def ring_at(frame: Frame) -> list[float] | None:
    """Where the selection ring stands on the map, or None when there is none."""
    return frame.evaluate(
        """() => {
          const a = window.atlas, r = a.ring;
          if (!r || !a.map.hasLayer(r)) return null;
          const ll = r.getLatLng();
          return [ll.lat, ll.lng];
        }"""
    )


def test_choosing_a_site_in_the_table_moves_the_ring_without_redrawing_markers(
    page: Page, app_url: str, page_errors: list[Error], shot: Shot
) -> None:
    """A site chosen outside the map sends a new layer spec (selection and camera only):
    the ring and the camera move, the markers stay (no rebuild, which took 3.2 s at
    100,000 sites), and the map's clicks still open dossiers afterwards."""
    frame = open_app(page, app_url)
    frame.evaluate(PROBE)
    renders = atlas_attr(frame, "data-atlas-renders")
    specs = atlas_attr(frame, "data-atlas-specs")
    kk_park = LOCATIONS.set_index("site_id").loc["kk_park"]

    chooser = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(PICK_LABEL))
    wait_for_app(page)
    chooser.click()
    page.keyboard.type("KK Park ·")  # the list holds only the options scrolled into view
    page.get_by_role("option", name=re.compile(r"^KK Park · ")).click()

    expect(page.locator("h3", has_text="KK Park")).to_be_visible()
    wait_in_frame(
        frame,
        "(n) => Number(document.documentElement.getAttribute('data-atlas-specs')) > n",
        specs,
    )
    ring = ring_at(frame)
    assert ring is not None, "no selection ring"
    assert ring == pytest.approx([kk_park["lat"], kk_park["lon"]], abs=1e-6)
    expect(frame.locator("path.atlas-selected")).to_have_count(1)
    expect(frame.locator('[data-site="kk_park"]')).to_be_in_viewport()  # the camera moved
    assert atlas_attr(frame, "data-atlas-renders") == renders, "the markers were rebuilt"
    assert atlas_attr(frame, "data-atlas-sites") == ALL_SITES
    assert frame.evaluate(PROBE_KEPT), "the map iframe was reloaded or remounted"
    shot("01-kk-park-chosen-in-table")

    # The kept markers still reach the app: a click on another site opens its dossier
    # and rings it, again without a rebuild.
    set_map_view(frame, *PHNOM_PENH, 12)
    black_marker(frame).click()
    expect(page.locator("h3", has_text="Phnom Penh")).to_be_visible()
    phnom_penh = LOCATIONS.set_index("site_id").loc["phnom_penh"]
    assert ring_at(frame) == pytest.approx([phnom_penh["lat"], phnom_penh["lon"]], abs=1e-6)
    assert atlas_attr(frame, "data-atlas-renders") == renders, "the markers were rebuilt"
    assert not page_errors
    shot("02-phnom-penh-clicked")


def test_link_with_filters_opens_that_view(page: Page, app_url: str, shot: Shot) -> None:
    frame = open_app(page, app_url, "?country=KH&zone=special_economic_zone")

    expect(
        multiselect(page, "Country").get_by_role("button", name="Remove Cambodia (KH)")
    ).to_be_visible()
    expect(
        multiselect(page, "Zone type").get_by_role("button", name="Remove Special economic zone")
    ).to_be_visible()
    expect(metric(page, "Sites shown")).to_have_text("2")
    wait_for_sites(frame, 2)
    assert atlas_attr(frame, "data-atlas-sites") == 2
    params = query_params(page)  # the link survives the first rerun unchanged
    assert (params.get("country"), params.get("zone")) == (["KH"], ["special_economic_zone"])
    expect_no_error_on_page(page)
    shot("01-kh-sez")


def test_link_with_unknown_values_is_ignored_with_a_notice(
    page: Page, app_url: str, shot: Shot
) -> None:
    frame = open_app(page, app_url, "?country=ZZ&zone=%3Cscript%3E")

    info = page.get_by_test_id("stAlertContentInfo")
    expect(
        info.filter(has_text="Ignored unknown country value(s) in the link: 'ZZ'.")
    ).to_be_visible()
    # Shown as text, not swallowed as markup.
    expect(
        info.filter(has_text="Ignored unknown zone value(s) in the link: '<script>'.")
    ).to_be_visible()
    expect_no_error_on_page(page)
    expect(metric(page, "Sites shown")).to_have_text(str(ALL_SITES))
    wait_for_sites(frame, ALL_SITES)
    expect(
        multiselect(page, "Country").get_by_role("button", name=re.compile("^Remove"))
    ).to_have_count(0)
    # The link is rewritten to the view actually shown: the junk is gone.
    expect(page).not_to_have_url(re.compile(r"ZZ|script", re.IGNORECASE))
    shot("01-junk-link")


def test_reset_filters_restores_all_sites_and_clears_the_url(
    page: Page, app_url: str, shot: Shot
) -> None:
    frame = open_app(page, app_url, "?country=KH&zone=special_economic_zone&q=Dara")
    expect(metric(page, "Sites shown")).to_have_text("1")
    wait_for_sites(frame, 1)
    frame.evaluate(PROBE)
    shot("01-filtered")

    page.get_by_role("button", name="Reset filters").click()

    expect(metric(page, "Sites shown")).to_have_text(str(ALL_SITES))
    wait_for_sites(frame, ALL_SITES)
    assert frame.evaluate(PROBE_KEPT), "the map iframe was reloaded or remounted"
    for label in ("Country", "Zone type", "Confidence"):
        expect(
            multiselect(page, label).get_by_role("button", name=re.compile("^Remove"))
        ).to_have_count(0)
    expect(page.get_by_label("Search names and aliases")).to_have_value("")
    expect(page).not_to_have_url(re.compile(r"[?&](country|zone|confidence|q)="))
    expect(page.get_by_role("button", name="Reset filters")).to_be_disabled()
    shot("02-reset")
