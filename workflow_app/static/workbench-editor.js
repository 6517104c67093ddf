// The workbench's editor (templates/web/workbench_draft.html): the bpmn-js Modeler on the draft's
// main BPMN, a properties panel of our own (name; a user task's form, deadline and milestone; a
// lane's role), the deploy's problems on the elements, saving through the JSON API on the revision
// the diagram was loaded at (If-Match). A stale save (412) keeps the author's diagram on screen and
// offers to download it and to reload the draft as saved: nothing is lost silently.
// Our extension properties (spiffworkflow:properties / spiffworkflow:property) are read and written
// through a moddle descriptor of our own (static/spiffworkflow-moddle.json).
(function () {
  "use strict";

  const root = document.getElementById("workbench");
  if (!root || !window.BpmnJS || !window.fetch) { return; }

  const csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  const forms = JSON.parse(root.getAttribute("data-forms") || "[]");
  const roles = JSON.parse(root.getAttribute("data-roles") || "{}");  // code -> the lane name the BPMN writes
  const roleLabels = JSON.parse(root.getAttribute("data-role-labels") || "{}");  // code -> the reader's words
  const typeLabels = JSON.parse(root.getAttribute("data-type-labels") || "{}");  // bpmn type -> the reader's words
  const HUMAN = ["bpmn:UserTask", "bpmn:ManualTask", "bpmn:Task"];
  const status = root.querySelector('[data-testid="save-status"]');
  const saveButton = root.querySelector('[data-testid="save"]');
  const undoButton = root.querySelector('[data-testid="undo"]');
  const redoButton = root.querySelector('[data-testid="redo"]');
  const conflict = root.querySelector('[data-testid="conflict"]');
  const panel = root.querySelector(".properties-body");
  const problemCount = document.querySelector('[data-testid="problems-panel"] [data-testid="problem-count"]');
  const problemList = document.querySelector('[data-testid="problems-panel"] [data-testid="problems"]');
  const submitForm = document.querySelector('[data-testid="submit-form"]');
  const revisionShown = document.querySelector('[data-testid="draft-revision"]');

  let revision = parseInt(root.getAttribute("data-revision"), 10);
  let dirty = false;
  let loaded = false;
  let modeler = null;
  const sections = [];  // the panel's further parts (other scripts: ZhifaWorkbench.addSection)
  const staged = {};  // path -> text: other files of the draft changed on this page, saved with the diagram
  const listeners = { loaded: [], saved: [] };
  let catalogueAnswer = null;

  function label(name, values) {
    let text = root.getAttribute("data-label-" + name) || name;
    Object.keys(values || {}).forEach(function (key) { text = text.split("{" + key + "}").join(String(values[key])); });
    return text;
  }

  function say(text, kind) {
    status.textContent = text;
    status.className = "editor-status" + (kind ? " is-" + kind : "");
  }

  function setRevision(value) {
    revision = value;
    if (revisionShown) { revisionShown.textContent = String(value); }
    const hidden = submitForm && submitForm.querySelector('input[name="revision"]');
    if (hidden) { hidden.value = String(value); }
  }

  function revisionOf(response) {
    const found = /"draft-r(\d+)"/.exec(response.headers.get("ETag") || "");
    return found ? parseInt(found[1], 10) : null;
  }

  function reasons(answer) {
    let said = [];
    Object.keys((answer && answer.errors) || {}).forEach(function (key) { said = said.concat(answer.errors[key]); });
    return said.length ? said.join("；") : ((answer && answer.message) || "");
  }

  function api(url, options) {
    // the API answers in the page's language (its messages: the problems, a refusal's reasons)
    const headers = Object.assign({ "X-CSRFToken": csrf, "X-Requested-With": "fetch",
                                    "Accept-Language": document.documentElement.lang || "zh-CN" },
                                  (options && options.headers) || {});
    return fetch(url, Object.assign({ credentials: "same-origin" }, options || {}, { headers: headers }));
  }

  // -- the properties panel ------------------------------------------------------------------------
  function properties(bo) {
    const ext = bo.get("extensionElements");
    const holder = ext && (ext.get("values") || []).find(function (v) { return v.$instanceOf("spiffworkflow:Properties"); });
    return { ext: ext, holder: holder, list: holder ? holder.get("properties") : [] };
  }

  function propertyOf(element, name) {
    const found = properties(element.businessObject).list.find(function (p) { return p.name === name; });
    return found ? (found.value || "") : "";
  }

  function setProperty(element, name, value) {
    const modeling = modeler.get("modeling");
    const moddle = modeler.get("moddle");
    const bo = element.businessObject;
    value = (value || "").trim();
    let ext = bo.get("extensionElements");
    if (!ext) {
      if (!value) { return; }
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = bo;
      modeling.updateProperties(element, { extensionElements: ext });
    }
    let holder = properties(bo).holder;
    if (!holder) {
      if (!value) { return; }
      holder = moddle.create("spiffworkflow:Properties", { properties: [] });
      holder.$parent = ext;
      modeling.updateModdleProperties(element, ext, { values: (ext.get("values") || []).concat([holder]) });
    }
    const list = holder.get("properties");
    const found = list.find(function (p) { return p.name === name; });
    if (!value) {
      if (found) { modeling.updateModdleProperties(element, holder, { properties: list.filter(function (p) { return p !== found; }) }); }
      return;
    }
    if (found) {
      if (found.value !== value) { modeling.updateModdleProperties(element, found, { value: value }); }
      return;
    }
    const made = moddle.create("spiffworkflow:Property", { name: name, value: value });
    made.$parent = holder;
    modeling.updateModdleProperties(element, holder, { properties: list.concat([made]) });
  }

  function field(id, text, control, hint) {
    const wrap = document.createElement("div");
    wrap.className = "field";
    const lab = document.createElement("label");
    lab.htmlFor = id;
    lab.textContent = text;
    control.id = id;
    wrap.appendChild(lab);
    wrap.appendChild(control);
    if (hint) {
      const p = document.createElement("p");
      p.className = "hint";
      p.id = id + "-hint";
      p.textContent = hint;
      control.setAttribute("aria-describedby", p.id);
      wrap.appendChild(p);
    }
    panel.appendChild(wrap);
    return control;
  }

  function input(value) {
    const el = document.createElement("input");
    el.type = "text";
    el.value = value || "";
    return el;
  }

  function option(select, value, text, selected) {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    if (selected) { o.selected = true; }
    select.appendChild(o);
  }

  function roleOf(name) {
    const n = (name || "").trim();
    return Object.keys(roles).find(function (code) { return code === n || roles[code] === n; }) || null;
  }

  function renderPanel() {
    panel.textContent = "";
    if (!modeler) { return; }
    const selected = modeler.get("selection").get();
    const element = selected.length === 1 ? selected[0] : null;
    if (!element || element.type === "label") {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = label("pick");
      panel.appendChild(p);
      return;
    }
    const bo = element.businessObject;
    panel.setAttribute("data-element-id", element.id);
    const head = document.createElement("p");
    const code = document.createElement("code");
    code.textContent = element.id;
    code.setAttribute("data-testid", "selected-id");
    const type = bo.$type.replace("bpmn:", "");
    head.appendChild(document.createTextNode((typeLabels[type] || type) + " "));
    head.appendChild(code);
    panel.appendChild(head);
    const modeling = modeler.get("modeling");

    if (bo.$type === "bpmn:Lane") {
      const select = document.createElement("select");
      const current = roleOf(bo.name);
      if (!current) { option(select, "", label("not-a-role", { name: bo.name || "" }), true); }
      Object.keys(roles).forEach(function (c) { option(select, c, roleLabels[c] || c, c === current); });
      field("prop-role", label("role"), select);
      select.addEventListener("change", function () {
        if (select.value) { modeling.updateLabel(element, roles[select.value]); }
      });
      return;
    }

    const name = field("prop-name", label("name"), input(bo.name));
    name.addEventListener("change", function () {
      if ((bo.name || "") === name.value) { return; }
      if (element === modeler.get("canvas").getRootElement()) {
        modeling.updateProperties(element, { name: name.value });
      } else {
        modeling.updateLabel(element, name.value);
      }
    });

    if (HUMAN.indexOf(bo.$type) >= 0) {
      const key = propertyOf(element, "formKey");
      const select = document.createElement("select");
      option(select, "", label("no-form"), !key);
      forms.forEach(function (f) { option(select, f, f, f === key); });
      if (key && forms.indexOf(key) < 0) { option(select, key, key + " " + label("missing-form"), true); }
      field("prop-form", label("form"), select);
      select.addEventListener("change", function () { setProperty(element, "formKey", select.value); });
    }
    if (bo.$instanceOf("bpmn:Activity")) {
      const deadline = field("prop-deadline", label("deadline"), input(propertyOf(element, "deadline")), label("deadline-hint"));
      deadline.addEventListener("change", function () { setProperty(element, "deadline", deadline.value); });
      const milestone = field("prop-milestone", label("milestone"), input(propertyOf(element, "milestone")), label("milestone-hint"));
      milestone.addEventListener("change", function () { setProperty(element, "milestone", milestone.value); });
    }
    sections.forEach(function (section) {
      try {
        section(element, panel);
      } catch (err) {
        if (window.console) { console.warn("workbench section:", err); }
      }
    });
  }

  // -- the problems ---------------------------------------------------------------------------------
  function centre(element) {
    const canvas = modeler.get("canvas");
    const box = canvas.viewbox();
    const x = element.x + (element.width || 0) / 2;
    const y = element.y + (element.height || 0) / 2;
    canvas.viewbox({ x: x - box.width / 2, y: y - box.height / 2, width: box.width, height: box.height });
  }

  function showProblems(answer) {
    const canvas = modeler.get("canvas");
    const overlays = modeler.get("overlays");
    const registry = modeler.get("elementRegistry");
    overlays.remove({ type: "problem" });
    registry.forEach(function (el) { canvas.removeMarker(el, "has-problem"); });
    problemList.textContent = "";
    const items = answer.problems || [];
    problemCount.textContent = answer.problem_count ? label("problems", { count: answer.problem_count }) : label("no-problems");
    problemCount.classList.toggle("errors", !!answer.problem_count);
    const badged = {};
    items.forEach(function (problem) {
      const li = document.createElement("li");
      const element = problem.element_id ? registry.get(problem.element_id) : null;
      li.setAttribute("data-element-id", problem.element_id || "");
      let where = problem.file ? " (" + problem.file + (problem.line ? ":" + problem.line : "") + ")" : "";
      if (element) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "link-button";
        button.setAttribute("data-testid", "problem");
        button.textContent = problem.message;
        button.addEventListener("click", function () {
          modeler.get("selection").select(element);
          centre(element);
        });
        li.appendChild(button);
        where = " " + problem.element_id + where;
        canvas.addMarker(element, "has-problem");
        if (!badged[element.id]) {
          badged[element.id] = true;
          const badge = document.createElement("span");
          badge.className = "problem-badge";
          badge.setAttribute("data-testid", "problem-badge");
          badge.title = problem.message;
          badge.textContent = "!";
          overlays.add(element, "problem", { position: { top: -8, right: 8 }, html: badge });
        }
      } else {
        li.appendChild(document.createTextNode(problem.message));
      }
      const small = document.createElement("span");
      small.className = "muted";
      small.textContent = where;
      li.appendChild(small);
      problemList.appendChild(li);
    });
  }

  function loadProblems() {
    return api(root.getAttribute("data-problems-url")).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) { throw new Error(reasons(answer) || String(response.status)); }
        showProblems(answer);
      });
    }).catch(function (err) {
      problemCount.textContent = label("problems-failed") + " " + err.message;
    });
  }

  // -- loading and saving -----------------------------------------------------------------------------
  function load() {
    say(label("loading"));
    return api(root.getAttribute("data-file-url")).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      const at = revisionOf(response);
      return response.text().then(function (xml) {
        return modeler.importXML(xml).then(function () {
          modeler.get("canvas").zoom("fit-viewport");
          if (at !== null) { setRevision(at); }
          dirty = false;
          loaded = true;
          saveButton.disabled = false;
          renderPanel();
          updateButtons();
          say("");
          listeners.loaded.forEach(function (fn) { fn(revision); });
          return loadProblems();
        });
      });
    });
  }

  function updateButtons() {
    const stack = modeler.get("commandStack");
    undoButton.disabled = !stack.canUndo();
    redoButton.disabled = !stack.canRedo();
  }

  function offer(text, type, name) {
    const url = URL.createObjectURL(new Blob([text], { type: type }));
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  // the author's unsaved work: the diagram and every other file changed on this page
  function download() {
    modeler.saveXML({ format: true }).then(function (result) {
      offer(result.xml, "application/xml", root.getAttribute("data-process-id") + "-mine.bpmn");
      Object.keys(staged).forEach(function (path) {
        offer(staged[path], "application/json", path.split("/").pop().replace(/(\.[a-z]+)$/, "-mine$1"));
      });
    });
  }

  // One file of the draft on the revision the page holds: true when saved (the revision moves on),
  // false when refused (the reason said; on a stale revision, the conflict banner).
  function putFile(path, content) {
    return api(root.getAttribute("data-save-url"), {
      method: "PUT",
      headers: { "Content-Type": "application/json", "If-Match": '"draft-r' + revision + '"' },
      body: JSON.stringify({ path: path, content: content })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (response.status === 200) {
          setRevision(answer.revision);
          return true;
        }
        if (response.status === 412 && answer.details && answer.details.revision) {
          conflict.hidden = false;
          conflict.querySelector('[data-testid="conflict-message"]').textContent =
            label("conflict", { revision: answer.details.revision });
          say(label("dirty"), "warn");
          return false;
        }
        say(label("failed") + " " + path + ": " + (reasons(answer) || response.status), "error");
        return false;
      });
    });
  }

  // The diagram, then each other file a section changed (the rule bindings, …), in turn: one Save for
  // the author, each file on the revision the one before it left.
  function save() {
    if (!loaded) { return Promise.resolve(); }
    saveButton.disabled = true;
    say(label("saving"));
    const before = revision;
    return modeler.saveXML({ format: true }).then(function (result) {
      return putFile(root.getAttribute("data-main-path"), result.xml);
    }).then(function (ok) {
      let chain = Promise.resolve(ok);
      Object.keys(staged).forEach(function (path) {
        chain = chain.then(function (okSoFar) {
          if (!okSoFar) { return false; }
          const content = staged[path];
          return putFile(path, content).then(function (saved) {
            if (saved && staged[path] === content) { delete staged[path]; }
            return saved;
          });
        });
      });
      return chain;
    }).then(function (ok) {
      if (!ok) { return null; }
      dirty = false;
      conflict.hidden = true;
      say(revision !== before ? label("saved", { revision: revision }) : label("unchanged"), "ok");
      listeners.saved.forEach(function (fn) { fn(revision); });
      return loadProblems();
    }).catch(function (err) {
      say(label("failed") + " " + err.message, "error");
    }).then(function () {
      saveButton.disabled = false;
    });
  }

  // bpmn-js's own words (palette, context pad) in the page's language: its `translate` service
  const words = JSON.parse(root.getAttribute("data-bpmn-words") || "{}");
  function translate(template, replacements) {
    const values = replacements || {};
    return (words[template] || template).replace(/{([^}]+)}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function start(descriptor) {
    modeler = new window.BpmnJS({
      container: root.querySelector(".modeler-canvas"),
      moddleExtensions: { spiffworkflow: descriptor },
      additionalModules: [{ translate: ["value", translate] }]
    });
    const svg = root.querySelector(".modeler-canvas svg");
    if (svg) {
      svg.setAttribute("role", "application");
      svg.setAttribute("aria-label", label("canvas"));
    }
    const bus = modeler.get("eventBus");
    bus.on("selection.changed", renderPanel);
    bus.on("commandStack.changed", function () {
      if (!loaded) { return; }
      dirty = true;
      say(label("dirty"), "warn");
      updateButtons();
      // a change made in the panel keeps its fields (and the focus) as they are; one made on the
      // canvas, or undone, shows the element's properties anew
      if (!panel.contains(document.activeElement)) { renderPanel(); }
    });
    saveButton.addEventListener("click", save);
    undoButton.addEventListener("click", function () { modeler.get("commandStack").undo(); });
    redoButton.addEventListener("click", function () { modeler.get("commandStack").redo(); });
    conflict.querySelector('[data-testid="download-mine"]').addEventListener("click", download);
    conflict.querySelector('[data-testid="reload"]').addEventListener("click", function () {
      loaded = false;
      Object.keys(staged).forEach(function (path) { delete staged[path]; });  // downloaded first, if the author chose
      load().then(function () {
        conflict.hidden = true;
        say(label("reloaded", { revision: revision }), "ok");
      });
    });
    if (submitForm) {
      submitForm.addEventListener("submit", function (event) {
        if (dirty) {
          event.preventDefault();
          say(label("save-first"), "warn");
          saveButton.focus();
        }
      });
    }
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });
    return load();
  }

  // What other scripts of the page (the rule bindings' section, …) build on: the panel, the modeler,
  // the draft's catalogue (its forms' fields, the rule kinds, the roles: api/drafts.py), its other
  // files saved with the diagram on the one revision the page holds.
  window.ZhifaWorkbench = {
    addSection: function (fn) { sections.push(fn); if (modeler) { renderPanel(); } },
    modeler: function () { return modeler; },
    api: api,
    label: label,
    field: field,
    input: input,
    option: option,
    propertyOf: propertyOf,
    setProperty: setProperty,
    roleOf: roleOf,
    revision: function () { return revision; },
    render: function () { renderPanel(); },
    // a file of the draft as this page last read or changed it; null when the draft has none
    readFile: function (path) {
      if (Object.prototype.hasOwnProperty.call(staged, path)) { return Promise.resolve(staged[path]); }
      const url = root.getAttribute("data-file-url").replace(/path=[^&]*/, "path=" + encodeURIComponent(path));
      return api(url).then(function (response) {
        if (response.status === 404) { return null; }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      });
    },
    // change another file of the draft: saved with the diagram by the Save button
    stage: function (path, text) {
      staged[path] = text;
      dirty = true;
      say(label("dirty"), "warn");
    },
    catalogue: function (fresh) {
      if (!catalogueAnswer || fresh) {
        catalogueAnswer = api(root.getAttribute("data-catalogue-url")).then(function (response) {
          return response.json().then(function (answer) {
            if (!response.ok) { throw new Error(reasons(answer) || String(response.status)); }
            return answer;
          });
        });
      }
      return catalogueAnswer;
    },
    on: function (event, fn) { (listeners[event] || []).push(fn); }
  };

  fetch(root.getAttribute("data-moddle-url"), { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(start)
    .catch(function (err) {
      if (window.console) { console.warn("workbench:", err); }
      say(label("load-failed") + " " + err.message, "error");
    });
})();
