"""Time in a real browser: the "as of" date redraws each site's status in place, a copied
link with dates reproduces the view, and compounds that share one town point can each be
opened by mouse and by keyboard.

KK Park's life in data/events.csv: reported active with new buildings (E20, 2025-09-08,
status operating), raided by the junta (E26, from 2025-10-16, raided), then the
demolition campaign the junta claims and independent imagery disputes (E33, claim of 2026-01-06,
demolished_claimed, disputed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Frame, Locator, Page, expect

from tests.e2e.test_map import (
    PROBE,
    PROBE_KEPT,
    metric,
    multiselect,
    open_app,
    query_params,
)
from tests.harness import map_frame, set_map_view, wait_in_frame

Shot = Callable[[str], Path]
KK_PARK = (16.647556, 98.520722)
BAVET = (11.06317, 106.13557)
BAVET_COMPOUNDS = ("a7_park_bavet", "venus_park_bavet")


def site_marker(frame: Frame, site_id: str) -> Locator:
    return frame.locator(f'[data-site="{site_id}"]')


def wait_for_render_after(frame: Frame, renders: int) -> None:
    wait_in_frame(
        frame,
        "(n) => Number(document.documentElement.getAttribute('data-atlas-renders')) > n",
        renders,
    )


def renders(frame: Frame) -> int:
    return int(frame.evaluate("() => document.documentElement.getAttribute('data-atlas-renders')"))


def as_of_value(page: Page) -> str:
    """The day the "Status as of" slider shows (its thumb's label)."""
    slider = page.get_by_test_id("stSlider").filter(has=page.get_by_text("Status as of"))
    return slider.get_by_test_id("stSliderThumbValue").inner_text()


def test_as_of_date_redraws_kk_park_status_in_place(page: Page, app_url: str, shot: Shot) -> None:
    frame = open_app(page, app_url, "?asof=2025-10-01&status=raided")
    frame.evaluate(PROBE)
    set_map_view(frame, *KK_PARK, 13)
    zoom = frame.evaluate("() => map_div.getZoom()")
    # Before the raid: the status filter "Raided" does not show KK Park.
    expect(site_marker(frame, "kk_park")).to_have_count(0)
    raided_before = int(metric(page, "Sites shown").inner_text().replace(",", ""))
    shot("01-before-raid-filtered")

    # Clear the status filter: KK Park is there, drawn as operating (reported active).
    multiselect(page, "Status as of the chosen date").get_by_role(
        "button", name="Remove Raided"
    ).click()
    expect(site_marker(frame, "kk_park")).to_have_attribute("data-status", "operating")
    shot("02-before-raid")
    before = renders(frame)

    # One month on (2025-11-01): after the raid of 16 October, before the demolitions.
    page.get_by_role("button", name="1 month ▶").click()
    wait_for_render_after(frame, before)
    expect(site_marker(frame, "kk_park")).to_have_attribute("data-status", "raided")
    assert "2025-11-01" in as_of_value(page)
    assert frame.evaluate(PROBE_KEPT), "the map iframe was reloaded or remounted"
    assert frame.evaluate("() => map_div.getZoom()") == zoom, "the date change reset the zoom"
    shot("03-after-raid")

    # The status filter follows the date: "Raided" now includes KK Park.
    multiselect(page, "Status as of the chosen date").click()
    page.get_by_role("option", name="Raided", exact=True).click()
    page.keyboard.press("Escape")
    expect(site_marker(frame, "kk_park")).to_have_attribute("data-status", "raided")
    expect(page).to_have_url(re.compile(r"[?&]status=raided(&|$)"))
    raided_after = int(metric(page, "Sites shown").inner_text().replace(",", ""))
    assert raided_after > raided_before
    assert query_params(page)["asof"] == ["2025-11-01"]

    # Today: the demolition the junta claims, marked disputed.
    multiselect(page, "Status as of the chosen date").get_by_role(
        "button", name="Remove Raided"
    ).click()
    page.get_by_role("button", name="Reset filters").click()
    marker = site_marker(frame, "kk_park")
    expect(marker).to_have_attribute("data-status", "demolished_claimed")
    expect(marker).to_have_attribute(
        "aria-label", re.compile(r"^KK Park, compound, Myanmar, demolition claimed \(disputed\)")
    )
    assert frame.evaluate(PROBE_KEPT), "the map iframe was reloaded or remounted"
    shot("04-today")


def test_link_with_dates_reproduces_the_view(page: Page, app_url: str, shot: Shot) -> None:
    link = "?country=MM&from=2025-01-01&to=2025-12-31&asof=2025-12-31&etype=raid,prosecution"
    open_app(page, app_url, link)
    sites = metric(page, "Sites shown").inner_text()
    events = metric(page, "Events shown").inner_text()
    params = query_params(page)
    assert params["from"] == ["2025-01-01"] and params["to"] == ["2025-12-31"]
    assert params["asof"] == ["2025-12-31"] and params["etype"] == ["raid,prosecution"]
    copied = page.url
    shot("01-first-open")

    other = page.context.new_page()
    other.goto(copied)
    map_frame(other)
    expect(metric(other, "Sites shown")).to_have_text(sites)
    expect(metric(other, "Events shown")).to_have_text(events)
    assert query_params(other) == params
    assert "2025-12-31" in as_of_value(other)
    other.close()


def open_bavet_cluster(page: Page, frame: Frame) -> Locator:
    """Zoom to Bavet; its compounds share one point, so they sit in one cluster."""
    set_map_view(frame, *BAVET, 14)
    cluster = frame.locator(".atlas-cluster").first
    expect(cluster).to_be_visible()
    return cluster


def test_compounds_in_one_town_open_by_mouse_and_keyboard(
    page: Page, app_url: str, shot: Shot
) -> None:
    frame = open_app(page, app_url)
    heading = page.locator("h3")
    for site_id in BAVET_COMPOUNDS:
        cluster = open_bavet_cluster(page, frame)
        cluster.click()  # fans the sites out around their shared point
        leg = site_marker(frame, site_id)
        expect(leg).to_be_visible()
        shot(f"01-spiderfied-{site_id}")
        leg.click()
        expect(page).to_have_url(re.compile(rf"[?&]site={site_id}(&|$)"))
        expect(heading.first).to_be_visible()
        name = (leg.get_attribute("aria-label") or "").split(",")[0]
        assert name, "the fanned-out marker has no accessible name"
        expect(page.locator("h3", has_text=name)).to_be_visible()
        # Close the site's popup (it stays open after a click) so the cluster is free.
        frame.locator(".leaflet-popup-close-button").click()

    # Keyboard only: focus the cluster, Enter fans it out and moves focus to a site;
    # Tab reaches the others; Enter opens the focused one's dossier.
    cluster = open_bavet_cluster(page, frame)
    cluster.focus()
    page.keyboard.press("Enter")
    wanted = BAVET_COMPOUNDS[1]
    for _ in range(8):
        focused = frame.evaluate("() => document.activeElement.getAttribute('data-site')")
        if focused == wanted:
            break
        page.keyboard.press("Tab")
    assert frame.evaluate("() => document.activeElement.getAttribute('data-site')") == wanted
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"[?&]site={wanted}(&|$)"))
    expect(page.locator("h3", has_text="Venus Park")).to_be_visible()
    shot("02-keyboard-dossier")
