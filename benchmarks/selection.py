"""Page open and site selection in a real browser (headless system Chromium, offline).

Two figures, median of ``--runs`` fresh pages on one server:

- *open -> first marker*: ``performance.now()`` (0 = navigation start) at the first
  animation frame in which the map iframe shows a visible marker (as
  :mod:`benchmarks.browser`);
- *choose a site -> ring*: from the ``pointerdown`` on an option of the site table's
  chooser ("Open a site from this page") to the first animation frame in which the map's
  selection ring stands on that site. Also printed: when the rerun ended and whether the
  map rebuilt its markers for it (``data-atlas-renders`` went up).

Command line::

    python -m benchmarks.selection DATA_DIR [--runs 3] [--url http://127.0.0.1:8631]

Without ``--url`` the app is started on ``DATA_DIR`` (first load of 100,000 sites takes
about 10 s on the server; the first page is not counted).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from benchmarks.browser import (
    _SCRIPT_DONE_JS,
    ATLAS_MARKERS,
    AppSpec,
    frame_when,
    open_to_first_marker,
)
from components.ui.site_table import PICK_LABEL
from tests.harness import MAP_IFRAME, launch_browser, map_frame, offline, run_app, wait_for_app

# A site marker or a cluster (the atlas's clusters are .atlas-cluster, not .marker-cluster).
SPEC = AppSpec("atlas", ATLAS_MARKERS, "")
TIMEOUT_MS = 180_000

# In the top page: performance.now() once the map's ring stands on the chosen site's
# marker (its [data-site] element, or the ring moved off ``before`` when that marker is
# inside a cluster), else false.
_RING_JS = """
([sel, before]) => {
  const f = document.querySelector(sel);
  const win = f && f.contentWindow;
  const atlas = win && win.atlas;
  if (!atlas || !atlas.ring || !atlas.map.hasLayer(atlas.ring)) return false;
  const ll = atlas.ring.getLatLng();
  const at = ll.lat.toFixed(6) + "," + ll.lng.toFixed(6);
  if (at === before) return false;
  const node = atlas.ring.getElement && atlas.ring.getElement();
  if (!node || node.getBoundingClientRect().width <= 0) return false;
  return performance.now();
}
"""


def choose_site(page: Page, option: int) -> dict:
    """Pick row ``option`` (1 = first site) in the table's chooser; time it to the ring."""
    before = page.evaluate(
        """(sel) => {
          const win = document.querySelector(sel).contentWindow;
          const ring = win.atlas.ring;
          window.__benchT0 = null;
          document.addEventListener('pointerdown', (e) => {
            if (window.__benchT0 === null && e.target.closest('[role="option"]'))
              window.__benchT0 = performance.now();
          }, {capture: true, once: false});
          window.__benchRenders = win.atlas.renders;
          window.__benchIdle = null;
          window.__benchSpec = null;
          const app = document.querySelector("[data-testid='stApp']");
          new MutationObserver(() => {
            if (window.__benchT0 === null || window.__benchIdle !== null) return;
            if (app.getAttribute('data-test-script-state') === 'notRunning')
              window.__benchIdle = performance.now();
          }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
          const specs = win.atlas.specs;
          const watch = () => {
            if (win.atlas.specs > specs) window.__benchSpec = performance.now();
            else setTimeout(watch, 10);
          };
          watch();
          if (!ring || !win.atlas.map.hasLayer(ring)) return "";
          const ll = ring.getLatLng();
          return ll.lat.toFixed(6) + "," + ll.lng.toFixed(6);
        }""",
        MAP_IFRAME,
    )
    chooser = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(PICK_LABEL))
    for _attempt in range(20):
        # A rerun that ends while the list is open (st_folium reports the map once
        # mounted) closes it again: open it until its options stay.
        wait_for_app(page, timeout=TIMEOUT_MS)
        chooser.click(timeout=TIMEOUT_MS)
        try:
            page.get_by_role("option").nth(option).click(timeout=5_000)
            break
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    else:
        raise RuntimeError("the site table's chooser never opened")
    ring = frame_ms = frame_when(page, _RING_JS, [MAP_IFRAME, before], TIMEOUT_MS)
    wait_for_app(page, timeout=TIMEOUT_MS)
    t0 = page.evaluate("window.__benchT0")
    rebuilt = page.evaluate(
        "(sel) => document.querySelector(sel).contentWindow.atlas.renders > window.__benchRenders",
        MAP_IFRAME,
    )
    idle, spec = page.evaluate("[window.__benchIdle, window.__benchSpec]")
    return {
        "ring": (frame_ms - t0) / 1000,
        "ring_dom": (ring - t0) / 1000,
        "rebuilt": rebuilt,
        "rerun": None if idle is None else (idle - t0) / 1000,
        "spec": None if spec is None else (spec - t0) / 1000,
    }


def _s(value: float | None) -> str:
    return "?" if value is None else f"{value:.2f}"


@contextlib.contextmanager
def _server(data_dir: Path, url: str | None) -> Iterator[str]:
    if url:
        yield url
    else:
        with run_app(data_dir=data_dir, timeout=120) as started:
            yield started


def measure(data_dir: Path, runs: int, url: str | None) -> dict:
    opens, rings, rebuilt = [], [], []
    with _server(data_dir, url) as app_url, sync_playwright() as pw:
        browser = launch_browser(pw)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        offline(context)
        context.add_init_script(_SCRIPT_DONE_JS)
        warm = context.new_page()  # the server's first load (caches) is not counted
        warm.goto(app_url)
        wait_for_app(warm, timeout=TIMEOUT_MS)
        map_frame(warm, timeout=TIMEOUT_MS)
        warm.close()
        for run in range(runs):
            page = context.new_page()
            seconds, _dom, _done = open_to_first_marker(page, app_url, SPEC, TIMEOUT_MS)
            opens.append(seconds)
            wait_for_app(page, timeout=TIMEOUT_MS)
            map_frame(page, timeout=TIMEOUT_MS)
            page.wait_for_timeout(1000)
            result = choose_site(page, run + 1)
            rings.append(result["ring"])
            rebuilt.append(result["rebuilt"])
            print(
                f"run {run + 1}: open -> first marker {seconds:.2f} s; choose -> ring "
                f"{result['ring']:.2f} s (DOM {result['ring_dom']:.2f} s; rerun over at "
                f"{_s(result['rerun'])} s, spec in the map at {_s(result['spec'])} s); "
                f"markers rebuilt: {result['rebuilt']}",
                flush=True,
            )
            page.close()
        browser.close()
    return {
        "open": statistics.median(opens),
        "ring": statistics.median(rings),
        "rebuilt": any(rebuilt),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--url", default=None, help="an app already running on DATA_DIR")
    args = parser.parse_args(argv)
    result = measure(args.data_dir, args.runs, args.url)
    print(
        f"median of {args.runs}: open -> first marker {result['open']:.2f} s; "
        f"choose a site -> ring {result['ring']:.2f} s; "
        f"markers rebuilt on selection: {result['rebuilt']}"
    )


if __name__ == "__main__":
    main()
