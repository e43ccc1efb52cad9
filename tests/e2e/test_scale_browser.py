"""100,000 synthetic sites in the real browser: correctness, not timing (issue 12).

From ``VIEWPORT_FROM`` shown sites on, the map keeps no Leaflet marker per site: the
shown sites around the view are binned into clusters each time the map stops moving,
and only those clusters and the sites alone are markers. These tests check that every
shown site is in a marker, that the markers draw, that a filter
redraws the map in place with exactly the filtered sites, and that a site opens from
the table and from a click on the map. How fast is measured by ``python -m benchmarks``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pandas as pd
import pytest
from playwright.sync_api import Error, Frame, Page, expect

from benchmarks.synthetic import write_dataset
from components.map.view import VIEWPORT_FROM
from components.ui.site_table import PICK_LABEL
from tests.e2e.axe import axe_violations, format_violations
from tests.e2e.test_accessibility import unnamed_controls
from tests.e2e.test_map import (
    PROBE,
    PROBE_KEPT,
    atlas_attr,
    choose,
    metric,
    ring_at,
    wait_for_sites,
)
from tests.harness import map_frame, run_app, wait_for_app, wait_in_frame

N = 100_000
SLOW_MS = 240_000  # first load validates and publishes 100,000 rows on a busy 2-core box
STEP_MS = 60_000  # one rerun and redraw on a busy box (these tests check results, not speed)

# Sites the map clusters (its shown rows), sites the markers held stand for (a cluster
# its count, a lone site 1; framed on the shown sites, that is every one of them), and
# the site ids drawn as markers right now.
SHOWN_ROWS = "() => window.atlas.vp.shown.length"
IN_MARKERS = """() => Object.values(window.atlas.vp.markers)
  .reduce((n, m) => n + (m.atlasCount || 1), 0)"""
MARKERS_HELD = "() => Object.keys(window.atlas.vp.markers).length"
MARKERS_HELD_KEYS = "() => Object.keys(window.atlas.vp.markers)"
# Marks (data-pick) the marker of ``selector`` nearest the map's centre that is well
# inside the map (clear of its controls) and not covered; false when there is none.
PICK = """(selector) => {
  const box = window.atlas.map.getContainer().getBoundingClientRect();
  const cx = (box.left + box.right) / 2, cy = (box.top + box.bottom) / 2;
  let best = null, dist = Infinity;
  for (const n of document.querySelectorAll('[data-pick]')) n.removeAttribute('data-pick');
  for (const n of document.querySelectorAll(selector)) {
    const r = n.getBoundingClientRect();
    if (r.width === 0 || r.left < box.left + 80 || r.right > box.right - 80 ||
        r.top < box.top + 90 || r.bottom > box.bottom - 60) continue;
    const mx = (r.left + r.right) / 2, my = (r.top + r.bottom) / 2;
    if (!n.contains(document.elementFromPoint(mx, my))) continue;  // covered by another
    const d = Math.hypot(mx - cx, my - cy);
    if (d < dist) { dist = d; best = n; }
  }
  if (best) best.setAttribute('data-pick', '1');
  return !!best;
}"""
NO_PENDING = "() => window.atlas.vp.pending === 0"
REDRAWING = "() => window.atlas.map.getContainer().classList.contains('atlas-redrawing')"
# The binned groups of the view now, as [marker key, on screen?] (binView is a pure pass
# over the shown rows for the current view), with the marker keys held, in one task.
VIEW_GROUPS_JS = """
  const v = a.binView();
  const pb = a.map.getPixelBounds();
  const k = v.scale / (256 * Math.pow(2, a.map.getZoom()));
  const groups = v.groups.map((g) => [a.groupKey(g, v.zoom),
    g.x >= pb.min.x * k && g.x <= pb.max.x * k && g.y >= pb.min.y * k && g.y <= pb.max.y * k]);
"""
HELD_AND_GROUPS = (
    "() => { const a = window.atlas;"
    + VIEW_GROUPS_JS
    + "return {held: Object.keys(a.vp.markers), groups}; }"
)
# Jump the camera to each [lat, lon] in turn, in one task; each jump's pending count and
# whether the old view's clusters are hidden. The view's draw that follows (after a paint)
# is recorded as it ends: the markers held, the margin's pending count, the view's groups,
# and how many draws ran.
JUMP = (
    """(points) => {
  const a = window.atlas;
  const own = a.__ownDraw || (a.__ownDraw = a.drawView);  // not a previous wrapper
  window.__draws = [];
  a.drawView = function () {
    own.call(this);
    const held = Object.keys(a.vp.markers), pending = a.vp.pending;"""
    + VIEW_GROUPS_JS
    + """window.__draws.push({held, pending, groups});
  };
  const pending = [], hidden = [];
  for (const at of points) {
    a.runCamera({kind: "site", at});
    pending.push(a.vp.pending);
    hidden.push(a.map.getContainer().classList.contains("atlas-redrawing"));
  }
  return {pending, hidden, draws: window.__draws.length}; }"""
)
DRAWN_IDS = """() => Array.from(document.querySelectorAll('.atlas-site[data-site]'))
  .map(n => n.getAttribute('data-site'))"""


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, pd.DataFrame]]:
    data = write_dataset(tmp_path_factory.mktemp("scale") / "data", N, seed=0)
    cache = tmp_path_factory.mktemp("scale-cache")
    sites = pd.read_csv(
        data / "locations.csv",
        usecols=["site_id", "name", "country", "lat", "lon"],
        dtype={"site_id": str, "name": str, "country": str},
    )
    with run_app(data_dir=data, env={"ATLAS_CACHE_DIR": str(cache)}) as url:
        yield url, sites


def settle(page: Page, frame: Frame) -> None:
    """Wait until the app's script is idle (no late camera command pending) and the map
    has stopped moving, so a marker picked now is where a click lands."""
    wait_for_app(page, timeout=SLOW_MS)
    frame.evaluate(
        """() => {
          const map = window.atlas.map;
          if (window.__watching) return;
          window.__watching = true;
          window.__movedAt = performance.now();
          map.on("movestart zoomstart", () => { window.__moving = true; });
          map.on("moveend", () => {
            window.__moving = false;
            window.__movedAt = performance.now();
          });
        }"""
    )
    wait_in_frame(
        frame,
        """() => !window.__moving && !window.atlas.map._animatingZoom
          && performance.now() - window.__movedAt > 300""",
    )


def open_big(page: Page, url: str) -> Frame:
    page.set_default_timeout(SLOW_MS)
    page.goto(url)
    wait_for_app(page, timeout=SLOW_MS)
    return map_frame(page, timeout=SLOW_MS)


def test_100k_sites_draw_and_a_filter_redraws_in_place(
    big: tuple[str, pd.DataFrame], page: Page, page_errors: list[Error], shot
) -> None:
    url, sites = big
    in_kh = sites[sites["country"] == "KH"]
    assert VIEWPORT_FROM < len(in_kh) < N

    frame = open_big(page, url)
    frame.evaluate(PROBE)
    expect(metric(page, "Sites shown")).to_have_text(f"{N:,}", timeout=STEP_MS)
    assert atlas_attr(frame, "data-atlas-sites") == N
    # Every site is in the index, and the map holds markers only for what is in view.
    wait_in_frame(frame, NO_PENDING)
    assert frame.evaluate(SHOWN_ROWS) == N
    assert frame.evaluate(IN_MARKERS) == N
    held = frame.evaluate(MARKERS_HELD)
    assert 0 < held < 2_000, f"{held} markers held for {N:,} sites"
    drawn = frame.locator(".atlas-cluster, .atlas-site")
    expect(drawn.first).to_be_visible(timeout=STEP_MS)
    shot("01-all")

    # A filter redraws the map in the same iframe, with exactly the filtered sites.
    renders = atlas_attr(frame, "data-atlas-renders")
    choose(page, "Country", "Cambodia (KH)")
    expect(metric(page, "Sites shown")).to_have_text(f"{len(in_kh):,}", timeout=STEP_MS)
    wait_for_sites(frame, len(in_kh))
    assert atlas_attr(frame, "data-atlas-renders") == renders + 1
    assert frame.evaluate(PROBE_KEPT), "the map iframe was reloaded or remounted"
    wait_in_frame(frame, NO_PENDING)
    assert frame.evaluate(SHOWN_ROWS) == len(in_kh)
    assert frame.evaluate(IN_MARKERS) == len(in_kh)
    expect(frame.locator(".atlas-cluster").first).to_be_visible(timeout=STEP_MS)
    ids = set(frame.evaluate(DRAWN_IDS))
    outside = sorted(ids - set(in_kh["site_id"]))
    assert not outside, f"drawn outside Cambodia: {outside[:5]}"
    # The clusters drawn per view are named buttons, as in the marker mode (WCAG).
    violations = axe_violations(frame)
    assert not violations, format_violations(violations)
    assert not unnamed_controls(frame)
    assert not page_errors
    shot("02-cambodia")


def test_100k_sites_open_from_the_table_and_from_the_map(
    big: tuple[str, pd.DataFrame], page: Page, page_errors: list[Error], shot
) -> None:
    url, sites = big
    frame = open_big(page, url)
    frame.evaluate(PROBE)
    renders = atlas_attr(frame, "data-atlas-renders")

    # From the table: the dossier opens and the ring stands on the site.
    bavet = sites.set_index("site_id").loc["bavet"]
    chooser = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(PICK_LABEL))
    chooser.click()
    page.keyboard.type("Bavet ·")  # the list holds only the options scrolled into view
    page.get_by_role("option", name=re.compile(r"^Bavet · ")).click()
    expect(page.locator("h3", has_text="Bavet")).to_be_visible(timeout=STEP_MS)
    expect(frame.locator("path.atlas-selected")).to_have_count(1, timeout=STEP_MS)
    assert ring_at(frame) == pytest.approx([float(bavet["lat"]), float(bavet["lon"])], abs=1e-6)
    assert atlas_attr(frame, "data-atlas-renders") == renders, "a selection rebuilt the markers"
    fields = page.get_by_test_id("stTable").first  # the dossier's field table
    expect(fields).to_contain_text("bavet", timeout=STEP_MS)
    expect(fields).to_contain_text("Coordinate evidence", timeout=STEP_MS)
    shot("01-bavet-from-table")

    # From the keyboard: Enter on a focused cluster zooms in, as a click does.
    settle(page, frame)
    assert frame.evaluate(PICK, ".atlas-cluster"), "no cluster in view"
    zoom = frame.evaluate("() => window.atlas.map.getZoom()")
    frame.locator("[data-pick]").focus()
    page.keyboard.press("Enter")
    wait_in_frame(frame, "(z) => window.atlas.map.getZoom() > z || !!window.atlas.vp.fan", zoom)

    # From the map: clusters zoom in (or fan out) until a site stands alone; a click on
    # it opens its dossier.
    for _ in range(25):
        settle(page, frame)
        if frame.evaluate(PICK, ".atlas-site[data-site]"):
            break
        assert frame.evaluate(PICK, ".atlas-cluster"), "no cluster and no site in view"
        zoom = frame.evaluate("() => window.atlas.map.getZoom()")
        frame.locator("[data-pick]").click()
        wait_in_frame(
            frame,
            "(z) => window.atlas.map.getZoom() !== z || !!window.atlas.vp.fan",
            zoom,
        )
    site = frame.locator(".atlas-site[data-pick]")
    expect(site).to_be_visible(timeout=STEP_MS)
    site_id = site.get_attribute("data-site")
    name = str(sites.set_index("site_id").loc[site_id, "name"])
    site.click()
    expect(page.locator("h3", has_text=name)).to_be_visible(timeout=STEP_MS)
    expect(page).to_have_url(re.compile(rf"[?&]site={re.escape(site_id)}(&|$)"), timeout=STEP_MS)
    expect(frame.locator("path.atlas-selected")).to_have_count(1, timeout=STEP_MS)
    assert frame.evaluate(PROBE_KEPT), "the map iframe was reloaded or remounted"
    assert not page_errors
    shot("02-site-from-map")


def test_100k_a_camera_jump_draws_the_screen_first_then_the_margin(
    big: tuple[str, pd.DataFrame], page: Page, page_errors: list[Error], shot
) -> None:
    """A jump (a site chosen in the table) is painted first, with the old view's clusters
    hidden; the markers on screen are built in a task after that frame and those of the
    margin around it (kept for short pans) in the next; of jumps in one task, only the
    last one's view is built."""
    url, sites = big
    frame = open_big(page, url)
    by_id = sites.set_index("site_id")
    bavet = [float(by_id.loc["bavet", "lat"]), float(by_id.loc["bavet", "lon"])]
    far = [float(by_id.loc["shwe_kokko", "lat"]), float(by_id.loc["shwe_kokko", "lon"])]

    settle(page, frame)  # no late move of the page's own between a jump and its check
    jumped = frame.evaluate(JUMP, [bavet])
    # The jump's frame comes first: nothing built in its task, the old clusters hidden.
    assert jumped == {"pending": [-1], "hidden": [True], "draws": 0}
    wait_in_frame(frame, "() => window.__draws.length > 0")
    first = frame.evaluate("() => window.__draws[0]")
    on_screen = {key for key, shown in first["groups"] if shown}
    held = set(first["held"])
    assert on_screen and on_screen <= held, f"on screen without a marker: {on_screen - held}"
    assert first["pending"] > 0, "nothing left for the margin: is the margin binned?"
    wait_in_frame(frame, NO_PENDING)
    now = frame.evaluate(HELD_AND_GROUPS)
    assert set(now["held"]) == {key for key, _ in now["groups"]}
    assert not frame.evaluate(REDRAWING), "the clusters stayed hidden"
    shot("01-jumped-to-bavet")

    # Two jumps in one task: one draw, of the last jump's view.
    jumped = frame.evaluate(JUMP, [far, bavet])
    assert jumped == {"pending": [-1, -1], "hidden": [True, True], "draws": 0}
    wait_in_frame(frame, NO_PENDING)
    page.wait_for_timeout(200)  # any dropped pass would have run by now
    assert frame.evaluate("() => window.__draws.length") == 1
    now = frame.evaluate(HELD_AND_GROUPS)
    assert set(now["held"]) == {key for key, _ in now["groups"]}
    expect(frame.locator(".atlas-site, .atlas-cluster").first).to_be_visible()
    assert not page_errors
    shot("02-jumped-twice")
