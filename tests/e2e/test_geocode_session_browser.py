"""Online look-ups of an upload stop with its page (issue 13): a real browser, a real
app server, and a Nominatim-like server on 127.0.0.1 that counts what it is asked.

Before: closing the tab mid-upload left the server asking Nominatim, one request per
1.1 s, for every row (111 requests after the tab closed; 5,000 rows would take 92 min).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.harness import run_app, wait_for_app
from tests.nominatim_stub import NominatimStub, Reply

ROWS = 20  # fewer than the per-file cap (25): only the page's end can stop them


@pytest.fixture(scope="module")
def stub() -> Iterator[NominatimStub]:
    with NominatimStub() as server:
        for i in range(ROWS):
            server.on(f"Zawgyi Compound {i}", *[Reply([])] * 4)
        yield server


@pytest.fixture(scope="module")
def app_with_stub(stub) -> Iterator[str]:
    with run_app(env={"ATLAS_NOMINATIM_URL": stub.url}) as url:
        yield url


def _csv(tmp_path, name: str) -> str:
    frame = pd.DataFrame(
        [{"site_id": f"z{i}", "name": f"Zawgyi Compound {i}", "country": "MM"} for i in range(ROWS)]
    ).assign(zone_type="compound", precision="compound", lat="", lon="", confidence="low")
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


def _start(page, url, tmp_path, name):
    page.goto(url)
    wait_for_app(page)
    page.get_by_text("Also ask Nominatim (online)").click()
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        _csv(tmp_path, name)
    )


def _wait_for_requests(stub, count: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while len(stub.requests) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(stub.requests) >= count, f"only {len(stub.requests)} requests arrived"


def test_closing_the_tab_stops_the_lookups_within_seconds(
    app_with_stub, stub, context, blocked, tmp_path
):
    page = context.new_page()
    before = len(stub.requests)
    _start(page, app_with_stub, tmp_path, "closed.csv")
    _wait_for_requests(stub, before + 3)
    page.close()
    closed = len(stub.requests)
    time.sleep(8)  # 1 request/s: a run that went on would add about 8
    after = len(stub.requests)
    assert after - closed <= 2, f"{after - closed} requests after the tab closed"
    assert after - before < ROWS


def test_the_stop_button_stops_the_lookups_and_keeps_the_page(
    app_with_stub, stub, page, tmp_path, shot
):
    before = len(stub.requests)
    _start(page, app_with_stub, tmp_path, "stopped.csv")
    _wait_for_requests(stub, before + 2)
    page.get_by_role("button", name="Stop asking Nominatim").click()
    stopped = len(stub.requests)
    # Every row is still without coordinates (the stub knows none), so the page says that
    # none is on the map, and why (not a green "0 of your sites").
    expect(page.get_by_text("None of the rows in your file is on the map")).to_be_visible(
        timeout=30_000
    )
    time.sleep(5)
    assert len(stub.requests) - stopped <= 2
    assert not page.get_by_role("button", name="Stop asking Nominatim").count()
    assert (
        not page.get_by_text("Also ask Nominatim (online)")
        .locator("..")
        .locator("input:checked")
        .count()
    )
    shot("stopped")
