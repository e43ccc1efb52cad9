"""Paths of Streamlit's server that the atlas does not serve (issue 13).

Streamlit answers ``/_stcore/metrics`` to anyone who can reach the server, with no setting
to turn it off (Streamlit 1.67): open sessions, bytes held by each cached function and by
uploaded files. On a shared atlas that lets one visitor watch another analyst's activity.
:class:`ClosedPaths` is an ASGI middleware that answers such paths with 404 before they
reach Streamlit, from the server's first request on; the app's server file (``app.py``)
puts it in front of Streamlit's own routes.

Import-light on purpose: the server file imports it before Streamlit runs any page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Streamlit's paths the atlas closes, relative to ``server.baseUrlPath``.
CLOSED: tuple[str, ...] = ("_stcore/metrics",)

BODY = b"Not served by Scam Centre Atlas.\n"


class ClosedPaths:
    """ASGI middleware: HTTP requests for ``paths`` get 404 and a one-line text body.

    Parameters
    ----------
    app
        The ASGI application to pass every other request to (Streamlit's).
    paths
        Paths without a leading slash; a request's path is closed when, with any trailing
        slash removed, it ends in ``/`` + one of them (so it holds under any
        ``server.baseUrlPath``). Compared case-sensitively, as Streamlit routes them.

    Websocket and lifespan scopes pass through untouched.
    """

    def __init__(self, app: ASGIApp, paths: Iterable[str] = CLOSED) -> None:
        self.app = app
        self.suffixes = tuple("/" + p.strip("/") for p in paths)

    def closes(self, path: str) -> bool:
        """True when ``path`` (a request's URL path) is one the atlas does not serve."""
        trimmed = path.rstrip("/")
        return any(trimmed.endswith(suffix) for suffix in self.suffixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") == "http" and self.closes(scope.get("path", "")):
            await send(
                {
                    "type": "http.response.start",
                    "status": 404,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(BODY)).encode()),
                        (b"cache-control", b"no-store"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": BODY})
            return
        await self.app(scope, receive, send)
