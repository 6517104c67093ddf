// Drawing a page's diagrams (case page, procedure page): for each box (the procedure's own
// process, data-testid="diagram", and each process it calls, data-testid="called-diagram"),
// fetch the BPMN the box names (data-bpmn-url), draw it with bpmn-js (viewer), then hand the
// viewer to the page's own script to mark and explain its steps. If anything fails the box says
// so and the page's step list or table (the page's content without JavaScript) stays.
window.zhifaDiagram = function (onDrawn) {
  "use strict";
  if (!window.BpmnJS || !window.fetch) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var boxes = document.querySelectorAll('[data-testid="diagram"], [data-testid="called-diagram"]');
  Array.prototype.forEach.call(boxes, function (box) {
    var detail = box.querySelector(".diagram-detail");
    fetch(box.getAttribute("data-bpmn-url"), {
      credentials: "same-origin",
      headers: csrf ? { "X-CSRFToken": csrf.getAttribute("content") } : {}
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.text();
    }).then(function (xml) {
      box.classList.add("diagram-drawing");  // the canvas takes its height before fit-viewport measures it
      var viewer = new window.BpmnJS({ container: box.querySelector(".diagram-canvas") });
      return viewer.importXML(xml).then(function () {
        onDrawn(viewer, box, detail);
        box.classList.add("diagram-ready");
      });
    }).catch(function (err) {
      if (window.console) { console.warn("diagram:", err); }
      box.classList.remove("diagram-drawing");
      box.classList.add("diagram-failed");
      detail.textContent = box.getAttribute("data-label-failed") || "failed";
    });
  });
};
