/*
 * Scam Centre Atlas: the map's own script, served by the app at /app/static/atlas/atlas.js.
 *
 * The base map (fixed between reruns) calls Atlas.init(map, config) once: it fetches the
 * site payload (a JSON file published by the app, named by its content hash) and draws
 * the offline country outlines. Each rerun's feature group then calls atlas.show(group,
 * spec) with a bitmask of the rows to show, so a filter change redraws the markers inside
 * the same map: no iframe reload, zoom and pan kept.
 *
 * Every text from the data is put on the page as text (textContent or HTML-escaped
 * strings), never as markup; only http(s) URLs become links.
 */
(function () {
  "use strict";

  /* Leaflet focuses the map on mousedown. When the map is only partly on screen the
     browser then scrolls the page to show it, the marker moves away under the pointer
     between mousedown and mouseup, and the click is lost. Focus without scrolling. */
  L.Map.Keyboard.prototype._onMouseDown = function () {
    if (this._focused) return;
    this._map._container.focus({ preventScroll: true });
  };

  function escapeHtml(value) {
    return String(value == null ? "" : value).replace(/[&<>"'`=\/]/g, function (c) {
      return "&#" + c.charCodeAt(0) + ";";
    });
  }

  function isHttpUrl(value) {
    if (typeof value !== "string" || !/^https?:\/\//i.test(value)) return false;
    try {
      var u = new URL(value);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch (e) {
      return false;
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = String(text);
    return node;
  }

  function decodeMask(b64, n) {
    var bin = atob(b64 || "");
    var out = new Uint8Array(n);
    for (var i = 0; i < n; i++) {
      var byte = bin.charCodeAt(i >> 3);
      out[i] = (byte >> (i & 7)) & 1;
    }
    return out;
  }

  function Atlas(map, config) {
    this.map = map;
    this.config = config;
    this.renders = 0;
    this.stats = { sites: 0, events: 0, uploaded: 0, renders: 0, ready: false };
    var self = this;
    this.ready = fetch(config.payloadUrl, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (data) {
        self.data = data;
        return data;
      });
    this.ready.catch(function (err) {
      self.notice("Site data could not be loaded (" + err.message + "). Reload the page.");
    });
    this.outlines = null;
  }

  Atlas.prototype.notice = function (message) {
    var box = document.getElementById("atlas-notice");
    if (!box) {
      var Notice = L.Control.extend({
        onAdd: function () {
          var div = L.DomUtil.create("div", "atlas-notice leaflet-bar");
          div.id = "atlas-notice";
          return div;
        },
      });
      new Notice({ position: "bottomleft" }).addTo(this.map);
      box = document.getElementById("atlas-notice");
    }
    box.textContent = message;
  };

  /* Offline basemap: Natural Earth country outlines served by the app. They are drawn
     in a pane of their own between the tiles and the markers: in the markers' pane the
     opaque land would paint over any marker drawn before the outlines arrived. */
  Atlas.prototype.drawOutlines = function (layerGroup, url) {
    var self = this;
    if (!this.map.getPane("atlasBasemap")) {
      var pane = this.map.createPane("atlasBasemap");
      pane.style.zIndex = 250;
      pane.style.pointerEvents = "none";
    }
    fetch(url, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (topo) {
        var land = topojson.feature(topo, topo.objects.countries);
        L.geoJSON(land, {
          pane: "atlasBasemap",
          interactive: false,
          style: { color: "#7a7a7a", weight: 0.8, fillColor: "#eceae4", fillOpacity: 1 },
        }).addTo(layerGroup);
        self.outlinesDrawn = true;
      })
      .catch(function (err) {
        self.notice("Offline country outlines could not be loaded (" + err.message + ").");
      });
  };

  /* Online tiles are the default; if none can be fetched, switch to the offline outlines. */
  Atlas.prototype.watchTiles = function (tiles, outlines) {
    var self = this;
    var loaded = false;
    tiles.on("tileload", function () {
      loaded = true;
    });
    tiles.on("tileerror", function () {
      if (loaded || !self.map.hasLayer(tiles)) return;
      self.map.removeLayer(tiles);
      self.map.addLayer(outlines);
      self.basemap = "outlines";
      self.notice("Online basemap unreachable: showing offline country outlines.");
    });
    this.basemap = "tiles";
  };

  /* Legend: built from the app's own constants (never from data), as DOM text. */
  Atlas.prototype.legend = function () {
    var c = this.config;
    var box = L.DomUtil.create("div", "atlas-legend leaflet-bar");
    L.DomEvent.disableClickPropagation(box);
    var details = el("details");
    // Open where there is room; on a narrow map it starts folded (one click opens it).
    details.open = this.map.getSize().x >= 700;
    details.appendChild(el("summary", null, "Legend"));
    details.appendChild(el("div", "atlas-legend-title", "Zone type (colour)"));
    var zones = el("div", "atlas-zones");
    details.appendChild(zones);
    Object.keys(c.zoneLabels).forEach(function (zone) {
      var row = el("div");
      var sw = el("span", "swatch");
      sw.style.background = c.zoneColours[zone];
      row.appendChild(sw);
      row.appendChild(document.createTextNode(c.zoneLabels[zone]));
      zones.appendChild(row);
    });
    details.appendChild(el("div", "atlas-legend-title", "What a point stands for"));
    var rows = [
      ["Solid dot", "the compound itself"],
      ["Pale dot + halo", "a town, zone or province; the site is somewhere inside"],
      ["Dashed", "unverified estimate"],
      ["Dark badge n", "n dated events there"],
      ["Thick black ring", "your uploaded sites"],
    ];
    rows.forEach(function (r) {
      var row = el("div");
      row.appendChild(el("strong", null, r[0] + ": "));
      row.appendChild(document.createTextNode(r[1]));
      details.appendChild(row);
    });
    box.appendChild(details);
    return box;
  };

  Atlas.prototype.colour = function (zone) {
    return this.config.zoneColours[zone] || "#777777";
  };

  Atlas.prototype.siteTooltip = function (name) {
    // Leaflet and streamlit-folium both treat a string tooltip as HTML: escape it.
    return escapeHtml(name);
  };

  Atlas.prototype.siteMarker = function (rows, i, kind) {
    var precision = rows.precision[i];
    var low = rows.confidence[i] === "low";
    var style = this.config.precisionStyle[precision] || this.config.precisionStyle.town;
    var marker = L.circleMarker([rows.lat[i], rows.lon[i]], {
      radius: style.radius,
      color: kind === "upload" ? "#000000" : "#222222",
      weight: kind === "upload" ? 3 : 1.5,
      fillColor: this.colour(rows.zone[i]),
      fillOpacity: style.fillOpacity,
      dashArray: low ? "3 3" : null,
    });
    marker.bindTooltip(this.siteTooltip(rows.name[i]));
    var self = this;
    marker.bindPopup(function () {
      return self.sitePopup(rows, i, kind);
    });
    marker.atlasSite = rows.id[i];
    return marker;
  };

  Atlas.prototype.halo = function (rows, i) {
    var metres = this.config.haloMetres[rows.precision[i]] || 0;
    if (!metres) return null;
    var low = rows.confidence[i] === "low";
    return L.circle([rows.lat[i], rows.lon[i]], {
      radius: metres,
      interactive: false,
      color: this.colour(rows.zone[i]),
      weight: 1,
      dashArray: low ? "6 4" : "2 4",
      fillOpacity: 0.08,
      renderer: this.haloRenderer || (this.haloRenderer = this.makeHaloRenderer()),
    });
  };

  /* Halos live in their own pane under the markers and never take a click; otherwise
     the canvas they are drawn on would sit on top of the markers and swallow clicks. */
  Atlas.prototype.makeHaloRenderer = function () {
    if (!this.map.getPane("atlasHalos")) {
      var pane = this.map.createPane("atlasHalos");
      pane.style.zIndex = 350;
      pane.style.pointerEvents = "none";
    }
    return L.canvas({ padding: 0.5, pane: "atlasHalos" });
  };

  Atlas.prototype.sitePopup = function (rows, i, kind) {
    var c = this.config;
    var box = el("div", "atlas-popup");
    box.appendChild(el("div", "atlas-title", rows.name[i]));
    var country = c.countryNames[rows.country[i]] || rows.country[i];
    box.appendChild(el("div", "atlas-line", country + " \u00b7 " + (c.zoneLabels[rows.zone[i]] || rows.zone[i])));
    box.appendChild(el("div", "atlas-line", "Precision: " + (c.precisionLabels[rows.precision[i]] || rows.precision[i])));
    box.appendChild(el("div", "atlas-line", "Confidence: " + rows.confidence[i]));
    if (rows.confidence[i] === "low") {
      box.appendChild(el("div", "atlas-warn", "Unverified estimate: not an exact location."));
    }
    if (kind === "upload") {
      box.appendChild(el("div", "atlas-warn", "From your upload: not checked by the atlas team."));
    }
    var srcs = (rows.src && rows.src[i]) || [];
    if (!srcs.length && kind !== "upload") {
      box.appendChild(el("div", "atlas-warn", "Unverified: no cited source names this site."));
    }
    if (srcs.length) {
      box.appendChild(el("div", "atlas-line atlas-sources-label", "Sources:"));
      var list = el("ul", "atlas-sources");
      var sources = (this.data && this.data.sources) || [];
      for (var k = 0; k < srcs.length; k++) {
        var s = typeof srcs[k] === "number" ? sources[srcs[k]] : srcs[k];
        if (!s) continue;
        var item = el("li");
        var label = (s.publisher || "") + (s.date ? ", " + s.date : "");
        if (isHttpUrl(s.url)) {
          var a = el("a", null, label);
          a.href = s.url;
          a.target = "_blank";
          a.rel = "noopener noreferrer";
          item.appendChild(a);
        } else {
          item.appendChild(el("span", null, label));
        }
        list.appendChild(item);
      }
      box.appendChild(list);
    }
    box.appendChild(el("div", "atlas-hint", "The full dossier opens beside the map."));
    return box;
  };

  Atlas.prototype.eventsPopup = function (events, idxs) {
    var box = el("div", "atlas-popup");
    box.appendChild(el("div", "atlas-title", idxs.length + (idxs.length === 1 ? " event" : " events") + " here"));
    var list = el("ul", "atlas-events");
    var sources = this.data.sources;
    for (var k = 0; k < idxs.length; k++) {
      var j = idxs[k];
      var item = el("li");
      item.appendChild(el("strong", null, events.date[j] + " " + events.type[j] + ": "));
      item.appendChild(document.createTextNode(events.summary[j] + " "));
      var s = sources[events.src[j]];
      if (s && isHttpUrl(s.url)) {
        var a = el("a", null, "(" + s.publisher + ")");
        a.href = s.url;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        item.appendChild(a);
      }
      list.appendChild(item);
    }
    box.appendChild(list);
    return box;
  };

  Atlas.prototype.eventBadge = function (sites, siteIndex, idxs) {
    var count = idxs.length;
    var icon = L.divIcon({
      className: "atlas-event-badge",
      html: "<span>" + (count > 99 ? "99+" : String(count | 0)) + "</span>",
      iconSize: [20, 20],
      iconAnchor: [-6, 22],
    });
    var marker = L.marker([sites.lat[siteIndex], sites.lon[siteIndex]], { icon: icon, keyboard: false });
    marker.bindTooltip(this.siteTooltip(sites.name[siteIndex]));
    var self = this;
    var events = this.data.events;
    marker.bindPopup(function () {
      return self.eventsPopup(events, idxs);
    });
    return marker;
  };

  Atlas.prototype.select = function (latlng) {
    if (!this.ring) {
      this.ring = L.circleMarker([0, 0], {
        radius: 13,
        color: "#000000",
        weight: 3,
        fill: false,
        interactive: false,
        className: "atlas-selected",
      });
    }
    if (latlng) {
      this.ring.setLatLng(latlng);
      if (!this.map.hasLayer(this.ring)) this.ring.addTo(this.map);
    } else if (this.map.hasLayer(this.ring)) {
      this.map.removeLayer(this.ring);
    }
  };

  Atlas.prototype.show = function (group, spec) {
    var self = this;
    this.ready.then(function (data) {
      self.render(group, spec, data);
    });
  };

  Atlas.prototype.render = function (group, spec, data) {
    var sites = data.sites;
    var n = sites.id.length;
    var mask = decodeMask(spec.sites, n);
    var cluster = L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      maxClusterRadius: 40,
      spiderfyOnMaxZoom: true,
      disableClusteringAtZoom: this.config.selectZoom,
    });
    var halos = L.layerGroup();
    var markers = [];
    var shownIdx = [];
    for (var i = 0; i < n; i++) {
      if (!mask[i]) continue;
      shownIdx.push(i);
      markers.push(this.siteMarker(sites, i, "site"));
    }
    cluster.addLayers(markers);
    group.addLayer(cluster);

    // Halos say how much ground a point stands for. Thousands of them would swamp the
    // map, so beyond haloLimit they appear only when zoomed in.
    var self = this;
    for (var h = 0; h < shownIdx.length; h++) {
      var halo = this.halo(sites, shownIdx[h]);
      if (halo) halos.addLayer(halo);
    }
    var syncHalos = function () {
      var want = shownIdx.length <= self.config.haloLimit || self.map.getZoom() >= self.config.haloMinZoom;
      if (want && !group.hasLayer(halos)) group.addLayer(halos);
      if (!want && group.hasLayer(halos)) group.removeLayer(halos);
    };
    syncHalos();
    this.map.on("zoomend", syncHalos);
    group.on("remove", function () {
      self.map.off("zoomend", syncHalos);
    });

    // Events at mapped sites: one badge per site, listing that site's events.
    var events = data.events;
    var eventMask = decodeMask(spec.events, events.site.length);
    var bySite = {};
    var eventCount = 0;
    for (var e = 0; e < events.site.length; e++) {
      if (!eventMask[e]) continue;
      (bySite[events.site[e]] = bySite[events.site[e]] || []).push(e);
      eventCount++;
    }
    var badges = L.layerGroup();
    Object.keys(bySite).forEach(function (siteIndex) {
      badges.addLayer(self.eventBadge(sites, Number(siteIndex), bySite[siteIndex]));
    });
    group.addLayer(badges);

    // An analyst's uploaded sites: a layer of their own, drawn with a heavy outline.
    var uploaded = spec.upload || null;
    var uploadCount = 0;
    if (uploaded && uploaded.id && uploaded.id.length) {
      var uploadGroup = L.markerClusterGroup({ maxClusterRadius: 30, showCoverageOnHover: false });
      var uploadMarkers = [];
      for (var u = 0; u < uploaded.id.length; u++) {
        uploadMarkers.push(this.siteMarker(uploaded, u, "upload"));
      }
      uploadGroup.addLayers(uploadMarkers);
      group.addLayer(uploadGroup);
      uploadCount = uploadMarkers.length;
    }

    // The selected site's ring. A map click draws it at once in the browser, and the app
    // then leaves the layer spec unchanged, so the layer is not redrawn and the popup
    // the click opened stays open. A selection made elsewhere (select box, link) comes in
    // the spec with a new version number; an empty position clears the ring.
    if (spec.sel && spec.sel[0] !== this.selVersion) {
      this.selVersion = spec.sel[0];
      this.select(spec.sel[1].length === 2 ? spec.sel[1] : null);
    }
    group.on("click", function (e) {
      if (e.layer && e.layer.getLatLng && e.layer.atlasSite) {
        var ll = e.layer.getLatLng();
        self.select([ll.lat, ll.lng]);
      }
    });

    this.renders += 1;
    this.stats = {
      sites: shownIdx.length,
      events: eventCount,
      uploaded: uploadCount,
      renders: this.renders,
      ready: true,
      renderedAt: Date.now(),
    };
    document.documentElement.setAttribute("data-atlas-sites", String(shownIdx.length));
    document.documentElement.setAttribute("data-atlas-renders", String(this.renders));
  };

  window.Atlas = {
    init: function (map, config) {
      var atlas = new Atlas(map, config);
      window.atlas = atlas;
      return atlas;
    },
    escapeHtml: escapeHtml,
    isHttpUrl: isHttpUrl,
    decodeMask: decodeMask,
  };
})();
