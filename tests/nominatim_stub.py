"""A small Nominatim-compatible HTTP server for tests (stdlib only, 127.0.0.1, free port).

``GET /search?q=...`` answers with canned replies per query: JSON bodies, raw text
(malformed JSON), any status code and headers (429 + ``Retry-After``), or a delay
(to make the client time out). Every request is recorded with its arrival time
(``time.monotonic()``) so tests can check spacing, retries and ``Retry-After``.

    with NominatimStub() as stub:
        stub.on("Myawaddy", Reply([place("Myawaddy", 16.689, 98.509, "mm")]))
        ... Nominatim(domain=stub.domain, scheme="http", user_agent="...") ...
        stub.requests  # [Request(time=..., path="/search", params={...}, headers={...})]
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    """One canned answer: ``body`` is JSON-encoded unless it is already str or bytes."""

    body: Any = field(default_factory=list)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering


@dataclass(frozen=True)
class Request:
    time: float  # time.monotonic() when the request arrived
    path: str
    params: dict[str, str]
    headers: dict[str, str]

    @property
    def q(self) -> str | None:
        return self.params.get("q")


def place(
    name: str,
    lat: float,
    lon: float,
    country_code: str,
    display_name: str | None = None,
    addresstype: str = "town",
) -> dict:
    """A Nominatim ``format=json`` search result with ``addressdetails=1``."""
    return {
        "place_id": abs(hash((name, lat, lon))) % 10**8,
        "lat": str(lat),
        "lon": str(lon),
        "class": "place",
        "type": addresstype,
        "addresstype": addresstype,
        "name": name,
        "display_name": display_name or name,
        "address": {"town": name, "country_code": country_code.lower()},
    }


class NominatimStub:
    """Threaded HTTP server answering ``/search`` from per-query reply lists.

    ``on(q, r1, r2, ...)``: the n-th request for ``q`` gets the n-th reply; the last reply
    repeats. A query with no replies gets ``[]`` (nothing found).
    """

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._replies: dict[str, list[Reply]] = {}
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                stub._handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def domain(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    @property
    def url(self) -> str:
        return f"http://{self.domain}"

    def on(self, q: str, *replies: Reply) -> None:
        with self._lock:
            self._replies[q] = list(replies)
            self._served[q] = 0

    def times(self, q: str | None = None) -> list[float]:
        with self._lock:
            return [r.time for r in self.requests if q is None or r.q == q]

    def start(self) -> NominatimStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> NominatimStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next_reply(self, q: str) -> Reply:
        with self._lock:
            replies = self._replies.get(q) or [Reply([])]
            n = self._served.get(q, 0)
            self._served[q] = n + 1
            return replies[min(n, len(replies) - 1)]

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        arrived = time.monotonic()
        parts = urlsplit(handler.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        with self._lock:
            self.requests.append(Request(arrived, parts.path, params, dict(handler.headers)))
        reply = self._next_reply(params.get("q", "")) if parts.path == "/search" else None
        if reply is None:
            reply = Reply({"error": "not found"}, status=404)
        if reply.delay:
            time.sleep(reply.delay)
        body = reply.body
        if not isinstance(body, bytes | str):
            body = json.dumps(body)
        data = body.encode("utf-8") if isinstance(body, str) else body
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)
