"""Shared AppTest set-up: the app's absolute path, fresh caches per test, one run helper.

Import ``fresh_caches`` into a test module to use it (it is autouse there).
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard.py")  # absolute: AppTest resolves relative to the test file


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch, tmp_path):
    # st.cache_data / st.cache_resource outlive AppTest instances within one process.
    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.delenv("ATLAS_DATA_DIR", raising=False)
    # The validated-data cache on disk: a fresh one per test, not the project's.
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(tmp_path / "atlas-cache"))
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
    gc.unfreeze()  # the app freezes what it prepared (memory.freeze_long_lived)


def run(params: dict[str, str | list[str]] | None = None, panel: str | None = None) -> AppTest:
    """Run the app once with these URL query parameters, with the panel column's tab
    ``panel`` open (e.g. "People held"; only the open tab's content runs); fail on a crash."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    if panel:
        at.session_state["panel"] = panel
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("Something went wrong" in e.value for e in at.error), "app crashed"
    return at
