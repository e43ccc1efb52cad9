"""The time controls' date arithmetic (pure parts of components.ui.state)."""

from __future__ import annotations

from datetime import date

import pytest

from components.ui.state import add_months, next_play_date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 10, 1), 1, date(2025, 11, 1)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # no 31 February
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2024, 12, 15), 1, date(2025, 1, 15)),  # over a year end
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 1, 10), -1, date(2024, 12, 10)),
        (date(2025, 5, 5), 12, date(2026, 5, 5)),
    ],
)
def test_add_months_moves_by_calendar_months(day, months, expected):
    assert add_months(day, months) == expected


def test_player_steps_a_month_and_stops_at_the_last_day():
    last = date(2026, 11, 30)
    assert next_play_date(date(2026, 9, 30), last) == (date(2026, 10, 30), False)
    assert next_play_date(date(2026, 10, 30), last) == (last, True)
    assert next_play_date(date(2026, 11, 15), last) == (last, True)
