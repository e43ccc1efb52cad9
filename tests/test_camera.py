"""The map's camera: the link's map view (parse and format) and the commands each rerun
sends (AppTest, with st_folium patched to capture the layer the app sends)."""

from __future__ import annotations

import re
from unittest.mock import patch

import pytest

from components.map import camera
from tests.apptest import fresh_caches, run  # noqa: F401  (fixture is autouse)


@pytest.mark.parametrize(
    ("text", "view"),
    [
        ("9/16.6900/98.5100", (9, 16.69, 98.51)),
        ("2/0/0", (2, 0.0, 0.0)),
        ("18/-85/180", (18, -85.0, 180.0)),
        (" 5/11.5/104.9 ", (5, 11.5, 104.9)),
    ],
)
def test_parse_view_reads_zoom_lat_lon(text, view):
    assert camera.parse_view(text) == view


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "0/16/98",  # zoom below the map's minimum
        "19/16/98",  # above its maximum
        "9/86/98",  # beyond the web map's latitude
        "9/16/181",
        "9/16",
        "9/16/98/1",
        "nine/16/98",
        "9/16/98<script>",
        "9/1e3/98",
    ],
)
def test_parse_view_refuses_anything_else(text):
    assert camera.parse_view(text) is None


def test_format_view_round_trips():
    text = camera.format_view(9, 16.690012, 98.510049)
    assert text == "9/16.6900/98.5100"
    assert camera.parse_view(text) == (9, 16.69, 98.51)


def _spec(params=None, click=None, session=None):
    """Run the app; return the layer spec it sent to the map, and the AppTest."""
    sent = {}

    def fake(fig, **kwargs):
        layer = kwargs["feature_group_to_add"]
        child = next(iter(layer._children.values()))
        sent["spec"] = child.spec
        sent["kwargs"] = kwargs
        return click or {}

    with patch("components.map.view.st_folium", side_effect=fake):
        at = run(params)
    return sent["spec"], sent["kwargs"], at


def test_first_view_frames_the_shown_sites_in_the_browser():
    spec, kwargs, _ = _spec({"country": "KH"})
    assert spec["camera"] == {"v": "first", "kind": "fit"}
    # No camera from Python's side: st_folium's center and zoom are left alone.
    assert kwargs.get("center") is None and kwargs.get("zoom") is None


def test_a_links_map_view_opens_it():
    spec, _, at = _spec({"map": "9/16.6900/98.5100"})
    assert spec["camera"] == {"v": "link", "kind": "view", "view": [9, 16.69, 98.51]}
    # The app keeps the map's view in the address when it writes the filters there.
    assert at.query_params["map"] == "9/16.6900/98.5100"


def test_a_bad_map_view_says_so_and_frames_the_sites():
    spec, _, at = _spec({"map": "99/500/x"})
    assert spec["camera"]["kind"] == "fit"
    notes = [re.sub(r"\\(.)", r"\1", i.value) for i in at.info]  # markdown-unescaped
    assert any("map view" in n and "“99/500/x” was not understood" in n for n in notes)


def test_a_link_to_a_site_centres_on_it_and_opens_its_dossier():
    spec, _, at = _spec({"site": "bavet"})
    assert spec["camera"]["kind"] == "site"
    assert spec["camera"]["at"] == pytest.approx([11.0667, 106.1333], abs=0.05)
    assert at.session_state["panel"] == "Dossier"
