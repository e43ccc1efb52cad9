"""A site's status through time (components.data.status), on small hand-built tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from components.data import status
from components.data.status import (
    SITE_STATUSES,
    StatusTable,
    data_dates,
    first_reported,
    site_timeline,
    span_ends,
    span_starts,
    status_at,
    status_changes,
    status_counts,
)
from components.data.tables import date_span


def _locations() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site_id": ["kk", "sk", "bv", "pp", "nn"],
            "name": ["KK Park", "Shwe Kokko", "Bavet", "Poipet", "Nowhere"],
            "source_ids": ["S1;S2", "S3", "", "S9;S4", "S4"],
        }
    )


def _sources() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_id": ["S1", "S2", "S3", "S4", "S5", "S6"],
            "date": ["2023-06", "2022-03-15", "2024", "", "2025-11-20", "2025-12-01"],
            "quote": ["q1", "q2", "q3", "q4", "q5", "q6"],
        }
    )


def _events() -> pd.DataFrame:
    rows = [
        # event_id, date, site_id, event_type, status, source_id, disputed_by, summary
        ("E1", "2023-01-10", "kk", "report", "operating", "S1", "", "Workers seen inside"),
        ("E2", "2025-10", "kk", "raid", "raided", "S5", "", "Army raid"),
        ("E3", "2025-11-18", "kk", "report", "demolished_claimed", "S5", "S6", "Junta claim"),
        ("E4", "2025-11-18", "kk", "report", "demolished_verified", "S6", "", "Imagery"),
        ("E5", "2021-05-01", "bv", "report", "", "S3", "", "A report, no status"),
        ("E6", "2024-02-02", "", "policy", "", "S3", "", "National policy"),
        ("E7", "2026", "sk", "strike", "struck", "S5", "", "Strike"),
        ("E8", "2025-01-01", "gone", "raid", "raided", "S5", "", "At an unmapped site"),
    ]
    cols = [
        "event_id",
        "date",
        "site_id",
        "event_type",
        "status",
        "source_id",
        "disputed_by",
        "summary",
    ]
    return pd.DataFrame(rows, columns=cols)


@pytest.fixture
def tables():
    return _locations(), _events(), _sources()


def test_vocabulary_has_one_definition():
    from components.data import tables

    assert status.SITE_STATUSES is tables.SITE_STATUSES
    assert SITE_STATUSES[0] == "reported" and len(SITE_STATUSES) == 10


@pytest.mark.parametrize("value", ["2025", "2025-02", "2025-02-14", ""])
def test_vectorised_spans_match_date_span(value):
    want = date_span(value) if value else ("", "")
    series = pd.Series([value])
    assert (span_starts(series)[0], span_ends(series)[0]) == want


def test_first_reported_takes_the_earliest_source_or_event(tables):
    loc, ev, src = tables
    first = first_reported(loc, ev, src)
    assert first.shape == (5,) and first.dtype == object
    assert list(first) == [
        "2022-03-15",  # kk: S2 (2022-03-15) before S1 (2023-06) and E1 (2023-01-10)
        "2024-01-01",  # sk: S3 "2024" counts from 1 January; E7 (2026) is later
        "2021-05-01",  # bv: no cited source, its event E5
        "",  # pp: S9 unknown, S4 undated
        "",  # nn: only an undated source
    ]


def test_status_changes_columns_and_order(tables):
    _, ev, _ = tables
    ch = status_changes(ev)
    assert list(ch["event_id"]) == ["E8", "E1", "E2", "E3", "E4", "E7"]  # by site, day, file
    assert list(ch.columns[:8]) == [
        "site_id",
        "date",
        "start",
        "status",
        "event_id",
        "source_id",
        "disputed",
        "disputed_by",
    ]
    e2 = ch.set_index("event_id").loc["E2"]
    assert e2["date"] == "2025-10" and e2["start"] == "2025-10-01"
    assert ch["disputed"].dtype == bool
    assert list(ch.loc[ch["disputed"], "event_id"]) == ["E3"]


def test_status_changes_without_status_column():
    ev = _events().drop(columns=["status", "disputed_by", "event_id"])
    assert status_changes(ev).empty


def test_status_changes_rejects_unknown_status():
    ev = _events()
    ev.loc[0, "status"] = "vanished"
    with pytest.raises(ValueError, match="vanished"):
        status_changes(ev)


@pytest.mark.parametrize(
    ("as_of", "codes"),
    [
        # kk, sk, bv, pp, nn
        ("2021-01-01", ["", "", "", "reported", "reported"]),
        ("2021-05-01", ["", "", "reported", "reported", "reported"]),  # counts that day
        ("2022-03-15", ["reported", "", "reported", "reported", "reported"]),
        ("2023-01-10", ["operating", "", "reported", "reported", "reported"]),
        ("2024-01-01", ["operating", "reported", "reported", "reported", "reported"]),
        ("2025-09-30", ["operating", "reported", "reported", "reported", "reported"]),
        ("2025-10-01", ["raided", "reported", "reported", "reported", "reported"]),  # month
        # Two claims the same day: the later row in the file wins.
        ("2025-11-18", ["demolished_verified", "reported", "reported", "reported", "reported"]),
        ("2026-01-01", ["demolished_verified", "struck", "reported", "reported", "reported"]),
        (None, ["demolished_verified", "struck", "reported", "reported", "reported"]),
    ],
)
def test_status_at_truth_table(tables, as_of, codes):
    loc, ev, src = tables
    now = status_at(loc, status_changes(ev), first_reported(loc, ev, src), as_of)
    assert list(now.code) == codes
    assert list(now.reported) == [c != "" for c in codes]
    assert [SITE_STATUSES[i] if i >= 0 else "" for i in now.index] == codes
    assert now.as_of == (as_of or "")


def test_status_at_carries_since_source_and_dispute(tables):
    loc, ev, src = tables
    ev = ev[ev["event_id"] != "E4"]  # leave the junta claim standing alone
    now = status_at(loc, status_changes(ev), first_reported(loc, ev, src), "2025-12-01")
    assert now.code[0] == "demolished_claimed"
    assert now.disputed[0] and not now.disputed[1:].any()
    assert (now.since[0], now.event_id[0], now.source_id[0]) == ("2025-11-18", "E3", "S5")
    # A plain "reported" status: since its first report, no event behind it.
    assert (now.since[1], now.event_id[1], now.source_id[1]) == ("2024-01-01", "", "")
    assert now.since[3] == ""  # undated report
    assert now.disputed.dtype == bool


def test_status_table_answers_many_dates_like_status_at(tables):
    loc, ev, src = tables
    changes, first = status_changes(ev), first_reported(loc, ev, src)
    table = StatusTable.build(loc, ev, src)
    for day in ["2020-01-01", "2023-06-30", "2025-10-15", "2025-11-18", "2030-01-01"]:
        a, b = table.at(day), status_at(loc, changes, first, day)
        for field in ("code", "since", "event_id", "source_id", "disputed", "index"):
            assert list(getattr(a, field)) == list(getattr(b, field)), (day, field)


def test_status_at_site_order_does_not_matter(tables):
    loc, ev, src = tables
    shuffled = loc.iloc[[4, 2, 0, 3, 1]].reset_index(drop=True)
    now = status_at(shuffled, status_changes(ev), first_reported(shuffled, ev, src), None)
    assert list(now.code) == ["reported", "reported", "demolished_verified", "reported", "struck"]


def test_status_at_without_changes_or_sites():
    loc = _locations()
    no_changes = status_changes(_events().iloc[0:0])
    now = status_at(loc, no_changes, np.array([""] * 5, dtype=object), "2025-01-01")
    assert list(now.code) == ["reported"] * 5
    empty = status_at(loc.iloc[0:0], status_changes(_events()), np.array([], dtype=object), None)
    assert empty.code.shape == (0,)


@pytest.mark.parametrize("as_of", ["2025-02-30", "2025-11", "25-11-01", "", "yesterday"])
def test_status_at_rejects_a_bad_date(tables, as_of):
    loc, ev, src = tables
    with pytest.raises(ValueError, match="as_of"):
        status_at(loc, status_changes(ev), first_reported(loc, ev, src), as_of)


def test_status_at_checks_first_shape(tables):
    loc, ev, _ = tables
    with pytest.raises(ValueError, match="shape"):
        status_at(loc, status_changes(ev), np.array(["", ""], dtype=object), None)


def test_status_counts_and_having(tables):
    loc, ev, src = tables
    now = StatusTable.build(loc, ev, src).at("2026-06-01")
    assert status_counts(now) == {"reported": 3, "struck": 1, "demolished_verified": 1}
    assert status_counts(now.code) == status_counts(now)  # a plain code array works too
    shown = np.array([True, True, False, False, False])
    assert status_counts(now, shown) == {"struck": 1, "demolished_verified": 1}
    early = StatusTable.build(loc, ev, src).at("2021-01-01")
    assert status_counts(early) == {"reported": 2}  # not-yet-reported sites not counted
    assert list(now.having(["struck", "no_such"])) == [False, True, False, False, False]


def test_site_timeline_starts_with_the_first_report(tables):
    loc, ev, src = tables
    tl = site_timeline("kk", loc, ev, src)
    assert list(tl["status"]) == [
        "reported",
        "operating",
        "raided",
        "demolished_claimed",
        "demolished_verified",
    ]
    first = tl.iloc[0]
    assert (first["date"], first["source_id"], first["event_id"]) == ("2022-03-15", "S2", "")
    claim = tl[tl["event_id"] == "E3"].iloc[0]
    assert claim["disputed"] and claim["disputed_by"] == "S6"
    assert claim["summary"] == "Junta claim" and claim["label"] == "Demolition claimed"
    assert tl["start"].is_monotonic_increasing
    assert tl["disputed"].dtype == bool


def test_site_timeline_from_an_event_or_undated(tables):
    loc, ev, src = tables
    bv = site_timeline("bv", loc, ev, src)
    assert len(bv) == 1
    assert (bv.iloc[0]["date"], bv.iloc[0]["event_id"], bv.iloc[0]["summary"]) == (
        "2021-05-01",
        "E5",
        "A report, no status",
    )
    pp = site_timeline("pp", loc, ev, src)  # nothing dated: an undated "reported" row
    assert list(pp["status"]) == ["reported"] and pp.iloc[0]["date"] == ""
    assert pp.iloc[0]["source_id"] == "S4"  # the undated page (S9 is not in sources)


def test_an_undated_citation_makes_the_first_report_unknown(tables):
    """Kiripost's seed page is undated: a site it names may have been reported before
    its earliest dated source, so it is never hidden as "not yet reported"."""
    loc, ev, src = tables
    both = pd.concat(
        [loc, pd.DataFrame({"site_id": ["mix"], "name": ["Mix"], "source_ids": ["S1;S4"]})],
        ignore_index=True,
    )
    first = first_reported(both, ev, src)
    assert first[list(both["site_id"]).index("mix")] == ""
    assert first[list(both["site_id"]).index("kk")] == "2022-03-15"  # dated only: earliest
    table = StatusTable.build(both, ev, src)
    mix = list(both["site_id"]).index("mix")
    assert table.at("2020-01-01").code[mix] == "reported"  # shown even that early
    timeline = site_timeline("mix", both, ev, src)  # the dated report, and the caveat
    assert (timeline.iloc[0]["date"], timeline.iloc[0]["source_id"]) == ("2023-06", "S1")
    assert "undated page (S4)" in timeline.iloc[0]["summary"]
    assert site_timeline("nope", loc, ev, src).empty


def test_data_dates_span_events_and_sources(tables):
    _, ev, src = tables
    assert data_dates(ev) == ("2021-05-01", "2026-12-31")
    assert data_dates(ev[ev["event_id"].isin(["E2"])]) == ("2025-10-01", "2025-10-31")
    feb = pd.DataFrame({"date": ["2024-02"]})
    assert data_dates(feb) == ("2024-02-01", "2024-02-29")  # a real last day
    assert data_dates(ev.iloc[[1]], src) == ("2022-03-15", "2025-12-01")
    assert data_dates(pd.DataFrame({"date": [""]})) == ("", "")


def test_first_reported_edge_tables(tables):
    loc, ev, src = tables
    no_sources = src.iloc[0:0]
    assert list(first_reported(loc, ev, no_sources)) == [
        "2023-01-10",
        "2026-01-01",
        "2021-05-01",
        "",
        "",
    ]
    doubled = pd.concat([src, src.assign(date="1999")], ignore_index=True)
    assert list(first_reported(loc, ev, doubled)) == list(first_reported(loc, ev, src))
    assert first_reported(loc.iloc[0:0], ev, src).shape == (0,)
    no_events = ev.iloc[0:0]
    assert first_reported(loc, no_events, src)[0] == "2022-03-15"


def test_sites_first_reported_on_one_day_share_one_string():
    """A million sites cite a few hundred sources: each day and source id becomes one
    Python string that the rows share (about 100 MB less at 1,000,000 sites)."""
    n = 2_000
    loc = pd.DataFrame(
        {"site_id": [f"s{i}" for i in range(n)], "source_ids": ["S1;S2", "S2"] * (n // 2)}
    )
    src = pd.DataFrame({"source_id": ["S1", "S2"], "date": ["2023-06", "2024-01-02"]})
    ev = pd.DataFrame({"site_id": pd.Series([], dtype=object), "date": [], "event_id": []})
    out = first_reported(loc, ev.assign(source_id=[]), src)
    assert list(out[:2]) == ["2023-06-01", "2024-01-02"]
    assert len({id(v) for v in out}) == 2  # one object per distinct day
    reports = status._first_reports(loc, ev.assign(source_id=[]), src)
    assert len({id(v) for v in reports["source_id"]}) == 2
    undated = pd.concat([src, pd.DataFrame({"source_id": ["S0"], "date": [""]})])
    cited = status._undated_citation(loc.assign(source_ids="S1;S0"), undated)
    assert list(cited[:2]) == ["S0", "S0"] and len({id(v) for v in cited}) == 1


def test_the_dossier_timeline_is_computed_once_per_site_and_dataset():
    from components.analysis import dossier
    from components.data import DEFAULT_DATA_DIR, load_atlas

    atlas = load_atlas(DEFAULT_DATA_DIR).atlas
    args = (atlas.locations, atlas.events, atlas.sources)
    first = dossier.site_timeline("kk_park", *args)
    pd.testing.assert_frame_equal(first, status.site_timeline("kk_park", *args))
    assert dossier.site_timeline("kk_park", *args) is first  # the second time: kept
    # Other tables (an edited dataset, an upload joined in) are never answered from it.
    events = atlas.events.copy()
    events.loc[events["site_id"] == "kk_park", "status"] = ""
    other = dossier.site_timeline("kk_park", atlas.locations, events, atlas.sources)
    assert other is not first
    pd.testing.assert_frame_equal(
        other, status.site_timeline("kk_park", atlas.locations, events, atlas.sources)
    )
    locations = atlas.locations.copy()
    assert dossier.site_timeline("kk_park", locations, atlas.events, atlas.sources) is not first


def test_a_sites_changes_are_its_slice_of_the_tables_changes_kept_per_table():
    """site_timeline reads a site's changes from the events table's changes (computed
    once per table): the same rows as the changes of that site's events alone."""
    from components.data import DEFAULT_DATA_DIR, load_atlas

    events = load_atlas(DEFAULT_DATA_DIR).atlas.events.copy()
    ids = sorted(set(events["site_id"]) - {""}) + ["no_such_site"]
    for site_id in ids:
        alone = status_changes(events[events["site_id"] == site_id]).drop(columns="order")
        got = status._changes_of(events, site_id).drop(columns="order")
        pd.testing.assert_frame_equal(got, alone, check_dtype=False)  # str or object
    kept = status._CHANGES[id(events)]["all"][0]
    assert status._changes_of(events, ids[0]).shape[1] == kept.shape[1]
    assert status._CHANGES[id(events)]["all"][0] is kept  # not computed again
    edited = events.assign(status="")
    assert status._changes_of(edited, ids[0]).empty  # another table: its own changes


def test_earliest_per_row_is_the_first_listed_of_each_rows_earliest_day():
    rng = np.random.default_rng(7)
    rows = np.sort(rng.integers(-1, 300, 5000))  # -1: a citation of no site row
    days = rng.integers(0, 40, 5000)
    days[rng.random(5000) < 0.3] = status._NAT  # undated
    got = status._earliest_per_row(rows, days)
    expected = []
    for row in np.unique(rows[rows >= 0]):
        dated = [i for i in np.flatnonzero(rows == row) if days[i] != status._NAT]
        if dated:
            expected.append(min(dated, key=lambda i: (days[i], i)))
    assert got.tolist() == expected
    assert status._earliest_per_row(rows[:0], days[:0]).tolist() == []


@pytest.mark.parametrize("dtype", [object, "str"])
def test_a_sites_events_of_one_date_keep_the_files_order_whatever_the_dtype(dtype):
    """The dossier lists a site's events by date; events of one date keep the order the
    file gives them (a stable sort), for object and Arrow-backed str columns alike."""
    import random

    from components.analysis.dossier import site_events

    rng = random.Random(7)
    dates = [rng.choice(["2024-01", "2024-01-05", "2023", "2025-02-02"]) for _ in range(60)]
    events = pd.DataFrame(
        {"event_id": [f"E{i}" for i in range(60)], "site_id": "kk", "date": dates}
    ).astype(dtype)
    listed = site_events("kk", events)
    expected = sorted(range(60), key=lambda i: dates[i])  # Python's sort is stable
    assert listed["event_id"].tolist() == [f"E{i}" for i in expected]


def test_a_status_at_keeps_a_few_bytes_per_site_and_shares_the_table_s_text():
    """Each session keeps its page's StatusAt: its own arrays are small numbers (7 bytes
    per site), the text is the table's, and the str columns are made when read."""
    import dataclasses

    n = 10_000
    loc = pd.DataFrame({"site_id": [f"s{i}" for i in range(n)], "source_ids": ["S1"] * n})
    src = pd.DataFrame({"source_id": ["S1"], "date": ["2023-06"]})
    ev = pd.DataFrame(
        {
            "event_id": ["E1", "E2"],
            "site_id": ["s3", "s5"],
            "date": ["2024-02-01", "2024-03-01"],
            "event_type": ["raid", "raid"],
            "status": ["raided", "closed"],
            "source_id": ["S1", "S1"],
        }
    )
    table = StatusTable.build(loc, ev, src)
    at = table.at("2024-02-15")
    own = 0
    for field in dataclasses.fields(at):
        value = getattr(at, field.name)
        if isinstance(value, np.ndarray):
            if value.dtype == object:
                assert any(value is shared for shared in vars(table).values()), field.name
            elif len(value) == n:
                own += value.nbytes
    assert own <= 7 * n
    assert (at.code[3], at.since[3], at.event_id[3], at.source_id[3]) == (
        "raided",
        "2024-02-01",
        "E1",
        "S1",
    )
    assert (at.code[5], at.since[5], at.event_id[5]) == ("reported", "2023-06-01", "")
    assert at.code.shape == at.since.shape == (n,)
