"""Browser side: headless system Chromium, no internet, atlas versus naive.

Timings are taken by the browser itself (``performance.now()``), not by Python, so
Playwright's round trips do not count:

- *page open -> first marker*: ``performance.now()`` in the top page (0 = navigation
  start) at the first animation frame in which the map iframe has a marker element with
  a non-empty box inside the map's viewport (an ``<img>`` icon must also have loaded).
  Atlas: ``.atlas-site`` (site markers) or ``.atlas-cluster`` (its clusters).
  Naive: ``.leaflet-marker-icon``.
- *filter change -> map updated*: from the ``pointerdown`` on the sidebar's country
  option to the first frame in which the map shows the new selection.
  Atlas: the iframe's ``data-atlas-renders`` went up and ``data-atlas-sites`` is the
  new count (and a marker is visible). Naive: the iframe holds exactly the new number of
  ``.leaflet-marker-icon`` elements (and one is visible).
- *remounted*: ``window.__probe`` is set inside the map iframe before the change; if it
  is gone afterwards, the iframe document was replaced.

The pages are same-origin with the map iframe (Streamlit components are served by the
app), so one ``wait_for_function`` in the top page can look inside the iframe.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import statistics
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from components.map import assets
from tests.harness import (
    MAP_IFRAME,
    launch_browser,
    offline,
    run_app,
    wait_for_app,
)

ROOT = Path(__file__).resolve().parents[1]
NAIVE_SCRIPT = Path(__file__).with_name("naive_app.py")
ATLAS_MARKERS = ".atlas-site, .atlas-cluster"  # sites and clusters (not .marker-cluster)
NAIVE_MARKERS = ".leaflet-marker-icon"

# In the top page: performance.now() once the map iframe shows a marker, else false
# (or a string if the app shows an error, so a broken app fails fast).
# arg = [iframe selector, marker selector, extra condition (JS expression over doc) or ""]
_MARKER_VISIBLE_JS = """
([iframeSel, markerSel, extra]) => {
  const err = document.querySelector(
    "[data-testid='stException'], [data-testid='stAlertContentError']");
  if (err) return "app error: " + err.innerText.slice(0, 300);
  const f = document.querySelector(iframeSel);
  if (!f) return false;
  const box = f.getBoundingClientRect();
  if (box.width < 1 || box.height < 1) return false;
  let doc;
  try { doc = f.contentDocument; } catch (e) { return false; }
  if (!doc || !doc.documentElement) return false;
  const win = f.contentWindow;
  if (extra && !(new Function("doc", "win", "return (" + extra + ");"))(doc, win)) return false;
  const w = win.innerWidth, h = win.innerHeight;
  for (const el of doc.querySelectorAll(markerSel)) {
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) continue;
    if (r.right < 0 || r.bottom < 0 || r.left > w || r.top > h) continue;
    if (el.tagName === "IMG" && !(el.complete && el.naturalWidth > 0)) continue;
    return performance.now();
  }
  return false;
}
"""


@dataclass
class AppSpec:
    name: str  # "atlas" or "naive"
    marker_selector: str
    option_text: str  # the sidebar country option to pick, e.g. "Cambodia (KH)"


@dataclass
class Change:
    seconds: float  # pointerdown -> the frame in which the map shows the new selection
    dom_seconds: float  # pointerdown -> the map iframe's DOM shows it
    remounted: bool  # the iframe document was replaced (window.__probe gone)
    same_element: bool  # the <iframe> element itself survived
    shown: int  # sites the map says it shows afterwards
    rerun_start: float | None  # pointerdown -> Streamlit shows the script running
    rerun_end: float | None  # pointerdown -> Streamlit shows the script finished


@dataclass
class BrowserResult:
    app: str
    label: str
    sites: int
    open_runs: list[float] = field(default_factory=list)  # seconds, warm pages
    cold_open: float | None = None  # first page of a fresh server (not in the median)
    cold_script_done: float | None = None
    cold_dom: float | None = None
    open_script_done: list[float | None] = field(default_factory=list)
    open_dom: list[float] = field(default_factory=list)
    fps: list[float] = field(default_factory=list)  # idle frames per second, settled page
    changes: list[Change] = field(default_factory=list)
    blocked_hosts: set[str] = field(default_factory=set)
    note: str = ""

    @property
    def open_median(self) -> float | None:
        return statistics.median(self.open_runs) if self.open_runs else None

    def _median(self, values: list[float | None]) -> float | None:
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None

    @property
    def open_script_done_s(self) -> float | None:
        return self._median(self.open_script_done)

    @property
    def open_dom_s(self) -> float | None:
        return self._median(self.open_dom) if self.open_dom else self.cold_dom

    @property
    def change_dom_s(self) -> float | None:
        return self._median([c.dom_seconds for c in self.changes])

    @property
    def fps_median(self) -> float | None:
        return self._median(self.fps)

    @property
    def change_s(self) -> float | None:
        return self._median([c.seconds for c in self.changes])

    @property
    def rerun_end_s(self) -> float | None:
        return self._median([c.rerun_end for c in self.changes])

    @property
    def remounted(self) -> bool | None:
        return any(c.remounted for c in self.changes) if self.changes else None

    @property
    def shown_after(self) -> int | None:
        return self.changes[-1].shown if self.changes else None


SYSTEM_JQUERY = Path("/usr/share/javascript/jquery/jquery.min.js")  # Debian libjs-jquery
NPM_JQUERY = "jquery@3.7.1"  # the version folium 0.20 names


def _jquery(dest: Path) -> str:
    """Put a jQuery copy at ``dest``; return where it came from."""
    if SYSTEM_JQUERY.is_file():
        shutil.copyfile(SYSTEM_JQUERY, dest)
        return f"{SYSTEM_JQUERY} (Debian libjs-jquery)"
    with tempfile.TemporaryDirectory() as tmp:  # the npm registry, as the app's assets
        out = subprocess.run(
            ["npm", "pack", NPM_JQUERY, "--json", "--pack-destination", tmp],
            check=True,
            capture_output=True,
            text=True,
        )
        tgz = Path(tmp) / json.loads(out.stdout)[0]["filename"]
        with tarfile.open(tgz) as tar:
            member = tar.extractfile("package/dist/jquery.min.js")
            assert member is not None
            dest.write_bytes(member.read())
    return f"npm {NPM_JQUERY}"


def naive_static(folder: Path) -> str:
    """The naive app's static folder: the app's Leaflet copy plus jQuery (copies).

    Streamlit refuses static files whose real path leaves the static folder, so these
    are copies, not links. Returns a note on where jQuery came from.
    """
    leaflet = assets.asset_path("leaflet", "dist/leaflet.js").parents[1]
    shutil.copytree(leaflet, folder / "vendor" / leaflet.name)
    (folder / "naive").mkdir(parents=True)
    return _jquery(folder / "naive" / "jquery.min.js")


@contextlib.contextmanager
def run_naive_app(data_dir: Path, log_path: Path, timeout: float = 60.0) -> Iterator[str]:
    """Start ``benchmarks/naive_app.py`` with the static files it needs offline.

    Streamlit serves ``static/`` from the *main script's* folder, so
    ``streamlit run benchmarks/naive_app.py`` would look for ``benchmarks/static``.
    Instead the script is started from a temporary folder holding a link
    ``naive_app.py -> benchmarks/naive_app.py`` and a ``static/`` folder made by
    :func:`naive_static`, with the repo root as the working directory (so
    ``.streamlit/config.toml`` applies). Nothing is written into the repo.

    The server itself is started by tests.harness.run_app (health check, log,
    process-group shutdown).
    """
    with tempfile.TemporaryDirectory(prefix="atlas-naive-app-") as tmp:
        script = Path(tmp) / "naive_app.py"
        script.symlink_to(NAIVE_SCRIPT)
        naive_static(Path(tmp) / "static")
        with run_app(data_dir, log_path=log_path, timeout=timeout, script=script) as app_url:
            yield app_url


@contextlib.contextmanager
def start(app: str, data_dir: Path, log_dir: Path) -> Iterator[str]:
    log = log_dir / f"{app}-{data_dir.name}-{time.monotonic_ns()}.log"
    if app == "atlas":
        with run_app(data_dir=data_dir, log_path=log) as url:
            yield url
    else:
        with run_naive_app(data_dir, log) as url:
            yield url


# Installed in every page before its scripts: when the first script run finished
# (Streamlit's data-test-script-state going running -> notRunning), in performance.now().
_SCRIPT_DONE_JS = """
(() => {
  if (window !== window.top) return;
  window.__benchFirstRunDone = null;
  let seenRunning = false;
  new MutationObserver((records) => {
    for (const r of records) {
      const s = r.target.getAttribute && r.target.getAttribute('data-test-script-state');
      if (s === 'running') seenRunning = true;
      if (s === 'notRunning' && seenRunning && window.__benchFirstRunDone === null)
        window.__benchFirstRunDone = performance.now();
    }
  }).observe(document, {subtree: true, attributes: true,
                        attributeFilter: ['data-test-script-state']});
})();
"""


_IDLE_FPS_JS = """
(ms) => new Promise((resolve) => {
  let frames = 0;
  const t0 = performance.now();
  const timer = setTimeout(() => resolve(frames / ((performance.now() - t0) / 1000)), ms);
  (function tick() { frames++; requestAnimationFrame(tick); })();
})
"""


def frame_when(page: Page, js: str, arg, timeout_ms: float):
    """What ``js(arg)`` returns in the first animation frame where it is not false: it is
    run at the start of every frame (``requestAnimationFrame``), so a check that returns
    ``performance.now()`` gives the frame in which the change reaches the screen, with no
    polling interval or round trip to this process in the figure. (Until 2 Dec 2026 the
    check ran every 50 ms and the figure was the next frame after this process heard of
    it: 20 to 60 ms later, for every app alike.) The first check runs when this call
    reaches the page: for a user action whose result may already be on screen by then,
    :func:`benchmarks.peers.arm_frame_watch` checks from the click on instead."""
    return page.wait_for_function(js, arg=arg, polling="raf", timeout=timeout_ms).json_value()


def _wait_map(page: Page, spec: AppSpec, extra: str, timeout_ms: float) -> tuple[float, float]:
    """(DOM ms, frame ms): the first animation frame in which the map iframe's DOM shows
    a visible marker meeting ``extra`` (:func:`frame_when`); the two are now one figure,
    kept as a pair for the callers."""
    frame = _ms(
        frame_when(page, _MARKER_VISIBLE_JS, [MAP_IFRAME, spec.marker_selector, extra], timeout_ms)
    )
    return frame, frame


def idle_fps(page: Page, ms: int = 2000) -> float:
    """Animation frames per second the page manages while nothing happens (60 = smooth)."""
    return float(page.evaluate(_IDLE_FPS_JS, ms))


def open_to_first_marker(
    page: Page, url: str, spec: AppSpec, timeout_ms: float
) -> tuple[float, float, float | None]:
    """Seconds from navigation start to the first visible marker in the map iframe (next
    frame, DOM) and to the end of the page's first script run (None if not seen)."""
    page.goto(url, wait_until="commit")
    dom, frame = _wait_map(page, spec, "", timeout_ms)
    done = page.evaluate("window.__benchFirstRunDone")
    return frame / 1000.0, dom / 1000.0, (None if done is None else float(done) / 1000.0)


def _ms(value) -> float:
    if isinstance(value, str):
        raise RuntimeError(value)
    return float(value)


def _settle(page: Page, timeout_ms: float, quiet_ms: float = 1500) -> None:
    """Wait until the script has finished and stays finished for ``quiet_ms``.

    A default ``st_folium`` sends its value once the map is mounted, which reruns the
    whole (naive) script a moment later: measuring on top of that rerun would be unfair.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        wait_for_app(page, timeout=timeout_ms)
        page.wait_for_timeout(quiet_ms)
        running = page.locator("[data-testid='stApp'][data-test-script-state='running']").count()
        if not running or time.monotonic() > deadline:
            return


def filter_change(page: Page, spec: AppSpec, expected: int, timeout_ms: float) -> Change:
    """Pick one country in the sidebar and time it until the map shows the selection."""
    page.evaluate(
        """(sel) => {
          const f = document.querySelector(sel);
          f.contentWindow.__probe = 'before-change';
          f.__probeElement = true;
          window.__benchRenders = Number(
            f.contentDocument.documentElement.getAttribute('data-atlas-renders') || 0);
          window.__benchT0 = null;
          window.__benchRun = null;
          window.__benchIdle = null;
          document.addEventListener('pointerdown', (e) => {
            if (window.__benchT0 === null && e.target.closest('[role="option"]'))
              window.__benchT0 = performance.now();
          }, {capture: true});
          const app = document.querySelector("[data-testid='stApp']");
          new MutationObserver(() => {
            if (window.__benchT0 === null) return;
            const s = app.getAttribute('data-test-script-state');
            if (s === 'running' && window.__benchRun === null)
              window.__benchRun = performance.now();
            if (s === 'notRunning' && window.__benchRun !== null && window.__benchIdle === null)
              window.__benchIdle = performance.now();
          }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
        }""",
        MAP_IFRAME,
    )
    box = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").first
    box.locator("input").click(timeout=timeout_ms)
    option = page.get_by_role("option", name=spec.option_text, exact=True)
    option.click(timeout=timeout_ms)
    if spec.name == "atlas":
        extra = (
            "Number(doc.documentElement.getAttribute('data-atlas-renders') || 0) > "
            "window.__benchRenders && "
            f"Number(doc.documentElement.getAttribute('data-atlas-sites')) === {expected}"
        )
    else:
        extra = f"doc.querySelectorAll('{NAIVE_MARKERS}').length === {expected}"
    dom, done = _wait_map(page, spec, extra, timeout_ms)
    wait_for_app(page, timeout=timeout_ms)  # so the rerun's end is seen
    state = page.evaluate(
        """(sel) => {
          const f = document.querySelector(sel);
          const doc = f.contentDocument;
          const n = doc.documentElement.getAttribute('data-atlas-sites');
          return {
            t0: window.__benchT0, run: window.__benchRun, idle: window.__benchIdle,
            probe: f.contentWindow.__probe === 'before-change',
            element: f.__probeElement === true,
            shown: n === null ? doc.querySelectorAll('.leaflet-marker-icon').length : Number(n),
          };
        }""",
        MAP_IFRAME,
    )
    t0 = state["t0"]
    if t0 is None:
        raise RuntimeError("the option click was not seen")

    def since(t: float | None) -> float | None:
        return None if t is None else (t - t0) / 1000.0

    return Change(
        (done - t0) / 1000.0,
        (dom - t0) / 1000.0,
        not state["probe"],
        state["element"],
        state["shown"],
        since(state["run"]),
        since(state["idle"]),
    )


def measure_app(
    spec: AppSpec,
    label: str,
    data_dir: Path,
    sites: int,
    expected_after: int,
    runs: int,
    log_dir: Path,
    timeout_ms: float = 300_000,
    log=print,
) -> BrowserResult:
    """One server, one browser: the first page (cold server), then ``runs`` warm pages.

    On each warm page (or on the first one when ``runs`` is 0): page open -> first
    marker, wait until the script has settled, then one filter change.
    """
    result = BrowserResult(spec.name, label, sites)
    with start(spec.name, data_dir, log_dir) as url, sync_playwright() as pw:
        browser = launch_browser(pw)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.add_init_script(_SCRIPT_DONE_JS)
        blocked = offline(context)
        try:
            for i in range(runs + 1):
                page = context.new_page()
                try:
                    seconds, dom, script_done = open_to_first_marker(page, url, spec, timeout_ms)
                except PlaywrightTimeoutError:
                    result.note = f"no marker within {timeout_ms / 1000:.0f} s (time-boxed)"
                    log(f"  {spec.name} {label}: {result.note}")
                    break
                if i == 0:
                    result.cold_open, result.cold_script_done = seconds, script_done
                    result.cold_dom = dom
                else:
                    result.open_runs.append(seconds)
                    result.open_script_done.append(script_done)
                    result.open_dom.append(dom)
                log(
                    f"  {spec.name} {label}: page open -> first marker "
                    f"{'(first page, cold server) ' if i == 0 else ''}{seconds:.2f} s "
                    f"(in the DOM at {dom:.2f} s; first script run done at "
                    f"{secs(script_done)} s)"
                )
                if i > 0 or runs == 0:
                    _settle(page, timeout_ms)
                    result.fps.append(idle_fps(page))
                    try:
                        change = filter_change(page, spec, expected_after, timeout_ms)
                    except PlaywrightTimeoutError:
                        result.note = (
                            f"filter change: no update within {timeout_ms / 1000:.0f} s"
                            " (time-boxed)"
                        )
                        log(f"  {spec.name} {label}: {result.note}")
                        break
                    result.changes.append(change)
                    log(
                        f"  {spec.name} {label}: idle {result.fps[-1]:.0f} frames/s; "
                        f"filter change -> map updated {change.seconds:.2f} s (DOM "
                        f"{change.dom_seconds:.2f} s; rerun seen {secs(change.rerun_start)}"
                        f"-{secs(change.rerun_end)} s), remounted={change.remounted}, "
                        f"{change.shown:,} sites shown"
                    )
                if i < runs:
                    _settle(page, timeout_ms)
                page.close()
        finally:
            result.blocked_hosts = blocked.hosts()
            context.close()
            browser.close()
    return result


def secs(value: float | None) -> str:
    return "?" if value is None else f"{value:.2f}"


def cold_start(app: str, data_dir: Path, log_dir: Path, runs: int) -> list[float]:
    """Seconds from launching ``streamlit run`` to ``/_stcore/health`` answering ok.

    Uses the harness's launcher, which polls every 0.1 s (the resolution).
    """
    times = []
    for _ in range(runs):
        start_t = time.perf_counter()
        with start(app, data_dir, log_dir):
            times.append(time.perf_counter() - start_t)
    return times
