"""check_site_quotes (grouped by aliases and source_ids) gives what the per-site loop gave."""

from __future__ import annotations

import pandas as pd

from components.data import LOCATIONS
from components.data.tables import (
    Problem,
    TableResult,
    _padded_forms,
    _split_ids,
    check_site_quotes,
    fold,
)


def _per_site(result: TableResult, sources: pd.DataFrame) -> None:
    """The loop check_site_quotes replaced, kept as the reference."""
    quotes = {
        sid: f" {fold(q)} " for sid, q in zip(sources["source_id"], sources["quote"], strict=True)
    }
    frame = result.frame
    drop = []
    columns = ("site_id", "name", "aliases", "source_ids")
    for row, site_id, name, aliases, cited in zip(
        frame.index.tolist(), *(frame[c].tolist() for c in columns), strict=True
    ):
        ids = _split_ids(cited)
        if not ids:
            continue
        texts = [t.strip() for t in [*aliases.split(";"), name] if t.strip()]
        for sid in ids:
            quote = quotes.get(sid)
            if quote is None:
                continue
            if not any(form in quote for text in texts for form in _padded_forms(text)):
                shown = name.split(" (")[0] or site_id
                result.problems.append(
                    Problem(
                        result.schema.file,
                        f"quote of {sid} does not name {shown} or an alias; cite a source "
                        "whose quote names the site, or add the alias the source uses",
                        int(row),
                        "source_ids",
                        str(cited),
                    )
                )
                drop.append(row)
    if drop:
        result.bad_rows.update(int(r) for r in drop)
        result.frame = frame.drop(index=sorted(set(drop)))


SOURCES = pd.DataFrame(
    {
        "source_id": ["S1", "S2", "S3", "S4", "S5"],
        "quote": [
            "Raids at Shwe Kokko (Yatai) and KK Park.",
            "ในจังหวัด แว้ง มีศูนย์",
            "<b>Möng La</b> casinos; မြဝတီ border",
            "Nothing about anywhere.",
            "The KKK compound and Mỹ Tho",
        ],
    }
)

SITES = [
    # site_id, name, aliases, source_ids
    ("a", "Shwe Kokko (Yatai New City)", "", "S1"),
    ("b", "KK Park", "", "S1;S4"),
    ("c", "KK", "", "S5"),  # 'KK' is not 'KKK'
    ("d", "Waeng", "แว้ง", "S2"),
    ("e", "Waeng 2", "แวง", "S2"),  # marks of Thai are kept: a different name
    ("f", "Mong La", "", "S3"),
    ("g", "Myawaddy", "Myawadi; မြဝတီ", "S3; S3 ;S4"),
    ("h", "My Tho", "", "S5;S9"),  # S9 has no quote: not checked here
    ("i", "", "", "S4"),  # blank name: the site_id is shown
    ("j", "Nowhere (Shwe Kokko)", "", ""),
    ("k", "Nowhere", "Shwe Kokko / Elsewhere", "S1"),
    ("l", "Nowhere", "Shwe Kokko / Elsewhere", "S1;S4"),
    ("m", "Yatai", "Shwe Kokko / Elsewhere", "S1;S4"),
    ("n", "<script>x</script>", ";;", "S4;S1"),
]


def _table(rows) -> TableResult:
    frame = pd.DataFrame(
        [
            dict.fromkeys(LOCATIONS.names, "")
            | {"site_id": s, "name": n, "aliases": a, "source_ids": c}
            for s, n, a, c in rows
        ],
        dtype=object,
    )
    frame.index = range(2, len(frame) + 2)
    return TableResult(LOCATIONS, frame)


def test_grouped_check_matches_the_per_site_loop():
    rows = SITES * 3  # shared (aliases, source_ids) groups, names differing or not
    new, old = _table(rows), _table(rows)
    check_site_quotes(new, SOURCES)
    _per_site(old, SOURCES)
    assert [str(p) for p in new.problems] == [str(p) for p in old.problems]
    assert new.problems and new.bad_rows == old.bad_rows
    assert new.frame.equals(old.frame)


def test_no_sites_and_no_problems():
    empty = _table([])
    check_site_quotes(empty, SOURCES)
    assert empty.problems == [] and empty.frame.empty
