"""Scam Centre Atlas's server: Streamlit's ``App`` around ``dashboard.py``.

``./run.sh`` starts it with ``streamlit run app.py``; Streamlit sees the ``App`` below and
serves ``dashboard.py`` through it, with the same ``.streamlit/config.toml`` and flags.
The ``App`` lets the atlas put a middleware in front of Streamlit's own routes:
``/_stcore/metrics`` answers 404 from the server's first request on
(:mod:`components.ui.closed`). ``streamlit run dashboard.py`` still works; there the
metrics are emptied from the first page on instead (:mod:`components.ui.metrics`).
"""

from pathlib import Path

from starlette.middleware import Middleware
from streamlit import App

from components.ui.closed import CLOSED, ClosedPaths

app = App(
    Path(__file__).resolve().with_name("dashboard.py"),
    middleware=[Middleware(ClosedPaths, paths=CLOSED)],
)
