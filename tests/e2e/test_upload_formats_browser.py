"""Other tools' files in the real browser: a GeoJSON of points, and a CSV whose columns the
analyst matches to the atlas's before it loads; the problem list stays readable."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.gis import POLYGON, atlas_feature, point
from tests.harness import ARTIFACTS, map_frame, wait_for_app

UPLOADER = "[data-testid='stFileUploaderDropzoneInput']"


def _geojson(tmp_path) -> str:
    features = [
        atlas_feature(point(98.52, 16.65), site_id="g1", name="Geo KK"),
        atlas_feature(point(106.13, 11.06), site_id="g2", name="Geo Bavet"),
        atlas_feature(POLYGON, site_id="area", name="An area"),
    ]
    features[0]["properties"]["country"] = "Myanmar"
    features[1]["properties"]["country"] = "Cambodia"
    # Rows with long problem texts: the sidebar list must wrap them, not cut them off.
    features += [
        atlas_feature(
            {"type": "Point", "coordinates": [98.5, 16.6]},
            site_id=f"bad{i}",
            name="A compound with a long name <b>bold</b> [link](http://x)",
            country="Atlantis",
        )
        for i in range(8)
    ]
    path = tmp_path / "felt-export.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return str(path)


def _csv(tmp_path) -> str:
    path = tmp_path / "kepler sites.csv"
    path.write_text(
        "Site ID,Site name,Latitude,Longitude,Country,Zone,Precision,Confidence\n"
        "c1,CSV KK,16.65,98.52,Burma,compound,compound,medium\n"
        "c2,CSV Bavet,11.06,106.13,Cambodia,casino_complex,compound,low\n"
        "c3,CSV Poipet,13.66,102.56,Kampuchea,compound,compound,low\n"
    )
    return str(path)


def test_geojson_then_a_csv_that_needs_its_columns_matched(app_url, page, tmp_path, shot):
    page.goto(app_url)
    wait_for_app(page)

    page.locator(UPLOADER).set_input_files(_geojson(tmp_path))
    expect(page.get_by_text("2 of your sites are on the map")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("9 row(s) left out")).to_be_visible()
    map_frame(page).wait_for_function("() => window.atlas.stats.uploaded === 2")
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("Show the list").click()
    item = sidebar.get_by_text("1 polygon is not a point", exact=False)
    expect(item).to_be_visible()
    item.scroll_into_view_if_needed()
    assert sidebar.locator("b", has_text="bold").count() == 0  # data markup never rendered
    # Wrapped: the longest item is taller than one line and no wider than the sidebar.
    box = sidebar.get_by_text("is not an ISO 3166", exact=False).first.bounding_box()
    side = sidebar.bounding_box()
    assert (
        box and side and box["height"] > 30 and box["x"] + box["width"] <= side["x"] + side["width"]
    )
    sidebar.screenshot(path=str(ARTIFACTS / "upload_formats-sidebar-problems.png"))
    shot("geojson")

    page.locator(UPLOADER).set_input_files(_csv(tmp_path))
    expect(page.get_by_role("button", name="Use these columns")).to_be_visible(timeout=60_000)
    expect(sidebar.get_by_text("lat: latitude (WGS84)")).to_be_visible()
    shot("mapping-step")
    page.get_by_role("button", name="Use these columns").click()
    expect(page.get_by_text("2 of your sites are on the map")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("1 row(s) left out")).to_be_visible()
    map_frame(page).wait_for_function("() => window.atlas.stats.uploaded === 2")
    shot("csv-mapped")
