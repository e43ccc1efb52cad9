"""A minimal page wiring the site table alone (for AppTest and browser checks).

Serves ``ATLAS_DATA_DIR`` (default ``data/``) with every reported site shown and every
event counted, and prints the selected site so a test can read it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import streamlit as st

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `streamlit run tests/apps/...` puts only this folder first
    sys.path.insert(0, str(ROOT))

from components.analysis.dataset import Prepared, prepare  # noqa: E402
from components.data import DEFAULT_DATA_DIR, Atlas, load_atlas  # noqa: E402
from components.ui import state  # noqa: E402
from components.ui.site_table import site_table_panel  # noqa: E402
from components.ui.theme import apply_theme  # noqa: E402

AS_OF = "2026-11-30"


@st.cache_resource(show_spinner=False)
def data(directory: str) -> tuple[Atlas, Prepared]:
    atlas = load_atlas(Path(directory)).atlas
    return atlas, prepare(atlas)


apply_theme()  # as the dashboard does (readable captions)
atlas, prep = data(os.environ.get("ATLAS_DATA_DIR") or str(DEFAULT_DATA_DIR))
status = prep.status.at(AS_OF)
mask = status.reported.copy()
ev_mask = np.ones(len(atlas.events), dtype=bool)
site_table_panel(prep, atlas.locations, mask, status, ev_mask)
st.markdown(f"Selected site: `{st.session_state.get(state.SITE) or 'none'}`")
st.markdown(f"Selection version: `{st.session_state.get(state.SEL_VERSION, 0)}`")
