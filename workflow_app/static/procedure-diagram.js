// The procedures page's diagram: bpmn-js (viewer) draws the version's BPMN; a click on a step
// brings its row of the steps table into view. The table is the page's content; this only draws.
window.zhifaDiagram(function (viewer, box, detail) {
  "use strict";
  var canvas = viewer.get("canvas");
  canvas.zoom("fit-viewport");
  var fit = canvas.viewbox();
  if (fit.scale < 0.5) {  // a long procedure: readable labels from its start; pan to read on
    var scale = 0.6, inner = fit.inner;
    canvas.viewbox({ x: inner.x - 20, y: inner.y - 20, width: fit.outer.width / scale, height: fit.outer.height / scale });
  }
  document.querySelectorAll("tr[data-bpmn-id]").forEach(function (row) {
    var id = row.getAttribute("data-bpmn-id");
    if (viewer.get("elementRegistry").get(id)) { canvas.addMarker(id, "step-defined"); }
  });
  viewer.get("eventBus").on("element.click", function (event) {
    var row = document.getElementById("step-" + event.element.id);
    document.querySelectorAll("tr.is-selected").forEach(function (r) { r.classList.remove("is-selected"); });
    if (!row) { detail.textContent = ""; return; }
    row.classList.add("is-selected");
    detail.textContent = row.cells[0].firstChild.textContent + " — " + row.cells[1].textContent;
    row.scrollIntoView({ block: "nearest" });
  });
});
