"""components.data.memo: results kept per table object, dropped with it; and the citation
lines built from it (components.ui.citation.source_line) read as the table says."""

from __future__ import annotations

import gc

import pandas as pd

from components.data import load_atlas
from components.data.memo import entries_for
from components.ui import citation
from components.ui.text import md, md_link
from tests.apptest import ROOT


def test_one_dict_per_table_kept_while_the_table_lives():
    store: dict = {}
    a, b = pd.DataFrame({"x": [1]}), pd.DataFrame({"x": [1]})  # equal, not the same
    entries_for(store, a)["k"] = 1
    assert entries_for(store, a) == {"k": 1}
    assert entries_for(store, b) == {}
    del a
    gc.collect()
    assert list(store) == [id(b)]


def _old_source_line(source_id: str, sources: pd.DataFrame) -> str:
    """The line as it was built before the per-table index (a filter per lookup)."""
    row = sources[sources["source_id"] == source_id]
    if row.empty:
        return md(source_id)
    s = row.iloc[0]
    date = s["date"] or "undated"
    return f"{md_link(s['publisher'], s['url'])}, {md(date)} ({md(source_id)})"


def test_source_lines_are_the_tables_word_for_word():
    sources = load_atlas(ROOT / "data").atlas.sources
    for sid in [*sources["source_id"], "S999_unknown", "<b>x</b>"]:
        assert citation.source_line(sid, sources) == _old_source_line(sid, sources)


def test_a_repeated_source_id_reads_as_its_first_row_and_a_new_table_is_read_anew():
    first = pd.DataFrame(
        {
            "source_id": ["S1", "S1"],
            "publisher": ["First [pub]", "Second"],
            "url": ["https://a.example/1", "https://b.example/2"],
            "date": ["2025-01-02", ""],
        }
    )
    assert citation.source_line("S1", first) == _old_source_line("S1", first)
    assert "First" in citation.source_line("S1", first)
    edited = first.assign(publisher=["Edited", "Second"])
    assert "Edited" in citation.source_line("S1", edited)


def test_a_bounded_memo_keeps_the_newest_keys_per_table():
    from components.data.memo import computed

    store: dict = {}
    table = pd.DataFrame({"x": [1]})
    calls = []

    def compute(key):
        calls.append(key)
        return key * 10

    for key in [1, 2, 3, 4]:
        assert computed(store, table, key, lambda k=key: compute(k), max_kept=2) == key * 10
    assert list(store[id(table)]) == [3, 4]  # the oldest went first
    assert computed(store, table, 4, lambda: compute(4), max_kept=2) == 40
    assert calls == [1, 2, 3, 4]  # 4 answered from memory
    assert computed(store, table, 1, lambda: compute(1), max_kept=2) == 10
    assert calls == [1, 2, 3, 4, 1] and list(store[id(table)]) == [4, 1]
