"""How names are compared (components/data/names.py), and the three places that use it.

The pairs below are real, different names that the old fold (NFKD, then every
combining mark dropped, then every non-word character a space) made equal: in
Myanmar, Thai, Khmer and Lao script the vowel signs and tone marks are combining
marks, so dropping them (or splitting words at them) merges different names. The
Myanmar and Thai pairs are GeoNames alternate names of different places (ids given).
"""

from __future__ import annotations

import unicodedata

import pytest

from components.analysis import filters
from components.data import tables
from components.geocode import geocoder

# (one name, another name, what they are)
COLLIDING = [
    # GeoNames 1308204 Myanaung (Ayeyarwady) / 1311909 Manaung (Rakhine), 179 km apart
    ("မြန်အောင်မြို့", "မာန်အောင်မြို့", "Myanaung / Manaung"),
    # GeoNames 1324378 Hmaw Daw / 1309866 Me Taw (605 km apart)
    ("မှော်တော", "မဲတော", "Hmaw Daw / Me Taw"),
    # GeoNames 1315810 Kyon Kan / 1317451 Kyar Kan, two villages 10 km apart (Yangon)
    ("ကျုံကန်", "ကြာကန်", "Kyon Kan / Kyar Kan"),
    # GeoNames 1604597 Waeng (Narathiwat) / 1607600 Waeng (Roi Et), 1,170 km apart:
    # the same romanisation, but the Thai spellings differ by a tone mark
    ("แว้ง", "แวง", "Waeng (Narathiwat) / Waeng (Roi Et)"),
    # Khmer: srae 'rice field' / srei 'woman', both in many place names
    # (Srae Ambel, Serei Saophoan); they differ only in the vowel sign
    ("ស្រែ", "ស្រី", "Khmer srae / srei"),
    # Lao: ban 'village' (with tone mark) / ban 'to bloom'
    ("ບ້ານ", "ບານ", "Lao ban / ban"),
]
FOLDS = {
    "names.fold": lambda text: _names().fold(text),
    "names.plain": lambda text: _names().plain(text),
    "tables.fold": tables.fold,
    "geocoder.fold": geocoder.fold,
    "filters.normalise": filters.normalise,
}

WORD_KEYS = ["names.fold", "tables.fold", "geocoder.fold"]  # punctuation, spacing folded too


def _names():
    from components.data import names

    return names


@pytest.mark.parametrize("how", FOLDS)
@pytest.mark.parametrize("one, other, what", COLLIDING, ids=[c[2] for c in COLLIDING])
def test_different_brahmic_names_no_longer_fold_to_the_same_key(how, one, other, what):
    fold = FOLDS[how]
    assert fold(one) != fold(other), f"{what} still collide under {how}"


@pytest.mark.parametrize("how", WORD_KEYS)
@pytest.mark.parametrize(
    "text, key",
    [
        ("Möng La", "mong la"),
        ("MÖNG-LA", "mong la"),
        ("Mỹ Tho", "my tho"),
        ("Shwé-Kokko  (Yatai)", "shwe kokko yatai"),
        ("Đà Nẵng", "da nang"),  # Vietnamese d with stroke is not a mark: mapped
        ("Ἀθῆναι", "αθηναι"),  # Greek accents and breathings
        ("Пойпе́т", "поипет"),  # Cyrillic: the stress mark and the breve of й go
        ("ＫＫ　Ｐａｒｋ", "kk park"),  # full-width forms (NFKC)
        ("Self-Administered_Zone", "self administered zone"),
    ],
)
def test_latin_greek_cyrillic_diacritics_still_fold(how, text, key):
    assert FOLDS[how](text) == key


@pytest.mark.parametrize("how", FOLDS)
def test_marks_of_brahmic_scripts_are_kept_and_are_not_word_breaks(how):
    fold = FOLDS[how]
    for text in ("မြန်အောင်မြို့", "แว้ง", "ប៉ោយប៉ែត", "ບໍ່ເຕັນ"):
        folded = fold(text)
        assert " " not in folded, f"{text!r} split into words: {folded!r}"
        assert {ch for ch in text if unicodedata.category(ch)[0] == "M"} <= set(
            unicodedata.normalize("NFD", folded)
        )


@pytest.mark.parametrize("how", FOLDS)
@pytest.mark.parametrize(
    "text",
    [
        "မြောက်ဦးမြို့",  # Mrauk U: ဦ (U+1026) has a canonical decomposition
        "Mỹ Tho",
        "ប៉ោយប៉ែត",
        "ปะคำ",  # Thai sara am has a compatibility decomposition
        "Ἀθῆναι",
    ],
)
def test_the_same_text_in_any_normal_form_folds_the_same(how, text):
    fold = FOLDS[how]
    forms = {unicodedata.normalize(nf, text) for nf in ("NFC", "NFD", "NFKC", "NFKD")}
    assert len({fold(form) for form in forms}) == 1


@pytest.mark.parametrize("how", FOLDS)
def test_invisible_format_characters_do_not_change_a_name(how):
    fold = FOLDS[how]
    # GeoNames itself has 'ရေတွင်းကုန်း' with and without a leading zero width space,
    # and 'မြောက်ဦးမြို့' with a zero width non-joiner.
    assert fold("\u200bရေတွင်းကုန်း") == fold("ရေတွင်းကုန်း")
    assert fold("မြောက်\u200cဦးမြို့") == fold("မြောက်ဦးမြို့")


def test_plain_keeps_punctuation_and_spacing_for_substring_search():
    names = _names()
    assert names.plain("Shwe Kokko (Yatai)") == "shwe kokko (yatai)"
    assert names.plain("MÖNG La") == "mong la"
    assert names.plain("KK Park, Myawaddy") == filters.normalise("KK Park, Myawaddy")


def test_search_box_finds_thai_and_khmer_names_only_by_their_own_spelling():
    import pandas as pd

    sites = pd.DataFrame(
        {
            "site_id": ["waeng_nara", "waeng_roiet", "srae"],
            "name": ["แว้ง", "แวง", "ស្រែអំបិល"],
            "aliases": ["Waeng", "Waeng", "Srae Ambel"],
        }
    )
    hay = filters.search_text(sites)
    assert hay.str.contains(filters.normalise("แว้ง"), regex=False).tolist() == [
        True,
        False,
        False,
    ]
    assert hay.str.contains(filters.normalise("ស្រី"), regex=False).tolist() == [
        False,
        False,
        False,
    ]
    assert hay.str.contains(filters.normalise("ស្រែ"), regex=False).tolist() == [
        False,
        False,
        True,
    ]
