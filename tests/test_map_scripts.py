"""The map's scripts as one file (components.map.view.bundle_scripts): one round trip
instead of five in a row, the same code in the same order, and the separate files
whenever the bundle cannot be made."""

from __future__ import annotations

import os
from pathlib import Path

from components.map import view as map_view
from tests.faults import read_only

REPO = Path(__file__).resolve().parents[1]


def _static(tmp_path: Path) -> tuple[Path, list[tuple[str, str]]]:
    static = tmp_path / "static"
    js = []
    for i, name in enumerate(("lib", "plugin", "app")):
        path = static / "vendor" / f"{name}.js"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"window.order = (window.order || '') + '{i}';\n// no newline at end")
        js.append((name, f"/app/static/vendor/{name}.js"))
    return static, js


def _served(url: str, directory: Path) -> bytes:
    assert url.startswith(map_view.GENERATED_URL + "/map-") and url.endswith(".js")
    return (directory / url.rsplit("/", 1)[1]).read_bytes()


def test_the_app_s_map_scripts_are_one_file_holding_each_script_in_order():
    links = map_view.asset_links()
    assert links.offline_ready
    assert [name for name, _ in links.js] == ["atlas_scripts"]
    bundle = _served(links.js[0][1], map_view.GENERATED_DIR)
    parts = [
        (REPO / "static" / "vendor" / "leaflet@1.9.4/dist/leaflet.js"),
        (REPO / "static" / "vendor" / "leaflet.markercluster@1.5.3/dist/leaflet.markercluster.js"),
        (REPO / "static" / "vendor" / "topojson-client@3.1.0/dist/topojson-client.min.js"),
        (REPO / "static" / "atlas" / "atlas.js"),
        (REPO / "static" / "atlas" / "basemap.js"),
    ]
    starts = [bundle.index(p.read_bytes()) for p in parts]
    assert starts == sorted(starts)  # every file whole, in load order
    assert len(bundle) < sum(p.stat().st_size for p in parts) + 1000  # nothing else


def test_a_bundle_keeps_statements_apart_and_follows_edits(tmp_path):
    static, js = _static(tmp_path)
    out = tmp_path / "generated"
    [(name, url)] = map_view.bundle_scripts(js, out, static)
    text = _served(url, out).decode()
    assert name == "atlas_scripts"
    # A file ending in a line comment cannot swallow the next file's first line.
    assert "// no newline at end\n;\n/* plugin: /app/static/vendor/plugin.js */\n" in text
    assert map_view.bundle_scripts(js, out, static) == [(name, url)]  # made once
    (out / url.rsplit("/", 1)[1]).unlink()  # static/generated cleared while running
    assert map_view.bundle_scripts(js, out, static) == [(name, url)]
    assert _served(url, out).decode() == text  # made again

    edited = static / "vendor" / "app.js"
    edited.write_text("window.order = 'edited';")
    os.utime(edited, ns=(1, 1))  # a new mtime whatever the clock's resolution
    [(_, url2)] = map_view.bundle_scripts(js, out, static)
    assert url2 != url and "window.order = 'edited';" in _served(url2, out).decode()


def test_scripts_from_elsewhere_or_a_missing_file_are_left_as_they_are(tmp_path):
    static, js = _static(tmp_path)
    public = [*js, ("x", "https://unpkg.com/x@1/x.js")]
    assert map_view.bundle_scripts(public, tmp_path / "g", static) == public
    gone = [*js, ("y", "/app/static/vendor/missing.js")]
    assert map_view.bundle_scripts(gone, tmp_path / "g", static) == gone
    assert not (tmp_path / "g").exists() or not list((tmp_path / "g").glob("map-*.js"))


def test_a_read_only_folder_loads_the_scripts_one_by_one(tmp_path):
    static, js = _static(tmp_path)
    with read_only(tmp_path / "generated") as folder:
        assert map_view.bundle_scripts(js, folder, static) == js
        assert list(folder.iterdir()) == []
