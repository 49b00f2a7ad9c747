// Cityroom map page. Built once; Python drives it over the web channel ("bridge") with JSON
// commands, and the page reports clicks, the pointer position and its view back.
"use strict";

var cityroom = {
  map: null, bridge: null, layers: {}, index: {}, selected: null, selectionRing: null,
  cameras: null, coneLayer: null, userLayers: {},
};

var PURPOSE_COLOURS = ["#5fa8ff", "#43c6ac", "#b48cff", "#ffb454"];
var LEVEL_COLOURS = ["#4caf7a", "#4e9bff", "#ffd54a", "#ff8a3d", "#ff3b4e"];
var SEVERITY_COLOURS = { 1: "#ff3b4e", 2: "#ff8a3d", 3: "#ffd54a", 4: "#8da2bd" };
var FACILITY_COLOURS = {
  police_station: "#4e7cff", police_box: "#6f96ff", fire_station: "#ff5a3d",
  safety_centre: "#ff7d61", hospital: "#f4f4f4", riverside_parking: "#39b6c9",
  hazardous: "#d04dff", school: "#9ccc65", daycare: "#c5e1a5", district_office: "#b0bec5",
};

var PURPOSES = ["crime_prevention", "traffic", "disaster", "parking_lpr"];

// Tens of thousands of cameras as columns of typed arrays drawn on one canvas: no Leaflet
// object per camera, so the page's memory stays small and garbage collection never stalls
// it. Hit-testing uses a grid of the points drawn in the current view.
var CameraLayer = L.Layer.extend({
  initialize: function () { this.clear(); },
  clear: function () {
    this.count = 0;
    this.capacity = 0;
    // Ids and names stay in the few long strings they arrived in (one per batch), found by
    // offsets: tens of thousands of small strings would make every garbage collection slow.
    this.textChunks = [];
    this.visible = [true, true, true, true];
    this._grow(1024);
    this._drawn = 0;
  },
  _grow: function (capacity) {
    var grow = function (old, Type) { var a = new Type(capacity); if (old) a.set(old); return a; };
    this.lat = grow(this.lat, Float64Array); this.lon = grow(this.lon, Float64Array);
    this.purpose = grow(this.purpose, Uint8Array); this.heading = grow(this.heading, Float32Array);
    this.fov = grow(this.fov, Float32Array); this.ptz = grow(this.ptz, Uint8Array);
    this.chunk = grow(this.chunk, Uint16Array);
    this.idStart = grow(this.idStart, Int32Array); this.idEnd = grow(this.idEnd, Int32Array);
    this.nameEnd = grow(this.nameEnd, Int32Array);
    this.capacity = capacity;
  },
  // msg: columns lat, lon, purpose, heading, fov, ptz and "text": "id\tname\n" per camera.
  addColumns: function (msg) {
    var n = msg.lat.length;
    if (this.count + n > this.capacity) this._grow(Math.max(this.capacity * 2, this.count + n));
    var chunk = this.textChunks.length, text = msg.text, pos = 0;
    this.textChunks.push(text);
    for (var j = 0; j < n; j++) {
      var i = this.count++;
      this.lat[i] = msg.lat[j]; this.lon[i] = msg.lon[j]; this.purpose[i] = msg.purpose[j];
      this.heading[i] = msg.heading[j]; this.fov[i] = msg.fov[j]; this.ptz[i] = msg.ptz[j];
      var tab = text.indexOf("\t", pos), end = text.indexOf("\n", tab);
      this.chunk[i] = chunk; this.idStart[i] = pos; this.idEnd[i] = tab; this.nameEnd[i] = end;
      pos = end + 1;
    }
  },
  id: function (i) { return this.textChunks[this.chunk[i]].substring(this.idStart[i], this.idEnd[i]); },
  name: function (i) {
    return this.textChunks[this.chunk[i]].substring(this.idEnd[i] + 1, this.nameEnd[i]);
  },
  latLng: function (i) { return L.latLng(this.lat[i], this.lon[i]); },
  setPurposeVisible: function (purpose, on) { this.visible[purpose] = on; this.redraw(); },
  onAdd: function (map) {
    this._canvas = L.DomUtil.create("canvas", "leaflet-zoom-hide");
    map.getPane("cameras").appendChild(this._canvas);
    map.on("moveend zoomend resize viewreset", this.redraw, this);
    this.redraw();
  },
  onRemove: function (map) {
    map.off("moveend zoomend resize viewreset", this.redraw, this);
    L.DomUtil.remove(this._canvas);
  },
  redraw: function () {
    var map = this._map;
    if (!map || !this._canvas) return;
    var size = map.getSize(), canvas = this._canvas;
    L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
    canvas.width = size.x; canvas.height = size.y;
    var ctx = canvas.getContext("2d"), zoom = map.getZoom();
    var radius = zoom >= 16 ? 4 : zoom >= 13 ? 3 : 2;
    var bounds = map.getBounds(), s = bounds.getSouth(), n = bounds.getNorth();
    var w = bounds.getWest(), e = bounds.getEast();
    // Points drawn, in whole pixels, then bucketed by 16-pixel cell (a counting sort into
    // typed arrays) for hit-testing.
    var drawnIndex = new Int32Array(this.count), drawnX = new Int16Array(this.count);
    var drawnY = new Int16Array(this.count), drawn = 0;
    for (var p = 0; p < 4; p++) {
      if (!this.visible[p]) continue;
      ctx.fillStyle = PURPOSE_COLOURS[p];
      ctx.globalAlpha = 0.85;
      ctx.beginPath();
      for (var i = 0; i < this.count; i++) {
        if (this.purpose[i] !== p) continue;
        var la = this.lat[i], lo = this.lon[i];
        if (la < s || la > n || lo < w || lo > e) continue;
        var pt = map.latLngToContainerPoint([la, lo]);
        var x = pt.x | 0, y = pt.y | 0;
        ctx.moveTo(x + radius, y);
        ctx.arc(x, y, radius, 0, 6.2832);
        drawnIndex[drawn] = i; drawnX[drawn] = x; drawnY[drawn] = y; drawn++;
      }
      ctx.fill();
    }
    var cols = (size.x >> 4) + 1, rows = (size.y >> 4) + 1;
    var start = new Int32Array(cols * rows + 1), order = new Int32Array(drawn);
    var cellOf = function (k) {
      return Math.min(rows - 1, Math.max(0, drawnY[k] >> 4)) * cols +
             Math.min(cols - 1, Math.max(0, drawnX[k] >> 4));
    };
    for (var k = 0; k < drawn; k++) start[cellOf(k) + 1]++;
    for (var c = 0; c < cols * rows; c++) start[c + 1] += start[c];
    var fill = start.slice(0, cols * rows);
    for (k = 0; k < drawn; k++) order[fill[cellOf(k)]++] = k;
    this._hitGrid = { cols: cols, rows: rows, start: start, order: order,
                      index: drawnIndex, x: drawnX, y: drawnY };
  },
  // The camera drawn nearest a container point, within 7 px; -1 when none.
  hit: function (point) {
    var g = this._hitGrid;
    var size = this._map ? this._map.getSize() : null;
    if (!g || !size || point.x < 0 || point.y < 0 || point.x > size.x || point.y > size.y) {
      return -1;
    }
    var best = -1, bestD = 49, cx = point.x >> 4, cy = point.y >> 4;
    for (var dy = -1; dy <= 1; dy++) {
      for (var dx = -1; dx <= 1; dx++) {
        var x = cx + dx, y = cy + dy;
        if (x < 0 || y < 0 || x >= g.cols || y >= g.rows) continue;
        var cell = y * g.cols + x;
        for (var m = g.start[cell]; m < g.start[cell + 1]; m++) {
          var k = g.order[m], ddx = g.x[k] - point.x, ddy = g.y[k] - point.y;
          var d = ddx * ddx + ddy * ddy;
          if (d < bestD) { bestD = d; best = g.index[k]; }
        }
      }
    }
    return best;
  },
});

function cityroomStart(map, tileUrl) {
  cityroom.map = map;
  // Quarter zoom steps: "the whole city" fills the pane instead of jumping a whole level.
  map.options.zoomSnap = 0.25;
  map.options.zoomDelta = 0.5;
  map.setMinZoom(9);
  map.setMaxZoom(19);
  map.createPane("basemap").style.zIndex = 200;
  map.createPane("cones").style.zIndex = 350;
  map.createPane("cameras").style.zIndex = 400;
  map.createPane("facilities").style.zIndex = 420;
  map.createPane("sensors").style.zIndex = 430;
  map.createPane("incidents").style.zIndex = 600;
  if (tileUrl) {
    L.tileLayer(tileUrl, { pane: "tilePane", maxZoom: 19 }).addTo(map);
  }
  var canvas = function (pane) { return L.canvas({ pane: pane, padding: 0.2 }); };
  cityroom.renderers = {
    basemap: canvas("basemap"), cameras: canvas("cameras"), facilities: canvas("facilities"),
    sensors: canvas("sensors"), incidents: L.svg({ pane: "incidents" }),
    cones: canvas("cones"),
  };
  ["districts", "neighbourhoods", "district_labels", "facilities", "sensors", "incidents"]
    .forEach(function (name) { cityroom.layers[name] = L.layerGroup().addTo(map); });
  cityroom.cameras = new CameraLayer().addTo(map);
  cityroom.coneLayer = L.layerGroup().addTo(map);
  map.on("zoomend moveend", onViewChanged);
  // Until the operator moves the map, keep the whole city in view as the window settles.
  var touched = function () { cityroom.touched = true; };
  map.getContainer().addEventListener("mousedown", touched);
  map.getContainer().addEventListener("wheel", touched);
  map.on("resize", function () {
    if (!cityroom.touched && cityroom.home) map.fitBounds(cityroom.home, { animate: false });
  });
  map.on("mousemove", throttle(function (e) {
    if (cityroom.bridge) cityroom.bridge.pointer(e.latlng.lat, e.latlng.lng);
  }, 100));
  cityroom.toolLayer = L.layerGroup().addTo(map);
  map.on("click", function (e) {
    if (cityroom.measuring) { addMeasurePoint(e.latlng); return; }
    // With a GIS tool active a click is a question about that place, not a selection.
    var hit = cityroom.toolMode && cityroom.toolMode !== "select" ? -1
      : cityroom.cameras.hit(map.latLngToContainerPoint(e.latlng));
    if (hit >= 0) {
      if (cityroom.bridge) cityroom.bridge.clicked("camera", cityroom.cameras.id(hit));
      return;
    }
    if (cityroom.bridge) cityroom.bridge.mapClicked(e.latlng.lat, e.latlng.lng);
  });
  var cameraTip = L.tooltip({ className: "cityroom-tip", direction: "top", offset: [0, -4] });
  map.on("mousemove", throttle(function (e) {
    var hit = cityroom.cameras.hit(e.containerPoint);
    if (hit < 0) { map.closeTooltip(cameraTip); return; }
    cameraTip.setLatLng(cityroom.cameras.latLng(hit))
      .setContent(cityroom.cameras.name(hit) + " (" + cityroom.cameras.id(hit) + ")");
    map.openTooltip(cameraTip);
  }, 60));
  new QWebChannel(qt.webChannelTransport, function (channel) {
    cityroom.bridge = channel.objects.bridge;
    cityroom.bridge.command.connect(function (text) { handle(JSON.parse(text)); });
    cityroom.bridge.ready();
  });
}

function throttle(fn, ms) {
  var last = 0, timer = null, lastArgs = null;
  return function () {
    lastArgs = arguments;
    var now = Date.now();
    if (now - last >= ms) { last = now; fn.apply(null, lastArgs); }
    else if (!timer) {
      timer = setTimeout(function () { timer = null; last = Date.now(); fn.apply(null, lastArgs); },
                         ms - (now - last));
    }
  };
}

function handle(msg) {
  var t0 = performance.now();
  try {
    var op = HANDLERS[msg.op];
    if (!op) throw new Error("unknown map command " + msg.op);
    op(msg);
  } catch (err) {
    if (cityroom.bridge) cityroom.bridge.pageError(String(err && err.stack || err));
  }
  if (cityroom.bridge && msg.ack) cityroom.bridge.applied(msg.ack, performance.now() - t0);
}

var HANDLERS = {
  boundaries: function (msg) {
    var group = cityroom.layers[msg.layer];
    group.clearLayers();
    var district = msg.layer === "districts";
    L.geoJSON(msg.geojson, {
      renderer: cityroom.renderers.basemap, interactive: false,
      style: district
        ? { color: "#3d4b5c", weight: 1.4, fillColor: "#18202a", fillOpacity: 1 }
        : { color: "#26313d", weight: 0.6, fill: false },
    }).addTo(group);
    if (district && msg.labels) {
      var labels = cityroom.layers.district_labels;
      labels.clearLayers();
      msg.labels.forEach(function (l) {
        L.tooltip({ permanent: true, direction: "center", className: "district-label",
                    interactive: false })
          .setLatLng([l[0], l[1]]).setContent(l[2]).addTo(labels);
      });
    }
  },
  cameras: function (msg) {
    if (!msg.append) cityroom.cameras.clear();
    cityroom.cameras.addColumns(msg);
    if (msg.last) { cityroom.cameras.redraw(); drawCones(); }
  },
  facilities: function (msg) {
    var group = cityroom.layers.facilities;
    group.clearLayers();
    msg.rows.forEach(function (r) {
      var marker = L.circleMarker([r[1], r[2]], {
        renderer: cityroom.renderers.facilities, radius: 4, color: "#0b0f14", weight: 1,
        fillColor: FACILITY_COLOURS[r[3]] || "#ffffff", fillOpacity: 0.95,
      });
      marker.bindTooltip(r[4], { className: "cityroom-tip" });
      marker.on("click", function (e) {
        L.DomEvent.stopPropagation(e);
        cityroom.bridge.clicked("facility", r[0]);
      });
      group.addLayer(marker);
      cityroom.index["facility:" + r[0]] = marker;
    });
  },
  sensors: function (msg) {
    var group = cityroom.layers.sensors;
    msg.rows.forEach(function (r) {
      var key = "sensor:" + r[0];
      var marker = cityroom.index[key];
      var style = { fillColor: LEVEL_COLOURS[r[4]], radius: r[4] >= 2 ? 6 : 4 };
      var tip = r[7] + (r[5] === null ? "" : ": " + r[5] + " " + r[6]);
      if (marker) {
        marker.setStyle(style);
        marker.setRadius(style.radius);
        marker.setTooltipContent(tip);
      } else {
        marker = L.circleMarker([r[1], r[2]], {
          renderer: cityroom.renderers.sensors, radius: style.radius, color: "#0b0f14",
          weight: 1, fillColor: style.fillColor, fillOpacity: 1,
        });
        marker.bindTooltip(tip, { className: "cityroom-tip" });
        marker.on("click", function (e) {
          L.DomEvent.stopPropagation(e);
          cityroom.bridge.clicked("sensor", r[0]);
        });
        group.addLayer(marker);
        cityroom.index[key] = marker;
      }
    });
  },
  incidents: function (msg) {
    var group = cityroom.layers.incidents;
    (msg.removed || []).forEach(function (id) {
      var old = cityroom.index["incident:" + id];
      if (old) { group.removeLayer(old); delete cityroom.index["incident:" + id]; }
    });
    msg.rows.forEach(function (r) {
      var key = "incident:" + r[0];
      var old = cityroom.index[key];
      if (old) group.removeLayer(old);
      var isNew = r[4] === "new";
      var marker = L.circleMarker([r[1], r[2]], {
        renderer: cityroom.renderers.incidents, radius: r[3] === 1 ? 11 : 8,
        color: "#0b0f14", weight: 2, fillColor: SEVERITY_COLOURS[r[3]] || "#ffffff",
        fillOpacity: r[5] ? 0.95 : 0.35,
        className: isNew ? "incident-new" : "incident",
      });
      marker.bindTooltip(r[0] + " · " + r[6], { className: "cityroom-tip" });
      marker.on("click", function (e) {
        L.DomEvent.stopPropagation(e);
        cityroom.bridge.clicked("incident", r[0]);
      });
      group.addLayer(marker);
      cityroom.index[key] = marker;
    });
    if (cityroom.selected) ring(cityroom.selected);
  },
  select: function (msg) {
    cityroom.selected = msg.id ? msg.kind + ":" + msg.id : null;
    if (msg.kind === "camera") cityroom.cameraIndex = msg.index;
    ring(cityroom.selected);
    var where = positionOf(cityroom.selected);
    if (where && msg.fly) {
      cityroom.map.flyTo(where, Math.max(cityroom.map.getZoom(), msg.zoom || 16),
                         { duration: 0.6 });
    }
  },
  visible: function (msg) {
    if (msg.layer.indexOf("cameras.") === 0) {
      cityroom.cameras.setPurposeVisible(PURPOSES.indexOf(msg.layer.slice(8)), msg.on);
      drawCones();
      return;
    }
    var group = cityroom.layers[msg.layer];
    if (!group) return;
    if (msg.on) group.addTo(cityroom.map); else cityroom.map.removeLayer(group);
  },
  fitBounds: function (msg) {
    if (msg.home) cityroom.home = msg.bounds;
    if (msg.animate === false) {
      cityroom.map.fitBounds(msg.bounds, { animate: false, maxZoom: msg.maxZoom || 16 });
    } else {
      cityroom.map.flyToBounds(msg.bounds, { duration: 0.6, maxZoom: msg.maxZoom || 16 });
    }
  },
  userLayer: function (msg) {
    removeUserLayer(msg.id);
    var pane = "user-" + msg.id;
    if (!cityroom.map.getPane(pane)) cityroom.map.createPane(pane).style.zIndex = 300 + msg.order;
    var renderer = L.canvas({ pane: pane, padding: 0.2 });
    var colour = msg.colour || "#e0e0e0";
    var data = {
      type: "FeatureCollection",
      features: msg.geometries.map(function (g, i) {
        return { type: "Feature", geometry: g, properties: msg.properties[i] };
      }),
    };
    var layer = L.geoJSON(data, {
      pane: pane,
      style: function () {
        return { renderer: renderer, color: colour, weight: 1.5, fillColor: colour,
                 fillOpacity: 0.25, opacity: 0.9 };
      },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { renderer: renderer, radius: 4, stroke: false,
                                        fillColor: colour, fillOpacity: 0.9 });
      },
      onEachFeature: function (feature, item) {
        item.on("click", function (e) {
          L.DomEvent.stopPropagation(e);
          var props = feature.properties || {};
          var rows = Object.keys(props).slice(0, 12).map(function (k) {
            return "<b>" + escapeHtml(k) + "</b> " + escapeHtml(String(props[k]));
          });
          L.popup().setLatLng(e.latlng).setContent(rows.join("<br>") || msg.name)
            .openOn(cityroom.map);
        });
      },
    });
    layer.addTo(cityroom.map);
    cityroom.userLayers[msg.id] = { layer: layer, pane: pane, colour: colour };
    if (msg.fit) cityroom.map.fitBounds(layer.getBounds(), { maxZoom: 16 });
  },
  userRaster: function (msg) {
    removeUserLayer(msg.id);
    var pane = "user-" + msg.id;
    if (!cityroom.map.getPane(pane)) cityroom.map.createPane(pane).style.zIndex = 250 + msg.order;
    var layer = L.tileLayer(msg.url, { pane: pane, maxZoom: 19, opacity: 0.85,
                                       bounds: msg.bounds });
    layer.addTo(cityroom.map);
    cityroom.userLayers[msg.id] = { layer: layer, pane: pane, raster: true };
    if (msg.fit) cityroom.map.fitBounds(msg.bounds, { maxZoom: 16 });
  },
  removeLayer: function (msg) { removeUserLayer(msg.id); },
  layerOpacity: function (msg) {
    var entry = cityroom.userLayers[msg.id];
    if (!entry) return;
    if (entry.raster) { entry.layer.setOpacity(msg.opacity); return; }
    cityroom.map.getPane(entry.pane).style.opacity = msg.opacity;
  },
  layerOrder: function (msg) {
    msg.ids.forEach(function (id, i) {
      var entry = cityroom.userLayers[id];
      if (entry) cityroom.map.getPane(entry.pane).style.zIndex = (entry.raster ? 250 : 300) + i;
    });
  },
  layerStyle: function (msg) {
    var entry = cityroom.userLayers[msg.id];
    if (!entry || entry.raster) return;
    entry.layer.eachLayer(function (item) {
      var props = (item.feature && item.feature.properties) || {};
      var colour = msg.field ? (msg.colours[String(props[msg.field])] || msg.other) : entry.colour;
      if (item.setStyle) item.setStyle({ color: colour, fillColor: colour });
    });
  },
  userVisible: function (msg) {
    var entry = cityroom.userLayers[msg.id];
    if (!entry) return;
    if (msg.on) entry.layer.addTo(cityroom.map); else cityroom.map.removeLayer(entry.layer);
  },
  highlight: function (msg) {
    // Results of a GIS tool: the query point or circle, lines to the cameras found.
    var layer = cityroom.toolLayer;
    layer.clearLayers();
    if (!msg.lat) return;
    var centre = [msg.lat, msg.lon];
    if (msg.radius) {
      L.circle(centre, { radius: msg.radius, color: "#ffd54a", weight: 2, fillOpacity: 0.06,
                         dashArray: "6 4", interactive: false }).addTo(layer);
    }
    L.circleMarker(centre, { radius: 5, color: "#ffd54a", weight: 2, fillColor: "#0b0f14",
                             fillOpacity: 1, interactive: false }).addTo(layer);
    msg.cameras.forEach(function (c) {
      if (msg.lines) {
        L.polyline([centre, [c.lat, c.lon]], {
          color: c.faces ? "#5fe0c1" : "#8da2bd", weight: 1.5, dashArray: c.faces ? null : "3 4",
          interactive: false,
        }).addTo(layer);
      }
      L.circleMarker([c.lat, c.lon], { radius: 6, color: c.faces ? "#5fe0c1" : "#8da2bd",
                                       weight: 2, fill: false, interactive: false })
        .bindTooltip(c.label, { permanent: msg.cameras.length <= 6, className: "cityroom-tip",
                                direction: "right" })
        .addTo(layer);
    });
    if (msg.fit && msg.cameras.length) {
      var points = msg.cameras.map(function (c) { return [c.lat, c.lon]; }).concat([centre]);
      cityroom.map.fitBounds(L.latLngBounds(points).pad(0.3), { maxZoom: 18 });
    }
  },
  tool: function (msg) { cityroom.toolMode = msg.mode; },
  measure: function (msg) {
    cityroom.measuring = msg.on;
    cityroom.measurePoints = [];
    cityroom.toolLayer.clearLayers();
    cityroom.map.getContainer().style.cursor = msg.on ? "crosshair" : "";
    if (msg.on) cityroom.map.doubleClickZoom.disable(); else cityroom.map.doubleClickZoom.enable();
  },
  ping: function () {},  // answered through "ack": measures how busy the page is
  view: function (msg) {
    cityroom.map.setView([msg.lat, msg.lon], msg.zoom, { animate: false });
  },
};

// Measuring: each click adds a vertex; clicking the first vertex again closes an area.
function addMeasurePoint(latlng) {
  var points = cityroom.measurePoints;
  var closing = points.length >= 3 &&
    cityroom.map.latLngToContainerPoint(points[0]).distanceTo(
      cityroom.map.latLngToContainerPoint(latlng)) < 10;
  if (!closing) points.push(latlng);
  var layer = cityroom.toolLayer;
  layer.clearLayers();
  var length = 0;
  for (var i = 1; i < points.length; i++) length += points[i - 1].distanceTo(points[i]);
  if (closing) {
    length += points[points.length - 1].distanceTo(points[0]);
    L.polygon(points, { color: "#ffd54a", weight: 2, fillOpacity: 0.1, interactive: false })
      .addTo(layer);
  } else {
    L.polyline(points, { color: "#ffd54a", weight: 2, interactive: false }).addTo(layer);
  }
  points.forEach(function (p) {
    L.circleMarker(p, { radius: 3, color: "#ffd54a", interactive: false }).addTo(layer);
  });
  var area = closing ? geodesicArea(points) : 0;
  if (cityroom.bridge) cityroom.bridge.measured(length, area, closing);
  if (closing) cityroom.measurePoints = [];
}

// Area of a polygon on the sphere, square metres (the formula Leaflet.draw uses).
function geodesicArea(points) {
  var R = 6378137, area = 0, n = points.length, rad = Math.PI / 180;
  for (var i = 0; i < n; i++) {
    var p1 = points[i], p2 = points[(i + 1) % n];
    area += (p2.lng - p1.lng) * rad * (2 + Math.sin(p1.lat * rad) + Math.sin(p2.lat * rad));
  }
  return Math.abs(area * R * R / 2);
}

function removeUserLayer(id) {
  var entry = cityroom.userLayers[id];
  if (!entry) return;
  cityroom.map.removeLayer(entry.layer);
  delete cityroom.userLayers[id];
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
  });
}

function positionOf(key) {
  if (!key) return null;
  if (key.indexOf("camera:") === 0) {
    var i = cityroom.cameraIndex;  // Python sends the camera's index with the selection
    return i >= 0 && i < cityroom.cameras.count ? cityroom.cameras.latLng(i) : null;
  }
  var marker = cityroom.index[key];
  return marker ? marker.getLatLng() : null;
}

function ring(key) {
  if (cityroom.selectionRing) {
    cityroom.map.removeLayer(cityroom.selectionRing);
    cityroom.selectionRing = null;
  }
  var where = positionOf(key);
  if (!where) return;
  cityroom.selectionRing = L.circleMarker(where, {
    renderer: cityroom.renderers.incidents, radius: 18, color: "#ffffff", weight: 3,
    fill: false, interactive: false, dashArray: "4 4",
  }).addTo(cityroom.map);
}

function onViewChanged() {
  drawCones();
  if (!cityroom.bridge) return;
  var b = cityroom.map.getBounds();
  cityroom.bridge.viewChanged(JSON.stringify({
    zoom: cityroom.map.getZoom(),
    bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
  }));
}

function destination(lat, lon, bearing, metres) {
  var R = 6371008.8, d = metres / R, t = bearing * Math.PI / 180;
  var p1 = lat * Math.PI / 180, l1 = lon * Math.PI / 180;
  var p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(t));
  var l2 = l1 + Math.atan2(Math.sin(t) * Math.sin(d) * Math.cos(p1),
                           Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return [p2 * 180 / Math.PI, l2 * 180 / Math.PI];
}

// Fields of view as cones, only when zoomed in far enough to read them (and at most 600).
function drawCones() {
  var layer = cityroom.coneLayer;
  layer.clearLayers();
  if (cityroom.map.getZoom() < 16) return;
  var cams = cityroom.cameras, bounds = cityroom.map.getBounds().pad(0.1), drawn = 0;
  for (var i = 0; i < cams.count && drawn < 600; i++) {
    if (!cams.visible[cams.purpose[i]]) continue;
    if (!bounds.contains([cams.lat[i], cams.lon[i]])) continue;
    var points = [[cams.lat[i], cams.lon[i]]];
    var range = cams.ptz[i] ? 60 : 80, half = cams.fov[i] / 2;
    for (var k = 0; k <= 8; k++) {
      points.push(destination(cams.lat[i], cams.lon[i],
                              cams.heading[i] - half + cams.fov[i] * k / 8, range));
    }
    var colour = PURPOSE_COLOURS[cams.purpose[i]];
    L.polygon(points, {
      renderer: cityroom.renderers.cones, interactive: false, weight: 0.5,
      color: colour, fillColor: colour, fillOpacity: 0.12,
    }).addTo(layer);
    drawn++;
  }
}
