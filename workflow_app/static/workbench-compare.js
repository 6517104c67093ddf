// The comparison page (templates/web/workbench_compare.html): bpmn-js (viewer) draws the draft's
// diagram and the deployed version's; each gets the markers the server listed (data-markers: the
// elements, the first of which is drawn, their state and badge): added and changed elements on the
// draft's, removed ones on the version's. An entry of the list (a button) finds its element:
// centred, outlined, its words below the diagram; a click on a marked element brings its entry into
// view; the other diagram shows the same place when it has the element too. The server decides
// every change; this script only draws.
window.zhifaDiagram(function (viewer, box, detail) {
  "use strict";
  var which = box.getAttribute("data-which");
  var markers = JSON.parse(box.getAttribute("data-markers") || "[]");
  var canvas = viewer.get("canvas");
  var registry = viewer.get("elementRegistry");
  var overlays = viewer.get("overlays");
  var selected = null;

  function drawn(ids) {
    for (var i = 0; i < ids.length; i++) {
      var element = registry.get(ids[i]);
      if (element) { return element; }
    }
    return null;
  }

  function bounds(element) {
    if (!element.waypoints) { return { x: element.x, y: element.y, width: element.width, height: element.height }; }
    var xs = element.waypoints.map(function (p) { return p.x; });
    var ys = element.waypoints.map(function (p) { return p.y; });
    var x = Math.min.apply(null, xs), y = Math.min.apply(null, ys);
    return { x: x, y: y, width: Math.max.apply(null, xs) - x, height: Math.max.apply(null, ys) - y };
  }

  function centre(element, scale) {
    var view = canvas.viewbox();
    scale = Math.max(scale || view.scale, 0.65);
    var width = view.outer.width / scale, height = view.outer.height / scale, b = bounds(element);
    canvas.viewbox({ x: b.x + b.width / 2 - width / 2, y: b.y + b.height / 2 - height / 2, width: width, height: height });
  }

  function entryOf(element) {
    var buttons = document.querySelectorAll('.change-show[data-diagram="' + which + '"]');
    for (var i = 0; i < buttons.length; i++) {
      if (drawn(buttons[i].getAttribute("data-elements").split(" ")) === element) { return buttons[i]; }
    }
    return null;
  }

  function choose(element, button) {
    if (selected) { canvas.removeMarker(selected.id, "diff-selected"); }
    selected = element;
    canvas.addMarker(element.id, "diff-selected");
    document.querySelectorAll(".change.is-selected").forEach(function (li) { li.classList.remove("is-selected"); });
    if (button) {
      button.closest(".change").classList.add("is-selected");
      detail.textContent = button.closest(".change").textContent.replace(/\s+/g, " ").trim();
    }
  }

  canvas.zoom("fit-viewport");
  markers.forEach(function (marker) {
    var element = drawn(marker.elements);
    if (!element) { return; }
    canvas.addMarker(element.id, "diff-" + marker.state);
    if (marker.badge) {
      var badge = document.createElement("span");
      badge.className = "diff-badge diff-badge-" + marker.state;
      badge.setAttribute("data-testid", "diff-badge");
      badge.setAttribute("data-element-id", element.id);
      badge.textContent = marker.badge;
      overlays.add(element.id, "diff-badge", { position: { top: -14, left: 0 }, html: badge, scale: { min: 1 } });
    }
  });
  var buttons = Array.prototype.slice.call(document.querySelectorAll(".change-show"));
  var fit = canvas.viewbox();
  if (fit.scale < 0.6) {  // a long procedure: readable labels around its first change (the version's: the first
    // element a change names that it has too, so the two diagrams show the same place)
    var first = markers.map(function (m) { return drawn(m.elements); }).filter(function (e) { return e; })[0] ||
      buttons.map(function (b) { return drawn(b.getAttribute("data-elements").split(" ")); }).filter(function (e) { return e; })[0];
    if (first) { centre(first, 0.65); }
  }

  // An entry finds its element on its own diagram (outlined, its words below); the other diagram
  // shows the same place when it has the element too (a changed step, before and after).
  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      var own = button.getAttribute("data-diagram") === which;
      var element = drawn(button.getAttribute("data-elements").split(" "));
      if (!element) {
        if (own) { detail.textContent = box.getAttribute("data-label-not-drawn") || ""; }
        return;
      }
      if (own) {
        choose(element, button);
        box.scrollIntoView({ block: "nearest" });
      }
      centre(element);
    });
  });
  viewer.get("eventBus").on("element.click", function (event) {
    var button = entryOf(event.element);
    if (!button) { return; }
    choose(event.element, button);
    button.scrollIntoView({ block: "nearest" });
  });
});
