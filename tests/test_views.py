"""Unit tests for the pure view code: filters, URL parsing, map payload, exports, text."""

from __future__ import annotations

import base64
import csv
import gzip
import io
import json
from datetime import date
from pathlib import Path

import branca.element
import jinja2
import numpy as np
import pandas as pd
import pytest
from streamlit_folium import _get_feature_group_string, _get_map_string

from components.analysis import dossier
from components.analysis.filters import (
    Options,
    View,
    date_window,
    event_mask,
    event_site_rows,
    params_from_view,
    site_mask,
    view_from_params,
)
from components.data import load_atlas
from components.data.status import SITE_STATUSES, StatusTable
from components.data.tables import EVENT_TYPES
from components.export import tables as export
from components.map import view as map_view
from components.ui.text import md, md_link, safe_url

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def atlas():
    result = load_atlas(ROOT / "data")
    assert result.ok, result.problems
    return result.atlas


@pytest.fixture(scope="module")
def options(atlas):
    loc = atlas.locations
    return Options(
        countries=tuple(sorted(set(loc["country"]))),
        zones=tuple(sorted(set(loc["zone_type"]))),
        confidences=("high", "medium", "low"),
        sites=frozenset(loc["site_id"]),
    )


# Counts verified against data/locations.csv (49 sites) after the 2026-11 research update:
# country KH 25, MM 13, LA 1; zone special_economic_zone 3 (2 in KH); confidence low 27;
# "pogo" is in the names of 4 PH sites (las_pinas, bamban, porac, pasay).
@pytest.mark.parametrize(
    ("view", "expected"),
    [
        (View(), 49),
        (View(countries=("KH",)), 25),
        (View(countries=("MM", "LA")), 14),
        (View(zones=("special_economic_zone",)), 3),
        (View(countries=("KH",), zones=("special_economic_zone",)), 2),
        (View(confidences=("low",)), 27),
        (View(query="kokang"), 1),
        (View(query="MÖNG"), 1),  # accents and case ignored
        (View(query="pogo"), 4),
        (View(query="no such place"), 0),
        (View(countries=("VN",)), 0),
    ],
)
def test_site_filter_truth_table(atlas, view, expected):
    assert site_mask(atlas.locations, view).sum() == expected


def events_for(atlas, view: View, start=None, end=None) -> np.ndarray:
    rows = event_site_rows(atlas.events, atlas.locations)
    return event_mask(atlas.events, rows, site_mask(atlas.locations, view), view, start, end)


def test_event_site_rows(atlas):
    rows = event_site_rows(atlas.events, atlas.locations)
    sited = atlas.events["site_id"] != ""
    assert (rows[~sited.to_numpy()] == -1).all()
    ids = atlas.locations["site_id"].to_numpy()
    assert list(ids[rows[sited.to_numpy()]]) == list(atlas.events.loc[sited, "site_id"])


def test_events_follow_sites_and_dates(atlas):
    everything = events_for(atlas, View())
    assert everything.all()
    kh = View(countries=("KH",))
    mask = events_for(atlas, kh)
    # An event at a mapped site follows its site's country, not its own "country" column
    # (the acting country: e.g. GB sanctions on golden_fortune_pp, a Phnom Penh site);
    # an event at no mapped site follows its own country.
    site_country = atlas.locations.set_index("site_id")["country"]
    shown = atlas.events[mask]
    sited = shown["site_id"] != ""
    assert set(shown.loc[sited, "site_id"].map(site_country)) == {"KH"}
    assert set(shown.loc[~sited, "country"]) == {"KH"}
    assert set(shown["country"]) > {"KH"}  # e.g. GB, KR, TH, US acting at KH sites
    # Every event at a KH site and every unsited KH event is shown, nothing else.
    expected = atlas.events["site_id"].map(site_country).eq("KH") | (
        atlas.events["site_id"].eq("") & atlas.events["country"].eq("KH")
    )
    assert (mask == expected.to_numpy()).all()
    search = View(query="kk park")
    mask = events_for(atlas, search)
    # "kk park" names KK Park and KK Park II (kk_park_ii, added in the 2026-11 update).
    assert set(atlas.events[mask]["site_id"]) == {"kk_park", "kk_park_ii"}  # unsited drop out
    dated = events_for(atlas, View(), "2025-01-01", "2025-12-31")
    assert atlas.events[dated]["date"].str.startswith("2025").all()
    assert dated.sum() == (atlas.events["date"].str.startswith("2025")).sum()


def test_url_round_trip(options):
    view = View(
        countries=("KH", "MM"),
        zones=("special_economic_zone",),
        confidences=("low",),
        query="thmor da",
        site="henge_thmorda_sez",
    )
    back, notices = view_from_params(params_from_view(view), options)
    assert back == view and notices == []


@pytest.mark.parametrize(
    ("params", "countries", "notice"),
    [
        ({"country": ["kh"]}, ("KH",), None),
        ({"country": ["KH,MM", "LA"]}, ("KH", "MM", "LA"), None),
        ({"country": ["KH", "KH"]}, ("KH",), None),
        ({"country": ["XX"]}, (), "Ignored unknown country"),
        ({"zone": ["casino"]}, (), "Ignored unknown zone"),
        ({"site": ["../../etc/passwd"]}, (), "Ignored unknown site"),
        ({"confidence": ["certain"]}, (), "Ignored unknown confidence"),
    ],
)
def test_url_values_are_checked_against_the_options(options, params, countries, notice):
    view, notices = view_from_params(params, options)
    assert view.countries == countries
    if notice:
        assert len(notices) == 1 and notice in notices[0]
    else:
        assert notices == []


def test_url_query_is_truncated(options):
    view, _ = view_from_params({"q": ["x" * 5000]}, options)
    assert len(view.query) == 200


# --- time and status filters, on small hand-built tables ---------------------------------

TODAY = date(2026, 12, 1)
TIME_OPTIONS = Options(
    countries=("KH", "MM", "PH"),
    zones=("compound", "city"),
    confidences=("high", "medium", "low"),
    sites=frozenset({"kk", "bv", "pp"}),
    first_date="2022-09-29",
    last_date="2026-11-30",
)


def _time_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    loc = pd.DataFrame(
        {
            "site_id": ["kk", "bv", "pp"],
            "name": ["KK Park", "Bavet", "Bamban, Tarlac"],
            "aliases": ["", "", ""],
            "country": ["MM", "KH", "PH"],
            "zone_type": ["compound", "city", "compound"],
            "confidence": ["high", "medium", "low"],
            "source_ids": ["S1", "S2", "S3"],
        }
    )
    src = pd.DataFrame(
        {"source_id": ["S1", "S2", "S3"], "date": ["2022-10", "2023-05-01", "2025-06-01"]}
    )
    ev = pd.DataFrame(
        [
            ("E1", "2023-02-01", "MM", "report", "kk", "operating", ""),
            ("E2", "2025-10", "MM", "raid", "kk", "raided", ""),
            ("E3", "2025-11-18", "MM", "report", "kk", "demolished_claimed", "S9"),
            ("E4", "2024-03-03", "KH", "sanction", "bv", "closed", ""),
            ("E5", "2024", "KH", "policy", "", "", ""),
            ("E6", "2025-12-24", "PH", "prosecution", "", "", ""),
        ],
        columns=["event_id", "date", "country", "event_type", "site_id", "status", "disputed_by"],
    )
    return loc, ev, src


def test_options_default_to_the_whole_vocabulary():
    old = Options(countries=("KH",), zones=("city",), confidences=("high",))
    assert old.statuses == SITE_STATUSES and old.event_types == EVENT_TYPES
    assert old.first_date is None and old.last_date is None
    assert date_window(old) == (None, None)
    assert date_window(TIME_OPTIONS, TODAY) == (date(2022, 1, 1), TODAY)
    later = date(2027, 3, 1)
    assert date_window(TIME_OPTIONS, later)[1] == later  # "as of today" stays reachable


@pytest.mark.parametrize(
    ("view", "active"),
    [
        (View(), False),
        (View(statuses=("raided",)), True),
        (View(event_types=("raid",)), True),
        (View(start="2024-01-01", end="2024-12-31", as_of="2025-01-01"), False),
        (View(site="kk"), False),
        (View(query="x"), True),
    ],
)
def test_view_active_counts_filters_not_dates(view, active):
    assert view.active is active


@pytest.mark.parametrize(
    ("view", "shown"),
    [
        (View(as_of="2022-01-01"), []),  # nothing reported yet
        (View(as_of="2022-10-01"), ["kk"]),  # S1 "2022-10" counts from 1 October
        (View(as_of="2024-03-03"), ["kk", "bv"]),
        (View(as_of="2025-06-01"), ["kk", "bv", "pp"]),
        (View(as_of="2024-06-01", statuses=("closed",)), ["bv"]),
        (View(as_of="2024-06-01", statuses=("operating", "closed")), ["kk", "bv"]),
        (View(as_of="2025-10-01", statuses=("operating",)), []),  # kk raided by then
        (View(as_of="2025-10-01", statuses=("raided",)), ["kk"]),
        (View(as_of="2025-12-01", statuses=("demolished_claimed",)), ["kk"]),  # disputed
        (View(as_of="2025-12-01", statuses=("reported",)), ["pp"]),
        (View(as_of="2025-12-01", statuses=("reported",), countries=("KH",)), []),
        (View(statuses=("struck",)), []),
    ],
)
def test_site_filter_by_status_at_a_date(view, shown):
    loc, ev, src = _time_tables()
    status = StatusTable.build(loc, ev, src).at(view.as_of)
    mask = site_mask(loc, view, status_codes=status)
    assert list(loc.loc[mask, "site_id"]) == shown
    # The plain code array filters the same way as the StatusAt.
    assert (site_mask(loc, view, None, status.code) == mask).all()


def test_site_filter_without_status_treats_sites_as_reported():
    loc, _, _ = _time_tables()
    assert site_mask(loc, View(statuses=("reported", "raided"))).all()
    assert not site_mask(loc, View(statuses=("raided",))).any()
    with pytest.raises(ValueError, match="shape"):
        site_mask(loc, View(), status_codes=np.array(["reported"], dtype=object))


def _shown_events(view: View, *dates: str | None) -> list[str]:
    loc, ev, src = _time_tables()
    status = StatusTable.build(loc, ev, src).at(view.as_of)
    mask = site_mask(loc, view, status_codes=status)
    rows = event_site_rows(ev, loc)
    return list(ev.loc[event_mask(ev, rows, mask, view, *dates), "event_id"])


@pytest.mark.parametrize(
    ("view", "shown"),
    [
        (View(), ["E1", "E2", "E3", "E4", "E5", "E6"]),
        (View(event_types=("raid", "policy")), ["E2", "E5"]),
        (View(event_types=("strike",)), []),
        # Events appear up to the "as of" day; "2025-10" starts on 1 October.
        (View(as_of="2025-09-30"), ["E1", "E4", "E5"]),
        (View(as_of="2025-10-01"), ["E1", "E2", "E4", "E5"]),
        (View(as_of="2024-01-01"), ["E1", "E5"]),  # "2024" starts on 1 January
        # The event date range keeps any event whose span overlaps it.
        (View(start="2024-06-01", end="2025-10-15"), ["E2", "E5"]),
        (View(start="2025-11-01"), ["E3", "E6"]),
        (View(end="2023-12-31"), ["E1"]),
        (View(start="2024-01-01", as_of="2025-10-05"), ["E2", "E4", "E5"]),
        # A status filter is a site filter: events at no mapped site drop out.
        (View(statuses=("closed",)), ["E4"]),
        (View(countries=("KH",)), ["E4", "E5"]),
        (View(countries=("PH",), event_types=("prosecution",)), ["E6"]),
    ],
)
def test_event_filter_truth_table(view, shown):
    assert _shown_events(view) == shown


def test_event_filter_explicit_dates_still_work():
    assert _shown_events(View(), "2024-06-01", "2025-10-15") == ["E2", "E5"]
    ranged = View(start="2020-01-01", end="2030-01-01")
    assert _shown_events(ranged, "2024-06-01", "2025-10-15") == ["E2", "E5"]  # args win


def test_url_round_trip_with_time_and_status():
    view = View(
        countries=("MM", "KH"),
        zones=("compound",),
        confidences=("high",),
        query="Bamban, Tarlac",
        site="pp",
        statuses=("raided", "demolished_claimed"),
        event_types=("raid", "strike"),
        start="2023-01-01",
        end="2025-12-31",
        as_of="2025-11-30",
    )
    params = params_from_view(view)
    assert params["status"] == ["raided,demolished_claimed"]
    assert params["etype"] == ["raid,strike"]
    assert (params["from"], params["to"], params["asof"]) == (
        ["2023-01-01"],
        ["2025-12-31"],
        ["2025-11-30"],
    )
    back, notices = view_from_params(params, TIME_OPTIONS, TODAY)
    assert back == view and notices == []
    assert params_from_view(back) == params  # params -> view -> params is identity


def test_url_leaves_out_unset_dates():
    params = params_from_view(View(statuses=("closed",), as_of="2024-01-31"))
    assert params == {"status": ["closed"], "asof": ["2024-01-31"]}
    assert params_from_view(View()) == {}


@pytest.mark.parametrize("q", ["Bamban, Tarlac", "a,b,,c", " ,leading comma", "Möng La, Shan"])
def test_url_query_keeps_commas(q):
    view, notices = view_from_params({"q": [q]}, TIME_OPTIONS, TODAY)
    assert view.query == q.strip() and notices == []
    assert params_from_view(view) == {"q": [q.strip()]}


def test_url_repeated_query_values_are_joined():
    view, _ = view_from_params({"q": ["kk", "park"]}, TIME_OPTIONS, TODAY)
    assert view.query == "kk park"


@pytest.mark.parametrize(
    ("params", "expected", "notices"),
    [
        ({"status": ["raided,closed"]}, {"statuses": ("raided", "closed")}, []),
        ({"status": ["raided", "raided"]}, {"statuses": ("raided",)}, []),
        ({"status": ["vanished,raided"]}, {"statuses": ("raided",)}, ["unknown status"]),
        ({"status": ["RAIDED"]}, {"statuses": ()}, ["unknown status"]),  # codes are exact
        ({"etype": ["raid,strike"]}, {"event_types": ("raid", "strike")}, []),
        ({"etype": ["<script>"]}, {"event_types": ()}, ["unknown etype"]),
        ({"from": ["2024-01-01"]}, {"start": "2024-01-01"}, []),
        ({"from": ["2024-1-1"]}, {"start": None}, ["not a date"]),
        ({"from": ["2024-02-30"]}, {"start": None}, ["not a date"]),
        ({"to": ["2024"]}, {"end": None}, ["not a date"]),
        ({"to": ["yesterday"]}, {"end": None}, ["not a date"]),
        ({"asof": ["2025-13-01"]}, {"as_of": None}, ["not a date"]),
        ({"asof": ["2021-12-31"]}, {"as_of": None}, ["outside"]),  # before the data's year
        ({"asof": ["2022-01-01"]}, {"as_of": "2022-01-01"}, []),
        ({"asof": ["2026-12-01"]}, {"as_of": "2026-12-01"}, []),  # today
        ({"asof": ["2026-12-02"]}, {"as_of": None}, ["outside"]),  # the future
        ({"to": ["9999-12-31"]}, {"end": None}, ["outside"]),
        ({"asof": ["2024-01-01", "2025-01-01"]}, {"as_of": "2024-01-01"}, ["first of several"]),
        (
            {"from": ["2025-06-01"], "to": ["2024-01-31"]},
            {"start": "2024-01-31", "end": "2025-06-01"},
            ["Swapped"],
        ),
        (
            {"from": ["2025-06-01"], "to": ["junk"]},
            {"start": "2025-06-01", "end": None},
            ["not a date"],
        ),
        ({"from": ["2024-05-05"], "to": ["2024-05-05"]}, {"start": "2024-05-05"}, []),
        ({"from": [""], "asof": ["  "]}, {"start": None, "as_of": None}, []),
    ],
)
def test_url_time_and_status_values_are_checked(params, expected, notices):
    view, got = view_from_params(params, TIME_OPTIONS, TODAY)
    for name, value in expected.items():
        assert getattr(view, name) == value, name
    assert len(got) == len(notices), got
    for notice, text in zip(notices, got, strict=True):
        assert notice in text


def test_url_dates_unbounded_without_data_dates():
    loose = Options(countries=(), zones=(), confidences=())
    view, notices = view_from_params({"asof": ["1990-01-01"]}, loose)
    assert view.as_of == "1990-01-01" and notices == []


def test_mask_encoding_matches_atlas_js_bit_order():
    mask = np.array([True, False, False, True, False, False, False, False, True])
    raw = base64.b64decode(map_view.encode_mask(mask))
    # atlas.js reads bit (i & 7) of byte (i >> 3).
    decoded = [(raw[i >> 3] >> (i & 7)) & 1 for i in range(len(mask))]
    assert decoded == mask.astype(int).tolist()


def unragged(column: dict) -> list[list]:
    """The per-row lists of an ``{"offsets", "flat"}`` column (as atlas.js reads it)."""
    off, flat = column["offsets"], column["flat"]
    return [flat[off[i] : off[i + 1]] for i in range(len(off) - 1)]


def test_payload_parents_list_only_sites_with_a_parent(atlas):
    payload = map_view.build_payload(atlas.locations, atlas.events, atlas.sources)
    sites = payload["sites"]
    parent = sites["parent"]
    pairs = dict(zip(parent["rows"], parent["parents"], strict=True))
    ids = sites["id"]
    assert ids[pairs[ids.index("kk_park_ii")]] == "kk_park"
    has = atlas.locations["parent_site_id"].fillna("").astype(str).str.strip() != ""
    assert len(pairs) == int(has.sum()) < len(ids)


def test_payload_references_resolve(atlas):
    payload = map_view.build_payload(atlas.locations, atlas.events, atlas.sources)
    sites, events, sources = payload["sites"], payload["events"], payload["sources"]
    sites = {**sites, "src": unragged(sites["src"])}
    assert len(sites["id"]) == len(atlas.locations) == 49  # data/locations.csv
    assert all(0 <= i < len(sources) for refs in sites["src"] for i in refs)
    poipet = sites["id"].index("poipet")
    poipet_sources = {sources[i]["id"] for i in sites["src"][poipet]}
    assert poipet_sources == {"UE25", "UF38", "US_crown_poipet_loc"}  # now sourced
    # No committed site is unsourced any more: blank one to check it stays unsourced.
    loc = atlas.locations.copy()
    loc.loc[loc["site_id"] == "poipet", "source_ids"] = ""
    bare = map_view.build_payload(loc, atlas.events, atlas.sources)["sites"]
    assert unragged(bare["src"])[bare["id"].index("poipet")] == []
    kk = sites["id"].index("kk_park")
    kk_sources = {sources[i]["id"] for i in sites["src"][kk]}
    # kk_park's source_ids in data/locations.csv (S122 is cited by its events and figures).
    assert kk_sources == {
        "S111",
        "S113",
        "S120b",
        "S121",
        "UR_kk_park_1",
        "UE26",
        "UE33",
        "UF37",
    }
    assert len(events["site"]) == (atlas.events["site_id"] != "").sum()
    assert all(s["url"].startswith(("http://", "https://")) for s in sources)


def test_publish_payload_is_content_addressed(tmp_path, atlas):
    payload = map_view.build_payload(atlas.locations, atlas.events, atlas.sources)
    url = map_view.publish_payload(payload, tmp_path)
    again = map_view.publish_payload(payload, tmp_path)
    assert url == again and url.startswith("/app/static/generated/sites-")
    assert url.endswith(".json.gz")  # compressed once, sent as it is (not per request)
    files = list(tmp_path.iterdir())
    assert len(files) == 1
    raw = files[0].read_bytes()
    assert json.loads(gzip.decompress(raw))["sites"]["id"] == payload["sites"]["id"]
    # Same payload, same bytes (no timestamp in the gzip header).
    files[0].unlink()
    assert map_view.publish_payload(payload, tmp_path) == url
    assert files[0].read_bytes() == raw
    # prepare() hands over the payload as JSON bytes (its lists freed at once): same file.
    files[0].unlink()
    assert map_view.publish_payload(map_view.payload_json(payload), tmp_path) == url
    assert files[0].read_bytes() == raw
    payload["sites"]["name"][0] = "changed"
    assert map_view.publish_payload(payload, tmp_path) != url
    for i in range(map_view.KEEP_PAYLOADS + 3):  # old payloads are pruned
        payload["sites"]["name"][0] = f"v{i}"
        map_view.publish_payload(payload, tmp_path)
    assert len(list(tmp_path.iterdir())) == map_view.KEEP_PAYLOADS


def _maps(atlas, mask):
    links = map_view.asset_links()
    base = map_view.build_base_map(
        "/app/static/generated/x.json", map_view.data_bounds(atlas.locations), links, {}
    )
    layer = map_view.build_layer(
        map_view.layer_spec(mask, np.ones(len(atlas.events), dtype=bool), (1, (11.5, 104.9)))
    )
    return base, layer


def test_base_map_is_identical_whatever_the_filter(atlas):
    """streamlit-folium remounts the iframe when the base map's script changes."""
    base_all, layer_all = _maps(atlas, np.ones(len(atlas.locations), dtype=bool))
    base_kh, layer_kh = _maps(atlas, atlas.locations["country"].eq("KH").to_numpy())
    script_all = _get_map_string(base_all)
    script_kh = _get_map_string(base_kh)
    assert script_all == script_kh
    fg_all = _get_feature_group_string(layer_all, base_all)
    fg_kh = _get_feature_group_string(layer_kh, base_kh)
    assert fg_all != fg_kh and "atlas.show(" in fg_kh


def test_a_rerun_compiles_no_template_and_renders_the_same(atlas, monkeypatch):
    """branca compiles each rendered piece of the base map as a template; the app shares
    one compiled template per text (view._share_compiled_templates), the base map has a
    fixed id and the app's own elements go in verbatim, so a rerun (a new base map and
    layer) compiles nothing, and the page is the same byte for byte as with a fresh
    compile each time."""
    shared = branca.element.Template
    assert getattr(shared, "atlas_shared", False)
    mask = np.ones(len(atlas.locations), dtype=bool)
    base, layer = _maps(atlas, mask)
    script = _get_map_string(base)
    layer_script = _get_feature_group_string(layer, base)
    misses = shared.cache_info().misses
    base, layer = _maps(atlas, mask)  # the next rerun
    assert _get_map_string(base) == script
    assert _get_feature_group_string(layer, base) == layer_script
    assert shared.cache_info().misses == misses
    monkeypatch.setattr(branca.element, "Template", jinja2.Template)
    base, layer = _maps(atlas, mask)
    assert _get_map_string(base) == script
    assert _get_feature_group_string(layer, base) == layer_script


@pytest.mark.parametrize(
    "name",
    ["Compound {% if %}", "{# open comment", "{{ 7*7 }}", "{{ cycler.__init__ }}", "{{{%#}}}"],
)
def test_template_syntax_in_an_uploaded_name_is_text(atlas, name):
    """An uploaded site's name goes into the layer's script as JSON text: before, branca
    compiled that script as a template ('{% if %}' raised TemplateSyntaxError and took
    the map down) and a full render of the map evaluated '{{ 7*7 }}' to 49."""
    uploaded = atlas.locations.head(1).assign(name=name, site_id="u1")
    spec = map_view.layer_spec(
        np.ones(len(atlas.locations), dtype=bool),
        np.ones(len(atlas.events), dtype=bool),
        (1, (11.5, 104.9)),
        upload=map_view.upload_payload(uploaded, atlas.sources),
    )
    base, _ = _maps(atlas, np.ones(len(atlas.locations), dtype=bool))
    layer = map_view.build_layer(spec)
    assert _names_sent(_get_feature_group_string(layer, base)) == [name]
    # folium's own full render of the page (the layer is on the map now): still text.
    assert _names_sent(base.get_root().render()) == [name]


def _names_sent(script: str) -> list[str]:
    """The uploaded names in the last ``atlas.show(group, spec);`` call of ``script``."""
    call = script[script.rindex("atlas.show(") :]
    return json.loads(call[call.index(", ") + 2 : call.index(");")])["upload"]["name"]


def test_map_loads_every_script_from_the_app(atlas):
    links = map_view.asset_links()
    assert links.offline_ready
    urls = [u for _, u in links.js + links.css] + [links.outlines_url]
    assert all(u.startswith("/app/static/") for u in urls), urls
    base, _ = _maps(atlas, np.ones(len(atlas.locations), dtype=bool))
    assert base.options["maxZoom"] == map_view.MAX_ZOOM  # tiles=None would drop it


def test_missing_assets_fall_back_to_public_copies(monkeypatch, tmp_path):
    from components.map import assets

    monkeypatch.setattr(assets, "VENDOR_DIR", tmp_path)
    monkeypatch.setattr(
        assets,
        "resolve",
        lambda name, file, vendor_dir=tmp_path: (assets.fallback_url(name, file), False),
    )
    links = map_view.asset_links()
    assert not links.offline_ready
    assert links.js[0][1] == "https://unpkg.com/leaflet@1.9.4/dist/leaflet.js"


@pytest.mark.parametrize(
    ("lat", "lng", "tooltip", "expected"),
    [
        (11.56944, 104.92111, "Phnom Penh", "phnom_penh"),
        (11.569440000001, 104.92111, None, "phnom_penh"),
        (11.6, 104.9, None, None),
        (0, 0, None, None),
    ],
)
def test_click_position_maps_to_a_site(atlas, lat, lng, tooltip, expected):
    assert map_view.site_at(atlas.locations, lat, lng, tooltip) == expected


def test_click_on_shared_spot_uses_the_tooltip():
    loc = pd.DataFrame(
        {"site_id": ["a", "b"], "name": ["Alpha", "Beta"], "lat": [1.0, 1.0], "lon": [2.0, 2.0]}
    )
    assert map_view.site_at(loc, 1.0, 2.0, "Beta") == "b"
    assert map_view.site_at(loc, 1.0, 2.0, "Gamma") == "a"


def test_a_payload_of_numpy_arrays_is_the_same_json_as_of_lists(atlas):
    """prepare() builds the published payload's numbers as numpy arrays (no Python
    object per number at 1,000,000 sites): the JSON must not change by one byte."""
    rng = np.random.default_rng(11)
    loc = atlas.locations
    big = loc.iloc[rng.integers(0, len(loc), 5000)].reset_index(drop=True)
    big["site_id"] = [f"s{i}" for i in range(len(big))]
    big["lat"] = rng.uniform(-89.9, 89.9, len(big))  # every float: digits, signs, exponents
    big["lon"] = np.r_[rng.uniform(-180, 180, len(big) - 4), 1e-7, -0.0, 0.1 + 0.2, 123456.0]
    big.loc[::7, "source_ids"] = ""
    hostile = ['"q"', "back\\slash", "\u2028line", "</script>", "😀 Möng", "\x00nul", ""]
    big.loc[: len(hostile) - 1, "name"] = hostile
    for frame in (loc, big, loc.iloc[0:0]):
        lists = map_view.build_payload(frame, atlas.events, atlas.sources)
        arrays = map_view.build_payload(frame, atlas.events, atlas.sources, arrays=True)
        assert isinstance(arrays["sites"]["lat"], np.ndarray)
        assert isinstance(arrays["sites"]["src"]["flat"], np.ndarray)
        assert isinstance(arrays["sites"]["zone"]["codes"], np.ndarray)
        assert not isinstance(arrays["sites"]["name"], list)  # written already
        assert map_view.payload_json(arrays) == map_view.payload_json(lists)


def test_nearest_sites_uses_geodesic_km(atlas):
    site = atlas.locations.set_index("site_id").loc["myawaddy"].copy()
    site["site_id"] = "myawaddy"
    near = dossier.nearest_sites(site, atlas.locations, k=5)
    # Four district-precision compounds (data/locations.csv) share GeoNames' Myawaddy point
    # (16.68911, 98.50893), ~0.16 km geodesic from the town centre; KK Park is next, ~4.6 km.
    shared = {"dongmei_park", "huanya_park", "shunda_park", "yulong_bay"}
    assert set(near["site_id"].iloc[:4]) == shared
    assert near["distance_km"].iloc[:4].to_numpy() == pytest.approx([0.16] * 4, abs=0.01)
    assert list(near["site_id"])[4] == "kk_park"
    assert near["distance_km"].iloc[4] == pytest.approx(4.8, abs=0.3)
    assert near["distance_km"].is_monotonic_increasing


def test_a_sites_nearest_and_relations_are_measured_once_per_table(atlas, monkeypatch):
    """Each dossier rerun showed them again: 15-20 geodesic distances (about 1 ms each).
    The same site of the same table is answered from memory; another table is not."""
    calls = []
    real = dossier.geodesic

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(dossier, "geodesic", counted)
    loc = atlas.locations.copy()  # a table of this test's own: nothing cached for it yet
    site = loc.set_index("site_id").loc["kk_park"].copy()
    site["site_id"] = "kk_park"
    near, (_parent, children) = dossier.nearest_sites(site, loc), dossier.relations(site, loc)
    measured = len(calls)
    assert measured >= len(near) + len(children) > 0
    assert dossier.nearest_sites(site, loc) is near
    assert dossier.relations(site, loc)[1] is children
    assert len(calls) == measured  # nothing measured again
    again = dossier.nearest_sites(site, loc.copy())
    assert len(calls) > measured and again is not near
    pd.testing.assert_frame_equal(again, near)


def _nearest_by_brute_force(site, locations, k):
    """Geodesic distance to every other site, nearest first (ties in row order)."""
    from geopy.distance import geodesic

    others = locations[locations["site_id"] != site["site_id"]]
    km = [geodesic((site["lat"], site["lon"]), (r.lat, r.lon)).km for r in others.itertuples()]
    return others.assign(distance_km=km).sort_values("distance_km", kind="stable").head(k)


def test_nearest_sites_agree_with_measuring_every_site(atlas):
    loc = atlas.locations
    for _, site in loc.iterrows():
        got = dossier.nearest_sites(site, loc, k=5)
        want = _nearest_by_brute_force(site, loc, 5)
        assert list(got["site_id"]) == list(want["site_id"]), site["site_id"]
        assert got["distance_km"].to_numpy() == pytest.approx(want["distance_km"].to_numpy())
        assert list(got.columns) == [*loc.columns, "distance_km"]


def test_nearest_sites_with_ties_none_or_few_others():
    loc = pd.DataFrame(
        {
            "site_id": [f"s{i}" for i in range(12)],
            "lat": [10.0] * 6 + [10.5] * 6,  # six sites on one point, six on another
            "lon": [100.0] * 12,
        }
    )
    near = dossier.nearest_sites(loc.iloc[0], loc, k=5)
    assert list(near["site_id"]) == ["s1", "s2", "s3", "s4", "s5"]  # ties in row order
    assert near["distance_km"].tolist() == [0.0] * 5
    far = dossier.nearest_sites(loc.iloc[11], loc.iloc[[0, 11]], k=5)
    assert list(far["site_id"]) == ["s0"] and far["distance_km"].iloc[0] > 50
    alone = dossier.nearest_sites(loc.iloc[0], loc.iloc[[0]], k=5)
    assert alone.empty and "distance_km" in alone.columns
    assert dossier.nearest_sites(loc.iloc[0], loc, k=0).empty


def test_nearest_sites_do_not_copy_the_other_sites():
    import tracemalloc

    n = 200_000
    rng = np.random.default_rng(7)
    loc = pd.DataFrame({f"c{i}": np.zeros(n) for i in range(40)})  # 64 MB of other columns
    loc["site_id"] = [f"s{i}" for i in range(n)]
    loc["lat"], loc["lon"] = rng.uniform(5, 25, n), rng.uniform(95, 110, n)
    tracemalloc.start()
    try:
        near = dossier.nearest_sites(loc.iloc[123], loc, k=5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(near) == 5 and "s123" not in set(near["site_id"])
    assert peak < 30e6, f"{peak / 1e6:.0f} MB allocated for five neighbours"


def test_csv_export_carries_sources_and_defuses_formulas(atlas):
    loc = atlas.locations.copy()
    loc.loc[loc["site_id"] == "bavet", "name"] = '=HYPERLINK("http://evil.invalid","x")'
    data = export.to_csv(loc, atlas.sources)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == len(atlas.locations) == 49  # every site of data/locations.csv
    bavet = next(r for r in rows if r["site_id"] == "bavet")
    assert bavet["name"].startswith("'=")
    kk = next(r for r in rows if r["site_id"] == "kk_park")
    assert "https://www.nationthailand.com/news/asean/40046636" in kk["source_urls"]
    assert float(kk["lon"]) == pytest.approx(98.520722)


def test_geojson_export_is_valid_and_carries_quotes(atlas):
    collection = json.loads(export.to_geojson(atlas.locations, atlas.sources))
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 49
    mong_la = next(f for f in collection["features"] if f["properties"]["site_id"] == "mong_la")
    assert mong_la["geometry"]["coordinates"] == [100.01267, 21.67112]
    assert "Mong La" in mong_la["properties"]["sources"][0]["quote"]


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("plain words", "plain words"),
        ("<b>x</b>", r"\<b\>x\<\/b\>"),
        # A bare http(s) URL becomes a real link to itself; no image, no invisible marks.
        ("![i](http://h/x.png)", r"\!\[i\]\([http\:\/\/h\/x\.png](http://h/x.png)\)"),
        ("www.x.org a@b.org", r"www\.x\.org a\@b\.org"),
        (":red[x] $y$", r"\:red\[x\] \$y\$"),
        ("two\nlines", "two lines"),
    ],
)
def test_markdown_escaping(raw, escaped):
    assert md(raw) == escaped
    assert "\u2060" not in md(raw)


def test_url_in_text_is_a_real_link_with_its_true_text():
    out = md("Coordinates from https://en.wikipedia.org/wiki/KK_Park (current).")
    assert "[https\\:\\/\\/en\\.wikipedia\\.org\\/wiki\\/KK\\_Park]" in out
    assert "(https://en.wikipedia.org/wiki/KK_Park)" in out
    assert out.endswith("\\(current\\)\\.")
    assert md("javascript:alert(1)") == r"javascript\:alert\(1\)"  # never a link


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.org/a", True),
        ("http://example.org", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,<script>", False),
        ("//example.org", False),
        ("ftp://example.org", False),
    ],
)
def test_only_http_links(url, ok):
    assert (safe_url(url) is not None) == ok
    link = md_link("label", url)
    assert link.startswith("[label](") == ok


def test_base_map_starts_around_every_site():
    """Only the base map's starting view: the browser then frames the shown sites. The
    spread (Lagos, Lusaka, Negombo) is inside it, as every site is."""
    atlas = load_atlas(ROOT / "data").atlas
    loc = atlas.locations
    (south, west), (north, east) = map_view.data_bounds(loc)
    assert (west, east) == (loc["lon"].min() - 1, loc["lon"].max() + 1)
    assert (south, north) == (loc["lat"].min() - 1, loc["lat"].max() + 1)
    nigeria = loc[loc["country"] == "NG"]
    assert len(nigeria) >= 1 and west < nigeria["lon"].min()


def test_layer_spec_carries_the_camera_command_only_when_given():
    spec = map_view.layer_spec(np.array([True, False]), np.array([], dtype=bool))
    assert "camera" not in spec
    command = {"v": "site-2", "kind": "site", "at": [16.69, 98.51]}
    spec = map_view.layer_spec(np.array([True, False]), np.array([], dtype=bool), camera=command)
    assert spec["camera"] == command


def test_payload_categories_are_dictionary_coded_and_decode_to_the_column(atlas):
    payload = map_view.build_payload(atlas.locations, atlas.events, atlas.sources)
    sites = payload["sites"]
    source_column = {"country": "country", "zone": "zone_type"}
    source_column |= {"precision": "precision", "confidence": "confidence"}
    for name in map_view.CODED_COLUMNS:
        coded = sites[name]
        assert set(coded) == {"values", "codes"}
        decoded = [coded["values"][c] for c in coded["codes"]]
        assert decoded == atlas.locations[source_column[name]].fillna("").astype(str).tolist()
        assert len(coded["values"]) == len(set(decoded)) < len(decoded)


def test_dictionary_coded_keeps_hostile_text_and_blanks_as_values():
    values = ["<b>x</b>", "", "<b>x</b>", "ÿ", ""]
    coded = map_view.dictionary_coded(values)
    assert coded == {"values": ["<b>x</b>", "", "ÿ"], "codes": [0, 1, 0, 2, 1]}
    # A validated table's str column (Arrow buffers) codes the same; a missing cell is "".
    assert map_view.dictionary_coded(pd.Series(values, dtype="str")) == coded
    with_nan = pd.Series(["<b>x</b>", None, "<b>x</b>", "ÿ", ""], dtype="str")
    assert map_view.dictionary_coded(with_nan) == coded


def test_source_rows_keep_each_rows_order_and_leave_unknown_ids_out():
    src_index = {"A": 0, "B": 1, "C": 2}
    ids = pd.Series(["A;B", "", None, " C ;X;A", "X", "B"])

    def rows(cells):
        offsets, flat = map_view.source_ragged(cells, src_index)
        return unragged({"offsets": offsets, "flat": flat})

    assert rows(ids) == [[0, 1], [], [], [2, 0], [], [1]]
    assert rows(pd.Series([], dtype=object)) == []


def test_source_ragged_gives_offsets_and_flat_of_the_rows_lists():
    src_index = {"A": 0, "B": 1, "C": 2}
    ids = pd.Series(["A;B", "", None, " C ;X;A", "X", "B"])
    offsets, flat = map_view.source_ragged(ids, src_index)
    assert offsets == [0, 2, 2, 2, 4, 4, 5]
    assert flat == [0, 1, 2, 0, 1]
    assert map_view.source_ragged(pd.Series([], dtype=object), src_index) == ([0], [])


def test_parent_rows_point_at_the_first_site_with_the_id_and_skip_blanks():
    loc = pd.DataFrame(
        {
            "site_id": ["a", "b", "a", "c", "d"],
            "parent_site_id": ["", "a", None, "zz", "c"],
        },
        dtype=object,
    )
    assert map_view._parent_rows(loc).tolist() == [-1, 0, -1, -1, 3]
    assert map_view._parent_rows(loc.drop(columns="parent_site_id")).tolist() == [-1] * 5


def test_published_payload_parses_back_to_the_payload_with_hostile_text(tmp_path):
    import gzip
    import json

    payload = {
        "sites": {"name": ["</script><b>x</b>", "Möng\u2028La", '"quoted"\\'], "lat": [1e-05]},
        "events": {"site": [0, 2], "src": [-1]},
    }
    url = map_view.publish_payload(payload, tmp_path)
    path = tmp_path / url.rsplit("/", 1)[1]
    assert json.loads(gzip.decompress(path.read_bytes())) == payload
