"""Pure helpers for the benchmark's printed tables (unit-tested, no timing)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable


def table(headers: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    """Aligned text table; columns in ``right`` (default: all but the first) right-aligned."""
    right = set(range(1, len(headers))) if right is None else right
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def median(values: Iterable[float | None]) -> float | None:
    """Median of the values that are not None; None when there are none."""
    kept = [v for v in values if v is not None]
    return statistics.median(kept) if kept else None


def size_label(sites: int) -> str:
    """0 -> "real"; 100000 -> "100k"; 1000000 -> "1M"; 1500 -> "1,500"."""
    if sites <= 0:
        return "real"
    if sites % 1_000_000 == 0:
        return f"{sites // 1_000_000}M"
    if sites % 1_000 == 0:
        return f"{sites // 1_000}k"
    return f"{sites:,}"


def cost_ratio(small: float | None, big: float | None) -> str:
    """``big / small`` as "8.3x", or "n/a" when either is missing or small is 0."""
    if small is None or big is None or small == 0:
        return "n/a"
    return f"{big / small:.1f}x"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def seconds_cell(
    value: float | None, first: float | None = None, runs: int = 0, note: str = ""
) -> str:
    """A median with the first page apart: "2.69 s (first 4.10, n=3)"; a note instead of a
    missing median ("timed out after 240 s")."""
    if value is None:
        head = note or "n/a"
    else:
        head = f"{value:.2f} s"
    extras = []
    if first is not None:
        extras.append(f"first {first:.2f}")
    if runs:
        extras.append(f"n={runs}")
    if value is not None and note:
        extras.append(note)
    return head + (f" ({', '.join(extras)})" if extras else "")
