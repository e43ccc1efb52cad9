"""Free text in the search box survives the link exactly.

Case folder ``comma_in_search`` (issue 10, "Analysts' real files"): an analyst searched
for the site "Bamban, Tarlac POGO compound", copied the link, and the link's
``q=Bamban, Tarlac`` came back as ``Bamban Tarlac``: 1 site became 0 (the comma was
read as a list separator). The case folder's locations.csv is an old data file that
today's validator mostly rejects, so these tests serve a copy of data/ in which Bamban
carries the case's name, and one site carries aliases with every awkward character.

What a link keeps: the search text exactly, except spaces at either end, which are
stripped (they never change which sites match, since the search strips them too, and
mail and chat programs drop them from the ends of links). Runs of spaces inside are
kept: they are part of what is searched for.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.runtime.state.query_params import _parse_query_string, process_query_params
from streamlit.testing.v1 import AppTest

from components.analysis.dataset import prepare
from components.analysis.filters import (
    MAX_QUERY_LENGTH,
    View,
    params_from_view,
    site_mask,
    view_from_params,
)
from components.data import load_atlas
from tests.apptest import APP, fresh_caches  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
CASE_DIR = Path(__file__).resolve().parents[2] / "shared" / "cases" / "files" / "comma_in_search"
BAMBAN_ID = "bamban_pogo"
BAMBAN_NAME = "Bamban, Tarlac POGO compound"  # the name in the case's locations.csv
ODD_SITE = "kk_park"  # carries ODD_ALIASES
TRICKY = [
    "Bamban, Tarlac",
    "Tom & Jerry's",
    "Site #7",
    "C++ + 1",
    "100% sure",
    '"KK" Park',
    "a;b; c",
    "បាវិត ឆ្នេរ",  # Khmer
    "亚太新城",  # Chinese (Yatai New City)
    "%2C and %20",  # looks percent-encoded: must stay literal
    "x=1&y=2?z/w",
    "Bamban,  Tarlac",  # two spaces inside: kept (and so matches no site)
]
# Every TRICKY string but the Bamban ones is in ODD_SITE's aliases.
ODD_ALIASES = "; ".join(q for q in TRICKY if not q.startswith("Bamban"))


def write_data(target: Path) -> Path:
    """data/ copied to ``target``, Bamban renamed as in the case, kk_park's aliases odd."""
    shutil.copytree(ROOT / "data", target)
    frame = pd.read_csv(target / "locations.csv", dtype=str, keep_default_na=False)
    frame.loc[frame["site_id"] == BAMBAN_ID, "name"] = BAMBAN_NAME
    odd = frame["site_id"] == ODD_SITE
    frame.loc[odd, "aliases"] = frame.loc[odd, "aliases"] + "; " + ODD_ALIASES
    frame.to_csv(target / "locations.csv", index=False)
    return target


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_data(tmp_path_factory.mktemp("url_text") / "data")


@pytest.fixture(scope="module")
def atlas(data):
    result = load_atlas(data)
    assert not result.problems, [str(p) for p in result.problems]
    return result.atlas


def expected_sites(atlas, query: str) -> set[str]:
    mask = site_mask(atlas.locations, View(query=query))
    return set(atlas.locations.loc[mask, "site_id"])


def through_the_address(view: View, options) -> View:
    """The view written to the address as Streamlit writes it, then read back from the
    address as Streamlit reads it (urlencode / parse_qs)."""
    query_string = process_query_params(params_from_view(view))
    back, notices = view_from_params(_parse_query_string(query_string), options)
    assert notices == []
    return back


def test_the_case_names_bamban_with_a_comma():
    """The case folder's locations.csv row is the name these tests search for."""
    if not CASE_DIR.is_dir():
        pytest.skip("the shared case folder comma_in_search is not on this machine")
    case = pd.read_csv(CASE_DIR / "locations.csv", dtype=str, keep_default_na=False)
    assert case.loc[case["site_id"] == BAMBAN_ID, "name"].tolist() == [BAMBAN_NAME]


def test_the_test_data_shows_bamban_for_the_case_search(atlas):
    assert expected_sites(atlas, "Bamban, Tarlac") == {BAMBAN_ID}
    assert expected_sites(atlas, "Bamban Tarlac") == set()  # what the old link gave
    for q in TRICKY[1:-1]:
        assert ODD_SITE in expected_sites(atlas, q), q
    assert expected_sites(atlas, "Bamban,  Tarlac") == set()


@pytest.mark.parametrize("q", TRICKY)
def test_search_text_survives_the_address_exactly(q, atlas):
    options = prepare(atlas).options
    back = through_the_address(View(query=q), options)
    assert back.query == q
    assert expected_sites(atlas, back.query) == expected_sites(atlas, q)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [(" Bamban, Tarlac ", "Bamban, Tarlac"), ("\tKK Park\u3000", "KK Park"), ("   ", "")],
)
def test_spaces_at_the_ends_are_stripped_without_changing_the_sites(typed, kept, atlas):
    options = prepare(atlas).options
    back = through_the_address(View(query=typed.strip()), options)
    assert back.query == kept
    assert expected_sites(atlas, back.query) == expected_sites(atlas, typed)


def test_a_long_search_is_cut_to_the_box_limit(atlas):
    options = prepare(atlas).options
    q = "亚太, " * 100
    back = through_the_address(View(query=q), options)
    assert back.query == q[:MAX_QUERY_LENGTH].strip()


@pytest.mark.parametrize("q", ["Bamban, Tarlac", "Tom & Jerry's", "Bamban,  Tarlac", "亚太新城"])
def test_a_link_fills_the_search_box_exactly(q, data, atlas, monkeypatch):
    """The app given ?q=...: the sidebar's search box holds the text, and the sites shown
    are those the search finds."""
    monkeypatch.setenv("ATLAS_DATA_DIR", str(data))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["q"] = q
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text_input(key="f_query").value == q
    shown = next(m.value for m in at.metric if m.label == "Sites shown")
    assert int(shown) == len(expected_sites(atlas, q))
