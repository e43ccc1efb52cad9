"""Run the dashboard and drive it with the system Chromium: helpers shared by the
browser tests (``tests/e2e``) and the benchmark.

Typical use::

    from playwright.sync_api import sync_playwright
    from tests.harness import launch_browser, map_frame, offline, run_app, wait_for_app

    with run_app() as url, sync_playwright() as pw:
        browser = launch_browser(pw)
        context = browser.new_context()
        blocked = offline(context)  # no internet: only the app itself answers
        page = context.new_page()
        page.goto(url)
        wait_for_app(page)
        frame = map_frame(page)
        print(frame.evaluate("window.atlas.stats"), blocked.hosts())

Lessons built in (see /work/shared/FINDINGS.md §8 and STYLE.md):

- the server is polled on ``/_stcore/health``; nothing here waits a fixed time;
- never call ``time.sleep`` while a page is open: it starves Playwright's route
  handlers and frame events. Wait with ``page.wait_for_timeout`` or ``expect``;
- ``playwright install`` cannot download browsers here, so the system Chromium is used.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Frame, Page, Playwright, Route
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
# Any http(s)/ws(s) URL whose host is not one of LOCAL_HOSTS.
NOT_LOCAL = re.compile(
    r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?(?:[/?#]|$))"
)
# The map component's iframe and the page's "script finished" marker.
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# Extra `streamlit run` flags: other people edit the sources while tests run, and a
# file watcher would then show "source changed" prompts or rerun the page mid-test.
DEFAULT_SERVER_ARGS = ("--server.fileWatcherType", "none", "--server.runOnSave", "false")
STARTUP_TIMEOUT_S = 60.0
POLL_MS = 100


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:  # noqa: S310
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextlib.contextmanager
def run_app(
    data_dir: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    *,
    log_path: str | os.PathLike[str] | None = None,
    timeout: float = STARTUP_TIMEOUT_S,
    extra_args: tuple[str, ...] = DEFAULT_SERVER_ARGS,
    script: str | os.PathLike[str] = "app.py",
) -> Iterator[str]:
    """Start ``streamlit run app.py`` (or ``script``) from the repo root; yield its URL.

    ``app.py`` is the atlas's server (``dashboard.py`` behind its own middleware), as
    ``./run.sh`` starts it.

    Parameters
    ----------
    data_dir
        Folder of CSVs to serve instead of ``data/`` (sets ``ATLAS_DATA_DIR``).
    env
        Extra environment variables for the server (on top of this process's).
    port
        Port to listen on; a free one when None.
    log_path
        Where the server's stdout and stderr go; ``tests/artifacts/streamlit-<port>.log``
        by default. The log's tail is put in the error if the server does not start.
    timeout
        Seconds to wait for ``/_stcore/health`` to answer "ok".
    extra_args
        More ``streamlit run`` flags (by default: no file watcher, see above).
    script
        The Streamlit script to run (the benchmark runs its naive app this way).

    The server runs in its own process group, which is terminated (then killed, if
    it lingers) when the block exits, so no Streamlit child process outlives a test.
    """
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    log = Path(log_path) if log_path else ARTIFACTS / f"streamlit-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    child_env = {**os.environ, **(env or {})}
    if data_dir is not None:
        child_env["ATLAS_DATA_DIR"] = str(Path(data_dir).resolve())
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        *extra_args,
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=child_env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as one below
        )
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if proc.poll() is not None:
                raise RuntimeError(
                    f"Streamlit exited with code {proc.returncode} before answering on "
                    f"{url}; log {log}:\n{_log_tail(log)}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"Streamlit did not answer {url}/_stcore/health within {timeout:.0f} s; "
                    f"log {log}:\n{_log_tail(log)}"
                )
            time.sleep(0.1)  # no page is open yet, so sleeping starves nothing
        yield url
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def launch_browser(playwright: Playwright, **kwargs) -> Browser:
    """The system Chromium, headless (``playwright install`` cannot download here).

    Keyword arguments go to ``chromium.launch`` (e.g. ``headless=False``, ``slow_mo``).
    """
    options = {"executable_path": CHROMIUM, "args": list(CHROMIUM_ARGS), "headless": True}
    options.update(kwargs)
    return playwright.chromium.launch(**options)


@dataclass
class BlockedRequests:
    """What :func:`offline` refused: one ``(url, resource_type)`` per request."""

    requests: list[tuple[str, str]] = field(default_factory=list)

    @property
    def urls(self) -> list[str]:
        return [url for url, _ in self.requests]

    def hosts(self) -> set[str]:
        """Host names the page tried to reach (e.g. ``{"a.basemaps.cartocdn.com"}``)."""
        return {urlsplit(url).hostname or "" for url in self.urls}

    def of_type(self, *resource_types: str) -> list[str]:
        """Blocked URLs of the given Playwright resource types ("script", "stylesheet")."""
        return [url for url, kind in self.requests if kind in resource_types]


def is_local(url: str) -> bool:
    """True for the app itself (and for non-network URLs such as ``data:``/``blob:``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss"):
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


def offline(context: BrowserContext) -> BlockedRequests:
    """Simulate no internet in ``context``: abort every request not to 127.0.0.1/localhost.

    Call before opening pages. Returns the (live) record of blocked requests, so a
    test can assert which hosts the page tried to reach.
    """
    blocked = BlockedRequests()

    def handle(route: Route) -> None:
        request = route.request
        if is_local(request.url):
            route.continue_()
        else:
            blocked.requests.append((request.url, request.resource_type))
            route.abort("internetdisconnected")

    # Matched by Playwright itself, so the app's own requests never wait for this Python
    # process (a glob like "**/*" would send every one of them through `handle`).
    context.route(NOT_LOCAL, handle)
    return blocked


def wait_for_app(page: Page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has drawn the page and its script is not running.

    Right after an interaction the script may not have *started* yet, so after a
    click prefer waiting for the outcome itself (``expect(...)``).
    """
    page.wait_for_selector(APP_IDLE, timeout=timeout)
    page.wait_for_selector("[data-testid='stMain']", timeout=timeout)


def wait_in_frame(
    frame: Frame, expression: str, arg: object = None, timeout: float = 30_000
) -> None:
    """``frame.wait_for_function`` polling every 100 ms instead of on animation frames.

    Playwright polls on ``requestAnimationFrame`` by default, and Chromium throttles
    animation frames in iframes it considers hidden or off screen (a component iframe
    before Streamlit sets its height, or scrolled away): the wait can then time out
    although the condition has long been true.
    """
    frame.wait_for_function(expression, arg=arg, polling=POLL_MS, timeout=timeout)


def map_frame(page: Page, timeout: float = 30_000) -> Frame:
    """The st_folium map's Frame, once atlas.js has drawn its first layer.

    Raises if the iframe never appears or the map never becomes ready.
    """
    handle = page.wait_for_selector(MAP_IFRAME, state="attached", timeout=timeout)
    frame = handle.content_frame() if handle else None
    if frame is None:
        raise RuntimeError(f"{MAP_IFRAME} has no content frame")
    try:
        wait_in_frame(
            frame,
            "() => !!(window.atlas && window.atlas.stats && window.atlas.stats.ready)",
            timeout=timeout,
        )
    except PlaywrightTimeoutError as error:
        state = "frame detached" if frame.is_detached() else frame.evaluate(_MAP_STATE)
        raise AssertionError(f"The map never became ready: {state}") from error
    return frame


# What a blank map looks like from inside: which of the scripts arrived, and how far it got.
_MAP_STATE = """() => ({
  leaflet: typeof window.L !== "undefined",
  markercluster: !!(window.L && window.L.markerClusterGroup),
  atlasScript: typeof window.Atlas !== "undefined",
  atlas: window.atlas ? window.atlas.stats : null,
  height: document.documentElement.getBoundingClientRect().height,
})"""


def set_map_view(frame: Frame, lat: float, lon: float, zoom: int, timeout: float = 10_000) -> None:
    """Move the map to ``(lat, lon)`` at ``zoom`` without animation, and wait until it is there.

    Leaflet silently ignores a zoom change while a zoom animation runs (the map's
    initial ``fitBounds`` is still animating when it first becomes ready), so this
    waits for the animation to end first. The script returns nothing on purpose:
    ``evaluate("map_div.setView(...)")`` would return the Map, and serialising
    Leaflet's object graph back to Python takes tens of seconds.
    """
    wait_in_frame(frame, "() => window.map_div && !window.map_div._animatingZoom", timeout=timeout)
    frame.evaluate(
        "([lat, lon, zoom]) => { window.map_div.setView([lat, lon], zoom, {animate: false}); }",
        [lat, lon, zoom],
    )
    wait_in_frame(frame, "(zoom) => window.map_div.getZoom() === zoom", zoom, timeout=timeout)


def screenshot(page: Page, name: str, **kwargs) -> Path:
    """Save a full-page PNG as ``tests/artifacts/<name>.png`` and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), **kwargs)
    return path
