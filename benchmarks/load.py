"""Load run: many browser sessions on one server, changing filters and opening dossiers.

    python -m benchmarks.load [--sessions 20] [--seconds 60]

Each session is a real page in the system Chromium (no internet) that loops: pick a
country in the sidebar, wait until the "Sites shown" metric says that country's count;
choose a site in the Sites tab's chooser ("Open a site from this page"), wait for its
dossier heading; reset the filters, wait for the full count; for ``seconds`` after the
page opened. A page that cannot open within the time box is an error of the run, not
the end of it. The time from the action to the page showing its result is one *rerun
latency* sample ("open": from navigation to the full count). Any JavaScript error,
Streamlit exception, error banner or server-log traceback counts as an error. Prints
median and p95 latency per action and overall.
This is a measurement, not a test: it never fails on a time.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from playwright.async_api import Page, async_playwright

from components.data.labels import country_name
from components.ui.site_table import PICK_LABEL
from tests.harness import APP_IDLE, CHROMIUM, CHROMIUM_ARGS, is_local, run_app

ROOT = Path(__file__).resolve().parents[1]

ACTION_TIMEOUT_MS = 120_000


@dataclass
class Stats:
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, action: str, seconds: float) -> None:
        self.samples.setdefault(action, []).append(seconds)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _metric(page: Page, expected: str) -> None:
    await (
        page.locator("[data-testid='stMetric']", has_text="Sites shown")
        .locator("[data-testid='stMetricValue']", has_text=expected)
        .first.wait_for(timeout=ACTION_TIMEOUT_MS)
    )


async def _pick(page: Page, label: str, text: str) -> None:
    box = page.get_by_label(label, exact=True) if label != "Country" else None
    if box is None:
        box = page.locator("[data-testid='stMultiSelect']", has_text="Country").locator("input")
    await box.click()
    await box.fill(text)
    await page.keyboard.press("Enter")
    await page.keyboard.press("Escape")


async def session(
    n: int, url: str, browser, stats: Stats, seconds: float, counts: dict, sites: dict
) -> None:
    rng = random.Random(n)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(ACTION_TIMEOUT_MS)  # clicks wait as long as the results

    async def block(route) -> None:
        if is_local(route.request.url):
            await route.continue_()
        else:
            await route.abort("internetdisconnected")

    await context.route("**/*", block)
    page = await context.new_page()
    page.on("pageerror", lambda e: stats.errors.append(f"session {n}: JS error {e}"))
    try:
        start = time.perf_counter()
        await page.goto(url, timeout=ACTION_TIMEOUT_MS)
        await page.wait_for_selector(APP_IDLE, timeout=ACTION_TIMEOUT_MS)
        await _metric(page, str(counts[""]))
        stats.add("open", time.perf_counter() - start)
        deadline = time.monotonic() + seconds  # each page acts for ``seconds`` once open
        while time.monotonic() < deadline:
            code = rng.choice([c for c in counts if c])
            start = time.perf_counter()
            await _pick(page, "Country", country_name(code))
            await _metric(page, str(counts[code]))
            stats.add("filter", time.perf_counter() - start)

            name = rng.choice(sites[code])  # the chooser lists the shown sites only
            await page.get_by_role("tab", name="Sites", exact=True).click()
            chooser = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(PICK_LABEL))
            await chooser.wait_for(timeout=ACTION_TIMEOUT_MS)
            start = time.perf_counter()
            await chooser.click()
            await page.keyboard.type(f"{name} ·")
            await page.get_by_role("option", name=f"{name} · ").first.click()
            await page.locator("h3", has_text=name[:20]).first.wait_for(timeout=ACTION_TIMEOUT_MS)
            stats.add("dossier", time.perf_counter() - start)

            start = time.perf_counter()
            await page.get_by_role("button", name="Reset filters").click()
            await _metric(page, str(counts[""]))
            stats.add("reset", time.perf_counter() - start)

            if await page.locator("[data-testid='stException']").count():
                stats.errors.append(f"session {n}: Streamlit exception on the page")
            if await page.get_by_text("Something went wrong").count():
                stats.errors.append(f"session {n}: error banner on the page")
    except Exception as exc:  # a timeout or a broken page is an error of the run
        stats.errors.append(f"session {n}: {type(exc).__name__}: {str(exc)[:200]}")
    finally:
        await context.close()


async def drive(url: str, sessions: int, seconds: float) -> Stats:
    locations = pd.read_csv(ROOT / "data" / "locations.csv", dtype=str)
    counts = {"": len(locations), **locations["country"].value_counts().to_dict()}
    # Per country, names whose first 20 characters are unique (the heading check is exact).
    unique = locations[~locations["name"].str[:20].duplicated(keep=False)]
    sites = unique.groupby("country")["name"].apply(list).to_dict()
    stats = Stats()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        await asyncio.gather(
            *(session(i, url, browser, stats, seconds, counts, sites) for i in range(sessions))
        )
        await browser.close()
    return stats


def report(stats: Stats, sessions: int, seconds: float, log: Path) -> str:
    lines = [f"Load: {sessions} browser sessions for {seconds:.0f} s on one server"]
    lines.append(f"{'action':<10}{'samples':>9}{'median s':>11}{'p95 s':>9}{'max s':>9}")
    everything: list[float] = []
    for action, values in stats.samples.items():
        if action != "open":  # "all" is the actions' reruns, as before opens were timed
            everything += values
        lines.append(
            f"{action:<10}{len(values):>9}{statistics.median(values):>11.2f}"
            f"{percentile(values, 0.95):>9.2f}{max(values):>9.2f}"
        )
    if everything:
        lines.append(
            f"{'all':<10}{len(everything):>9}{statistics.median(everything):>11.2f}"
            f"{percentile(everything, 0.95):>9.2f}{max(everything):>9.2f}"
        )
    tracebacks = log.read_text(errors="replace").count("Traceback") if log.exists() else 0
    lines.append(f"errors: {len(stats.errors)} in the pages, {tracebacks} tracebacks in the log")
    lines += [f"  {e}" for e in stats.errors[:10]]
    return "\n".join(lines)


def run(sessions: int = 20, seconds: float = 60.0) -> str:
    log = ROOT / "tests" / "artifacts" / "load-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with run_app(log_path=log) as url:
        stats = asyncio.run(drive(url, sessions, seconds))
    return report(stats, sessions, seconds, log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    print(run(args.sessions, args.seconds), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
