"""Hostile text in data/ and in an upload is shown literally in the real browser.

Names, aliases, notes, source publishers, titles and quotes carry HTML, script, markdown
images and attribute-breaking quotes. The test listens for dialogs, looks for injected
elements in the page and in the map iframe, and checks that no request left for a host
the data named (evil.invalid).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from tests.harness import map_frame, run_app, set_map_view, wait_for_app

ROOT = Path(__file__).resolve().parents[2]
IMG = "<img src=http://evil.invalid/img.png onerror=alert('img')>"
SCRIPT = "<script>alert('script')</script>"
MD_IMAGE = "![x](http://evil.invalid/md.png)"
BREAKOUT = "\"'><svg onload=alert('svg')>"
JS_LINK = "[click](javascript:alert('link'))"
# Template syntax: folium's elements are jinja2 templates (an uploaded name with "{% if %}"
# took the map down before the app's own elements went in verbatim).
TEMPLATE = "{% if %} {{ 7*7 }} {# x"
HOSTILE_NAME = f"{IMG} Bavet"


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(ROOT / "data", data)
    loc = pd.read_csv(data / "locations.csv", dtype=str, keep_default_na=False)
    bavet = loc["site_id"] == "bavet"
    # The real name stays in brackets: the validator wants a cited quote to name the site.
    loc.loc[bavet, "name"] = f"{HOSTILE_NAME} (Bavet)"
    loc.loc[bavet, "aliases"] = SCRIPT
    loc.loc[bavet, "note"] = f"{BREAKOUT} {MD_IMAGE} {JS_LINK}"
    loc.loc[bavet, "coord_source"] = "javascript:alert('coord')"
    loc.to_csv(data / "locations.csv", index=False)
    src = pd.read_csv(data / "sources.csv", dtype=str, keep_default_na=False)
    kp1 = src["source_id"] == "KP1"
    src.loc[kp1, "publisher"] = f"{IMG} Kiripost"
    src.loc[kp1, "title"] = BREAKOUT
    src.loc[kp1, "quote"] = f"{SCRIPT} {MD_IMAGE} {BREAKOUT}"
    src.to_csv(data / "sources.csv", index=False)
    ev = pd.read_csv(data / "events.csv", dtype=str, keep_default_na=False)
    ev.loc[0, "summary"] = f"<iframe src=http://evil.invalid/frame></iframe> {MD_IMAGE}"
    ev.to_csv(data / "events.csv", index=False)
    with run_app(data_dir=data) as url:
        yield url


def visible_text(locator) -> str:
    """What a reader sees (and copies): no invisible characters are added to data text."""
    return locator.inner_text()


def _watch(page: Page) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def _assert_nothing_ran(page: Page, frame, dialogs: list[str], blocked) -> None:
    assert dialogs == []
    assert not [u for u in blocked.urls if "evil.invalid" in u]
    for where in (page, frame):
        assert where.locator("img[src*='evil'], iframe[src*='evil'], svg[onload]").count() == 0
        assert where.locator("a[href^='javascript']").count() == 0
    injected = frame.evaluate("() => document.querySelectorAll('script:not([src])').length")
    # The map iframe's own inline scripts are streamlit-folium's; none comes from data.
    assert frame.locator("script", has_text="alert(").count() == 0, injected


def test_hostile_data_is_shown_as_text(hostile_app, page, blocked, shot):
    dialogs = _watch(page)
    page.goto(f"{hostile_app}/?site=bavet")
    wait_for_app(page)
    frame = map_frame(page)
    dossier = page.get_by_role("heading", name="Bavet")
    expect(dossier).to_be_visible()
    assert IMG in visible_text(dossier)  # the markup, as text
    expect(page.get_by_text(SCRIPT).first).to_be_visible()
    expect(page.get_by_text("onload=alert('svg')").first).to_be_visible()
    set_map_view(frame, 11.06317, 106.13557, 12)
    # Bavet shares its point with two compounds: fan the cluster out, then hover Bavet.
    inside = page.frame_locator("iframe[title='streamlit_folium.st_folium']")
    inside.locator(".atlas-cluster").first.click()
    marker = inside.locator("[data-site='bavet']")
    expect(marker.first).to_be_visible()
    marker.first.hover()
    tooltip = page.frame_locator("iframe[title='streamlit_folium.st_folium']").locator(
        ".leaflet-tooltip"
    )
    expect(tooltip).to_contain_text(IMG)
    marker.first.click()
    popup = page.frame_locator("iframe[title='streamlit_folium.st_folium']").locator(
        ".leaflet-popup-content"
    )
    expect(popup).to_contain_text(IMG)
    expect(popup).to_contain_text("Kiripost")
    # The click's rerun opens the dossier tab; then switch to the events.
    expect(page).to_have_url(re.compile(r"[?&]site=bavet(&|$)"))
    expect(page.get_by_role("tab", name="Dossier")).to_have_attribute("aria-selected", "true")
    page.wait_for_timeout(1500)
    page.get_by_role("tab", name="Events", exact=True).click()
    expect(page.get_by_role("heading", name="Events timeline")).to_be_visible()
    expect(page.get_by_text("<iframe src=").first).to_be_visible()
    assert "<iframe src=http://evil.invalid/frame></iframe>" in visible_text(page.locator("body"))
    shot("dossier-popup")
    _assert_nothing_ran(page, frame, dialogs, blocked)


def test_hostile_upload_is_shown_as_text(app_url, page, blocked, shot, tmp_path):
    upload = tmp_path / "mine.csv"
    pd.DataFrame(
        [
            {
                "site_id": "u1",
                "name": f"{IMG} {MD_IMAGE} {TEMPLATE}",
                "aliases": SCRIPT,
                "country": "KH",
                "zone_type": "compound",
                "precision": "compound",
                "lat": "11.60",
                "lon": "104.90",
                "confidence": "medium",
                "note": BREAKOUT,
            },
            {  # a row the validator refuses: its problem message quotes the value
                "site_id": "u2",
                "name": "Bad country",
                "aliases": "",
                "country": "<b>ZZ</b>",
                "zone_type": "compound",
                "precision": "compound",
                "lat": "1",
                "lon": "1",
                "confidence": "medium",
                "note": "",
            },
        ]
    ).to_csv(upload, index=False)
    dialogs = _watch(page)
    page.goto(app_url)
    wait_for_app(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(upload))
    expect(page.get_by_text("1 of your sites is on the map")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("row(s) left out")).to_be_visible()
    frame = map_frame(page)
    frame.wait_for_function("() => window.atlas.stats.uploaded === 1")
    set_map_view(frame, 11.60, 104.90, 13)
    locator = page.frame_locator("iframe[title='streamlit_folium.st_folium']")
    mine = locator.locator("[data-status='upload']")
    expect(mine).to_have_count(1)
    mine.click()
    expect(locator.locator(".leaflet-popup-content")).to_contain_text(IMG)
    expect(locator.locator(".leaflet-popup-content")).to_contain_text(TEMPLATE)
    expect(page.get_by_role("heading", name="Bavet")).to_have_count(0)
    heading = page.locator("h3", has_text="<img src=")
    expect(heading).to_be_visible()
    assert f"{IMG} {MD_IMAGE} {TEMPLATE}" in visible_text(heading)
    shot("upload-popup")
    _assert_nothing_ran(page, frame, dialogs, blocked)
