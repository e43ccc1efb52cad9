"""The map's payload when static/generated cannot be written (issue 13): a full disk
or a read-only folder leaves no partial file, and the map's data is sent inline."""

from __future__ import annotations

import base64
import gzip
import json

import pytest

from components.map import view as map_view
from tests.faults import read_only, tiny_tmpfs

PAYLOAD = {"sites": {"id": [f"s{i}" for i in range(5000)], "lat": [1.5] * 5000}}


def _inline(url: str) -> dict:
    assert map_view.payload_inline(url)
    packed = base64.b64decode(url.removeprefix(map_view.INLINE_PREFIX))
    return json.loads(gzip.decompress(packed))


def test_a_full_disk_sends_the_payload_inline_and_leaves_no_partial_file(tmp_path):
    # Random ids do not compress: the gzip file is larger than the 16 KiB disk.
    payload = {
        "sites": {
            "id": [
                base64.b64encode(bytes([i % 251]) * 3 + i.to_bytes(4)).decode()
                for i in range(20_000)
            ]
        }
    }
    with tiny_tmpfs(tmp_path / "generated") as folder:
        url = map_view.publish_payload(payload, folder)
        assert _inline(url) == payload
        assert list(folder.iterdir()) == []  # no sites-*.json.gz.part left behind


def test_a_read_only_folder_sends_the_payload_inline(tmp_path):
    with read_only(tmp_path / "generated") as folder:
        url = map_view.publish_payload(PAYLOAD, folder)
        assert _inline(url) == PAYLOAD
        assert list(folder.iterdir()) == []


def test_a_failed_write_raises_and_leaves_nothing(tmp_path):
    with tiny_tmpfs(tmp_path / "small", size="8k") as folder:
        with pytest.raises(OSError):
            map_view.write_atomic(folder / "big.json", "x" * 100_000)
        assert list(folder.iterdir()) == []


def test_a_writable_folder_still_gets_a_file(tmp_path):
    url = map_view.publish_payload(PAYLOAD, tmp_path)
    assert url.startswith(map_view.GENERATED_URL + "/sites-") and url.endswith(".json.gz")
    assert not map_view.payload_inline(url)
