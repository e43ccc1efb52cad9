"""Atlas versus naive, side by side: ``python -m benchmarks [--quick]`` from the repo root.

1. Server side: one rerun's map build + st_folium rendering + bytes sent, for the real
   data and synthetic sets (``benchmarks/synthetic.py``); the per-dataset work the app
   caches (load + validate, payload build + publish) is reported separately.
2. Headless system Chromium, no internet: page open -> first marker, filter change ->
   map updated, and whether the map iframe was remounted.
3. Cold start: ``streamlit run`` -> ``/_stcore/health`` answers ok.
4. Load: 20 concurrent browser sessions for a minute, filtering and opening dossiers
   (``benchmarks/load.py``): rerun latency median and p95, and errors.
5. Scale (issue 12, ``benchmarks/peers.py``): the atlas beside folium's FastMarkerCluster
   in st_folium, deck.gl via st.pydeck_chart and a floor (Streamlit shell + plain Leaflet
   canvas page drawing the atlas's payload) at the real data, 100,000 and 1,000,000
   sites; server first load, validator CLI, payload size, cost per 10x rows.

Parts 1-4 are ``--only naive``; part 5 is ``--only atlas,fmc,deck,floor,server``.

Prints aligned tables, ratios and PASS/MISS against the issue's targets. The targets
are informational: this is a benchmark, not a test, and it exits 0 when one is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from benchmarks import load, synthetic
from benchmarks.report import table
from components.data import DEFAULT_DATA_DIR

ROOT = Path(__file__).resolve().parents[1]
COUNTRY = "KH"  # the filter change picks this country (present in every dataset)
COUNTRY_LABEL = "Cambodia (KH)"  # as the atlas's sidebar shows it

SERVER_TARGET = 50.0  # naive/atlas server time at 10,000 sites, at least
OPEN_TARGET = 2.0  # atlas page->marker at 10,000 sites / real data, at most
CHANGE_TARGET = 0.5  # atlas filter change -> map updated in place, seconds, at most
TARGET_SITES = 10_000
# Time box for each wait of the naive app on the big set (it rebuilds every marker on
# every rerun, and its default st_folium reruns once more after each mount).
NAIVE_BIG_LIMIT_S = 180


@dataclass(frozen=True)
class Plan:
    server_sizes: tuple[int, ...]
    naive_limit: int  # naive server build is run up to this many sites
    repeat: int  # atlas server timings: median of this many
    browser_size: int
    browser_runs: int  # warm page opens per app and dataset (median)
    naive_big_runs: int  # warm runs for the naive app on the big set (0: cold only)
    cold_runs: int


FULL = Plan((1_000, 10_000, 100_000), 10_000, 3, 10_000, 3, 0, 3)
QUICK = Plan((1_000, 10_000), 1_000, 1, 1_000, 1, 1, 1)


def log(message: str) -> None:
    print(message, flush=True)


def secs(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def mb(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 1e6:.3f}"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.1f}x"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def header() -> None:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    try:
        chromium = subprocess.run(
            ["/usr/bin/chromium", "--version"], capture_output=True, text=True, timeout=20
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        chromium = "?"
    log(
        f"Scam Centre Atlas benchmark  {time.strftime('%Y-%m-%d %H:%M')}  "
        f"python {platform.python_version()}  cpus {os.cpu_count()}"
    )
    log(
        "streamlit {} | streamlit-folium {} | folium {} | pandas {} | playwright {} | {}".format(
            version("streamlit"),
            version("streamlit-folium"),
            version("folium"),
            version("pandas"),
            version("playwright"),
            chromium or "chromium ?",
        )
    )
    load = os.getloadavg()[0]
    busy = (
        " (busy machine: other work competes, timings are noisy)"
        if load > (os.cpu_count() or 1)
        else ""
    )
    log(f"load average at start: {load:.1f}{busy}")
    log(machine_reference())


def machine_reference() -> str:
    """One line naming the CPU and timing a fixed piece of work (best of 3), so figures
    from different machines can be set side by side: the same code ran 1.7x faster on
    one 2-core box than on another in this project's runs."""
    import numpy as np

    info: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            info.setdefault(key.strip(), value.strip())
    model = f"{info.get('model name', '?')} at {info.get('cpu MHz', '?')} MHz"
    python_s, numpy_s = [], []
    values = np.random.default_rng(0).random(2_000_000)
    for _ in range(3):
        t = time.perf_counter()
        sum(i * i for i in range(2_000_000))
        python_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        np.sort(values)
        numpy_s.append(time.perf_counter() - t)
    return (
        f"machine: {model}; reference work: Python loop {min(python_s):.3f} s, "
        f"numpy sort {min(numpy_s):.3f} s (same work on any machine)"
    )


# --- 1. server ---------------------------------------------------------------------


def server_part(plan: Plan, datasets: dict[str, Path]) -> list:
    from benchmarks import server

    log("\n[1/4] Server side: one rerun = map build + st_folium render + JSON sent")
    results = []
    for label, directory in datasets.items():
        results.append(server.measure_dataset(label, directory, plan.repeat, plan.naive_limit, log))
    server.extrapolate_naive(results)

    rows = []
    for r in results:
        tilde = "~" if r.naive_extrapolated else ""
        rows.append(
            [
                r.label,
                f"{r.sites:,}",
                secs(r.atlas_s),
                mb(r.atlas_bytes),
                tilde + secs(r.naive_s, 2) + (" (not run)" if tilde else ""),
                tilde + mb(r.naive_bytes),
                tilde + ratio(r.naive_s, r.atlas_s),
                tilde + ratio(r.naive_bytes, r.atlas_bytes),
                "yes" if r.same_key else "NO",
            ]
        )
    log("")
    log(
        table(
            [
                "dataset",
                "sites",
                "atlas s",
                "atlas MB",
                "naive s",
                "naive MB",
                "time naive/atlas",
                "MB naive/atlas",
                "atlas key kept",
            ],
            rows,
        )
    )
    log(
        f"  atlas: median of {plan.repeat}; naive: 1 run, only up to {plan.naive_limit:,} sites"
        " ('~' = not run, extrapolated linearly from the largest size that ran)."
    )
    log(
        "  'atlas key kept': a one-country filter leaves the st_folium key unchanged "
        "(no iframe remount); the naive key changes with every filter."
    )
    rows = [
        [
            r.label,
            f"{r.sites:,}",
            secs(r.load_s, 2),
            secs(r.prepare_s, 2),
            mb(r.payload_bytes),
            secs(r.load_s + r.prepare_s + r.atlas_s, 2),
        ]
        for r in results
    ]
    log(
        "\nAtlas first load (per dataset, then cached by the app; "
        "the browser fetches the payload once):"
    )
    log(
        table(
            [
                "dataset",
                "sites",
                "load+validate s",
                "payload build+publish s",
                "payload file MB",
                "first page total s",
            ],
            rows,
        )
    )
    return results


# --- 2. browser ----------------------------------------------------------------------


def browser_part(plan: Plan, real: Path, big: Path, big_label: str, log_dir: Path) -> list:
    from benchmarks.browser import ATLAS_MARKERS, NAIVE_MARKERS, AppSpec, measure_app
    from components.data import read_csv

    log("\n[2/4] Headless Chromium (system /usr/bin/chromium), every non-local request aborted")
    atlas = AppSpec("atlas", ATLAS_MARKERS, COUNTRY_LABEL)
    naive = AppSpec("naive", NAIVE_MARKERS, COUNTRY)

    def counts(directory: Path) -> tuple[int, int]:
        loc = read_csv(directory / "locations.csv", "locations.csv")
        return len(loc), int((loc["country"].str.strip() == COUNTRY).sum())

    results = []
    for spec, label, directory, runs, limit_s in (
        (atlas, "real", real, plan.browser_runs, 300),
        (atlas, big_label, big, plan.browser_runs, 300),
        (naive, "real", real, plan.browser_runs, 300),
        (naive, big_label, big, plan.naive_big_runs, NAIVE_BIG_LIMIT_S),
    ):
        n, after = counts(directory)
        try:
            results.append(
                measure_app(
                    spec, label, directory, n, after, runs, log_dir, limit_s * 1000, log=log
                )
            )
        except Exception as exc:  # noqa: BLE001  (report and go on: not a test)
            log(f"  {spec.name} {label}: FAILED: {type(exc).__name__}: {str(exc)[:300]}")
            from benchmarks.browser import BrowserResult

            failed = BrowserResult(spec.name, label, n, note=f"failed: {type(exc).__name__}")
            results.append(failed)

    rows = []
    for r in results:
        runs = len(r.open_runs)
        opened = r.open_median if runs else r.cold_open
        how = f"median of {runs} warm" if runs else "1 run, cold server"
        rows.append(
            [
                r.app,
                r.label,
                f"{r.sites:,}",
                f"{secs(opened, 2)} ({secs(r.open_dom_s, 2)})",
                secs(r.open_script_done_s if runs else r.cold_script_done, 2),
                how,
                secs(r.cold_open, 2),
                f"{secs(r.change_s, 2)} ({secs(r.change_dom_s, 2)})",
                str(len(r.changes)),
                secs(r.rerun_end_s, 2),
                secs(r.fps_median, 0),
                "n/a" if r.remounted is None else ("yes" if r.remounted else "no"),
                "n/a" if r.shown_after is None else f"{r.shown_after:,}",
                r.note or ", ".join(sorted(r.blocked_hosts)) or "-",
            ]
        )
    log("")
    log(
        table(
            [
                "app",
                "dataset",
                "sites",
                "open->marker s (DOM)",
                "script done s",
                "runs",
                "first page s",
                "filter->map s (DOM)",
                "n",
                "script done s",
                "idle fps",
                "remounted",
                f"shown after ({COUNTRY})",
                "note / blocked (non-local) hosts",
            ],
            rows,
            right={2, 3, 4, 6, 7, 8, 9, 10, 12},
        )
    )
    log(
        "  open->marker: navigation start to the first animation frame after a marker is"
        " visible inside the map iframe (in brackets: when the iframe's DOM had it); median of"
        " the warm pages ('first page' = the first page after the server started, not in the"
        " median); 'script done': when the page showed its first script run finished.\n"
        "  filter->map: pointerdown on the country option to the first frame after the map"
        " shows the new selection (DOM in brackets), median over the warm pages; 'script"
        " done': when the page showed that rerun finished. idle fps: animation frames per"
        " second on the settled page (60 = smooth).\n  All times measured in the browser with"
        " performance.now(). The naive map loads Leaflet and jQuery from local copies"
        f" (jQuery: {jquery_source()})."
    )
    return results


def jquery_source() -> str:
    from benchmarks.browser import NPM_JQUERY, SYSTEM_JQUERY

    if SYSTEM_JQUERY.is_file():
        return f"{SYSTEM_JQUERY}, Debian libjs-jquery"
    return f"npm {NPM_JQUERY}"


# --- 3. cold start -----------------------------------------------------------------


def cold_part(plan: Plan, log_dir: Path) -> dict[str, list[float]]:
    from benchmarks.browser import cold_start

    log("\n[3/4] Cold start: launch `streamlit run` -> /_stcore/health answers ok")
    out = {}
    for app in ("atlas", "naive"):
        try:
            out[app] = cold_start(app, DEFAULT_DATA_DIR, log_dir, plan.cold_runs)
            log(f"  {app}: " + ", ".join(f"{t:.2f} s" for t in out[app]))
        except Exception as exc:  # noqa: BLE001
            log(f"  {app}: FAILED: {exc}")
            out[app] = []
    rows = [
        [
            app,
            str(len(ts)),
            secs(statistics.median(ts) if ts else None, 2),
            secs(min(ts) if ts else None, 2),
            secs(max(ts) if ts else None, 2),
        ]
        for app, ts in out.items()
    ]
    log("")
    log(table(["app", "runs", "median s", "min s", "max s"], rows))
    log("  resolution 0.1 s (tests.harness.run_app polls /_stcore/health every 0.1 s).")
    return out


# --- diagnostics ---------------------------------------------------------------------


def dashboard_rerun(directory: Path) -> tuple[float, float]:
    """Server share of a filter change: AppTest runs of dashboard.py (first, then +KH)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from components.ui import state

    old = os.environ.get("ATLAS_DATA_DIR")
    os.environ["ATLAS_DATA_DIR"] = str(directory)
    try:
        st.cache_data.clear()
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
        start = time.perf_counter()
        at.run()
        first = time.perf_counter() - start
        if at.exception:
            raise RuntimeError(str(at.exception[0].value)[:200])
        at.multiselect(key=state.COUNTRIES).select(COUNTRY)
        start = time.perf_counter()
        at.run()
        rerun = time.perf_counter() - start
        return first, rerun
    finally:
        st.cache_data.clear()
        if old is None:
            os.environ.pop("ATLAS_DATA_DIR", None)
        else:
            os.environ["ATLAS_DATA_DIR"] = old


def summary(plan, server_results, browser_results, cold, big_label, real_dir, big_dir, profile):
    log("\nTargets (informational; the benchmark never fails on them)")
    rows = []
    misses = []

    srv = next((r for r in server_results if r.sites == TARGET_SITES), None)
    if srv is not None:
        value = srv.naive_s / srv.atlas_s if srv.naive_s and srv.atlas_s else None
        ok = None if value is None else value >= SERVER_TARGET
        extra = " (naive extrapolated)" if srv.naive_extrapolated else ""
        rows.append(
            [
                f"server render, {TARGET_SITES:,} sites: naive/atlas >= {SERVER_TARGET:g}x",
                f"{value:.0f}x{extra}" if value else "n/a",
                verdict(ok),
            ]
        )
        if ok is False:
            misses.append("server")

    by = {(r.app, r.label): r for r in browser_results}

    def opened(r):
        if r is None:
            return None
        return r.open_median if r.open_runs else r.cold_open

    a_real, a_big = by.get(("atlas", "real")), by.get(("atlas", big_label))
    o_real, o_big = opened(a_real), opened(a_big)
    ok = None if not (o_real and o_big) else o_big / o_real <= OPEN_TARGET
    rows.append(
        [
            f"page->first marker, {big_label} sites within {OPEN_TARGET:g}x of real data",
            f"{o_big / o_real:.2f}x ({o_big:.2f} s / {o_real:.2f} s)"
            if o_real and o_big
            else "n/a",
            verdict(ok),
        ]
    )
    if ok is False:
        misses.append("open")
    for r in (a_real, a_big):
        if r is None:
            continue
        ok = None
        if r.change_s is not None and r.remounted is not None:
            ok = (not r.remounted) and r.change_s <= CHANGE_TARGET
        rows.append(
            [
                f"filter change updates the map in place within {CHANGE_TARGET:g} s ({r.label})",
                "n/a"
                if r.change_s is None
                else f"{r.change_s:.2f} s, {'remounted' if r.remounted else 'in place'}",
                verdict(ok),
            ]
        )
        if ok is False:
            misses.append("change")
    log(table(["target", "measured", "result"], rows, right=set()))
    if plan.browser_size != TARGET_SITES:
        log(f"  (--quick: browser targets use {big_label} sites instead of {TARGET_SITES:,}.)")

    log("\nSide by side (naive / atlas)")
    rows = []
    n_real, n_big = by.get(("naive", "real")), by.get(("naive", big_label))
    for what, a, n in (
        (f"page->marker, real ({a_real.sites if a_real else '?'} sites)", o_real, opened(n_real)),
        (f"page->marker, {big_label} sites", o_big, opened(n_big)),
        ("filter change, real", a_real and a_real.change_s, n_real and n_real.change_s),
        (f"filter change, {big_label}", a_big and a_big.change_s, n_big and n_big.change_s),
        (
            "cold start to health",
            statistics.median(cold["atlas"]) if cold.get("atlas") else None,
            statistics.median(cold["naive"]) if cold.get("naive") else None,
        ),
    ):
        rows.append([what, secs(a, 2), secs(n, 2), ratio(n, a)])
    for r in server_results:
        rows.append(
            [
                f"server rerun, {r.label} ({r.sites:,})",
                secs(r.atlas_s, 3),
                ("~" if r.naive_extrapolated else "") + secs(r.naive_s, 2),
                ("~" if r.naive_extrapolated else "") + ratio(r.naive_s, r.atlas_s),
            ]
        )
    log(table(["metric", "atlas s", "naive s", "naive/atlas"], rows))

    if "change" in misses or profile:
        log("\nWhere a filter change goes (server share, AppTest runs of dashboard.py in-process):")
        rows = []
        for label, directory in (("real", real_dir), (big_label, big_dir)):
            try:
                first, rerun = dashboard_rerun(directory)
                rows.append([label, secs(first, 2), secs(rerun, 2)])
            except Exception as exc:  # noqa: BLE001
                rows.append([label, "failed", str(exc)[:80]])
        log(table(["dataset", "first run s", f"rerun after +{COUNTRY} s"], rows))
    if "server" in misses or profile:
        from benchmarks.server import profile_atlas_rerun

        largest = max(server_results, key=lambda r: r.sites)
        log(f"\ncProfile of one atlas rerun, {largest.label} ({largest.sites:,} sites):")
        log(profile_atlas_rerun(ROOT_DATASETS[largest.label], top=14))


ROOT_DATASETS: dict[str, Path] = {}


def payload_names(directories: list[Path]) -> set[str]:
    """The file names the app will publish for these datasets (content hashes)."""
    from components.data import load_atlas
    from components.map import view as map_view

    names = set()
    for directory in directories:
        atlas = load_atlas(directory).atlas
        payload = map_view.build_payload(atlas.locations, atlas.events, atlas.sources)
        with tempfile.TemporaryDirectory() as tmp:
            names.add(map_view.publish_payload(payload, Path(tmp)).rsplit("/", 1)[1])
    return names


def quiet_streamlit() -> None:
    """The server part calls st_folium outside `streamlit run` (bare mode): silence the
    one-off 'run it with streamlit run' warning and the ScriptRunContext notices."""
    import streamlit.delta_generator
    import streamlit.logger
    from streamlit import config

    streamlit.delta_generator._use_warning_has_been_displayed = True
    config.set_option("logger.level", "error")  # config re-applies it when it loads
    streamlit.logger.set_log_level("error")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one run each")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser part")
    parser.add_argument("--no-server", action="store_true", help="skip the server part")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-start part")
    parser.add_argument("--no-load", action="store_true", help="skip the concurrent-load part")
    parser.add_argument(
        "--profile", action="store_true", help="always print the diagnostics (cProfile, AppTest)"
    )
    parser.add_argument(
        "--only",
        default=",".join(PARTS),
        help=f"comma-separated parts to run, of {','.join(PARTS)} (default: all). 'naive' is"
        " the atlas-versus-naive comparison (server, browser, cold start, load); the others"
        " are issue 12's scale comparison",
    )
    parser.add_argument(
        "--sizes",
        default=None,
        help="scale comparison: comma-separated site counts, 0 = the real data"
        " (default 0,100000,1000000; --quick 0,10000)",
    )
    parser.add_argument(
        "--runs", type=int, default=None, help="fresh pages per app and size (default 3; --quick 1)"
    )
    parser.add_argument(
        "--timeout", type=float, default=240.0, help="seconds each browser wait may take"
    )
    args = parser.parse_args(argv)
    only = {p.strip() for p in args.only.split(",") if p.strip()}
    unknown = only - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {PARTS}")
    plan = QUICK if args.quick else FULL
    sizes = (
        [int(x) for x in args.sizes.split(",")]
        if args.sizes
        else list(QUICK_SIZES if args.quick else FULL_SIZES)
    )
    runs = args.runs if args.runs is not None else (1 if args.quick else 3)
    started = time.perf_counter()
    quiet_streamlit()
    header()
    log(f"uptime at start: {uptime()}")
    log(f"mode: {'quick' if args.quick else 'full'}  parts: {','.join(sorted(only))}")
    if "naive" in only:
        naive_parts(args, plan)
    scale = only & SCALE_PARTS
    if scale:
        scale_part(sizes, runs, scale, args.timeout)
    log(f"\nuptime at end: {uptime()}")
    log(f"total benchmark time {time.perf_counter() - started:.0f} s")
    flags = " ".join(a for a in (argv if argv is not None else sys.argv[1:]))
    log(f"reproduce: .venv/bin/python -m benchmarks {flags}  (from {ROOT})".rstrip())
    return 0


PARTS = ("naive", "atlas", "fmc", "deck", "floor", "server")
SCALE_PARTS = {"atlas", "fmc", "deck", "floor", "server"}
FULL_SIZES = (0, 100_000, 1_000_000)
QUICK_SIZES = (0, 10_000)


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def scale_part(sizes: list[int], runs: int, only: set[str], timeout_s: float) -> None:
    from benchmarks import peers

    log(
        f"\n[5/5] Scale (issue 12): atlas beside FastMarkerCluster, deck.gl and the floor;"
        f" sizes {', '.join(f'{n:,}' for n in sizes)} (0 = real data); {runs} fresh pages"
        f" each after the first; waits time-boxed to {timeout_s:.0f} s; parts"
        f" {','.join(sorted(only))}"
    )
    with tempfile.TemporaryDirectory(prefix="atlas-scale-") as tmp:
        results = peers.run(sizes, runs, only, timeout_s, Path(tmp), log)
    peers.print_report(results, log)


def naive_parts(args: argparse.Namespace, plan: Plan) -> None:
    log(f"\n[1-4] Atlas versus naive; plan: {plan}")

    from components.data import borders
    from components.map import view as map_view

    start = time.perf_counter()
    borders.country_shapes()  # once per process, in the app too (first validation)
    log(f"country outlines decoded in {time.perf_counter() - start:.2f} s (once per process)")
    generated_before = set(p.name for p in map_view.GENERATED_DIR.glob("sites-*.json*"))
    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as tmp:
        tmp_path = Path(tmp)
        log_dir = tmp_path / "logs"
        log_dir.mkdir()
        datasets: dict[str, Path] = {"real": DEFAULT_DATA_DIR}
        sizes = sorted(set(plan.server_sizes) | {plan.browser_size})
        for n in sizes:
            start = time.perf_counter()
            path = synthetic.write_dataset(tmp_path / f"synthetic-{n}", n, seed=0)
            datasets[f"{n // 1000}k"] = path
            log(f"  synthetic {n:,} sites written in {time.perf_counter() - start:.2f} s")
        ROOT_DATASETS.update(datasets)
        big_label = f"{plan.browser_size // 1000}k"
        server_sets = {
            k: v
            for k, v in datasets.items()
            if k == "real" or k in {f"{n // 1000}k" for n in plan.server_sizes}
        }

        # The atlas (and AppTest) publish each dataset's payload into static/generated;
        # the synthetic one this run creates is removed at the end (never a file that
        # was there before the run).
        ours = payload_names([datasets[big_label]]) - generated_before
        try:
            server_results = [] if args.no_server else server_part(plan, server_sets)
            browser_results = []
            if not args.no_browser:
                browser_results = browser_part(
                    plan, DEFAULT_DATA_DIR, datasets[big_label], big_label, log_dir
                )
            cold = {} if args.no_cold else cold_part(plan, log_dir)
            summary(
                plan,
                server_results,
                browser_results,
                cold,
                big_label,
                DEFAULT_DATA_DIR,
                datasets[big_label],
                args.profile,
            )
        finally:
            for name in ours:
                (map_view.GENERATED_DIR / name).unlink(missing_ok=True)
    if not args.no_load:
        sessions, seconds = (5, 20.0) if args.quick else (20, 60.0)
        log(f"\n[4/4] Load: {sessions} concurrent browser sessions, real data (benchmarks.load)")
        log(load.run(sessions, seconds))


if __name__ == "__main__":
    sys.exit(main())
