// Drawing a page's diagrams (case page, procedure page): for each box (the procedure's own
// process, data-testid="diagram", and each process it calls, data-testid="called-diagram"),
// fetch the BPMN the box names (data-bpmn-url), draw it with bpmn-js (viewer), then hand the
// viewer to the page's own script to mark and explain its steps. If anything fails the box says
// so and the page's step list or table (the page's content without JavaScript) stays.
window.zhifaDiagram = function (onDrawn) {
  "use strict";
  // The drawing is hidden from assistive technology (aria-hidden: the step list beside it says the
  // same in words), so nothing in it may take the keyboard's focus either: bpmn-js's canvas, its
  // links and the SVG would otherwise be tab stops a screen reader cannot name (WCAG 4.1.2).
  function unfocusable(canvas) {
    if (!canvas) { return; }
    canvas.querySelectorAll("a, button, svg, [tabindex], [contenteditable]").forEach(function (el) {
      el.setAttribute("tabindex", "-1");
      el.setAttribute("focusable", "false");
    });
  }
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
        unfocusable(box.querySelector(".diagram-canvas"));
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
