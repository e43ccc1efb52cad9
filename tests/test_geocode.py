"""The geocoder (components/geocode.py) over real HTTP against a local Nominatim stub.

The stub (tests/nominatim_stub.py) runs on 127.0.0.1 and records each request with its
arrival time, so rate limiting, retries and Retry-After are checked from what the
server saw. The gazetteer provider is checked with the network switched off.
"""

from __future__ import annotations

import codecs
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from components.data import LOCATIONS, read_csv
from components.geocode import (
    DEFAULT_USER_AGENT,
    Gazetteer,
    GeocodeCache,
    Provider,
    geocode_frame,
    geocoder,
    main,
    make_geocoder,
)
from components.geocode.geocoder import _write_atomic
from tests.nominatim_stub import NominatimStub, Reply, place

REPO = Path(__file__).resolve().parents[1]

MYAWADDY = place("Myawaddy", 16.68911, 98.50893, "mm", "Myawaddy, Kayin State, Myanmar")
BAVET = place("Bavet", 11.06317, 106.13557, "kh", "Bavet, Svay Rieng, Cambodia")
POIPET = place("Poipet", 13.65805, 102.56365, "kh", "Poipet, Banteay Meanchey, Cambodia")
MAE_SOT = place("Mae Sot", 16.71667, 98.56667, "th", "Mae Sot, Tak, Thailand")


def row(site_id: str, name: str, country: str, **cells: str) -> dict[str, str]:
    base = dict.fromkeys(LOCATIONS.names, "")
    base.update(site_id=site_id, name=name, country=country, zone_type="border_town")
    base.update(cells)
    return base


def write_csv(path: Path, rows: list[dict[str, str]], *, bom: bool = False, crlf: bool = False):
    text = pd.DataFrame(rows, columns=LOCATIONS.names).to_csv(
        index=False, lineterminator="\r\n" if crlf else "\n"
    )
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8"))
    return path


def records(path: Path) -> list[dict[str, str]]:
    return read_csv(path, path.name).to_dict("records")


@pytest.fixture
def stub():
    with NominatimStub() as server:
        yield server


@pytest.fixture
def geocode_cli(stub, tmp_path, capsys):
    """Run the CLI in-process against the stub; returns (exit code, stdout, stderr)."""

    def run(csv: Path, *extra: str) -> tuple[int, str, str]:
        args = [str(csv), "--nominatim-url", stub.url, "--cache", str(tmp_path / "cache.json")]
        code = main([*args, "--max-retries", "0", *extra])
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    return run


def test_success_writes_coordinates_and_provenance_and_keeps_the_rest(stub, geocode_cli, tmp_path):
    stub.on("Myawaddy", Reply([MYAWADDY]))
    done = row("kk", "KK Park", "MM", lat="16.647556", lon="98.520722", precision="compound")
    done["note"] = 'Line one,\nline "two"'  # quoted comma, quote and line break survive
    todo = row("myawaddy", "Myawaddy", "MM", aliases="Myawadi", coord_evidence="keep me")
    csv = write_csv(tmp_path / "locations.csv", [done, todo], bom=True, crlf=True)

    code, out, _ = geocode_cli(csv)

    assert code == 0, out
    assert "row 3 'Myawaddy': 16.689110, 98.508930" in out
    assert "1 row(s) geocoded, 0 left unresolved, 1 already had coordinates" in out
    after = records(csv)
    assert after[0] == done
    got = after[1]
    assert (float(got["lat"]), float(got["lon"])) == (16.68911, 98.50893)
    assert got["coord_source"].startswith(f"geocoded: nominatim ({stub.url}) query='Myawaddy'")
    assert "matched='Myawaddy, Kayin State, Myanmar' on 20" in got["coord_source"]
    assert (got["precision"], got["confidence"], got["coord_evidence"]) == (
        "town",
        "low",
        "keep me",
    )
    assert {k: v for k, v in got.items() if k not in ("lat", "lon", "coord_source")} | {
        "precision": "",
        "confidence": "",
    } == {k: v for k, v in todo.items() if k not in ("lat", "lon", "coord_source")}
    raw = csv.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8) and raw.count(b"\r\n") == 3  # header + 2 rows
    [request] = stub.requests
    assert request.path == "/search" and request.q == "Myawaddy"
    assert request.params["countrycodes"] == "mm" and request.params["addressdetails"] == "1"
    assert request.headers["User-Agent"] == DEFAULT_USER_AGENT


@pytest.mark.parametrize(
    "hit, expected",
    [
        (MAE_SOT, "rejected 'Myawaddy' -> 'Mae Sot, Tak, Thailand', which is in TH, not MM"),
        # Says Myanmar, but the point is in Bangkok: the outline check rejects it.
        (place("Myawaddy", 13.75, 100.5, "mm", "Fake"), "km outside MM (tolerance 3 km)"),
    ],
)
def test_a_hit_in_another_country_is_rejected_and_nothing_is_written(
    stub, geocode_cli, tmp_path, hit, expected
):
    stub.on("Myawaddy", Reply([hit]))
    csv = write_csv(tmp_path / "locations.csv", [row("m", "Myawaddy", "MM")])
    before = csv.read_bytes()

    code, out, _ = geocode_cli(csv)

    assert code == 1
    assert "locations.csv, row 2 'Myawaddy': " in out and expected in out
    assert "0 row(s) geocoded, 1 left unresolved" in out
    assert csv.read_bytes() == before


@pytest.mark.parametrize(
    "reply, extra, expected",
    [
        (Reply([]), (), "nothing found in MM for 'Myawaddy'; left blank"),
        (Reply("oops", status=500), (), "failed with HTTP 500 (server error)"),
        (Reply("busy", status=503), (), "answered HTTP 503 (unavailable or overloaded)"),
        (Reply("{not json", status=200), (), "sent an answer that is not valid JSON"),
        (Reply([{"lat": "abc", "lon": "1"}]), (), "not in Nominatim's format"),
        (Reply([MYAWADDY], delay=1.5), ("--timeout", "0.5"), "did not answer within 0.5 s"),
        (
            Reply([], status=429, headers={"Retry-After": "3600"}),
            ("--max-retries", "2"),
            "asked us to wait 3600 s (more than 60 s); run again later",
        ),
    ],
    ids=[
        "empty",
        "http500",
        "http503",
        "malformed_json",
        "wrong_shape_json",
        "timeout",
        "retry_after_too_long",
    ],
)
def test_each_failure_gives_a_clear_row_message_and_exit_1(
    stub, geocode_cli, tmp_path, reply, extra, expected
):
    stub.on("Myawaddy", reply)
    csv = write_csv(tmp_path / "locations.csv", [row("m", "Myawaddy", "MM")])
    before = csv.read_bytes()

    started = time.monotonic()
    code, out, _ = geocode_cli(csv, *extra)

    assert code == 1
    [line] = [ln for ln in out.splitlines() if "row 2" in ln]
    assert line.startswith("[1/1] locations.csv, row 2 'Myawaddy': ") and expected in line
    assert "1 left unresolved" in out
    assert csv.read_bytes() == before
    assert len(stub.requests) == 1  # no retries asked for; a long Retry-After is not waited
    assert time.monotonic() - started < 5  # a 3600 s Retry-After is not waited out


def test_server_errors_are_retried_as_configured_then_reported(stub, geocode_cli, tmp_path):
    stub.on("Myawaddy", Reply("oops", status=500))
    csv = write_csv(tmp_path / "locations.csv", [row("m", "Myawaddy", "MM")])

    code, out, _ = geocode_cli(csv, "--max-retries", "1", "--retry-wait", "1")

    assert code == 1 and "HTTP 500" in out
    first, second = stub.times("Myawaddy")
    assert second - first >= 1.0


def test_http_429_retry_after_is_honoured(stub, geocode_cli, tmp_path):
    # Retry-After (2 s) is longer than both the rate limit and --retry-wait (1 s), so a
    # client that ignored it would come back too early.
    stub.on("Myawaddy", Reply([], status=429, headers={"Retry-After": "2"}), Reply([MYAWADDY]))
    csv = write_csv(tmp_path / "locations.csv", [row("m", "Myawaddy", "MM")])

    code, out, _ = geocode_cli(csv, "--max-retries", "1", "--retry-wait", "1")

    assert code == 0, out
    first, second = stub.times("Myawaddy")
    assert second - first >= 2.0
    assert float(records(csv)[0]["lat"]) == 16.68911


def test_requests_are_at_least_one_second_apart(stub, geocode_cli, tmp_path):
    for q, hit in (("Myawaddy", MYAWADDY), ("Bavet", BAVET), ("Poipet", POIPET)):
        stub.on(q, Reply([hit]))
    rows = [
        row("m", "Myawaddy", "MM"),
        row("b", "Bavet", "KH", precision="district", confidence="high"),
        row("p", "Poipet", "KH"),
    ]
    csv = write_csv(tmp_path / "locations.csv", rows)

    code, out, _ = geocode_cli(csv)

    assert code == 0, out
    times = stub.times()
    assert len(times) == 3
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 1.0, gaps
    bavet = records(csv)[1]
    # Its coarser precision is kept; an automatic match is unverified, and the row says so.
    assert (bavet["precision"], bavet["confidence"]) == ("district", "low")
    assert "confidence lowered from high to low" in bavet["coord_source"]


def test_a_second_run_is_answered_from_the_cache(stub, geocode_cli, tmp_path):
    stub.on("Myawaddy", Reply([MYAWADDY]))
    rows = [row("m", "Myawaddy", "MM"), row("x", "Nowhere", "MM")]
    csv = write_csv(tmp_path / "locations.csv", rows)
    assert geocode_cli(csv)[0] == 1  # Nowhere is not found
    assert len(stub.requests) == 2
    first = records(csv)

    write_csv(csv, rows)  # blank again: everything must come from the cache
    code, out, _ = geocode_cli(csv)

    assert code == 1 and "nothing found in MM for 'Nowhere'" in out
    assert len(stub.requests) == 2  # no new request, for the hit or the "not found"
    assert records(csv) == first


def test_sigkill_mid_run_leaves_an_intact_file_and_a_rerun_completes(stub, tmp_path):
    stub.on("Myawaddy", Reply([MYAWADDY]))
    stub.on("Bavet", Reply([BAVET], delay=30), Reply([BAVET]))  # hangs on the first try
    stub.on("Poipet", Reply([POIPET]))
    rows = [row("m", "Myawaddy", "MM"), row("b", "Bavet", "KH"), row("p", "Poipet", "KH")]
    csv = write_csv(tmp_path / "locations.csv", rows, crlf=True)
    command = [sys.executable, "-m", "components.geocode", str(csv), "--nominatim-url"]
    command += [stub.url, "--cache", str(tmp_path / "cache.json"), "--timeout", "60"]

    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while not stub.times("Bavet") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert stub.times("Bavet"), "the CLI never asked for the second row"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.communicate()

    after = records(csv)
    assert [r["site_id"] for r in after] == ["m", "b", "p"]
    assert float(after[0]["lat"]) == 16.68911
    assert [(r["lat"], r["lon"]) for r in after[1:]] == [("", ""), ("", "")]
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]

    rerun = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)

    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "2 row(s) geocoded, 0 left unresolved, 1 already had coordinates" in rerun.stdout
    assert all(r["lat"] and r["lon"] for r in records(csv))
    assert len(stub.times("Myawaddy")) == 1  # the completed row was not asked again


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the gazetteer must not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_gazetteer_resolves_offline_and_rejects_other_countries(tmp_path, capsys, no_network):
    rows = [
        row("m", "Myawaddy", "MM"),
        row("b", "BAVET", "KH"),  # case-insensitive
        row("l", "Mong La Special Region", "MM", aliases="Special Region 4; Möng La"),
        row("s", "Mae Sot", "MM"),  # a Thai town, not in Myanmar
    ]
    csv = write_csv(tmp_path / "locations.csv", rows)
    cache = tmp_path / "cache.json"

    code = main([str(csv), "--provider", "gazetteer", "--cache", str(cache)])
    out, err = capsys.readouterr()

    assert code == 1, out + err
    got = records(csv)
    assert float(got[0]["lat"]) == pytest.approx(16.689, abs=0.01)
    assert float(got[0]["lon"]) == pytest.approx(98.509, abs=0.01)
    assert float(got[1]["lat"]) == pytest.approx(11.063, abs=0.01)
    assert float(got[1]["lon"]) == pytest.approx(106.136, abs=0.01)
    assert float(got[2]["lat"]) == pytest.approx(21.671, abs=0.01)  # Möng La, not Mengla (CN)
    assert "query='Möng La'" in got[2]["coord_source"]
    assert got[0]["coord_source"].startswith("geocoded: gazetteer (GeoNames cities500")
    assert (got[3]["lat"], got[3]["lon"], got[3]["coord_source"]) == ("", "", "")
    assert "row 5 'Mae Sot': nothing found in MM for 'Mae Sot'" in out
    assert "3 row(s) geocoded, 1 left unresolved" in out


def test_gazetteer_is_restricted_to_the_country_and_prefers_the_most_populous():
    gazetteer = Gazetteer()
    assert gazetteer.geocode("Mae Sot", country_codes="MM") is None
    thai = gazetteer.geocode("mae sot", country_codes="th")
    assert thai.raw["address"]["country_code"] == "th"
    assert (thai.latitude, thai.longitude) == pytest.approx((16.717, 98.567), abs=0.01)
    several = gazetteer.geocode("Poipet", country_codes=["KH"], exactly_one=False)
    populations = [loc.raw["population"] for loc in several]
    assert populations == sorted(populations, reverse=True)


def test_geocode_frame_api_on_a_validated_frame():
    """The app's path: floats for lat/lon, spreadsheet row numbers, a progress callback."""
    frame = pd.DataFrame([row("m", "Myawaddy", "MM"), row("x", "Myawaddy", "XX")])
    frame["lat"] = [float("nan"), float("nan")]
    frame["lon"] = [float("nan"), float("nan")]
    calls = []
    location = Gazetteer().geocode("Myawaddy", country_codes="MM")
    fake = Provider("fake", "fake", lambda query, **kw: calls.append(kw) or location)
    seen = []

    report = geocode_frame(
        frame, fake, row_numbers=[7, 9], today="2026-11-22", on_progress=seen.append
    )

    assert calls == [{"exactly_one": True, "country_codes": "mm", "addressdetails": True}]
    assert report.frame.loc[0, "lat"] == pytest.approx(16.689, abs=0.01)
    assert report.frame.loc[0, "coord_source"].endswith("on 2026-11-22")
    assert pd.isna(frame.loc[0, "lat"])  # the input frame is not modified
    assert [(r.row, r.status) for r in report.results] == [(7, "resolved"), (9, "failed")]
    assert "not an ISO alpha-2 code" in str(report.results[1])
    assert [(p.done, p.total) for p in seen] == [(1, 2), (2, 2)]
    assert not report.ok


def test_service_down_stops_after_three_rows_in_a_row(tmp_path):
    def down(query, **kwargs):
        from geopy.exc import GeocoderUnavailable

        raise GeocoderUnavailable("Connection refused")

    frame = read_csv(write_csv(tmp_path / "l.csv", [row(f"s{i}", "X", "MM") for i in range(5)]), "")
    report = geocode_frame(frame, Provider("down", "down", down), cache=GeocodeCache())

    assert [r.status for r in report.results] == ["failed"] * 3 + ["skipped"] * 2
    assert "could not connect to down (connection refused)" in report.results[0].message


@pytest.mark.parametrize(
    "content, expected",
    [
        (None, "locations.csv: file not found in the data folder"),
        (b"", "locations.csv: the file is empty"),
        (b"name,country\n\x81\x8d,MM\n", "locations.csv: not UTF-8 text"),
        (b"name,country\nMyawaddy,MM\n", "locations.csv: missing column(s): lat, lon"),
    ],
    ids=["missing", "empty", "not_utf8", "missing_columns"],
)
def test_unusable_csv_gives_one_line_and_exit_2(tmp_path, capsys, content, expected):
    csv = tmp_path / "locations.csv"
    if content is not None:
        csv.write_bytes(content)

    code = main([str(csv), "--cache", str(tmp_path / "cache.json")])
    out, err = capsys.readouterr()

    assert code == 2
    assert out == "" and err.count("\n") == 1 and expected in err


@pytest.mark.parametrize("crash_in", ["fsync", "replace"])
def test_a_crash_while_writing_leaves_the_old_file(tmp_path, monkeypatch, crash_in):
    csv = write_csv(tmp_path / "locations.csv", [row("m", "Myawaddy", "MM")])
    before = csv.read_bytes()
    new = before.replace(b",,", b",16.7,", 1)  # any other bytes

    def crash(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, crash_in, crash)
    with pytest.raises(KeyboardInterrupt):
        _write_atomic(csv, new)

    assert csv.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["locations.csv"]  # no temp file left


def test_nothing_to_do_exits_0(tmp_path, capsys):
    csv = write_csv(tmp_path / "locations.csv", [row("m", "M", "MM", lat="1", lon="2")])
    assert main([str(csv), "--cache", str(tmp_path / "c.json")]) == 0
    assert "nothing to do" in capsys.readouterr().out


@pytest.mark.parametrize(
    "entry",
    [
        "garbage",
        {"found": True},
        {"found": True, "hit": "16.6,98.5"},
        {"found": True, "hit": {"lat": "north", "lon": 98.5}},
        {"found": True, "hit": {"lat": 16.6, "lon": 98.5, "address": 7}},
        {"found": "yes"},
        None,
    ],
    ids=[
        "text",
        "no_hit",
        "hit_text",
        "lat_text",
        "address_number",
        "found_text",
        "null",
    ],
)
def test_a_corrupt_cache_entry_is_asked_again_with_a_warning(stub, tmp_path, entry):
    """Issue 13: a malformed entry crashed the CLI (AttributeError/TypeError, exit 1, the
    code of "some rows unresolved"). Run as a real subprocess, as a script would."""
    stub.on("Myawaddy", Reply([MYAWADDY]), Reply([MYAWADDY]))
    rows = [row("m", "Myawaddy", "MM")]
    csv = write_csv(tmp_path / "locations.csv", rows)
    cache = tmp_path / "cache.json"
    command = [sys.executable, "-m", "components.geocode", str(csv), "--nominatim-url"]
    command += [stub.url, "--cache", str(cache), "--max-retries", "0"]
    first = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    [key] = json.loads(cache.read_text(encoding="utf-8"))["entries"]  # the real key
    cache.write_text(json.dumps({"version": 1, "entries": {key: entry}}), encoding="utf-8")
    write_csv(csv, rows)  # blank again: the corrupt entry is what answers first
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert f"warning: ignored a malformed cache entry for {key!r}" in done.stderr
    assert len(stub.requests) == 2  # asked again
    assert float(records(csv)[0]["lat"]) == 16.68911
    stored = json.loads(cache.read_text(encoding="utf-8"))["entries"][key]
    assert stored["found"] is True and stored["hit"]["lat"] == 16.68911  # replaced


def test_exit_codes_tell_unresolved_rows_from_a_run_that_could_not_run(stub, tmp_path):
    stub.on("Nowhere", Reply([]))
    csv = write_csv(tmp_path / "locations.csv", [row("x", "Nowhere", "MM")])
    base = [
        sys.executable,
        "-m",
        "components.geocode",
        "--nominatim-url",
        stub.url,
        "--cache",
        str(tmp_path / "cache.json"),
        "--max-retries",
        "0",
    ]

    def cli(*args):
        return subprocess.run(
            [*base, *map(str, args)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    unresolved = cli(csv)
    assert unresolved.returncode == geocoder.EXIT_UNRESOLVED == 1
    missing = cli(tmp_path / "nope.csv")
    assert missing.returncode == geocoder.EXIT_COULD_NOT_RUN == 2
    assert missing.stderr.startswith("error: ") and "Traceback" not in missing.stderr
    helped = cli("--help")
    assert "exit codes:" in helped.stdout and "could not run" in helped.stdout


def test_a_temporary_file_left_by_a_killed_run_is_removed(stub, geocode_cli, tmp_path):
    stub.on("Myawaddy", Reply([MYAWADDY]))
    csv = write_csv(tmp_path / "locations.csv", [row("m", "Myawaddy", "MM")])
    stale = [tmp_path / ".cache.json.abc123.tmp", tmp_path / ".locations.csv.def456.tmp"]
    for path in stale:
        path.write_text("half a write")
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    fresh = tmp_path / ".cache.json.now.tmp"  # another run's write in progress: kept
    fresh.write_text("being written")
    code, out, err = geocode_cli(csv)
    assert code == 0, out + err
    assert not any(path.exists() for path in stale)
    assert fresh.exists()
    assert "removed .locations.csv.def456.tmp, left by an interrupted run" in err


def _unknown_rows(count: int) -> list[dict[str, str]]:
    return [row(f"z{i}", f"Zawgyi Compound {i}", "MM") for i in range(count)]


def test_a_lookup_budget_stops_asking_and_says_why(stub, tmp_path):
    """Issue 13: an upload's online look-ups are capped (public Nominatim allows no bulk
    use); the rows past the cap are named as not asked, with what to do instead."""
    for i in range(4):
        stub.on(f"Zawgyi Compound {i}", Reply([]))
    frame = read_csv(write_csv(tmp_path / "l.csv", _unknown_rows(4)), "l.csv")
    provider = make_geocoder("nominatim", stub.url, DEFAULT_USER_AGENT, 5.0, max_retries=0)
    report = geocode_frame(frame, provider, max_lookups=2)
    assert len(stub.requests) == 2
    statuses = [r.status for r in report.results]
    assert statuses == ["failed", "failed", "skipped", "skipped"]
    assert "reached its limit of 2 look-ups" in report.results[2].message
    assert "python -m components.geocode" in report.results[3].message
    # Cached answers are free: a second run with the same budget asks only for new rows.
    cache = GeocodeCache()
    geocode_frame(frame, provider, cache=cache, max_lookups=2)
    geocode_frame(frame, provider, cache=cache, max_lookups=2)
    assert len(stub.requests) == 6  # 2 new, then the 2 cached + 2 more


def test_a_stop_reason_ends_the_run_before_the_next_row(stub, tmp_path):
    for i in range(3):
        stub.on(f"Zawgyi Compound {i}", Reply([]))
    frame = read_csv(write_csv(tmp_path / "l.csv", _unknown_rows(3)), "l.csv")
    provider = make_geocoder("nominatim", stub.url, DEFAULT_USER_AGENT, 5.0, max_retries=0)
    asked = []

    def gone() -> str | None:
        asked.append(1)
        return "the session ended" if len(asked) > 1 else None

    report = geocode_frame(frame, provider, should_stop=gone)
    assert len(stub.requests) == 1
    assert [r.message for r in report.results[1:]] == ["not tried: the session ended"] * 2


def test_sessions_sharing_the_online_geocoder_take_turns(stub):
    """Issue 13: one rate limiter serves every session; geopy's RateLimiter hands each
    request slot to whichever waiting thread wins a race, so one analyst's upload could
    take slot after slot while another's waited. Requests are now served in the order
    they were made: two sessions asking at once alternate, one request per slot."""
    import threading

    from components.geocode.geocoder import DELAY_MARGIN_SECONDS, MIN_DELAY_SECONDS

    provider = make_geocoder("nominatim", url=stub.url, max_retries=0, timeout=5.0)
    stub.on("a0", Reply([], delay=0.5))  # b0 is asked while a0 is still in flight
    asks = {"a": ["a0", "a1", "a2", "a3"], "b": ["b0", "b1", "b2", "b3"]}

    def session(key: str) -> None:
        for query in asks[key]:
            provider.geocode(query)

    first = threading.Thread(target=session, args=("a",))
    first.start()
    deadline = time.monotonic() + 5
    while not stub.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    second = threading.Thread(target=session, args=("b",))
    second.start()
    first.join(30)
    second.join(30)
    served = [r.params["q"] for r in stub.requests]
    assert served == ["a0", "b0", "a1", "b1", "a2", "b2", "a3", "b3"]
    times = [r.time for r in stub.requests]
    gaps = [b - a for a, b in zip(times[:-1], times[1:], strict=True)]
    assert min(gaps) >= MIN_DELAY_SECONDS + DELAY_MARGIN_SECONDS - 0.05  # still 1 per s
