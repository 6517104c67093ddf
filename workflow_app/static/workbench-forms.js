// The workbench's form editor (templates/web/workbench_form.html): a draft's form (a JSON Schema) edited
// field by field: name, titles, type, required, choices with their labels, bounds, prefill sources,
// description; moved, added, removed. The whole schema is held here and only the parts a field's card
// shows are changed: what the editor does not model (nested objects, rows, conditions, other x- keys)
// is kept as it was. As the author types, the server draws the form as a task page draws it and checks
// it and its example (web/workbench_forms.py workbench_form_preview): the preview is the task page's own
// HTML, its inputs are the example, and the errors stand beside the fields they concern. Saved through
// the API on the revision the page was read at (If-Match); a stale save keeps the author's form on the
// screen and offers to download it: nothing is lost silently.
(function () {
  "use strict";

  const root = document.getElementById("form-editor");
  const dataBlock = document.getElementById("form-editor-data");
  if (!root || !dataBlock || !window.fetch || !window.FormData) { return; }

  const data = JSON.parse(dataBlock.textContent);
  const kinds = data.kinds;
  const roles = data.roles;
  const sources = data.sources;
  const LONG_TEXT = parseInt(root.getAttribute("data-long-text"), 10) || 300;
  const DEBOUNCE_MS = 400;
  const NAME = /^[a-z][a-z0-9_]{0,63}$/;

  const q = function (id) { return document.querySelector('[data-testid="' + id + '"]'); };
  const ui = {
    save: root.querySelector('[data-testid="save"]'),
    status: root.querySelector('[data-testid="save-status"]'),
    conflict: root.querySelector('[data-testid="conflict"]'),
    title: document.getElementById("fe-title"),
    titleEn: document.getElementById("fe-title-en"),
    formProblems: root.querySelector('[data-testid="form-problems"]'),
    cards: root.querySelector('[data-testid="field-cards"]'),
    addField: root.querySelector('[data-testid="add-field"]'),
    preview: root.querySelector('[data-testid="form-preview"]'),
    exampleStatus: root.querySelector('[data-testid="example-status"]'),
    checkCount: q("check-count"),
    checkList: q("check-problems"),
    deployCount: q("deploy-count"),
    deployList: q("deploy-problems"),
    json: document.getElementById("schema-json"),
    jsonForm: q("json-form"),
    jsonApply: q("json-apply"),
    jsonError: document.getElementById("error-schema"),
    jsonRevision: q("json-revision"),
    revisionShown: q("draft-revision")
  };

  let schema = data.schema;
  let revision = parseInt(root.getAttribute("data-revision"), 10);
  let changes = 0;  // every change of the schema or of the preview's inputs
  let savedAt = 0;  // `changes` when the form was last saved (or loaded)
  let timer = null;
  let pendingInputs = false;  // the next check reads the example from the preview's inputs
  let pendingAction = null;
  let inflight = null;
  let jsonTouched = false;
  let problems = {};
  const openCards = new Set();

  // -- words, status, requests ---------------------------------------------------------------------
  const C = window.ZhifaCommon;
  function label(name, values) { return C.label(root, name, values); }

  function say(text, kind) {
    ui.status.textContent = text;
    ui.status.className = "editor-status" + (kind ? " is-" + kind : "");
  }

  const api = C.api;
  const reasons = C.reasons;
  const isObject = C.isObject;
  const el = C.el;

  // -- the schema ------------------------------------------------------------------------------------------
  // the fields, to change (made when the form has none) or only to read (nothing is added by reading:
  // a form opened and saved as it is stays as it was)
  function props() {
    if (!isObject(schema.properties)) { schema.properties = {}; }
    return schema.properties;
  }

  function fields() { return isObject(schema.properties) ? schema.properties : {}; }

  function requiredList() { return Array.isArray(schema.required) ? schema.required : []; }

  function isRequired(name) { return requiredList().indexOf(name) >= 0; }

  function setRequired(name, on) {
    const list = requiredList().filter(function (n) { return n !== name; });
    if (on) { list.push(name); }
    schema.required = list;
  }

  function example() {
    const examples = schema.examples;
    return Array.isArray(examples) && isObject(examples[0]) ? examples[0] : null;
  }

  function setExample(value) {
    if (Array.isArray(schema.examples) && schema.examples.length) { schema.examples[0] = value; } else { schema.examples = [value]; }
  }

  function reorder(names, rename) {
    const old = props();
    const next = {};
    names.forEach(function (n) { next[rename && rename[n] ? rename[n] : n] = old[n]; });
    schema.properties = next;
  }

  function renameField(old, name) {
    reorder(Object.keys(props()), { [old]: name });
    if (Array.isArray(schema.required)) { schema.required = schema.required.map(function (n) { return n === old ? name : n; }); }
    const ex = example();
    if (ex && Object.prototype.hasOwnProperty.call(ex, old)) {
      const next = {};
      Object.keys(ex).forEach(function (k) { next[k === old ? name : k] = ex[k]; });
      setExample(next);
    }
    if (openCards.delete(old)) { openCards.add(name); }
    if (problems[old]) { problems[name] = problems[old]; delete problems[old]; }
  }

  function mentioned(name) {
    const parts = ["allOf", "anyOf", "oneOf", "if", "then", "else", "not", "dependentRequired", "dependentSchemas"]
      .filter(function (k) { return k in schema; }).map(function (k) { return JSON.stringify(schema[k]); });
    return parts.join("").indexOf(JSON.stringify(name)) >= 0;
  }

  // which kind of field the editor shows a field's schema as (what a task page draws it as)
  const SPECIAL = ["x-evidence", "x-origin-evidence", "x-cause", "x-penalty-list", "x-department", "x-document-number", "readOnly"];
  function stringChoices(node) { return isObject(node) && Array.isArray(node.enum) && node.enum.every(function (v) { return typeof v === "string"; }); }
  function only(p, key) {  // the field carries `key` and no other marker of how a page draws it
    return SPECIAL.every(function (k) { return k === key || !(k in p) || p[k] === false || (key === "x-document-number" && k === "readOnly"); });
  }
  function kindOf(p) {
    if (!isObject(p)) { return "other"; }
    const items = isObject(p.items) ? p.items : null;
    if (p.type === "string" && p["x-cause"] === true && only(p, "x-cause")) { return "cause"; }
    if (p.type === "string" && p["x-penalty-list"] === "item" && only(p, "x-penalty-list")) { return "penalty_item"; }
    if (p.type === "array" && p["x-evidence"] === true && only(p, "x-evidence") && items && items.type === "integer") { return "photos"; }
    if (p.type === "string" && "x-document-number" in p && p.readOnly === true && only(p, "x-document-number")) { return "issued"; }
    if (SPECIAL.some(function (k) { return k in p && p[k] !== false; })) { return "other"; }
    if (p["x-signature"] === true) { return p.type === "string" ? "signature" : "other"; }
    if ("x-user-role" in p) {
      if (p.type === "array") { return items && items.type === "string" && !("enum" in items) ? "people" : "other"; }
      return p.type === "string" && !("enum" in p) ? "person" : "other";
    }
    if (p.type === "boolean") { return "boolean"; }
    if ((p.type === "number" || p.type === "integer") && !("enum" in p)) { return p.type; }
    if (p.type === "string") {
      if ("enum" in p) { return stringChoices(p) ? "choice" : "other"; }
      if (p.format === "date") { return "date"; }
      if (p.format === "date-time") { return "datetime"; }
      if ("format" in p) { return "other"; }
      return typeof p.maxLength === "number" && p.maxLength <= LONG_TEXT ? "text" : "textarea";
    }
    if (p.type === "array" && items && items.type === "string") {
      if (stringChoices(items)) { return "choices"; }
      if (!("enum" in items) && !("format" in items)) { return "lines"; }
    }
    return "other";
  }

  const DEFAULTS = {
    text: function () { return { type: "string", maxLength: 200 }; },
    textarea: function () { return { type: "string", maxLength: 2000 }; },
    number: function () { return { type: "number" }; },
    integer: function () { return { type: "integer" }; },
    date: function () { return { type: "string", format: "date" }; },
    datetime: function () { return { type: "string", format: "date-time" }; },
    boolean: function () { return { type: "boolean" }; },
    choice: function () { return { type: "string", "enum": [], "x-enum-labels": [] }; },
    choices: function () { return { type: "array", items: { type: "string", "enum": [], "x-enum-labels": [] }, uniqueItems: true }; },
    person: function () { return { type: "string", maxLength: 64, "x-user-role": "officer" }; },
    people: function () { return { type: "array", items: { type: "string", maxLength: 64 }, uniqueItems: true, "x-user-role": "officer" }; },
    lines: function () { return { type: "array", items: { type: "string", maxLength: 500 } }; },
    signature: function () { return { type: "string", pattern: "^[0-9a-f]{64}$", "x-signature": true }; },
    cause: function () { return { type: "string", maxLength: 64, "x-cause": true }; },
    penalty_item: function () { return { type: "string", maxLength: 64, "x-penalty-list": "item" }; },
    photos: function () { return { type: "array", items: { type: "integer", minimum: 1 }, maxItems: 100, uniqueItems: true, "x-evidence": true }; },
    issued: function () { return { type: "string", maxLength: 100, "x-document-number": "", readOnly: true }; }
  };
  // what a kind consists of: switching kinds drops these and keeps the rest (titles, prefill, x- keys)
  const KIND_KEYS = ["type", "format", "enum", "x-enum-labels", "x-enum-labels-en", "items", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "uniqueItems", "minItems", "maxItems",
    "const", "properties", "required", "additionalProperties", "x-user-role", "x-signature"].concat(SPECIAL);

  function choiceNode(p) { return kindOf(p) === "choices" ? p.items : p; }

  function switchKind(name, kind) {
    const old = props()[name];
    const oldKind = kindOf(old);
    const next = DEFAULTS[kind]();
    const kept = {};
    Object.keys(isObject(old) ? old : {}).forEach(function (k) { if (KIND_KEYS.indexOf(k) < 0) { kept[k] = old[k]; } });
    // what both kinds have goes along: the choices, the roles
    if ((oldKind === "choice" || oldKind === "choices") && (kind === "choice" || kind === "choices")) {
      const from = choiceNode(old);
      const to = kind === "choices" ? next.items : next;
      ["enum", "x-enum-labels", "x-enum-labels-en"].forEach(function (k) { if (k in from) { to[k] = from[k]; } });
    }
    if ((oldKind === "person" || oldKind === "people") && (kind === "person" || kind === "people")) {
      next["x-user-role"] = old["x-user-role"];
    }
    if (kind === "choice" || kind === "choices") {
      const node = kind === "choices" ? next.items : next;
      if (!node["enum"].length) { node["enum"].push("choice_1"); node["x-enum-labels"].push(""); }
    }
    props()[name] = Object.assign(next, kept);
  }

  // -- a field's card ---------------------------------------------------------------------------------------
  function fieldWrap(id, text, control, hint) {
    const wrap = el("div", { "class": "field" });
    control.id = id;
    wrap.appendChild(el("label", { "for": id, text: text }));
    wrap.appendChild(control);
    if (hint) {
      wrap.appendChild(el("p", { "class": "hint", id: id + "-hint", text: hint }));
      control.setAttribute("aria-describedby", id + "-hint");
    }
    return wrap;
  }

  function textInput(value, attrs) {
    const input = el("input", Object.assign({ type: "text" }, attrs || {}));
    input.value = value === undefined || value === null ? "" : String(value);
    return input;
  }

  function setOrDelete(node, key, value) {
    if (value === "" || value === null || value === undefined) { delete node[key]; } else { node[key] = value; }
  }

  function numberField(id, text, node, key, step) {
    const input = textInput(typeof node[key] === "number" ? node[key] : "", { type: "number", step: step || "any", inputmode: step === "1" ? "numeric" : "decimal" });
    input.addEventListener("input", function () {
      const raw = input.value.trim();
      if (raw === "") { delete node[key]; changed(); return; }
      const number = Number(raw);
      if (isFinite(number)) { node[key] = number; changed(); }
    });
    return fieldWrap(id, text, input);
  }

  function checkbox(id, text, checked, onChange) {
    const input = el("input", { type: "checkbox", id: id });
    input.checked = !!checked;
    input.addEventListener("change", function () { onChange(input.checked, input); });
    return el("div", { "class": "field" }, [el("label", { "class": "check", "for": id }, [input, " " + text])]);
  }

  function summaryOf(name, p, i) {
    const title = isObject(p) && typeof p.title === "string" && p.title ? p.title : name;
    const parts = [el("span", { "class": "field-card-n", text: String(i + 1) + "." }), " ",
      el("strong", { "class": "field-card-title", text: title }), " ", el("code", { text: name }), " ",
      el("span", { "class": "muted", text: kinds[kindOf(p)] || "" })];
    if (isRequired(name)) { parts.push(el("span", { "class": "req", "aria-hidden": "true", text: "*" })); }
    const count = (problems[name] || []).length;
    parts.push(el("span", { "class": "field-card-flag", "data-testid": "field-flag", hidden: !count, text: String(count) }));
    return parts;
  }

  function refreshSummary(card, name, i) {
    const summary = card.querySelector("summary");
    summary.textContent = "";
    summaryOf(name, fields()[name], i).forEach(function (node) { summary.appendChild(typeof node === "string" ? document.createTextNode(node) : node); });
  }

  function card(name, p, i, count) {
    const details = el("details", { "class": "field-card", "data-testid": "field-card", "data-name": name });
    if (openCards.has(name)) { details.open = true; }
    details.addEventListener("toggle", function () {
      const current = details.getAttribute("data-name");
      if (details.open) { openCards.add(current); } else { openCards.delete(current); }
    });
    const summary = el("summary", {}, summaryOf(name, p, i));
    details.appendChild(summary);
    const body = el("div", { "class": "field-card-body" });
    details.appendChild(body);
    const id = function (part) { return "fe-" + i + "-" + part; };
    const kind = kindOf(p);
    const node = isObject(p) ? p : {};
    const update = function () { refreshSummary(details, details.getAttribute("data-name"), i); };

    // name: taken when it is a name no other field has
    const nameInput = textInput(name, { maxlength: "64", autocomplete: "off", spellcheck: "false", "data-testid": "field-name" });
    const nameWrap = fieldWrap(id("name"), label("name"), nameInput, label("name-hint"));
    const nameError = el("p", { "class": "field-error", id: id("name-error"), hidden: true });
    nameWrap.appendChild(nameError);
    nameInput.addEventListener("change", function () {
      const wanted = nameInput.value.trim();
      const current = details.getAttribute("data-name");
      let problem = null;
      if (!NAME.test(wanted)) { problem = label("name-invalid"); } else if (wanted !== current && wanted in fields()) { problem = label("name-taken"); }
      nameError.hidden = !problem;
      nameError.textContent = problem || "";
      nameInput.setAttribute("aria-invalid", problem ? "true" : "false");
      nameInput.setAttribute("aria-describedby", id("name-hint") + (problem ? " " + id("name-error") : ""));
      if (problem || wanted === current) { return; }
      renameField(current, wanted);
      changed();
      renderCards();
      const again = document.getElementById(id("name"));
      if (again) { again.focus(); }
      if (mentioned(current)) { say(label("renamed"), "warn"); }
    });
    body.appendChild(nameWrap);

    const title = textInput(node.title, { maxlength: "500", "data-testid": "field-title" });
    title.addEventListener("input", function () { if (!isObject(p)) { return; } setOrDelete(p, "title", title.value); update(); changed(); });
    body.appendChild(fieldWrap(id("title"), label("title"), title));
    const titleEn = textInput(node["x-title-en"], { maxlength: "500", lang: "en" });
    titleEn.addEventListener("input", function () { if (!isObject(p)) { return; } setOrDelete(p, "x-title-en", titleEn.value); changed(); });
    body.appendChild(fieldWrap(id("title-en"), label("title-en"), titleEn));

    const select = el("select", { "data-testid": "field-kind" });
    Object.keys(kinds).forEach(function (k) {
      if (k === "other" && kind !== "other") { return; }
      const option = el("option", { value: k, text: kinds[k] });
      if (k === kind) { option.selected = true; }
      select.appendChild(option);
    });
    select.addEventListener("change", function () {
      if (select.value === "other") { return; }
      switchKind(details.getAttribute("data-name"), select.value);
      changed();
      renderCards();
      const again = document.getElementById(id("kind"));
      if (again) { again.focus(); }
    });
    body.appendChild(fieldWrap(id("kind"), label("kind"), select));

    body.appendChild(checkbox(id("required"), label("required"), isRequired(name), function (on) {
      setRequired(details.getAttribute("data-name"), on);
      update();
      changed();
    }));

    if (kind === "text" || kind === "textarea") {
      body.appendChild(numberField(id("min-length"), label("min-length"), p, "minLength", "1"));
      const max = numberField(id("max-length"), label("max-length"), p, "maxLength", "1");
      max.appendChild(el("p", { "class": "hint", text: label("long-text-hint", { limit: LONG_TEXT }) }));
      body.appendChild(max);
      const pattern = textInput(node.pattern, { spellcheck: "false", autocomplete: "off" });
      pattern.addEventListener("input", function () { setOrDelete(p, "pattern", pattern.value); changed(); });
      body.appendChild(fieldWrap(id("pattern"), label("pattern"), pattern));
    } else if (kind === "number" || kind === "integer") {
      body.appendChild(numberField(id("minimum"), label("minimum"), p, "minimum", kind === "integer" ? "1" : "any"));
      body.appendChild(numberField(id("maximum"), label("maximum"), p, "maximum", kind === "integer" ? "1" : "any"));
    } else if (kind === "boolean") {
      body.appendChild(checkbox(id("const"), label("must-be-yes"), p["const"] === true, function (on) {
        if (on) { p["const"] = true; } else { delete p["const"]; }
        changed();
      }));
    } else if (kind === "choice" || kind === "choices") {
      body.appendChild(choicesEditor(choiceNode(p), id));
      if (kind === "choices") { body.appendChild(numberField(id("min-items"), label("min-items"), p, "minItems", "1")); }
    } else if (kind === "person" || kind === "people") {
      body.appendChild(rolesEditor(p, id));
      if (kind === "people") { body.appendChild(numberField(id("min-items"), label("min-items"), p, "minItems", "1")); }
    } else if (kind === "lines" || kind === "photos") {
      body.appendChild(numberField(id("min-items"), label("min-items"), p, "minItems", "1"));
    } else if (kind === "issued") {
      const marker = p["x-document-number"];
      const numberKind = textInput(isObject(marker) ? marker.kind : marker, { spellcheck: "false", autocomplete: "off", maxlength: "64", "data-testid": "number-kind" });
      numberKind.addEventListener("input", function () {
        if (isObject(p["x-document-number"])) { p["x-document-number"].kind = numberKind.value; } else { p["x-document-number"] = numberKind.value; }
        changed();
      });
      body.appendChild(fieldWrap(id("number-kind"), label("number-kind"), numberKind, label("number-kind-hint")));
    } else if (kind === "other") {
      body.appendChild(el("p", { "class": "hint", "data-testid": "field-other", text: label("other") }));
    }

    if (isObject(p)) { body.appendChild(prefillEditor(p, id)); }

    const description = el("textarea", { rows: "2", maxlength: "2000" });
    description.value = typeof node.description === "string" ? node.description : "";
    description.addEventListener("input", function () { if (!isObject(p)) { return; } setOrDelete(p, "description", description.value); changed(); });
    body.appendChild(fieldWrap(id("description"), label("description"), description));

    body.appendChild(el("ul", { "class": "field-problems", "data-testid": "field-problems", "data-field": name }));

    const up = el("button", { type: "button", id: id("up"), "data-testid": "field-up", text: label("move-up"), disabled: i === 0 });
    const down = el("button", { type: "button", id: id("down"), "data-testid": "field-down", text: label("move-down"), disabled: i === count - 1 });
    const remove = el("button", { type: "button", id: id("remove"), "class": "danger", "data-testid": "field-remove", text: label("remove") });
    [up, down, remove].forEach(function (b) { b.setAttribute("aria-describedby", id("name")); });
    up.addEventListener("click", function () { move(details.getAttribute("data-name"), -1); });
    down.addEventListener("click", function () { move(details.getAttribute("data-name"), 1); });
    remove.addEventListener("click", function () { removeField(details.getAttribute("data-name")); });
    body.appendChild(el("div", { "class": "field-card-actions" }, [up, down, remove]));
    return details;
  }

  function choicesEditor(node, id) {
    const box = el("fieldset", { "class": "choices-editor", "data-testid": "choices" }, [el("legend", { text: label("choices") })]);
    const values = Array.isArray(node["enum"]) ? node["enum"] : [];  // a choice field has its list (kindOf)
    const labelsOf = function (key) {
      if (!Array.isArray(node[key])) { node[key] = []; }
      while (node[key].length < values.length) { node[key].push(""); }
      return node[key];
    };
    const englishGiven = Array.isArray(node["x-enum-labels-en"]);
    values.forEach(function (value, n) {
      const row = el("div", { "class": "choice-row", "data-testid": "choice" });
      const part = function (key, text, input) {
        input.id = id("choice-" + n + "-" + key);
        return el("div", { "class": "choice-part" }, [el("label", { "for": input.id, text: text }), input]);
      };
      const code = textInput(value, { spellcheck: "false", autocomplete: "off", maxlength: "200", "data-testid": "choice-value" });
      code.addEventListener("input", function () { values[n] = code.value; changed(); });
      const zh = textInput((node["x-enum-labels"] || [])[n], { maxlength: "200", "data-testid": "choice-label" });
      zh.addEventListener("input", function () { labelsOf("x-enum-labels")[n] = zh.value; changed(); });
      const en = textInput(englishGiven ? node["x-enum-labels-en"][n] : "", { maxlength: "200", lang: "en", "data-testid": "choice-label-en" });
      en.addEventListener("input", function () {
        const list = labelsOf("x-enum-labels-en");
        list[n] = en.value;
        if (list.every(function (x) { return x === ""; })) { delete node["x-enum-labels-en"]; }
        changed();
      });
      const remove = el("button", { type: "button", "class": "choice-remove", id: id("choice-" + n + "-remove"), text: "×",
        "aria-label": label("remove-choice", { n: n + 1 }), title: label("remove-choice", { n: n + 1 }) });
      remove.addEventListener("click", function () {
        ["enum", "x-enum-labels", "x-enum-labels-en"].forEach(function (k) { if (Array.isArray(node[k])) { node[k].splice(n, 1); } });
        changed();
        renderCards();
      });
      row.appendChild(part("value", label("choice-value"), code));
      row.appendChild(part("label", label("choice-label"), zh));
      row.appendChild(part("label-en", label("choice-label-en"), en));
      row.appendChild(remove);
      box.appendChild(row);
    });
    const add = el("button", { type: "button", id: id("add-choice"), "data-testid": "add-choice", text: label("add-choice") });
    add.addEventListener("click", function () {
      let n = values.length + 1;
      while (values.indexOf("choice_" + n) >= 0) { n += 1; }
      values.push("choice_" + n);
      labelsOf("x-enum-labels");
      if (Array.isArray(node["x-enum-labels-en"])) { labelsOf("x-enum-labels-en"); }
      changed();
      renderCards();
      const input = document.getElementById(id("choice-" + (values.length - 1) + "-value"));
      if (input) { input.focus(); input.select(); }
    });
    box.appendChild(add);
    return box;
  }

  function rolesEditor(p, id) {
    const box = el("fieldset", { "class": "roles-editor", "data-testid": "roles" }, [el("legend", { text: label("roles") })]);
    const current = Array.isArray(p["x-user-role"]) ? p["x-user-role"].slice() : [p["x-user-role"]];
    const codes = Object.keys(roles).concat(current.filter(function (r) { return typeof r === "string" && !(r in roles); }));
    const note = el("p", { "class": "field-error", hidden: true, text: label("roles-one") });
    const wrap = el("div", { "class": "choices" });
    codes.forEach(function (code) {
      const input = el("input", { type: "checkbox", id: id("role-" + code), value: code });
      input.checked = current.indexOf(code) >= 0;
      input.addEventListener("change", function () {
        const chosen = Array.prototype.filter.call(wrap.querySelectorAll("input"), function (x) { return x.checked; })
          .map(function (x) { return x.value; });
        if (!chosen.length) { input.checked = true; note.hidden = false; return; }
        note.hidden = true;
        p["x-user-role"] = chosen.length === 1 ? chosen[0] : chosen;
        changed();
      });
      wrap.appendChild(el("label", { "class": "check", "for": input.id }, [input, " " + (roles[code] || code)]));
    });
    box.appendChild(wrap);
    box.appendChild(note);
    return box;
  }

  function prefillEditor(p, id) {
    const box = el("fieldset", { "class": "prefill-editor", "data-testid": "prefill" }, [el("legend", { text: label("prefill") })]);
    const list = el("div", { "class": "prefill-sources" });
    const current = p["x-prefill"] === undefined ? [] : (Array.isArray(p["x-prefill"]) ? p["x-prefill"] : [p["x-prefill"]]);
    const store = function () {
      const chosen = Array.prototype.map.call(list.querySelectorAll("select"), function (s) { return s.value; })
        .filter(function (v) { return v !== ""; });
      if (!chosen.length) { delete p["x-prefill"]; } else { p["x-prefill"] = chosen.length === 1 ? chosen[0] : chosen; }
      changed();
    };
    let rows = 0;
    const addRow = function (value) {
      const n = rows;
      rows += 1;
      const select = el("select", { id: id("prefill-" + n), "data-testid": "prefill-source", "aria-label": label("prefill-source", { n: n + 1 }) });
      select.appendChild(el("option", { value: "", text: label("no-source") }));
      let found = value === "";
      sources.forEach(function (group) {
        const optgroup = el("optgroup", { label: group.label });
        group.options.forEach(function (o) {
          const option = el("option", { value: o.value, text: o.label });
          if (o.value === value) { option.selected = true; found = true; }
          optgroup.appendChild(option);
        });
        select.appendChild(optgroup);
      });
      if (!found && typeof value === "string") {
        select.appendChild(el("option", { value: value, selected: true, text: label("unknown-source", { ref: value }) }));
      }
      select.addEventListener("change", store);
      const remove = el("button", { type: "button", "class": "choice-remove", text: "×", id: id("prefill-" + n + "-remove"),
        "aria-label": label("remove-source", { n: n + 1 }), title: label("remove-source", { n: n + 1 }) });
      const row = el("div", { "class": "prefill-row" }, [select, remove]);
      remove.addEventListener("click", function () { row.remove(); store(); add.focus(); });
      list.appendChild(row);
      return select;
    };
    current.forEach(function (ref) { addRow(typeof ref === "string" ? ref : JSON.stringify(ref)); });
    box.appendChild(list);
    const add = el("button", { type: "button", id: id("add-source"), "data-testid": "add-source", text: label("add-source") });
    add.addEventListener("click", function () { addRow("").focus(); });
    box.appendChild(add);
    return box;
  }

  function move(name, delta) {
    const names = Object.keys(props());
    const at = names.indexOf(name);
    const to = at + delta;
    if (at < 0 || to < 0 || to >= names.length) { return; }
    names.splice(at, 1);
    names.splice(to, 0, name);
    reorder(names);
    changed();
    renderCards();
    const button = document.getElementById("fe-" + to + "-" + (delta < 0 ? "up" : "down"));
    const fallback = document.getElementById("fe-" + to + "-" + (delta < 0 ? "down" : "up"));
    if (button && !button.disabled) { button.focus(); } else if (fallback) { fallback.focus(); }
  }

  function removeField(name) {
    const names = Object.keys(props());
    const at = names.indexOf(name);
    delete props()[name];
    if (Array.isArray(schema.required)) { schema.required = schema.required.filter(function (n) { return n !== name; }); }
    const ex = example();
    if (ex) { delete ex[name]; }
    openCards.delete(name);
    changed();
    renderCards();
    const next = document.getElementById("fe-" + Math.min(at, names.length - 2) + "-remove");
    (next || ui.addField).focus();
  }

  function addField() {
    let n = Object.keys(props()).length + 1;
    while (("field_" + n) in props()) { n += 1; }
    const name = "field_" + n;
    props()[name] = DEFAULTS.text();
    openCards.add(name);
    changed();
    renderCards();
    const input = document.getElementById("fe-" + (Object.keys(props()).length - 1) + "-name");
    if (input) { input.focus(); input.select(); }
  }

  function renderCards() {
    ui.cards.textContent = "";
    const names = Object.keys(fields());
    names.forEach(function (name, i) { ui.cards.appendChild(card(name, fields()[name], i, names.length)); });
    if (!names.length) { ui.cards.appendChild(el("p", { "class": "muted", text: label("no-fields") })); }
    ui.title.value = typeof schema.title === "string" ? schema.title : "";
    ui.titleEn.value = typeof schema["x-title-en"] === "string" ? schema["x-title-en"] : "";
    showProblems();
  }

  // -- problems ---------------------------------------------------------------------------------------------
  function fill(list, messages) {
    list.textContent = "";
    (messages || []).forEach(function (m) { list.appendChild(el("li", { text: m })); });
  }

  function showProblems() {
    fill(ui.formProblems, problems._form);
    Array.prototype.forEach.call(ui.cards.querySelectorAll('[data-testid="field-card"]'), function (cardNode, i) {
      const name = cardNode.getAttribute("data-name");
      fill(cardNode.querySelector('[data-testid="field-problems"]'), problems[name]);
      refreshSummary(cardNode, name, i);
    });
  }

  function showCheck(answer) {
    problems = answer.problems || {};
    showProblems();
    ui.checkList.textContent = "";
    if (answer.schema_error) { ui.checkList.appendChild(el("li", { "data-field": "_form", text: answer.schema_error })); }
    Object.keys(problems).forEach(function (name) {
      problems[name].forEach(function (m) {
        const li = el("li", { "data-field": name });
        if (name !== "_form") { li.appendChild(el("code", { text: name })); li.appendChild(document.createTextNode(" ")); }
        li.appendChild(document.createTextNode(m));
        ui.checkList.appendChild(li);
      });
    });
    const count = ui.checkList.children.length;
    ui.checkCount.textContent = count ? label("problems", { count: count }) : label("no-problems");
    ui.checkCount.classList.toggle("errors", count > 0);
    ui.exampleStatus.textContent = answer.schema_error ? label("schema-error")
      : answer.example_count ? label("example-errors", { count: answer.example_count }) : label("example-ok");
    ui.exampleStatus.classList.toggle("errors", !!(answer.schema_error || answer.example_count));
  }

  function loadDeployProblems() {
    if (!ui.deployCount) { return Promise.resolve(); }
    ui.deployCount.textContent = label("checking");
    return api(root.getAttribute("data-problems-url")).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) { throw new Error(reasons(answer) || String(response.status)); }
        const path = root.getAttribute("data-path");
        const mine = (answer.problems || []).filter(function (p) { return p.file === path; });
        const others = (answer.problem_count || 0) - mine.length;
        fill(ui.deployList, mine.map(function (p) { return p.message; }));
        let text = mine.length ? label("deploy-some", { count: mine.length }) : label("deploy-none");
        if (others > 0) { text += " " + label("deploy-others", { count: others }); }
        ui.deployCount.textContent = text;
        ui.deployCount.classList.toggle("errors", mine.length > 0);
      });
    }).catch(function (err) { ui.deployCount.textContent = label("deploy-failed") + " " + err.message; });
  }

  // -- the preview: drawn and checked by the server -------------------------------------------------------
  function focusOf(container) {
    const active = document.activeElement;
    if (!active || !container.contains(active)) { return null; }
    const at = { id: active.id, name: active.name, value: active.value, type: active.type };
    try { at.start = active.selectionStart; at.end = active.selectionEnd; } catch (e) { /* not a text input */ }
    return at;
  }

  function refocus(container, at) {
    if (!at) { return; }
    let again = at.id ? document.getElementById(at.id) : null;
    if (!again && at.name) {
      again = Array.prototype.find.call(container.querySelectorAll("[name]"), function (x) {
        return x.name === at.name && (at.type !== "checkbox" && at.type !== "radio" || x.value === at.value);
      });
    }
    if (!again || !container.contains(again)) { return; }
    again.focus();
    try { if (typeof at.start === "number") { again.setSelectionRange(at.start, at.end); } } catch (e) { /* not a text input */ }
  }

  function inputsOf() {
    const pairs = [];
    new FormData(ui.preview).forEach(function (value, name) { if (typeof value === "string") { pairs.push([name, value]); } });
    return pairs;
  }

  function check() {
    timer = null;
    const fromInputs = pendingInputs;
    const action = pendingAction;
    pendingInputs = false;
    pendingAction = null;
    syncJson();
    const body = { schema: schema };
    if (fromInputs) {
      body.inputs = inputsOf();
      if (action) { body.action = action; }
    }
    const at = changes;
    const request = api(root.getAttribute("data-preview-url"), {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (!response.ok) { throw new Error(reasons(answer) || ("HTTP " + response.status)); }
        if (fromInputs && isObject(answer.example)) { setExample(answer.example); syncJson(); }
        if (at !== changes) { return; }  // changed meanwhile: a newer answer is on its way
        const focus = focusOf(ui.preview);
        ui.preview.innerHTML = answer.html;  // our own template's HTML (templates/web/_form_preview.html)
        refocus(ui.preview, focus);
        showCheck(answer);
      });
    }).catch(function (err) {
      if (at === changes) { ui.exampleStatus.textContent = label("preview-failed") + " " + err.message; }
    });
    inflight = request;
    request.then(function () { if (inflight === request) { inflight = null; } });
    return request;
  }

  function schedule(fromInputs, action) {
    changes += 1;
    if (fromInputs) { pendingInputs = true; }
    if (action) { pendingAction = action; }
    markDirty();
    ui.exampleStatus.textContent = label("checking");
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(check, action ? 0 : DEBOUNCE_MS);
  }

  function changed() { schedule(false); }

  function flush() {
    if (timer) { clearTimeout(timer); return check(); }
    return inflight || Promise.resolve();
  }

  // -- the JSON ----------------------------------------------------------------------------------------------
  function syncJson() {
    if (!jsonTouched) { ui.json.value = JSON.stringify(schema, null, 2); }
  }

  function jsonProblem(text) {
    ui.jsonError.textContent = "";
    ui.jsonError.hidden = !text;
    ui.json.setAttribute("aria-invalid", text ? "true" : "false");
    ui.json.closest(".field").classList.toggle("has-error", !!text);
    if (text) { ui.jsonError.appendChild(el("p", { "class": "field-error", text: text })); }
  }

  function applyJson() {
    let parsed;
    try {
      parsed = JSON.parse(ui.json.value);
    } catch (err) {
      jsonProblem(label("json-invalid", { reason: err.message }));
      ui.json.focus();
      return false;
    }
    if (!isObject(parsed)) {
      jsonProblem(label("json-not-object"));
      ui.json.focus();
      return false;
    }
    jsonProblem(null);
    schema = parsed;
    jsonTouched = false;
    ui.jsonApply.hidden = true;
    renderCards();
    changed();
    say(label("json-taken"), "ok");
    return true;
  }

  // -- saving ------------------------------------------------------------------------------------------------
  function markDirty() {
    if (changes !== savedAt) { say(label("dirty"), "warn"); }
  }

  function setRevision(value) {
    revision = value;
    if (ui.revisionShown) { ui.revisionShown.textContent = String(value); }
    if (ui.jsonRevision) { ui.jsonRevision.value = String(value); }
  }

  function download() {
    const url = URL.createObjectURL(new Blob([JSON.stringify(schema, null, 2) + "\n"], { type: "application/json" }));
    const a = el("a", { href: url, download: root.getAttribute("data-key") + "-mine.schema.json" });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function save() {
    if (jsonTouched && !applyJson()) { return Promise.resolve(); }
    ui.save.disabled = true;
    say(label("saving"));
    let sent = 0;
    return flush().then(function () {
      sent = changes;
      return api(root.getAttribute("data-save-url"), {
        method: "PUT",
        headers: { "Content-Type": "application/json", "If-Match": '"draft-r' + revision + '"' },
        body: JSON.stringify({ schema: schema })
      });
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (response.status === 200) {
          const moved = answer.revision !== revision;
          setRevision(answer.revision);
          savedAt = sent;
          ui.conflict.hidden = true;
          if (changes === sent) { say(moved ? label("saved", { revision: answer.revision }) : label("unchanged"), "ok"); } else { markDirty(); }
          return loadDeployProblems();
        }
        if (response.status === 412 && answer.details && answer.details.revision) {
          ui.conflict.hidden = false;
          ui.conflict.querySelector('[data-testid="conflict-message"]').textContent = label("conflict", { revision: answer.details.revision });
          say(label("dirty"), "warn");
          return null;
        }
        say(label("failed") + " " + (reasons(answer) || response.status), "error");
        return null;
      });
    }).catch(function (err) {
      say(label("failed") + " " + err.message, "error");
    }).then(function () {
      ui.save.disabled = false;
    });
  }

  // -- start ------------------------------------------------------------------------------------------------
  ui.title.addEventListener("input", function () { setOrDelete(schema, "title", ui.title.value); changed(); });
  ui.titleEn.addEventListener("input", function () { setOrDelete(schema, "x-title-en", ui.titleEn.value); changed(); });
  ui.addField.addEventListener("click", addField);
  ui.save.addEventListener("click", save);
  ui.conflict.querySelector('[data-testid="download-mine"]').addEventListener("click", download);
  // the preview's inputs are the example: typed in, read back by the server as a task page reads them
  ui.preview.addEventListener("input", function () { schedule(true); });
  ui.preview.addEventListener("change", function () { schedule(true); });
  ui.preview.addEventListener("submit", function (event) {
    event.preventDefault();  // a row added or removed (its buttons), or Enter in a field
    const by = event.submitter;
    if (by && (by.name === "_add" || by.name === "_remove")) { schedule(true, { [by.name]: by.value }); }
  });
  ui.json.addEventListener("input", function () {
    jsonTouched = true;
    ui.jsonApply.hidden = false;
    say(label("json-touched"), "warn");
  });
  ui.jsonApply.addEventListener("click", applyJson);
  ui.jsonForm.addEventListener("submit", function (event) {
    event.preventDefault();  // checked as JSON here, then saved through the API like the editor
    if (jsonTouched && !applyJson()) { return; }
    save();
  });
  window.addEventListener("beforeunload", function (event) {
    if (changes !== savedAt || jsonTouched) { event.preventDefault(); event.returnValue = ""; }
  });

  renderCards();
  ui.save.disabled = false;
  say("");
  check();
  loadDeployProblems();
})();
