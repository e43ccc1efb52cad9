"""Uploading your own sites in the real browser: a bad file, and a geocoder outage."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator

import pandas as pd
import pytest
from playwright.sync_api import expect

from components.ui.closed import BODY
from tests.harness import map_frame, run_app, wait_for_app
from tests.nominatim_stub import NominatimStub, Reply, place

ROWS = [
    # The offline gazetteer places Myawaddy; only Nominatim could place the others.
    {"site_id": "u1", "name": "Myawaddy", "country": "MM"},
    {"site_id": "u2", "name": "Compound X", "country": "KH"},
    {"site_id": "u3", "name": "Compound Y", "country": "KH"},
]


@pytest.fixture(scope="module")
def stub() -> Iterator[NominatimStub]:
    with NominatimStub() as server:
        server.on("Compound X", Reply("Internal error", status=500))
        server.on("Compound Y", Reply([place("Compound Y", 11.56, 104.91, "kh")]))
        yield server


@pytest.fixture(scope="module")
def app_with_stub(stub) -> Iterator[str]:
    with run_app(env={"ATLAS_NOMINATIM_URL": stub.url}) as url:
        yield url


def _csv(tmp_path, rows) -> str:
    frame = pd.DataFrame(rows).assign(
        zone_type="compound", precision="compound", lat="", lon="", confidence="medium"
    )
    path = tmp_path / "mine.csv"
    frame.to_csv(path, index=False)
    return str(path)


def test_non_utf8_upload_is_explained(app_url, page, tmp_path, shot):
    """Old Excel's Windows-1252 loads, and says how it was read; bytes no code page
    defines are refused in one line that says what to do."""
    latin = tmp_path / "latin1.csv"
    frame = pd.DataFrame([{"site_id": "u1", "name": "Café compound", "country": "KH"}]).assign(
        zone_type="compound", precision="town", lat="11.07", lon="106.1", confidence="low"
    )
    latin.write_bytes(frame.to_csv(index=False).encode("cp1252"))
    page.goto(app_url)
    wait_for_app(page)
    upload = page.locator("[data-testid='stFileUploaderDropzoneInput']")
    upload.set_input_files(str(latin))
    expect(page.get_by_text("1 of your sites is on the map")).to_be_visible(timeout=30_000)
    page.get_by_text("How your file was read").click()
    expect(page.get_by_text("read as Windows-1252")).to_be_visible()
    shot("windows-1252")

    bad = tmp_path / "undecodable.csv"
    bad.write_bytes(b"site_id,name\nx,Caf\x81\x8d\n")
    upload.set_input_files(str(bad))
    expect(page.get_by_text("undecodable.csv: not UTF-8 text")).to_be_visible()
    expect(page.get_by_text("save it as")).to_be_visible()
    assert page.locator("[data-testid='stException']").count() == 0
    shot("non-utf8")


def test_geocoder_outage_keeps_what_was_resolved(app_with_stub, stub, page, tmp_path, shot):
    page.goto(app_with_stub)
    wait_for_app(page)
    page.get_by_text("Also ask Nominatim").click()
    wait_for_app(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        _csv(tmp_path, ROWS)
    )
    expect(page.get_by_text("2 of your sites are on the map")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("1 row(s) could not be placed")).to_be_visible()
    expect(page.get_by_text("Compound X", exact=False).last).to_be_visible()
    frame = map_frame(page)
    frame.wait_for_function("() => window.atlas.stats.uploaded === 2")
    asked = {r.q for r in stub.requests}
    assert {"Compound X", "Compound Y"} <= asked and "Myawaddy" not in asked
    shot("outage")


def _metrics(url: str) -> tuple[int, str]:
    """(status, body) of GET /_stcore/metrics."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/metrics", timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _upload_one_site(browser, url: str, tmp_path) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        wait_for_app(page)
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
            _csv(tmp_path, ROWS[:1])
        )
        expect(page.get_by_text("1 of your sites is on the map")).to_be_visible(timeout=30_000)
    finally:
        context.close()


def test_the_public_metrics_path_is_closed_from_the_first_request(browser, tmp_path):
    """Streamlit serves /_stcore/metrics to anyone: the open sessions and the bytes of
    uploaded files. The atlas's server (app.py, as ./run.sh starts it) answers 404
    before any page has opened and after an analyst's upload."""
    with run_app() as url:  # a server of its own: nothing has opened a page on it yet
        before = _metrics(url)
        _upload_one_site(browser, url, tmp_path)
        seen = _metrics(url)
    assert before == (404, BODY.decode())
    assert seen == before


def test_run_on_dashboard_py_the_metrics_show_nothing_from_the_first_page(browser, tmp_path):
    """``streamlit run dashboard.py`` has no middleware: there the app empties Streamlit's
    statistics on its first page, so another visitor never sees an upload arrive."""
    with run_app(script="dashboard.py") as url:
        status, before = _metrics(url)
        _upload_one_site(browser, url, tmp_path)
        seen_status, seen = _metrics(url)
    # Streamlit's own, untouched (if an upgrade stops serving the path, this fails: then
    # metrics.py and this test can go).
    assert status == 200 and "active_sessions" in before
    assert seen_status == 200 and seen.strip() in ("", "# EOF")
