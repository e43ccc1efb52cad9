"""The validated-dataset cache (components/data/cache.py): hits skip validation; any
change, corrupt entry or unwritable folder falls back to validating, never to a crash."""

from __future__ import annotations

import logging
import os

import pandas as pd
import pytest

from components.data import cache, load_atlas
from tests.datafiles import copy_data
from tests.faults import read_only, tiny_tmpfs


@pytest.fixture
def data(tmp_path):
    return copy_data(tmp_path / "data")


class Spy:
    """load_atlas, counting its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, directory):
        self.calls += 1
        return load_atlas(directory)


def _same(a, b):
    for name in ("locations", "figures", "events", "sources", "contradictions"):
        pd.testing.assert_frame_equal(getattr(a.atlas, name), getattr(b.atlas, name))
    assert a.problems == b.problems and a.fatal == b.fatal


def test_second_load_of_unchanged_files_does_not_validate(data, tmp_path, monkeypatch):
    spy = Spy()
    first = cache.load_atlas_cached(data, tmp_path / "cache", loader=spy)
    assert spy.calls == 1
    # A hit must not even reach the real validator.
    monkeypatch.setattr(cache, "load_atlas", None)
    second = cache.load_atlas_cached(data, tmp_path / "cache", loader=spy)
    assert spy.calls == 1
    _same(first, second)
    _same(second, load_atlas(data))
    assert not list((tmp_path / "cache").glob(".tmp-*"))  # no temporary file left


def test_problems_are_cached_too(data, tmp_path):
    loc = data / "locations.csv"
    loc.write_text(loc.read_text(encoding="utf-8").replace(",MM,", ",XX,", 1), encoding="utf-8")
    spy = Spy()
    first = cache.load_atlas_cached(data, tmp_path / "cache", loader=spy)
    second = cache.load_atlas_cached(data, tmp_path / "cache", loader=spy)
    assert spy.calls == 1 and first.problems and first.problems == second.problems


def test_one_changed_byte_is_a_miss(data, tmp_path):
    spy = Spy()
    cache.load_atlas_cached(data, tmp_path / "cache", loader=spy)
    sources = data / "sources.csv"
    raw = sources.read_bytes()
    sources.write_bytes(raw[:-1] + (b" " if raw[-1:] != b" " else b"\n"))
    result = cache.load_atlas_cached(data, tmp_path / "cache", loader=spy)
    assert spy.calls == 2
    _same(result, load_atlas(data))


def test_changed_validator_code_is_a_miss(data, tmp_path, monkeypatch):
    spy = Spy()
    cache.load_atlas_cached(data, tmp_path / "cache", loader=spy)
    monkeypatch.setattr(cache, "FORMAT", cache.FORMAT + 1)
    cache.load_atlas_cached(data, tmp_path / "cache", loader=spy)
    assert spy.calls == 2


@pytest.mark.parametrize("junk", [b"", b"not a pickle", b"\x80\x05K\x01."])
def test_corrupt_entry_is_a_miss_with_a_warning(data, tmp_path, caplog, junk):
    spy = Spy()
    cache.load_atlas_cached(data, tmp_path / "cache", loader=spy)
    (entry,) = (tmp_path / "cache").glob("*.pickle")
    entry.write_bytes(junk)
    with caplog.at_level(logging.WARNING, logger="atlas"):
        result = cache.load_atlas_cached(data, tmp_path / "cache", loader=spy)
    assert spy.calls == 2
    assert "data cache" in caplog.text
    _same(result, load_atlas(data))
    # ... and the entry is written again, good this time.
    cache.load_atlas_cached(data, tmp_path / "cache", loader=spy)
    assert spy.calls == 2


def test_unwritable_cache_location_still_loads(data, tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")  # a folder under a file cannot be made, even by root
    spy = Spy()
    with caplog.at_level(logging.WARNING, logger="atlas"):
        first = cache.load_atlas_cached(data, blocker / "cache", loader=spy)
        second = cache.load_atlas_cached(data, blocker / "cache", loader=spy)
    assert spy.calls == 2
    assert "Could not write the data cache" in caplog.text
    _same(first, second)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a 0o555 folder anyway")
def test_read_only_cache_dir_still_loads(data, tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        spy = Spy()
        result = cache.load_atlas_cached(data, folder, loader=spy)
        assert spy.calls == 1 and not list(folder.iterdir())
        _same(result, load_atlas(data))
    finally:
        folder.chmod(0o755)


def test_a_read_only_or_full_cache_filesystem_still_loads(data, tmp_path):
    """The same as root can make it: a real read-only and a real full tmpfs."""
    for make in (read_only, lambda p: tiny_tmpfs(p, size="8k")):
        folder = tmp_path / f"cache-{id(make)}"
        with make(folder):
            spy = Spy()
            result = cache.load_atlas_cached(data, folder, loader=spy)
            assert spy.calls == 1
            assert not [p for p in folder.iterdir() if p.name.startswith(".tmp-")]
            _same(result, load_atlas(data))


def test_folder_without_locations_is_not_cached(tmp_path):
    spy = Spy()
    result = cache.load_atlas_cached(tmp_path, tmp_path / "cache", loader=spy)
    assert spy.calls == 1 and result.fatal
    assert not (tmp_path / "cache").exists()


def test_old_entries_are_pruned(data, tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 1)
    cache.load_atlas_cached(data, tmp_path / "cache")
    (data / "sources.csv").write_bytes((data / "sources.csv").read_bytes() + b"\n")
    cache.load_atlas_cached(data, tmp_path / "cache")
    entries = list((tmp_path / "cache").glob("*.pickle"))
    assert len(entries) == 1 and entries[0] == cache.entry_path(data, tmp_path / "cache")


def _not_here(*_args, **_kwargs):
    raise AssertionError("validated in this process")


def test_a_large_miss_is_validated_in_a_child_process(data, tmp_path, monkeypatch):
    """Above child_min_bytes the validation's memory is a child's, not the server's: a
    validation in this process would raise here; the child (a fresh interpreter) is
    untouched, writes the entry, and this process reads it."""
    expected = load_atlas(data)
    monkeypatch.setattr("components.data.tables._load_table", _not_here)
    folder = tmp_path / "cache"
    got = cache.load_atlas_cached(data, folder, child_min_bytes=0)
    _same(got, expected)
    assert cache.entry_path(data, folder).is_file()
    assert not list(folder.glob(".tmp-*"))


def test_below_the_size_the_miss_is_validated_here(data, tmp_path, monkeypatch):
    monkeypatch.setattr("components.data.tables._load_table", _not_here)
    with pytest.raises(AssertionError, match="validated in this process"):
        cache.load_atlas_cached(data, tmp_path / "cache", child_min_bytes=10**12)


def test_an_unwritable_cache_folder_validates_here_without_a_child(data, tmp_path, monkeypatch):
    """A child could not hand its result back: it is not started (the load would be done
    twice), and the load is done here."""
    started = []
    monkeypatch.setattr(cache.subprocess, "run", lambda *a, **k: started.append(a))
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("x")
    got = cache.load_atlas_cached(data, blocked, child_min_bytes=0)
    _same(got, load_atlas(data))
    assert started == []


def test_a_child_that_writes_no_entry_says_so_and_the_load_is_done_here(
    data, tmp_path, monkeypatch, caplog
):
    """The child's own verdict on an entry it could not write (exit 3) reaches the log."""
    real_run = cache.subprocess.run

    def run_then_lose_it(*args, **kwargs):
        done = real_run(*args, **kwargs)
        for entry in (tmp_path / "cache").glob("*.pickle"):
            entry.unlink()  # as if the write had failed
        return cache.subprocess.CompletedProcess(done.args, cache.NOT_WRITTEN, "", "disk full")

    monkeypatch.setattr(cache.subprocess, "run", run_then_lose_it)
    with caplog.at_level(logging.WARNING, logger="atlas"):
        got = cache.load_atlas_cached(data, tmp_path / "cache", child_min_bytes=0)
    _same(got, load_atlas(data))
    assert "exit 3" in caplog.text and "disk full" in caplog.text


def test_the_child_exits_3_when_it_cannot_write_the_entry(data, tmp_path):
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("x")
    assert cache.main([str(data), str(blocked)]) == cache.NOT_WRITTEN
    assert cache.main([str(data), str(tmp_path / "cache")]) == 0


def test_a_killed_child_is_a_read_error_not_a_second_try(data, tmp_path, monkeypatch):
    """Killed (the out-of-memory killer picks the largest process: the child): the same
    check in the server would meet the same end, so the load raises OSError, which the
    page shows as the data not being readable while it serves the last good version."""
    suicide = tmp_path / "python-that-is-killed"
    suicide.write_text("#!/bin/sh\nkill -9 $$\n")
    suicide.chmod(0o755)
    monkeypatch.setattr(cache.sys, "executable", str(suicide))
    monkeypatch.setattr("components.data.tables._load_table", _not_here)
    with pytest.raises(OSError, match="signal 9") as raised:
        cache.load_atlas_cached(data, tmp_path / "cache", child_min_bytes=0)
    assert raised.value.filename.endswith("locations.csv")


def test_relative_folders_name_the_same_folders_in_the_child(data, tmp_path, monkeypatch):
    """The child runs in the project folder: relative paths are resolved before."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("components.data.tables._load_table", _not_here)
    got = cache.load_atlas_cached(data.relative_to(tmp_path), "rel-cache", child_min_bytes=0)
    assert len(got.atlas.locations) > 0
    assert list((tmp_path / "rel-cache").glob("*.pickle"))


def test_pruning_skips_temporary_files_and_removes_stale_ones(tmp_path):
    import time

    for i in range(cache.MAX_ENTRIES + 2):
        entry = tmp_path / f"entry{i}.pickle"
        entry.write_bytes(b"x")
        os.utime(entry, (1000 + i, 1000 + i))
    fresh, stale = tmp_path / ".tmp-fresh.pickle", tmp_path / ".tmp-stale.pickle"
    fresh.write_bytes(b"in progress")
    stale.write_bytes(b"killed writer")
    old = time.time() - cache.STALE_TMP_S - 60
    os.utime(stale, (old, old))
    cache._prune(tmp_path)
    kept = sorted(p.name for p in tmp_path.glob("*.pickle") if not p.name.startswith("."))
    assert kept == [f"entry{i}.pickle" for i in range(2, cache.MAX_ENTRIES + 2)]
    assert fresh.exists() and not stale.exists()


def test_a_child_that_fails_is_logged_and_followed_by_validating_here(
    data, tmp_path, monkeypatch, caplog
):
    monkeypatch.setattr(cache.sys, "executable", str(tmp_path / "no-such-python"))
    with caplog.at_level(logging.WARNING, logger="atlas"):
        got = cache.load_atlas_cached(data, tmp_path / "cache", child_min_bytes=0)
    _same(got, load_atlas(data))
    assert "Could not start a child process" in caplog.text


def test_the_child_command_refuses_a_wrong_call(capsys):
    assert cache.main(["only-one"]) == 2
    assert "usage" in capsys.readouterr().err
