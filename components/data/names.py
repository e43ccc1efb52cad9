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
Pure standard library (``unicodedata``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["fold", "plain"]

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
