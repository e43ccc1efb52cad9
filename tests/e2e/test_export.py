"""Exports in the real browser: the filtered view downloads as CSV and GeoJSON with sources."""

from __future__ import annotations

import csv
import io
import json

from playwright.sync_api import Page, expect

from tests.harness import wait_for_app

# The Philippine sites in the committed data: Bamban, Clark, Las Piñas, Porac, Pasay.
PH_SITES = [
    "bamban_pogo",
    "clark_freeport",
    "las_pinas_pogo",
    "pasay_pogo",
    "porac_pogo",
]


def _download(page: Page, label: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("button", name=label).click()
    return open(info.value.path(), "rb").read()


def test_filtered_view_downloads_with_sources(app_url, page, shot):
    page.goto(f"{app_url}/?country=PH")
    wait_for_app(page)
    page.get_by_role("tab", name="Export").click()
    n = len(PH_SITES)
    expect(page.get_by_role("button", name=f"Download sites (CSV, {n})")).to_be_visible()
    shot("export-tab")

    rows = list(
        csv.DictReader(
            io.StringIO(_download(page, f"Download sites (CSV, {n})").decode("utf-8-sig"))
        )
    )
    assert sorted(r["site_id"] for r in rows) == PH_SITES
    assert all(r["country"] == "PH" for r in rows)
    las_pinas = next(r for r in rows if r["site_id"] == "las_pinas_pogo")
    assert las_pinas["source_urls"].startswith("https://")
    assert las_pinas["source_citations"]

    collection = json.loads(_download(page, f"Download sites (GeoJSON, {n})"))
    assert len(collection["features"]) == len(PH_SITES)
    quotes = [s["quote"] for f in collection["features"] for s in f["properties"]["sources"]]
    assert any("Bamban" in q for q in quotes)
