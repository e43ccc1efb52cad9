"""components.data.memory: freed memory really goes back to the operating system, and
long-lived objects leave the garbage collector's scans."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from components.data import memory


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096 / 1e6


def test_freed_heap_memory_is_given_back():
    if memory._malloc_trim() is None:
        pytest.skip("no glibc malloc_trim on this machine")
    # 2,000 blocks of 100 KB (under malloc's mmap threshold: they live in the heap), all
    # freed but the last, which keeps the heap from shrinking by itself.
    blocks = [np.ones(100_000 // 8) for _ in range(2_000)]
    kept = blocks[-1]
    del blocks
    before = _rss_mb()
    assert memory.release_freed_memory() is True
    after = _rss_mb()
    assert before - after > 100, f"RSS {before:.0f} -> {after:.0f} MB"
    assert kept.sum() == len(kept)  # what is still in use is untouched


def test_it_never_raises_and_can_be_called_again():
    for _ in range(3):
        assert memory.release_freed_memory() in (True, False)


class _Node:
    """An object that can sit in a reference cycle (ints and strs are never tracked)."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def thawed():
    """Leave the collector as found: nothing frozen by one test stays frozen for the next."""
    yield
    gc.unfreeze()


def test_freeze_takes_what_is_alive_out_of_every_collection(thawed):
    alive = _Node()
    assert any(o is alive for o in gc.get_objects())
    frozen = memory.freeze_long_lived()
    # Frozen objects still die by reference counting (a temporary of another thread, say),
    # so the count can only have fallen since: at most what was frozen, never zero.
    assert frozen > 0
    assert 0 < gc.get_freeze_count() <= frozen
    # A collection walks only the objects made since: the frozen one is not among them.
    assert not any(o is alive for o in gc.get_objects())
    newer = _Node()
    assert any(o is newer for o in gc.get_objects())


def test_a_later_freeze_collects_the_cycles_dropped_since(thawed):
    """A dataset dropped after a freeze is freed at the next freeze, not kept for good."""
    dropped = _Node()
    gone = weakref.ref(dropped)
    memory.freeze_long_lived()
    del dropped
    gc.collect()
    assert gone() is not None  # frozen: a cycle no collection sees
    memory.freeze_long_lived()
    assert gone() is None
