"""AppTest: the people-held headline follows every filter and keeps the sources' words."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from components.analysis.figures import HEADLINE_LABEL, NO_FIGURE

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard.py")  # absolute: AppTest resolves relative to the test file


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch):
    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.delenv("ATLAS_DATA_DIR", raising=False)
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def run(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("Something went wrong" in e.value for e in at.error), "app crashed"
    return at


def headline(at: AppTest):
    found = [m for m in at.metric if m.label == HEADLINE_LABEL]
    assert len(found) == 1, [m.label for m in at.metric]
    return found[0]


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    return "\n".join(parts)


def test_a_search_that_shows_no_site_reports_no_people_number():
    at = run({"q": "zzzz"})
    assert next(m.value for m in at.metric if m.label == "Sites shown") == "0"
    value = headline(at).value
    assert value == NO_FIGURE and not any(ch.isdigit() for ch in value)
    assert "No sites are shown" in page_text(at)
    assert "220,000" not in page_text(at)
    assert any("No sites are shown" in i.value for i in at.info)  # the People held tab


def test_cambodia_headline_keeps_ohchrs_around():
    at = run({"country": "KH"})
    value = headline(at).value
    assert "around 100,000" in value
    assert "≥" not in value and "at least 100,000" not in value
    text = page_text(at)
    assert "≥ 100,000" not in text
    assert "Cambodia: “around 100,000”" in text  # the caption names whose words they are


def test_all_countries_headline_adds_lower_bounds_only():
    at = run()
    value = headline(at).value
    assert value.startswith("at least 120,000")  # Myanmar's lower bound, alone
    assert "around 100,000" in value and "tens of thousands" in value
    assert "220,000" not in value and "≥" not in value


def test_people_tab_keeps_disputes_and_unconfirmed_apart():
    at = run({"country": "KH"})
    assert any(w.value.startswith("Disputed:") for w in at.warning)
    labels = [e.label for e in at.expander]
    assert any(label.startswith("Unconfirmed claims") for label in labels)
    text = page_text(at)
    assert "**National estimates: people held or working in scam operations**" in text
    assert "*Cambodia*, newest first" in text
