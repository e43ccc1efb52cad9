"""names.plain_all / names.fold_all give exactly names.plain / names.fold, value by value.

A property-style check: a varied corpus (the real names and aliases, scripts whose marks
count, accents in every normal form, invisible characters, case oddities, separators the
column-at-once code uses) plus thousands of random strings drawn from those pieces.
"""

from __future__ import annotations

import random
import unicodedata

import pytest

from components.data import DEFAULT_DATA_DIR, read_csv
from components.data.names import fold, fold_all, plain, plain_all

PIECES = [
    # Latin / Greek / Cyrillic with diacritics, composed and decomposed
    "Möng La",
    "Mo\u0308ng",
    "Mỹ Tho",
    "My\u0303 Tho",
    "Đồng Nai",
    "Shwé-Kokko",
    "ŞİŞLİ",
    "Straße",
    "ẞ",
    "İstanbul",
    "ǰ",
    "ŉ",
    "ﬁ",
    "Ἀθῆναι",
    "ᾳ",
    "α\u0345\u0301",
    "ΣΟΦΟΣ ς",
    "Москва́",
    "Ё",
    "Ꭰꭰ",  # Cherokee (casefold maps small to capital)
    # scripts whose marks are part of the name
    "မြန်အောင်မြို့",
    "မာန်အောင်",
    "ကျုံကန်",
    "แว้ง",
    "แวง",
    "ស្រែ",
    "ស្រី",
    "ບ້ານ",
    "ສະຫວັນນະເຂດ",
    "金三角",
    "木姐",
    "ＫＫ",
    "①",
    "²",
    "Ⅻ",
    # invisible and control characters, spaces, punctuation
    "\u200b",
    "\u200d",
    "\u00ad",
    "\ufeff",
    "\u2060",
    "\u00a0",
    "\u3000",
    "\t",
    "\n",
    "\x1f",
    "\x00",
    "\x01",
    "\x05",
    " ",
    "  ",
    "-",
    "_",
    "(",
    ")",
    "/",
    ";",
    "|",
    ".",
    "'",
    "’",
    # marks with no base, or on a digit, a space or a separator
    "\u0301",
    "\u0e49",
    "1\u0301",
    " \u0301",
    "-\u0301",
    "a\u200b\u0301",
    "ng\u0301",
    "Rock",
    "KK Park",
    "Ok",
    "",
]


def _real_names() -> list[str]:
    loc = read_csv(DEFAULT_DATA_DIR / "locations.csv", "locations.csv")
    texts = list(loc["name"]) + list(loc["aliases"]) + list(loc["site_id"])
    return texts + [a.strip() for t in loc["aliases"] for a in t.split(";")]


def _corpus(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        out.append("".join(rng.choice(PIECES) for _ in range(rng.randint(0, 6))))
    return out


@pytest.mark.parametrize(("many", "one"), [(plain_all, plain), (fold_all, fold)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_column_at_once_equals_one_at_a_time(many, one, seed):
    texts = _real_names() + PIECES + _corpus(seed, 3000)
    assert many(texts) == [one(t) for t in texts]


@pytest.mark.parametrize(("many", "one"), [(plain_all, plain), (fold_all, fold)])
def test_every_bmp_character_alone_and_after_a_letter(many, one):
    chars = [chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) != "Cs"]
    texts = chars + [f"a{c}" for c in chars] + [f"{c}\u0301b" for c in chars]
    assert many(texts) == [one(t) for t in texts]


@pytest.mark.parametrize(("many", "one"), [(plain_all, plain), (fold_all, fold)])
def test_ascii_only_and_edge_columns(many, one):
    for texts in ([], [""], ["", ""], ["A b", " -x- ", "__"], [" ".join(PIECES)], [1, None]):
        assert many(texts) == [one(t) for t in texts]


def test_every_separator_in_the_data_still_gives_the_same():
    texts = ["".join(chr(c) for c in range(9)) + "Mö", "x"]
    assert plain_all(texts) == [plain(t) for t in texts]
    assert fold_all(texts) == [fold(t) for t in texts]


def test_search_text_joins_in_one_kernel_as_pandas_did():
    import pandas as pd

    from components.analysis.filters import normalise, search_text

    frame = pd.DataFrame(
        {
            "name": ["Möng La", "", "แว้ง", "<b>KK</b>", "Ｋ Park"],
            "aliases": ["Mongla; 勐拉", "x", "", "a|b", ""],
            "site_id": ["mong_la", "s2", "waeng", "kk", "k"],
        },
        dtype=object,
    )
    expected = [normalise(f"{n} | {a} | {s}") for n, a, s in frame.to_numpy().tolist()]
    assert search_text(frame).tolist() == expected
    mixed = frame.astype({"aliases": object})
    mixed.loc[1, "aliases"] = None  # not all str: pandas' own concatenation
    assert search_text(mixed).tolist()[1] == normalise(" |  | s2")


@pytest.mark.parametrize(("many", "one"), [(plain_all, plain), (fold_all, fold)])
def test_a_column_that_repeats_its_values_folds_each_once_and_gives_the_same(
    many, one, monkeypatch
):
    from components.data import names

    distinct = PIECES + _corpus(3, 400)
    rng = random.Random(4)
    texts = [rng.choice(distinct) for _ in range(3 * names._REPEAT_SAMPLE)]
    calls = []
    real = names._fold_many

    def counting(batch, words):
        calls.append(len(batch))
        return real(batch, words)

    monkeypatch.setattr(names, "_fold_many", counting)
    got = many(texts)
    assert got == [one(t) for t in texts]
    assert calls and max(calls) <= len(set(texts))  # the distinct values, not every row


def test_search_text_folded_per_column_equals_folding_the_joined_text():
    import pandas as pd

    from components.analysis.filters import normalise, search_text

    rng = random.Random(5)
    aliases = _corpus(6, 50) + ["\u0301start", "end\u0301", "ＫＫ|", "\u200b"]
    n = 2 * 16384 + 10
    frame = pd.DataFrame(
        {
            "name": _corpus(7, n),
            "aliases": [rng.choice(aliases) for _ in range(n)],
            "site_id": [f"s{i}" for i in range(n)],
        },
        dtype=object,
    )
    expected = [normalise(f"{a} | {b} | {c}") for a, b, c in frame.to_numpy().tolist()]
    hay = search_text(frame)
    assert hay.tolist() == expected
    assert hay.dtype == "str" and hay.index.equals(frame.index)  # in Arrow buffers
    assert hay.str.contains("kk|", regex=False).sum() == sum("kk|" in h for h in expected) > 0


@pytest.mark.parametrize("seed", [0, 1])
def test_plain_column_in_arrow_equals_plain_value_by_value(seed, monkeypatch):
    import numpy as np
    import pandas as pd

    from components.data import columns, names

    texts = _real_names() + PIECES + _corpus(seed, 3000)
    chars = [chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) != "Cs"]
    texts += chars + [f"A{c}" for c in chars]
    index = pd.RangeIndex(len(texts)) * 3 + 7  # an index of its own, kept
    seen: list[list[str]] = []
    real = names.plain_all
    monkeypatch.setattr(names, "plain_all", lambda v: seen.append(list(v)) or real(v))
    for cells in (pd.Series(texts, index=index, dtype=columns.STR), pd.Series(texts, index=index)):
        seen.clear()
        got = names.plain_column(cells)
        assert got.tolist() == [plain(t) for t in texts]
        assert got.dtype == columns.STR and got.index.equals(index)
        # Only the non-ASCII cells were folded in Python, each distinct one once.
        [folded] = seen
        assert all(not t.isascii() for t in folded) and len(folded) == len(set(folded))
    missing = pd.Series(["Möng", None, np.nan, "KK"], dtype=object)
    assert names.plain_column(missing).tolist() == ["mong", "", "", "kk"]
    assert names.plain_column(pd.Series([], dtype=columns.STR)).tolist() == []
