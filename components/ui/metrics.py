"""Streamlit's ``/_stcore/metrics`` endpoint, answered with nothing (issue 13).

Streamlit serves ``/_stcore/metrics`` to anyone who can reach the server, with no setting
to turn it off (Streamlit 1.67): the number of open sessions, the bytes held by each
cached function and by uploaded files. On a shared atlas that lets one visitor watch
another analyst's activity (an upload of 180 KB arriving, sessions coming and going),
which the atlas promises not to allow. :func:`silence_metrics` takes every statistics
provider off the server's statistics manager, so the endpoint answers an empty page.

Streamlit-specific (its runtime's statistics manager); the app calls it once per server,
on the first page. Served through ``app.py`` (as ``./run.sh`` does) the path answers 404
from the first request on (:mod:`components.ui.closed`) and this is a second lock; run as
``streamlit run dashboard.py`` it is the only one. Deployments should still block the path
at their proxy (README).
"""

from __future__ import annotations

import logging

log = logging.getLogger("atlas")


def silence_metrics() -> int:
    """Remove every provider behind ``/_stcore/metrics`` from the running server.

    Returns how many metric families were removed: 0 when there is no running server
    (a bare script, AppTest) or they were removed before. Never raises: a Streamlit
    whose statistics manager is not as expected is logged with a warning.
    """
    try:
        from streamlit.runtime import Runtime

        if not Runtime.exists():
            return 0
        families = getattr(Runtime.instance().stats_mgr, "_providers_by_family", None)
        if not isinstance(families, dict):
            log.warning("Streamlit's metrics could not be turned off: block /_stcore/metrics")
            return 0
        removed = len(families)
        families.clear()
        return removed
    except Exception as exc:  # noqa: BLE001 - a privacy measure must never stop the page
        log.warning("Streamlit's metrics could not be turned off (%s): block them", exc)
        return 0
