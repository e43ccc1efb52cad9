"""The upload in the app (AppTest): the column-mapping step and the readable problem list."""

from __future__ import annotations

import json

from components.ui import layout, state
from tests.apptest import fresh_caches, run  # noqa: F401
from tests.gis import POLYGON, atlas_feature, point
from tests.nominatim_stub import NominatimStub, Reply, place

FOREIGN = (
    "Site ID,Site name,Latitude,Longitude,Country,Zone,Precision,Confidence\n"
    "u1,My KK Park,16.65,98.52,Burma,compound,compound,medium\n"
    "u2,My Bavet,11.06,106.13,Cambodia,casino_complex,compound,low\n"
)


def upload(at, name: str, raw: bytes, mime: str = "text/csv"):
    at.file_uploader(key=state.UPLOAD).set_value((name, raw, mime)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at) -> str:
    parts = [e.value for kind in ("success", "warning", "info", "error") for e in getattr(at, kind)]
    parts += [m.value for m in at.markdown] + [c.value for c in at.caption]
    return "\n".join(str(p) for p in parts).replace("\\", "")  # md() escapes


def test_foreign_columns_wait_for_the_analyst_then_load():
    at = upload(run(), "felt export.csv", FOREIGN.encode())
    box = {c: at.selectbox(key=f"{state.UPLOAD_COLUMN}{c}") for c in ("name", "lat", "lon")}
    assert box["name"].value == "Site name"
    assert box["lat"].value == "Latitude"
    assert box["lon"].value == "Longitude"
    assert at.selectbox(key=f"{state.UPLOAD_COLUMN}country").value == "Country"
    assert at.selectbox(key=f"{state.UPLOAD_COLUMN}site_id").value == "Site ID"
    assert "(none)" in box["name"].options
    # Nothing is checked or drawn before the analyst confirms the columns.
    assert "of your sites are on the map" not in texts(at)
    at.run()  # a rerun (any widget) keeps the file and the step
    assert at.selectbox(key=f"{state.UPLOAD_COLUMN}lat").value == "Latitude"

    at.button(key=state.UPLOAD_USE).click().run()
    assert not at.exception
    shown = texts(at)
    assert "2 of your sites are on the map" in shown
    assert "Including 2 of your 2 uploaded sites" in shown.replace("\\", "")
    assert "Burma→MM" in shown
    # The step is gone once confirmed, and stays gone on reruns.
    at.run()
    assert not [s for s in at.selectbox if str(s.key or "").startswith(state.UPLOAD_COLUMN)]
    assert "2 of your sites are on the map" in texts(at)


def test_a_changed_choice_is_used():
    raw = FOREIGN.replace("Zone,", "Kind,").encode()
    at = upload(run(), "mine.csv", raw)
    assert at.selectbox(key=f"{state.UPLOAD_COLUMN}zone_type").value == "(none)"
    at.selectbox(key=f"{state.UPLOAD_COLUMN}zone_type").set_value("Kind").run()
    at.button(key=state.UPLOAD_USE).click().run()
    assert "2 of your sites are on the map" in texts(at)


def test_one_column_chosen_twice_is_refused_in_place():
    at = upload(run(), "mine.csv", FOREIGN.encode())
    at.selectbox(key=f"{state.UPLOAD_COLUMN}lon").set_value("Latitude").run()
    at.button(key=state.UPLOAD_USE).click().run()
    assert "'Latitude' is chosen for both lat and lon" in texts(at).replace("\\", "")
    assert at.selectbox(key=f"{state.UPLOAD_COLUMN}lon").value == "Latitude"


def test_atlas_named_geojson_skips_the_step_and_lists_what_was_left_out():
    features = [atlas_feature(point(98.52, 16.65), site_id="g1", name="A", country="MM")] + [
        atlas_feature(POLYGON, site_id=f"p{i}", name="P", country="MM") for i in range(3)
    ]
    features += [
        atlas_feature(
            {"type": "Point", "coordinates": [98.5, 16.6]},
            site_id=f"bad{i}",
            name="B",
            country="XX",
        )
        for i in range(30)
    ]
    raw = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    at = upload(run(), "sites.geojson", raw, "application/geo+json")
    assert not [s for s in at.selectbox if str(s.key or "").startswith(state.UPLOAD_COLUMN)]
    shown = texts(at)
    assert "1 of your sites is on the map" in shown
    assert "31 row(s) left out" in shown
    # A wrapped bullet list, capped; never a code block.
    assert not at.code
    listing = [m.value for m in at.markdown if "polygons are not points" in m.value]
    assert listing and listing[0].startswith("- sites\\.geojson\\: 3 polygons")
    assert "and 11 more" in listing[0]


FELT = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [98.52, 16.65]},
            "properties": {"Name": "Compound seen from the river", "Country": "Myanmar"},
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [106.13, 11.06]},
            "properties": {"Name": "Bavet casino strip", "Country": "Cambodia"},
        },
    ],
}


def test_a_felt_export_with_only_names_loads_once_the_analyst_sets_the_rest():
    """A Felt/kepler.gl export has names and points, not the atlas's vocabulary: ids are
    numbered by row, confidence starts 'low', and zone type and precision must be chosen
    by the analyst (never assumed), each said in a note."""
    at = upload(run(), "felt map.geojson", json.dumps(FELT).encode(), "application/geo+json")
    box = lambda c: at.selectbox(key=f"{state.UPLOAD_COLUMN}{c}")  # noqa: E731
    assert box("site_id").value == "(number the rows: felt-map-1, felt-map-2, …)"
    assert box("confidence").value == "(every row: low)"
    assert box("zone_type").value == "(none)" and box("precision").value == "(none)"
    assert "(every row: compound)" in box("zone_type").options
    at.button(key=state.UPLOAD_USE).click().run()
    assert "Choose a column for zone_type, precision, or one value for every row." in texts(
        at
    ).replace("\\", "")
    assert "of your sites are on the map" not in texts(at)

    box("zone_type").set_value("(every row: compound)")
    box("precision").set_value("(every row: town)").run()
    at.button(key=state.UPLOAD_USE).click().run()
    assert not at.exception
    shown = texts(at)
    assert "2 of your sites are on the map" in shown
    assert "zone_type: 'compound' for every row (chosen at upload, not in the file)" in shown
    assert "rows are numbered felt-map-1, …" in shown
    result = at.session_state[state.UPLOAD_RESULT][1]
    assert list(result.frame["site_id"]) == ["felt-map-1", "felt-map-2"]  # features 1 and 2
    assert list(result.frame["precision"]) == ["town", "town"]
    assert list(result.frame["confidence"]) == ["low", "low"]
    assert list(result.frame["country"]) == ["MM", "KH"]
    assert result.frame["lat"].tolist() == [16.65, 11.06]


def test_a_compound_placed_by_its_town_is_told_in_the_sidebar():
    """Case compound_placed_by_town.csv: the gazetteer places the row at Poipet's centre,
    so it is drawn as a town with low confidence, and the sidebar says why."""
    from pathlib import Path

    path = Path(__file__).resolve().parent / "cases" / "compound_placed_by_town.csv"
    at = upload(run(), path.name, path.read_bytes())
    shown = texts(at)
    assert "1 of your sites is on the map" in shown
    assert "1 row(s) placed less surely than your file said" in shown
    assert "precision lowered from compound to town: the match is a town" in shown
    result = at.session_state[state.UPLOAD_RESULT][1]
    assert (result.frame["precision"].tolist(), result.frame["confidence"].tolist()) == (
        ["town"],
        ["low"],
    )


ATLAS_COLUMNS = (
    "site_id,name,lat,lon,country,zone_type,precision,confidence\n"
    "u1,My KK Park,16.65,98.52,MM,compound,compound,medium\n"
    "u2,My Bavet,11.06,106.13,KH,casino_complex,compound,low\n"
)


def test_an_open_uploaded_site_that_goes_away_closes_with_a_notice():
    """Issue 13: removing an upload while one of its sites is open raised KeyError in the
    export's site label (the side panel then failed for that rerun)."""
    at = upload(run(), "mine.csv", ATLAS_COLUMNS.encode())
    if any(b.key == state.UPLOAD_USE for b in at.button):  # the column step, if asked
        at.button(key=state.UPLOAD_USE).click().run()
    at.selectbox(key="upload_pick").set_value("u2").run()
    assert not at.exception
    assert "My Bavet" in [h.value for h in at.subheader]
    # Another file in its place: u2 is gone, u3 is new.
    other = ATLAS_COLUMNS.replace("u2,My Bavet,11.06,106.13", "u3,My Poipet,13.66,102.56")
    at.file_uploader(key=state.UPLOAD).set_value(("other.csv", other.encode(), "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("Something went wrong" in e.value for e in at.error)
    assert state.GONE_NOTICE.format(site="u2") in texts(at)
    at.session_state["panel"] = layout.SITES  # back to the table, where the picker is
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("Something went wrong" in e.value for e in at.error)
    picker = at.selectbox(key="upload_pick")
    assert picker.value is None or picker.value == state.NO_SITE
    assert "u3" in picker.options or "My Poipet" in picker.options
    # The export cites the view: the site that went is not named, and nothing breaks.
    at.session_state["panel"] = layout.EXPORT
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("Something went wrong" in e.value for e in at.error)
    assert "My Bavet" not in texts(at)
    # Removing the upload altogether: the picker goes with it, the page stays.
    at.file_uploader(key=state.UPLOAD).set_value(None).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [s for s in at.selectbox if s.key == "upload_pick"]


def test_a_nul_byte_in_a_file_name_is_refused_and_the_page_goes_on():
    """Issue 13: Streamlit's own name check raised before the script ran, on every rerun,
    and showed its traceback box."""
    at = run()
    at.file_uploader(key=state.UPLOAD).set_value(
        ("mine\x00.csv", ATLAS_COLUMNS.encode(), "text/csv")
    )
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = texts(at)
    assert "holds a control character" in shown
    assert "mine\ufffd.csv" in shown
    assert "\x00" not in shown
    at.run()  # and on the next rerun too
    assert not at.exception
    assert metric_value(at, "Sites shown") == "49"  # the atlas is still drawn


def test_a_file_of_another_kind_is_refused_by_its_name():
    at = upload(run(), "sites.exe", ATLAS_COLUMNS.encode(), "application/octet-stream")
    assert "sites.exe is not a CSV, GeoJSON, KML or GeoPackage file" in texts(at)
    assert "of your sites are on the map" not in texts(at)


def metric_value(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_one_analysts_look_up_is_not_answered_from_anothers(monkeypatch):
    """Issue 13: the upload geocode cache was shared by every session, so a name one
    analyst looked up was answered from another's entry (observable by timing, and a
    trace of the first analyst's material). Two sessions, one real Nominatim-like
    server: each session's look-up reaches the server."""
    # A name the offline gazetteer does not know, so Nominatim is asked.
    name = "Zawgyi Thwe Compound"
    header = "site_id,name,lat,lon,country,zone_type,precision,confidence\n"
    secret = header + f"u1,{name},,,MM,compound,town,low\n"
    with NominatimStub() as stub:
        stub.on(name, Reply([place(name, 16.68911, 98.50893, "mm")]))
        monkeypatch.setenv("ATLAS_NOMINATIM_URL", stub.url)
        first = run()
        first.checkbox(key="use_nominatim").check().run()
        upload(first, "mine.csv", secret.encode())
        assert len(stub.requests) == 1, texts(first)
        upload(first, "again.csv", secret.encode())  # the same session: from its own cache
        assert len(stub.requests) == 1
        second = run()  # another analyst, same server process
        second.checkbox(key="use_nominatim").check().run()
        upload(second, "theirs.csv", secret.encode())
        assert len(stub.requests) == 2  # asked for itself, not answered from the first


def test_an_upload_asks_nominatim_at_most_its_cap_and_lists_the_rest(monkeypatch):
    """Issue 13: every row was asked online (5,000 rows: 92 minutes of one request per
    1.1 s). Now a file makes at most upload.MAX_ONLINE_LOOKUPS requests (3 here)."""
    from components import upload as upload_module

    monkeypatch.setattr(upload_module, "MAX_ONLINE_LOOKUPS", 3)
    header = "site_id,name,lat,lon,country,zone_type,precision,confidence\n"
    rows = "".join(f"z{i},Zawgyi Thwe Compound {i},,,MM,compound,town,low\n" for i in range(6))
    with NominatimStub() as stub:
        for i in range(6):
            stub.on(f"Zawgyi Thwe Compound {i}", Reply([]))
        monkeypatch.setenv("ATLAS_NOMINATIM_URL", stub.url)
        at = run()
        at.checkbox(key="use_nominatim").check().run()
        upload(at, "many.csv", (header + rows).encode())
        assert len(stub.requests) == 3
    shown = texts(at)
    assert "reached its limit of 3 look-ups" in shown
    assert "python -m components.geocode" in shown


def test_a_file_with_no_site_to_draw_is_a_warning_not_a_success():
    """Issue 13: a file whose every row is left out said "0 of your sites are on the map"
    in a green success box."""
    raw = (
        b"site_id,name,lat,lon,country,zone_type,precision,confidence\n"
        b"u1,My KK Park,95.0,98.52,MM,compound,compound,medium\n"
        b"u2,My Bavet,11.06,406.13,KH,casino_complex,compound,low\n"
    )
    at = upload(run(), "all-bad.csv", raw)
    assert not at.success, [s.value for s in at.success]
    warned = " ".join(str(w.value) for w in at.warning).replace("\\", "")
    assert "None of the rows in your file is on the map" in warned
    assert "2 row(s) left out" in warned
    assert "0 of your sites" not in texts(at)
