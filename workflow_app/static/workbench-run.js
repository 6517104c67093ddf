// A draft's test run (templates/web/workbench_test_run.html): bpmn-js (viewer) draws the draft's
// diagram and marks the run's steps as the server listed them (data-steps): done, and ready with a
// badge of the date each is due; a step of a called process marks the call activity that runs it.
// A click on a marked step says its state below the diagram. The server decides every state and
// date; this script only draws. The lists beside it say the same in words.
window.zhifaDiagram(function (viewer, box, detail) {
  "use strict";
  var steps = JSON.parse(box.getAttribute("data-steps") || "{}");
  var label = function (name) { return box.getAttribute("data-label-" + name) || name; };
  var canvas = viewer.get("canvas");
  var registry = viewer.get("elementRegistry");
  var overlays = viewer.get("overlays");
  var shown = {};  // element id -> the step it shows (a call activity shows its called step)

  canvas.zoom("fit-viewport");
  Object.keys(steps).forEach(function (id) {
    var step = steps[id];
    var element = registry.get(id) || (step.called_by || []).map(function (c) { return registry.get(c); })
      .filter(function (e) { return e; })[0];
    if (!element) { return; }
    if (shown[element.id] && shown[element.id].state === "ready" && step.state === "done") { return; }
    canvas.removeMarker(element.id, "step-done");
    canvas.addMarker(element.id, "step-" + step.state);
    shown[element.id] = step;
    overlays.remove({ element: element.id, type: "run-due" });
    if (step.state === "ready" && step.due) {
      var badge = document.createElement("span");
      badge.className = "run-due-badge";
      badge.setAttribute("data-testid", "due-badge");
      badge.setAttribute("data-element-id", element.id);
      badge.textContent = label("due") + " " + step.due;
      overlays.add(element.id, "run-due", { position: { top: -16, left: 0 }, html: badge, scale: { min: 1 } });
    }
  });
  var fit = canvas.viewbox();
  var current = Object.keys(shown).filter(function (id) { return shown[id].state === "ready"; })
    .map(function (id) { return registry.get(id); })[0];
  if (fit.scale < 0.6 && current) {  // a long procedure: readable labels, the ready step in the middle
    var scale = 0.65, width = fit.outer.width / scale, height = fit.outer.height / scale;
    canvas.viewbox({ x: current.x + current.width / 2 - width / 2, y: current.y + current.height / 2 - height / 2,
                     width: width, height: height });
  }
  viewer.get("eventBus").on("element.click", function (event) {
    var step = shown[event.element.id];
    var name = (event.element.businessObject && event.element.businessObject.name) || event.element.id;
    if (!step) { detail.textContent = ""; return; }
    detail.textContent = (step.name || name) + " — " + label(step.state) +
      (step.state === "done" && step.at ? " " + step.at : "") + (step.due ? " · " + label("due") + " " + step.due : "");
  });
});
