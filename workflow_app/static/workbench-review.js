// A draft read by another author or an approver (templates/web/workbench_draft.html): bpmn-js
// (viewer) draws it, and the elements the problems list names get the problem marker. The list is
// the page's content; this only draws.
window.zhifaDiagram(function (viewer) {
  "use strict";
  var canvas = viewer.get("canvas");
  var registry = viewer.get("elementRegistry");
  canvas.zoom("fit-viewport");
  document.querySelectorAll('[data-testid="problems"] li[data-element-id]').forEach(function (li) {
    var id = li.getAttribute("data-element-id");
    if (id && registry.get(id)) { canvas.addMarker(id, "has-problem"); }
  });
});
