// A decision table in dmn-js (templates/web/_decision_table_editor.html): the Modeler's decision table
// view on a DMN file, saved through the JSON API on the version the page read it at (If-Match): a draft's
// file on the draft's revision ("draft" mode), or a discretion benchmark item with its ETag ("benchmark"
// mode). A stale save (412) keeps the author's table on screen and offers to download it and to reload
// the table as saved: nothing is lost silently. Where the page may not change it, the Viewer shows it.
// dmn-js's own words come from the page (its `translate` service), as static/workbench-editor.js does for
// bpmn-js.
(function () {
  "use strict";

  const root = document.getElementById("dmn-editor");
  if (!root || !window.DmnJS || !window.fetch) { return; }

  const csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  const mode = root.getAttribute("data-mode");
  const editable = root.getAttribute("data-editable") === "1";
  const path = root.getAttribute("data-path");
  const status = root.querySelector('[data-testid="dmn-status"]');
  const saveButton = root.querySelector('[data-testid="dmn-save"]');
  const undoButton = root.querySelector('[data-testid="dmn-undo"]');
  const redoButton = root.querySelector('[data-testid="dmn-redo"]');
  const conflict = root.querySelector('[data-testid="dmn-conflict"]');
  const problemCount = document.querySelector('[data-testid="dmn-problem-count"]');
  const problemList = document.querySelector('[data-testid="dmn-problems"]');
  const revisionShown = document.querySelector('[data-testid="draft-revision"]');

  let revision = parseInt(root.getAttribute("data-revision"), 10) || null;
  let etag = root.getAttribute("data-etag") || null;
  let dirty = false;
  let loaded = false;

  function label(name, values) {
    let text = root.getAttribute("data-label-" + name) || name;
    Object.keys(values || {}).forEach(function (key) { text = text.split("{" + key + "}").join(String(values[key])); });
    return text;
  }

  function say(text, kind) {
    status.textContent = text;
    status.className = "editor-status" + (kind ? " is-" + kind : "");
  }

  function reasons(answer) {
    let said = [];
    Object.keys((answer && answer.errors) || {}).forEach(function (key) {
      said = said.concat(answer.errors[key].map(function (m) { return key === "content" ? m : key + ": " + m; }));
    });
    return said.length ? said.join("；") : ((answer && answer.message) || "");
  }

  function api(url, options) {
    // the API answers in the page's language (the problems, a refusal's reasons)
    const headers = Object.assign({ "X-CSRFToken": csrf, "X-Requested-With": "fetch",
                                    "Accept-Language": document.documentElement.lang || "zh-CN" },
                                  (options && options.headers) || {});
    return fetch(url, Object.assign({ credentials: "same-origin" }, options || {}, { headers: headers }));
  }

  function setRevision(value) {
    revision = value;
    if (revisionShown) { revisionShown.textContent = String(value); }
  }

  // dmn-js's own words in the page's language
  const words = JSON.parse(root.getAttribute("data-dmn-words") || "{}");
  function translate(template, replacements) {
    const values = replacements || {};
    return (words[template] || template).replace(/{([^}]+)}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }
  const translation = { translate: ["value", translate] };
  // The page shows the file's decision table only (SpiffWorkflow reads one decision per file): no
  // button to the requirements diagram (DRD), which is never opened. dmn-js writes its bpmn.io logo
  // with inline styles, which the Content-Security-Policy refuses: the same logo, linking to bpmn.io
  // as its license requires, is drawn by `watermark` below and placed by web.css.
  const tableOnly = { viewDrd: ["value", {}], poweredBy: ["value", {}] };

  // SpiffWorkflow evaluates every cell as a Python expression (engine/decisions.py), not FEEL: the
  // cells are edited as text (dmn-js's FEEL editor, CodeMirror, also writes <style> elements the
  // Content-Security-Policy refuses).
  const python = { options: [{ value: "python", label: "Python" }], defaults: { editor: "python" } };

  const modeler = new window.DmnJS({
    container: root.querySelector(".dmn-canvas"),
    common: { expressionLanguages: python },
    drd: { additionalModules: [translation] },
    decisionTable: { additionalModules: [translation, tableOnly] }
  });

  const SVG = "http://www.w3.org/2000/svg";
  const LOGO = [
    "M1.88.92v.14c0 .41-.13.68-.4.8.33.14.46.44.46.86v.33c0 .61-.33.95-.95.95H0V0h.95c.65 0 .93.3.93.92zM.63.57v1.06h.24c.24 0 .38-.1.38-.43V.98c0-.28-.1-.4-.32-.4zm0 1.63v1.22h.36c.2 0 .32-.1.32-.39v-.35c0-.37-.12-.48-.4-.48H.63zM4.18.99v.52c0 .64-.31.98-.94.98h-.3V4h-.62V0h.92c.63 0 .94.35.94.99zM2.94.57v1.35h.3c.2 0 .3-.09.3-.37v-.6c0-.29-.1-.38-.3-.38h-.3zm2.89 2.27L6.25 0h.88v4h-.6V1.12L6.1 3.99h-.6l-.46-2.82v2.82h-.55V0h.87zM8.14 1.1V4h-.56V0h.79L9 2.4V0h.56v4h-.64zm2.49 2.29v.6h-.6v-.6zM12.12 1c0-.63.33-1 .95-1 .61 0 .95.37.95 1v2.04c0 .64-.34 1-.95 1-.62 0-.95-.37-.95-1zm.62 2.08c0 .28.13.39.33.39s.32-.1.32-.4V.98c0-.29-.12-.4-.32-.4s-.33.11-.33.4z",
    "M0 4.53h14.02v1.04H0zM11.08 0h.63v.62h-.63zm.63 4V1h-.63v2.98z"
  ];
  function watermark(container) {
    const link = document.createElement("a");
    link.href = "https://bpmn.io";
    link.target = "_blank";
    link.rel = "noopener";
    link.className = "bjs-powered-by dmn-powered-by";
    link.title = "Powered by bpmn.io";
    link.setAttribute("data-testid", "dmn-powered-by");
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 14.02 5.57");
    svg.setAttribute("width", "53");
    svg.setAttribute("height", "21");
    svg.setAttribute("aria-hidden", "true");
    LOGO.forEach(function (d) {
      const shape = document.createElementNS(SVG, "path");
      shape.setAttribute("fill", "#000000");
      shape.setAttribute("d", d);
      svg.appendChild(shape);
    });
    link.appendChild(svg);
    const words = document.createElement("span");
    words.className = "visually-hidden";
    words.textContent = "bpmn.io";
    link.appendChild(words);
    container.appendChild(link);
  }
  watermark(root.querySelector(".dmn-canvas"));

  function activeStack() {
    const viewer = modeler.getActiveViewer();
    try { return viewer && viewer.get("commandStack"); } catch (err) { return null; }
  }

  function updateButtons() {
    if (!editable) { return; }
    const stack = activeStack();
    undoButton.disabled = !(stack && stack.canUndo());
    redoButton.disabled = !(stack && stack.canRedo());
  }

  // the decision table of the file's (one) decision, as SpiffWorkflow reads it
  function openTable() {
    const view = modeler.getViews().find(function (v) { return v.type === "decisionTable"; });
    return view ? modeler.open(view) : Promise.resolve();
  }

  function watch() {
    const viewer = modeler.getActiveViewer();
    if (!viewer || viewer.__watched) { return; }
    viewer.__watched = true;
    viewer.get("eventBus").on("elements.changed", function () {
      if (!loaded) { return; }
      dirty = true;
      say(label("dirty"), "warn");
      updateButtons();
    });
  }

  function load() {
    say(label("loading"));
    return api(root.getAttribute("data-load-url")).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      const found = /"draft-r(\d+)"/.exec(response.headers.get("ETag") || "");
      if (mode === "draft" && found) { setRevision(parseInt(found[1], 10)); }
      if (mode === "benchmark") { etag = response.headers.get("ETag"); }
      return response.text();
    }).then(function (xml) {
      loaded = false;
      return modeler.importXML(xml, { open: false });
    }).then(openTable).then(function () {
      watch();
      const table = root.querySelector(".tjs-table");
      if (table) { table.setAttribute("aria-label", label("canvas")); }
      loaded = true;
      dirty = false;
      updateButtons();
      if (saveButton) { saveButton.disabled = false; }
      say("");
      return loadProblems();
    }).catch(function (err) {
      say(label("load-failed") + " " + err.message, "error");
    });
  }

  // the draft's problems in this table (the deploy's own checks: drafts.problems)
  function loadProblems() {
    if (!problemList) { return Promise.resolve(); }
    return api(root.getAttribute("data-problems-url")).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) { throw new Error(reasons(answer) || String(response.status)); }
        const mine = (answer.problems || []).filter(function (p) { return p.file === path; });
        problemList.textContent = "";
        mine.forEach(function (p) {
          const li = document.createElement("li");
          li.setAttribute("data-testid", "dmn-problem");
          li.textContent = p.message + (p.line ? " " + label("line", { line: p.line }) : "");
          problemList.appendChild(li);
        });
        problemCount.textContent = mine.length ? label("problems", { count: mine.length }) : label("no-problems");
      });
    }).catch(function (err) {
      problemCount.textContent = label("problems-failed") + " " + err.message;
    });
  }

  function offer(text, name) {
    const url = URL.createObjectURL(new Blob([text], { type: "application/xml" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function put(xml) {
    if (mode === "draft") {
      return api(root.getAttribute("data-save-url"), {
        method: "PUT",
        headers: { "Content-Type": "application/json", "If-Match": '"draft-r' + revision + '"' },
        body: JSON.stringify({ path: path, content: xml })
      });
    }
    return api(root.getAttribute("data-save-url"), {
      method: "PUT",
      headers: Object.assign({ "Content-Type": "application/json" }, etag ? { "If-Match": etag } : {}),
      body: JSON.stringify({ content: xml })
    });
  }

  function save() {
    if (!loaded) { return Promise.resolve(); }
    saveButton.disabled = true;
    say(label("saving"));
    return modeler.saveXML({ format: true }).then(function (result) {
      return put(result.xml).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (response.status === 200) {
            const before = mode === "draft" ? revision : etag;
            if (mode === "draft") { setRevision(answer.revision); } else { etag = response.headers.get("ETag"); }
            dirty = false;
            conflict.hidden = true;
            say((mode === "draft" ? revision : etag) !== before ? label("saved") : label("unchanged"), "ok");
            return loadProblems();
          }
          if (response.status === 412) {
            const now = answer.details && (answer.details.revision || answer.details.etag);
            conflict.hidden = false;
            conflict.querySelector('[data-testid="dmn-conflict-message"]').textContent =
              label("conflict", { revision: now || "?" });
            say(label("dirty"), "warn");
            return null;
          }
          say(label("failed") + " " + (reasons(answer) || response.status), "error");
          return null;
        });
      });
    }).catch(function (err) {
      say(label("failed") + " " + err.message, "error");
    }).then(function () {
      saveButton.disabled = false;
    });
  }

  if (editable) {
    saveButton.addEventListener("click", save);
    undoButton.addEventListener("click", function () { const s = activeStack(); if (s) { s.undo(); } });
    redoButton.addEventListener("click", function () { const s = activeStack(); if (s) { s.redo(); } });
    conflict.querySelector('[data-testid="dmn-download-mine"]').addEventListener("click", function () {
      modeler.saveXML({ format: true }).then(function (result) {
        offer(result.xml, root.getAttribute("data-file-name").replace(/\.dmn$/, "-mine.dmn"));
      });
    });
    conflict.querySelector('[data-testid="dmn-reload"]').addEventListener("click", function () {
      load().then(function () {
        conflict.hidden = true;
        say(label("reloaded"), "ok");
      });
    });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });
  }
  modeler.on("views.changed", function () { watch(); updateButtons(); });
  load();
})();
