"""Issue 12 ("Scale"): the atlas beside real peers and a floor, at 22 / 100k / 1M sites.

Apps, each on its own server and its own headless system Chromium (every non-local
request aborted, :func:`tests.harness.offline`):

- ``atlas``: ``app.py`` (``dashboard.py`` as ``./run.sh`` serves it), started on a warm
  data cache of its own (filled by a child process first): a restart on unchanged data.
  Its cold first load, validation included, is the server part's ``first_load`` figure.
- ``fmc``: ``benchmarks/fmc_app.py``, folium ``FastMarkerCluster`` in ``st_folium``.
- ``deck``: ``benchmarks/deck_app.py``, a deck.gl ``ScatterplotLayer`` in ``st.pydeck_chart``.
- ``shell`` (floor a): ``benchmarks/shell_app.py``, one empty ``components.html`` frame.
- ``leaflet`` (floor b): ``benchmarks/floor.html`` on a plain ``python -m http.server``:
  fetch the payload the atlas published for the dataset, parse it, draw every site as an
  ``L.circleMarker`` on one ``L.canvas()`` renderer.

Per app and dataset: the first page after the server started (reported apart), then
``runs`` fresh pages (median). On each page: page open -> first point; the page settles;
JS heap; a filter change (sidebar Country multiselect, Cambodia) -> map updated; for the
atlas, choosing a site in the site table's chooser -> its dossier and ring painted.
Every wait is time-boxed (``timeout_s``); a time-out or a crashed tab is reported and
the app's remaining pages on that dataset are skipped.

All times are ``performance.now()`` in the top page (0 = navigation start; for a change
0 = the ``pointerdown`` on the option), taken in the first animation frame in which the
condition holds in the DOM (checked in every frame), i.e. when it reaches the screen.
What "first point" means per app:

- atlas: a ``.atlas-site`` or ``.atlas-cluster`` element with a box inside the map
  iframe's viewport;
- fmc: a ``.marker-cluster`` (a div) or ``.leaflet-marker-icon`` (an image, loaded) with
  a box inside the map iframe's viewport;
- deck: a WebGL instanced draw call (``drawArraysInstanced``/``drawElementsInstanced``,
  wrapped by an init script) with ``instanceCount`` > 0 on a canvas inside the
  ``stDeckGlJsonChart`` element; ScatterplotLayer draws all its points in one such call,
  so this cannot happen before the points are drawn (and after a filter change the
  count must equal the new number of points);
- leaflet: the page's canvas has a non-transparent pixel (checked each frame once the
  layer is on the map);
- shell: the component ``iframe`` has a box and its document is loaded.

Memory: ``JSHeapUsedSize`` from CDP ``Performance.getMetrics`` on the tab after
``HeapProfiler.collectGarbage``, once the page has settled after opening. The map
iframes are same-origin with the page, so they run in the tab's renderer process and V8
isolate: the figure is the page and its map frame together.
"""

from __future__ import annotations

import contextlib
import gzip
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from benchmarks.browser import _MARKER_VISIBLE_JS, _settle, frame_when
from components.map import assets
from tests.harness import APP_IDLE, MAP_IFRAME, launch_browser, offline, run_app, wait_for_app

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
APPS = ("atlas", "fmc", "deck", "shell", "leaflet")
COUNTRY = "KH"
ATLAS_COUNTRY = "Cambodia (KH)"
ATLAS_POINTS = ".atlas-site, .atlas-cluster"
FMC_POINTS = ".marker-cluster, .leaflet-marker-icon"
DECK = "[data-testid='stDeckGlJsonChart']"
PICK_LABEL = "Open a site from this page"  # components.ui.site_table.PICK_LABEL
VIEWPORT = {"width": 1400, "height": 1000}

# Installed in every deck page before its scripts: the time and instance count of the
# latest instanced WebGL draw on a canvas inside the pydeck chart.
_DECK_HOOK_JS = """
(() => {
  const C = window.WebGL2RenderingContext;
  if (!C) return;
  window.__deckFirst = null; window.__deckLast = null;
  for (const name of ['drawArraysInstanced', 'drawElementsInstanced']) {
    const orig = C.prototype[name];
    C.prototype[name] = function (...args) {
      const out = orig.apply(this, args);
      const n = args[args.length - 1];
      const c = this.canvas;
      if (n > 0 && c && c.closest && c.closest("[data-testid='stDeckGlJsonChart']")) {
        const rec = {t: performance.now(), n: n};
        window.__deckLast = rec;
        if (!window.__deckFirst) window.__deckFirst = rec;
      }
      return out;
    };
  }
})();
"""

# Checked in every animation frame of the top page: performance.now() when met, false,
# or an error string.
_DECK_JS = """
([expected, after]) => {
  const last = window.__deckLast;
  if (!last || last.t <= after) return false;
  if (expected >= 0 && last.n !== expected) return false;
  return performance.now();
}
"""
_SHELL_JS = """
() => {
  const f = document.querySelector("[data-testid='stMain'] iframe");
  if (!f) return false;
  const box = f.getBoundingClientRect();
  if (box.width < 1 || box.height < 1) return false;
  const doc = f.contentDocument;
  if (!doc || doc.readyState !== 'complete' || !doc.getElementById('empty')) return false;
  return performance.now();
}
"""
_LEAFLET_JS = """
() => {
  const root = document.documentElement;
  const err = root.getAttribute('data-error');
  if (err) return 'page error: ' + err;
  return root.getAttribute('data-drawn') === null ? false : performance.now();
}
"""
# The atlas's selection ring and the dossier's heading, both on screen.
_CHOSEN_JS = """
([sel, name, before]) => {
  const f = document.querySelector(sel);
  const doc = f && f.contentDocument;
  if (!doc) return false;
  const ring = doc.querySelector('.atlas-selected');
  if (!ring) return false;
  const box = ring.getBoundingClientRect();
  if (box.width <= 0) return false;
  const at = ring.getAttribute('d') + '|' + Math.round(box.x) + ',' + Math.round(box.y);
  if (at === before) return false;
  const side = document.querySelector('.st-key-atlas_side') || document;
  for (const h of side.querySelectorAll("[data-testid='stHeading']")) {
    if (h.innerText.includes(name) && h.getBoundingClientRect().height > 0)
      return performance.now();
  }
  return false;
}
"""


@dataclass
class PageRun:
    first_point: float | None = None  # seconds, to the frame it shows in
    change: float | None = None
    remounted: bool | None = None
    select: float | None = None
    heap_mb: float | None = None
    error: str = ""
    stage: str = "open"  # the step under way (named when it fails)


@dataclass
class AppResult:
    app: str
    sites: int
    first: PageRun | None = None  # first page after the server started
    warm: list[PageRun] = field(default_factory=list)
    crashed: bool = False
    note: str = ""
    server_peak_mb: float | None = None  # Streamlit server VmHWM
    payload_url: str | None = None  # atlas: the payload file the page fetched

    def median(self, attr: str) -> float | None:
        values = [getattr(r, attr) for r in self.warm if getattr(r, attr) is not None]
        return statistics.median(values) if values else None

    def n(self, attr: str) -> int:
        return sum(getattr(r, attr) is not None for r in self.warm)

    @property
    def remounted(self) -> bool | None:
        seen = [r.remounted for r in [*([self.first] if self.first else []), *self.warm]]
        seen = [s for s in seen if s is not None]
        return any(seen) if seen else None


# --- servers -----------------------------------------------------------------------


def _server_pid(port: int) -> int | None:
    """The Streamlit process listening on ``port`` (read from /proc, never signalled)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(cmd) and str(port).encode() in cmd:
            return int(proc.name)
    return None


def _status_mb(pid: int | None, key: str = "VmHWM") -> float | None:
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


AWESOME = "leaflet.awesome-markers@2.0.5"
AWESOME_INTEGRITY = (
    "sha512-Ne/xDjkGyaujwNVVkv2tyXQUV0ZW7gZ0Mo0FuQY4jp2qWrvXi0hwDBvmZyF/"
    "8YOvybyMabTMM/mFWCTd1jZIQA=="
)


def awesome_markers(dest: Path) -> None:
    """Leaflet.awesome-markers' dist/ into ``dest/dist`` (``npm pack``, checked against its
    pinned integrity, cached next to the synthetic data)."""
    import base64
    import hashlib
    import tarfile

    from benchmarks.datasets import CACHE

    tgz = CACHE / "npm" / "leaflet.awesome-markers-2.0.5.tgz"
    if not tgz.is_file():
        tgz.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "pack", AWESOME, "--pack-destination", str(tgz.parent)],
            check=True,
            capture_output=True,
        )
    digest = base64.b64encode(hashlib.sha512(tgz.read_bytes()).digest()).decode()
    if f"sha512-{digest}" != AWESOME_INTEGRITY:
        tgz.unlink()
        raise RuntimeError(f"{AWESOME}: integrity mismatch")
    with tarfile.open(tgz) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.startswith("package/dist/"):
                out = dest / member.name.removeprefix("package/")
                out.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                out.write_bytes(source.read())


def _descendants(root: int) -> list[tuple[int, int, str]]:
    """(pid, parent pid, name) of every process below ``root`` (from /proc)."""
    procs = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text()
            except OSError:
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            procs[int(proc.name)] = (ppid, name)
    out, todo = [], [root]
    while todo:
        parent = todo.pop()
        for pid, (ppid, name) in procs.items():
            if ppid == parent:
                out.append((pid, ppid, name))
                todo.append(pid)
    return out


def _kill_our_chromium() -> None:
    """Watchdog: SIGKILL the Chromium this process started (by pid), so a page stuck
    in JavaScript cannot hang the benchmark (Playwright's evaluate has no time limit)."""
    import os
    import signal

    ours = _descendants(os.getpid())
    chromium = {pid for pid, _ppid, name in ours if "chrom" in name}
    for pid, ppid, _name in ours:
        if pid in chromium and ppid not in chromium:  # the browser process itself
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _copy_vendor(static: Path, *packages: str) -> None:
    for name in packages:
        folder = assets.asset_path(name, "dist").parent
        shutil.copytree(folder, static / "vendor" / folder.name)


def warm_data_cache(data_dir: Path, cache: Path, timeout_s: float = 900) -> None:
    """Validate ``data_dir`` into the data cache folder ``cache`` in a child process (the
    app's own :func:`components.data.cache.load_atlas_cached`), so a server started on
    it does no validation work. Raises CalledProcessError if the child fails."""
    code = (
        "import sys; from pathlib import Path; "
        "from components.data.cache import load_atlas_cached; "
        "load_atlas_cached(Path(sys.argv[1]), Path(sys.argv[2]))"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(data_dir), str(cache)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=timeout_s,
    )


@contextlib.contextmanager
def _cold_atlas(data_dir: Path, log_dir: Path) -> Iterator[str]:
    """The atlas on an empty data cache of its own: its first page validates the data
    (what a first start on new data costs the server)."""
    log = log_dir / f"atlas-cold-{data_dir.name}-{time.monotonic_ns()}.log"
    with tempfile.TemporaryDirectory(prefix="atlas-cold-cache-") as cache:
        env = {"ATLAS_CACHE_DIR": cache}
        with run_app(data_dir=data_dir, env=env, log_path=log, timeout=120) as url:
            yield url


@contextlib.contextmanager
def _streamlit(app: str, data_dir: Path, log_dir: Path) -> Iterator[str]:
    log = log_dir / f"{app}-{data_dir.name}-{time.monotonic_ns()}.log"
    if app == "atlas":
        # A restart on unchanged data, whatever the machine's own cache holds: the data
        # cache (its own folder) is filled by a separate process first. The cold first
        # load (validation included) is measured apart (first_load.py, "Server side").
        cache = log_dir / "atlas-data-cache"
        warm_data_cache(data_dir, cache)
        env = {"ATLAS_CACHE_DIR": str(cache)}
        with run_app(data_dir=data_dir, env=env, log_path=log, timeout=120) as url:
            yield url
    elif app == "fmc":
        # Streamlit serves static/ from the main script's folder and refuses links that
        # leave it: a temporary folder with a link to the script and copies of Leaflet.
        with tempfile.TemporaryDirectory(prefix="atlas-fmc-app-") as tmp:
            script = Path(tmp) / "fmc_app.py"
            script.symlink_to(HERE / "fmc_app.py")
            _copy_vendor(Path(tmp) / "static", "leaflet", "leaflet.markercluster")
            awesome_markers(Path(tmp) / "static" / "vendor" / AWESOME)
            with run_app(data_dir, log_path=log, timeout=120, script=script) as url:
                yield url
    else:
        script = HERE / f"{app}_app.py"
        with run_app(data_dir, log_path=log, timeout=120, script=script) as url:
            yield url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _static_server(payload: Path) -> Iterator[str]:
    """``python -m http.server`` on a folder with floor.html, Leaflet and the payload."""
    with tempfile.TemporaryDirectory(prefix="atlas-floor-") as tmp:
        folder = Path(tmp)
        shutil.copyfile(HERE / "floor.html", folder / "index.html")
        shutil.copytree(assets.asset_path("leaflet", "dist"), folder / "leaflet")
        (folder / payload.name).symlink_to(payload)
        port = _free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError("http.server did not start")
                time.sleep(0.05)  # no page open yet
            yield f"http://127.0.0.1:{port}/index.html?payload={payload.name}"
        finally:
            proc.terminate()
            proc.wait(timeout=10)


# --- in the page -------------------------------------------------------------------


def _wait(page: Page, js: str, arg, timeout_ms: float) -> float:
    """ms (``performance.now()``) of the first animation frame in which ``js`` holds
    (:func:`benchmarks.browser.frame_when`); a string it returns is an error."""
    value = frame_when(page, js, arg, timeout_ms)
    if isinstance(value, str):
        raise RuntimeError(value)
    return float(value)


def _first_point(page: Page, app: str, timeout_ms: float) -> float:
    if app == "atlas":
        return _wait(page, _MARKER_VISIBLE_JS, [MAP_IFRAME, ATLAS_POINTS, ""], timeout_ms)
    if app == "fmc":
        return _wait(page, _MARKER_VISIBLE_JS, [MAP_IFRAME, FMC_POINTS, ""], timeout_ms)
    if app == "deck":
        return _wait(page, _DECK_JS, [-1, -1], timeout_ms)
    if app == "shell":
        return _wait(page, _SHELL_JS, None, timeout_ms)
    return _wait(page, _LEAFLET_JS, None, timeout_ms)


def heap_mb(page: Page) -> float:
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("HeapProfiler.collectGarbage")
        cdp.send("Performance.enable")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        return metrics["JSHeapUsedSize"] / 1e6
    finally:
        cdp.detach()


# A user action's figure is the first animation frame in which its result shows. The
# watcher is armed before the click: from the option's pointerdown on, it runs the check
# at the start of every frame in the page itself and keeps the first frame's time. (Until
# 3 Dec 2026 the check began only once the click had come back to this process, and a
# result already on screen was stamped at that later moment: when the page was busy
# right after painting it, as the atlas's map is while it builds a new view's markers,
# 0.1 s or more too late.) ``src`` is a check of ``(arg, bench)``; ``bench.name`` is the
# chosen option's text up to its first " · ".
_WATCH_JS = """
([src, arg]) => {
  const check = eval('(' + src + ')');
  const bench = window.__bench = {t0: null, done: null, name: null};
  const onDown = (e) => {
    const opt = e.target.closest('[role="option"]');
    if (!opt || window.__bench !== bench || bench.t0 !== null) return;
    bench.t0 = performance.now();
    bench.name = opt.innerText.split(' \u00b7 ')[0].trim();
    document.removeEventListener('pointerdown', onDown, true);
    const tick = () => {
      if (window.__bench !== bench || bench.done !== null) return;
      let value;
      try { value = check(arg, bench); } catch (err) { value = 'check failed: ' + err; }
      if (value === false || value === null || value === undefined) requestAnimationFrame(tick);
      else bench.done = value;
    };
    requestAnimationFrame(tick);
  };
  document.addEventListener('pointerdown', onDown, true);
}
"""


def arm_frame_watch(page: Page, check: str, arg) -> None:
    """Arm the frame watcher (``_WATCH_JS``) for the next option clicked."""
    page.evaluate(_WATCH_JS, [check, arg])


def frame_watch_seconds(page: Page, timeout_ms: float) -> float:
    """Seconds from the option's pointerdown to the first frame the check held in."""
    page.wait_for_function(
        "() => window.__bench && window.__bench.done !== null", polling=50, timeout=timeout_ms
    )
    bench = page.evaluate("() => window.__bench")
    if isinstance(bench["done"], str):
        raise RuntimeError(bench["done"])
    return (float(bench["done"]) - float(bench["t0"])) / 1000


def watch_check(js: str, arg_expr: str) -> str:
    """A watcher check that calls one of the frame checks above with ``arg_expr``."""
    return f"(arg, bench) => ({js.strip()})({arg_expr})"


_ARM_CHANGE_JS = """
([app, iframeSel, deckSel]) => {
  if (app === 'deck') {
    const c = document.querySelector(deckSel + ' canvas');
    if (c) c.__probe = true;
    return 0;
  }
  const f = document.querySelector(iframeSel);
  f.contentWindow.__probe = 'before-change';
  return Number(f.contentDocument.documentElement.getAttribute('data-atlas-renders') || 0);
}
"""
_PROBE_JS = """
([app, iframeSel, deckSel]) => {
  if (app === 'deck') {
    const c = document.querySelector(deckSel + ' canvas');
    return !!(c && c.__probe);
  }
  const f = document.querySelector(iframeSel);
  return !!(f && f.contentWindow && f.contentWindow.__probe === 'before-change');
}
"""
_FMC_COUNT = (
    "Object.keys(win).some((k) => k.startsWith('fast_marker_cluster_') && win[k] && "
    "win[k]._topClusterLevel && win[k]._topClusterLevel._childCount === {n})"
)


def _pick_option(page: Page, box, option_text: str | None, index: int, timeout_ms: float) -> str:
    """Open a select box and click an option (by text, or the ``index``-th); return its
    text. A rerun that ends while the list is open may close it: retried."""
    for _attempt in range(10):
        wait_for_app(page, timeout=timeout_ms)
        box.click(timeout=timeout_ms)
        option = (
            page.get_by_role("option", name=option_text, exact=True)
            if option_text
            else page.get_by_role("option").nth(index)
        )
        try:
            text = option.inner_text(timeout=5_000)
            option.click(timeout=5_000)
            return text
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    raise RuntimeError("the select box never opened")


def filter_change(page: Page, app: str, expected: int, timeout_ms: float) -> tuple[float, bool]:
    """Sidebar Country multiselect -> Cambodia; seconds to the updated map, remounted?"""
    before = page.evaluate(_ARM_CHANGE_JS, [app, MAP_IFRAME, DECK])
    if app == "atlas":
        extra = (
            "Number(doc.documentElement.getAttribute('data-atlas-renders') || 0) > "
            f"{before} && Number(doc.documentElement.getAttribute('data-atlas-sites')) === "
            f"{expected}"
        )
        arm_frame_watch(
            page, watch_check(_MARKER_VISIBLE_JS, "arg"), [MAP_IFRAME, ATLAS_POINTS, extra]
        )
    elif app == "fmc":
        extra = _FMC_COUNT.replace("{n}", str(expected))
        arm_frame_watch(
            page, watch_check(_MARKER_VISIBLE_JS, "arg"), [MAP_IFRAME, FMC_POINTS, extra]
        )
    else:
        arm_frame_watch(page, watch_check(_DECK_JS, "[arg, bench.t0]"), expected)
    box = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").first
    _pick_option(
        page, box.locator("input"), ATLAS_COUNTRY if app == "atlas" else COUNTRY, 0, timeout_ms
    )
    seconds = frame_watch_seconds(page, timeout_ms)
    kept = page.evaluate(_PROBE_JS, [app, MAP_IFRAME, DECK])
    return seconds, not kept


_RING_AT_JS = """
(sel) => {
  const doc = document.querySelector(sel).contentDocument;
  const ring = doc.querySelector('.atlas-selected');
  if (!ring) return '';
  const box = ring.getBoundingClientRect();
  return ring.getAttribute('d') + '|' + Math.round(box.x) + ',' + Math.round(box.y);
}
"""
LOST_CLICK_MS = 20_000


def choose_site(page: Page, index: int, timeout_ms: float) -> float:
    """Pick the ``index``-th site in the table's chooser; seconds to dossier + ring.

    A pick can be lost when it lands just as a rerun starts (the chooser is reset every
    run): if after 20 s nothing has changed and the script is idle, the pick is made
    again (at most twice) and timed from the new pointerdown.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    chooser = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(PICK_LABEL))
    for attempt in range(3):
        before = page.evaluate(_RING_AT_JS, MAP_IFRAME)
        arm_frame_watch(
            page, watch_check(_CHOSEN_JS, "[arg[0], bench.name, arg[1]]"), [MAP_IFRAME, before]
        )
        _pick_option(page, chooser, None, index, timeout_ms)
        while True:
            left = (deadline - time.monotonic()) * 1000
            if left <= 0:
                raise PlaywrightTimeoutError(f"no dossier + ring within {timeout_ms / 1000:.0f} s")
            try:
                return frame_watch_seconds(page, min(left, LOST_CLICK_MS))
            except PlaywrightTimeoutError:
                idle = page.locator(APP_IDLE).count() > 0
                if idle and attempt < 2 and page.locator(f"text={PICK_LABEL}").count():
                    break
    raise PlaywrightTimeoutError("the pick was lost three times")


# --- one app on one dataset --------------------------------------------------------


def _one_page(
    run: PageRun, page: Page, app: str, url: str, expected: int, index: int, timeout_ms: float
) -> None:
    """One fresh page; fills ``run`` step by step (so a failure keeps what was measured)."""
    page.goto(url, wait_until="commit", timeout=timeout_ms)
    run.first_point = _first_point(page, app, timeout_ms) / 1000
    run.stage = "settle"
    if app in ("atlas", "fmc", "deck", "shell"):
        _settle(page, timeout_ms)
    else:
        page.wait_for_timeout(1000)
    run.stage = "heap"
    run.heap_mb = heap_mb(page)
    if app in ("atlas", "fmc", "deck"):
        run.stage = "filter change"
        run.change, run.remounted = filter_change(page, app, expected, timeout_ms)
    if app == "atlas":
        run.stage = "settle"
        _settle(page, timeout_ms)
        run.stage = "selection"
        run.select = choose_site(page, index, timeout_ms)
    run.stage = "done"


def measure(
    app: str,
    sites: int,
    expected: int,
    runs: int,
    timeout_s: float,
    url_cm: Callable[[], contextlib.AbstractContextManager[str]],
    log=print,
) -> AppResult:
    """The first page, then ``runs`` fresh pages, of one app on one server."""
    result = AppResult(app, sites)
    timeout_ms = timeout_s * 1000
    with url_cm() as url, sync_playwright() as pw:
        port = int(re.search(r":(\d+)", url.split("//", 1)[1]).group(1))
        pid = _server_pid(port) if app != "leaflet" else None
        browser = launch_browser(pw)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            context.set_default_timeout(timeout_ms)
            offline(context)
            if app == "deck":
                context.add_init_script(_DECK_HOOK_JS)
            if app == "atlas":
                context.on(
                    "request",
                    lambda r: (
                        setattr(result, "payload_url", r.url)
                        if "/static/generated/sites-" in r.url
                        else None
                    ),
                )
            for i in range(runs + 1):
                # open, settle, filter, settle, select: at most 5 waits, plus slack; it
                # also covers opening and closing the tab (a full run hung there once,
                # at 1M sites in FastMarkerCluster, after a time-out)
                watchdog = threading.Timer(timeout_s * 5 + 120, _kill_our_chromium)
                watchdog.start()
                page = context.new_page()
                crashed = []
                page.on("crash", lambda _p, c=crashed: c.append(True))
                which = "first page" if i == 0 else f"page {i}"
                run = PageRun()
                try:
                    _one_page(run, page, app, url, expected, i + 1, timeout_ms)
                except PlaywrightTimeoutError as exc:
                    run.error = f"{run.stage}: timed out after {timeout_s:.0f} s"
                    log(f"    {app} {sites:,} {which}: {run.error} ({str(exc)[:120]})")
                except (PlaywrightError, RuntimeError) as exc:
                    kind = "tab crashed" if crashed else f"error: {str(exc)[:160]}"
                    run.error = f"{run.stage}: {kind}"
                    log(f"    {app} {sites:,} {which}: {run.error}")
                if crashed:
                    result.crashed = True
                    run.error = run.error or "tab crashed"
                if i == 0:
                    result.first = run
                else:
                    result.warm.append(run)
                if run.first_point is not None:
                    log(
                        f"    {app} {sites:,} {which}: first point {_s(run.first_point)} s, "
                        f"heap {_s(run.heap_mb, 0)} MB"
                        + (f", filter {_s(run.change)} s" if run.change is not None else "")
                        + (" (remounted)" if run.remounted else "")
                        + (f", select {_s(run.select)} s" if run.select is not None else "")
                    )
                with contextlib.suppress(PlaywrightError):
                    page.close()
                watchdog.cancel()
                if run.error and (i > 0 or crashed or not browser.is_connected()):
                    result.note = run.error
                    if not browser.is_connected():
                        result.note += " (browser killed by the watchdog)"
                    break
        finally:
            result.server_peak_mb = _status_mb(pid)
            if result.server_peak_mb is not None:
                log(f"    {app} {sites:,} server peak RSS {result.server_peak_mb:.0f} MB")
            with contextlib.suppress(PlaywrightError):
                browser.close()
    return result


def _s(value: float | None, digits: int = 2) -> str:
    return "?" if value is None else f"{value:.{digits}f}"


# --- server side -------------------------------------------------------------------


@dataclass
class ServerFigures:
    sites: int
    first_load_s: float | None = None
    first_load_rss_mb: float | None = None
    first_load_text: str = ""
    validate_s: float | None = None
    validate_rss_mb: float | None = None
    validate_ok: bool | None = None
    payload_bytes: int | None = None
    payload_gzip: int | None = None
    # The atlas server started on an empty data cache: its first page's first point and
    # the server process's VmHWM (a large dataset is validated by a child process).
    cold_first_s: float | None = None
    cold_rss_mb: float | None = None


def _timed_child(command: list[str], timeout_s: float) -> tuple[float, float, int, str]:
    """(wall s, peak RSS MB of the child, exit code, output) via ``os.wait4``."""
    import os

    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    return wall, usage.ru_maxrss / 1024, proc.returncode, text


def first_load(directory: Path, timeout_s: float) -> tuple[float | None, float | None, str]:
    """``python -m benchmarks.first_load DIR`` (owned by the server work, so it stays in
    sync): its printed total and peak RSS, and its whole output."""
    wall, rss, code, text = _timed_child(
        [sys.executable, "-m", "benchmarks.first_load", str(directory)], timeout_s
    )
    # "first load (miss + prepare): 1.31 s" (older versions printed "total: 1.31 s").
    total = re.search(r"(?:first load \(miss \+ prepare\)|total):\s*([\d.]+)\s*s", text)
    peak = re.search(r"peak RSS:?\s*([\d.]+)\s*MB", text)
    lines = [ln for ln in text.splitlines() if "ScriptRunContext" not in ln]
    if code != 0:
        # Seen: exit -11 (SIGSEGV) at interpreter shutdown, after the figures were printed.
        lines.append(f"(exit code {code} after {wall:.1f} s)")
    if total is None:
        return None, rss, " | ".join(lines)[-400:]
    return float(total.group(1)), float(peak.group(1)) if peak else rss, " | ".join(lines)


def validator(directory: Path, timeout_s: float) -> tuple[float, float, bool]:
    wall, rss, code, _text = _timed_child(
        [sys.executable, "-m", "components.data", "validate", str(directory)], timeout_s
    )
    return wall, rss, code == 0


_BUILD_PAYLOAD = (
    "import sys\nfrom pathlib import Path\nfrom components.data import load_atlas\n"
    "from components.map import view\na = load_atlas(Path(sys.argv[1])).atlas\n"
    "print(view.publish_payload(view.build_payload(a.locations, a.events, a.sources),"
    " Path(sys.argv[2])))\n"
)


def payload_file(directory: Path, atlas_url: str | None, out: Path) -> Path:
    """The payload the atlas published for ``directory``: the file its page fetched
    (``static/generated/<name>``, copied to ``out``), else built with the atlas's own
    ``build_payload``/``publish_payload`` in a subprocess."""
    out.mkdir(parents=True, exist_ok=True)
    if atlas_url:
        name = atlas_url.split("?", 1)[0].rsplit("/", 1)[1]
        source = ROOT / "static" / "generated" / name
        if source.is_file():
            shutil.copyfile(source, out / name)
            return out / name
    done = subprocess.run(
        [sys.executable, "-c", _BUILD_PAYLOAD, str(directory), str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return out / done.stdout.strip().rsplit("/", 1)[1]


def payload_sizes(path: Path) -> tuple[int, int]:
    """(bytes of the JSON, bytes sent): the atlas publishes it gzip-compressed
    (``.json.gz``); an older plain ``.json`` is measured at gzip level 6."""
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        return len(gzip.decompress(data)), len(data)
    return len(data), len(gzip.compress(data, 6))


# --- the whole comparison ----------------------------------------------------------

PEER_APPS = ("atlas", "fmc", "deck")
REAL_BEFORE_S = 2.69  # README.md's Performance table: atlas, real data, open -> first marker
TARGETS = {
    "open_vs_floor": 1.3,  # 100k open <= 1.3 x (shell + leaflet floor), and < deck
    "change_100k": 0.5,
    "select_100k": 0.3,
    "heap_100k": 300.0,
    "open_1m": 10.0,
    "change_1m": 1.0,
    "rss_1m": 1024.0,
    "first_load_100k": 2.0,
    "first_load_1m": 15.0,
    "validate_1m": 8.0,
}


@dataclass
class Results:
    sizes: list[int]
    runs: int
    timeout_s: float
    apps: dict[tuple[str, int], AppResult] = field(default_factory=dict)
    server: dict[int, ServerFigures] = field(default_factory=dict)
    shell: AppResult | None = None


def _counts(directory: Path) -> tuple[int, int]:
    import pandas as pd

    country = pd.read_csv(directory / "locations.csv", usecols=["country"])["country"]
    return len(country), int((country.astype(str).str.strip() == COUNTRY).sum())


def run(
    sizes: list[int], runs: int, only: set[str], timeout_s: float, log_dir: Path, log=print
) -> Results:
    """Measure every selected app (``only``: atlas, fmc, deck, floor, server) on every size."""
    from benchmarks.datasets import cached_dataset
    from components.map.view import GENERATED_DIR

    results = Results(sizes, runs, timeout_s)
    before = {p.name for p in GENERATED_DIR.glob("*")} if GENERATED_DIR.is_dir() else set()
    try:
        if "floor" in only:
            log("  floor (a): the Streamlit shell, one empty component frame")
            results.shell = measure(
                "shell",
                0,
                0,
                runs,
                timeout_s,
                lambda: _streamlit("shell", ROOT / "data", log_dir),
                log,
            )
        for n in sizes:
            directory = cached_dataset(n, log=log)
            total, expected = _counts(directory)
            log(f"\n  dataset {directory} ({total:,} sites, {expected:,} in {COUNTRY})")
            figures = results.server[n] = ServerFigures(total)
            if "server" in only:
                # Medians of ``runs`` runs, each a fresh process (peak RSS: the largest).
                loads, checks = [], []
                for i in range(max(runs, 1)):
                    fl_s, fl_rss, text = first_load(directory, max(timeout_s, 600))
                    loads.append((fl_s, fl_rss))
                    log(f"    first_load {i + 1}: " + text)
                    wall, rss, ok = validator(directory, max(timeout_s, 600))
                    checks.append((wall, rss, ok))
                    log(f"    validator CLI {i + 1}: {wall:.2f} s, peak RSS {rss:.0f} MB, ok={ok}")
                times = [s for s, _ in loads if s is not None]
                figures.first_load_s = statistics.median(times) if times else None
                figures.first_load_rss_mb = max((r for _, r in loads if r), default=None)
                figures.first_load_text = text
                figures.validate_s = statistics.median(w for w, _, _ in checks)
                figures.validate_rss_mb = max(r for _, r, _ in checks)
                figures.validate_ok = all(ok for _, _, ok in checks)
                log(
                    f"    median of {len(checks)}: first load "
                    f"{_s(figures.first_load_s)} s, validator {figures.validate_s:.2f} s"
                )
                # One cold server (its first page only): its lines are prefixed, so a log
                # rebuild never reads them as the warm atlas's.
                cold = measure(
                    "atlas",
                    total,
                    expected,
                    0,
                    max(timeout_s, 300),
                    lambda d=directory: _cold_atlas(d, log_dir),
                    lambda line: log("    (cold server) " + line.strip()),
                )
                figures.cold_first_s = cold.first.first_point if cold.first else None
                figures.cold_rss_mb = cold.server_peak_mb
                log(
                    f"    cold server: first point {_s(figures.cold_first_s)} s, "
                    f"peak RSS {_s(figures.cold_rss_mb, 0)} MB"
                )
            for app in PEER_APPS:
                if app not in only:
                    continue
                log(f"  {app} on {total:,} sites")
                try:
                    results.apps[(app, n)] = measure(
                        app,
                        total,
                        expected,
                        runs,
                        timeout_s,
                        lambda app=app, d=directory: _streamlit(app, d, log_dir),
                        log,
                    )
                except Exception as exc:  # noqa: BLE001  (report and go on: not a test)
                    log(f"    {app}: FAILED: {type(exc).__name__}: {str(exc)[:300]}")
                    results.apps[(app, n)] = AppResult(app, total, note=f"failed: {exc}"[:80])
            if "floor" in only or "server" in only:
                atlas = results.apps.get(("atlas", n))
                with tempfile.TemporaryDirectory(prefix="atlas-payload-") as tmp:
                    try:
                        payload = payload_file(
                            directory, atlas.payload_url if atlas else None, Path(tmp)
                        )
                    except (subprocess.CalledProcessError, OSError) as exc:
                        log(f"    payload: FAILED: {exc}")
                        continue
                    figures.payload_bytes, figures.payload_gzip = payload_sizes(payload)
                    log(
                        f"    payload {payload.name}: {figures.payload_bytes / 1e6:.1f} MB, "
                        f"gzip {figures.payload_gzip / 1e6:.1f} MB"
                    )
                    if "floor" in only:
                        log(f"  leaflet floor on {total:,} sites")
                        results.apps[("leaflet", n)] = measure(
                            "leaflet",
                            total,
                            expected,
                            runs,
                            timeout_s,
                            lambda p=payload: _static_server(p),
                            log,
                        )
    finally:
        if GENERATED_DIR.is_dir():  # what this run's atlas servers published
            for path in GENERATED_DIR.glob("*"):
                if path.name not in before and path.is_file():
                    path.unlink(missing_ok=True)
    return results


# --- printing ----------------------------------------------------------------------


def _app(results: Results, app: str, n: int) -> AppResult | None:
    return results.apps.get((app, n))


def _first_value(r: AppResult | None, attr: str) -> float | None:
    return getattr(r.first, attr) if r and r.first else None


def _note(r: AppResult | None) -> str:
    if r is None:
        return "not run"
    if r.crashed:
        return "TAB CRASHED"
    if r.note:
        return r.note
    if r.first and r.first.error and not r.warm:
        return r.first.error
    return ""


def _cell(r: AppResult | None, attr: str, unit: str = "s") -> str:
    from benchmarks.report import seconds_cell

    if r is None:
        return "not run"
    value, runs = r.median(attr), r.n(attr)
    first = _first_value(r, attr)
    if unit == "MB":
        if value is None:
            return _note(r) or "n/a"
        text = f"{value:.0f} MB (n={runs})"
        return text + (" TAB CRASHED" if r.crashed else "")
    text = seconds_cell(value, first, runs, _note(r) if value is None else "")
    if attr == "change" and value is not None and r.remounted is not None:
        text += " remounted" if r.remounted else " in place"
    if value is not None and r.note:
        text += f" [then {r.note}]"
    return text


def floor_open(results: Results, n: int) -> tuple[float | None, float | None]:
    shell = results.shell.median("first_point") if results.shell else None
    leaflet = _app(results, "leaflet", n)
    return shell, leaflet.median("first_point") if leaflet else None


def side_by_side(results: Results) -> str:
    from benchmarks.report import size_label, table

    rows = []
    for n in results.sizes:
        label = size_label(n)
        shell, leaf = floor_open(results, n)
        floor = (
            f"{shell:.2f} + {leaf:.2f} = {shell + leaf:.2f} s"
            if shell is not None and leaf is not None
            else f"shell {shell and round(shell, 2)} + leaflet "
            + (_cell(_app(results, "leaflet", n), "first_point") if leaf is None else f"{leaf}")
        )
        rows.append(
            [f"open -> first point, {label}"]
            + [_cell(_app(results, a, n), "first_point") for a in PEER_APPS]
            + [floor]
        )
    for n in results.sizes:
        rows.append(
            [f"filter change -> map updated, {size_label(n)}"]
            + [_cell(_app(results, a, n), "change") for a in PEER_APPS]
            + ["-"]
        )
    for n in results.sizes:
        rows.append(
            [f"choose site -> dossier + ring, {size_label(n)}"]
            + [_cell(_app(results, "atlas", n), "select"), "-", "-", "-"]
        )
    for n in results.sizes:
        rows.append(
            [f"JS heap used in the tab, {size_label(n)}"]
            + [_cell(_app(results, a, n), "heap_mb", "MB") for a in (*PEER_APPS, "leaflet")]
        )
    for n in results.sizes:
        cells = []
        for a in PEER_APPS:
            r = _app(results, a, n)
            peak = r.server_peak_mb if r else None
            cells.append("n/a" if peak is None else f"{peak:.0f} MB")
        shell_peak = results.shell.server_peak_mb if results.shell else None
        cells.append("n/a" if shell_peak is None else f"shell {shell_peak:.0f} MB")
        rows.append([f"Streamlit server peak RSS, {size_label(n)}", *cells])
    return table(
        [
            "measure",
            "atlas",
            "FastMarkerCluster in st_folium",
            "deck.gl via st.pydeck_chart",
            "floor (shell + Leaflet canvas)",
        ],
        rows,
        right=set(),
    )


def server_table(results: Results) -> str:
    from benchmarks.report import size_label, table

    def f(v, d=2, unit=""):
        return "n/a" if v is None else f"{v:.{d}f}{unit}"

    rows = []
    for n in results.sizes:
        s = results.server.get(n)
        if s is None:
            continue
        rows.append(
            [
                size_label(n),
                f"{s.sites:,}",
                f(s.first_load_s),
                f(s.first_load_rss_mb, 0),
                f(s.validate_s) + ("" if s.validate_ok in (None, True) else " (FAILED)"),
                f(s.validate_rss_mb, 0),
                f(s.payload_bytes and s.payload_bytes / 1e6, 1),
                f(s.payload_gzip and s.payload_gzip / 1e6, 1),
                f(s.cold_first_s),
                f(s.cold_rss_mb, 0),
            ]
        )
    return table(
        [
            "dataset",
            "sites",
            "first load s",
            "first load peak RSS MB",
            "validator CLI s",
            "validator peak RSS MB",
            "payload MB",
            "payload gzip MB",
            "cold server first point s",
            "cold server peak RSS MB",
        ],
        rows,
    )


def cost_table(results: Results) -> str | None:
    """Ratio of each measure between a size and ten times that size."""
    from benchmarks.report import cost_ratio, size_label, table

    pairs = [(a, b) for a in results.sizes for b in results.sizes if a > 0 and b == 10 * a]
    if not pairs:
        return None
    measures: list[tuple[str, Callable[[int], float | None]]] = []
    for app in (*PEER_APPS, "leaflet"):
        for attr, what in (("first_point", "open"), ("change", "filter"), ("heap_mb", "heap")):
            if app == "leaflet" and attr == "change":
                continue

            def get(n, app=app, attr=attr):
                r = _app(results, app, n)
                return r.median(attr) if r else None

            measures.append((f"{app} {what}", get))
    measures.append(
        ("atlas selection", lambda n: (r := _app(results, "atlas", n)) and r.median("select"))
    )
    measures.append(
        (
            "atlas server peak RSS",
            lambda n: (r := _app(results, "atlas", n)) and r.server_peak_mb,
        )
    )
    for attr in ("first_load_s", "first_load_rss_mb", "validate_s", "payload_bytes"):
        measures.append(
            (
                attr.replace("_", " "),
                lambda n, attr=attr: getattr(results.server.get(n), attr, None),
            )
        )
    rows = [[name, *(cost_ratio(get(a), get(b)) for a, b in pairs)] for name, get in measures]
    return table(["measure", *(f"{size_label(b)} / {size_label(a)}" for a, b in pairs)], rows)


def targets(results: Results) -> str:
    from benchmarks.report import table, verdict

    rows = []
    t = TARGETS

    def add(name, value, ok):
        rows.append([name, value, verdict(ok)])

    def med(app, n, attr):
        r = _app(results, app, n)
        return r.median(attr) if r else None

    def fmt(v, unit=" s", d=2):
        return "n/a" if v is None else f"{v:.{d}f}{unit}"

    real = med("atlas", 0, "first_point") if 0 in results.sizes else None
    add(
        f"real data: open -> first point no worse than before ({REAL_BEFORE_S} s)",
        fmt(real),
        None if real is None else real <= REAL_BEFORE_S,
    )
    k = 100_000
    if k in results.sizes:
        a_open = med("atlas", k, "first_point")
        shell, leaf = floor_open(results, k)
        deck = med("deck", k, "first_point")
        bound = None if shell is None or leaf is None else t["open_vs_floor"] * (shell + leaf)
        ok = None
        if a_open is not None and bound is not None:
            ok = a_open <= bound and (deck is None or a_open < deck)
            if deck is None:
                ok = None if ok else False
        add(
            f"100k: open <= {t['open_vs_floor']}x (shell + floor) and faster than deck.gl",
            f"{fmt(a_open)} vs bound {fmt(bound)}, deck {fmt(deck)}",
            ok,
        )
        r = _app(results, "atlas", k)
        change = med("atlas", k, "change")
        ok = (
            None
            if change is None or r is None
            else (change <= t["change_100k"] and not r.remounted)
        )
        where = (
            ""
            if r is None or r.remounted is None
            else (" remounted" if r.remounted else " in place")
        )
        add(f"100k: filter change <= {t['change_100k']} s in place", fmt(change) + where, ok)
        sel = med("atlas", k, "select")
        add(
            f"100k: selection <= {t['select_100k']} s",
            fmt(sel),
            None if sel is None else sel <= t["select_100k"],
        )
        heap = med("atlas", k, "heap_mb")
        add(
            f"100k: tab memory <= {t['heap_100k']:.0f} MB",
            fmt(heap, " MB", 0),
            None if heap is None else heap <= t["heap_100k"],
        )
        fl = results.server.get(k)
        v = fl.first_load_s if fl else None
        add(
            f"100k: server first load <= {t['first_load_100k']} s",
            fmt(v),
            None if v is None else v <= t["first_load_100k"],
        )
    m = 1_000_000
    if m in results.sizes:
        r = _app(results, "atlas", m)
        v = med("atlas", m, "first_point")
        add(
            f"1M: open -> first point <= {t['open_1m']:.0f} s",
            fmt(v) if v is not None else _note(r) or "n/a",
            False if v is None and r is not None else (None if v is None else v <= t["open_1m"]),
        )
        v = med("atlas", m, "change")
        add(
            f"1M: filter change <= {t['change_1m']:.0f} s",
            fmt(v) if v is not None else _note(r) or "n/a",
            False if v is None and r is not None else (None if v is None else v <= t["change_1m"]),
        )
        v = r.server_peak_mb if r else None
        add(
            "1M: server RSS <= 1 GB (Streamlit VmHWM, warm data cache)",
            fmt(v, " MB", 0),
            None if v is None else v <= t["rss_1m"],
        )
        cold = results.server.get(m)
        v = cold.cold_rss_mb if cold else None
        add(
            "1M: server RSS <= 1 GB on a cold start (empty data cache)",
            fmt(v, " MB", 0),
            None if v is None else v <= t["rss_1m"],
        )
        add(
            "1M: no tab crash",
            "crashed" if r and r.crashed else ("no crash" if r else "n/a"),
            None if r is None else not r.crashed,
        )
        fl = results.server.get(m)
        v = fl.first_load_s if fl else None
        add(
            f"1M: server first load <= {t['first_load_1m']:.0f} s",
            fmt(v),
            None if v is None else v <= t["first_load_1m"],
        )
        v = fl.validate_s if fl else None
        add(
            f"1M: validator CLI <= {t['validate_1m']:.0f} s",
            fmt(v),
            None if v is None else v <= t["validate_1m"],
        )
    return table(["target", "measured", "result"], rows, right=set())


def print_report(results: Results, log=print) -> None:
    log(
        f"\nSide by side (median of {results.runs} fresh pages; 'first' = the first page after"
        " the server started, not in the median; every wait time-boxed to"
        f" {results.timeout_s:.0f} s)"
    )
    log(side_by_side(results))
    log(
        "  open: navigation start -> first animation frame after the first point is on"
        " screen. filter: pointerdown on 'KH' / 'Cambodia (KH)' -> first frame with the new"
        " selection drawn; 'in place' = the map's iframe document (deck: its canvas)"
        " survived. selection: pointerdown on a site in the table's chooser -> first frame"
        " with the ring (.atlas-selected) and the dossier heading. heap: CDP"
        " Performance.getMetrics JSHeapUsedSize after a forced GC on the settled page"
        " (page and same-origin map frame share the renderer's V8 heap). floor: Streamlit"
        " shell (open -> empty component frame loaded) + plain Leaflet canvas page"
        " (open -> the same payload fetched, parsed, every point drawn). server RSS:"
        " the Streamlit process's VmHWM over all its pages; the atlas server starts on a"
        " warm data cache (a restart on unchanged data; the cold first load's peak is the"
        " 'first load peak RSS' below: the server's own process; a large locations.csv is"
        " validated by a child process, whose peak the first_load log line gives)."
    )
    log("\nServer side (subprocesses; peak RSS from wait4 of the child)")
    log(server_table(results))
    cost = cost_table(results)
    if cost:
        log("\nCost per 10x rows")
        log(cost)
    log("\nTargets (informational; the benchmark never fails on them)")
    log(targets(results))


# --- a stopped run's table, from its log ------------------------------------------

_PAGE_LINE = re.compile(
    r"^\s+(?P<app>atlas|fmc|deck|shell|leaflet) (?P<sites>[\d,]+) (?P<which>first page|page \d+): "
    r"(?P<rest>.*)$"
)


def from_log(text: str, runs: int = 3, timeout_s: float = 240.0) -> Results:
    """Rebuild :class:`Results` from the per-page lines a run printed (for a run that was
    stopped before its table). The server peak RSS is not in those lines (n/a)."""
    sizes: list[int] = []
    results = Results(sizes, runs, timeout_s)
    size_of: dict[int, int] = {}  # sites -> size key
    current = None
    for line in text.splitlines():
        m = re.match(r"^\s+dataset (\S+) \(([\d,]+) sites", line)
        if m:
            total = int(m.group(2).replace(",", ""))
            key = 0 if not re.search(r"synthetic-(\d+)", m.group(1)) else total
            size_of[total] = key
            sizes.append(key)
            current = results.server[key] = ServerFigures(total)
            continue
        m = re.search(r"first_load: .*total:\s*([\d.]+) s; peak RSS (\d+) MB", line)
        if m and current:
            current.first_load_s, current.first_load_rss_mb = float(m[1]), float(m[2])
            continue
        m = re.search(r"validator CLI: ([\d.]+) s, peak RSS (\d+) MB, ok=(\w+)", line)
        if m and current:
            current.validate_s, current.validate_rss_mb = float(m[1]), float(m[2])
            current.validate_ok = m[3] == "True"
            continue
        m = re.search(r"cold server: first point ([\d.?]+) s, peak RSS ([\d?]+) MB", line)
        if m and current:
            current.cold_first_s = None if m[1] == "?" else float(m[1])
            current.cold_rss_mb = None if m[2] == "?" else float(m[2])
            continue
        m = re.search(r"payload \S+: ([\d.]+) MB, gzip ([\d.]+) MB", line)
        if m and current:
            current.payload_bytes = int(float(m[1]) * 1e6)
            current.payload_gzip = int(float(m[2]) * 1e6)
            continue
        m = re.match(r"^\s+(\w+) ([\d,]+) server peak RSS (\d+) MB", line)
        if m:
            sites = int(m[2].replace(",", ""))
            key = size_of.get(sites, sites)
            owner = results.shell if m[1] == "shell" else results.apps.get((m[1], key))
            if owner is not None:
                owner.server_peak_mb = float(m[3])
            continue
        m = _PAGE_LINE.match(line)
        if not m:
            continue
        app, sites = m["app"], int(m["sites"].replace(",", ""))
        if app == "shell":
            result = results.shell = results.shell or AppResult("shell", 0)
        else:
            key = size_of.get(sites, sites)
            result = results.apps.setdefault((app, key), AppResult(app, sites))
        rest = m["rest"]
        run = PageRun()
        point = re.search(r"first point ([\d.]+) s, heap (\d+) MB", rest)
        if point:
            run.first_point, run.heap_mb = float(point[1]), float(point[2])
            change = re.search(r"filter ([\d.]+) s", rest)
            if change:
                run.change, run.remounted = float(change[1]), "(remounted)" in rest
            select = re.search(r"select ([\d.]+) s", rest)
            run.select = float(select[1]) if select else None
        else:
            run.error = rest.split(" (Page.")[0]
            if "crashed" in rest:
                result.crashed = True
        if m["which"] == "first page":
            if result.first is None:
                result.first = run
            else:  # the same page's failure line after its figures line
                result.first.error = run.error
        elif point or not result.warm or result.warm[-1].error:
            result.warm.append(run)
        else:
            result.warm[-1].error = run.error
        if run.error and m["which"] != "first page":
            result.note = run.error
    return results


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.peers",
        description="Print the scale comparison's tables from a run's log (a stopped run).",
    )
    parser.add_argument("log", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=240.0)
    args = parser.parse_args(argv)
    print_report(from_log(args.log.read_text(), args.runs, args.timeout))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
