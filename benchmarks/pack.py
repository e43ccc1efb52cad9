"""Evidence pack of the whole atlas: how long it takes, as a benchmark (not a test).

``python -m benchmarks.pack [--runs N]`` from the repo root prints, as medians of N runs
(default 5) with their spread:

1. **Build**: :func:`components.export.pack.build_pack` on every site, event and figure
   of ``data/`` (no filter, as of today), with a map image the size a real capture has
   (taken once from the browser in part 2): CSVs, GeoJSON, caption strip, PDF brief,
   manifest and ZIP.
2. **In the browser**: the real app on a free port, offline system Chromium at
   1400x1000: click "Prepare evidence pack" -> the "Download evidence pack (ZIP)" button
   is on the page (the map drawn to PNG, sent, the pack built, the page rerun).

Target (issue 11): a pack of the whole atlas builds in under 5 s on this machine.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 5.0
CAPTURE_FRAME = 'iframe[title="components.ui.evidence.evidence_capture"]'


def browser_runs(runs: int) -> tuple[list[float], dict]:
    """Seconds from the click to the download button, per run; and the last capture."""
    from playwright.sync_api import sync_playwright

    from tests.harness import launch_browser, map_frame, offline, run_app, wait_for_app

    times: list[float] = []
    shot: dict = {}
    with run_app() as url, sync_playwright() as pw:
        browser = launch_browser(pw)
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            offline(context)
            page = context.new_page()
            page.goto(url)
            wait_for_app(page)
            map_frame(page)
            page.get_by_role("tab", name="Export").click()
            wait_for_app(page)
            button = page.frame_locator(CAPTURE_FRAME).get_by_role(
                "button", name="Prepare evidence pack"
            )
            button.wait_for()
            start = time.perf_counter()
            button.click()
            page.get_by_role("button", name="Download evidence pack (ZIP)").wait_for(
                timeout=120_000
            )
            times.append(time.perf_counter() - start)
            shot = map_frame(page).evaluate(
                "() => window.atlas.capture({}).then((s) => ({png: s.png, legend: s.legend,"
                " markers: s.markers, clusters: s.clusters, basemap: s.basemap,"
                " view: s.view, scale: s.scale}))"
            )
            context.close()
        browser.close()
    return times, shot


def build_runs(runs: int, shot: dict) -> tuple[list[float], dict]:
    """Seconds per :func:`build_pack` of the whole atlas; and the last pack's sizes."""
    from components.analysis.dataset import prepare
    from components.analysis.filters import View, event_mask, site_mask
    from components.data import DEFAULT_DATA_DIR, load_atlas
    from components.data.version import data_version
    from components.export import pack, provenance

    atlas = load_atlas(DEFAULT_DATA_DIR).atlas
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        prep = prepare(atlas, publish_dir=Path(tmp))
    today = datetime.now(UTC).date().isoformat()
    view = View(as_of=today)
    status = prep.status.at(today)
    mask = site_mask(atlas.locations, view, prep.haystack, status)
    events = atlas.events[event_mask(atlas.events, prep.event_rows, mask, view)]
    capture = pack.MapCapture.from_browser(shot)
    times, sizes = [], {}
    for _ in range(runs):
        start = time.perf_counter()
        sites = pack.with_status(atlas.locations[mask], status, mask)
        figures, contradictions = pack.panel_figures(sites, atlas)
        version = data_version(DEFAULT_DATA_DIR)
        now = datetime.now(UTC)
        lines = provenance.filter_lines(view, today)
        link = provenance.permalink("", view, today, capture.view)
        cite = provenance.citation(
            sites=len(sites),
            countries=tuple(sorted(set(sites["country"]))),
            as_of=today,
            version=version,
            link=link,
            accessed=now,
            filters=lines,
        )
        built = pack.build_pack(
            pack.PackInput(
                record=pack.ViewRecord(view, today, link, version, now, lines, cite),
                sites=sites,
                events=events,
                figures=figures,
                contradictions=contradictions,
                sources=atlas.sources,
                capture=capture,
            )
        )
        times.append(time.perf_counter() - start)
        sizes = {
            "zip": len(built.zip),
            "sites": len(sites),
            "events": len(events),
            "figures": len(figures),
            "png": f"{capture.width}x{capture.height}",
        }
    return times, sizes


def _fmt(times: list[float]) -> str:
    return (
        f"median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}, "
        f"{len(times)} runs)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pack", description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores)")
    browser, shot = browser_runs(max(1, args.runs // 2 + 1))
    build, sizes = build_runs(args.runs, shot)
    png_bytes = len(base64.b64decode(shot["png"].split(",", 1)[1]))
    print(
        f"whole atlas: {sizes['sites']} sites, {sizes['events']} events, "
        f"{sizes['figures']} figures; map image {sizes['png']} px ({png_bytes:,} bytes); "
        f"pack {sizes['zip']:,} bytes"
    )
    verdict = "PASS" if statistics.median(build) < TARGET_S else "MISS"
    print(f"build_pack (server):              {_fmt(build)}  target < {TARGET_S:.0f} s: {verdict}")
    verdict = "PASS" if statistics.median(browser) < TARGET_S else "MISS"
    print(
        f"click -> pack ready (in browser): {_fmt(browser)}  target < {TARGET_S:.0f} s: {verdict}"
    )
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
