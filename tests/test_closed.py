"""components.ui.closed and app.py: Streamlit's metrics path is closed from the first request.

The middleware is driven through its ASGI interface (the browser test
``test_upload_browser`` reads the path from a real server).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from components.ui.closed import BODY, CLOSED, ClosedPaths
from tests.harness import ROOT


def _call(path: str, kind: str = "http") -> tuple[list[dict], list[dict]]:
    """(what the middleware sent, the scopes it passed on) for one request to ``path``."""
    passed: list[dict] = []
    sent: list[dict] = []

    async def inner(scope, receive, send):
        passed.append(scope)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    middleware = ClosedPaths(inner, CLOSED)
    # As a server gives it: the decoded path, and the raw one (here percent-encoded).
    scope = {"type": kind, "path": path, "raw_path": path.replace("m", "%6d").encode()}
    # On a thread of its own: the browser tests' Playwright keeps an event loop running
    # on the main thread for the whole session.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, middleware(scope, receive, send)).result()
    return sent, passed


@pytest.mark.parametrize(
    "path",
    ["/_stcore/metrics", "/_stcore/metrics/", "/atlas/_stcore/metrics", "/a/b/_stcore/metrics/"],
)
def test_the_metrics_path_gets_404_under_any_base_path(path):
    sent, passed = _call(path)
    assert passed == []  # Streamlit never sees it
    assert sent[0]["type"] == "http.response.start"
    assert sent[0]["status"] == 404
    assert sent[1] == {"type": "http.response.body", "body": BODY}
    headers = dict(sent[0]["headers"])
    assert headers[b"content-length"] == str(len(BODY)).encode()


@pytest.mark.parametrize(
    "path",
    ["/", "/_stcore/health", "/_stcore/metricsx", "/_stcore/metrics.txt", "/app/static/x.js"],
)
def test_every_other_path_reaches_streamlit(path):
    sent, passed = _call(path)
    assert sent == []
    assert [scope["path"] for scope in passed] == [path]


def test_websockets_and_lifespan_pass_through():
    for kind in ("websocket", "lifespan"):
        sent, passed = _call("/_stcore/metrics", kind)
        assert sent == [] and len(passed) == 1


def test_streamlit_run_finds_the_app_in_app_py():
    """``streamlit run app.py`` serves the App only if Streamlit's discovery (an AST
    read of the file) finds it; otherwise it would run app.py itself as a blank page."""
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(ROOT / "app.py")
    assert found.is_asgi_app
    assert found.import_string == "app:app"


def test_app_py_serves_the_dashboard_behind_the_middleware():
    import app

    assert app.app._resolve_script_path() == ROOT / "dashboard.py"
    assert [(m.cls, m.kwargs) for m in app.app._user_middleware] == [
        (ClosedPaths, {"paths": CLOSED})
    ]
    assert CLOSED == ("_stcore/metrics",)
