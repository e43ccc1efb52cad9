"""Faults tried, survived, rows lost: ``python -m benchmarks.faults`` (issue 13).

Each fault is made for real on a copy of ``data/`` (or the upload path, or the map's
output folder) and run through the app's own code: what the page would serve
(:func:`components.data.fallback.serve`, after one good load, as a running server
would have), what an upload gets back, what the geocoder CLI exits with. A fault is
*survived* when nothing raised, the page still serves data and a clear message names
the problem; *rows lost* counts the sites the page shows fewer than before the fault.

Faults that need root (a full or read-only tmpfs, a file unreadable for user nobody)
are reported as "not tried" when the benchmark cannot make them. A measurement, not a
test: it prints a table and exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from benchmarks.report import table
from components import upload
from components.data import DEFAULT_DATA_DIR, fallback, load_atlas
from components.map import view as map_view

ROOT = Path(__file__).resolve().parents[1]
NOBODY = 65534


@dataclass
class Outcome:
    fault: str
    tried: bool = True
    survived: bool = False
    rows_lost: int | str = ""
    seconds: float = 0.0
    message: str = ""


def _copy(folder: Path) -> Path:
    data = folder / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    return data


def _page(data: Path, cache: Path, before: int, good) -> tuple[bool, int, str]:
    served, _ = fallback.serve(data, cache, load_atlas, good)
    if served.result is None:
        return False, before, served.read_error or "no data"
    shown = len(served.result.atlas.locations)
    problems = served.rejected.problems if served.rejected else served.result.problems
    message = served.read_error or (str(problems[0]) if problems else "")
    return bool(message), before - shown, message


def data_faults(work: Path) -> Iterator[tuple[str, Callable[[Path], None]]]:
    """(name, a function that breaks the data folder) for each data fault."""

    def cut_mid_row(data: Path) -> None:
        path = data / "locations.csv"
        raw = path.read_bytes()
        path.write_bytes(raw[: len(raw) // 2 + 7])

    def cut_in_quote(data: Path) -> None:
        path = data / "locations.csv"
        text = path.read_text(encoding="utf-8")
        at = text.index('"', len(text) // 3) + 5
        path.write_bytes(text[:at].encode("utf-8"))

    def url_typo(data: Path) -> None:
        path = data / "sources.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame.loc[frame["source_id"] == "KP1", "url"] = "htps//kiripost.com/stories/report"
        frame.to_csv(path, index=False)

    def emptied(data: Path) -> None:
        (data / "events.csv").write_bytes(b"")

    def binary(data: Path) -> None:
        (data / "figures.csv").write_bytes(os.urandom(4096))

    def folder(data: Path) -> None:
        (data / "sources.csv").unlink()
        (data / "sources.csv").mkdir()

    def deleted(data: Path) -> None:
        (data / "locations.csv").unlink()

    yield "locations.csv cut mid-row while running", cut_mid_row
    yield "locations.csv cut inside a quoted field", cut_in_quote
    yield "one typo in one source URL (cited by 10 sites)", url_typo
    yield "events.csv emptied", emptied
    yield "figures.csv overwritten with binary", binary
    yield "sources.csv replaced by a folder", folder
    yield "locations.csv deleted", deleted


def run_data_fault(name: str, breaks: Callable[[Path], None]) -> Outcome:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = _copy(work)
        _, good = fallback.serve(data, work / "cache", load_atlas)
        before = len(good.result.atlas.locations)
        breaks(data)
        started = time.perf_counter()
        try:
            ok, lost, message = _page(data, work / "cache", before, good)
            # A restart (no memory) on the broken files: the last good copy on disk.
            ok2, lost2, _ = _page(data, work / "cache", before, None)
        except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
            return Outcome(name, survived=False, message=f"raised {type(exc).__name__}: {exc}")
        seconds = time.perf_counter() - started
        return Outcome(name, True, ok and ok2, max(lost, lost2), seconds, message)


def run_unreadable_as_nobody() -> Outcome:
    name = "sources.csv unreadable for the app's user (nobody)"
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return Outcome(name, tried=False, message="needs root and setpriv")
    work = Path(tempfile.mkdtemp(prefix="atlas-faults-", dir="/tmp"))
    try:
        work.chmod(0o777)
        data = _copy(work)
        for path in (data, *data.iterdir()):
            path.chmod(0o755 if path.is_dir() else 0o644)
        script = (
            "from components.data import fallback, load_atlas\n"
            f"s, g = fallback.serve({str(data)!r}, {str(work / 'cache')!r}, load_atlas)\n"
            "print(len(s.result.atlas.locations) if s.result else 0, s.read_error)\n"
        )
        command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        command += [sys.executable, "-c", script]

        def page() -> str:
            done = subprocess.run(
                command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
            )
            return done.stdout.strip() or done.stderr.strip()[-300:]

        before = int(page().split()[0])
        (data / "sources.csv").chmod(0o600)
        started = time.perf_counter()
        after = page()
        seconds = time.perf_counter() - started
        shown = int(after.split()[0]) if after.split()[0].isdigit() else 0
        said = after.split(maxsplit=1)[1] if " " in after else after
        return Outcome(name, True, shown == before, before - shown, seconds, said)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def _tmpfs(options: str) -> Iterator[Path | None]:
    folder = Path(tempfile.mkdtemp(prefix="atlas-faults-"))
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    try:
        yield folder if done.returncode == 0 else None
    finally:
        if done.returncode == 0:
            subprocess.run(["umount", "-l", str(folder)], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def run_payload_fault(name: str, options: str) -> Outcome:
    from components.analysis.dataset import prepare

    with _tmpfs(options) as folder:
        if folder is None:
            return Outcome(name, tried=False, message="cannot mount a tmpfs (needs root)")
        atlas = load_atlas(DEFAULT_DATA_DIR).atlas
        started = time.perf_counter()
        try:
            prep = prepare(atlas, publish_dir=folder)
        except Exception as exc:  # noqa: BLE001
            return Outcome(name, survived=False, message=f"raised {type(exc).__name__}: {exc}")
        seconds = time.perf_counter() - started
        inline = map_view.payload_inline(prep.payload_url)
        left = [p.name for p in folder.iterdir()]
        message = "payload sent inline" if inline else "payload written"
        message += f"; files left: {left or 'none'}"
        return Outcome(name, True, inline and not left, 0, seconds, message)


def upload_faults() -> Iterator[tuple[str, str, bytes]]:
    header = "site_id,name,lat,lon,country,zone_type,precision,confidence\n"
    good = header + "u1,My Bavet,11.06,106.13,KH,casino_complex,compound,low\n"
    yield "upload: NUL byte in the file name", "mine\x00.csv", good.encode()
    yield "upload: another kind of file (.exe)", "sites.exe", good.encode()
    wide = ",".join(f"c{i}" for i in range(100_000))
    yield "upload: 100,000 columns (1.1 MB)", "wide.csv", (wide + "\n" + wide + "\n").encode()
    props = json.dumps({f"p{i}": 1 for i in range(100_000)})
    gj = '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":'
    gj += '{"type":"Point","coordinates":[100,13]},"properties":' + props + "}]}"
    yield "upload: GeoJSON with 100,000 properties", "wide.geojson", gj.encode()
    yield "upload: over the size limit", "big.csv", b"x" * (upload.MAX_UPLOAD_BYTES + 1)
    yield "upload: binary garbage", "junk.csv", os.urandom(50_000)


def run_upload_fault(name: str, filename: str, raw: bytes) -> Outcome:
    started = time.perf_counter()
    try:
        problem = upload.file_name_problem(filename)
        result = (
            upload.refused(upload.shown_name(filename), problem)
            if problem
            else upload.check_upload(raw, filename, set(), set())
        )
    except Exception as exc:  # noqa: BLE001
        return Outcome(name, survived=False, message=f"raised {type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - started
    message = result.error or "; ".join(result.problems[:1])
    short = len(message) < 400
    return Outcome(name, True, bool(message) and short, "", seconds, message)


def run_geocode_cache_fault() -> Outcome:
    name = "geocoder CLI: malformed cache entry"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv = work / "sites.csv"
        blank = (
            "site_id,name,aliases,country,admin1,zone_type,precision,confidence,lat,lon,"
            "coord_source\nm,Myawaddy,,MM,,town,town,low,,,\n"
        )
        csv.write_text(blank, encoding="utf-8")
        cache = work / "cache.json"
        command = [sys.executable, "-m", "components.geocode", str(csv)]
        command += ["--provider", "gazetteer", "--cache", str(cache)]

        def cli() -> subprocess.CompletedProcess:
            return subprocess.run(
                command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
            )

        cli()  # fills the cache with the real key
        [key] = json.loads(cache.read_text(encoding="utf-8"))["entries"]
        cache.write_text(json.dumps({"version": 1, "entries": {key: "garbage"}}))
        csv.write_text(blank, encoding="utf-8")
        started = time.perf_counter()
        done = cli()
        seconds = time.perf_counter() - started
        warned = "ignored a malformed cache entry" in done.stderr
        ok = done.returncode == 0 and warned and "Traceback" not in done.stderr
        return Outcome(name, True, ok, "", seconds, f"exit {done.returncode}; warning: {warned}")


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m benchmarks.faults").parse_args(argv)
    outcomes = [run_data_fault(n, f) for n, f in data_faults(Path())]
    outcomes.append(run_unreadable_as_nobody())
    outcomes.append(run_payload_fault("static/generated read-only", "size=64k,ro"))
    outcomes.append(run_payload_fault("static/generated full (16 KiB disk)", "size=16k"))
    outcomes += [run_upload_fault(*f) for f in upload_faults()]
    outcomes.append(run_geocode_cache_fault())
    rows = [
        [
            o.fault,
            "yes" if o.tried else "not tried",
            ("yes" if o.survived else "NO") if o.tried else "",
            str(o.rows_lost),
            f"{o.seconds:.2f}" if o.tried else "",
            (o.message[:90] + "…") if len(o.message) > 90 else o.message,
        ]
        for o in outcomes
    ]
    headers = ["fault", "tried", "survived", "rows lost", "s", "what the page says"]
    print(table(headers, rows, right={1, 2, 3, 4}))
    tried = [o for o in outcomes if o.tried]
    lost = sum(o.rows_lost for o in tried if isinstance(o.rows_lost, int))
    print(
        f"\n{len(tried)} faults tried, {sum(o.survived for o in tried)} survived, "
        f"{lost} site rows lost in all; {len(outcomes) - len(tried)} not tried here."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
