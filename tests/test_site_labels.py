"""Sites that share a name are told apart wherever they are listed or named.

Issue 10 ("Analysts' real files"): an analyst uploads two rows both named "Poipet casino"
(different site ids). The chooser of uploaded sites, the map's upload layer (tooltips and
popups are drawn from its ``name``), the dossier heading and the site table's plain-text
chooser each give them one label: the name, with the site id added only when another
site has the same name (ignoring case and spacing).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from components import upload
from components.data import labels
from components.map import view as map_view
from tests.apptest import APP, fresh_caches  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
SOURCES = pd.read_csv(ROOT / "data" / "sources.csv", dtype=str, keep_default_na=False)
ATLAS_IDS = set(pd.read_csv(ROOT / "data" / "locations.csv", dtype=str)["site_id"])
TWINS = (
    b"site_id,name,country,admin1,zone_type,precision,lat,lon,confidence\n"
    b"u_poipet_1,Poipet casino,KH,Banteay Meanchey,casino_complex,town,13.66,102.56,medium\n"
    b"u_poipet_2,Poipet casino,KH,Banteay Meanchey,casino_complex,town,13.67,102.57,low\n"
    b"u_poipet_3,poipet  Casino ,KH,,casino_complex,town,13.68,102.58,low\n"
    b"u_bavet,Bavet compound,KH,Svay Rieng,compound,town,11.07,106.10,medium\n"
)
TWIN_LABELS = {
    "u_poipet_1": "Poipet casino (u_poipet_1)",
    "u_poipet_2": "Poipet casino (u_poipet_2)",
    "u_poipet_3": "poipet  Casino (u_poipet_3)",  # the validator strips the name
    "u_bavet": "Bavet compound",
}


def twins() -> upload.UploadResult:
    result = upload.check_upload(TWINS, "twins.csv", set(SOURCES["source_id"]), ATLAS_IDS)
    assert result.error is None and result.problems == [], result.problems
    return result


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["A", "B"], ["A", "B"]),
        (["A", "A"], ["A (s0)", "A (s1)"]),
        (["Möng La", "möng  la"], ["Möng La (s0)", "möng  la (s1)"]),
        (["Mong La", "Möng La"], ["Mong La", "Möng La"]),  # different letters: told apart
        (["A", "A", "B"], ["A (s0)", "A (s1)", "B"]),
        ([], []),
    ],
)
def test_site_labels_add_the_id_only_when_names_collide(names, expected):
    ids = [f"s{i}" for i in range(len(names))]
    assert labels.site_labels(names, ids) == expected


def test_collisions_can_be_counted_among_more_sites_than_are_listed():
    """A page of the table lists a few sites; its twins may be on another page."""
    repeated = labels.repeated_names(["Poipet casino", "Bavet", "poipet CASINO"])
    assert repeated == frozenset({"poipet casino"})
    assert labels.site_labels(["Poipet casino"], ["p1"], repeated) == ["Poipet casino (p1)"]
    assert labels.site_labels(["Bavet"], ["b"], repeated) == ["Bavet"]


def test_site_label_of_one_site_among_all():
    sites = pd.DataFrame({"site_id": list(TWIN_LABELS), "name": [*["Poipet casino"] * 2, "x", "y"]})
    assert labels.site_label("u_poipet_2", sites) == "Poipet casino (u_poipet_2)"
    assert labels.site_label("u_poipet_3", sites) == "x"
    with pytest.raises(KeyError, match="nope"):
        labels.site_label("nope", sites)


def test_upload_layer_names_twins_apart():
    result = twins()
    payload = map_view.upload_payload(result.mapped, SOURCES)
    assert dict(zip(payload["id"], payload["name"], strict=True)) == TWIN_LABELS


def _run_with_twins() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.file_uploader(key="upload_file").upload("twins.csv", TWINS, "text/csv")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_upload_chooser_options_are_distinct():
    at = _run_with_twins()
    picker = at.selectbox(key="upload_pick")
    shown = picker.options[1:]  # the first is "Choose a site…"
    assert len(set(shown)) == len(shown) == 4
    assert sorted(shown) == sorted(TWIN_LABELS.values())
    picker.select("u_poipet_2").run()
    assert not at.exception
    assert any(h.value == "Poipet casino \\(u\\_poipet\\_2\\)" for h in at.subheader), [
        h.value for h in at.subheader
    ]


def test_site_table_chooser_tells_atlas_twins_apart(tmp_path, monkeypatch):
    """Two atlas sites with one name, zone and country (the table's other columns could
    still tell them apart by chance: the label must not rely on that)."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    frame = pd.read_csv(data / "locations.csv", dtype=str, keep_default_na=False)
    venus = frame["site_id"] == "venus_park_bavet"
    frame.loc[venus, "aliases"] = "Venus Park"  # its source's quote names it so
    frame.loc[venus, "name"] = "A7 Park (Van Chheung Casino)"
    frame.loc[venus, "zone_type"] = "casino_complex"
    frame.to_csv(data / "locations.csv", index=False)
    monkeypatch.setenv("ATLAS_DATA_DIR", str(data))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["country"] = "KH"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    options = at.selectbox(key="site_table_pick").options
    assert len(set(options)) == len(options)
    a7 = [o for o in options if o.startswith("A7 Park (Van Chheung Casino)")]
    assert len(a7) == 2
    assert any(o.startswith("A7 Park (Van Chheung Casino) (a7_park_bavet) · ") for o in a7)
    assert any(o.startswith("A7 Park (Van Chheung Casino) (venus_park_bavet) · ") for o in a7)


def test_site_label_uses_the_given_repeated_names_instead_of_counting():
    sites = pd.DataFrame({"site_id": ["a", "b"], "name": ["Bavet", "Poipet"]})
    # The caller's per-dataset count decides, even when these rows alone would not.
    assert labels.site_label("a", sites, frozenset({"bavet"})) == "Bavet (a)"
    assert labels.site_label("b", sites, frozenset({"bavet"})) == "Poipet"
    assert labels.site_label("a", sites, frozenset()) == "Bavet"
    with pytest.raises(KeyError):
        labels.site_label("nope", sites, frozenset())


def test_a_long_column_finds_the_same_repeated_names_in_arrow_as_name_by_name():
    """Keyed in Arrow (ASCII names) and by Python's casefold (the others): the same
    repeated keys as name_key one name at a time, hostile spaces and cases included."""
    import random

    import pandas as pd

    from components.data import labels

    rng = random.Random(3)
    parts = ["Poipet", "poipet", "POIPET", "Möng La", "mong la", "STRASSE", "straße",
             "a\u00a0b", "a b", "a\x1cb", "a\x0bb", " x ", "x", "", "ǅ", "ǆ", "İ", "i̇",
             "\u2003y", "y", "<b>KK</b>"]  # fmt: skip
    tails = ["", " ", "  ", "\t", "\n"]
    names = [
        rng.choice(parts) + rng.choice(tails) + str(rng.randint(0, 3000)) for _ in range(30000)
    ]
    names += [str(rng.randint(0, 3000)) + rng.choice(tails) for _ in range(3000)]  # at the end
    names += ["a  b", "a b", "\ta b", "a b ", "a\x1fb", "a b", "ab"]
    names += [None, float("nan"), "x 1"]
    expected = labels.repeated_names(list(names))  # a list: name by name
    column = pd.Series(names, dtype=object)
    assert len(column) >= labels._ARROW_NAMES and len(expected) > 100
    assert labels.repeated_names(column) == expected
    assert labels.repeated_names(column.astype("str")) == expected
