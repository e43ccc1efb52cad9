"""components.data.memory: freed memory really goes back to the operating system."""

from __future__ import annotations

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
