"""Per-country estimates of people held: selection, wording and chart spec (pure).

Figures keep the sources' own words; numbers are drawn only as what they are:
a lower bound as an open-ended marker, a range as a bar between its bounds, an
upper bound as a bar from zero, a point estimate as a dot. Words-only figures are
listed as text, never given a number.
"""

from __future__ import annotations

import pandas as pd

from components.data.labels import QUALIFIER_LABELS, country_name

PEOPLE_METRIC = "people_in_scam_operations"
# The one source that estimated every country at once (OHCHR, 29 Aug 2023). The
# summary's sum only adds figures from it, so it never adds up overlapping sources.
HEADLINE_SOURCES = ("S001", "S001b")


def people_figures(figures: pd.DataFrame, countries: tuple[str, ...] = ()) -> pd.DataFrame:
    """People-held estimates for the chosen countries (all countries and regional
    figures when none is chosen), newest first within each country."""
    rows = figures[figures["metric"] == PEOPLE_METRIC]
    if countries:
        joint = rows["joint_countries"].fillna("")
        in_joint = joint.map(lambda j: any(c in j.split(";") for c in countries))
        rows = rows[rows["country"].isin(countries) | in_joint]
    return rows.sort_values(["country", "as_of"], ascending=[True, False])


def figure_label(row: pd.Series | dict) -> str:
    """One line an analyst can quote: the source's words, qualifier and context."""
    text = f"“{row['value_text']}”"
    qualifier = QUALIFIER_LABELS.get(row["qualifier"], row["qualifier"])
    extra = f" ({qualifier})"
    if row.get("joint_countries"):
        joint = ", ".join(country_name(c) for c in str(row["joint_countries"]).split(";"))
        extra = f" (one joint figure for {joint}; not a per-country estimate)"
    if row.get("status") == "unconfirmed":
        extra += " — UNCONFIRMED"
    return text + extra


def lower_bound_sum(figures: pd.DataFrame, countries: tuple[str, ...]) -> tuple[float, list, list]:
    """Sum of the headline source's stated lower values for the shown countries.

    Returns (sum, countries counted, countries with no number).
    """
    rows = figures[
        (figures["metric"] == PEOPLE_METRIC)
        & figures["source_id"].isin(HEADLINE_SOURCES)
        & (figures["country"] != "")
    ]
    if countries:
        rows = rows[rows["country"].isin(countries)]
    counted = rows[rows["value_low"].notna()]
    no_number = sorted(set(rows["country"]) - set(counted["country"]))
    return float(counted["value_low"].sum()), sorted(counted["country"]), no_number


def chart_spec(rows: pd.DataFrame) -> dict | None:
    """Vega-Lite spec drawing numeric estimates honestly (None if none are numeric)."""
    numeric = rows[rows["value_low"].notna() | rows["value_high"].notna()]
    if numeric.empty:
        return None
    records = []
    top = float(pd.concat([numeric["value_low"], numeric["value_high"]]).max())
    for r in numeric.itertuples():
        low, high = r.value_low, r.value_high
        label = f"{country_name(r.country)} · {r.source_id} ({r.as_of})"
        start = 0.0 if pd.isna(low) else float(low)
        # A lower bound has no top: draw it running off towards the chart's edge.
        end = float(high) if not pd.isna(high) else top * 1.15
        records.append(
            {
                "label": label,
                "start": start,
                "end": end,
                "point": float(low) if not pd.isna(low) else float(high),
                "kind": QUALIFIER_LABELS.get(r.qualifier, r.qualifier),
                "open": bool(pd.isna(high)),
                "text": r.value_text,
            }
        )
    y = {
        "field": "label",
        "type": "nominal",
        "title": None,
        "sort": None,
        "axis": {"labelLimit": 320},
    }
    x_title = "People (lower bounds run on to the right; upper bounds start at 0)"
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
                    "tooltip": [{"field": "text", "title": "Source wording"}],
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 90},
                "encoding": {
                    "y": y,
                    "x": {"field": "point", "type": "quantitative"},
                    "shape": {"field": "kind", "type": "nominal", "title": "Kind"},
                    "tooltip": [
                        {"field": "text", "title": "Source wording"},
                        {"field": "kind", "title": "Kind"},
                    ],
                },
            },
        ],
    }
