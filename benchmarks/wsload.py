"""Load without browsers: many sessions on the app's own websocket protocol (issue 13).

    python -m benchmarks.wsload [--sessions 10,50,100] [--seconds 60] [--replicas 1]
    python -m benchmarks.wsload --soak 600 [--sessions 20]

Each session speaks Streamlit's protocol on ``/_stcore/stream`` as the browser does (a
``rerun_script`` BackMsg with the widget states; ForwardMsgs back until
``script_finished``), so the server does all of a real session's work, without the cost
of drawing pages. A session loops with 3-7 s of think time between actions: choose a
country in the sidebar (a full rerun), choose a site in the table's chooser (a fragment
rerun of the map and side panels, as the page sends it), clear the country; in a soak,
also upload a small CSV of sites (the browser's own steps: a ``file_urls_request``, an
HTTP PUT with the XSRF cookie and header, a rerun with the uploader's state) and check
that its sites are drawn. One
*rerun latency* is from sending the BackMsg to its ``script_finished`` (a session's first
run, its page opening, is reported apart); an exception element, an error banner or a
dropped connection counts as an error.

Prints, per session count: sessions held to the end, reruns, latency p50/p95/max, errors,
the opening run's median and the servers' RSS (VmRSS at the end, VmHWM the peak).
``--replicas 2`` starts two servers on the same read-only data and spreads the sessions
over them round-robin (what a load balancer with sticky sessions does). ``--soak S``
runs one count for S seconds while the data files are edited every minute (a byte
appended to a CSV's last line, then restored), sampling RSS every 30 s and counting
temporary files left in the system temp folder and static/generated. A measurement,
not a test: it exits 0 whatever it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import random
import shutil
import statistics
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from benchmarks.peers import _server_pid, _status_mb
from benchmarks.report import table
from components.data import DEFAULT_DATA_DIR
from tests.harness import run_app

ROOT = Path(__file__).resolve().parents[1]
COUNTRY_LABEL = "Country"
PICK_LABEL = "Open a site from this page"  # components.ui.site_table.PICK_LABEL


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)  # reruns after an action
    opens: list[float] = field(default_factory=list)  # each session's first run
    errors: list[str] = field(default_factory=list)
    held: int = 0
    started: int = 0
    shown: set[str] = field(default_factory=set)  # "Sites shown" values seen (filters work)
    dossiers: int = 0  # "Centre the map on this site" buttons seen (a site opened)
    uploads: int = 0  # uploads whose sites the page then said were on the map


class Session:
    """One analyst's session over a websocket: the widgets it knows and their values."""

    def __init__(self, url: str, stats: Stats, uploads: bool = False) -> None:
        self.base = url
        self.url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.stats = stats
        self.uploads = uploads
        self.session_id = ""
        self.uploader_id: str | None = None
        self.upload_seen = False  # the last run said the uploaded sites are on the map
        self._file_urls: asyncio.Future | None = None
        self.ws = None
        self.country_id: str | None = None
        self.countries: list[str] = []
        self.pick_id: str | None = None
        self.pick_options: list[str] = []
        self.pick_seen = False  # the chooser was drawn by the last run (the Sites tab is open)
        self.tabs_id: str | None = None
        self.fragment = ""  # the map-and-side fragment's id, as the last run drew it

    async def connect(self) -> None:
        self.ws = await websockets.connect(
            self.url, subprotocols=["streamlit"], max_size=None, open_timeout=60
        )

    async def rerun(self, states: list[tuple[str, str, object]], fragment: str = "") -> float:
        """Send one rerun with these widget states (id, value kind, value); seconds to
        its ``script_finished``. Raises on a dropped connection."""
        msg = BackMsg()
        client = msg.rerun_script
        client.query_string = ""
        client.page_script_hash = ""
        if fragment:
            client.fragment_id = fragment
        for widget_id, kind, value in states:
            state = client.widget_states.widgets.add()
            state.id = widget_id
            if kind == "string_array_value":
                state.string_array_value.data.extend(value)
            elif kind == "file_uploader_state_value":
                state.file_uploader_state_value.CopyFrom(value.file_uploader_state_value)
            else:
                setattr(state, kind, value)
        self.pick_seen = False
        self.upload_seen = False
        started = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        while True:
            fwd = await self._next()
            if fwd.WhichOneof("type") == "script_finished":
                return time.perf_counter() - started

    async def _next(self) -> ForwardMsg:
        raw = await asyncio.wait_for(self.ws.recv(), timeout=120)
        fwd = ForwardMsg()
        fwd.ParseFromString(raw)
        kind = fwd.WhichOneof("type")
        if kind == "delta":
            self._read(fwd)
        elif kind == "new_session":
            self.session_id = fwd.new_session.initialize.session_id or self.session_id
        elif kind == "file_urls_response" and self._file_urls and not self._file_urls.done():
            self._file_urls.set_result(fwd.file_urls_response)
        return fwd

    async def upload(self, name: str, body: bytes) -> float:
        """Upload ``body`` as the browser does, then rerun with the uploader holding it;
        seconds from the file-URL request to that rerun's end."""
        started = time.perf_counter()
        msg = BackMsg()
        msg.file_urls_request.request_id = f"r{random.getrandbits(32)}"
        msg.file_urls_request.file_names.append(name)
        msg.file_urls_request.session_id = self.session_id
        self._file_urls = asyncio.get_running_loop().create_future()
        await self.ws.send(msg.SerializeToString())
        while not self._file_urls.done():
            await self._next()
        urls = self._file_urls.result()
        if urls.error_msg or not urls.file_urls:
            raise RuntimeError(f"no upload URL: {urls.error_msg}")
        target = urls.file_urls[0]
        await asyncio.to_thread(_put_file, self.base, target.upload_url, name, body)
        state = WidgetState()
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.name, info.size, info.file_id = name, len(body), target.file_id
        info.file_urls.CopyFrom(target)
        await self.rerun([(self.uploader_id, "file_uploader_state_value", state)])
        if not self.upload_seen:
            raise RuntimeError("the uploaded sites were not said to be on the map")
        self.stats.uploads += 1
        return time.perf_counter() - started

    def _read(self, fwd: ForwardMsg) -> None:
        delta = fwd.delta
        if delta.fragment_id:  # a full run may give the fragment a new id (a banner above)
            self.fragment = delta.fragment_id
        if delta.WhichOneof("type") == "add_block":
            if delta.add_block.WhichOneof("type") == "tab_container":
                self.tabs_id = delta.add_block.tab_container.id or self.tabs_id
            return
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        which = element.WhichOneof("type")
        if which == "exception":
            self.stats.errors.append(f"exception: {element.exception.message[:120]}")
        elif which == "alert" and "Something went wrong" in element.alert.body:
            self.stats.errors.append("error banner: " + element.alert.body[:120])
        elif which == "metric" and element.metric.label == "Sites shown":
            self.stats.shown.add(element.metric.body)
        elif which == "button" and element.button.label == "Centre the map on this site":
            self.stats.dossiers += 1
        elif which == "file_uploader":
            self.uploader_id = element.file_uploader.id
        elif which == "alert" and "of your sites" in element.alert.body:
            self.upload_seen = "on the map" in element.alert.body
        elif which == "multiselect" and element.multiselect.label == COUNTRY_LABEL:
            self.country_id = element.multiselect.id
            self.countries = list(element.multiselect.options)
        elif which == "selectbox" and element.selectbox.label == PICK_LABEL:
            self.pick_id = element.selectbox.id
            self.pick_seen = True
            self.pick_options = [o for o in element.selectbox.options if " · " in o]

    async def run(self, until: float, rng: random.Random) -> None:
        self.stats.started += 1
        try:
            await self.connect()
            self.stats.opens.append(await self.rerun([]))
            while time.monotonic() < until:
                await asyncio.sleep(rng.uniform(3, 7))
                actions = ("country", "site", "clear", "upload")
                action = rng.choice(actions if self.uploads else actions[:3])
                if action == "upload" and self.uploader_id and self.session_id:
                    name = f"soak-{rng.getrandbits(24):06x}.csv"
                    self.stats.latencies.append(await self.upload(name, UPLOAD_CSV))
                elif action == "country" and self.country_id and self.countries:
                    states = [(self.country_id, "string_array_value", [rng.choice(self.countries)])]
                    self.stats.latencies.append(await self.rerun(states))
                elif action == "site" and self.pick_id:
                    if not self.pick_seen and self.tabs_id:  # back to the table first
                        tab = [(self.tabs_id, "string_value", "Sites")]
                        self.stats.latencies.append(await self.rerun(tab, self.fragment))
                    if self.pick_seen and self.pick_options:
                        pick = [(self.pick_id, "string_value", rng.choice(self.pick_options))]
                        self.stats.latencies.append(await self.rerun(pick, self.fragment))
                elif self.country_id:
                    states = [(self.country_id, "string_array_value", [])]
                    self.stats.latencies.append(await self.rerun(states))
            self.stats.held += 1
        except Exception as exc:  # noqa: BLE001 - a dropped session is a measured error
            self.stats.errors.append(f"{type(exc).__name__}: {str(exc)[:120]}")
        finally:
            if self.ws is not None:
                await self.ws.close()


def _cpu_s(pid: int | None) -> float:
    """CPU seconds (user + system) the process has used so far, from /proc; 0.0 if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int | None) -> tuple[float, float]:
    """(VmRSS, VmHWM) of ``pid`` in MB; (0, 0) when unknown."""
    return _status_mb(pid, "VmRSS") or 0.0, _status_mb(pid, "VmHWM") or 0.0


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# An analyst's small list of sites in the atlas's own columns (no mapping step, no
# geocoding): 20 rows around Mae Sot / Myawaddy.
UPLOAD_CSV = (
    "site_id,name,lat,lon,country,zone_type,precision,confidence\n"
    + "".join(
        f"soak{i},Soak compound {i},{16.69 + i * 0.001:.4f},{98.51 + i * 0.001:.4f},"
        "MM,compound,compound,low\n"
        for i in range(20)
    )
).encode()


def _put_file(base: str, upload_url: str, name: str, body: bytes) -> None:
    """PUT one file to Streamlit's upload endpoint as the browser does: multipart form,
    the XSRF cookie from ``/_stcore/health`` and the same token in ``X-Xsrftoken``."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request("GET", "/_stcore/health")
        health = conn.getresponse()
        health.read()
        cookie = SimpleCookie(health.getheader("Set-Cookie") or "")
        token = cookie["_streamlit_xsrf"].value if "_streamlit_xsrf" in cookie else ""
        boundary = f"soak{random.getrandbits(64):016x}"
        form = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{name}"\r\nContent-Type: text/csv\r\n\r\n'
            ).encode()
            + body
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Cookie": f"_streamlit_xsrf={token}",
            "X-Xsrftoken": token,
        }
        path = upload_url if upload_url.startswith("/") else urlsplit(upload_url).path
        conn.request("PUT", path, body=form, headers=headers)
        answer = conn.getresponse()
        text = answer.read()
        if answer.status >= 300:
            raise RuntimeError(f"upload PUT answered {answer.status}: {text[:120]!r}")
    finally:
        conn.close()


async def _load(
    urls: list[str], sessions: int, seconds: float, seed: int, uploads: bool = False
) -> Stats:
    stats = Stats()
    until = time.monotonic() + seconds
    rng = random.Random(seed)
    tasks = []
    for n in range(sessions):
        session = Session(urls[n % len(urls)], stats, uploads)
        tasks.append(asyncio.create_task(session.run(until, random.Random(rng.random()))))
        await asyncio.sleep(0.05)  # arrivals spread over a few seconds, as people come
    await asyncio.gather(*tasks)
    return stats


def _temp_files() -> int:
    generated = ROOT / "static" / "generated"
    parts = list(generated.glob("*.part")) if generated.is_dir() else []
    mine = [p for p in Path(tempfile.gettempdir()).glob("atlas-upload-*")]
    return len(parts) + len(mine)


async def _soak(urls, sessions, seconds, data: Path, pids) -> list[list[str]]:
    samples = []
    task = asyncio.create_task(_load(urls, sessions, seconds, seed=7, uploads=True))
    started = time.monotonic()
    edits = 0
    target = data / "events.csv"
    original = target.read_bytes()
    while not task.done():
        await asyncio.sleep(30)
        elapsed = time.monotonic() - started
        if int(elapsed // 60) > edits:  # once a minute: an edit, then the original back
            edits += 1
            target.write_bytes(original if edits % 2 == 0 else original.rstrip() + b" \n")
        rss = [_rss_mb(pid)[0] for pid in pids]
        samples.append([f"{elapsed:.0f}", ", ".join(f"{r:.0f}" for r in rss), str(_temp_files())])
    target.write_bytes(original)
    stats = task.result()
    print(f"soak: {len(stats.latencies)} reruns, {len(stats.errors)} errors, "
          f"{stats.held}/{stats.started} sessions held, {edits} data edits, "
          f"{stats.uploads} uploads drawn")  # fmt: skip
    for error in stats.errors[:5]:
        print("  error:", error)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.wsload")
    parser.add_argument("--sessions", default="10,50,100")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--soak", type=float, default=0.0, help="seconds of soak (one count)")
    parser.add_argument(
        "--script",
        default="app.py",
        help="what the servers run: app.py (as ./run.sh) or dashboard.py",
    )
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.sessions.split(",")]
    print(
        f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}; "
        f"servers run {args.script}"
    )
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        data = Path(tmp) / "data"
        shutil.copytree(DEFAULT_DATA_DIR, data)
        env = {"ATLAS_CACHE_DIR": str(Path(tmp) / "cache")}
        urls = [
            stack.enter_context(run_app(data, env=env, script=args.script))
            for _ in range(args.replicas)
        ]
        pids = [_server_pid(int(u.rsplit(":", 1)[1])) for u in urls]
        if args.soak:
            samples = asyncio.run(_soak(urls, counts[0], args.soak, data, pids))
            print(table(["s", "server RSS (MB)", "temp files"], samples))
            return 0
        rows = []
        for count in counts:
            cpu_before = sum(_cpu_s(pid) for pid in pids)
            stats = asyncio.run(_load(urls, count, args.seconds, seed=count))
            cpu = sum(_cpu_s(pid) for pid in pids) - cpu_before
            rss = [_rss_mb(pid) for pid in pids]
            lat = stats.latencies
            rows.append(
                [
                    f"{count} x {args.replicas}" if args.replicas > 1 else str(count),
                    f"{stats.held}/{stats.started}",
                    str(len(lat)),
                    f"{statistics.median(lat):.2f}" if lat else "",
                    f"{_pct(lat, 0.95):.2f}",
                    f"{max(lat):.2f}" if lat else "",
                    str(len(stats.errors)),
                    f"{statistics.median(stats.opens):.2f}" if stats.opens else "",
                    f"{1000 * cpu / len(lat):.0f}" if lat else "",
                    " / ".join(f"{now:.0f} ({peak:.0f})" for now, peak in rss),
                ]
            )
            for error in stats.errors[:3]:
                print(f"  {count} sessions, error: {error}")
            print(
                f"  {count} sessions: 'Sites shown' took {len(stats.shown)} values "
                f"({', '.join(sorted(stats.shown, key=len)[:6])}); {stats.dossiers} dossiers drawn"
            )
        headers = ["sessions", "held", "reruns", "p50 s", "p95 s", "max s", "errors"]
        print(table([*headers, "open p50 s", "server CPU ms/rerun", "server RSS MB (peak)"], rows))
        print(f"load average at the end {os.getloadavg()[0]:.1f}; {args.seconds:.0f} s per count")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
