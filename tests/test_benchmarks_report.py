"""The benchmark's pure table helpers (benchmarks/report.py); no timing."""

import re

from benchmarks.report import cost_ratio, median, seconds_cell, size_label, table, verdict


def test_median_skips_missing_values():
    assert median([3.0, None, 1.0, 2.0]) == 2.0
    assert median([None, None]) is None
    assert median([]) is None


def test_size_label():
    assert size_label(0) == "real"
    assert size_label(100_000) == "100k"
    assert size_label(1_000_000) == "1M"
    assert size_label(1_500) == "1,500"


def test_cost_ratio():
    assert cost_ratio(2.0, 17.0) == "8.5x"
    assert cost_ratio(None, 1.0) == "n/a"
    assert cost_ratio(0.0, 1.0) == "n/a"


def test_seconds_cell_puts_the_first_page_apart():
    assert seconds_cell(2.691, 4.1, 3) == "2.69 s (first 4.10, n=3)"
    assert seconds_cell(None, None, 0, "timed out after 240 s") == "timed out after 240 s"
    assert seconds_cell(None) == "n/a"


def test_table_aligns_columns():
    text = table(["a", "bb"], [["x", "1"], ["yyy", "22"]])
    assert text.splitlines() == ["a    bb", "---  --", "x     1", "yyy  22"]
    assert verdict(True) == "PASS" and verdict(False) == "MISS" and verdict(None) == "n/a"


def test_the_benchmark_names_the_machine_and_times_a_fixed_piece_of_work():
    from benchmarks.__main__ import machine_reference

    line = machine_reference()
    found = re.search(r"Python loop (\d+\.\d+) s, numpy sort (\d+\.\d+) s", line)
    assert line.startswith("machine: ") and " MHz" in line and found, line
    assert 0 < float(found[1]) < 60 and 0 < float(found[2]) < 60
