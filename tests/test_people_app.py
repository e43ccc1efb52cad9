"""AppTest: the people-held headline follows every filter and keeps the sources' words."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from components.analysis.figures import HEADLINE_LABEL, NO_FIGURE
from tests.apptest import ROOT, fresh_caches, run  # noqa: F401 (autouse fixture)


def unescape(text: str | None) -> str:
    """Text as a reader sees it: md() backslash-escapes punctuation."""
    return (text or "").replace("\\", "")


def headline(at: AppTest) -> tuple[str, str]:
    """The people-held metric's value and the words under it (its arrowless delta)."""
    found = [m for m in at.metric if m.label == HEADLINE_LABEL]
    assert len(found) == 1, [m.label for m in at.metric]
    return unescape(found[0].value), unescape(found[0].delta)


def page_text(at: AppTest) -> str:
    """Markdown and captions as a reader sees them (md() escapes punctuation)."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    return unescape("\n".join(parts))


def test_a_search_that_shows_no_site_reports_no_people_number():
    at = run({"q": "zzzz"}, panel="People held")
    assert next(m.value for m in at.metric if m.label == "Sites shown") == "0"
    value, more = headline(at)
    assert value == NO_FIGURE and not more
    assert "No sites are shown" in page_text(at)
    assert "220,000" not in page_text(at)
    assert any("No sites are shown" in i.value for i in at.info)  # the People held tab


def test_cambodia_headline_keeps_ohchrs_around():
    at = run({"country": "KH"})
    value, more = headline(at)
    assert value == "around 100,000" and not more
    assert "≥" not in value and "at least 100,000" not in value
    text = page_text(at)
    assert "≥ 100,000" not in text
    assert "Cambodia: “around 100,000”" in text  # the caption names whose words they are


def test_all_countries_headline_adds_lower_bounds_only():
    at = run()
    value, more = headline(at)
    assert value == "at least 120,000"  # Myanmar's lower bound, alone
    assert more == "+ around 100,000 + at least tens of thousands"  # in their own words
    assert "220,000" not in value + more and "≥" not in value + more


def test_people_tab_keeps_disputes_and_unconfirmed_apart():
    at = run({"country": "KH"}, panel="People held")
    assert any(w.value.startswith("Disputed:") for w in at.warning)
    labels = [e.label for e in at.expander]
    assert any(label.startswith("Unconfirmed claims") for label in labels)
    text = page_text(at)
    assert "**National estimates: people held or working in scam operations**" in text
    assert "*Cambodia*, newest first" in text


def test_contradicting_figures_sit_side_by_side_with_the_note(tmp_path, monkeypatch):
    import components.data as data_module

    if not hasattr(data_module, "CONTRADICTIONS"):
        pytest.skip("this loader has no contradictions.csv yet")
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    figs = pd.read_csv(data / "figures.csv", dtype=str, keep_default_na=False)
    if "contradiction_ids" not in figs.columns:
        pytest.skip("figures.csv has no contradiction_ids column yet")
    ohchr = (figs["country"] == "KH") & (figs["value_text"] == "around 100,000")
    # A contradiction id of its own (the data may already list C18): appended, not replaced.
    figs.loc[ohchr, "contradiction_ids"] = figs.loc[ohchr, "contradiction_ids"].map(
        lambda ids: ";".join([*filter(None, ids.split(";")), "CX1"])
    )
    later = figs[ohchr].assign(
        figure_id="F99",
        value_low="100000",
        value_high="",
        value_text="at least 100,000",
        qualifier="at_least",
        as_of="2026-01-21",
        source_id="KP1",
        context="",
        disputed_by="",
        contradiction_ids="CX1",
    )
    pd.concat([figs, later]).to_csv(data / "figures.csv", index=False)
    mine = pd.DataFrame(
        {
            "contradiction_id": ["CX1"],
            "topic": ["Cambodia OHCHR figure wording"],
            "country": ["KH"],
            "site_id": [""],
            "source_ids": ["S001;KP1;S005"],
            "note": ["One says around, the other at least."],
        }
    )
    path = data / "contradictions.csv"
    if path.exists():
        mine = pd.concat([pd.read_csv(path, dtype=str, keep_default_na=False), mine])
    mine.to_csv(path, index=False)
    monkeypatch.setenv("ATLAS_DATA_DIR", str(data))
    at = run({"country": "KH"}, panel="People held")
    text = page_text(at)
    blocks = [unescape(m.value) for m in at.markdown]
    heading = blocks.index("**CX1: Cambodia OHCHR figure wording**")
    table = blocks[heading + 1]
    assert table.startswith("| Source |")
    rows = table.splitlines()[2:]
    assert len(rows) == 2  # both sides, never merged or averaged
    assert "“at least 100,000”" in rows[0] and "21 Jan 2026" in rows[0]  # newest first
    assert "“around 100,000”" in rows[1] and "(S001)" in rows[1]
    assert "Also a side:" in text and "(S005)" in text  # a side with no figure row
    assert "What differs: One says around, the other at least." in text
    assert headline(at) == ("around 100,000", "")  # the headline stays OHCHR's words
