"""Accessibility fixes that are pure: the "as of" control's month stops, and the people
chart's text alternative (the browser checks are in tests/e2e/test_accessibility.py)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from components.analysis import figures
from components.ui.people import accessible_chart, chart_table
from components.ui.sidebar import month_steps
from components.ui.state import add_months


@pytest.mark.parametrize(
    ("current", "before", "after"),
    [
        (date(2025, 10, 1), date(2025, 9, 1), date(2025, 11, 1)),
        (date(2025, 12, 31), date(2025, 11, 30), date(2026, 1, 31)),  # like the buttons
        (date(2024, 2, 29), date(2024, 1, 29), date(2024, 3, 29)),
    ],
)
def test_one_stop_either_side_of_a_day_is_one_calendar_month(current, before, after):
    stops = month_steps(current, date(2023, 1, 5), date(2026, 12, 1))
    i = stops.index(current)  # a link's exact day is a stop
    assert stops[i - 1] == before and stops[i + 1] == after


def test_stops_are_months_from_the_current_day_and_the_bounds():
    first, last = date(2023, 1, 5), date(2026, 12, 1)
    current = date(2025, 12, 31)
    stops = month_steps(current, first, last)
    assert stops[0] == first and stops[-1] == last
    assert stops == sorted(set(stops))
    months = [add_months(current, m) for m in range(-60, 61)]
    assert stops[1:-1] == [d for d in months if first < d < last]


def test_stops_clamp_a_day_outside_the_bounds():
    assert month_steps(date(2030, 1, 1), date(2026, 10, 20), date(2026, 12, 1)) == [
        date(2026, 10, 20),
        date(2026, 11, 1),
        date(2026, 12, 1),
    ]


def spec() -> dict:
    rows = pd.DataFrame(
        {
            "country": ["KH", "MM"],
            "source_id": ["S1", "S2"],
            "as_of": ["2023-08-29", "2023-08-29"],
            "value_low": ["100000", "120000"],
            "value_high": ["100000", ""],
            "value_text": ["around 100,000", "at least 120,000 | *not* a [link](x)"],
            "qualifier": ["estimate", "at_least"],
        }
    )
    sources = pd.DataFrame({"source_id": ["S1", "S2"], "publisher": ["OHCHR", "OHCHR"]})
    found = figures.chart_spec(rows, sources)
    assert found is not None
    return found


def test_chart_gets_a_description_and_hides_its_drawing_internals():
    out = accessible_chart(spec(), ["Cambodia", "Myanmar"])
    assert "2 figures for Cambodia and Myanmar" in out["description"]
    assert "table below the chart" in out["description"]
    assert all(layer["mark"]["aria"] is False for layer in out["layer"])
    assert out["data"] == spec()["data"]  # the drawing is unchanged


def test_chart_table_lists_every_charted_figure_in_its_words():
    table = chart_table(spec()).splitlines()
    plain = [line.replace("\\", "") for line in table]  # as a reader sees it
    assert table[0].startswith("| Row in the chart | The source's words |")
    assert len(table) == 2 + 2
    assert "“around 100,000”" in plain[2] and "29 Aug 2023" in plain[2]
    # Data words are escaped: a pipe stays inside its cell, no markdown link or emphasis.
    assert r"120\,000 \| \*not\* a \[link\]\(x\)" in table[3]
