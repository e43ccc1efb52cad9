"""WCAG 2.2 AA in a real browser: axe-core (served locally, see tests/e2e/axe.py) finds no
serious or critical violation in what a person meets: the page on first load, with a
site's dossier open, after a filter, in each of the page's tabs, and inside the map's own
frame (markers, clusters, legend, an open popup). Beyond what axe can tell: every control
in the map has a name, the people-held chart has a text alternative, and the "as of"
date moves a month per arrow key.

Each check scrolls every scrolling box through (axe alone skips text scrolled out of view).
The tests name what a person sees (tabs by their names, the map frame, a slider by its
label), not the page's layout, which changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Frame, Page, expect

from tests.e2e.axe import axe_map_frame, axe_violations, format_violations, inject_axe
from tests.e2e.test_map import KH_SITES, choose, open_app, query_params, wait_for_sites
from tests.harness import ROOT, run_app, set_map_view, wait_for_app, wait_in_frame

Shot = Callable[[str], Path]
KK_PARK = (16.647556, 98.520722)
THEME_APP = ROOT / "tests" / "apps" / "theme_app.py"
FADED_IN = "(sel) => getComputedStyle(document.querySelector(sel)).opacity === '1'"

# Controls in the map a person can reach (keyboard or pointer), each must have a name.
# axe checks names only for elements with a role that needs one; a Leaflet marker is a
# div or img, so this asks axe's own accessible-name computation for every one of them.
_UNNAMED_CONTROLS = """() => {
  axe.setup(document);
  try {
    const selector = [
      ".leaflet-marker-icon", ".marker-cluster", "a[href]", "button", "input", "select",
      "[role=button]", "[tabindex]:not([tabindex='-1'])",
    ].join(",");
    const visible = (el) => {
      const box = el.getBoundingClientRect();
      return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden";
    };
    return [...document.querySelectorAll(selector)]
      .filter(visible)
      .filter((el) => !axe.commons.text.accessibleTextVirtual(axe.utils.getNodeFromTree(el)).trim())
      .map((el) => el.outerHTML.slice(0, 200));
  } finally {
    axe.teardown();
  }
}"""


def assert_no_serious(target: Page | Frame, where: str) -> None:
    violations = axe_violations(target)
    assert not violations, f"{where}:\n{format_violations(violations)}"


def unnamed_controls(frame: Frame) -> list[str]:
    inject_axe(frame)
    return frame.evaluate(_UNNAMED_CONTROLS)


def as_of_slider(page: Page):
    widget = page.get_by_test_id("stSlider").filter(has=page.get_by_text("Status as of"))
    return widget.get_by_role("slider")


# --- the page --------------------------------------------------------------------------


def test_first_load_has_no_serious_violations(page: Page, app_url: str, shot: Shot) -> None:
    open_app(page, app_url)
    shot("01-first-load")
    assert_no_serious(page, "first load")


def test_site_dossier_has_no_serious_violations(page: Page, app_url: str, shot: Shot) -> None:
    open_app(page, app_url, "?site=kk_park")
    expect(page.get_by_text("KK Park", exact=True).first).to_be_visible()
    shot("01-dossier")
    assert_no_serious(page, "dossier of KK Park open")


def test_filtered_view_has_no_serious_violations(page: Page, app_url: str, shot: Shot) -> None:
    frame = open_app(page, app_url)
    choose(page, "Country", "Cambodia (KH)")
    wait_for_sites(frame, KH_SITES)
    wait_for_app(page)
    shot("01-filtered")
    assert_no_serious(page, "after the Cambodia filter")
    assert_no_serious(frame, "map frame after the Cambodia filter")


def test_every_tab_has_no_serious_violations(page: Page, app_url: str, shot: Shot) -> None:
    open_app(page, app_url, "?site=kk_park")
    tabs = page.get_by_role("tab")
    names = [t.inner_text().strip() for t in tabs.all()]
    assert names, "the page has no tabs"
    failures = []
    for name in names:
        page.get_by_role("tab", name=name, exact=True).click()
        expect(page.get_by_role("tab", name=name, exact=True)).to_have_attribute(
            "aria-selected", "true"
        )
        wait_for_app(page)
        shot(f"tab-{name}")
        violations = axe_violations(page)
        if violations:
            failures.append(f"tab “{name}”:\n{format_violations(violations)}")
    assert not failures, "\n".join(failures)


# --- the map's frame -------------------------------------------------------------------


def test_map_frame_has_no_serious_violations_and_names_every_control(
    page: Page, app_url: str, shot: Shot
) -> None:
    frame = open_app(page, app_url)
    assert axe_map_frame(page) == frame
    failures: list[str] = []

    def check(where: str) -> None:
        violations = axe_violations(frame)
        if violations:
            failures.append(f"map frame, {where}:\n{format_violations(violations)}")
        unnamed = unnamed_controls(frame)
        if unnamed:
            failures.append(f"map frame, {where}: controls without a name:\n" + "\n".join(unnamed))

    check("first view (clusters)")
    # Close in: single markers, badges, the part-of line; then a popup open.
    set_map_view(frame, *KK_PARK, 13)
    marker = frame.locator('[data-site="kk_park"]')
    expect(marker).to_be_visible()
    check("at KK Park (markers)")
    marker.click()
    expect(frame.locator(".leaflet-popup")).to_be_visible()
    # Leaflet fades a popup in: check its colours once it is fully drawn.
    wait_in_frame(frame, FADED_IN, ".leaflet-popup")
    shot("01-popup")
    check("KK Park's popup open")
    assert not failures, "\n".join(failures)


# --- what axe cannot tell --------------------------------------------------------------


def test_as_of_date_moves_a_month_per_arrow_key(page: Page, app_url: str, shot: Shot) -> None:
    open_app(page, app_url, "?asof=2025-10-01")
    thumb = as_of_slider(page)
    thumb.focus()
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(r"[?&]asof=2025-11-01(&|$)"))
    wait_for_app(page)
    thumb.focus()
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"[?&]asof=2025-10-01(&|$)"))
    wait_for_app(page)
    thumb.focus()
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"[?&]asof=2025-09-01(&|$)"))
    assert query_params(page)["asof"] == ["2025-09-01"]
    shot("01-after-keys")


def test_people_chart_has_a_name_and_a_table_of_its_figures(
    page: Page, app_url: str, shot: Shot
) -> None:
    open_app(page, app_url)
    page.get_by_role("tab", name="People held").click()
    chart = page.get_by_test_id("stVegaLiteChart")
    expect(chart).to_have_attribute("aria-label", re.compile(r"^Chart of national estimates"))
    page.get_by_text("The chart's figures as a table").click()
    table = page.get_by_role("table").filter(has=page.get_by_text("Row in the chart"))
    expect(table).to_be_visible()
    expect(table.get_by_role("row").filter(has_text="at least 120,000")).not_to_have_count(0)
    shot("01-chart-table")


# --- the theme on its own --------------------------------------------------------------


def test_theme_gives_secondary_text_enough_contrast(page: Page, shot: Shot) -> None:
    """apply_theme() on a small page of captions, quotes and a link in a caption, in the
    main area, the sidebar, an expander, a tab and a warning: axe finds no contrast
    failure with it, and does find Streamlit's own faded text without it."""
    for theme, expected in (("off", True), ("on", False)):
        with run_app(script=THEME_APP, env={"ATLAS_THEME": theme}) as url:
            page.goto(url)
            wait_for_app(page)
            expect(page.get_by_text("A caption in the sidebar.")).to_be_visible()
            shot(f"theme-{theme}")
            violations = axe_violations(page)
        failed = any(v["id"] == "color-contrast" for v in violations)
        assert failed == expected, f"theme {theme}:\n{format_violations(violations)}"
