"""A minimal page that calls ``apply_theme()`` and draws the secondary text Streamlit fades
(captions, a link in a caption, block quotes, one inside a warning), in the main area and
in the sidebar, so the browser tests can measure their colours on their own.

``ATLAS_THEME=off`` draws the same page without the theme (the "before" picture).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `streamlit run tests/apps/...` puts only this folder first
    sys.path.insert(0, str(ROOT))

from components.ui.theme import apply_theme  # noqa: E402

st.set_page_config(page_title="Theme check", layout="wide")
if os.environ.get("ATLAS_THEME") != "off":
    apply_theme()

st.title("Theme check")
st.caption("A caption in the main area: secondary text.")
st.caption("A caption with [a link to a source](https://example.org/source) in it.")
st.markdown("Body text, then a source's quote:\n\n> A quote from a source, as a block quote.")
st.warning("Disputed: another source says otherwise.\n\n> A quote inside a warning.")
st.metric("A metric", "at least 120,000", delta="around 100,000", delta_color="off")
with st.expander("An expander", expanded=True):
    st.caption("A caption inside an expander.")
tab, _ = st.tabs(["A tab", "Another tab"])
with tab:
    st.caption("A caption inside a tab.")
with st.sidebar:
    st.header("Sidebar")
    st.caption("A caption in the sidebar.")
    st.markdown("> A quote in the sidebar.")
