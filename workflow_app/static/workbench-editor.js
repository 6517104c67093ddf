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

  const C = window.ZhifaCommon;
  function label(name, values) { return C.label(root, name, values); }

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

  const reasons = C.reasons;
  const api = C.api;

  // -- the properties panel ------------------------------------------------------------------------
  // What a procedure package says on its elements, chosen from lists in the author's words: the
  // step's form, its statutory deadline (built in the deadline grammar and read back by the server
  // as the procedure page will say it), the milestone it reaches, legal review, a referral's parts,
  // messages and who delivers them, timers within the engine's limits, a lane's role, the process's
  // kind and first status. The server decides what is offered and what the deploy would refuse
  // (POST …/deadline-check, …/timer-check); every change is one modeling command (undo and redo).
  const panelData = JSON.parse(root.getAttribute("data-panel") || "{}");
  const formTitles = panelData.form_titles || {};
  const CHECK_DELAY = 300;  // ms of quiet before the server reads a typed value back
  const CATCHES_MESSAGE = ["bpmn:IntermediateCatchEvent", "bpmn:BoundaryEvent"];
  let panelRun = 0;  // each rendering of the panel: an answer for an older one is dropped
  let changeHandlerOf = null;  // the modeler our compound command is registered with
  let lastDeadlineAnswer = null;  // the server's last reading of a deadline: drawn at once when its element is shown again
  const opened = {};  // "<element id> <part>" -> an "advanced" part the author opened: open again when the panel is redrawn

  function properties(bo) {
    const ext = bo.get("extensionElements");
    const holder = ext && (ext.get("values") || []).find(function (v) { return v.$instanceOf("spiffworkflow:Properties"); });
    return { ext: ext, holder: holder, list: holder ? holder.get("properties") : [] };
  }

  // `owner`: the moddle element holding the properties when it is not the element's own (a pool's process)
  function propertyOf(element, name, owner) {
    const found = properties(owner || element.businessObject).list.find(function (p) { return p.name === name; });
    return found ? (found.value || "") : "";
  }

  // Several modeling commands as one: one undo, one redo, one "changed" for the page.
  function change(fn) {
    const stack = modeler.get("commandStack");
    if (changeHandlerOf !== modeler) {
      stack.register("zhifa.panel.change", { preExecute: function (context) { context.run(); } });
      changeHandlerOf = modeler;
    }
    stack.execute("zhifa.panel.change", { run: fn });
  }

  // a property is one line of text: control characters and lone surrogates cannot be written as XML
  function oneLine(value) {
    return String(value || "").replace(/[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(^|[^\ud800-\udbff])[\udc00-\udfff]/g,
                                       function (whole, before) { return before || ""; }).trim();
  }

  function setProperty(element, name, value, owner) {
    const bo = owner || element.businessObject;
    value = oneLine(value);
    if (propertyOf(element, name, bo) === value) { return; }
    const modeling = modeler.get("modeling");
    const moddle = modeler.get("moddle");
    change(function () {
      let ext = bo.get("extensionElements");
      if (!ext) {
        ext = moddle.create("bpmn:ExtensionElements", { values: [] });
        ext.$parent = bo;
        modeling.updateModdleProperties(element, bo, { extensionElements: ext });
      }
      let holder = properties(bo).holder;
      if (!holder) {
        holder = moddle.create("spiffworkflow:Properties", { properties: [] });
        holder.$parent = ext;
        modeling.updateModdleProperties(element, ext, { values: (ext.get("values") || []).concat([holder]) });
      }
      const list = holder.get("properties");
      const found = list.find(function (p) { return p.name === name; });
      if (!value) {
        modeling.updateModdleProperties(element, holder, { properties: list.filter(function (p) { return p !== found; }) });
      } else if (found) {
        modeling.updateModdleProperties(element, found, { value: value });
      } else {
        const made = moddle.create("spiffworkflow:Property", { name: name, value: value });
        made.$parent = holder;
        modeling.updateModdleProperties(element, holder, { properties: list.concat([made]) });
      }
    });
  }

  // several properties at once (a milestone and its companions): one command
  function setProperties(element, values, owner) {
    const names = Object.keys(values).filter(function (name) {
      return propertyOf(element, name, owner) !== oneLine(values[name]);
    });
    if (!names.length) { return; }
    change(function () { names.forEach(function (name) { setProperty(element, name, values[name], owner); }); });
  }

  // `into`: the part of the panel it goes in (the panel itself by default)
  function field(id, text, control, hint, into) {
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
    (into || panel).appendChild(wrap);
    return control;
  }

  function checkbox(id, text, checked, into) {
    const wrap = document.createElement("div");
    wrap.className = "field field-checkbox";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.id = id;
    box.checked = !!checked;
    const lab = document.createElement("label");
    lab.className = "check";
    lab.htmlFor = id;
    lab.textContent = text;
    wrap.appendChild(box);
    wrap.appendChild(lab);
    (into || panel).appendChild(wrap);
    return box;
  }

  function group(text, testid, into) {
    const set = document.createElement("fieldset");
    set.className = "panel-group";
    set.setAttribute("data-testid", testid);
    const legend = document.createElement("legend");
    legend.textContent = text;
    set.appendChild(legend);
    (into || panel).appendChild(set);
    return set;
  }

  function input(value) {
    const el = document.createElement("input");
    el.type = "text";
    el.value = value || "";
    return el;
  }

  function numberInput(value, min, max) {
    const el = document.createElement("input");
    el.type = "number";
    el.min = String(min);
    el.max = String(max);
    el.step = "1";
    el.inputMode = "numeric";
    el.value = value === null || value === undefined ? "" : String(value);
    return el;
  }

  function option(select, value, text, selected) {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    if (selected) { o.selected = true; }
    select.appendChild(o);
    return o;
  }

  function advancedPart(element, part, text, into) {
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = text;
    details.appendChild(summary);
    details.open = !!opened[element.id + " " + part];
    details.addEventListener("toggle", function () { opened[element.id + " " + part] = details.open; });
    into.appendChild(details);
    return details;
  }

  function note(testid, into, live) {
    const p = document.createElement("p");
    p.className = "hint";
    p.setAttribute("data-testid", testid);
    if (live) { p.setAttribute("aria-live", "polite"); }
    (into || panel).appendChild(p);
    return p;
  }

  // a list of what the deploy would refuse, shown beside the fields it concerns
  function problemsList(testid, into) {
    const ul = document.createElement("ul");
    ul.className = "panel-problems";
    ul.setAttribute("data-testid", testid);
    ul.setAttribute("aria-live", "polite");
    into.appendChild(ul);
    return function (messages) {
      ul.textContent = "";
      (messages || []).forEach(function (m) {
        const li = document.createElement("li");
        li.className = "field-error";
        li.textContent = m;
        ul.appendChild(li);
      });
    };
  }

  function fieldError(control, message) {
    const wrap = control.closest(".field");
    let p = wrap.querySelector(".field-error");
    if (!message) {
      if (p) { p.remove(); }
      wrap.classList.remove("has-error");
      control.removeAttribute("aria-invalid");
      return;
    }
    if (!p) {
      p = document.createElement("p");
      p.className = "field-error";
      p.id = control.id + "-error";
      wrap.appendChild(p);
    }
    p.textContent = message;
    wrap.classList.add("has-error");
    control.setAttribute("aria-invalid", "true");
    const described = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (described.indexOf(p.id) < 0) { control.setAttribute("aria-describedby", described.concat([p.id]).join(" ")); }
  }

  function roleOf(name) {
    const n = (name || "").trim();
    return Object.keys(roles).find(function (code) { return code === n || roles[code] === n; }) || null;
  }

  function formWords(key) {
    return formTitles[key] ? label("form-title", { title: formTitles[key], key: key }) : key;
  }

  function formSelect(current, emptyText) {
    const select = document.createElement("select");
    option(select, "", emptyText, !current);
    forms.forEach(function (f) { option(select, f, formWords(f), f === current); });
    if (current && forms.indexOf(current) < 0) { option(select, current, current + " " + label("missing-form"), true); }
    return select;
  }

  // the server reads a value back after a quiet moment; only the answer for the latest asking counts
  function debounced(ask, show) {
    let timer = null;
    let asked = 0;
    return function () {
      const run = panelRun;
      const mine = ++asked;
      clearTimeout(timer);
      timer = setTimeout(function () {
        ask().then(function (answer) {
          if (run === panelRun && mine === asked) { show(answer, null); }
        }).catch(function (err) {
          if (run === panelRun && mine === asked) { show(null, err); }
        });
      }, CHECK_DELAY);
    };
  }

  function postJSON(url, body) {
    return api(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (response) {
        return response.json().then(function (answer) {
          if (!response.ok) { throw new Error(reasons(answer) || String(response.status)); }
          return answer;
        });
      });
  }

  function types(bo, list) { return list.some(function (t) { return bo.$instanceOf(t); }); }

  function eventDefinition(bo, type) {
    return (bo.get("eventDefinitions") || []).find(function (d) { return d.$instanceOf(type); }) || null;
  }

  // -- the process (the canvas's own, or a pool's) --
  function processOf(element) {
    const bo = element.businessObject;
    if (bo.$instanceOf("bpmn:Participant")) { return bo.get("processRef") || null; }
    if (bo.$instanceOf("bpmn:Process")) { return bo; }
    if (bo.$instanceOf("bpmn:Collaboration")) {
      const pools = (bo.get("participants") || []).map(function (p) { return p.get("processRef"); }).filter(Boolean);
      return pools.find(function (p) { return p.get("isExecutable"); }) || pools[0] || null;
    }
    return null;
  }

  function labelParts(value) {
    const at = (value || "").indexOf("|");
    return at < 0 ? [value || "", ""] : [value.slice(0, at), value.slice(at + 1)];
  }

  // "中文" or "中文|English": null when the deploy would refuse it
  function joinedLabel(zh, en) {
    zh = zh.trim();
    en = en.trim();
    if ((!zh && en) || zh.indexOf("|") >= 0 || en.indexOf("|") >= 0) { return null; }
    const value = en ? zh + "|" + en : zh;
    return value.length > 64 ? null : value;
  }

  function labelPair(element, owner, name, ids, texts, into, hint) {
    const parts = labelParts(propertyOf(element, name, owner));
    const zh = field(ids[0], texts[0], input(parts[0]), hint, into);
    const en = field(ids[1], texts[1], input(parts[1]), null, into);
    zh.lang = "zh-CN";
    en.lang = "en";
    function save() {
      const value = joinedLabel(zh.value, en.value);
      fieldError(zh, value === null ? label("label-invalid") : "");
      if (value !== null) { setProperty(element, name, value, owner); }
    }
    zh.addEventListener("change", save);
    en.addEventListener("change", save);
    return [zh, en];
  }

  function panelProcess(element, process) {
    const box = group(label("procedure"), "process-section");
    const modeling = modeler.get("modeling");
    const name = field("prop-process-name", label("procedure-name"), input(process.get("name")), null, box);
    name.addEventListener("change", function () {
      if ((process.get("name") || "") !== name.value) { modeling.updateModdleProperties(element, process, { name: name.value }); }
    });
    const kind = document.createElement("select");
    const current = propertyOf(element, "procedureKind", process) || panelData.default_kind;
    (panelData.procedure_kinds || []).forEach(function (k) { option(kind, k.code, k.words, k.code === current); });
    field("prop-procedure-kind", label("procedure-kind"), kind, null, box);
    kind.addEventListener("change", function () { setProperty(element, "procedureKind", kind.value, process); });
    labelPair(element, process, "statusLabel", ["prop-initial-label-zh", "prop-initial-label-en"],
              [label("initial-label-zh"), label("initial-label-en")], box);
  }

  // -- a step's form, legal review and referral part --
  function panelForm(element) {
    const key = propertyOf(element, "formKey");
    const select = formSelect(key, label("no-form"));
    const box = document.createElement("div");
    panel.appendChild(box);
    field("prop-form", label("form"), select, null, box);
    const chosen = note("form-title", box);
    function show() { chosen.textContent = select.value ? label("form-chosen", { title: formTitles[select.value] || select.value }) : ""; }
    show();
    select.addEventListener("change", function () { setProperty(element, "formKey", select.value); show(); });
    const p = document.createElement("p");
    const a = document.createElement("a");
    a.href = root.getAttribute("data-new-form-url") + "?step=" + encodeURIComponent(element.id);
    a.textContent = label("new-form");
    a.setAttribute("data-testid", "new-form-link");
    p.appendChild(a);
    box.appendChild(p);
  }

  function panelLegalReview(element) {
    const review = checkbox("prop-legal-review", label("legal-review"), propertyOf(element, "legalReview") === "true");
    const report = formSelect(propertyOf(element, "reviewedReport"), label("no-report"));
    field("prop-reviewed-report", label("reviewed-report"), report);
    report.disabled = !review.checked;
    review.addEventListener("change", function () {
      report.disabled = !review.checked;
      // a report is read only at the legal review: it goes when the marker goes
      setProperties(element, review.checked ? { legalReview: "true" } : { legalReview: "", reviewedReport: "" });
      if (!review.checked) { report.value = ""; }
    });
    report.addEventListener("change", function () { setProperty(element, "reviewedReport", report.value); });
  }

  function panelCrossDepartment(element, onlyFeedback) {
    const current = propertyOf(element, "crossDepartment");
    const select = document.createElement("select");
    option(select, "", label("no-cross-department"), !current);
    let known = false;
    (panelData.cross_department || []).forEach(function (c) {
      if (onlyFeedback && c.code !== "referral_feedback") { return; }
      option(select, c.code, c.words, c.code === current);
      known = known || c.code === current;
    });
    if (current && !known) { option(select, current, current, true); }
    field("prop-cross-department", label("cross-department"), select);
    select.addEventListener("change", function () { setProperty(element, "crossDepartment", select.value); });
  }

  // -- the statutory deadline --
  const UNITS = ["working_days", "calendar_days", "hours"];
  const UNIT_WORDS = { working_days: ["working day", "working days"], calendar_days: ["calendar day", "calendar days"],
                       hours: ["hour", "hours"] };

  // the text in the deadline grammar (oversight/deadlines.py), or "" (no deadline) or null (not complete)
  function deadlineText(parts) {
    if (!parts.anchor) { return ""; }
    if (!/^\d{1,4}$/.test(parts.amount)) { return null; }
    const n = parseInt(parts.amount, 10);
    let text = n + " " + UNIT_WORDS[parts.unit][n === 1 ? 0 : 1] + " from " + parts.anchor;
    if (parts.unit !== "hours") {
      if (parts.excluding) { text += " excluding periods"; }
      if (parts.limit) { text += ", extendable as " + parts.limit; }
    }
    return text;
  }

  function panelDeadline(element) {
    const box = group(label("statutory-deadline"), "deadline-section");
    const status = note("deadline-status", box, true);
    status.textContent = label("checking");
    const builder = document.createElement("div");
    box.appendChild(builder);
    const words = document.createElement("p");
    words.className = "deadline-words";
    words.setAttribute("data-testid", "deadline-words");
    words.setAttribute("aria-live", "polite");
    const showProblems = problemsList("deadline-problems", box);
    box.appendChild(words);
    const advanced = advancedPart(element, "deadline", label("deadline-advanced"), box);
    const raw = field("prop-deadline", label("deadline"), input(propertyOf(element, "deadline")), label("deadline-hint"), advanced);
    const alerts = panelAlerts(element, box);
    let controls = null;

    function ask() {
      return modeler.saveXML({ format: false }).then(function (result) {
        return postJSON(root.getAttribute("data-deadline-check-url"),
                        { element_id: element.id, deadline: propertyOf(element, "deadline"), bpmn: result.xml });
      });
    }
    function show(answer, err) {
      if (err) {
        status.textContent = label("check-failed") + " " + err.message;
        return;
      }
      status.textContent = "";
      lastDeadlineAnswer = answer;
      // what may be chosen follows the diagram: built anew when it changed (not under the author's hands)
      const offer = JSON.stringify([answer.anchors, answer.limits]);
      if (!controls || (controls.offer !== offer && !builder.contains(document.activeElement))) {
        builder.textContent = "";
        controls = buildDeadline(element, builder, answer, written);
        controls.offer = offer;
      }
      controls.fill(answer.parsed);
      words.textContent = answer.words ? label("deadline-words") + " " + answer.words : "";
      showProblems(answer.problems);
      alerts.enable(!!propertyOf(element, "deadline"));
    }
    const check = debounced(ask, show);
    // the panel drawn again for the same element (after a change on the canvas, an undo): the last
    // answer at once, so nothing flickers, until the server reads the diagram as it stands now
    if (lastDeadlineAnswer && lastDeadlineAnswer.element_id === element.id &&
        lastDeadlineAnswer.text === propertyOf(element, "deadline")) {
      show(lastDeadlineAnswer, null);
    }
    function written() {
      raw.value = propertyOf(element, "deadline");
      alerts.enable(!!raw.value);
      check();
    }
    raw.addEventListener("change", function () {
      setProperty(element, "deadline", raw.value);
      written();
    });
    check();
  }

  function buildDeadline(element, into, answer, written) {
    const anchor = document.createElement("select");
    option(anchor, "", label("no-deadline"), true);
    const groups = {};  // the dates of the steps before it, the milestones before it, the step itself
    answer.anchors.forEach(function (a) {
      if (!groups[a.kind]) {
        groups[a.kind] = document.createElement("optgroup");
        groups[a.kind].label = label("anchors-" + a.kind);
        anchor.appendChild(groups[a.kind]);
      }
      const o = option(groups[a.kind], a.anchor, a.words, false);
      o.setAttribute("data-format", a.format || "");
      o.setAttribute("data-kind", a.kind);
    });
    field("prop-deadline-anchor", label("deadline-anchor"), anchor, null, into);
    const row = document.createElement("div");
    row.className = "field-row";
    into.appendChild(row);
    const amount = field("prop-deadline-amount", label("deadline-amount"), numberInput("", 0, 9999), null, row);
    const unit = document.createElement("select");
    UNITS.forEach(function (u) { option(unit, u, label("unit-" + u), u === "working_days"); });
    field("prop-deadline-unit", label("deadline-unit"), unit, null, row);
    const excluding = checkbox("prop-deadline-excluding", label("deadline-excluding"), false, into);
    const limit = document.createElement("select");
    option(limit, "", label("not-extendable"), true);
    answer.limits.forEach(function (l) { option(limit, l.limit, l.words, false); });
    field("prop-deadline-limit", label("deadline-limit"), limit, null, into);
    const hoursNote = note("deadline-hours-note", into);

    // hours run from a date and time only, and are neither extended nor spared periods (the grammar)
    function fit() {
      const hours = unit.value === "hours";
      Array.prototype.forEach.call(anchor.options, function (o) {
        o.disabled = hours && o.getAttribute("data-kind") === "form" && o.getAttribute("data-format") === "date";
      });
      excluding.disabled = hours;
      limit.disabled = hours;
      hoursNote.textContent = hours ? label("hours-need-time") : "";
      const off = !anchor.value;
      amount.disabled = off;
      unit.disabled = off;
      if (off) { excluding.disabled = true; limit.disabled = true; }
    }
    function write() {
      fit();
      const text = deadlineText({ anchor: anchor.value, amount: amount.value.trim(), unit: unit.value,
                                  excluding: excluding.checked, limit: limit.value });
      fieldError(amount, text === null ? label("deadline-amount-needed") : "");
      if (text === null) { return; }
      setProperty(element, "deadline", text);
      written();
    }
    [anchor, unit, excluding, limit].forEach(function (c) { c.addEventListener("change", write); });
    amount.addEventListener("change", write);

    function pick(select, value, makeText) {
      if (!value) { select.value = ""; return; }
      if (!Array.prototype.some.call(select.options, function (o) { return o.value === value; })) {
        const o = option(select, value, makeText(value), false);
        o.setAttribute("data-extra", "1");
      }
      select.value = value;
    }
    return {
      // the deadline as written, into the fields (a typed text, an undo): those it says, the rest as they are
      fill: function (parsed) {
        if (document.activeElement && into.contains(document.activeElement)) { fit(); return; }
        if (!parsed) {
          if (!propertyOf(element, "deadline")) { anchor.value = ""; }
          fit();
          return;
        }
        pick(anchor, parsed.anchor, function () { return label("not-earlier", { words: parsed.anchor_words }); });
        amount.value = String(parsed.amount);
        fieldError(amount, "");
        unit.value = parsed.unit;
        excluding.checked = parsed.excluding_periods;
        pick(limit, parsed.extendable_as || "", function (v) { return label("undeclared-limit", { limit: v }); });
        fit();
      }
    };
  }

  function panelAlerts(element, into) {
    const made = [["overdueAlert", "prop-overdue-alert", "overdue-alert"], ["dueSoonAlert", "prop-due-soon-alert", "due-soon-alert"]]
      .map(function (spec) {
        const current = propertyOf(element, spec[0]);
        const select = document.createElement("select");
        option(select, "", label("no-alert"), !current);
        let known = false;
        (panelData.alerts || []).forEach(function (a) {
          option(select, a.code, label("alert-title", { title: a.title, code: a.code }), a.code === current);
          known = known || a.code === current;
        });
        if (current && !known) { option(select, current, current, true); }
        field(spec[1], label(spec[2]), select, null, into);
        select.addEventListener("change", function () { setProperty(element, spec[0], select.value); });
        return select;
      });
    const hint = note("alert-hint", into);
    return {
      enable: function (on) {
        made.forEach(function (select) { select.disabled = !on && !select.value; });
        hint.textContent = on ? "" : label("alert-needs-deadline");
      }
    };
  }

  // -- the milestone --
  function usedCodes(name) {
    const codes = [];
    modeler.get("elementRegistry").forEach(function (el) {
      if (!el.businessObject || el.type === "label") { return; }
      const value = propertyOf(el, name);
      if (value && codes.indexOf(value) < 0) { codes.push(value); }
    });
    return codes.sort();
  }

  function datalist(id, values, into) {
    const list = document.createElement("datalist");
    list.id = id;
    values.forEach(function (v) { option(list, v, v, false); });
    into.appendChild(list);
    return id;
  }

  function panelMilestone(element) {
    const box = group(label("milestone"), "milestone-section");
    const pattern = new RegExp("^(?:" + (panelData.milestone_pattern || "[a-z][a-z0-9_]{0,31}") + ")$");
    const code = field("prop-milestone", label("milestone-code"), input(propertyOf(element, "milestone")),
                       label("milestone-code-hint"), box);
    code.setAttribute("list", datalist("prop-milestone-codes", usedCodes("milestone"), box));
    code.setAttribute("autocomplete", "off");
    const status = field("prop-milestone-status", label("milestone-status"), input(propertyOf(element, "status")),
                         label("milestone-status-hint"), box);
    status.setAttribute("list", datalist("prop-milestone-statuses", usedCodes("status"), box));
    status.setAttribute("autocomplete", "off");
    const names = labelPair(element, null, "statusLabel", ["prop-status-label-zh", "prop-status-label-en"],
                            [label("status-label-zh"), label("status-label-en")], box, label("status-label-hint"));
    const legacy = panelData.legacy_closes || {};
    const closesValue = propertyOf(element, "closesCase");
    const closes = checkbox("prop-closes-case", label("closes-case"),
                            closesValue ? closesValue === "true" : !!legacy[propertyOf(element, "milestone")], box);
    function enable() {
      const on = !!propertyOf(element, "milestone");
      [status, closes].concat(names).forEach(function (c) { c.disabled = !on; });
    }
    code.addEventListener("change", function () {
      const value = code.value.trim();
      fieldError(code, value && !pattern.test(value) ? label("not-a-code") : "");
      if (value && !pattern.test(value)) { return; }
      // the companions describe the milestone: they go with it
      setProperties(element, value ? { milestone: value } : { milestone: "", status: "", statusLabel: "", closesCase: "" });
      if (!value) { status.value = ""; names[0].value = ""; names[1].value = ""; closes.checked = false; }
      enable();
    });
    status.addEventListener("change", function () {
      const value = status.value.trim();
      fieldError(status, value && !pattern.test(value) ? label("not-a-code") : "");
      if (!value || pattern.test(value)) { setProperty(element, "status", value); }
    });
    closes.addEventListener("change", function () {
      // a code of the time before packages declared their milestones closes by default: say so
      setProperty(element, "closesCase", closes.checked ? "true" : (legacy[propertyOf(element, "milestone")] ? "false" : ""));
    });
    enable();
  }

  // -- messages --
  function messageHolder(bo) {
    return bo.$instanceOf("bpmn:ReceiveTask") ? bo : eventDefinition(bo, "bpmn:MessageEventDefinition");
  }

  function panelMessage(element, catches) {
    const bo = element.businessObject;
    const holder = messageHolder(bo);
    const modeling = modeler.get("modeling");
    const definitions = modeler.getDefinitions();
    const box = group(label("message"), "message-section");
    const messages = (definitions.get("rootElements") || []).filter(function (r) { return r.$instanceOf("bpmn:Message"); });
    const current = holder.get("messageRef");
    const select = document.createElement("select");
    option(select, "", label("no-message"), !current);
    messages.forEach(function (m) { option(select, m.id, m.get("name") || m.id, m === current); });
    option(select, "__new__", label("new-message"), false);
    field("prop-message", label("message"), select, null, box);
    const making = document.createElement("div");
    making.hidden = true;
    box.appendChild(making);
    const name = field("prop-message-name", label("new-message-name"), input(""), label("new-message-hint"), making);
    const create = document.createElement("button");
    create.type = "button";
    create.textContent = label("create-message");
    create.setAttribute("data-testid", "create-message");
    making.appendChild(create);

    function refer(message) {
      if (holder === bo) {
        modeling.updateProperties(element, { messageRef: message });
      } else {
        modeling.updateModdleProperties(element, holder, { messageRef: message });
      }
    }
    select.addEventListener("change", function () {
      making.hidden = select.value !== "__new__";
      if (select.value === "__new__") { name.focus(); return; }
      const chosen = messages.find(function (m) { return m.id === select.value; }) || undefined;
      if (chosen !== holder.get("messageRef")) { change(function () { refer(chosen); }); }
    });
    create.addEventListener("click", function () {
      const value = name.value.trim();
      const ok = new RegExp("^(?:" + panelData.message_pattern + ")$").test(value);
      fieldError(name, ok ? "" : label("not-a-code"));
      if (!ok) { return; }
      let message = messages.find(function (m) { return m.get("name") === value; });
      change(function () {
        if (!message) {
          let id = "msg_" + value;
          for (let n = 2; modeler.get("elementRegistry").get(id) || messages.some(function (m) { return m.id === id; }); n++) {
            id = "msg_" + value + "_" + n;
          }
          message = modeler.get("moddle").create("bpmn:Message", { id: id, name: value });
          message.$parent = definitions;
          modeling.updateModdleProperties(element, definitions, {
            rootElements: (definitions.get("rootElements") || []).concat([message]) });
        }
        refer(message);
      });
      renderPanel();
      const again = panel.querySelector("#prop-message");
      if (again) { again.focus(); }
    });
    if (catches) { panelSenders(element, box); }
  }

  function panelSenders(element, into) {
    const set = group(label("message-senders"), "message-senders", into);
    const chosen = (propertyOf(element, "messageSenders") || "").split(",").map(function (r) { return roleOf(r); })
      .filter(Boolean);
    const boxes = Object.keys(roles).map(function (code) {
      const box = checkbox("prop-sender-" + code, roleLabels[code] || code, chosen.indexOf(code) >= 0, set);
      box.value = code;
      return box;
    });
    const hint = note("message-senders-hint", set);
    hint.id = "prop-senders-hint";
    hint.textContent = label("message-senders-hint");
    set.setAttribute("aria-describedby", hint.id);
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        setProperty(element, "messageSenders", boxes.filter(function (b) { return b.checked; })
          .map(function (b) { return b.value; }).join(","));
      });
    });
  }

  // -- timers --
  const TIMER_TAGS = { date: "timeDate", duration: "timeDuration", cycle: "timeCycle" };
  const TIMER_UNITS = ["Y", "M", "W", "D", "H", "TM"];

  function isoDuration(amount, unit) {
    return unit === "H" || unit === "TM" ? "PT" + amount + unit.slice(-1) : "P" + amount + unit;
  }

  // a timer's expression as the builder can show it: {kind-specific parts}, or null (an expression over the case's data)
  function readTimer(kind, source) {
    const text = (source || "").trim();
    const quoted = /^"([^"]*)"$/.exec(text) || /^'([^']*)'$/.exec(text);
    if (!quoted) { return null; }
    const value = quoted[1].toUpperCase();
    function duration(part) {
      let found = /^P(\d{1,5})([YMWD])$/.exec(part);
      if (found) { return { amount: found[1], unit: found[2] }; }
      found = /^PT(\d{1,5})([HM])$/.exec(part);
      return found ? { amount: found[1], unit: found[2] === "M" ? "TM" : "H" } : null;
    }
    if (kind === "duration") { return duration(value); }
    if (kind === "date") {
      const found = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::00)?\+08:00$/.exec(value);
      return found ? { when: found[1] + "T" + found[2] } : null;
    }
    const found = /^R(\d{1,4})\/(P[^/]+)$/.exec(value);
    const every = found && duration(found[2]);
    return every ? { count: found[1], amount: every.amount, unit: every.unit } : null;
  }

  function panelTimer(element, definition) {
    const modeling = modeler.get("modeling");
    const moddle = modeler.get("moddle");
    const box = group(label("timer"), "timer-section");
    let kind = Object.keys(TIMER_TAGS).find(function (k) { return definition.get(TIMER_TAGS[k]); }) || "duration";
    const expression = function () {
      const held = definition.get(TIMER_TAGS[kind]);
      return held ? (held.get("body") || "") : "";
    };
    const kindSelect = document.createElement("select");
    Object.keys(TIMER_TAGS).forEach(function (k) { option(kindSelect, k, label("timer-" + k), k === kind); });
    field("prop-timer-kind", label("timer-kind"), kindSelect, null, box);

    const at = document.createElement("input");
    at.type = "datetime-local";
    const dateWrap = document.createElement("div");
    box.appendChild(dateWrap);
    field("prop-timer-at", label("timer-at"), at, null, dateWrap);
    const countWrap = document.createElement("div");
    box.appendChild(countWrap);
    const count = field("prop-timer-count", label("timer-count"), numberInput("", 1, 9999), null, countWrap);
    const row = document.createElement("div");
    row.className = "field-row";
    box.appendChild(row);
    const amount = field("prop-timer-amount", label("timer-amount"), numberInput("", 1, 99999), null, row);
    const unit = document.createElement("select");
    TIMER_UNITS.forEach(function (u) { option(unit, u, label("timer-unit-" + u), u === "D"); });
    field("prop-timer-unit", label("timer-unit"), unit, null, row);
    const words = note("timer-words", box, true);
    const showProblems = problemsList("timer-problems", box);
    const limits = note("timer-limits", box);
    limits.textContent = label("timer-limits", { days: panelData.max_timer_days });
    const advanced = advancedPart(element, "timer", label("timer-expression"), box);
    const raw = field("prop-timer-expression", label("timer-expression"), input(expression()), null, advanced);

    function layout() {
      dateWrap.hidden = kind !== "date";
      countWrap.hidden = kind !== "cycle";
      row.hidden = kind === "date";
      amount.closest(".field").querySelector("label").textContent = label(kind === "cycle" ? "timer-every" : "timer-amount");
    }
    function say() {
      const parts = readTimer(kind, expression());
      if (!expression().trim()) { words.textContent = ""; return; }
      if (!parts) { words.textContent = label("timer-words-expression", { expression: expression() }); return; }
      words.textContent = kind === "date" ? label("timer-words-date", { when: parts.when.replace("T", " ") })
        : label("timer-words-" + kind, { amount: parts.amount, unit: label("timer-unit-" + parts.unit), count: parts.count });
    }
    function fill() {
      const parts = readTimer(kind, expression());
      if (parts) {
        if (parts.when) { at.value = parts.when; }
        if (parts.amount) { amount.value = parts.amount; unit.value = parts.unit; }
        if (parts.count) { count.value = parts.count; }
      }
      raw.value = expression();
      if (!parts && expression().trim()) { advanced.open = true; }  // computed from the case's data: shown as written
      say();
    }
    const check = debounced(function () {
      return postJSON(root.getAttribute("data-timer-check-url"), { kind: kind, value: expression() });
    }, function (answer, err) {
      showProblems(err ? [label("check-failed") + " " + err.message] : answer.problems);
    });
    function write(source) {
      const tag = TIMER_TAGS[kind];
      const values = { timeDate: undefined, timeDuration: undefined, timeCycle: undefined };
      const same = definition.get(tag) && expression() === source &&
        Object.keys(TIMER_TAGS).every(function (k) { return k === kind || !definition.get(TIMER_TAGS[k]); });
      if (same) { return; }
      values[tag] = moddle.create("bpmn:FormalExpression", { body: source });
      change(function () { modeling.updateModdleProperties(element, definition, values); });
      raw.value = source;
      say();
      check();
    }
    // the builder's value, quoted as the engine reads it (a Python expression), or null while incomplete
    function built() {
      const n = amount.value.trim();
      if (kind === "date") { return at.value ? '"' + at.value + ':00+08:00"' : null; }
      if (!/^\d{1,5}$/.test(n) || parseInt(n, 10) < 1) { return null; }
      if (kind === "duration") { return '"' + isoDuration(n, unit.value) + '"'; }
      const c = count.value.trim();
      return /^\d{1,4}$/.test(c) && parseInt(c, 10) >= 1 ? '"R' + c + "/" + isoDuration(n, unit.value) + '"' : null;
    }
    function fromBuilder() {
      const source = built();
      if (source !== null) { write(source); }
    }
    kindSelect.addEventListener("change", function () {
      kind = kindSelect.value;
      layout();
      if (kind === "cycle" && !count.value) { count.value = "2"; }
      if (kind !== "date" && !amount.value) { amount.value = "1"; }
      fromBuilder();
      if (built() === null) { words.textContent = ""; showProblems([]); }
    });
    [at, amount, unit, count].forEach(function (c) { c.addEventListener("change", fromBuilder); });
    raw.addEventListener("change", function () {
      write(raw.value.trim());
      fill();
    });
    layout();
    fill();
    check();
  }

  function renderPanel() {
    panelRun += 1;
    panel.textContent = "";
    panel.removeAttribute("data-element-id");
    if (!modeler) { return; }
    const selected = modeler.get("selection").get();
    const element = selected.length === 1 ? selected[0] : null;
    if (!element || element.type === "label") {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = label("pick");
      panel.appendChild(p);
      // nothing selected: the procedure's own properties
      const canvasRoot = modeler.get("canvas").getRootElement();
      const process = canvasRoot && canvasRoot.businessObject ? processOf(canvasRoot) : null;
      if (process) { panelProcess(canvasRoot, process); }
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

    const process = processOf(element);
    if (process) { panelProcess(element, process); }
    const timer = eventDefinition(bo, "bpmn:TimerEventDefinition");
    const message = bo.$instanceOf("bpmn:ReceiveTask") || !!eventDefinition(bo, "bpmn:MessageEventDefinition");
    const catches = bo.$instanceOf("bpmn:ReceiveTask") || (message && types(bo, CATCHES_MESSAGE));
    if (HUMAN.indexOf(bo.$type) >= 0 || catches) { panelForm(element); }
    if (bo.$type === "bpmn:UserTask") { panelLegalReview(element); }
    if (bo.$type === "bpmn:UserTask" || catches) { panelCrossDepartment(element, bo.$type !== "bpmn:UserTask"); }
    if (message) { panelMessage(element, catches); }
    if (timer) { panelTimer(element, timer); }
    // a deadline is read on a person's step, and on a timer event that a milestone makes a step (a wait's end: referrals)
    if (HUMAN.indexOf(bo.$type) >= 0 || (timer && !message) || propertyOf(element, "deadline")) { panelDeadline(element); }
    if (bo.$instanceOf("bpmn:Activity") || bo.$instanceOf("bpmn:Event")) { panelMilestone(element); }
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
