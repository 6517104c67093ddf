// The case page's diagrams: bpmn-js (viewer) draws the case's procedure version, and each process
// it calls, and marks its steps as the server reported them (data-steps): completed, ready,
// overdue; a call activity or collapsed subprocess takes the most pressing state of the steps it
// runs (a step's called_by: the call activities that run it). The server decides every state;
// this script only draws. Without it (or if drawing fails) the step list stays.
window.zhifaDiagram(function (viewer, box, detail) {
  "use strict";
  var steps = JSON.parse(box.getAttribute("data-steps") || "{}");
  var label = function (name) { return box.getAttribute("data-label-" + name) || name; };

  function show(element) {
    var step = steps[element.id];
    var name = (element.businessObject && element.businessObject.name) || element.id;
    detail.textContent = "";
    var title = document.createElement("strong");
    title.textContent = name + " — ";
    detail.appendChild(title);
    if (!step) { detail.appendChild(document.createTextNode(label("untouched"))); return; }
    var text = label(step.state);
    if (step.state === "done") { text += " " + (step.at || "") + (step.by ? " · " + label("by") + " " + step.by : ""); }
    else if (step.due) { text += " (" + label("due") + " " + step.due + ")"; }
    detail.appendChild(document.createTextNode(text + " "));
    var records = document.querySelectorAll('.file-entry[data-bpmn-id="' + element.id + '"]');
    if (records.length) {
      var link = document.createElement("a");
      link.href = "#" + records[records.length - 1].id;
      link.textContent = label("record");
      detail.appendChild(link);
    }
  }

  var canvas = viewer.get("canvas");
  var registry = viewer.get("elementRegistry");
  canvas.zoom("fit-viewport");
  var fit = canvas.viewbox();
  if (fit.scale < 0.6) {  // a long procedure: readable labels, the current step in the middle
    var current = Object.keys(steps).filter(function (id) { return steps[id].state !== "done"; })
      .map(function (id) { return registry.get(id) || registry.get((steps[id].called_by || [])[0]); })
      .filter(function (el) { return el; })[0];
    var scale = 0.65, inner = fit.inner;
    var width = fit.outer.width / scale, height = fit.outer.height / scale;
    var cx = current ? current.x + current.width / 2 : inner.x + width / 2;
    var x = Math.max(inner.x - 20, Math.min(cx - width / 2, inner.x + inner.width + 20 - width));
    var y = inner.y - 20 + Math.min(0, (inner.height + 40 - height) / 2);
    canvas.viewbox({ x: x, y: y, width: width, height: height });
  }
  var rank = { done: 1, ready: 2, overdue: 3 };
  var collapsed = {};  // a step inside a collapsed subprocess or a called process also marks what runs it
  function holds(holder, state) {
    if (holder && (!collapsed[holder.id] || rank[state] > rank[collapsed[holder.id]])) { collapsed[holder.id] = state; }
  }
  Object.keys(steps).forEach(function (id) {
    (steps[id].called_by || []).forEach(function (call) { holds(registry.get(call), steps[id].state); });
    var element = registry.get(id);
    if (!element) { return; }
    canvas.addMarker(id, "step-" + steps[id].state);
    var root = element;
    while (root.parent) { root = root.parent; }
    var holder = registry.get(String(root.id).replace(/_plane$/, ""));
    if (holder !== root) { holds(holder, steps[id].state); }
  });
  Object.keys(collapsed).forEach(function (id) {
    if (!steps[id]) { canvas.addMarker(id, "step-" + collapsed[id]); }
  });
  viewer.get("eventBus").on("element.click", function (event) { show(event.element); });
});
