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
    """dashboard.py, components/ and static/ (atlas.js and the vendored map assets)."""
    skip = shutil.ignore_patterns("__pycache__", "generated")
    shutil.copy2(ROOT / "dashboard.py", target / "dashboard.py")
    shutil.copytree(ROOT / "components", target / "components", ignore=skip)
    shutil.copytree(ROOT / "static", target / "static", ignore=skip)
    return target / "dashboard.py"


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
