"""Decoded country outlines are kept as WKB and read back the same."""

from __future__ import annotations

import numpy as np
import shapely

from components.data import borders


def _fresh(monkeypatch, tmp_path):
    monkeypatch.setattr(borders, "CACHE_DIR", tmp_path)
    borders.country_shapes.cache_clear()
    borders.country_shape.cache_clear()


def test_outlines_are_cached_and_read_back_equal(monkeypatch, tmp_path):
    _fresh(monkeypatch, tmp_path)
    try:
        decoded = borders.country_shapes()
        files = list(tmp_path.glob("countries-*.wkb"))
        assert len(files) == 1
        _fresh(monkeypatch, tmp_path)
        cached = borders.country_shapes()
        assert list(cached) == list(decoded)
        assert all(shapely.equals_exact(cached[k], decoded[k], 0) for k in ("MM", "TH", "KH"))
        lats, lons = np.array([16.68778, 11.56944, 13.7563]), np.array([98.50833, 104.92, 100.5])
        from_cache = borders.distances_km(lats, lons, "MM")
        _fresh(monkeypatch, tmp_path)  # the repaired outline now comes from the cache too
        assert np.allclose(borders.distances_km(lats, lons, "MM"), from_cache)
    finally:
        borders.country_shapes.cache_clear()
        borders.country_shape.cache_clear()


def test_an_unreadable_cache_is_decoded_again(monkeypatch, tmp_path):
    _fresh(monkeypatch, tmp_path)
    try:
        borders.country_shapes()
        for file in tmp_path.glob("countries-*.wkb"):
            file.write_text("MM\tnot hex\n", encoding="ascii")
        _fresh(monkeypatch, tmp_path)
        assert "MM" in borders.country_shapes()
    finally:
        borders.country_shapes.cache_clear()
        borders.country_shape.cache_clear()


def test_damaged_wkb_is_decoded_again(monkeypatch, tmp_path):
    _fresh(monkeypatch, tmp_path)
    try:
        borders.country_shapes()
        for file in tmp_path.glob("countries-*.wkb"):
            file.write_text("MM\t0102\nvalid:MM\t0102\n", encoding="ascii")
        _fresh(monkeypatch, tmp_path)
        assert "MM" in borders.country_shapes() and borders.country_shape("MM").is_valid
    finally:
        borders.country_shapes.cache_clear()
        borders.country_shape.cache_clear()
