"""Issue 13 in a real browser: a fault on the server never blanks the map.

The app runs from a copy of the repository whose ``static/generated`` folder is a real
read-only tmpfs (skipped where the test cannot mount one), so the site payload cannot be
published as a file: the page must carry it and atlas.js must draw from it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.faults import read_only
from tests.harness import ROOT, map_frame, run_app

POINTS = ".atlas-site, .atlas-cluster"


def _copy_app(target: Path) -> Path:
    """app.py, dashboard.py, components/ and static/ (atlas.js and the vendored map
    assets); returns the server file to run."""
    skip = shutil.ignore_patterns("__pycache__", "generated")
    for name in ("app.py", "dashboard.py"):
        shutil.copy2(ROOT / name, target / name)
    shutil.copytree(ROOT / "components", target / "components", ignore=skip)
    shutil.copytree(ROOT / "static", target / "static", ignore=skip)
    return target / "app.py"


def test_a_read_only_payload_folder_still_draws_every_site(tmp_path: Path, page: Page, shot):
    script = _copy_app(tmp_path)
    generated = tmp_path / "static" / "generated"
    env = {"ATLAS_CACHE_DIR": str(tmp_path / "cache")}
    with read_only(generated), run_app(data_dir=ROOT / "data", env=env, script=script) as url:
        page.goto(url)
        expect(page.get_by_text("The map's data file could not be written")).to_be_visible(
            timeout=60_000
        )
        frame = map_frame(page, timeout=60_000)
        frame.locator(POINTS).first.wait_for(timeout=30_000)
        payload = frame.evaluate("() => window.atlas.config.payloadUrl")
        drawn = frame.evaluate("() => window.atlas.stats.sites")
        shot("01-read-only-payload-folder")
        assert not list(generated.iterdir())  # nothing could be written, nothing was
    assert payload.startswith("data:application/gzip;base64,"), payload[:60]
    assert drawn == 49  # data/locations.csv: every site, none lost


def _long_link(base: str, fields: int) -> str:
    """A link to Cambodia's sites padded to ``fields`` parameters (the padding is
    parameters the app does not know, which it ignores with a notice)."""
    return base + "/?country=KH&" + "&".join(f"p{i}=1" for i in range(fields - 1))


def test_a_link_past_streamlits_parameter_limit_says_it_was_not_applied(
    app_url: str, page: Page, shot
):
    """Streamlit drops a link's whole query string past 1,000 parameters, so the page
    opens the default view; the map says so instead of passing it off as the link's."""
    page.goto(_long_link(app_url, 1001))
    frame = map_frame(page, timeout=60_000)
    frame.locator(POINTS).first.wait_for(timeout=30_000)
    notice = frame.locator("#atlas-notice [data-notice='link']")
    expect(notice).to_contain_text("This link was not applied: it has 1,001 parameters")
    expect(notice).to_contain_text("at most 1,000 parameters")
    assert frame.evaluate("() => window.atlas.stats.sites") == 49  # the default view
    shot("01-link-over-the-limit")


def test_a_link_at_the_limit_is_applied_without_that_notice(app_url: str, page: Page):
    page.goto(_long_link(app_url, 1000))
    frame = map_frame(page, timeout=60_000)
    frame.locator(POINTS).first.wait_for(timeout=30_000)
    frame.wait_for_function("() => window.atlas.stats.sites === 25", timeout=30_000)  # KH
    assert frame.locator("[data-notice='link']").count() == 0
