"""The benchmark's frame watcher stamps the frame a result shows in (issue 12's figures).

A user action's figure in ``python -m benchmarks`` runs from the option's pointerdown to
the first animation frame that shows its result. The result of choosing a site is often
on screen before the click has even come back to Playwright, and the page may then be
busy for a while (the atlas's map builds the new view's markers right after painting
the ring): a check that starts only then stamps that later moment. These tests use a
bare page, so they measure the watcher, not the app.
"""

from __future__ import annotations

from playwright.sync_api import Page

from benchmarks.browser import frame_when
from benchmarks.peers import arm_frame_watch, frame_watch_seconds

BUSY_MS = 400
# One option; clicking it shows the heading at once and, once the frame with the heading
# has begun, keeps the page's only thread busy for BUSY_MS.
PAGE = f"""
<div role="listbox"><div role="option" id="pick">Shwe Kokko · Myanmar</div></div>
<h3 id="heading"></h3>
<script>
  document.getElementById('pick').addEventListener('click', () => {{
    document.getElementById('heading').textContent = 'Shwe Kokko';
    requestAnimationFrame(() => setTimeout(() => {{
      const end = performance.now() + {BUSY_MS};
      while (performance.now() < end) {{}}
    }}, 0));
  }});
</script>
"""
SHOWN = (
    "(arg, bench) => document.getElementById('heading').textContent === bench.name"
    " ? performance.now() : false"
)


def test_the_watcher_stamps_the_first_frame_with_the_result(page: Page) -> None:
    page.set_content(PAGE)
    arm_frame_watch(page, SHOWN, None)
    page.click("#pick")
    seconds = frame_watch_seconds(page, 10_000)
    assert 0 < seconds < 0.15, seconds


def test_a_check_started_after_the_click_would_stamp_the_busy_end(page: Page) -> None:
    """What the benchmark did until 3 Dec 2026, on the same page: the figure includes
    the busy time after the result was painted (so the first test can tell them apart)."""
    page.set_content(PAGE)
    page.evaluate(
        "() => document.addEventListener('pointerdown', () => { window.t0 = performance.now() },"
        " {capture: true, once: true})"
    )
    page.click("#pick")
    page.wait_for_timeout(100)  # the check starts later than the paint, as it could
    done = frame_when(
        page,
        "() => document.getElementById('heading').textContent ? performance.now() : false",
        None,
        10_000,
    )
    seconds = (done - page.evaluate("() => window.t0")) / 1000
    assert seconds >= BUSY_MS / 1000 * 0.9, seconds


def test_the_watcher_names_what_went_wrong(page: Page) -> None:
    page.set_content(PAGE)
    arm_frame_watch(page, "(arg, bench) => { throw new Error('no map frame'); }", None)
    page.click("#pick")
    try:
        frame_watch_seconds(page, 10_000)
    except RuntimeError as err:
        assert "no map frame" in str(err)
    else:
        raise AssertionError("a failing check was taken for a result")
