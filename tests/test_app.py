"""AppTest: the Streamlit wiring (filters, URL in and out, dossier, invalid data)."""

from __future__ import annotations

import gc
import re
import shutil
from pathlib import Path
from unittest.mock import patch

import pandas as pd
from streamlit.testing.v1 import AppTest

from components.ui import state
from tests.apptest import ROOT, fresh_caches, run  # noqa: F401 (autouse fixture)


def metric(at: AppTest, label: str) -> str:
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"no metric {label!r}: {[m.label for m in at.metric]}")


def params(at: AppTest) -> dict[str, list[str]]:
    out = {}
    for key, value in at.query_params.items():
        out[key] = list(value) if isinstance(value, (list, tuple)) else [value]
    return out


def test_default_view_shows_all_sites_and_no_banner():
    at = run()
    assert metric(at, "Sites shown") == "49"  # data rows of data/locations.csv
    # data/locations.csv: KH, MM, PH, LA, TH, TL, NG, ZM, LK (was 5 before the update).
    assert metric(at, "Countries") == "9"
    # OHCHR's words: only Myanmar's figure is a lower bound; the rest are listed under it.
    assert metric(at, "People held in scam operations") == r"at least 120\,000"
    assert not at.error
    assert params(at) == {}


def test_the_prepared_dataset_leaves_the_collectors_scans():
    """Streamlit collects garbage after every run, holding the GIL; the dataset and the
    modules, frozen once prepared, are not walked again (memory.freeze_long_lived)."""
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    run()
    assert gc.get_freeze_count() > 10_000


def test_a_rerun_defines_no_cached_function_again():
    """Streamlit reads a cached function's source (inspect.getsource) each time its
    definition runs: the page script defines none, so a rerun reads no source."""
    from streamlit.runtime.caching import cache_utils

    at = run()
    real = cache_utils._make_function_key
    keyed = []

    def counted(cache_type, func):
        keyed.append(func.__qualname__)
        return real(cache_type, func)

    with patch.object(cache_utils, "_make_function_key", counted):
        at.multiselect(key="f_countries").set_value(["KH"]).run()
    assert metric(at, "Sites shown") == "25" and not at.error
    assert keyed == []


def test_country_filter_updates_panels_and_url():
    at = run()
    at.multiselect(key="f_countries").set_value(["KH"]).run()
    assert metric(at, "Sites shown") == "25"  # KH rows of data/locations.csv
    assert metric(at, "Countries") == "1"
    assert metric(at, "People held in scam operations") == r"around 100\,000"
    assert params(at) == {"country": ["KH"]}


def test_url_opens_the_view_it_names():
    at = run({"country": "KH", "zone": "special_economic_zone"})
    assert at.multiselect(key="f_countries").value == ["KH"]
    assert at.multiselect(key="f_zones").value == ["special_economic_zone"]
    assert metric(at, "Sites shown") == "2"
    assert not at.info or all("Ignored" not in i.value for i in at.info)


def test_url_values_may_repeat_or_be_comma_separated():
    at = run({"country": ["mm", "KH,LA"], "confidence": "low"})
    assert at.multiselect(key="f_countries").value == ["MM", "KH", "LA"]
    # data/locations.csv: 27 low-confidence sites, 22 of them in MM, KH or LA.
    assert metric(at, "Sites shown") == "22"


def test_unknown_url_values_are_ignored_with_a_notice():
    at = run({"country": "ZZ,KH", "zone": "<script>alert(1)</script>", "site": "nowhere"})
    notices = " ".join(i.value for i in at.info)
    assert "Ignored unknown country" in notices and "ZZ" in notices
    assert "Ignored unknown zone" in notices
    assert "Ignored unknown site" in notices
    assert "<script>" not in notices  # shown escaped, never as markup
    assert metric(at, "Sites shown") == "25"  # KH rows of data/locations.csv
    assert params(at) == {"country": ["KH"]}


def test_search_matches_aliases_without_accents():
    at = run()
    at.text_input(key="f_query").input("mong la").run()  # alias "Möng La"
    assert metric(at, "Sites shown") == "1"
    at.text_input(key="f_query").input("Yatai").run()  # alias of Shwe Kokko
    assert metric(at, "Sites shown") == "1"
    assert params(at) == {"q": ["Yatai"]}


def test_reset_clears_every_filter():
    at = run({"country": "PH", "q": "POGO"})
    assert metric(at, "Sites shown") == "4"  # the four PH sites named "... POGO"
    next(b for b in at.button if b.label == "Reset filters").click().run()
    assert metric(at, "Sites shown") == "49"  # every site of data/locations.csv
    assert params(at) == {}


def test_marker_click_opens_dossier_and_goes_into_the_url():
    click = {
        "last_object_clicked": {"lat": 11.56944, "lng": 104.92111},
        "last_object_clicked_tooltip": "Phnom Penh",
    }
    with patch("components.map.view.st_folium", return_value=click):
        at = run()
    assert at.session_state["site"] == "phnom_penh"
    assert [h.value for h in at.subheader][0] == "Phnom Penh"
    assert params(at)["site"] == ["phnom_penh"]
    quotes = re.sub(r"\\(.)", r"\1", " ".join(m.value for m in at.markdown))  # unescape
    assert "Phnom Penh, Kandal, Pursat" in quotes  # the Kiripost quote naming the site
    assert "Nearest other sites" in quotes


def test_click_on_empty_map_selects_nothing():
    miss = {"last_object_clicked": {"lat": 0.0, "lng": 0.0}}
    with patch("components.map.view.st_folium", return_value=miss):
        at = run()
    assert at.session_state["site"] == ""
    assert "site" not in params(at)


def test_site_in_url_opens_its_dossier_with_unverified_warning():
    at = run({"site": "henge_thmorda_sez"})
    assert at.session_state["site"] == "henge_thmorda_sez"
    warnings = " ".join(w.value for w in at.warning)
    assert "Unverified estimate" in warnings


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data", target)
    return target


def test_invalid_row_gives_a_banner_and_is_left_out(tmp_path, monkeypatch):
    data = _copy_data(tmp_path)
    frame = pd.read_csv(data / "locations.csv", dtype=str, keep_default_na=False)
    frame.loc[frame["site_id"] == "bavet", "lat"] = "191.5"
    frame.to_csv(data / "locations.csv", index=False)
    monkeypatch.setenv("ATLAS_DATA_DIR", str(data))
    at = run()
    assert at.error and "1 problem" in at.error[0].value
    problems = at.code[0].value
    assert "locations.csv, row 15, column lat: '191.5'" in problems
    assert metric(at, "Sites shown") == "48"  # the 49 sites less bavet


def test_corrupt_file_gives_a_banner_not_a_traceback(tmp_path, monkeypatch):
    data = _copy_data(tmp_path)
    (data / "sources.csv").write_bytes(b"source_id,publisher\nS1,Caf\x81\x8d\n")
    monkeypatch.setenv("ATLAS_DATA_DIR", str(data))
    at = run()
    assert at.error
    assert "sources.csv: not UTF-8 text" in at.code[0].value


def test_unreadable_locations_stop_with_a_banner(tmp_path, monkeypatch):
    data = _copy_data(tmp_path)
    (data / "locations.csv").write_text("")
    monkeypatch.setenv("ATLAS_DATA_DIR", str(data))
    at = run()
    assert "could not be loaded" in at.error[0].value
    assert "locations.csv: the file is empty" in at.code[0].value
    assert not at.metric


def test_missing_data_folder_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path / "nope"))
    at = run()
    assert "Data folder not found" in at.error[0].value


def test_html_in_data_is_shown_as_text(tmp_path, monkeypatch):
    data = _copy_data(tmp_path)
    frame = pd.read_csv(data / "locations.csv", dtype=str, keep_default_na=False)
    payload = "<img src=x onerror=alert(1)> ![x](http://evil.invalid/x.png)"
    # The real name stays in brackets: the validator wants a cited quote to name the site.
    frame.loc[frame["site_id"] == "bavet", "name"] = f"{payload} (Bavet)"
    frame.to_csv(data / "locations.csv", index=False)
    monkeypatch.setenv("ATLAS_DATA_DIR", str(data))
    at = run({"site": "bavet"})
    heading = next(h.value for h in at.subheader if "img" in h.value)
    # Every markdown-active character is backslash-escaped, so it renders literally.
    assert heading.startswith(r"\<img src\=x onerror\=alert\(1\)\>")
    # The image syntax is escaped (no image, no request); the bare URL is a plain link
    # whose text is the true URL (nothing invisible inserted).
    assert "\\!\\[x\\]\\(" in heading
    assert "(http://evil.invalid/x.png)" in heading and "\u2060" not in heading


def test_missing_map_assets_fall_back_with_a_visible_note():
    from components.map import assets

    def missing(name: str, file: str, vendor_dir=None) -> tuple[str, bool]:
        return assets.fallback_url(name, file), False

    with patch("components.map.assets.resolve", side_effect=missing):
        at = run()
    notes = " ".join(w.value for w in at.warning)
    assert "Map scripts were not found on this server" in notes
    assert metric(at, "Sites shown") == "49"  # every site of data/locations.csv


def test_map_assets_present_means_no_note():
    at = run()
    assert not any("Map scripts were not found" in w.value for w in at.warning)


def test_sites_hidden_by_the_date_are_counted_within_the_other_filters():
    """The caption's "first reported after this date" count follows the country filter."""
    from components.data import load_atlas
    from components.data.status import StatusTable

    atlas = load_atlas(ROOT / "data").atlas
    loc = atlas.locations
    hidden = ~StatusTable.build(loc, atlas.events, atlas.sources).at("2024-01-01").reported
    expected = int((hidden & (loc["country"] == "MM").to_numpy()).sum())
    assert 0 < expected < int(hidden.sum())  # the filter matters on this date
    at = run({"country": "MM", "asof": "2024-01-01"})
    caption = next(c.value for c in at.caption if "first reported after" in c.value)
    assert f"{expected} site(s) first reported after this date" in caption.replace("\\", "")


def test_a_data_file_cut_while_the_app_runs_costs_no_site(tmp_path, monkeypatch):
    """Issue 13: locations.csv truncated mid-row while the app ran dropped half the sites.
    Now the page keeps the last version that passed and names the new problems."""
    data = _copy_data(tmp_path)
    monkeypatch.setenv("ATLAS_DATA_DIR", str(data))
    at = run()
    assert metric(at, "Sites shown") == "49"
    locations = data / "locations.csv"
    raw = locations.read_bytes()
    locations.write_bytes(raw[: len(raw) // 2])
    at.run()
    assert not at.exception
    assert metric(at, "Sites shown") == "49"
    warning = at.warning[0].value
    assert "The data files changed, and the new version has" in warning
    assert "the page shows the last version that passed every check" in warning
    listed = at.code[0].value
    assert "events.csv, row " in listed and "column site_id" in listed
    shown = " ".join(str(e.value) for e in (*at.error, *at.warning, *at.code))
    assert str(tmp_path) not in shown  # the server's paths are not shown to visitors
    # Put right, the files are used again.
    locations.write_bytes(raw)
    at.run()
    assert metric(at, "Sites shown") == "49" and not at.warning


def test_a_typo_in_one_source_flags_the_source_not_the_sites_citing_it(tmp_path, monkeypatch):
    """Issue 13: one bad URL in sources.csv dropped every site citing it (10 of the
    Kiripost source KP1). Now the sites stay and their dossiers flag the citation."""
    data = _copy_data(tmp_path)
    frame = pd.read_csv(data / "sources.csv", dtype=str, keep_default_na=False)
    frame.loc[frame["source_id"] == "KP1", "url"] = "htps//kiripost.com/stories/report"
    frame.to_csv(data / "sources.csv", index=False)
    monkeypatch.setenv("ATLAS_DATA_DIR", str(data))
    at = run()  # a fresh folder: no last good version to fall back on
    assert metric(at, "Sites shown") == "49"  # no site dropped
    listed = at.code[0].value
    assert "sources.csv, row 2, column url: 'htps//kiripost.com/stories/report'" in listed
    assert "locations.csv" not in listed  # the citing sites are not problems
    citing = pd.read_csv(data / "locations.csv", dtype=str, keep_default_na=False)
    site = citing[citing["source_ids"].str.contains("KP1")].iloc[0]["site_id"]
    at.session_state[state.SITE] = site
    at.session_state["panel"] = state.DOSSIER_PANEL
    at.run()
    assert not at.exception
    flagged = [w.value for w in at.warning if "Unverified citation: source KP1" in w.value]
    assert flagged and "is withheld because its row in sources.csv has a problem" in flagged[0]
