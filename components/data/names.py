"""How names are compared: one script-aware folding for matching, searching and geocoding.

Analysts, sources and GeoNames write the same place with and without accents, in
upper or lower case, in composed or decomposed Unicode, and in Burmese, Thai, Khmer,
Lao or Chinese script. Two spellings are "the same name" when they fold to the same
text. The rules:

* Compatibility forms are unified (NFKC): full-width "ＫＫ" is "KK", and text typed in
  composed or decomposed form (NFC, NFD) folds the same.
* Case is folded (``str.casefold``).
* A combining mark is dropped only where it is a diacritic on a Latin, Greek or
  Cyrillic letter: "Möng La" and "Mong La", "Mỹ Tho" and "My Tho" are the same name.
  Vietnamese "đ" is folded to "d" too (a letter with a stroke, not a mark).
* Every other combining mark is part of the name and is kept: the vowel signs, tone
  marks and subscript signs of Myanmar, Thai, Khmer and Lao (and of any other script),
  so "မြန်အောင်" (Myanaung) and "မာန်အောင်" (Manaung), or "แว้ง" and "แวง" (two
  towns called Waeng 1,170 km apart), stay different names.
* Invisible format characters (zero width space, joiners, soft hyphen, BOM) are
  dropped: GeoNames and copied text carry them unpredictably.

There is no fuzzy matching here: names are equal or they are not. Zawgyi-encoded
Burmese (the pre-Unicode font encoding still found in some files) is not converted.
Standard library (``unicodedata``), numpy and pandas (to find repeated values).

:func:`plain_all` and :func:`fold_all` give the same results for a whole column at
once: the column is joined into one string (with a separator it does not hold), the
Unicode steps run over that string in C, and the base-letter rule for marks is one
regular expression built from the characters present. No Python runs per value, so a
million names take about a second rather than minutes. A column that repeats its values
(aliases, admin areas) has each distinct value folded once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from components.data import columns

__all__ = ["fold", "fold_all", "plain", "plain_all", "plain_column"]

# Scripts whose combining marks are diacritics: dropped when they sit on their letters.
DIACRITIC_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")
# Latin letters with a stroke or bar are not decomposed by Unicode; the ones place
# names use, mapped to their plain letter (after case folding).
_LATIN_STROKES = str.maketrans({"đ": "d"})
_ASCII_NON_WORD = re.compile(r"[\W_]+", re.ASCII)


@lru_cache(maxsize=4096)
def _takes_off_marks(base: str) -> bool:
    """Whether marks on ``base`` are diacritics (a Latin, Greek or Cyrillic letter)."""
    return unicodedata.name(base, "").split(" ", 1)[0] in DIACRITIC_SCRIPTS


def _fold(text: str, words: bool) -> str:
    """:func:`plain` of non-ASCII ``text``; with ``words``, non-word runs as spaces."""
    # casefold between two NFKDs: compatibility forms may fold, and folds decompose
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    out: list[str] = []
    base = ""  # the letter the marks that follow sit on
    for ch in decomposed:
        kind = unicodedata.category(ch)[0]
        if kind == "M":
            if not (base and _takes_off_marks(base)):
                out.append(ch)
        elif kind == "C" and unicodedata.category(ch) == "Cf":
            continue  # invisible: zero width space and joiners, soft hyphen, BOM
        else:
            base = ch
            out.append(" " if words and kind not in "LN" else ch)
    text = unicodedata.normalize("NFC", "".join(out)).translate(_LATIN_STROKES)
    return " ".join(text.split()) if words else text


def plain(text: str) -> str:
    """Case-folded ``text`` with Latin/Greek/Cyrillic diacritics dropped; all else kept.

    Punctuation and spacing are left as they are (the form for substring search);
    marks of other scripts are kept; invisible format characters are dropped; the
    result is NFC. Accepts any value (``str()`` is applied); never raises.
    'Möng La (KK)' -> 'mong la (kk)'; 'แว้ง' -> 'แว้ง'; 'Mỹ Tho' -> 'my tho'.
    """
    text = str(text)
    return text.lower() if text.isascii() else _fold(text, words=False)


def fold(text: str) -> str:
    """Key for comparing names: :func:`plain`, with punctuation as word breaks.

    Runs of characters other than letters, marks and digits (punctuation, spaces,
    underscores) become one space; leading and trailing spaces go. Marks are part of
    their word, never a break. Accepts any value (``str()`` is applied); never raises.
    'Shwé-Kokko  (Yatai)' -> 'shwe kokko yatai'; 'မြန်အောင်မြို့' keeps every sign.
    """
    text = str(text)
    if text.isascii():
        return " ".join(_ASCII_NON_WORD.sub(" ", text.lower()).split())
    return _fold(text, words=True)


# Candidates for the separator that joins a column into one string: none of them is
# changed by NFKD, casefold or NFC, or composes with a neighbour.
_SEPARATORS = ("\x00", "\x01", "\x02", "\x03", "\x04", "\x05", "\x06", "\x07")


def _class(chars: Iterable[str]) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


def _fold_many(texts: list[str], words: bool) -> list[str]:
    """:func:`plain` (or :func:`fold` with ``words``) of every text: ASCII texts (most
    names) in one pass, the others in another."""
    ascii_ = np.fromiter(map(str.isascii, texts), dtype=bool, count=len(texts))
    if ascii_.all() or not ascii_.any():
        return _fold_joined(texts, words)
    values = np.array(texts, dtype=object)
    out = np.empty(len(texts), dtype=object)
    out[ascii_] = _fold_joined(values[ascii_].tolist(), words)
    out[~ascii_] = _fold_joined(values[~ascii_].tolist(), words)
    return out.tolist()


def _fold_joined(texts: list[str], words: bool) -> list[str]:
    """:func:`plain` (or :func:`fold` with ``words``) of every text, in one pass."""
    if not texts:
        return []
    joined = "".join(texts)
    sep = next((c for c in _SEPARATORS if c not in joined), None)
    if sep is None:  # every candidate occurs in the data: fall back to one at a time
        return list(map(fold if words else plain, texts))
    text = sep.join(texts)
    if text.isascii():
        folded = text.lower()
        if words:
            folded = re.sub(rf"[^a-z0-9{re.escape(sep)}]+", " ", folded)
    else:
        folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
        present = set(folded)
        invisible = {c for c in present if unicodedata.category(c) == "Cf"}
        if invisible:
            folded = re.sub(_class(invisible), "", folded)
            present -= invisible
        marks = {c for c in present if unicodedata.category(c)[0] == "M"}
        bases = {c for c in present if c not in marks and _takes_off_marks(c)}
        if marks and bases:
            # A mark sits on the last non-mark before it (format characters are gone).
            folded = re.sub(f"(?<={_class(bases)}){_class(marks)}+", "", folded)
        if words:
            kinds = {c: unicodedata.category(c)[0] for c in present}
            breaks = {c for c, kind in kinds.items() if c != sep and kind not in "LNM"}
            if breaks:
                folded = re.sub(_class(breaks) + "+", " ", folded)
        folded = unicodedata.normalize("NFC", folded)
        for letter, plain_letter in _LATIN_STROKES.items():  # str.translate is slow here
            folded = folded.replace(chr(letter), plain_letter)
    if words:  # one space between words, none at either end of a value
        folded = re.sub(f" *{re.escape(sep)} *", sep, re.sub(" {2,}", " ", folded)).strip(" ")
    return folded.split(sep)


def _texts(values: Iterable[object]) -> list[str]:
    if isinstance(values, (pd.Series, np.ndarray)):  # a list iterates much faster
        values = values.tolist()
    return list(map(str, values))


# Rows looked at to guess whether a column repeats its values (aliases, countries,
# admin areas do; names and ids mostly do not), and the share of distinct values in
# that sample below which each distinct value is folded once.
_REPEAT_SAMPLE = 1 << 14
_REPEAT_SHARE = 0.5


def _fold_distinct(texts: list[str], words: bool) -> list[str]:
    """:func:`_fold_many`, each distinct text folded once when the texts repeat."""
    sample = texts[:_REPEAT_SAMPLE]
    if len(texts) < 2 * _REPEAT_SAMPLE or len(set(sample)) > _REPEAT_SHARE * len(sample):
        return _fold_many(texts, words)
    codes, uniques = pd.factorize(np.array(texts, dtype=object), sort=False)
    folded = np.array(_fold_many(uniques.tolist(), words), dtype=object)
    return folded[codes].tolist()


def plain_all(values: Iterable[object]) -> list[str]:
    """:func:`plain` of each value (``str()`` applied), for a whole column at once."""
    return _fold_distinct(_texts(values), words=False)


def plain_column(cells: pd.Series) -> pd.Series:
    """:func:`plain` of each cell of a text column (a missing cell: ""), as a
    :data:`components.data.columns.STR` Series on ``cells``' index.

    In Arrow: the ASCII cells (nearly all names and ids) are lower-cased in one kernel
    call and never become Python strings; each distinct other cell is folded once by
    :func:`plain_all`. Value for value the same as :func:`plain_all`; at a million
    names, a few MB of Python objects instead of a few hundred.
    """
    arr = columns.text_array(cells)
    other = pc.invert(pc.string_is_ascii(arr))
    folded = pc.ascii_lower(arr)  # the other cells are replaced below
    if pc.any(other).as_py():
        encoded = pc.dictionary_encode(arr.filter(other))
        distinct = pa.array(plain_all(encoded.dictionary.to_pylist()), type=arr.type)
        folded = pc.replace_with_mask(folded, other, distinct.take(encoded.indices))
    return pd.Series(pd.array(folded, dtype=columns.STR), index=cells.index)


def fold_all(values: Iterable[object]) -> list[str]:
    """:func:`fold` of each value (``str()`` applied), for a whole column at once."""
    return _fold_distinct(_texts(values), words=True)
