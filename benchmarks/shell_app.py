"""The floor's Streamlit shell: a page with one empty component frame and nothing else.

``python -m benchmarks`` times page open -> this frame in the DOM (with its document
loaded): what any Streamlit map component costs before it draws anything.
"""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

st.set_page_config(page_title="Shell", layout="wide")
components.html("<div id='empty'></div>", height=700)
