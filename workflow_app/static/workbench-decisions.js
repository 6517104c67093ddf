// The workbench's panel for a business rule task (templates/web/workbench_draft.html): which of the
// draft's decision tables it evaluates (spiffworkflow:calledDecisionId, engine/decisions.py), chosen
// among the draft's bpmn/<id>/*.dmn files, each read for its decision's id and name. A section of the
// editor's panel (window.ZhifaWorkbench, static/workbench-editor.js): the change is the diagram's, saved
// with it on the draft's revision.
(function () {
  "use strict";

  const wb = window.ZhifaWorkbench;
  const root = document.getElementById("workbench");
  const words = document.querySelector('[data-testid="dmn-tables-link"]');
  if (!wb || !root || !words) { return; }

  const DMN = "https://www.omg.org/spec/DMN/20191111/MODEL/";
  const processId = root.getAttribute("data-process-id");
  const draftUrl = root.getAttribute("data-problems-url").replace(/\/problems$/, "");
  let decisions = null;  // [{id, name}] of the draft's tables, once read

  function label(name) { return words.getAttribute("data-label-" + name) || name; }

  function readDecisions() {
    return wb.api(draftUrl).then(function (response) {
      return response.json();
    }).then(function (draft) {
      const prefix = "bpmn/" + processId + "/";
      const paths = (draft.files || []).map(function (f) { return f.path; }).filter(function (path) {
        return path.indexOf(prefix) === 0 && /\.dmn$/.test(path) && path.slice(prefix.length).indexOf("/") < 0;
      });
      return Promise.all(paths.map(function (path) {
        return wb.readFile(path).then(function (xml) {
          const doc = new DOMParser().parseFromString(xml || "", "application/xml");
          const found = doc.getElementsByTagNameNS(DMN, "decision")[0] ||
            doc.getElementsByTagName("decision")[0];
          return found && found.getAttribute("id") ? { id: found.getAttribute("id"), name: found.getAttribute("name") || "" } : null;
        });
      }));
    }).then(function (found) {
      decisions = found.filter(Boolean);
      // drawn again only where this section shows, and never under the author's typing
      const modeler = wb.modeler();
      const selected = modeler ? modeler.get("selection").get() : [];
      const panel = document.querySelector('[data-testid="properties"]');
      if (selected.length === 1 && selected[0].businessObject.$type === "bpmn:BusinessRuleTask" &&
          !(panel && panel.contains(document.activeElement))) {
        wb.render();
      }
    }).catch(function (err) {
      if (window.console) { console.warn("workbench decisions:", err); }
      decisions = [];
    });
  }

  function calledDecision(bo) {
    const ext = bo.get("extensionElements");
    const found = ext && (ext.get("values") || []).find(function (v) { return v.$instanceOf("spiffworkflow:CalledDecisionId"); });
    return { ext: ext, found: found };
  }

  function setDecision(element, value) {
    const modeler = wb.modeler();
    const modeling = modeler.get("modeling");
    const moddle = modeler.get("moddle");
    const bo = element.businessObject;
    let { ext, found } = calledDecision(bo);
    if (!ext) {
      if (!value) { return; }
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = bo;
      modeling.updateProperties(element, { extensionElements: ext });
    }
    if (!value) {
      if (found) { modeling.updateModdleProperties(element, ext, { values: ext.get("values").filter(function (v) { return v !== found; }) }); }
      return;
    }
    if (found) {
      if (found.value !== value) { modeling.updateModdleProperties(element, found, { value: value }); }
      return;
    }
    const made = moddle.create("spiffworkflow:CalledDecisionId", { value: value });
    made.$parent = ext;
    modeling.updateModdleProperties(element, ext, { values: (ext.get("values") || []).concat([made]) });
  }

  wb.addSection(function (element) {
    if (element.businessObject.$type !== "bpmn:BusinessRuleTask") { return; }
    if (decisions === null) { return; }  // read once, then the panel is drawn again
    const found = calledDecision(element.businessObject).found;
    const current = found ? (found.value || "") : "";
    const select = document.createElement("select");
    wb.option(select, "", label("no-decision"), !current);
    decisions.forEach(function (d) { wb.option(select, d.id, d.name ? d.name + " (" + d.id + ")" : d.id, d.id === current); });
    if (current && !decisions.some(function (d) { return d.id === current; })) {
      wb.option(select, current, current + " " + label("missing-decision"), true);
    }
    wb.field("prop-decision", label("decision"), select, label("decision-hint"));
    select.addEventListener("change", function () { setDecision(element, select.value); });
  });
  // the tables are read once: they change on their own page, not on this one
  readDecisions();
})();
