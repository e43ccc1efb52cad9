"""AppTest wiring of the Export tab: the citation of the view, and each table's download
with the counts the header shows."""

from __future__ import annotations

from components.data.version import data_version
from tests.apptest import ROOT, fresh_caches, run  # noqa: F401


def _metric(at, label: str) -> int:
    return int(next(m for m in at.metric if m.label == label).value.replace(",", ""))


def test_export_tab_cites_the_view_and_offers_each_table():
    at = run({"country": "MM", "asof": "2025-06-30"}, panel="Export")
    sites, events = _metric(at, "Sites shown"), _metric(at, "Events shown")
    citation = at.code[0].value
    version = data_version(ROOT / "data")
    assert f"view of {sites} sites in Myanmar, status as of 2025-06-30" in citation
    assert f"data version {version.short}" in citation
    assert "asof=2025-06-30" in citation and "country=MM" in citation
    labels = [b.label for b in at.get("download_button")]
    assert f"Download sites (CSV, {sites})" in labels
    assert f"Download sites (GeoJSON, {sites})" in labels
    assert f"Download events (CSV, {events})" in labels
    assert any(label.startswith("Download figures (CSV, ") for label in labels)
    # No pack yet: it is prepared from the map the browser draws.
    assert "Download evidence pack (ZIP)" not in labels


def test_citation_follows_the_filters():
    at = run({"country": "PH"}, panel="Export")
    citation = at.code[0].value
    assert "sites in Philippines" in citation and "country=PH" in citation
    assert "asof=" in citation  # the date is pinned even when it is today
