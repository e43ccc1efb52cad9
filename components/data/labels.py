"""Human labels for codes shown on screen (pure; shared by the map, panels and exports)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pycountry

from components.data import columns

ZONE_LABELS = {
    "compound": "Compound",
    "casino_complex": "Casino complex",
    "special_economic_zone": "Special economic zone",
    "freeport_zone": "Freeport zone",
    "self_administered_zone": "Self-administered zone",
    "border_town": "Border town",
    "city": "City",
    "province": "Province",
    "enabler": "Enabler (financial or infrastructure node, not a compound)",
}
# Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
ZONE_COLOURS = {
    "compound": "#D55E00",
    "casino_complex": "#CC79A7",
    "special_economic_zone": "#0072B2",
    "freeport_zone": "#56B4E9",
    "self_administered_zone": "#009E73",
    "border_town": "#E69F00",
    "city": "#000000",
    "province": "#F0E442",
    # Grey: the neutral colour used alongside the eight Okabe-Ito colours.
    "enabler": "#999999",
}
PRECISION_LABELS = {
    "compound": "compound (the point is the site itself)",
    "town": "town (the point is a town centre; the site is nearby)",
    "district": "district (a point inside a large zone, or an estimate >5 km off)",
    "province": "province (the point only stands for the province)",
}
# Radius of the uncertainty halo drawn around a point, by what the point stands for.
HALO_METRES = {"compound": 0, "town": 5_000, "district": 15_000, "province": 40_000}
CONFIDENCE_LABELS = {"high": "High", "medium": "Medium", "low": "Low (unverified estimate)"}
QUALIFIER_LABELS = {
    "at_least": "lower bound",
    "estimate": "estimate",
    "range": "range",
    "up_to": "upper bound",
    "qualitative": "words only, no number",
    "reported": "reported count",
}
_SHORT_NAMES = {
    "LA": "Laos",
    "VN": "Vietnam",
    "KR": "South Korea",
    "TW": "Taiwan",
    "RU": "Russia",
    "IR": "Iran",
    "BO": "Bolivia",
    "TZ": "Tanzania",
    "SY": "Syria",
}


@cache
def country_name(code: str) -> str:
    """Short English name for an ISO alpha-2 code ('' -> 'Regional / multi-country')."""
    if not code:
        return "Regional / multi-country"
    if code in _SHORT_NAMES:
        return _SHORT_NAMES[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


# A site's status at a date (components.data.status), in the order a site's life runs.
STATUS_LABELS = {
    "reported": "Reported (named in a source)",
    "operating": "Operating (reported active)",
    "raided": "Raided",
    "closed": "Sealed / closed",
    "seized": "Seized by an armed group",
    "struck": "Struck (military strike)",
    "demolished_claimed": "Demolition claimed",
    "demolished_verified": "Demolition verified",
    "relocated": "Relocated",
    "forfeited": "Forfeited to the state",
}
EVENT_TYPE_LABELS = {
    "report": "Report",
    "raid": "Raid (police or army operation)",
    "rescue": "Rescue / repatriation",
    "sanction": "Sanction",
    "policy": "Policy",
    "pledge": "Pledge",
    "prosecution": "Prosecution (conviction, execution, extradition, warrant)",
    "strike": "Military strike",
}
# What a figure covers (components.data.tables.FIGURE_SCOPES).
SCOPE_LABELS = {
    "national": "National",
    "subnational": "Part of a country",
    "site": "One site",
    "regional": "Several countries",
}


# --- site names on screen ------------------------------------------------------------


def name_key(name: object) -> str:
    """What makes two site names look the same on screen: case and runs of spaces ignored
    (``"Poipet  Casino "`` and ``"poipet casino"`` collide; ``"Möng La"`` and
    ``"Mong La"`` do not)."""
    return " ".join(str(name if isinstance(name, str) else "").casefold().split())


# str.split()'s whitespace among ASCII characters; a name whose key is more than its
# lower case: spaces at either end, two together, or one that is not a plain space.
_ASCII_SPACE = "[\t\n\x0b\x0c\r\x1c-\x1f ]"
_ASCII_SPACES = _ASCII_SPACE + "+"
_RESPACED = f"^{_ASCII_SPACE}|{_ASCII_SPACE}$|{_ASCII_SPACE}{{2}}|[\t\n\x0b\x0c\r\x1c-\x1f]"
_ARROW_NAMES = 10_000  # names from which a column is keyed in Arrow
_LENGTH_GROUPS = 4  # the keys are counted in this many groups of lengths


def repeated_names(names: Iterable[object]) -> frozenset[str]:
    """The :func:`name_key` of every name given more than once.

    A long column (a Series of :data:`_ARROW_NAMES` names or more) is keyed in Arrow
    for its ASCII names (casefold is lower-casing there) and name by name for the
    others, then counted in Arrow: no set of a million str.
    """
    if isinstance(names, pd.Series) and len(names) >= _ARROW_NAMES:
        return _repeated_names_arrow(names)
    seen: set[str] = set()
    repeated: set[str] = set()
    for key in map(name_key, names):
        (repeated if key in seen else seen).add(key)
    return frozenset(repeated)


def _repeated_names_arrow(names: pd.Series) -> frozenset[str]:
    if names.dtype == object:  # name_key reads anything but a str as ""
        names = names.where(names.map(lambda v: isinstance(v, str)), "")
    arr = columns.text_array(names)
    keys = pc.ascii_lower(arr)
    # Spaces to collapse or trim: only those names are rewritten (one copy of the column
    # at a time: 45 MB less at a million names).
    spaced = pc.match_substring_regex(arr, _RESPACED)
    if pc.any(spaced).as_py():
        fixed = pc.utf8_trim(
            pc.replace_substring_regex(pc.filter(keys, spaced), _ASCII_SPACES, " "), characters=" "
        )
        keys = pc.replace_with_mask(keys, spaced, fixed)
    # Non-ASCII names: casefold and Unicode spaces, Python's own rules, name by name.
    # Their Arrow keys above are wrong but never ASCII, so they cannot be counted with
    # an ASCII name's key: the counts of ASCII keys are the ASCII names', and each
    # Python key is counted apart and added (no second copy of the column's keys).
    other = np.flatnonzero(~pc.string_is_ascii(arr).to_numpy(zero_copy_only=False))
    python = Counter(name_key(v) for v in arr.take(pa.array(other)).to_pylist())
    wanted = pa.array([k for k in python if k.isascii()], type=pa.large_string())
    # Counted in a few groups by length (equal keys are equally long): the counting's
    # hash table and distinct values are for a part of the column at a time.
    lengths = pc.binary_length(keys).to_numpy()
    bounds = np.unique(np.quantile(lengths, np.linspace(0, 1, _LENGTH_GROUPS + 1)[1:-1]))
    group = np.searchsorted(bounds, lengths, side="right")
    repeated: set[str] = set()
    for g in np.unique(group):
        counts = pc.value_counts(pc.filter(keys, pa.array(group == g)))
        values, n = counts.field("values"), counts.field("counts")
        ascii_ = pc.string_is_ascii(values)
        repeated.update(pc.filter(values, pc.and_(ascii_, pc.greater(n, 1))).to_pylist())
        shared = pc.and_(ascii_, pc.is_in(values, value_set=wanted))
        for key, count in zip(
            pc.filter(values, shared).to_pylist(), pc.filter(n, shared).to_pylist(), strict=True
        ):
            python[key] += count  # an ASCII name with the same key as a non-ASCII one
    repeated.update(k for k, count in python.items() if count > 1)
    return frozenset(repeated)


def site_labels(
    names: Sequence[object],
    site_ids: Sequence[object],
    repeated: Collection[str] | None = None,
) -> list[str]:
    """One label per site for lists, choosers, map tooltips and headings: the name, with
    the site id in brackets when another site has the same name (``"Poipet casino
    (u_poipet_2)"``), so two sites never share a label (site ids are unique).

    ``repeated``: the :func:`name_key` of the names that collide, when they are counted
    among more sites than are listed (a page of the table); by default among ``names``.
    Raises ValueError if ``names`` and ``site_ids`` differ in length.
    """
    if len(names) != len(site_ids):
        raise ValueError(f"Expected one site id per name, got {len(site_ids)} for {len(names)}.")
    if repeated is None:
        repeated = repeated_names(names)
    out = []
    for name, site_id in zip(names, site_ids, strict=True):
        text = name if isinstance(name, str) else ""
        out.append(labelled(text, site_id, repeated))
    return out


def labelled(name: object, site_id: str, repeated: Collection[str]) -> str:
    """``name`` as text, with the site id in brackets when its :func:`name_key` is among
    ``repeated`` (the :func:`repeated_names` of the sites it is listed with)."""
    return f"{name} ({site_id})" if name_key(name) in repeated else str(name)


def site_label(site_id: str, sites: pd.DataFrame, repeated: Collection[str] | None = None) -> str:
    """The :func:`site_labels` label of one site, collisions counted among every row of
    ``sites`` (columns ``site_id`` and ``name``). One pass over the names, so it is
    fine for one heading even at 100,000 sites; none when ``repeated`` (the
    :func:`repeated_names` of ``sites``, kept per dataset) is given. Raises KeyError if
    ``site_id`` is not in ``sites``."""
    match = sites.loc[sites["site_id"] == site_id, "name"]
    if match.empty:
        raise KeyError(f"No site {site_id!r} among the {len(sites):,} sites given.")
    name = match.iloc[0]
    key = name_key(name)
    if repeated is not None:
        return labelled(name, site_id, repeated)
    # Only names holding the key's longest word can collide: look closely at those.
    word = max(key.split(), key=len, default="")
    names = sites["name"].fillna("").astype(str)
    near = names[names.str.casefold().str.contains(word, regex=False)] if word else names
    same = sum(name_key(n) == key for n in near)
    return f"{name} ({site_id})" if same > 1 else str(name)
