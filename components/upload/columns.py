"""Read other tools' column names and country names as the atlas's (pure).

Files exported from spreadsheets, kepler.gl or Felt name their columns ``Latitude``,
``Long``, ``x``/``y``, ``Site name`` ... and hold country *names*. :func:`suggest_mapping`
proposes which file column feeds each atlas column; :func:`apply_mapping` renames them
and turns country names into ISO 3166 alpha-2 codes, saying what it did.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import pycountry

from components.data.tables import LOCATIONS

ATLAS_COLUMNS: tuple[str, ...] = tuple(LOCATIONS.names)
# Columns a file must provide (lat/lon may be blank, but the columns must be chosen).
REQUIRED: tuple[str, ...] = tuple(
    c.name for c in LOCATIONS.columns if c.required or c.name in ("lat", "lon")
)

# Other names for each atlas column, compared after :func:`_norm` (lower case, text in
# brackets and everything but letters and digits dropped: "Latitude (WGS84)" -> latitude).
# Earlier entries win. Deliberately left out: "source" (often a URL, not a source id),
# "description" for anything but note.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "site_id": ("siteid", "id", "identifier", "siteref", "ref", "code"),
    "name": ("sitename", "placename", "compoundname", "title", "label", "place"),
    "aliases": ("alias", "othernames", "alsoknownas", "aka"),
    "country": ("countrycode", "countryname", "iso2", "iso", "countryiso", "nation"),
    "admin1": ("province", "state", "region", "adm1", "admin1name", "division"),
    "zone_type": ("zonetype", "zone", "sitetype", "type", "category"),
    "precision": ("locationprecision", "geoprecision", "accuracy"),
    "lat": ("latitude", "latdd", "decimallatitude", "ycoord", "pointy", "y"),
    "lon": ("longitude", "long", "lng", "londd", "decimallongitude", "xcoord", "pointx", "x"),
    "coord_source": ("coordsource", "coordinatesource", "coordinatessource"),
    "coord_evidence": ("coordevidence", "coordinateevidence", "evidence"),
    "confidence": ("certainty", "reliability"),
    "source_ids": ("sourceid", "sourceids", "sourcerefs"),
    "note": ("notes", "description", "comment", "comments", "remarks"),
    "parent_site_id": ("parentsiteid", "parentid", "parent"),
}

# Country names people write that pycountry's lookup does not know (keys as _norm gives).
COUNTRY_ALIASES: dict[str, str] = {
    "burma": "MM",
    "laopdr": "LA",
    "laos": "LA",
    "vietnam": "VN",
    "brunei": "BN",
    "macau": "MO",
    "easttimor": "TL",
    "southkorea": "KR",
    "northkorea": "KP",
    "russia": "RU",
    "uae": "AE",
    "prc": "CN",
}

_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NON_ALNUM = re.compile(r"[\W_]+")
_CODES = frozenset(c.alpha_2 for c in pycountry.countries)


# Atlas columns an analyst may set for every row at once when the file has no such column
# (a kepler.gl or Felt export has names and points, not the atlas's vocabulary).
FILLABLE: tuple[str, ...] = ("site_id", "zone_type", "precision", "confidence")


@dataclass(frozen=True)
class Fill:
    """A value the analyst chose for every row of an atlas column the file lacks.

    For ``site_id`` the value is a prefix: the row that problems call row N (spreadsheet
    numbering for a CSV, header = row 1; feature N of a GIS file) gets ``"<prefix>-N"``.
    """

    value: str


def id_prefix(file_name: str) -> str:
    """A site-id prefix from a file name: 'My sites (v2).geojson' -> 'My-sites-v2'."""
    stem = re.sub(r"\.[A-Za-z0-9]{1,8}$", "", str(file_name))
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-._")
    return slug[:40] or "site"


def _norm(text: str) -> str:
    return _NON_ALNUM.sub("", _BRACKETS.sub("", str(text)).casefold())


def suggest_mapping(headers: Sequence[str]) -> dict[str, str | None]:
    """For every atlas column (``LOCATIONS`` order), the file column that seems to hold
    it, or None.

    A header equal to an atlas name wins, then one equal to it ignoring case, spaces and
    punctuation, then the synonyms in :data:`SYNONYMS` in order (``x`` is lon, ``y`` is
    lat). One file column never feeds two atlas columns.
    """
    mapping: dict[str, str | None] = dict.fromkeys(ATLAS_COLUMNS)
    taken: set[str] = set()
    levels: list[dict[str, tuple[str, ...]]] = [
        {c: (c,) for c in ATLAS_COLUMNS},
        {c: (_norm(c),) for c in ATLAS_COLUMNS},
    ]
    depth = max(len(v) for v in SYNONYMS.values())
    levels += [{c: s[i : i + 1] for c, s in SYNONYMS.items()} for i in range(depth)]
    for level, wanted in enumerate(levels):
        for column in ATLAS_COLUMNS:
            if mapping[column] is not None:
                continue
            for header in headers:
                if header in taken:
                    continue
                key = header if level == 0 else _norm(header)
                if key in wanted.get(column, ()):
                    mapping[column] = header
                    taken.add(header)
                    break
    return mapping


def needs_mapping(headers: Sequence[str]) -> bool:
    """True unless every required atlas column is a header under its own name."""
    return not set(REQUIRED) <= set(headers)


def country_code(value: str) -> str | None:
    """The ISO alpha-2 code for a country name, alpha-2/alpha-3 code or alias; None if
    unknown. Only exact lookups (no fuzzy guessing)."""
    text = " ".join(str(value).split())
    if not text:
        return None
    alias = COUNTRY_ALIASES.get(_norm(text))
    if alias:
        return alias
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return None


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def apply_mapping(
    frame: pd.DataFrame, mapping: Mapping[str, str | Fill | None]
) -> tuple[pd.DataFrame, list[str]]:
    """Rename the chosen file columns to atlas names and convert country names to codes.

    ``mapping`` is atlas column -> file column, or a :class:`Fill` (one value for every
    row, said in a note; only for :data:`FILLABLE` columns), or None (the atlas column
    is left out, even if the file has a column of that name). Columns not in the mapping
    stay as they are. Returns the new frame (text cells) and one-line notes of what
    changed. Raises ValueError if a key is not an atlas column, a file column does not
    exist, a Fill is given for a column not in FILLABLE, or one file column is chosen
    for two atlas columns.
    """
    chosen: dict[str, str] = {}
    fills: dict[str, Fill] = {}
    for atlas, column in mapping.items():
        if atlas not in ATLAS_COLUMNS:
            raise ValueError(f"'{atlas}' is not an atlas column")
        if isinstance(column, Fill):
            if atlas not in FILLABLE:
                raise ValueError(f"{atlas} cannot be one value for every row")
            fills[atlas] = column
            continue
        if column is None:
            continue
        if column not in frame.columns:
            raise ValueError(f"the file has no column '{column}' (for {atlas})")
        if column in chosen:
            raise ValueError(f"'{column}' is chosen for both {chosen[column]} and {atlas}")
        chosen[column] = atlas
    notes: list[str] = []
    targets = set(chosen.values()) | set(fills)
    drop = []
    for column in frame.columns:
        if column in chosen:
            continue
        if column in fills:
            notes.append(f"column '{column}' left out: {column} is set for every row")
            drop.append(column)
        elif column in targets:
            source = next(f for f, a in chosen.items() if a == column)
            notes.append(f"column '{column}' left out: '{source}' is read as {column}")
            drop.append(column)
        elif column in mapping and mapping[column] is None:
            notes.append(f"column '{column}' left out (no column chosen for {column})")
            drop.append(column)
    out = frame.drop(columns=drop)
    renames = {f: a for f, a in chosen.items() if f != a}
    notes += [f"column '{f}' read as {a}" for f, a in renames.items()]
    out = out.rename(columns=renames)
    for atlas, fill in fills.items():
        if atlas == "site_id":
            out[atlas] = [f"{fill.value}-{int(i) + 2}" for i in out.index]
            first = out["site_id"].iloc[0] if len(out) else f"{fill.value}-2"
            notes.append(
                f"site_id: the file has none, so rows are numbered {first}, … "
                "(by the row numbers problems are given in)"
            )
        else:
            out[atlas] = fill.value
            notes.append(
                f"{atlas}: '{fill.value}' for every row (chosen at upload, not in the file)"
            )
    if "country" in out.columns:
        out["country"], country_notes = _convert_countries(out["country"])
        notes += country_notes
    return out, notes


def _convert_countries(cells: pd.Series) -> tuple[pd.Series, list[str]]:
    values = cells.fillna("").astype(str).str.strip()
    todo = values[(values != "") & ~values.isin(_CODES)]
    counts = Counter(todo)
    converted: dict[str, str] = {}
    unknown: list[str] = []
    for value in counts:  # first-seen order
        code = country_code(value)
        if code:
            converted[value] = code
        else:
            unknown.append(value)
    notes = []
    if converted:
        parts = [f"{v}→{c} ({_rows(counts[v])})" for v, c in converted.items()]
        notes.append("country names converted to ISO codes: " + ", ".join(parts))
    if unknown:
        parts = [f"{v!r} ({_rows(counts[v])})" for v in unknown]
        notes.append("country values not recognised, left as they are: " + ", ".join(parts))
    return values.replace(converted), notes
