"""Figures about people in scam operations: selection, wording, grouping, headline and
chart spec (pure; no Streamlit).

House rules this module enforces:

- A figure keeps the source's own words; its qualifier is never dropped or upgraded
  ("around 100,000" stays "around", never "at least" or "≥").
- Only lower bounds (qualifier ``at_least``) are ever added up, and the sum says which
  countries it covers; every other figure is listed in its own words beside it.
- Words are never turned into numbers ("tens of thousands" has no number).
- A chart compares like with like: one metric at one scope (national estimates of
  people in scam operations); other metrics and scopes are listed in their own sections.
- Sources that disagree are shown side by side, never averaged or silently picked.

Works with the four-file data (no ``figure_id``/``scope``/``area``/``site_id``/
``contradiction_ids`` columns) and with those columns present: every optional column is
read through :func:`column`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from components.data.labels import QUALIFIER_LABELS, country_name
from components.data.memo import entries_for
from components.data.tables import QUALIFIERS

PEOPLE_METRIC = "people_in_scam_operations"
# The one source that estimated every country at once (OHCHR, 29 Aug 2023). The headline
# only uses figures from it, so it never puts overlapping sources of other dates together.
HEADLINE_SOURCES = ("S001", "S001b")
HEADLINE_LABEL = "People held in scam operations"
NO_FIGURE = "—"

# Metrics about people, by their base name (the part before ":"). Unknown "people_*"
# metrics are still shown, labelled from their name (see metric_label).
METRIC_LABELS = {
    "people_in_scam_operations": "People held or working in scam operations",
    "people_in_compound": "People held or working in one compound",
    "people_rescued": "People rescued",
    "people_deported": "People deported",
    "people_repatriated": "People repatriated",
    "people_arrested": "People arrested",
    "people_detained_foreign": "Foreigners detained",
    "people_seized_foreign": "Foreigners seized (taken into custody)",
    "people_removed_foreign": "Foreigners removed from compounds",
    "people_transferred_to_china": "People handed over to China",
    "people_crossed_from_myanmar": "People who crossed from Myanmar",
    "people_attempting_to_flee": "People who tried to flee",
    "people_fled": "People who fled",
    "people_left_voluntarily": "Foreigners who left voluntarily",
    "people_in_intervention_requests": "People named in requests for intervention",
}
SCOPE_LABELS = {
    "national": "national",
    "subnational": "part of a country",
    "site": "a single site",
    "regional": "several countries",
    "unstated": "scope not recorded",
}
# Section order: national first (the chartable group), then narrower, then wider.
SCOPE_ORDER = ("national", "subnational", "site", "regional", "unstated")

# One meaning per marker shape in every view: the domain is the whole qualifier
# vocabulary in a fixed order, so a filter that leaves out a kind never shifts shapes.
SHAPES = {
    "at_least": "triangle-right",  # points on: the true number may be higher
    "estimate": "circle",
    "range": "diamond",
    "up_to": "triangle-left",  # points back: the true number may be lower
    "qualitative": "cross",  # never drawn (no number), kept so the domain is complete
    "reported": "square",
}
SHAPE_DOMAIN = [QUALIFIER_LABELS.get(q, q) for q in QUALIFIERS]
SHAPE_RANGE = [SHAPES.get(q, "stroke") for q in QUALIFIERS]
DRAWN_KINDS = [QUALIFIER_LABELS.get(q, q) for q in QUALIFIERS if q != "qualitative"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# ---------------------------------------------------------------- reading the table


def column(frame: pd.DataFrame, name: str) -> pd.Series:
    """``frame[name]`` as text, or blanks when the column is absent (older data)."""
    if name in frame.columns:
        return frame[name].fillna("").astype(str)
    return pd.Series("", index=frame.index, dtype=object)


def cell(row: pd.Series | dict, name: str) -> str:
    """A text cell of one row; '' when the column is absent or the cell is blank/NaN."""
    value = row.get(name, "")
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def shown_countries(shown: pd.DataFrame) -> tuple[str, ...]:
    """The countries of the sites actually shown (every filter applied), sorted."""
    if shown is None or shown.empty or "country" not in shown.columns:
        return ()
    # Distinct values first (in Arrow for a str column), then Python strings: iterating
    # 100,000 Arrow strings one by one cost 0.25 s a rerun.
    codes = {str(c) for c in shown["country"].dropna().unique()}
    return tuple(sorted(c for c in codes if c))


@dataclass(frozen=True)
class Shown:
    """What the header and side panels read of the shown sites: how many, how many
    distinct country codes, and the countries (:func:`shown_countries`). Kept per
    session instead of the shown rows (at 1,000,000 sites their ids and countries were
    28 MB per session). Build with :meth:`of`."""

    count: int
    distinct_countries: int
    countries: tuple[str, ...]

    @classmethod
    def of(cls, country: pd.Series) -> Shown:
        """From the shown sites' ``country`` column (one cell per shown site)."""
        return cls(
            len(country),
            int(country.nunique()),
            shown_countries(pd.DataFrame({"country": country})),
        )


def metric_base(metric: str) -> str:
    """'people_in_scam_operations:myawaddy' -> 'people_in_scam_operations'."""
    return str(metric).split(":", 1)[0].strip()


def metric_label(metric: str) -> str:
    """Human label for a metric's base name; unknown names read from the name itself."""
    base = metric_base(metric)
    if base in METRIC_LABELS:
        return METRIC_LABELS[base]
    words = base.replace("_", " ").strip()
    return (words[:1].upper() + words[1:]) if words else "Unnamed figure"


def scope_of(row: pd.Series | dict) -> str:
    """The scope the data states; when it states none, 'regional' for a figure with no
    single country, else 'unstated' (never guessed to be national)."""
    scope = cell(row, "scope")
    if scope in SCOPE_LABELS and scope != "unstated":
        return scope
    if not cell(row, "country") or cell(row, "joint_countries"):
        return "regional"
    return "unstated"


def _joint(row: pd.Series | dict) -> list[str]:
    return [c for c in cell(row, "joint_countries").split(";") if c]


def where_label(row: pd.Series | dict, site_names: dict[str, str] | None = None) -> str:
    """What a figure covers, in words: 'Cambodia (national)', 'Myawaddy township,
    Myanmar', 'site: KK Park, Myanmar', 'several countries: Laos, Philippines, Thailand'."""
    scope = scope_of(row)
    code = cell(row, "country")
    country = country_name(code) if code else ""
    joint = _joint(row)
    if joint:
        return "one joint figure for " + ", ".join(country_name(c) for c in joint)
    if scope == "national":
        return f"{country} (national)"
    if scope == "subnational":
        area = cell(row, "area") or "an area not named in the data"
        return f"{area}, {country}" if country else area
    if scope == "site":
        site_id = cell(row, "site_id")
        name = (site_names or {}).get(site_id) or site_id or cell(row, "area") or "one site"
        return f"site: {name}, {country}" if country else f"site: {name}"
    if scope == "regional":
        area = cell(row, "area")
        return f"several countries ({area})" if area else "several countries"
    return f"{country} (scope not recorded)"


def date_label(as_of: str, short: bool = False) -> str:
    """'2023-08-29' -> '29 Aug 2023' ('Aug 2023' if short); '2024-12' -> 'Dec 2024';
    '2023' -> '2023'; anything else is returned as written; '' -> 'undated'."""
    value = str(as_of or "").strip()
    if not value:
        return "undated"
    parts = value.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else None
        day = int(parts[2]) if len(parts) > 2 else None
    except ValueError:
        return value
    if len(parts[0]) != 4 or len(parts) > 3 or (month is not None and not 1 <= month <= 12):
        return value
    if month is None:
        return str(year)
    if day is None or short:
        return f"{_MONTHS[month - 1]} {year}"
    return f"{day} {_MONTHS[month - 1]} {year}"


def publisher(source_id: str, sources: pd.DataFrame | None) -> str:
    """The publisher named in sources.csv (the source id when it is not there)."""
    if sources is None or sources.empty or "publisher" not in sources.columns:
        return source_id
    match = sources.loc[sources["source_id"] == source_id, "publisher"]
    name = str(match.iloc[0]).strip() if not match.empty else ""
    return name or source_id


def figure_label(row: pd.Series | dict) -> str:
    """One line an analyst can quote: the source's words and what kind of figure it is."""
    text = f"“{cell(row, 'value_text')}”"
    qualifier = QUALIFIER_LABELS.get(cell(row, "qualifier"), cell(row, "qualifier"))
    extra = f" ({qualifier})"
    joint = _joint(row)
    if joint:
        names = ", ".join(country_name(c) for c in joint)
        extra = f" (one joint figure for {names}; not a per-country estimate)"
    if cell(row, "status") == "unconfirmed":
        extra += " — UNCONFIRMED"
    return text + extra


# ---------------------------------------------------------------- selecting and grouping


def _in_countries(frame: pd.DataFrame, countries: tuple[str, ...]) -> pd.Series:
    joint = column(frame, "joint_countries")
    in_joint = joint.map(lambda j: any(c in j.split(";") for c in countries))
    return column(frame, "country").isin(countries) | in_joint


def _newest_first(frame: pd.DataFrame) -> pd.DataFrame:
    """Newest first; ISO partial dates sort as text ('2025-07-30' after '2025-07')."""
    key = column(frame, "as_of")
    return frame.assign(_when=key).sort_values("_when", ascending=False, kind="stable")


def people_rows(figures: pd.DataFrame, countries: tuple[str, ...]) -> pd.DataFrame:
    """Confirmed figures about people (metric base ``people_*``) for these countries,
    plus figures with no single country (regional); none at all when no country is shown.

    Adds ``metric_base`` and ``scope_used`` columns; newest first.
    """
    if not countries or figures.empty:
        return figures.iloc[0:0].assign(metric_base="", scope_used="")
    base = column(figures, "metric").map(metric_base)
    confirmed = column(figures, "status") != "unconfirmed"
    regional = column(figures, "country") == ""
    keep = (
        base.str.startswith("people_") & confirmed & (_in_countries(figures, countries) | regional)
    )
    rows = figures[keep]
    rows = rows.assign(
        metric_base=base[keep],
        scope_used=[scope_of(r) for _, r in rows.iterrows()],
    )
    # A joint figure is one figure, though the data repeats it on each country's row.
    joint = column(rows, "joint_countries")
    repeat = (joint != "") & rows.assign(_j=joint).duplicated(
        ["source_id", "value_text", "_j"], keep="first"
    )
    return _newest_first(rows[~repeat]).drop(columns="_when")


def _by_country_newest_first(rows: pd.DataFrame) -> pd.DataFrame:
    """By country name, and newest first within each country."""
    named = _newest_first(rows).assign(_name=lambda f: column(f, "country").map(country_name))
    return named.sort_values("_name", kind="stable").drop(columns=["_name", "_when"])


@dataclass
class Section:
    """One metric at one scope: the figures in it are comparable with each other."""

    metric: str  # base name
    scope: str
    title: str
    rows: pd.DataFrame


def sections(rows: pd.DataFrame) -> list[Section]:
    """Like with like: one section per (metric base, scope). National people-in-scam-
    operations estimates come first; within a section by country name, newest first."""
    if rows.empty:
        return []
    out = []
    for (base, scope), group in rows.groupby(["metric_base", "scope_used"], sort=False):
        title = f"{metric_label(base)} — {SCOPE_LABELS.get(scope, scope)}"
        out.append(Section(base, scope, title, _by_country_newest_first(group)))

    def order(s: Section) -> tuple:
        return (s.metric != PEOPLE_METRIC, s.metric, SCOPE_ORDER.index(s.scope))

    return sorted(out, key=order)


def chart_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The one group the chart compares: national estimates of people in scam operations,
    by country name and newest first within each country."""
    if rows.empty:
        return rows
    keep = (rows["metric_base"] == PEOPLE_METRIC) & (rows["scope_used"] == "national")
    return _by_country_newest_first(rows[keep])


# ---------------------------------------------------------------- headline


@dataclass
class HeadlinePart:
    """One figure of the headline source, in its own words, for the countries it covers."""

    countries: list[str]
    text: str  # the source's words
    qualifier: str
    value_low: float | None
    joint: list[str]  # every country of a joint figure (not only the shown ones)


@dataclass
class Headline:
    label: str
    value: str  # the whole headline: never a bare number, always the sources' qualifiers
    caption: str
    help: str
    lower_bound_total: float | None = None  # sum of at_least lower values (None if none)
    lower_bound_countries: list[str] = field(default_factory=list)
    parts: list[HeadlinePart] = field(default_factory=list)
    no_figure: list[str] = field(default_factory=list)  # shown countries it says nothing on
    source_ids: list[str] = field(default_factory=list)

    pieces: list[str] = field(default_factory=list)  # what value joins with " + "

    @property
    def main(self) -> str:
        """The first piece (the sum of lower bounds when there is one): the metric's value."""
        return self.pieces[0] if self.pieces else self.value

    @property
    def more(self) -> str:
        """The other pieces in their own words, '+ around 100,000 + …' ('' if none): shown
        under the value, so a long headline is never cut off mid-figure."""
        return "".join(f"+ {p} " for p in self.pieces[1:]).strip()


# Per figures table (by identity, dropped with the table; a dataset's tables are read-only
# by contract): the headline of each set of countries asked for. At most _HEADLINES_KEPT
# sets per table, so a long-running server never grows it without bound.
_HEADLINES: dict[int, dict[tuple[str, ...], Headline]] = {}
_HEADLINES_KEPT = 512


def headline(figures: pd.DataFrame, countries: tuple[str, ...]) -> Headline:
    """The headline for the countries of the shown sites, from the headline source only.

    Lower bounds ("at least 120,000") are added up and the sum stays "at least …";
    every other figure ("around 100,000", "at least tens of thousands") is joined to it
    in its own words with " + ". No shown country: no figure.

    Computed once per table and set of countries (17 ms of pandas each time, and every
    rerun asks twice: the header and the side panel); the Headline returned is shared,
    do not modify it.
    """
    countries = tuple(countries)
    per_table = entries_for(_HEADLINES, figures)
    found = per_table.get(countries)
    if found is None:
        if len(per_table) >= _HEADLINES_KEPT:
            per_table.clear()
        found = per_table[countries] = _headline(figures, countries)
    return found


def _headline(figures: pd.DataFrame, countries: tuple[str, ...]) -> Headline:
    if not countries:
        return Headline(
            HEADLINE_LABEL,
            NO_FIGURE,
            "No sites are shown, so there is no country to give a figure for.",
            "The figure follows every filter: it covers the countries of the shown sites.",
        )
    rows = figures[
        (column(figures, "metric") == PEOPLE_METRIC)
        & column(figures, "source_id").isin(HEADLINE_SOURCES)
        & (column(figures, "status") != "unconfirmed")
        & (column(figures, "country") != "")
        & column(figures, "country").isin(countries)
    ]
    parts: list[HeadlinePart] = []
    joint_seen: dict[tuple[str, str], HeadlinePart] = {}
    for _, r in rows.iterrows():
        code, joint = cell(r, "country"), _joint(r)
        key = (cell(r, "source_id"), cell(r, "value_text"))
        if joint and key in joint_seen:
            joint_seen[key].countries.append(code)
            continue
        low = r.get("value_low")
        part = HeadlinePart(
            [code],
            cell(r, "value_text"),
            cell(r, "qualifier"),
            None if low is None or pd.isna(low) else float(low),
            joint,
        )
        parts.append(part)
        if joint:
            joint_seen[key] = part
    lower = [p for p in parts if p.qualifier == "at_least" and p.value_low is not None]
    others = [p for p in parts if p not in lower]
    covered = {c for p in parts for c in p.countries}
    no_figure = [c for c in countries if c not in covered]
    source_ids = sorted(set(column(rows, "source_id")))
    pieces = []
    total = None
    lower_countries = [c for p in lower for c in p.countries]
    if lower:
        total = sum(p.value_low for p in lower)
        pieces.append(f"at least {total:,.0f}")
    pieces += [p.text for p in others]
    value = " + ".join(pieces) if pieces else NO_FIGURE

    said = []
    for p in lower + others:
        if p.joint:
            together = ", ".join(country_name(c) for c in p.joint)
            said.append(f"{together} together: “{p.text}” (one joint figure, not per country)")
        else:
            said.append(", ".join(country_name(c) for c in p.countries) + f": “{p.text}”")
    if no_figure:
        said.append(
            "no figure from this source for " + ", ".join(country_name(c) for c in no_figure)
        )
    if parts:
        caption = " · ".join(said) + "."
    else:
        caption = "The headline source gives no figure for the shown countries"
        caption += " (" + ", ".join(country_name(c) for c in countries) + ")."
    if len(lower) > 1:
        caption += (
            f" “at least {total:,.0f}” adds the lower bounds for "
            + ", ".join(country_name(c) for c in lower_countries)
            + " only."
        )
    help_text = (
        "Covers the countries of the sites shown (every filter applies). Only figures "
        "that are lower bounds (“at least …”) are added up; every other figure is kept in "
        "the source's own words and joined with “+”, never counted as a number. One "
        "source (OHCHR, Aug 2023) so that estimates of different dates are not mixed; "
        "newer estimates per country are in the People held tab."
    )
    return Headline(
        HEADLINE_LABEL,
        value,
        caption,
        help_text,
        total,
        lower_countries,
        parts,
        no_figure,
        source_ids,
        pieces,
    )


# ---------------------------------------------------------------- chart


def row_labels(rows: pd.DataFrame, sources: pd.DataFrame | None) -> list[str]:
    """'OHCHR · Aug 2023' per row (publisher from sources.csv, short date), prefixed with
    the country when several are charted; repeated labels get ' (2)', ' (3)'."""
    several = column(rows, "country").nunique() > 1
    labels, seen = [], {}
    for _, r in rows.iterrows():
        label = f"{publisher(cell(r, 'source_id'), sources)} · {date_label(cell(r, 'as_of'), True)}"
        if several:
            label = f"{country_name(cell(r, 'country'))} · {label}"
        seen[label] = seen.get(label, 0) + 1
        labels.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return labels


def chart_spec(rows: pd.DataFrame, sources: pd.DataFrame | None = None) -> dict | None:
    """Vega-Lite spec drawing numeric estimates honestly (None if none are numeric).

    Give it one like-with-like group (see :func:`chart_rows`). A lower bound runs on
    towards the edge, a range is a bar between its bounds, an upper bound a bar from 0,
    a point estimate a dot. Rows keep the given order (newest first per country).
    """
    if rows.empty:
        return None
    low_all = pd.to_numeric(rows["value_low"], errors="coerce")
    high_all = pd.to_numeric(rows["value_high"], errors="coerce")
    numeric = low_all.notna() | high_all.notna()
    if not numeric.any():
        return None
    labels = dict(zip(rows.index, row_labels(rows, sources), strict=True))
    top = float(pd.concat([low_all[numeric], high_all[numeric]]).max())
    records = []
    for i in rows.index[numeric]:
        r = rows.loc[i]
        low, high = low_all[i], high_all[i]
        start = 0.0 if pd.isna(low) else float(low)
        # A lower bound has no top: draw it running off towards the chart's edge.
        end = float(high) if not pd.isna(high) else top * 1.15
        records.append(
            {
                "label": labels[i],
                "start": start,
                "end": end,
                "point": float(low) if not pd.isna(low) else float(high),
                "kind": QUALIFIER_LABELS.get(cell(r, "qualifier"), cell(r, "qualifier")),
                "open": bool(pd.isna(high)),
                "text": cell(r, "value_text"),
                "source": publisher(cell(r, "source_id"), sources),
                "as_of": date_label(cell(r, "as_of")),
            }
        )
    y = {
        "field": "label",
        "type": "nominal",
        "title": None,
        "sort": None,
        # The chart sits in the narrow panel column: long labels end in "…" (each row is
        # in full in the table under the chart and in the tooltip).
        "axis": {"labelLimit": 150},
    }
    tooltip = [
        {"field": "text", "title": "Source wording"},
        {"field": "kind", "title": "Kind"},
        {"field": "source", "title": "Publisher"},
        {"field": "as_of", "title": "As of"},
    ]
    x_title = "People (lower bounds run on; upper bounds from 0)"
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": records},
        "height": {"step": 26},
        "layer": [
            {
                "mark": {"type": "rule", "strokeWidth": 6, "opacity": 0.35},
                "encoding": {
                    "y": y,
                    "x": {"field": "start", "type": "quantitative", "title": x_title},
                    "x2": {"field": "end"},
                    "strokeDash": {
                        "field": "open",
                        "type": "nominal",
                        "legend": None,
                        "scale": {"domain": [True, False], "range": [[4, 3], [1, 0]]},
                    },
                    "tooltip": tooltip,
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 90},
                "encoding": {
                    "y": y,
                    "x": {"field": "point", "type": "quantitative"},
                    "shape": {
                        "field": "kind",
                        "type": "nominal",
                        "title": "Kind",
                        "scale": {"domain": SHAPE_DOMAIN, "range": SHAPE_RANGE},
                        # Above the plot, in one row: a chart of two estimates is too
                        # short for a vertical legend, which Vega would cut off.
                        "legend": {
                            "values": DRAWN_KINDS,
                            "orient": "top",
                            "direction": "horizontal",
                        },
                    },
                    "tooltip": tooltip,
                },
            },
        ],
    }


# ---------------------------------------------------------------- disagreements


@dataclass
class Contradiction:
    """Figures that are sides of one recorded contradiction, shown together."""

    contradiction_id: str
    topic: str
    note: str
    rows: pd.DataFrame  # every figure that lists this id, newest first
    other_source_ids: list[str]  # sides recorded only as sources (no figure row)


def _ids(value: str) -> list[str]:
    return [i.strip() for i in str(value or "").split(";") if i.strip()]


def contradictions_for(
    rows: pd.DataFrame, figures: pd.DataFrame, contradictions: pd.DataFrame | None
) -> list[Contradiction]:
    """Each contradiction one of ``rows`` is a side of, with EVERY figure that lists it
    (whatever country or metric) and the contradiction's other sources. Never merged."""
    wanted: list[str] = []
    for value in column(rows, "contradiction_ids"):
        wanted += [i for i in _ids(value) if i not in wanted]
    if not wanted:
        return []
    table = contradictions if contradictions is not None else pd.DataFrame()
    all_ids = column(figures, "contradiction_ids").map(_ids)
    out = []
    for cid in sorted(wanted):
        sides = _newest_first(figures[all_ids.map(lambda ids, c=cid: c in ids)]).drop(
            columns="_when"
        )
        meta = table[column(table, "contradiction_id") == cid] if not table.empty else table
        topic = cell(meta.iloc[0], "topic") if not meta.empty else ""
        note = cell(meta.iloc[0], "note") if not meta.empty else ""
        recorded = _ids(cell(meta.iloc[0], "source_ids")) if not meta.empty else []
        covered = set(column(sides, "source_id"))
        out.append(
            Contradiction(cid, topic, note, sides, [s for s in recorded if s not in covered])
        )
    return out


def disputes(row: pd.Series | dict) -> list[str]:
    """Source ids that dispute this figure (disputed_by)."""
    return _ids(cell(row, "disputed_by"))


def unconfirmed(figures: pd.DataFrame) -> pd.DataFrame:
    """Unconfirmed claims of any metric (shown apart, never used anywhere)."""
    return figures[column(figures, "status") == "unconfirmed"]
