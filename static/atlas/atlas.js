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

  // Statuses after which a site no longer runs as it did: drawn hollow.
  var ENDED = { closed: true, demolished_claimed: true, demolished_verified: true, relocated: true, forfeited: true };

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
    var statusTitle = el("div", "atlas-legend-title atlas-status-title", "Status as of the chosen date (shape)");
    details.appendChild(statusTitle);
    this.legendStatusTitle = statusTitle;
    var statuses = el("div", "atlas-statuses");
    var self = this;
    (c.statusOrder || []).forEach(function (code) {
      var row = el("div");
      var sw = el("span", "atlas-glyph");
      sw.innerHTML = self.markerSvg({ radius: 6, fillOpacity: 1, colour: "#9a9a9a", status: code });
      row.appendChild(sw);
      row.appendChild(document.createTextNode(c.statusLabels[code] || code));
      statuses.appendChild(row);
    });
    var disputedRow = el("div");
    var dsw = el("span", "atlas-glyph");
    dsw.innerHTML = self.markerSvg({ radius: 6, fillOpacity: 1, colour: "#9a9a9a", status: "", disputed: true });
    disputedRow.appendChild(dsw);
    disputedRow.appendChild(document.createTextNode("Disputed by another source"));
    statuses.appendChild(disputedRow);
    details.appendChild(statuses);
    details.appendChild(el("div", "atlas-legend-title", "What a point stands for"));
    var rows = [
      ["Solid dot", "the compound itself"],
      ["Pale dot + halo", "a town, zone or province; the site is somewhere inside"],
      ["Dashed outline", "unverified estimate"],
      ["Dashed line", "part of a larger site"],
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

  /* A marker's tooltip: the name as text, plus the site id in a hidden span. The id
     travels with every click (streamlit-folium reports the clicked layer's tooltip
     text), so a click, a spiderfied cluster leg and the keyboard all open the right
     site, even when several sites share one point. */
  Atlas.prototype.siteTooltip = function (name, id) {
    // Leaflet and streamlit-folium both treat a string tooltip as HTML: escape it.
    var tip = escapeHtml(name);
    if (id != null) tip += '<span hidden class="atlas-id">|site=' + escapeHtml(id) + "</span>";
    return tip;
  };

  Atlas.prototype.statusLabel = function (code, disputed) {
    var label = this.config.statusLabels[code] || code || "";
    return disputed ? label + " (disputed)" : label;
  };

  /* The marker as an SVG: fill colour = zone type; a halo (drawn apart) = how much
     ground the point stands for; dashed outline = low confidence; the status as of the
     chosen date = a shape drawn over the dot (readable in grey-scale and without colour):
     centre dot operating, slash raided, cross closed, square frame seized, rays struck,
     triangle demolished (outline claimed, solid verified), arrow relocated, double ring
     forfeited; an ended site (closed, demolished, relocated, forfeited) is hollow;
     "?" (top left, clear of the event badge) = disputed by another source. */
  Atlas.prototype.markerSvg = function (opts) {
    var c = 13;
    var r = opts.radius;
    var ended = ENDED[opts.status] === true;
    var colour = opts.colour;
    var parts = [];
    var dash = opts.low ? ' stroke-dasharray="3 2"' : "";
    if (ended) {
      parts.push('<circle cx="13" cy="13" r="' + (r + 1.5) + '" fill="#ffffff" stroke="#222222" stroke-width="1"' + dash + "/>");
      parts.push('<circle cx="13" cy="13" r="' + (r - 0.5) + '" fill="#ffffff" stroke="' + colour + '" stroke-width="3"/>');
    } else {
      var stroke = opts.upload ? "#000000" : "#222222";
      var width = opts.upload ? 3 : 1.5;
      parts.push('<circle cx="13" cy="13" r="' + r + '" fill="' + colour + '" fill-opacity="' + opts.fillOpacity + '" stroke="' + stroke + '" stroke-width="' + width + '"' + dash + "/>");
    }
    var ink = ' stroke="#111111" stroke-width="2.2" stroke-linecap="round" fill="none"';
    var halo = ' stroke="#ffffff" stroke-width="4.2" stroke-linecap="round" fill="none"';
    var line = function (x1, y1, x2, y2) {
      var d = 'x1="' + x1 + '" y1="' + y1 + '" x2="' + x2 + '" y2="' + y2 + '"';
      return "<line " + d + halo + "/><line " + d + ink + "/>";
    };
    switch (opts.status) {
      case "operating":
        parts.push('<circle cx="13" cy="13" r="2.6" fill="#111111" stroke="#ffffff" stroke-width="1"/>');
        break;
      case "raided":
        parts.push(line(c - 6, c + 6, c + 6, c - 6));
        break;
      case "closed":
        parts.push(line(c - 4.5, c - 4.5, c + 4.5, c + 4.5) + line(c - 4.5, c + 4.5, c + 4.5, c - 4.5));
        break;
      case "seized":
        parts.push('<rect x="2.5" y="2.5" width="21" height="21" fill="none" stroke="#111111" stroke-width="2"/>');
        break;
      case "struck":
        for (var k = 0; k < 8; k++) {
          var a = (k * Math.PI) / 4;
          parts.push(line(
            (c + Math.cos(a) * (r + 2)).toFixed(1), (c + Math.sin(a) * (r + 2)).toFixed(1),
            (c + Math.cos(a) * (r + 5)).toFixed(1), (c + Math.sin(a) * (r + 5)).toFixed(1)
          ));
        }
        break;
      case "demolished_claimed":
      case "demolished_verified":
        var solid = opts.status === "demolished_verified";
        parts.push('<path d="M8.5 10 L17.5 10 L13 17 Z" fill="' + (solid ? "#111111" : "#ffffff") + '" stroke="#111111" stroke-width="1.6" stroke-linejoin="round"/>');
        break;
      case "relocated":
        parts.push(line(c - 5, c, c + 5, c) + line(c + 2, c - 3, c + 5, c) + line(c + 2, c + 3, c + 5, c));
        break;
      case "forfeited":
        parts.push('<circle cx="13" cy="13" r="3" fill="none" stroke="#111111" stroke-width="1.8"/>');
        break;
    }
    if (opts.disputed) {
      parts.push('<text x="0.5" y="9.5" font-family="system-ui, sans-serif" font-size="11" font-weight="700" fill="#111111" stroke="#ffffff" stroke-width="3" paint-order="stroke">?</text>');
    }
    return '<svg xmlns="http://www.w3.org/2000/svg" width="26" height="26" viewBox="0 0 26 26" aria-hidden="true">' + parts.join("") + "</svg>";
  };

  Atlas.prototype.siteMarker = function (rows, i, kind, state) {
    var precision = rows.precision[i];
    var style = this.config.precisionStyle[precision] || this.config.precisionStyle.town;
    var status = (state && state[0]) || "reported";
    var disputed = !!(state && state[1]);
    var icon = L.divIcon({
      className: "atlas-site",
      html: this.markerSvg({
        radius: style.radius,
        fillOpacity: style.fillOpacity,
        colour: this.colour(rows.zone[i]),
        low: rows.confidence[i] === "low",
        upload: kind === "upload",
        status: kind === "upload" ? "" : status,
        disputed: disputed,
      }),
      iconSize: [26, 26],
      iconAnchor: [13, 13],
      tooltipAnchor: [0, -10],
      popupAnchor: [0, -10],
    });
    var marker = L.marker([rows.lat[i], rows.lon[i]], { icon: icon, keyboard: true, riseOnHover: true });
    marker.bindTooltip(this.siteTooltip(rows.name[i], rows.id[i]), { direction: "top" });
    var self = this;
    marker.bindPopup(function () {
      return self.sitePopup(rows, i, kind, kind === "upload" ? null : [status, disputed]);
    }, {
      // Room for the zoom buttons (left) and the basemap switcher (right) above the popup.
      autoPanPaddingTopLeft: [60, 110],
      autoPanPaddingBottomRight: [20, 20],
    });
    marker.atlasSite = rows.id[i];
    var label = rows.name[i] + (kind === "upload" ? ", your upload" : ", " + this.statusLabel(status, disputed));
    marker.on("add", function () {
      var node = marker.getElement();
      if (!node) return;
      node.setAttribute("data-site", rows.id[i]);
      node.setAttribute("data-status", kind === "upload" ? "upload" : status);
      node.setAttribute("aria-label", label);
    });
    // Enter or Space on a focused marker does what a click does (Leaflet only opens the
    // popup): the click reaches streamlit-folium and opens the dossier.
    marker.on("keypress", function (e) {
      var key = e.originalEvent && e.originalEvent.key;
      if (key !== "Enter" && key !== " ") return;
      if (key === " " && e.originalEvent.preventDefault) e.originalEvent.preventDefault();
      marker.fire("click", { latlng: marker.getLatLng(), originalEvent: e.originalEvent }, true);
    });
    return marker;
  };

  /* Cluster icon: markercluster's look, plus an accessible name listing what it holds. */
  Atlas.prototype.clusterIcon = function (cluster) {
    var count = cluster.getChildCount();
    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    var icon = L.divIcon({
      html: "<div><span>" + String(count | 0) + "</span></div>",
      className: "marker-cluster marker-cluster-" + size,
      iconSize: new L.Point(40, 40),
    });
    var kids = cluster.getAllChildMarkers();
    var names = [];
    for (var k = 0; k < kids.length && k < 5; k++) {
      var tip = kids[k].getTooltip();
      var div = document.createElement("div");
      div.innerHTML = tip ? tip.getContent() : "";
      var hidden = div.querySelector(".atlas-id");
      if (hidden) hidden.remove();
      names.push(div.textContent);
    }
    var label = count + " sites here: " + names.join("; ") + (count > 5 ? "; …" : "") + ". Press Enter to show them.";
    cluster.once("add", function () {
      var node = cluster.getElement && cluster.getElement();
      if (node) node.setAttribute("aria-label", label);
    });
    return icon;
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
      // Wide halos overlap over a whole border area: keep them faint so the map reads.
      fillOpacity: metres > 5000 ? 0.04 : 0.08,
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

  Atlas.prototype.sitePopup = function (rows, i, kind, state) {
    var c = this.config;
    var box = el("div", "atlas-popup");
    box.appendChild(el("div", "atlas-title", rows.name[i]));
    if (state) {
      var detail = this.statusDetail[i];
      var line = "Status as of " + (this.asOf || "today") + ": " + this.statusLabel(state[0], state[1]);
      if (detail && detail.since) line += " since " + detail.since;
      box.appendChild(el("div", "atlas-line atlas-status", line));
      if (state[1]) {
        box.appendChild(el("div", "atlas-warn", "Disputed: another source contradicts this claim (see the dossier)."));
      }
    }
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
    // Badges sit in a pane under the markers: a count never covers a site's marker.
    if (!this.map.getPane("atlasBadges")) this.map.createPane("atlasBadges").style.zIndex = 590;
    var marker = L.marker([sites.lat[siteIndex], sites.lon[siteIndex]], {
      icon: icon, keyboard: false, pane: "atlasBadges",
    });
    marker.bindTooltip(this.siteTooltip(sites.name[siteIndex], sites.id[siteIndex]));
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
    var self = this;
    // Status as of the chosen date, for the sites whose status is not plain "reported".
    var st = spec.status || { row: [], code: [], disputed: [], since: [] };
    var states = {};
    this.statusDetail = {};
    for (var s = 0; s < st.row.length; s++) {
      states[st.row[s]] = [st.code[s], !!st.disputed[s]];
      this.statusDetail[st.row[s]] = { since: st.since[s] };
    }
    this.asOf = spec.asOf || null;
    if (this.legendStatusTitle) {
      this.legendStatusTitle.textContent = "Status as of " + (this.asOf || "today") + " (shape)";
    }
    var selectZoom = this.config.selectZoom;
    var cluster = L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      // No split/merge animation: clusters are settled as soon as a zoom ends, so a click
      // right after zooming reaches the cluster that is drawn (and fans it out).
      animate: false,
      // From the zoom that shows one site, only (nearly) coincident points still cluster,
      // so several compounds placed at one town point stay separately reachable.
      maxClusterRadius: function (zoom) { return zoom >= selectZoom ? 6 : 40; },
      spiderfyOnMaxZoom: false,
      zoomToBoundsOnClick: false,
      iconCreateFunction: function (c) { return self.clusterIcon(c); },
    });
    // A cluster whose sites share one point (or that cannot split further) fans out;
    // otherwise it zooms in. Enter on a focused cluster does the same.
    cluster.on("clusterclick clusterkeypress", function (e) {
      var key = e.originalEvent && e.originalEvent.key;
      if (e.type === "clusterkeypress" && key !== "Enter" && key !== " ") return;
      var layer = e.layer;
      var b = layer.getBounds();
      var samePoint = b.getNorthEast().equals(b.getSouthWest(), 1e-6);
      if (samePoint || self.map.getZoom() >= self.map.getMaxZoom()) {
        layer.spiderfy();
        if (e.type === "clusterkeypress") {
          // Move keyboard focus to the first fanned-out site.
          setTimeout(function () {
            var kids = layer.getAllChildMarkers();
            var node = kids.length && kids[0].getElement();
            if (node) node.focus();
          }, 350);
        }
      } else {
        layer.zoomToBounds({ padding: [30, 30] });
      }
    });
    var halos = L.layerGroup();
    var markers = [];
    var shownIdx = [];
    for (var i = 0; i < n; i++) {
      if (!mask[i]) continue;
      shownIdx.push(i);
      markers.push(this.siteMarker(sites, i, "site", states[i] || null));
    }
    cluster.addLayers(markers);
    group.addLayer(cluster);

    // Halos say how much ground a point stands for. Thousands of them would swamp the
    // map, so beyond haloLimit they appear only when zoomed in.
    for (var h = 0; h < shownIdx.length; h++) {
      var halo = this.halo(sites, shownIdx[h]);
      if (halo) halos.addLayer(halo);
    }
    // A sub-site (KK Park II within KK Park) is tied to its parent by a thin dashed line.
    var parents = sites.parent || [];
    for (var q = 0; q < shownIdx.length; q++) {
      var p = parents[shownIdx[q]];
      if (p == null || p < 0 || !mask[p]) continue;
      var child = shownIdx[q];
      if (sites.lat[p] === sites.lat[child] && sites.lon[p] === sites.lon[child]) continue;
      halos.addLayer(L.polyline([[sites.lat[child], sites.lon[child]], [sites.lat[p], sites.lon[p]]], {
        color: "#333333", weight: 1.5, dashArray: "4 4", interactive: false,
        renderer: this.haloRenderer || (this.haloRenderer = this.makeHaloRenderer()),
      }));
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
