"""The last good dataset (components/data/fallback.py): a data file broken while the app
runs (cut mid-row, cut inside a quoted field, unreadable) costs the page no site; the
new problems are named; a restart still finds the last good version (issue 13)."""

from __future__ import annotations

import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest

from components.data import DEFAULT_DATA_DIR, cache, fallback, load_atlas
from tests.datafiles import copy_data
from tests.faults import run_as_nobody

SITES = 49  # in data/locations.csv


@pytest.fixture
def data(tmp_path):
    return copy_data(tmp_path / "data")


def serve(data, cache_dir, last=None):
    return fallback.serve(data, cache_dir, load_atlas, last)


def cut(path, at: int) -> None:
    path.write_bytes(path.read_bytes()[:at])


def test_good_files_are_served_and_kept_on_disk(data, tmp_path):
    served, good = serve(data, tmp_path / "cache")
    assert served.result is not None and not served.fallback
    assert len(served.result.atlas.locations) == SITES
    assert good is not None and good.version == served.version
    kept = fallback.recall(data, tmp_path / "cache")
    assert kept is not None and kept.version.sha256 == served.version.sha256
    assert len(kept.result.atlas.locations) == SITES


def test_a_file_cut_mid_row_keeps_every_site_and_names_the_problem(data, tmp_path):
    first, good = serve(data, tmp_path / "cache")
    locations = data / "locations.csv"
    raw = locations.read_bytes()
    cut(locations, len(raw) // 2 + 7)  # half the sites gone, the last row cut short
    served, still = serve(data, tmp_path / "cache", good)
    assert served.fallback and served.rejected is not None
    assert len(served.result.atlas.locations) == SITES  # not one site lost
    assert served.version.sha256 == first.version.sha256  # and cited as what it is
    assert still is good
    # Each new problem names file, row, column and value: here the events at the sites
    # the cut removed.
    problems = [str(p) for p in served.rejected.problems]
    assert any(p.startswith("events.csv, row ") and ", column site_id: '" in p for p in problems), (
        problems
    )


def test_a_file_cut_inside_a_quoted_field_keeps_every_site(data, tmp_path):
    _, good = serve(data, tmp_path / "cache")
    locations = data / "locations.csv"
    text = locations.read_text(encoding="utf-8")
    quote = text.index('"', len(text) // 3)  # an opening quote a third of the way in
    cut(locations, len(text[: quote + 5].encode("utf-8")))
    served, _ = serve(data, tmp_path / "cache", good)
    assert served.fallback
    assert len(served.result.atlas.locations) == SITES
    assert served.rejected.problems


def test_a_restart_on_broken_files_serves_the_last_good_version_from_disk(data, tmp_path):
    serve(data, tmp_path / "cache")
    cut(data / "sources.csv", 3000)
    served, good = serve(data, tmp_path / "cache", last=None)  # a new process: no memory
    assert served.fallback and len(served.result.atlas.locations) == SITES
    assert good is not None
    assert any(str(p).startswith("sources.csv") for p in served.rejected.problems)


def test_fixed_files_are_served_again_and_become_the_last_good(data, tmp_path):
    _, good = serve(data, tmp_path / "cache")
    locations = data / "locations.csv"
    original = locations.read_bytes()
    rows = original.decode("utf-8").splitlines(keepends=True)
    cut(locations, len(original) - 40)
    assert serve(data, tmp_path / "cache", good)[0].fallback
    # The fix drops one site (and its events) on purpose: a new good version.
    site = rows[-1].split(",")[0]
    locations.write_text("".join(rows[:-1]), encoding="utf-8")
    for name in ("events.csv", "figures.csv", "contradictions.csv"):
        path = data / name
        kept = [r for r in path.read_text(encoding="utf-8").splitlines(True) if site not in r]
        path.write_text("".join(kept), encoding="utf-8")
    served, newer = serve(data, tmp_path / "cache", good)
    assert not served.fallback, [str(p) for p in served.result.problems][:5]
    assert len(served.result.atlas.locations) == SITES - 1
    assert newer.version.sha256 != good.version.sha256
    assert fallback.recall(data, tmp_path / "cache").version.sha256 == newer.version.sha256


def test_without_a_last_good_version_the_rows_that_pass_are_shown(data, tmp_path):
    cut(data / "locations.csv", len((data / "locations.csv").read_bytes()) // 2)
    served, good = serve(data, tmp_path / "cache")
    assert good is None and not served.fallback
    assert 0 < len(served.result.atlas.locations) < SITES
    assert served.result.problems


def test_a_data_file_replaced_by_a_folder_is_named_and_costs_no_site(data, tmp_path):
    _, good = serve(data, tmp_path / "cache")
    (data / "events.csv").unlink()
    (data / "events.csv").mkdir()
    served, _ = serve(data, tmp_path / "cache", good)
    assert served.fallback and len(served.result.atlas.locations) == SITES
    problems = [str(p) for p in served.rejected.problems]
    assert "events.csv: is a folder, not a CSV file." in problems
    assert not any(str(tmp_path) in p for p in problems)  # no server path for visitors


@pytest.fixture
def shared_tmp():
    """A folder user nobody can reach (pytest's own tmp_path is root's, mode 700)."""
    folder = Path(tempfile.mkdtemp(prefix="atlas-fault-", dir="/tmp"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_file_the_app_may_not_read_serves_the_last_good_version(shared_tmp):
    """A real permission fault: the app runs as nobody; sources.csv becomes root's, mode
    600, while it runs. Without a last good version the page says why it has no data."""
    data, cache_dir = shared_tmp / "data", shared_tmp / "cache"
    copy_data(data, mode=0o644)
    data.chmod(0o755)
    script = textwrap.dedent(
        f"""
        from components.data import fallback
        from components.data.cache import load_atlas_cached
        def load(d):
            return load_atlas_cached(d, {str(cache_dir)!r})
        served, good = fallback.serve({str(data)!r}, {str(cache_dir)!r}, load)
        sites = len(served.result.atlas.locations) if served.result is not None else 0
        print("served", served.fallback, sites)
        print("error", served.read_error)
        """
    )
    first = run_as_nobody(script, cwd=DEFAULT_DATA_DIR.parent)
    assert first.returncode == 0, first.stderr[-2000:]
    assert f"served False {SITES}" in first.stdout
    (data / "sources.csv").chmod(0o600)  # root's file: nobody may no longer read it
    second = run_as_nobody(script, cwd=DEFAULT_DATA_DIR.parent)  # a restart, too
    assert second.returncode == 0, second.stderr[-2000:]
    assert f"served True {SITES}" in second.stdout
    assert "error sources.csv could not be read (Permission denied)." in second.stdout
    shutil.rmtree(cache_dir)  # no last good version: nothing to show, and why
    third = run_as_nobody(script, cwd=DEFAULT_DATA_DIR.parent)
    assert third.returncode == 0, third.stderr[-2000:]
    assert "served False 0" in third.stdout
    assert "error sources.csv could not be read (Permission denied)." in third.stdout


def test_the_cache_entry_and_the_last_good_file_are_apart(data, tmp_path):
    """Pruning old cache entries (cache.MAX_ENTRIES) never removes the last good version."""
    _, good = serve(data, tmp_path / "cache")
    for n in range(cache.MAX_ENTRIES + 1):  # newer, broken versions fill the cache
        (data / "figures.csv").write_text(f"broken {n}\n", encoding="utf-8")
        fallback.serve(
            data, tmp_path / "cache", lambda d: cache.load_atlas_cached(d, tmp_path / "cache"), good
        )
    kept = fallback.recall(data, tmp_path / "cache")
    assert kept is not None and kept.version.sha256 == good.version.sha256


def test_the_last_good_file_copies_the_cache_entry_instead_of_pickling_again(
    data, tmp_path, monkeypatch
):
    """Tables read from a cache entry are not pickled again (that copied every Arrow
    column, 375 MB kept at 1,000,000 sites): the entry's bytes follow the header."""
    cache_dir = tmp_path / "cache"
    cache.load_atlas_cached(data, cache_dir)  # the entry a restart reads
    entry = cache.entry_path(data, cache_dir)
    dumps, asked = [], []
    real_dump = fallback.pickle.dump
    monkeypatch.setattr(
        fallback.pickle,
        "dump",
        lambda obj, *a, **k: dumps.append(type(obj)) or real_dump(obj, *a, **k),
    )
    served, good = fallback.serve(
        data,
        cache_dir,
        lambda d: cache.load_atlas_cached(d, cache_dir),
        entry=lambda version: asked.append(version) or cache.entry_for(version.sha256, cache_dir),
    )
    assert asked == [served.version]  # the version checked, never the files hashed again
    assert dumps == [tuple]  # the header only
    assert fallback.good_path(data, cache_dir).read_bytes().endswith(entry.read_bytes())
    kept = fallback.recall(data, cache_dir)
    assert kept is not None and kept.version.sha256 == served.version.sha256
    assert kept.result.atlas.locations.equals(served.result.atlas.locations)


def test_without_a_readable_cache_entry_the_last_good_is_pickled(data, tmp_path):
    cache_dir = tmp_path / "cache"
    missing = tmp_path / "nowhere" / "entry.pickle"
    served, _ = fallback.serve(data, cache_dir, load_atlas, entry=lambda version: missing)
    kept = fallback.recall(data, cache_dir)
    assert kept is not None and len(kept.result.atlas.locations) == SITES

    assert served.version is not None and kept.version.sha256 == served.version.sha256
