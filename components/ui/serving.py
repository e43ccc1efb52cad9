"""The server's long-lived resources, shared by every session: the data as served, the
prepared dataset, and the once-per-server set-up (Streamlit ``cache_resource``).

They live in a module, not in ``dashboard.py``: Streamlit decorates a cached function
each time its definition runs and reads its source to key the cache, so each rerun of the
page script read these functions' source again.
"""

from __future__ import annotations

import streamlit as st

from components.analysis.dataset import Prepared, prepare
from components.data import Atlas, fallback
from components.data.cache import cache_dir_from_env, entry_for, load_atlas_cached
from components.data.fallback import Served
from components.data.memory import freeze_long_lived, release_freed_memory
from components.ui.metrics import silence_metrics


# cache_resource, not cache_data: one shared copy, never unpickled per rerun (that costs
# more than the rerun itself at 100,000 sites). Callers treat these frames as read-only.
@st.cache_resource(show_spinner="Loading and checking the data…", max_entries=4)
def load(directory: str, fingerprint: tuple) -> Served:
    """What the page shows for these files: them, or the last version that passed every
    check when they do not (or cannot be read); see components.data.fallback."""
    kept = last_good()
    # On disk too, by content: a restart on unchanged files validates nothing.
    cache = cache_dir_from_env()
    served, good = fallback.serve(
        directory,
        cache,
        load_atlas_cached,
        kept.get(directory),
        entry=lambda version: entry_for(version.sha256, cache),
    )
    if good is not None:
        kept[directory] = good
    release_freed_memory()  # what reading and checking the files freed
    return served


@st.cache_resource(show_spinner=False)
def last_good() -> dict[str, fallback.Good]:
    """Per data folder, the last version that passed every check (held in memory too)."""
    return {}


@st.cache_resource(show_spinner=False, max_entries=4)
def prepared(version: str, _atlas: Atlas) -> Prepared:
    """Per dataset (its data version), once: the published payload and everything else
    filters need."""
    prep = prepare(_atlas)
    freeze_long_lived()  # the dataset and the modules: no rerun's collection walks them
    return prep


@st.cache_resource(show_spinner=False)
def server_once() -> int:
    """Once per server, on its first page: Streamlit's public metrics answer nothing."""
    return silence_metrics()
