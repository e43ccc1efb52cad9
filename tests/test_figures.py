"""Unit tests for components.analysis.figures: honest headline, like-with-like grouping,
labels, ordering, a stable marker vocabulary and disagreements shown side by side.

Small frames are built here, with and without the issue-8 columns (figure_id, scope,
area, site_id, contradiction_ids), so the tests hold before and after the data lands.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from components.analysis import figures
from components.data import QUALIFIERS, load_atlas
from components.data.labels import QUALIFIER_LABELS

ROOT = Path(__file__).resolve().parents[1]

OLD_COLUMNS = [
    "country",
    "metric",
    "value_low",
    "value_high",
    "value_text",
    "qualifier",
    "as_of",
    "source_id",
    "context",
    "status",
    "joint_countries",
    "disputed_by",
]
NEW_COLUMNS = ["figure_id", *OLD_COLUMNS, "scope", "area", "site_id", "contradiction_ids"]
NAN = math.nan


def fig(**kw) -> dict:
    row = {
        "figure_id": "",
        "country": "",
        "metric": figures.PEOPLE_METRIC,
        "value_low": NAN,
        "value_high": NAN,
        "value_text": "",
        "qualifier": "qualitative",
        "as_of": "2023-08-29",
        "source_id": "S001",
        "context": "",
        "status": "confirmed",
        "joint_countries": "",
        "disputed_by": "",
        "scope": "",
        "area": "",
        "site_id": "",
        "contradiction_ids": "",
    }
    row.update(kw)
    return row


def frame(rows: list[dict], columns: list[str] = NEW_COLUMNS) -> pd.DataFrame:
    return pd.DataFrame(rows)[columns]


# The OHCHR baseline as the data holds it (old rows; the new columns blank).
OHCHR = [
    fig(
        figure_id="FH001",
        country="MM",
        value_low=120000,
        value_text="at least 120,000",
        qualifier="at_least",
    ),
    fig(
        figure_id="FH002",
        country="KH",
        value_low=100000,
        value_high=100000,
        value_text="around 100,000",
        qualifier="estimate",
        disputed_by="S005",
    ),
    *[
        fig(
            figure_id=f"FH00{i}",
            country=c,
            value_text="at least tens of thousands",
            source_id="S001b",
            joint_countries="LA;PH;TH",
        )
        for i, c in ((3, "LA"), (4, "PH"), (5, "TH"))
    ],
]
SOURCES = pd.DataFrame(
    {
        "source_id": ["S001", "S001b", "S005", "HRC", "NSA", "AFP", "X1", "X2"],
        "publisher": ["OHCHR", "OHCHR", "Reuters", "HRC", "Arab News (AFP)", "AFP", "A", "B"],
        "date": ["2023-08-29", "2023-08-29", "2023-08-29", "2025-07", "", "", "", ""],
        "url": ["https://example.org/x"] * 8,
        "quote": ["q"] * 8,
    }
)


# ---------------------------------------------------------------- headline


@pytest.mark.parametrize("columns", [OLD_COLUMNS, NEW_COLUMNS], ids=["4-file", "issue-8"])
@pytest.mark.parametrize(
    ("countries", "value", "lower_total", "lower_countries"),
    [
        (
            ("KH", "LA", "MM", "PH", "TH"),
            "at least 120,000 + around 100,000 + at least tens of thousands",
            120_000,
            ["MM"],
        ),
        (("KH",), "around 100,000", None, []),
        (("MM",), "at least 120,000", 120_000, ["MM"]),
        (("LA",), "at least tens of thousands", None, []),
        (("LA", "PH"), "at least tens of thousands", None, []),  # one joint figure, once
        (("KH", "MM"), "at least 120,000 + around 100,000", 120_000, ["MM"]),
        ((), "—", None, []),  # no site shown: no figure at all
        (("VN",), "—", None, []),  # the source says nothing on it
    ],
)
def test_headline_keeps_each_sources_qualifier(
    columns, countries, value, lower_total, lower_countries
):
    head = figures.headline(frame(OHCHR, columns), countries)
    assert head.value == value
    assert head.lower_bound_total == lower_total
    assert head.lower_bound_countries == lower_countries
    assert "≥" not in head.value and "≥" not in head.caption
    if "around 100,000" not in value:
        assert "100,000" not in head.value  # Cambodia's estimate never becomes a bound


@pytest.mark.parametrize(
    ("countries", "main", "more"),
    [
        (
            ("KH", "LA", "MM", "PH", "TH"),
            "at least 120,000",
            "+ around 100,000 + at least tens of thousands",
        ),
        (("KH",), "around 100,000", ""),
        (("KH", "LA"), "around 100,000", "+ at least tens of thousands"),
        ((), "—", ""),
    ],
)
def test_headline_splits_into_value_and_the_words_under_it(countries, main, more):
    head = figures.headline(frame(OHCHR), countries)
    assert (head.main, head.more) == (main, more)
    assert " ".join(p for p in (head.main, head.more) if p) == head.value


def test_headline_for_no_shown_site_has_no_number():
    head = figures.headline(frame(OHCHR), ())
    assert not any(ch.isdigit() for ch in head.value + head.caption)
    assert "No sites are shown" in head.caption


def test_headline_adds_only_lower_bounds_and_says_which():
    rows = [
        *OHCHR,
        fig(country="LA", value_low=50000, value_text="at least 50,000", qualifier="at_least"),
        fig(country="PH", value_low=1, value_high=9, value_text="1 to 9", qualifier="range"),
        fig(country="TH", value_high=70000, value_text="up to 70,000", qualifier="up_to"),
    ]
    head = figures.headline(frame(rows), ("KH", "LA", "MM", "PH", "TH"))
    assert head.lower_bound_total == 170_000
    assert head.lower_bound_countries == ["MM", "LA"]
    assert head.value.startswith("at least 170,000 + around 100,000")
    assert "1 to 9" in head.value and "up to 70,000" in head.value
    assert "adds the lower bounds for Myanmar, Laos only" in head.caption


def test_headline_is_computed_once_per_table_and_countries_and_dropped_with_the_table():
    table = frame(OHCHR)
    first = figures.headline(table, ("KH", "MM"))
    assert figures.headline(table, ("KH", "MM")) is first  # no second pass over the table
    assert figures.headline(table, ("MM",)) is not first
    assert figures.headline(table, ("MM",)).value != first.value
    # Another table with other figures is never answered from this one's entries.
    other = frame([fig(country="MM", value_low=5, value_text="at least 5")])
    assert figures.headline(other, ("KH", "MM")).value == "at least 5"
    key = id(table)
    assert key in figures._HEADLINES
    del table, first
    assert key not in figures._HEADLINES


def test_headline_ignores_other_sources_and_unconfirmed_rows():
    rows = [
        *OHCHR,
        fig(country="KH", source_id="NSA", value_low=200000, value_text="around 200,000"),
        fig(
            country="MM",
            value_low=999999,
            value_text="at least 999,999",
            qualifier="at_least",
            status="unconfirmed",
        ),
    ]
    head = figures.headline(frame(rows), ("KH", "MM"))
    assert head.value == "at least 120,000 + around 100,000"


def test_headline_caption_names_the_joint_figure_and_silent_countries():
    head = figures.headline(frame(OHCHR), ("LA", "VN"))
    assert "Laos, Philippines, Thailand together" in head.caption
    assert "not per country" in head.caption
    assert "no figure from this source for Vietnam" in head.caption


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        (pd.DataFrame({"country": []}), ()),
        (pd.DataFrame({"country": ["MM", "KH", "MM"]}), ("KH", "MM")),
        (pd.DataFrame({"country": ["KH", "", None]}), ("KH",)),
        (pd.DataFrame({"site_id": ["a"]}), ()),
    ],
)
def test_countries_come_from_the_shown_sites(shown, expected):
    assert figures.shown_countries(shown) == expected


# ---------------------------------------------------------------- like with like

NEWER = [
    fig(
        figure_id="F02",
        country="KH",
        value_low=150000,
        value_high=150000,
        value_text="about 150,000",
        qualifier="estimate",
        as_of="2025-07",
        source_id="HRC",
        scope="national",
    ),
    fig(
        figure_id="F01",
        country="KH",
        value_low=200000,
        value_high=200000,
        value_text="around 200,000",
        qualifier="estimate",
        as_of="2025-10-15",
        source_id="NSA",
        scope="national",
    ),
    fig(
        figure_id="F47",
        country="KH",
        value_low=100000,
        value_text="at least 100,000",
        qualifier="at_least",
        as_of="2026-01-21",
        source_id="AFP",
        scope="national",
        context="OHCHR said “around” 100,000",
        contradiction_ids="C18",
    ),
    fig(
        figure_id="F29",
        country="MM",
        metric="people_in_scam_operations:myawaddy",
        value_text="Tens of thousands of foreigners",
        as_of="2024-05",
        source_id="X1",
        scope="subnational",
        area="Myawaddy township",
    ),
    fig(
        figure_id="F40",
        country="KH",
        metric="people_in_compound:royal_hill",
        value_low=8000,
        value_high=10000,
        value_text="8,000 to 10,000 workers",
        qualifier="range",
        as_of="2026-02-02",
        source_id="X2",
        scope="site",
        site_id="royal_hill",
    ),
    fig(
        figure_id="F07",
        country="KH",
        metric="people_deported",
        value_low=30000,
        value_text="more than 30,000",
        qualifier="at_least",
        as_of="2026-02-25",
        source_id="X1",
        scope="national",
        contradiction_ids="C05",
    ),
    fig(
        figure_id="F10",
        country="KH",
        metric="people_deported",
        value_low=11000,
        value_high=11000,
        value_text="11,000 workers deported",
        qualifier="reported",
        as_of="2026-02-11",
        source_id="X2",
        scope="national",
        contradiction_ids="C05",
    ),
    fig(
        figure_id="R1",
        metric="revenue_usd_per_year",
        value_low=4e10,
        value_high=4e10,
        value_text="$40 billion",
        qualifier="estimate",
        scope="regional",
    ),
]
OHCHR_NATIONAL = [{**r, "scope": "national"} for r in OHCHR[:2]] + OHCHR[2:]
ALL = ("KH", "LA", "MM", "PH", "TH")


def test_chart_compares_national_people_estimates_only():
    rows = figures.people_rows(frame(OHCHR_NATIONAL + NEWER), ALL)
    charted = figures.chart_rows(rows)
    assert set(charted["metric_base"]) == {figures.PEOPLE_METRIC}
    assert set(charted["scope_used"]) == {"national"}
    assert set(charted["figure_id"]) == {"FH001", "FH002", "F01", "F02", "F47"}
    # Subnational, site and other metrics are never on the same axis.
    assert not {"F29", "F40", "F07", "F10"} & set(charted["figure_id"])
    assert "R1" not in set(rows["figure_id"])  # not a figure about people


def test_sections_group_one_metric_at_one_scope_national_people_first():
    rows = figures.people_rows(frame(OHCHR_NATIONAL + NEWER), ALL)
    found = [(s.metric, s.scope) for s in figures.sections(rows)]
    assert found[0] == (figures.PEOPLE_METRIC, "national")
    assert len(found) == len(set(found))
    assert set(found) == {
        (figures.PEOPLE_METRIC, "national"),
        (figures.PEOPLE_METRIC, "subnational"),
        (figures.PEOPLE_METRIC, "regional"),  # the joint LA/PH/TH figure
        ("people_deported", "national"),
        ("people_in_compound", "site"),
    }
    for s in figures.sections(rows):
        assert set(s.rows["metric_base"]) == {s.metric}
        assert set(s.rows["scope_used"]) == {s.scope}


def test_scope_is_never_guessed_national_when_the_data_does_not_say():
    rows = figures.people_rows(frame(OHCHR + NEWER[:1], OLD_COLUMNS[:1] + OLD_COLUMNS[1:]), ALL)
    assert set(rows["scope_used"]) == {"unstated", "regional"}
    assert figures.chart_rows(rows).empty


def test_a_joint_figure_is_listed_once_and_regional():
    rows = figures.people_rows(frame(OHCHR), ALL)
    joint = rows[rows["joint_countries"] != ""]
    assert len(joint) == 1 and joint["scope_used"].iloc[0] == "regional"
    assert joint["value_low"].isna().all()  # words never become a number


def test_no_country_shown_means_no_figures():
    assert figures.people_rows(frame(OHCHR + NEWER), ()).empty


def test_newest_first_within_each_country():
    rows = figures.people_rows(frame(OHCHR_NATIONAL + NEWER), ("KH",))
    national = figures.sections(rows)[0].rows
    assert list(national["figure_id"]) == ["F47", "F01", "F02", "FH002"]
    assert list(national["as_of"]) == ["2026-01-21", "2025-10-15", "2025-07", "2023-08-29"]


def test_sections_order_countries_by_name_then_newest():
    rows = figures.people_rows(frame(OHCHR_NATIONAL + NEWER), ALL)
    national = figures.sections(rows)[0].rows
    assert list(national["country"]) == ["KH", "KH", "KH", "KH", "MM"]


# ---------------------------------------------------------------- labels


@pytest.mark.parametrize(
    ("metric", "label"),
    [
        ("people_in_scam_operations", "People held or working in scam operations"),
        ("people_in_scam_operations:myawaddy", "People held or working in scam operations"),
        ("people_deported", "People deported"),
        ("people_repatriated", "People repatriated"),
        ("people_arrested:gtsez_since_2023", "People arrested"),
        ("people_rescued", "People rescued"),
        ("people_fled_by_boat:x", "People fled by boat"),  # unknown: read from the name
        ("", "Unnamed figure"),
    ],
)
def test_metric_labels(metric, label):
    assert figures.metric_label(metric) == label


@pytest.mark.parametrize(
    ("as_of", "short", "label"),
    [
        ("2023-08-29", False, "29 Aug 2023"),
        ("2023-08-29", True, "Aug 2023"),
        ("2024-12", False, "Dec 2024"),
        ("2023", True, "2023"),
        ("", False, "undated"),
        ("2026-02 (approx)", False, "2026-02 (approx)"),
        ("2025-13", False, "2025-13"),
    ],
)
def test_date_labels(as_of, short, label):
    assert figures.date_label(as_of, short) == label


@pytest.mark.parametrize(
    ("row", "label"),
    [
        (fig(country="KH", scope="national"), "Cambodia (national)"),
        (
            fig(country="MM", scope="subnational", area="Myawaddy township"),
            "Myawaddy township, Myanmar",
        ),
        (fig(country="MM", scope="site", site_id="kk_park"), "site: KK Park, Myanmar"),
        (fig(country="MM", scope="site", site_id="nowhere"), "site: nowhere, Myanmar"),
        (fig(scope="regional"), "several countries"),
        (fig(country="LA", joint_countries="LA;PH;TH"), "one joint figure for Laos, "),
        (fig(country="KH"), "Cambodia (scope not recorded)"),
        ({"country": "KH", "metric": "people_rescued"}, "Cambodia (scope not recorded)"),
    ],
)
def test_where_labels(row, label):
    assert figures.where_label(row, {"kk_park": "KK Park"}).startswith(label)


def test_chart_rows_are_labelled_by_publisher_and_date_not_ids():
    rows = figures.people_rows(frame(OHCHR_NATIONAL + NEWER), ("KH",))
    labels = figures.row_labels(figures.chart_rows(rows), SOURCES)
    assert labels == [
        "AFP · Jan 2026",
        "Arab News (AFP) · Oct 2025",
        "HRC · Jul 2025",
        "OHCHR · Aug 2023",
    ]
    several = figures.row_labels(
        figures.chart_rows(figures.people_rows(frame(OHCHR_NATIONAL), ALL)), SOURCES
    )
    assert several == ["Cambodia · OHCHR · Aug 2023", "Myanmar · OHCHR · Aug 2023"]
    spec = figures.chart_spec(figures.chart_rows(rows), SOURCES)
    assert not any(r["label"].startswith(("S0", "F0", "FH")) for r in spec["data"]["values"])


def test_repeated_chart_labels_stay_distinct():
    rows = frame([fig(country="KH", value_low=1, value_text="a", qualifier="at_least")] * 2)
    assert figures.row_labels(rows, SOURCES) == ["OHCHR · Aug 2023", "OHCHR · Aug 2023 (2)"]


def test_publisher_falls_back_to_the_source_id():
    assert figures.publisher("S001", SOURCES) == "OHCHR"
    assert figures.publisher("ZZ9", SOURCES) == "ZZ9"


def test_figure_label_keeps_words_and_says_joint():
    label = figures.figure_label(OHCHR[2])
    assert label.startswith("“at least tens of thousands”") and "one joint figure" in label
    assert figures.figure_label(OHCHR[1]) == "“around 100,000” (estimate)"


# ---------------------------------------------------------------- chart


def _shape_scale(spec: dict) -> dict:
    return spec["layer"][1]["encoding"]["shape"]["scale"]


def test_shape_domain_is_the_whole_vocabulary_whatever_the_filter():
    rows = figures.people_rows(frame(OHCHR_NATIONAL + NEWER), ALL)
    national = figures.chart_rows(rows)
    specs = [
        figures.chart_spec(national, SOURCES),
        figures.chart_spec(national[national["qualifier"] == "estimate"], SOURCES),
        figures.chart_spec(national[national["country"] == "MM"], SOURCES),  # at_least only
    ]
    scales = [_shape_scale(s) for s in specs]
    assert scales[0] == scales[1] == scales[2]
    assert scales[0]["domain"] == [QUALIFIER_LABELS[q] for q in QUALIFIERS]
    assert len(set(scales[0]["range"])) == len(scales[0]["range"]) == len(QUALIFIERS)
    shape_of = dict(zip(scales[0]["domain"], scales[0]["range"], strict=True))
    assert shape_of["lower bound"] == "triangle-right"
    assert shape_of["estimate"] == "circle"


def test_chart_draws_lower_bounds_open_ended_and_upper_bounds_from_zero():
    rows = frame(
        [
            fig(
                country="MM", value_low=120000, value_text="at least 120,000", qualifier="at_least"
            ),
            fig(country="MM", value_high=100000, value_text="up to 100,000", qualifier="up_to"),
            fig(country="MM", value_text="tens of thousands"),
        ]
    )
    spec = figures.chart_spec(rows, SOURCES)
    records = {r["text"]: r for r in spec["data"]["values"]}
    assert set(records) == {"at least 120,000", "up to 100,000"}  # words are not drawn
    lower = records["at least 120,000"]
    assert lower["open"] and lower["start"] == 120_000 and lower["end"] > 120_000
    upper = records["up to 100,000"]
    assert upper["start"] == 0 and upper["end"] == 100_000 and not upper["open"]


def test_no_chart_without_numbers():
    assert figures.chart_spec(frame([fig(country="KH", value_text="many")]), SOURCES) is None
    assert figures.chart_spec(frame([fig()]).iloc[0:0], SOURCES) is None


# ---------------------------------------------------------------- disagreements

CONTRADICTIONS = pd.DataFrame(
    {
        "contradiction_id": ["C05", "C18"],
        "topic": ["Cambodia deportations", "Cambodia OHCHR figure wording"],
        "country": ["KH", "KH"],
        "site_id": ["", ""],
        "source_ids": ["X1;X2;FMT", "S001;AFP"],
        "note": ["Different periods and counts.", "OHCHR said around; AFP says at least."],
    }
)


def test_contradicting_figures_are_shown_together_with_the_note():
    rows = figures.people_rows(frame(OHCHR_NATIONAL + NEWER), ("KH",))
    found = {
        c.contradiction_id: c
        for c in figures.contradictions_for(rows, frame(OHCHR_NATIONAL + NEWER), CONTRADICTIONS)
    }
    assert set(found) == {"C05", "C18"}
    c05 = found["C05"]
    assert c05.topic == "Cambodia deportations" and c05.note == "Different periods and counts."
    assert list(c05.rows["figure_id"]) == ["F07", "F10"]  # both sides, newest first
    assert list(c05.rows["value_text"]) == ["more than 30,000", "11,000 workers deported"]
    assert c05.other_source_ids == ["FMT"]  # a side with no figure row is still named
    assert found["C18"].other_source_ids == ["S001"]


def test_contradictions_work_without_the_fifth_file_or_the_column():
    rows = figures.people_rows(frame(OHCHR_NATIONAL + NEWER), ("KH",))
    found = figures.contradictions_for(rows, frame(OHCHR_NATIONAL + NEWER), None)
    assert {c.contradiction_id for c in found} == {"C05", "C18"}
    assert all(c.topic == "" and c.other_source_ids == [] for c in found)
    old = figures.people_rows(frame(OHCHR, OLD_COLUMNS), ALL)
    assert figures.contradictions_for(old, frame(OHCHR, OLD_COLUMNS), None) == []


def test_disputes_and_unconfirmed_stay_apart():
    assert figures.disputes(OHCHR[1]) == ["S005"]
    rows = frame([*OHCHR, fig(country="KH", value_text="x", status="unconfirmed")])
    assert len(figures.unconfirmed(rows)) == 1
    assert "x" not in set(figures.people_rows(rows, ALL)["value_text"])


# ---------------------------------------------------------------- the committed data


def test_committed_data_headline_keeps_ohchr_wording():
    atlas = load_atlas(ROOT / "data").atlas
    assert figures.headline(atlas.figures, ("KH",)).value == "around 100,000"
    head = figures.headline(atlas.figures, ALL)
    assert "around 100,000" in head.value and "≥" not in head.value
    assert head.lower_bound_countries == ["MM"]
    charted = figures.chart_rows(figures.people_rows(atlas.figures, ALL))
    assert set(charted["scope_used"]) <= {"national"}


def test_shown_summary_counts_sites_and_distinct_codes_and_names_the_countries():
    from components.analysis.figures import Shown

    country = pd.Series(["MM", "KH", "MM", None, "", "LA"], dtype="str")
    shown = Shown.of(country)
    assert shown.count == 6  # every shown site, a blank country too
    assert shown.distinct_countries == 4  # "MM", "KH", "", "LA" (as the header counted)
    assert (
        shown.countries
        == ("KH", "LA", "MM")
        == figures.shown_countries(country.to_frame("country"))
    )
    nothing = Shown.of(pd.Series([], dtype="str"))
    assert (nothing.count, nothing.distinct_countries, nothing.countries) == (0, 0, ())
