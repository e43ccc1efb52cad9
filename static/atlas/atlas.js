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

  /* Columns the app sends dictionary-coded ({values, codes}, see CODED_COLUMNS in
     components/map/view.py) become plain arrays of strings again, in place. */
  function expandCoded(columns) {
    // Parents: only the sites that have one are sent; every other row gets -1.
    var par = columns.parent;
    if (par && !Array.isArray(par) && Array.isArray(par.rows)) {
      var all = new Int32Array(columns.id.length).fill(-1);
      for (var p = 0; p < par.rows.length; p++) all[par.rows[p]] = par.parents[p];
      columns.parent = all;
    }
    Object.keys(columns).forEach(function (name) {
      var col = columns[name];
      if (!col || Array.isArray(col) || !Array.isArray(col.codes)) return;
      var values = col.values;
      var codes = col.codes;
      var out = new Array(codes.length);
      for (var i = 0; i < codes.length; i++) out[i] = values[codes[i]];
      columns[name] = out;
    });
  }

  /* Row i's sources: the published payload sends them flat with offsets
     ({offsets, flat}: indexes into data.sources); an upload, as one list per row. */
  function sourcesAt(rows, i) {
    var src = rows.src;
    if (!src) return [];
    if (src.offsets) return src.flat.slice(src.offsets[i], src.offsets[i + 1]);
    return src[i] || [];
  }

  function Atlas(map, config) {
    this.map = map;
    this.config = config;
    this.renders = 0;
    this.stats = { sites: 0, events: 0, uploaded: 0, renders: 0, specs: 0, ready: false };
    var self = this;
    this.ready = fetch(config.payloadUrl, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        // The app publishes the payload gzip-compressed once (sites-<hash>.json.gz), so
        // the server sends it as it is: inflate it here.
        // When the app could not write it, the page carries it: data:application/gzip.
        var url = config.payloadUrl;
        if (/\.gz$/.test(url.split("?")[0]) || /^data:application\/gzip/.test(url)) {
          return new Response(r.body.pipeThrough(new DecompressionStream("gzip"))).json();
        }
        return r.json();
      })
      .then(function (data) {
        expandCoded(data.sites);
        self.data = data;
        return data;
      });
    this.ready.catch(function (err) {
      self.notice("Site data could not be loaded (" + err.message + "). Reload the page.", "data");
    });
    this.outlines = null;
    this.userMoved = false;
    this.auto = 0;
    this.fillFrame();
    this.fitControl();
    this.watchCamera();
    this.checkLink();
  }

  /* The map fills its frame: the page sizes the frame to the window (see
     components/ui/layout.py), and Leaflet follows the frame's size as it changes. */
  Atlas.prototype.fillFrame = function () {
    // folium's page forbids pinch zoom (maximum-scale=1, user-scalable=no): allow it
    // (WCAG 1.4.4).
    var meta = document.querySelector('meta[name="viewport"]');
    if (meta) meta.setAttribute("content", "width=device-width, initial-scale=1");
    var node = this.map.getContainer();
    node.style.width = "100%";
    node.style.height = "100vh";
    document.documentElement.style.height = "100%";
    document.body.style.margin = "0";
    document.body.style.overflow = "hidden";
    this.map.invalidateSize({ pan: false });
  };

  /* A line in the notice box at the map's foot. Each ``key`` (default "status") holds
     one line: a later message of the same kind replaces it, other kinds stay. */
  Atlas.prototype.notice = function (message, key) {
    var box = document.getElementById("atlas-notice");
    if (!box) {
      var Notice = L.Control.extend({
        onAdd: function () {
          var div = L.DomUtil.create("div", "atlas-notice leaflet-bar");
          div.id = "atlas-notice";
          div.setAttribute("role", "status");
          return div;
        },
      });
      new Notice({ position: "bottomleft" }).addTo(this.map);
      box = document.getElementById("atlas-notice");
    }
    key = key || "status";
    var line = null;
    for (var i = 0; i < box.children.length; i++) {
      if (box.children[i].getAttribute("data-notice") === key) line = box.children[i];
    }
    if (!line) {
      line = L.DomUtil.create("div", "atlas-notice-line", box);
      line.setAttribute("data-notice", key);
    }
    line.textContent = message;
    // The notice takes room at the map's foot: frame the sites again, clear of it.
    this.reframeIfAuto();
  };

  /* Streamlit drops a link's whole query string past 1,000 parameters or 512 KiB (the
     app never sees it), so the page opens the default view: say so, or the analyst takes
     it for the linked view. The page's address is rewritten by then; the top page's
     navigation entry still holds the link it was opened with. */
  Atlas.prototype.checkLink = function () {
    var limits = this.config.linkLimits;
    var url = "";
    try {
      // Once per page: a map frame made again later (new data) is past the link.
      if (window.parent.__atlasLinkChecked) return;
      window.parent.__atlasLinkChecked = true;
      var nav = window.parent.performance.getEntriesByType("navigation")[0];
      url = (nav && nav.name) || "";
    } catch (e) {
      return;  // not inside the app's page
    }
    var at = url.indexOf("?");
    if (!limits || at < 0) return;
    var query = url.slice(at + 1).split("#")[0];
    var fields = query.split("&").length;
    if (fields <= limits.fields && query.length <= limits.chars) return;
    var size = fields > limits.fields
      ? fields.toLocaleString("en") + " parameters"
      : Math.ceil(query.length / 1024).toLocaleString("en") + " KiB";
    this.notice(
      "This link was not applied: it has " + size + ", and the server reads at most " +
        limits.fields.toLocaleString("en") + " parameters and " +
        Math.round(limits.chars / 1024).toLocaleString("en") + " KiB, so this is the " +
        "default view. In a shorter link one parameter holds several values (country=KH,MM).",
      "link"
    );
  };

  /* Frame the shown sites again if the last framing was automatic and the analyst has
     not moved the map since (the room the controls take has changed). */
  Atlas.prototype.reframeIfAuto = function () {
    var self = this;
    if (!this.userMoved && this.lastCamera && this.lastCamera.kind === "fit") {
      this.moveCamera(function () { self.fitShown(); });
    }
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
        // Each country projected only near the view (AtlasBasemap.lazyPaths): a camera
        // jump does not re-project the world.
        var lazy = (window.AtlasBasemap && window.AtlasBasemap.lazyPaths) || function (g) { return g; };
        self.outlines = lazy(L.geoJSON(land, {
          pane: "atlasBasemap",
          interactive: false,
          style: { color: "#7a7a7a", weight: 0.8, fillColor: "#eceae4", fillOpacity: 1 },
        })).addTo(layerGroup);
        self.outlinesDrawn = true;
      })
      .catch(function (err) {
        self.notice("Offline country outlines could not be loaded (" + err.message + ").", "basemap");
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
      self.notice("Online basemap unreachable: showing offline country outlines.", "basemap");
    });
    this.basemap = "tiles";
  };

  /* Legend: built from the app's own constants (never from data), as DOM text. */
  Atlas.prototype.legend = function () {
    var c = this.config;
    var box = L.DomUtil.create("div", "atlas-legend leaflet-bar");
    L.DomEvent.disableClickPropagation(box);
    var details = el("details");
    // Folded to its button at first: open, it would cover a third of the map and the
    // sites under it (one click opens it).
    details.open = false;
    details.appendChild(el("summary", null, "Legend"));
    details.appendChild(el("div", "atlas-legend-title", "Zone type (shape and colour)"));
    var zones = el("div", "atlas-zones");
    details.appendChild(zones);
    var self = this;
    Object.keys(c.zoneLabels).forEach(function (zone) {
      var row = el("div");
      var sw = el("span", "atlas-glyph");
      sw.innerHTML = self.markerSvg({ radius: 6, fillOpacity: 1, colour: c.zoneColours[zone], zone: zone, status: "" });
      row.appendChild(sw);
      // "Enabler (financial or infrastructure node, not a compound)": the short name here.
      row.appendChild(document.createTextNode(c.zoneLabels[zone].split(" (")[0]));
      zones.appendChild(row);
    });
    var statusTitle = el("div", "atlas-legend-title atlas-status-title", "Status as of the chosen date (mark over the shape)");
    details.appendChild(statusTitle);
    this.legendStatusTitle = statusTitle;
    var statuses = el("div", "atlas-statuses");
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
      ["Dark badge n", "n dated events there (on a cluster: at its sites)"],
      ["Ring of colours, number", "a cluster: n sites, coloured by zone type"],
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

  /* Zone type is drawn as a shape as well as a colour (WCAG 1.4.1: colour is never the
     only cue). Each shape fits a 26 px box centred on (13, 13); ``r`` is its radius. */
  var ZONE_SHAPES = {
    compound: "square",
    casino_complex: "diamond",
    special_economic_zone: "hexagon",
    freeport_zone: "pentagon",
    self_administered_zone: "triangle",
    border_town: "triangle-down",
    city: "circle",
    province: "pill",
    enabler: "plus",
  };

  function polygon(points, attrs) {
    return '<polygon points="' + points.map(function (p) { return p[0].toFixed(1) + "," + p[1].toFixed(1); }).join(" ") + '"' + attrs + "/>";
  }

  function regular(sides, r, rotate) {
    var pts = [];
    for (var k = 0; k < sides; k++) {
      var a = rotate + (k * 2 * Math.PI) / sides;
      pts.push([13 + r * Math.cos(a), 13 + r * Math.sin(a)]);
    }
    return pts;
  }

  /* One zone shape as an SVG element string, with ``attrs`` (fill, stroke…) appended. */
  function shapeSvg(shape, r, attrs) {
    switch (shape) {
      case "square":
        var h = r * 0.9;
        return '<rect x="' + (13 - h).toFixed(1) + '" y="' + (13 - h).toFixed(1) + '" width="' + (2 * h).toFixed(1) + '" height="' + (2 * h).toFixed(1) + '" rx="1.5"' + attrs + "/>";
      case "diamond":
        return polygon(regular(4, r * 1.25, -Math.PI / 2), attrs);
      case "hexagon":
        return polygon(regular(6, r * 1.08, 0), attrs);
      case "pentagon":
        return polygon(regular(5, r * 1.12, -Math.PI / 2), attrs);
      case "triangle":
        return polygon(regular(3, r * 1.35, -Math.PI / 2).map(function (p) { return [p[0], p[1] + r * 0.3]; }), attrs);
      case "triangle-down":
        return polygon(regular(3, r * 1.35, Math.PI / 2).map(function (p) { return [p[0], p[1] - r * 0.3]; }), attrs);
      case "pill":
        return '<rect x="' + (13 - r * 1.3).toFixed(1) + '" y="' + (13 - r * 0.75).toFixed(1) + '" width="' + (2.6 * r).toFixed(1) + '" height="' + (1.5 * r).toFixed(1) + '" rx="' + (0.75 * r).toFixed(1) + '"' + attrs + "/>";
      case "plus":
        var a = r * 1.1, b = r * 0.42;
        return polygon([[13 - b, 13 - a], [13 + b, 13 - a], [13 + b, 13 - b], [13 + a, 13 - b], [13 + a, 13 + b], [13 + b, 13 + b], [13 + b, 13 + a], [13 - b, 13 + a], [13 - b, 13 + b], [13 - a, 13 + b], [13 - a, 13 - b], [13 - b, 13 - b]], attrs);
      default:
        return '<circle cx="13" cy="13" r="' + r + '"' + attrs + "/>";
    }
  }

  /* The marker as an SVG: shape and fill colour = zone type; a halo (drawn apart) = how
     much ground the point stands for; dashed outline = low confidence; the status as of
     the chosen date = a mark drawn over the shape (readable in grey-scale and without
     colour): centre dot operating, slash raided, cross closed, square frame seized, rays
     struck, triangle demolished (outline claimed, solid verified), arrow relocated,
     double ring forfeited; an ended site (closed, demolished, relocated, forfeited) is
     hollow; "?" (top left, clear of the event badge) = disputed by another source. */
  Atlas.prototype.markerSvg = function (opts) {
    var c = 13;
    var r = opts.radius;
    var ended = ENDED[opts.status] === true;
    var colour = opts.colour;
    var shape = ZONE_SHAPES[opts.zone] || "circle";
    var parts = [];
    var dash = opts.low ? ' stroke-dasharray="3 2"' : "";
    if (ended) {
      parts.push(shapeSvg(shape, r + 1.5, ' fill="#ffffff" stroke="#222222" stroke-width="1"' + dash));
      parts.push(shapeSvg(shape, r - 0.5, ' fill="#ffffff" stroke="' + colour + '" stroke-width="3"'));
    } else {
      var stroke = opts.upload ? "#000000" : "#222222";
      var width = opts.upload ? 3 : 1.5;
      parts.push(shapeSvg(shape, r, ' fill="' + colour + '" fill-opacity="' + opts.fillOpacity + '" stroke="' + stroke + '" stroke-width="' + width + '"' + dash));
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

  /* The accessible name of a site's marker: "KK Park, compound, Myanmar, raided". */
  Atlas.prototype.siteLabel = function (rows, i, kind, status, disputed) {
    var c = this.config;
    var zone = (c.zoneLabels[rows.zone[i]] || rows.zone[i] || "").split(" (")[0].toLowerCase();
    var country = c.countryNames[rows.country[i]] || rows.country[i];
    var parts = [rows.name[i], zone, country];
    parts.push(kind === "upload" ? "your upload" : this.statusLabel(status, disputed).toLowerCase());
    return parts.filter(function (p) { return p; }).join(", ");
  };

  /* ``events`` is the list of shown event rows at this site (for its badge and popup). */
  Atlas.prototype.siteMarker = function (rows, i, kind, state, events) {
    var precision = rows.precision[i];
    var style = this.config.precisionStyle[precision] || this.config.precisionStyle.town;
    var status = (state && state[0]) || "reported";
    var disputed = !!(state && state[1]);
    var count = events ? events.length : 0;
    // The event count is part of the marker's own icon: when the marker joins a cluster
    // its count goes with it, so counts never stack on each other or on a cluster's.
    // The number is drawn from data-count by CSS (::after), so it is not text of the
    // marker: its accessible name says "n events" in words (WCAG 2.5.3).
    var badge = count ? '<span class="atlas-badge" aria-hidden="true" data-count="' + (count > 99 ? "99+" : String(count | 0)) + '"></span>' : "";
    var icon = L.divIcon({
      className: "atlas-site",
      html: this.markerSvg({
        radius: style.radius,
        fillOpacity: style.fillOpacity,
        colour: this.colour(rows.zone[i]),
        zone: rows.zone[i],
        low: rows.confidence[i] === "low",
        upload: kind === "upload",
        status: kind === "upload" ? "" : status,
        disputed: disputed,
      }) + badge,
      iconSize: [26, 26],
      iconAnchor: [13, 13],
      tooltipAnchor: [0, -10],
      popupAnchor: [0, -10],
    });
    var marker = L.marker([rows.lat[i], rows.lon[i]], { icon: icon, keyboard: true, riseOnHover: true });
    marker.bindTooltip(this.siteTooltip(rows.name[i], rows.id[i]), { direction: "top" });
    var self = this;
    marker.bindPopup(function () {
      return self.sitePopup(rows, i, kind, kind === "upload" ? null : [status, disputed], events);
    }, { autoPan: false, maxWidth: 320 });
    marker.atlasSite = rows.id[i];
    marker.atlasName = rows.name[i];
    marker.atlasZone = rows.zone[i];
    marker.atlasEvents = count;
    var label = this.siteLabel(rows, i, kind, status, disputed);
    if (count) label += ", " + count + (count === 1 ? " event" : " events");
    marker.on("add", function () {
      var node = marker.getElement();
      if (!node) return;
      node.setAttribute("data-site", rows.id[i]);
      node.setAttribute("data-status", kind === "upload" ? "upload" : status);
      node.setAttribute("data-zone", rows.zone[i]);
      node.setAttribute("aria-label", label);
    });
    // Enter or Space on a focused marker does what a click does (Leaflet only opens the
    // popup): the click reaches streamlit-folium and opens the dossier.
    marker.on("keypress", function (e) {
      var key = e.originalEvent && e.originalEvent.key;
      if (key !== "Enter" && key !== " ") return;
      if (key === " " && e.originalEvent.preventDefault) e.originalEvent.preventDefault();
      marker.fire("click", { latlng: marker.getLatLng(), originalEvent: e.originalEvent }, true);
      // Leaflet's own Enter handler opened the popup and the click toggled it shut.
      if (!marker.isPopupOpen()) marker.openPopup();
    });
    return marker;
  };

  /* Cluster icon: a ring split by the zone types it holds (each arc in its zone's colour),
     the number of sites in the middle, and, beside it where it cannot cover the number,
     the number of events at those sites. Its accessible name says what it holds. */
  Atlas.prototype.clusterIcon = function (cluster) {
    var kids = cluster.getAllChildMarkers();
    var byZone = {};
    var events = 0;
    for (var k = 0; k < kids.length; k++) {
      var z = kids[k].atlasZone || "";
      byZone[z] = (byZone[z] || 0) + 1;
      events += kids[k].atlasEvents || 0;
    }
    var names = [];
    for (var n = 0; n < kids.length && n < 5; n++) names.push(kids[n].atlasName || "");
    var drawn = this.clusterDrawing(kids.length, byZone, events, names);
    cluster.once("add", function () {
      var node = cluster.getElement && cluster.getElement();
      if (node) {
        node.setAttribute("aria-label", drawn.label);
        node.setAttribute("role", "button");
      }
    });
    return drawn.icon;
  };

  /* A cluster's icon and accessible name from what it holds: ``count`` sites,
     ``byZone`` {zone type: sites}, ``events`` at them, and up to five of their names. */
  Atlas.prototype.clusterDrawing = function (count, byZone, events, names) {
    var c = this.config;
    var zones = Object.keys(byZone).filter(function (z) { return byZone[z] > 0; })
      .sort(function (a, b) { return byZone[b] - byZone[a]; });
    var size = count < 10 ? 34 : count < 100 ? 40 : count < 1000 ? 46 : 54;
    var r = size / 2 - 4;
    var circumference = 2 * Math.PI * r;
    var arcs = [];
    var offset = 0;
    for (var q = 0; q < zones.length; q++) {
      var share = (byZone[zones[q]] / count) * circumference;
      arcs.push('<circle cx="' + size / 2 + '" cy="' + size / 2 + '" r="' + r.toFixed(2) + '" fill="none" stroke="' + this.colour(zones[q]) +
        '" stroke-width="7" stroke-dasharray="' + share.toFixed(2) + " " + (circumference - share).toFixed(2) +
        '" stroke-dashoffset="' + (-offset).toFixed(2) + '" transform="rotate(-90 ' + size / 2 + " " + size / 2 + ')"/>');
      offset += share;
    }
    var svg = '<svg xmlns="http://www.w3.org/2000/svg" width="' + size + '" height="' + size + '" aria-hidden="true">' +
      '<circle cx="' + size / 2 + '" cy="' + size / 2 + '" r="' + (r + 4.5).toFixed(2) + '" fill="#ffffff" stroke="#222222" stroke-width="1"/>' +
      arcs.join("") + "</svg>";
    // Counts above 9,999 are shortened ("12k") so they fit the ring; the name says all.
    var shown = count < 10000 ? String(count | 0) : Math.round(count / 1000) + "k";
    var html = svg + '<span class="atlas-cluster-count">' + shown + "</span>";
    if (events) html += '<span class="atlas-badge atlas-cluster-badge" aria-hidden="true" data-count="' + (events > 99 ? "99+" : String(events | 0)) + '"></span>';
    var icon = L.divIcon({ html: html, className: "atlas-cluster", iconSize: new L.Point(size, size) });
    var kinds = zones.map(function (zone) {
      var name = (c.zoneLabels[zone] || zone || "site").split(" (")[0].toLowerCase();
      return byZone[zone] + " " + name;
    });
    var label = count + " sites here (" + kinds.join(", ") + (events ? "; " + events + " events" : "") + "): " +
      names.join("; ") + (count > names.length ? "; …" : "") + ". Press Enter to show them.";
    return { icon: icon, label: label };
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

  Atlas.prototype.sitePopup = function (rows, i, kind, state, events) {
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
    var srcs = sourcesAt(rows, i);
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
    if (events && events.length) this.eventList(box, events);
    box.appendChild(el("div", "atlas-hint", "The full dossier opens beside the map."));
    return box;
  };

  /* The shown events at one site, newest last, each with its source link. */
  Atlas.prototype.eventList = function (box, idxs) {
    var events = this.data.events;
    box.appendChild(el("div", "atlas-line atlas-sources-label", idxs.length + (idxs.length === 1 ? " event" : " events") + " here:"));
    var list = el("ul", "atlas-events");
    // It scrolls when long: focusable, so the keyboard can scroll it too.
    list.tabIndex = 0;
    list.setAttribute("aria-label", "Events at this site");
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

  /* What defines the markers themselves: the shown sites, their status as of the chosen
     date, the shown events and the analyst's upload. The selection and the camera are
     not part of it: a site chosen in the table moves the ring and the camera only. */
  function markerKey(spec) {
    return [
      spec.sites,
      spec.events,
      spec.asOf || "",
      JSON.stringify(spec.status || null),
      JSON.stringify(spec.upload || null),
    ].join("|");
  }

  /* One rerun's layer spec. The markers live in a layer of the atlas's own, which stays
     on the map across reruns (streamlit-folium removes each rerun's group when the next
     one comes): they are rebuilt only when what defines them changes, so choosing a
     site costs a ring and a camera move, not 100,000 new markers. */
  Atlas.prototype.render = function (group, spec, data) {
    var self = this;
    if (!this.layer) {
      this.layer = L.featureGroup().addTo(this.map);
      // A map click draws the ring at once in the browser, and the app then leaves the
      // layer spec unchanged, so the markers stay and the popup the click opened too.
      this.layer.on("click", function (ev) {
        if (ev.layer && ev.layer.getLatLng && ev.layer.atlasSite) {
          var ll = ev.layer.getLatLng();
          self.select([ll.lat, ll.lng]);
        }
      });
    }
    // streamlit-folium hears marker clicks through the rerun's group: the markers' layer
    // passes its events up to the current one.
    if (this.eventGroup !== group) {
      if (this.eventGroup) this.layer.removeEventParent(this.eventGroup);
      this.layer.addEventParent(group);
      this.eventGroup = group;
    }
    this.specs = (this.specs || 0) + 1;
    this.stats.specs = this.specs;
    var key = markerKey(spec);
    if (key !== this.markerKey) {
      this.markerKey = key;
      var shown = this.shownRows(spec, data);
      // What the camera frames: every shown site and uploaded site.
      this.shownBounds = this.boundsOf(data.sites, shown.idx, spec.upload || null);
      this.uploadCount = (spec.upload && spec.upload.id && spec.upload.id.length) || 0;
      // markercluster cannot stop a chunked load half-way (a group taken off the map
      // mid-load throws): a new set waits for the running load to end.
      if (this.loading) this.pending = { spec: spec, shown: shown };
      else this.drawMarkers(spec, data, shown);
    }

    // The selected site's ring. A selection made outside the map (table, link) comes in
    // the spec with a new version number; an empty position clears the ring.
    if (spec.sel && spec.sel[0] !== this.selVersion) {
      this.selVersion = spec.sel[0];
      this.select(spec.sel[1].length === 2 ? spec.sel[1] : null);
    }

    // The camera. A command from the app (first view, a link's view, a site chosen in
    // the table) carries a version and runs once, even when it repeats the last one.
    // Otherwise, when the shown sites change, the map re-frames them, unless the analyst
    // has panned or zoomed since the last framing (then "Zoom to results" does it).
    var shownKey = spec.sites + "|" + this.uploadCount;
    var cam = spec.camera || null;
    if (cam && cam.v !== this.cameraVersion) {
      this.cameraVersion = cam.v;
      this.runCamera(cam);
    } else if (this.shownKey !== undefined && shownKey !== this.shownKey && !this.userMoved) {
      this.runCamera({ kind: "fit" });
    }
    this.shownKey = shownKey;
    document.documentElement.setAttribute("data-atlas-specs", String(this.specs));
  };

  /* The payload rows the spec shows: {mask, idx}. */
  Atlas.prototype.shownRows = function (spec, data) {
    var n = data.sites.id.length;
    var mask = decodeMask(spec.sites, n);
    var idx = [];
    for (var i = 0; i < n; i++) if (mask[i]) idx.push(i);
    return { mask: mask, idx: idx };
  };

  /* Resolves once the markers of the latest spec are all on the map. */
  Atlas.prototype.whenLoaded = function () {
    var self = this;
    var current = this.loaded || this.ready;
    return current.then(function () {
      var done = current === (self.loaded || self.ready) && !self.loading && !self.pending;
      return done ? null : self.whenLoaded();
    });
  };

  /* Build every marker, halo and uploaded site anew (the previous ones are dropped).
     The cluster group is put on the map before it is given its markers: off the map,
     leaflet.markercluster checks each new marker against the whole pending list
     (quadratic; Leaflet.markercluster issue #951). On the map, it loads them in chunks
     of about 200 ms between which the page stays responsive, so a large set finishes
     after this function returns: ``stats.ready``, ``data-atlas-sites`` and the render
     count are set when the last chunk is on the map (``chunkProgress``). */
  Atlas.prototype.drawMarkers = function (spec, data, shown) {
    var self = this;
    var sites = data.sites;
    var mask = shown.mask;
    var shownIdx = shown.idx;
    var group = this.layer;
    if (this.unbindHalos) this.unbindHalos();
    this.unbindHalos = null;
    this.vp = null;  // a draw still waiting for a paint (drawAfterPaint) is dropped,
    this.map.getContainer().classList.remove("atlas-redrawing");  // and shows no clusters
    group.clearLayers();
    var settle;
    this.loaded = new Promise(function (resolve) { settle = resolve; });
    this.loading = true;
    this.stats.ready = false;
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
      this.legendStatusTitle.textContent = "Status as of " + (this.asOf || "today") + " (mark over the shape)";
    }
    // Events at mapped sites, grouped by site: each site's marker carries its count.
    var events = data.events;
    var eventMask = decodeMask(spec.events, events.site.length);
    var bySite = {};
    var eventCount = 0;
    for (var e = 0; e < events.site.length; e++) {
      if (!eventMask[e]) continue;
      (bySite[events.site[e]] = bySite[events.site[e]] || []).push(e);
      eventCount++;
    }
    // Many sites: no marker per site, only for what is in view (see drawViewport).
    var viewport = shownIdx.length >= (this.config.viewportFrom || Infinity);
    var markers = [];
    for (var m = 0; !viewport && m < shownIdx.length; m++) {
      var i = shownIdx[m];
      markers.push(this.siteMarker(sites, i, "site", states[i] || null, bySite[i] || null));
    }
    // An analyst's uploaded sites: a layer of their own, drawn with a heavy outline.
    var uploaded = spec.upload || null;
    var uploadMarkers = [];
    if (uploaded && uploaded.id && uploaded.id.length) {
      for (var u = 0; u < uploaded.id.length; u++) {
        uploadMarkers.push(this.siteMarker(uploaded, u, "upload"));
      }
    }

    var finished = false;
    var finish = function () {
      if (finished) return;
      finished = true;
      self.loading = false;
      settle();
      if (self.pending) {
        // The spec changed while these loaded: draw the latest one.
        var next = self.pending;
        self.pending = null;
        self.drawMarkers(next.spec, data, next.shown);
        return;
      }
      self.renders += 1;
      self.stats = {
        sites: shownIdx.length,
        events: eventCount,
        uploaded: uploadMarkers.length,
        renders: self.renders,
        specs: self.specs,
        ready: true,
        renderedAt: Date.now(),
      };
      document.documentElement.setAttribute("data-atlas-sites", String(shownIdx.length));
      document.documentElement.setAttribute("data-atlas-renders", String(self.renders));
    };

    if (viewport) {
      this.drawViewport(sites, shownIdx, states, bySite, mask);
    } else {
      var cluster = this.siteCluster(function (done, total) {
        // Called at the end of each chunk, before markercluster puts the last one on the
        // map: finish once this turn of the event loop is over.
        if (done === total) Promise.resolve().then(finish);
      });
      group.addLayer(cluster);
      cluster.addLayers(markers);
    }

    if (uploadMarkers.length) {
      var uploadGroup = L.markerClusterGroup({ maxClusterRadius: 30, showCoverageOnHover: false });
      group.addLayer(uploadGroup);
      uploadGroup.addLayers(uploadMarkers);
    }

    if (viewport) {
      // The markers in view are on the map now.
      Promise.resolve().then(finish);
      return;
    }
    // Halos say how much ground a point stands for. Thousands of them would swamp the
    // map, so beyond haloLimit they appear only when zoomed in.
    var halos = L.layerGroup();
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
    this.unbindHalos = function () {
      self.map.off("zoomend", syncHalos);
    };
  };

  /* Web Mercator position of every payload site, as fractions of the world (the pixel
     at zoom z is 256 * 2^z times it, as Leaflet's EPSG:3857), and each site's zone type
     as a small integer: computed once per payload, in typed arrays. */
  Atlas.prototype.projected = function (sites) {
    if (this.proj && this.proj.sites === sites) return this.proj;
    var n = sites.id.length;
    var mx = new Float64Array(n);
    var my = new Float64Array(n);
    var zone = new Uint8Array(n);
    var zones = [];
    var zoneOf = {};
    var limit = 85.0511287798;
    for (var i = 0; i < n; i++) {
      var lat = Math.max(-limit, Math.min(limit, sites.lat[i]));
      var s = Math.sin((lat * Math.PI) / 180);
      mx[i] = (sites.lon[i] + 180) / 360;
      my[i] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
      var z = sites.zone[i];
      var zi = zoneOf[z];
      if (zi === undefined) {
        zi = zoneOf[z] = zones.length;
        zones.push(z);
      }
      zone[i] = zi;
    }
    this.proj = { sites: sites, mx: mx, my: my, zone: zone, zones: zones };
    return this.proj;
  };

  /* Many shown sites (config.viewportFrom and more): no Leaflet object per site. Each
     time the map stops moving, the shown sites in and around the view are binned into
     a grid of cells as wide as the cluster radius (one pass over typed arrays, about
     10 ms per million sites), neighbouring cells whose centres are closer than the
     radius are merged, largest first, and only those clusters and the sites that stand
     alone become markers. A filter change is a new list of rows and one more pass:
     nothing is indexed. Sites drawn alone look and behave as in the marker mode (same
     icon, tooltip, popup, keys, halo); a cluster zooms to its sites, or fans them out
     when they share one point. A marker that stays in view is kept, with its popup. */
  Atlas.prototype.drawViewport = function (sites, idx, states, bySite, mask) {
    var self = this;
    var proj = this.projected(sites);
    var shown = Int32Array.from(idx);
    var events = new Uint16Array(sites.id.length);
    for (var key in bySite) events[key] = Math.min(65535, bySite[key].length);
    // Sites pass their clicks up to the app (a click opens the dossier); clusters sit in
    // a plain layer group, so a click on one only zooms or fans out.
    var layer = L.featureGroup();
    var clusters = L.layerGroup();
    var halos = L.layerGroup();
    this.layer.addLayer(halos);
    this.layer.addLayer(clusters);
    this.layer.addLayer(layer);
    this.vp = {
      proj: proj, shown: shown, events: events, sites: sites, states: states, bySite: bySite,
      mask: mask, layer: layer, clusters: clusters, halos: halos, markers: {}, fan: null,
      next: new Int32Array(sites.id.length),
    };
    var redraw = function () {
      // A jump to a site chosen in the table is painted first: the map at its new place,
      // with the selection ring and the sites drawn alone (kept across zooms), and the
      // clusters of the old view hidden; the view's markers are built after that frame.
      // At 100,000 sites they took 130 ms of the task that moved the ring (on a slow
      // machine), and the ring and the dossier waited for them.
      if (self.siteJump) self.drawAfterPaint();
      else self.drawView();
    };
    this.map.on("moveend", redraw);
    this.unbindHalos = function () {
      self.map.off("moveend", redraw);
    };
    this.drawView();
  };

  /* drawView once the browser has painted the current frame and has a moment to spare
     (one pass for any number of jumps in between). Until then ``vp.pending`` is -1 and
     the map's container carries ``atlas-redrawing``, which hides the clusters of the
     previous view. A site chosen in the table moves the camera while the page is still
     drawing that site's dossier (same thread: the map is a same-origin frame), and the
     side panel switches to it in a task of its own: building the view's markers first
     (25-75 ms at 100,000 sites) held that switch back. The build waits for an idle
     moment, or 250 ms at most. */
  var whenIdle = window.requestIdleCallback
    ? function (fn) { window.requestIdleCallback(fn, { timeout: 250 }); }
    : function (fn) { setTimeout(fn, 0); };

  Atlas.prototype.drawAfterPaint = function () {
    var vp = this.vp;
    var self = this;
    if (!vp) return;
    var container = this.map.getContainer();
    container.classList.add("atlas-redrawing");
    vp.pending = -1;
    var token = (vp.drawing = (vp.drawing || 0) + 1);
    requestAnimationFrame(function () {
      whenIdle(function () {
        if (self.vp !== vp || vp.drawing !== token) return;
        self.drawView();  // which shows the clusters again
      });
    });
  };

  /* Clusters of the shown sites in and around the view at the current zoom: a list of
     {count, x, y (world pixels of the centre), first and last (site rows: ``vp.next``
     links a cluster's rows from first to last), cell, zones (sites per zone type),
     events, box [minX, minY, maxX, maxY]}. */
  Atlas.prototype.binView = function () {
    var vp = this.vp;
    var map = this.map;
    var proj = vp.proj;
    var mx = proj.mx;
    var my = proj.my;
    var zone = proj.zone;
    var nz = proj.zones.length;
    var zoom = Math.round(map.getZoom());
    var scale = 256 * Math.pow(2, zoom);
    // One radius at every zoom: with thousands of sites, a small radius from selectZoom
    // on (as in the marker mode) would pile icons on each other. What still clusters at
    // the last zoom fans out on a click.
    var radius = this.config.clusterRadius || 34;
    var pb = map.getPixelBounds();
    var padX = (pb.max.x - pb.min.x) * 0.25;
    var padY = (pb.max.y - pb.min.y) * 0.25;
    // Cells anchored on the world's pixel grid, so a pan keeps every cluster as it was.
    var c0 = Math.floor((pb.min.x - padX) / radius);
    var r0 = Math.floor((pb.min.y - padY) / radius);
    var cols = Math.floor((pb.max.x + padX) / radius) - c0 + 1;
    var rows = Math.floor((pb.max.y + padY) / radius) - r0 + 1;
    var x0 = c0 * radius;
    var y0 = r0 * radius;
    var x1 = x0 + cols * radius;
    var y1 = y0 + rows * radius;
    var cells = cols * rows;
    var cellOf = new Int32Array(cells).fill(-1);
    var groups = [];
    var next = vp.next;
    var shown = vp.shown;
    var ev = vp.events;
    // One pass over the shown rows: each cell's sites, sums and extent.
    for (var k = 0; k < shown.length; k++) {
      var i = shown[k];
      var x = mx[i] * scale;
      var y = my[i] * scale;
      if (x < x0 || x >= x1 || y < y0 || y >= y1) continue;
      var c = ((y - y0) / radius | 0) * cols + ((x - x0) / radius | 0);
      var g = cellOf[c] === -1 ? null : groups[cellOf[c]];
      if (!g) {
        cellOf[c] = groups.length;
        g = { count: 0, x: 0, y: 0, first: -1, last: i, zones: new Uint32Array(nz), events: 0,
          box: [x, y, x, y], cell: (r0 + ((c / cols) | 0)) + ":" + (c0 + (c % cols)) };
        groups.push(g);
      }
      g.count += 1;
      g.x += x;
      g.y += y;
      g.zones[zone[i]] += 1;
      g.events += ev[i];
      if (x < g.box[0]) g.box[0] = x;
      if (y < g.box[1]) g.box[1] = y;
      if (x > g.box[2]) g.box[2] = x;
      if (y > g.box[3]) g.box[3] = y;
      next[i] = g.first;
      g.first = i;
    }
    for (var q = 0; q < groups.length; q++) {
      groups[q].x /= groups[q].count;
      groups[q].y /= groups[q].count;
    }
    return { zoom: zoom, scale: scale, groups: this.mergeGroups(groups, radius) };
  };

  /* Clusters closer than ``radius`` (pixels) merge, largest first, until none are (at
     most four rounds): a cluster's icon never sits on a neighbour's. */
  Atlas.prototype.mergeGroups = function (groups, radius) {
    var next = this.vp.next;
    var r2 = radius * radius;
    for (var round = 0; round < 4; round++) {
      groups.sort(function (a, b) { return b.count - a.count; });
      var hash = new Map();
      var keyOf = function (g) { return Math.floor(g.x / radius) * 1048576 + Math.floor(g.y / radius); };
      for (var k = 0; k < groups.length; k++) {
        var key = keyOf(groups[k]);
        var list = hash.get(key);
        if (list) list.push(groups[k]);
        else hash.set(key, [groups[k]]);
      }
      var merged = 0;
      for (var a = 0; a < groups.length; a++) {
        var g = groups[a];
        if (g.dead) continue;
        var gx = Math.floor(g.x / radius);
        var gy = Math.floor(g.y / radius);
        for (var dx = -1; dx <= 1; dx++) {
          for (var dy = -1; dy <= 1; dy++) {
            var near = hash.get((gx + dx) * 1048576 + gy + dy);
            if (!near) continue;
            for (var n = 0; n < near.length; n++) {
              var h = near[n];
              if (h === g || h.dead) continue;
              var ox = h.x - g.x;
              var oy = h.y - g.y;
              if (ox * ox + oy * oy > r2) continue;
              // h joins g: sums, weighted centre, extent, and its rows after g's.
              var total = g.count + h.count;
              g.x = (g.x * g.count + h.x * h.count) / total;
              g.y = (g.y * g.count + h.y * h.count) / total;
              g.count = total;
              g.events += h.events;
              for (var z = 0; z < g.zones.length; z++) g.zones[z] += h.zones[z];
              g.box = [Math.min(g.box[0], h.box[0]), Math.min(g.box[1], h.box[1]),
                Math.max(g.box[2], h.box[2]), Math.max(g.box[3], h.box[3])];
              next[g.last] = h.first;
              g.last = h.last;
              h.dead = true;
              merged += 1;
            }
          }
        }
      }
      groups = groups.filter(function (g) { return !g.dead; });
      if (!merged) break;
    }
    return groups;
  };

  /* The clusters and sites in and around the view, as markers (see drawViewport). What
     is on screen (and one cluster radius beyond) is drawn at once; the rest of the
     binned area (a quarter view on each side, there so a short pan finds its markers)
     in a task of its own right after, so a camera jump (a site chosen in the table)
     paints the view before it builds markers nobody sees yet. A newer drawing drops a
     pending one. */
  Atlas.prototype.drawView = function () {
    var vp = this.vp;
    if (!vp) return;
    var self = this;
    var map = this.map;
    map.getContainer().classList.remove("atlas-redrawing");
    var view = this.binView();
    var zoom = view.zoom;
    if (vp.fan && vp.fan.zoom !== zoom) this.closeFan();
    // The screen in the binning's world pixels (its zoom is the map's, rounded).
    var pb = map.getPixelBounds();
    var k0 = view.scale / (256 * Math.pow(2, map.getZoom()));
    var margin = this.config.clusterRadius || 34;
    var minX = pb.min.x * k0 - margin;
    var minY = pb.min.y * k0 - margin;
    var maxX = pb.max.x * k0 + margin;
    var maxY = pb.max.y * k0 + margin;
    var next = {};
    var add = [];
    var alone = [];
    var later = [];
    for (var k = 0; k < view.groups.length; k++) {
      var g = view.groups[k];
      var key = this.groupKey(g, zoom);
      if (vp.fan && key === vp.fan.key) continue;
      var marker = vp.markers[key];
      if (!marker && (g.x < minX || g.x > maxX || g.y < minY || g.y > maxY)) {
        later.push(g);
        continue;
      }
      if (!marker) {
        marker = this.viewMarker(g, key, zoom);
        add.push(marker);
      }
      if (g.count === 1) alone.push(g.first);
      next[key] = marker;
    }
    for (var old in vp.markers) {
      if (!next[old]) (old.charAt(0) === "c" ? vp.clusters : vp.layer).removeLayer(vp.markers[old]);
    }
    for (var a = 0; a < add.length; a++) (add[a].atlasKey ? vp.clusters : vp.layer).addLayer(add[a]);
    vp.markers = next;
    this.viewHalos(alone, zoom);
    var token = (vp.drawing = (vp.drawing || 0) + 1);
    // Groups whose markers are still to come (tests wait for none).
    vp.pending = later.length;
    if (!later.length) return;
    setTimeout(function () {
      if (self.vp !== vp || vp.drawing !== token) return;
      vp.pending = 0;
      for (var q = 0; q < later.length; q++) {
        var h = later[q];
        var hkey = self.groupKey(h, zoom);
        if (vp.markers[hkey]) continue;
        var m = self.viewMarker(h, hkey, zoom);
        (m.atlasKey ? vp.clusters : vp.layer).addLayer(m);
        vp.markers[hkey] = m;
        if (h.count === 1) alone.push(h.first);
      }
      self.viewHalos(alone, zoom);
    }, 0);
  };

  /* A group's marker key: "s<row>" for a site alone (kept across zooms and pans),
     "c<zoom>:<cell>:<count>" for a cluster (kept across pans at one zoom). */
  Atlas.prototype.groupKey = function (g, zoom) {
    return g.count === 1 ? "s" + g.first : "c" + zoom + ":" + g.cell + ":" + g.count;
  };

  /* The marker of one group of the view: its site's, or a cluster's. */
  Atlas.prototype.viewMarker = function (g, key, zoom) {
    var vp = this.vp;
    if (g.count === 1) {
      return this.siteMarker(vp.sites, g.first, "site", vp.states[g.first] || null, vp.bySite[g.first] || null);
    }
    var marker = this.viewCluster(g, this.map.unproject([g.x, g.y], zoom), zoom);
    marker.atlasKey = key;
    return marker;
  };

  /* Halos (and sub-site lines) of the sites drawn alone, from haloMinZoom on. */
  Atlas.prototype.viewHalos = function (alone, zoom) {
    var vp = this.vp;
    var sites = vp.sites;
    vp.halos.clearLayers();
    if (zoom < this.config.haloMinZoom) return;
    var parents = sites.parent || [];
    for (var k = 0; k < alone.length; k++) {
      var i = alone[k];
      var halo = this.halo(sites, i);
      if (halo) vp.halos.addLayer(halo);
      var p = parents[i];
      if (p == null || p < 0 || !vp.mask[p]) continue;
      if (sites.lat[p] === sites.lat[i] && sites.lon[p] === sites.lon[i]) continue;
      vp.halos.addLayer(L.polyline([[sites.lat[i], sites.lon[i]], [sites.lat[p], sites.lon[p]]], {
        color: "#333333", weight: 1.5, dashArray: "4 4", interactive: false,
        renderer: this.haloRenderer || (this.haloRenderer = this.makeHaloRenderer()),
      }));
    }
  };

  /* One cluster of the view as a marker: the same icon and name as markercluster's. */
  Atlas.prototype.viewCluster = function (g, latlng, zoom) {
    var self = this;
    var vp = this.vp;
    var byZone = {};
    for (var j = 0; j < g.zones.length; j++) if (g.zones[j]) byZone[vp.proj.zones[j]] = g.zones[j];
    var names = [];
    var rows = [];
    for (var i = g.first; i !== -1 && rows.length < 60; i = vp.next[i]) rows.push(i);
    for (var n = 0; n < rows.length && n < 5; n++) names.push(vp.sites.name[rows[n]]);
    var drawn = this.clusterDrawing(g.count, byZone, g.events, names);
    var marker = L.marker(latlng, { icon: drawn.icon, keyboard: true });
    var map = this.map;
    // What the cluster covers, in degrees (from world pixels at this zoom).
    marker.atlasBounds = L.latLngBounds(
      map.unproject([g.box[0], g.box[3]], zoom),
      map.unproject([g.box[2], g.box[1]], zoom),
    );
    // The first rows (up to 60): what a fan-out shows when the sites share one point.
    marker.atlasRows = rows;
    marker.atlasCount = g.count;
    marker.on("add", function () {
      var node = marker.getElement();
      if (!node) return;
      node.setAttribute("aria-label", drawn.label);
      node.setAttribute("role", "button");
    });
    marker.on("click keypress", function (ev) {
      var key = ev.originalEvent && ev.originalEvent.key;
      if (ev.type === "keypress" && key !== "Enter" && key !== " ") return;
      if (ev.type === "keypress" && ev.originalEvent.preventDefault) ev.originalEvent.preventDefault();
      self.openCluster(marker, ev.type === "keypress");
    });
    return marker;
  };

  /* A cluster clicked (or Enter on it): zoom to its sites, or, when they share one
     point (or the map cannot zoom further in), fan them out around it. */
  Atlas.prototype.openCluster = function (marker, byKey) {
    var map = this.map;
    var bounds = marker.atlasBounds;
    var samePoint = bounds.getNorthEast().equals(bounds.getSouthWest(), 1e-6);
    var to = Math.min(map.getMaxZoom(), map.getBoundsZoom(bounds, false, L.point(60, 60)));
    if (!samePoint && to > map.getZoom()) {
      map.fitBounds(bounds, { padding: [30, 30], maxZoom: map.getMaxZoom() });
      return;
    }
    this.fanOut(marker, byKey);
  };

  /* Sites that share one point, fanned out on a circle around it with thin legs (at
     most 60; the cluster's name says how many there are). Closed by a zoom. */
  Atlas.prototype.fanOut = function (marker, byKey) {
    var vp = this.vp;
    var map = this.map;
    this.closeFan();
    var rows = marker.atlasRows;
    var centre = map.latLngToLayerPoint(marker.getLatLng());
    var n = rows.length;
    var radius = Math.max(36, (n * 30) / (2 * Math.PI));
    var fan = L.featureGroup();
    var first = null;
    for (var k = 0; k < n; k++) {
      var i = rows[k];
      var angle = (2 * Math.PI * k) / n - Math.PI / 2;
      var at = map.layerPointToLatLng(centre.add(L.point(Math.cos(angle) * radius, Math.sin(angle) * radius)));
      fan.addLayer(L.polyline([marker.getLatLng(), at], { color: "#333333", weight: 1.5, opacity: 0.6, interactive: false }));
      var site = this.siteMarker(vp.sites, i, "site", vp.states[i] || null, vp.bySite[i] || null);
      site.setLatLng(at);
      fan.addLayer(site);
      if (!first) first = site;
    }
    vp.clusters.removeLayer(marker);
    delete vp.markers[marker.atlasKey];
    vp.layer.addLayer(fan);
    vp.fan = { key: marker.atlasKey, zoom: Math.round(map.getZoom()), group: fan };
    if (byKey && first) {
      setTimeout(function () {
        var node = first.getElement();
        if (node) node.focus();
      }, 0);
    }
  };

  Atlas.prototype.closeFan = function () {
    var vp = this.vp;
    if (!vp || !vp.fan) return;
    vp.layer.removeLayer(vp.fan.group);
    vp.fan = null;
  };

  /* The sites' cluster group; ``progress`` is markercluster's chunkProgress. */
  Atlas.prototype.siteCluster = function (progress) {
    var self = this;
    var selectZoom = this.config.selectZoom;
    var cluster = L.markerClusterGroup({
      chunkedLoading: true,
      chunkProgress: progress,
      showCoverageOnHover: false,
      // No split/merge animation: clusters are settled as soon as a zoom ends, so a click
      // right after zooming reaches the cluster that is drawn (and fans it out).
      animate: false,
      // Only markers that would touch are grouped: at regional zoom a few dozen sites
      // stay individually visible. From the zoom that shows one site, only (nearly)
      // coincident points still cluster, so several compounds placed at one town point
      // stay separately reachable.
      maxClusterRadius: function (zoom) { return zoom >= selectZoom ? 6 : self.config.clusterRadius || 30; },
      spiderfyOnMaxZoom: false,
      zoomToBoundsOnClick: false,
      spiderfyDistanceMultiplier: 1.6,
      iconCreateFunction: function (c) { return self.clusterIcon(c); },
    });
    // A cluster whose sites share one point (or that cannot split further) fans out;
    // otherwise it zooms in. Enter on a focused cluster does the same.
    cluster.on("clusterclick clusterkeypress", function (ev) {
      var key = ev.originalEvent && ev.originalEvent.key;
      if (ev.type === "clusterkeypress" && key !== "Enter" && key !== " ") return;
      var layer = ev.layer;
      var b = layer.getBounds();
      var samePoint = b.getNorthEast().equals(b.getSouthWest(), 1e-6);
      if (samePoint || self.map.getZoom() >= self.map.getMaxZoom()) {
        layer.spiderfy();
        if (ev.type === "clusterkeypress") {
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
    return cluster;
  };

  /* [[south, west], [north, east]] around the shown rows and uploaded sites, or null. */
  Atlas.prototype.boundsOf = function (sites, idx, uploaded) {
    var s = 90, w = 180, nn = -90, e = -180, any = false;
    var add = function (lat, lon) {
      if (!isFinite(lat) || !isFinite(lon)) return;
      any = true;
      if (lat < s) s = lat;
      if (lat > nn) nn = lat;
      if (lon < w) w = lon;
      if (lon > e) e = lon;
    };
    for (var k = 0; k < idx.length; k++) add(sites.lat[idx[k]], sites.lon[idx[k]]);
    if (uploaded && uploaded.id) for (var u = 0; u < uploaded.id.length; u++) add(uploaded.lat[u], uploaded.lon[u]);
    return any ? [[s, w], [nn, e]] : null;
  };

  /* Camera moves the app makes. They run without animation, so the map's move events
     fire while ``auto`` is set and are not taken for the analyst's own pan or zoom. */
  Atlas.prototype.moveCamera = function (fn) {
    this.auto = (this.auto || 0) + 1;
    try {
      fn();
    } finally {
      this.auto -= 1;
    }
  };

  /* {kind: "fit"} frames the shown sites; {kind: "site", at: [lat, lon]} centres on a
     site at the zoom that shows it alone; {kind: "view", view: [zoom, lat, lon]} opens a
     link's saved view. */
  Atlas.prototype.runCamera = function (cam) {
    var map = this.map;
    var self = this;
    map.invalidateSize({ pan: false });
    this.siteJump = cam.kind === "site";
    try {
      this.moveCamera(function () {
        if (cam.kind === "view" && cam.view && cam.view.length === 3) {
          map.setView([cam.view[1], cam.view[2]], cam.view[0], { animate: false });
        } else if (cam.kind === "site" && cam.at && cam.at.length === 2) {
          map.setView(cam.at, Math.max(map.getZoom(), self.config.selectZoom), { animate: false });
        } else {
          self.fitShown();
        }
      });
    } finally {
      this.siteJump = false;
    }
    this.lastCamera = cam;
    this.userMoved = false;
    this.syncFitControl();
  };

  /* Frame every shown site at the map's real size, clear of the map's controls. */
  Atlas.prototype.fitShown = function () {
    var b = this.shownBounds;
    if (!b) return;
    var map = this.map;
    var pad = this.controlInsets();
    var opts = {
      // Beyond the controls, room for half a cluster icon and its badge.
      paddingTopLeft: [pad.left + 36, pad.top + 36],
      paddingBottomRight: [pad.right + 36, pad.bottom + 36],
      maxZoom: this.config.selectZoom,
      animate: false,
    };
    var bounds = L.latLngBounds(b);
    // Where the controls' room would cost a zoom level the sites need (a phone, a
    // spread-out selection), frame with a thin margin instead: every site in view first.
    var tight = { paddingTopLeft: [24, 24], paddingBottomRight: [24, 24], maxZoom: opts.maxZoom, animate: false };
    var room = L.point(opts.paddingTopLeft).add(opts.paddingBottomRight);
    var roomy = map.getBoundsZoom(bounds, false, room);
    var thin = map.getBoundsZoom(bounds, false, L.point(48, 48));
    // At the map's widest zoom the bounds may not fit even so: then the thin margin.
    var span = map.project(bounds.getNorthEast(), roomy).subtract(map.project(bounds.getSouthWest(), roomy));
    var size = map.getSize().subtract(room);
    var fits = Math.abs(span.x) <= size.x && Math.abs(span.y) <= size.y;
    map.fitBounds(bounds, roomy < thin || !fits ? tight : opts);
  };

  /* Room the map's controls take at each edge, in pixels: the zoom and fit buttons at
     the left, the basemap switcher at the top right, the legend at the bottom right. */
  Atlas.prototype.controlInsets = function () {
    var box = this.map.getContainer().getBoundingClientRect();
    var out = { top: 0, left: 0, right: 0, bottom: 0 };
    var corners = this.map._controlCorners || {};
    var measure = function (name) {
      var corner = corners[name];
      if (!corner || !corner.children.length) return null;
      var r = corner.getBoundingClientRect();
      var top = box.bottom, bottom = box.top, left = box.right, right = box.left;
      for (var k = 0; k < corner.children.length; k++) {
        var c = corner.children[k].getBoundingClientRect();
        if (!c.width || !c.height) continue;
        top = Math.min(top, c.top); bottom = Math.max(bottom, c.bottom);
        left = Math.min(left, c.left); right = Math.max(right, c.right);
      }
      if (bottom <= top) return null;
      return { top: top - box.top, bottom: box.bottom - bottom, left: left - box.left, right: box.right - right,
        width: right - left, height: bottom - top, r: r };
    };
    var tl = measure("topleft"), tr = measure("topright"), bl = measure("bottomleft"), br = measure("bottomright");
    // A narrow control column at the left (zoom buttons) takes width; the wide boxes at
    // the right (switcher, legend) take height at their edge.
    if (tl) out.left = Math.max(out.left, tl.left + tl.width);
    if (tr) out.top = Math.max(out.top, tr.top + tr.height);
    if (br) out.bottom = Math.max(out.bottom, br.bottom + br.height);
    if (bl) out.bottom = Math.max(out.bottom, bl.bottom + bl.height);
    return out;
  };

  /* Keep an open popup clear of the map's controls (zoom buttons, basemap switcher,
     legend) and inside the map: pan the map by the smallest move that does it. */
  Atlas.prototype.keepClear = function (popup) {
    var node = popup.getElement && popup.getElement();
    if (!node) return;
    var map = this.map;
    // First make it fit between the controls at the top and those at the foot (a phone's
    // map is short): longer content scrolls inside the popup.
    var size = map.getSize();
    var pad = this.controlInsets();
    var topRoom = 0;
    var corners = map._controlCorners || {};
    ["topleft", "topright"].forEach(function (name) {
      var corner = corners[name];
      if (!corner) return;
      for (var k = 0; k < corner.children.length; k++) {
        var r = corner.children[k].getBoundingClientRect();
        var top = map.getContainer().getBoundingClientRect().top;
        if (r.height) topRoom = Math.max(topRoom, r.bottom - top);
      }
    });
    // The popup's frame, tip and margins take about 70 px beyond its content.
    var maxHeight = Math.max(100, size.y - Math.max(topRoom, pad.top) - pad.bottom - 80);
    var maxWidth = Math.max(180, Math.min(320, size.x - 60));
    if (popup.options.maxHeight !== maxHeight || popup.options.maxWidth !== maxWidth) {
      popup.options.maxHeight = maxHeight;
      popup.options.maxWidth = maxWidth;
      popup.options.minWidth = Math.min(popup.options.minWidth || 50, maxWidth);
      popup.update();
      var scrolled = node.querySelector(".leaflet-popup-content");
      // A popup that scrolls can be scrolled from the keyboard too.
      if (scrolled && scrolled.scrollHeight > scrolled.clientHeight) scrolled.tabIndex = 0;
    }
    var box = map.getContainer().getBoundingClientRect();
    var p = node.getBoundingClientRect();
    var rect = { l: p.left - box.left, t: p.top - box.top, r: p.right - box.left, b: p.bottom - box.top };
    var margin = 8;
    var controls = [];
    var all = map.getContainer().querySelectorAll(".leaflet-control");
    for (var k = 0; k < all.length; k++) {
      var c = all[k].getBoundingClientRect();
      if (!c.width || !c.height) continue;
      controls.push({ l: c.left - box.left - margin, t: c.top - box.top - margin, r: c.right - box.left + margin, b: c.bottom - box.top + margin });
    }
    var W = box.width, H = box.height;
    var dx = 0, dy = 0;
    var clear = true;
    for (var round = 0; round < 6; round++) {
      var cur = { l: rect.l + dx, t: rect.t + dy, r: rect.r + dx, b: rect.b + dy };
      var hit = null;
      for (var j = 0; j < controls.length; j++) {
        var q = controls[j];
        if (cur.l < q.r && cur.r > q.l && cur.t < q.b && cur.b > q.t) { hit = q; break; }
      }
      if (!hit) break;
      // The four ways out of this control; keep those that leave the popup on the map.
      var moves = [
        [0, hit.b - cur.t], [0, hit.t - cur.b], [hit.r - cur.l, 0], [hit.l - cur.r, 0],
      ].filter(function (m) {
        return cur.l + m[0] >= margin && cur.r + m[0] <= W - margin && cur.t + m[1] >= margin && cur.b + m[1] <= H - margin;
      });
      if (!moves.length) { clear = false; break; }
      moves.sort(function (a, b) { return Math.abs(a[0]) + Math.abs(a[1]) - Math.abs(b[0]) - Math.abs(b[1]); });
      dx += moves[0][0];
      dy += moves[0][1];
    }
    // No place clear of every control: keep its top (title, close button) below the
    // controls at the top; its foot may then pass under those at the bottom.
    if (!clear) dy = Math.max(topRoom, pad.top) + margin - rect.t;
    // Then inside the map, which wins over the rest.
    var fin = { l: rect.l + dx, t: rect.t + dy, r: rect.r + dx, b: rect.b + dy };
    if (fin.t < margin) dy += margin - fin.t;
    else if (fin.b > H - margin && clear) dy -= fin.b - (H - margin);
    if (fin.l < margin) dx += margin - fin.l;
    else if (fin.r > W - margin) dx -= fin.r - (W - margin);
    if (!dx && !dy) return;
    // Moving the popup by (dx, dy) means moving the map's content: pan by the opposite.
    this.moveCamera(function () {
      map.panBy([-dx, -dy], { animate: false });
    });
  };

  /* "Zoom to results": a button that frames the shown sites again. */
  Atlas.prototype.fitControl = function () {
    var self = this;
    var Fit = L.Control.extend({
      onAdd: function () {
        var bar = L.DomUtil.create("div", "leaflet-bar atlas-fit");
        var button = L.DomUtil.create("button", "atlas-fit-button", bar);
        button.type = "button";
        // Four frame corners, drawn (no font has them all); the name is for screen
        // readers and the tooltip.
        button.innerHTML = '<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" fill="none" stroke="#111" stroke-width="2">' +
          '<path d="M1 5V1h4M11 1h4v4M15 11v4h-4M5 15H1v-4"/><circle cx="8" cy="8" r="1.6" fill="#111" stroke="none"/></svg>';
        button.setAttribute("aria-label", "Zoom to results");
        button.title = "Zoom to results: frame every site the filters show";
        L.DomEvent.disableClickPropagation(bar);
        L.DomEvent.on(button, "click", function () {
          self.runCamera({ kind: "fit" });
        });
        self.fitButton = button;
        return bar;
      },
    });
    new Fit({ position: "topleft" }).addTo(this.map);
  };

  Atlas.prototype.syncFitControl = function () {
    if (this.fitButton) this.fitButton.classList.toggle("atlas-fit-moved", !!this.userMoved);
  };

  /* The analyst's pan and zoom: recorded so a filter change does not undo them, and
     written to the page's address as map=zoom/lat/lon (OpenStreetMap's convention), so
     a copied link reopens this view. */
  Atlas.prototype.watchCamera = function () {
    var self = this;
    var map = this.map;
    map.on("movestart zoomstart", function () {
      if (!self.auto) {
        self.userMoved = true;
        self.syncFitControl();
      }
    });
    map.on("moveend", function () {
      self.writeView();
    });
    // The app rewrites the address on its reruns from what it last read there, which can
    // be an older view: put the map's own view back whenever it differs.
    setInterval(function () { self.writeView(); }, 1000);
    map.on("popupopen", function (e) {
      // After Leaflet has laid the popup out.
      setTimeout(function () { self.keepClear(e.popup); }, 0);
    });
    // The map's frame changes size with the browser window: keep the framing.
    map.on("resize", function () { self.reframeIfAuto(); });
  };

  Atlas.prototype.writeView = function () {
    var view = this.viewParam();
    document.documentElement.setAttribute("data-atlas-view", view);
    try {
      var top = window.parent;
      if (!top || top === window) return;
      var url = new URL(top.location.href);
      if (url.searchParams.get("map") === view) return;
      url.searchParams.set("map", view);
      top.history.replaceState(top.history.state, "", url.pathname + "?" + url.searchParams.toString().replace(/%2F/g, "/") + url.hash);
    } catch (err) {
      // A page that does not let the map reach its address: the view just is not shared.
    }
  };

  /* "zoom/lat/lon" with 4 decimals (about 11 m). */
  Atlas.prototype.viewParam = function () {
    var c = this.map.getCenter();
    return this.map.getZoom() + "/" + c.lat.toFixed(4) + "/" + L.Util.wrapNum(c.lng, [-180, 180], true).toFixed(4);
  };

  /* The map as shown, as a PNG, for the evidence pack. html-to-image draws the map's own
     DOM (tiles that loaded, the offline basemap, halos, markers, legend, scale bar,
     attribution), so the picture is what is on the screen. Markers and clusters are
     counted in that DOM as it is copied, inside the frame only. The analyst's uploaded
     sites are left out of the picture unless opts.includeUpload.
     Resolves to {png: "data:image/png;base64,...", markers, clusters, basemap, view,
     scale, width, height} (width and height in CSS pixels). */
  Atlas.prototype.capture = function (opts) {
    opts = opts || {};
    var self = this;
    var node = this.map.getContainer();
    return this.whenLoaded().then(function () {
      return self.loadCaptureScript();
    }).then(function () {
      var box = node.getBoundingClientRect();
      var counted = { markers: 0, clusters: 0 };
      var inside = function (el) {
        var r = el.getBoundingClientRect();
        return r.width > 0 && r.right > box.left && r.left < box.right && r.bottom > box.top && r.top < box.bottom;
      };
      var filter = function (el) {
        if (!el.classList || !el.classList.contains("leaflet-marker-icon")) return true;
        var upload = el.getAttribute("data-status") === "upload" ||
          (el.classList.contains("marker-cluster") && !el.classList.contains("atlas-cluster"));
        if (upload && !opts.includeUpload) return false;
        if (inside(el)) {
          if (el.classList.contains("atlas-site")) counted.markers += 1;
          else if (el.classList.contains("atlas-cluster") || el.classList.contains("marker-cluster")) counted.clusters += 1;
        }
        return true;
      };
      // Twice the screen's pixels (at least): sharp enough to print.
      var scale = Math.min(3, Math.max(2, window.devicePixelRatio || 1));
      var tiles = node.querySelectorAll(".leaflet-tile-loaded").length;
      return window.htmlToImage.toPng(node, {
        filter: filter,
        pixelRatio: scale,
        width: Math.round(box.width),
        height: Math.round(box.height),
        skipFonts: true,
        cacheBust: false,
        // A tile the image cannot copy (no network, no CORS) is left blank, not fatal.
        imagePlaceholder: "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7",
      }).then(function (png) {
        return self.captureLegend(scale).then(function (legend) {
          return { png: png, legend: legend };
        });
      }).then(function (shot) {
        return {
          png: shot.png,
          legend: shot.legend,
          markers: counted.markers,
          clusters: counted.clusters,
          basemap: tiles > 0 ? "tiles" : "offline",
          view: self.viewParam(),
          scale: scale,
          width: Math.round(box.width),
          height: Math.round(box.height),
        };
      });
    });
  };

  /* The legend, opened, as its own PNG (data URL, or "" when there is none): on the map
     it is folded to its button, so the picture of the map alone would not explain its
     shapes. An opened copy is drawn behind the map, so nothing on screen changes. */
  Atlas.prototype.captureLegend = function (scale) {
    var box = this.map.getContainer().querySelector(".atlas-legend");
    if (!box) return Promise.resolve("");
    var copy = box.cloneNode(true);
    var details = copy.querySelector("details");
    if (details) details.open = true;
    copy.style.cssText = "position:fixed;left:0;top:0;z-index:-1;margin:0;background:#fff;" +
      "width:max-content;max-width:320px;max-height:none;overflow:visible;";
    var inner = copy.querySelectorAll("*");
    for (var i = 0; i < inner.length; i++) {
      inner[i].style.maxHeight = "none";
      inner[i].style.overflow = "visible";
    }
    document.body.appendChild(copy);
    var done = function (value) {
      if (copy.parentNode) copy.parentNode.removeChild(copy);
      return value;
    };
    return window.htmlToImage.toPng(copy, { pixelRatio: scale, skipFonts: true, backgroundColor: "#ffffff" })
      .then(done, function () { return done(""); });
  };

  /* html-to-image is fetched only when a picture is first asked for (it is not needed
     to draw the map). */
  Atlas.prototype.loadCaptureScript = function () {
    if (window.htmlToImage) return Promise.resolve();
    var url = this.config.captureScriptUrl;
    if (!this.captureScript) {
      this.captureScript = new Promise(function (resolve, reject) {
        if (!url) { reject(new Error("no image script is configured")); return; }
        var script = document.createElement("script");
        script.src = url;
        script.onload = function () { resolve(); };
        script.onerror = function () { reject(new Error("the map's image script could not be loaded")); };
        document.head.appendChild(script);
      });
    }
    return this.captureScript;
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
