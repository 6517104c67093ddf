// The workbench's rule bindings (templates/web/workbench_draft.html, after workbench-editor.js): a
// section of the properties panel (window.ZhifaWorkbench.addSection) showing, for the selected step,
// the law's rule kinds bound to its form in the package's bpmn/<id>/rules.json
// (workflow_app/oversight/bindings.py): each kind's name in Chinese and English, its article and what
// its breach does, its parameters chosen from the draft's fields (GET /api/v1/drafts/<id>/catalogue),
// the forms it governs; a kind added from the law's list, a binding removed, a change undone.
//
// The page decides nothing: the rules file is staged with the diagram (ZhifaWorkbench.stage, saved by
// the page's one Save), and every change is checked by the deploy's own code on the server
// (POST /api/v1/drafts/<id>/rules/check), whose problems are shown on the binding they concern.
// What the section does not edit (the file's $comment, clock, conditions, unknown keys) is kept as
// it was: the file is parsed once, changed in place and written back whole.
(function () {
  "use strict";

  const W = window.ZhifaWorkbench;
  const host = document.getElementById("workbench-rules");
  if (!W || !host || !window.fetch) { return; }

  const english = /^en/i.test(document.documentElement.lang || "");
  const HUMAN = ["bpmn:UserTask", "bpmn:ManualTask", "bpmn:Task"];
  const ROOTS = ["bpmn:Process", "bpmn:Collaboration", "bpmn:Participant"];
  const LIST_OPEN = 4;  // a list parameter of more rows than this starts folded
  const WIDTH = 100;  // the rules file's lines: a part shorter than this stays on one line

  // -- state ------------------------------------------------------------------------------------------
  let generation = 0;  // a load, superseded by the next one
  let loading = null;
  let status = "loading";  // loading | ok | missing | invalid | failed
  let failure = "";
  let cat = null;  // the catalogue's answer
  let kinds = {};  // name -> kind
  let fields = {};  // ref -> {field, form, key}
  let path = null;  // bpmn/<id>/rules.json
  let doc = null;  // the rules file as the page holds it (parsed)
  let savedText = null;  // the file as last read or saved
  let stagedText = null;  // the file as last staged for the page's Save (null: nothing staged)
  let origin = new WeakMap();  // binding -> its JSON as last read or saved (none: added here)
  let removed = [];  // [{entry, index}] removed since then
  const ids = new WeakMap();
  let nextId = 1;
  let chooser = { open: false, query: "" };
  let touched = new WeakSet();  // bindings edited while this step is shown (kept shown if moved off it)
  const opened = new WeakSet();  // bindings whose settings the author unfolded
  let shown = null;  // {element, box, cards: [{entry, problems, controls}], other}
  const check = { seq: 0, timer: null, problems: [], entries: [], failed: "", done: false };

  const C = window.ZhifaCommon;
  function label(name, values) { return C.label(host, name, values); }
  const el = C.el;

  // a button's name: its visible words first, then what it acts on (the same words for every row)
  function named(visible, what) { return visible + " (" + what + ")"; }

  const isObject = C.isObject;

  function uid(entry) {
    if (!ids.has(entry)) { ids.set(entry, "b" + (nextId++)); }
    return ids.get(entry);
  }

  function both(pair) {  // {zh, en} -> [the reader's language, the other]
    if (!pair) { return ["", ""]; }
    return english ? [pair.en || pair.zh || "", pair.zh || ""] : [pair.zh || pair.en || "", pair.en || ""];
  }

  function formTitle(key) {
    const form = cat && cat.forms[key];
    if (!form) { return key; }
    return (english && form.title_en) || form.title || key;
  }

  function fieldTitle(field) { return (english && field.title_en) || field.title || field.ref; }

  // -- the rules file: read, written back, checked ------------------------------------------------------
  function inline(value) {
    if (Array.isArray(value)) { return "[" + value.map(inline).join(", ") + "]"; }
    if (isObject(value)) { return "{" + Object.keys(value).map(function (k) { return JSON.stringify(k) + ": " + inline(value[k]); }).join(", ") + "}"; }
    return JSON.stringify(value);
  }

  // the file as people write it: two spaces, a short part on one line
  function pretty(value, depth, lead) {
    const one = inline(value);
    const container = Array.isArray(value) || isObject(value);
    if (!container || (depth > 0 && depth * 2 + lead + one.length <= WIDTH) || one === "[]" || one === "{}") { return one; }
    const pad = "  ".repeat(depth + 1);
    const end = "  ".repeat(depth);
    if (Array.isArray(value)) {
      return "[\n" + value.map(function (item) { return pad + pretty(item, depth + 1, 0); }).join(",\n") + "\n" + end + "]";
    }
    return "{\n" + Object.keys(value).map(function (k) {
      const key = JSON.stringify(k) + ": ";
      return pad + key + pretty(value[k], depth + 1, key.length);
    }).join(",\n") + "\n" + end + "}";
  }

  function serialize() { return pretty(doc, 0, 0) + "\n"; }

  function entries() { return doc && Array.isArray(doc.rules) ? doc.rules : []; }

  function accept(text) {
    savedText = text;
    stagedText = null;
    origin = new WeakMap();
    removed = [];
    Object.keys(extras).forEach(function (k) { delete extras[k]; });
    doc = null;
    failure = "";
    if (text === null) { status = "missing"; return; }
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      status = "invalid";
      failure = err.message;
      return;
    }
    if (!isObject(parsed) || (parsed.rules !== undefined && !Array.isArray(parsed.rules))) {
      status = "invalid";
      failure = label("not-an-object");
      return;
    }
    doc = parsed;
    entries().forEach(function (entry) { if (isObject(entry)) { origin.set(entry, JSON.stringify(entry)); } });
    status = "ok";
  }

  function setCatalogue(answer) {
    cat = answer;
    path = answer.rules_path;
    kinds = {};
    (answer.rule_kinds || []).forEach(function (k) { kinds[k.name] = k; });
    fields = {};
    Object.keys(answer.forms || {}).forEach(function (key) {
      (answer.forms[key].fields || []).forEach(function (f) { fields[f.ref] = { field: f, key: key }; });
    });
  }

  function load(fresh) {
    const mine = ++generation;
    status = "loading";
    loading = W.catalogue(fresh).then(function (answer) {
      if (mine !== generation) { return; }
      setCatalogue(answer);
      return hasFile(answer.rules_path).then(function (has) {
        return has ? W.readFile(answer.rules_path) : null;
      }).then(function (text) {
        if (mine === generation) { accept(text); }
      });
    }).catch(function (err) {
      if (mine !== generation) { return; }
      status = "failed";
      failure = err.message;
    }).then(function () {
      if (mine !== generation) { return; }
      draw();
      runCheck();
    });
    return loading;
  }

  // whether the draft holds the file (its list of files: a missing one is not asked for, which the
  // browser would log as a failed load)
  function hasFile(name) {
    return W.api(host.getAttribute("data-draft-url")).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (draft) {
      return (draft.files || []).some(function (f) { return f.path === name; });
    });
  }

  // a change of the file: staged for the page's Save, checked again
  function changed(redraw) {
    stagedText = status === "ok" ? serialize() : savedText;
    W.stage(path, stagedText);
    if (redraw !== false) { draw(); } else { markChanges(); }
    clearTimeout(check.timer);
    check.timer = setTimeout(runCheck, 350);
  }

  function runCheck() {
    const seq = ++check.seq;
    const text = status === "ok" ? serialize() : savedText;
    if (text === null || status === "loading" || status === "failed") {
      check.problems = [];
      check.done = false;
      showProblems();
      return;
    }
    const sent = entries().slice();
    W.api(host.getAttribute("data-check-url"), {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ content: text })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (!response.ok) {
          let said = [];
          Object.keys(answer.errors || {}).forEach(function (k) { said = said.concat(answer.errors[k]); });
          throw new Error(said.join("；") || answer.message || String(response.status));
        }
        return answer;
      });
    }).then(function (answer) {
      if (seq !== check.seq) { return; }
      check.problems = answer.problems || [];
      check.entries = sent;
      check.failed = "";
      check.done = true;
      showProblems();
    }).catch(function (err) {
      if (seq !== check.seq) { return; }
      check.failed = err.message;
      check.done = false;
      showProblems();
    });
  }

  function problemsOf(entry) {
    return check.problems.filter(function (p) { return p.rule !== null && p.rule !== undefined && check.entries[p.rule] === entry; });
  }

  // -- what a parameter may name ----------------------------------------------------------------------
  function fits(field, param) {
    const types = param.types || [];
    const own = Array.isArray(field.type) ? field.type : (field.type ? [field.type] : []);
    if (types.length && !own.some(function (t) { return types.indexOf(t) >= 0; })) { return false; }
    if (param.format && field.format !== param.format && !(param.format === "date" && field.format === "date-time")) { return false; }
    return true;
  }

  function shortTitle(text) { return String(text).replace(/[（(][^（()）]*[)）]\s*$/, "") || String(text); }

  function fieldSelect(id, value, param, options) {
    const opts = options || {};
    const select = el("select", { id: id, "data-param": param.name });
    select.appendChild(el("option", { value: "", text: opts.empty || label(param.optional ? "not-used" : "choose") }));
    let found = false;
    Object.keys(cat.forms).forEach(function (key) {
      if (opts.form && key !== opts.form) { return; }
      const group = el("optgroup", { label: formTitle(key) + " (" + key + ")" });
      (cat.forms[key].fields || []).forEach(function (f) {
        if (!fits(f, param) || (opts.topLevel && f.ref.split(".").length !== 2)) { return; }
        const stored = opts.bare ? f.ref.slice(key.length + 1) : f.ref;
        const option = el("option", { value: stored, text: shortTitle(fieldTitle(f)) + " · " + f.ref.slice(key.length + 1), title: fieldTitle(f) });
        if (stored === value) { option.selected = true; found = true; }
        group.appendChild(option);
      });
      if (group.children.length) { select.appendChild(group); }
    });
    if (value && !found) {
      select.appendChild(el("option", { value: value, text: value + " " + label("not-fitting"), selected: true }));
    }
    return select;
  }

  // where a field reference points, in words: the form's title and the field's
  function whereWords(ref) {
    const found = fields[ref];
    if (!found) { return ref ? ref + " " + label("not-fitting") : ""; }
    return formTitle(found.key) + " › " + fieldTitle(found.field) + " (" + ref + ")";
  }

  function choicesOf(ref) {
    const found = ref && fields[ref];
    if (!found || !found.field.enum) { return null; }
    const f = found.field;
    const names = (english && f.enum_labels_en) || f.enum_labels || [];
    return f.enum.map(function (value, i) { return { value: value, text: names[i] ? names[i] + " (" + value + ")" : String(value) }; });
  }

  function valueWords(value, ref) {
    const choices = choicesOf(ref) || [];
    const list = Array.isArray(value) ? value : [value];
    return list.map(function (v) {
      const found = choices.find(function (c) { return c.value === v; });
      return found ? found.text : JSON.stringify(v);
    }).join(label("list-separator"));
  }

  function defaultWords(param, params) {
    if (param.default === null || param.default === undefined) { return ""; }
    const ref = param.enum_of ? params[param.enum_of] : null;
    return label("default", { value: valueWords(param.default, ref) });
  }

  // the forms a binding's parameters read (bindings._forms_read): those it may be bound on
  function formsRead(kind, params) {
    const read = [];
    function add(key) { if (key && read.indexOf(key) < 0) { read.push(key); } }
    (kind ? kind.params : []).forEach(function (param) {
      const value = params[param.name];
      if (param.kind === "field" && typeof value === "string") { add(value.split(".")[0]); }
      if ((param.kind === "fields" || param.kind === "pairs") && Array.isArray(value)) {
        value.forEach(function (v) { (Array.isArray(v) ? v : [v]).forEach(function (r) { if (typeof r === "string") { add(r.split(".")[0]); } }); });
      }
      if (param.kind === "form" && typeof value === "string") { add(value); }
      if (param.kind === "map" && isObject(value)) { Object.keys(value).forEach(add); }
    });
    return read;
  }

  // -- the section ------------------------------------------------------------------------------------
  function section(element, panel) {
    const bo = element.businessObject;
    const root = ROOTS.indexOf(bo.$type) >= 0;
    const mode = root ? "file" : (HUMAN.indexOf(bo.$type) >= 0 ? "step" : (milestoneOf(element) ? "milestone" : null));
    if (!mode) { shown = null; return; }
    if (!shown || shown.element !== element) { touched = new WeakSet(); chooser = { open: false, query: "" }; }
    const box = el("section", { className: "rules-section", "aria-labelledby": "rules-h", "data-testid": "rules-section" });
    panel.appendChild(box);
    shown = { element: element, box: box, root: root, mode: mode, cards: [], other: null, facts: facts(element) };
    if (!loading) { load(false); }
    if (!listening) {
      listening = true;
      // the step's form or milestone changed in the panel above: its rules are those of the new one
      W.modeler().get("eventBus").on("commandStack.changed", function () {
        if (shown && shown.box.isConnected && facts(shown.element) !== shown.facts) {
          shown.facts = facts(shown.element);
          draw();
        }
      });
    }
    draw();
  }

  let listening = false;

  function milestoneOf(element) { return (W.propertyOf(element, "milestone") || "").trim(); }

  function facts(element) { return W.propertyOf(element, "formKey") + "|" + milestoneOf(element); }

  // the section drawn anew; the control that had the focus keeps it
  function draw() {
    if (!shown || !shown.box.isConnected) { return; }
    const focused = document.activeElement && shown.box.contains(document.activeElement) ? document.activeElement.id : null;
    const box = shown.box;
    box.textContent = "";
    shown.cards = [];
    box.appendChild(el("h4", { id: "rules-h", text: label({ file: "file-heading", step: "heading", milestone: "milestone-heading" }[shown.mode]) }));
    try {
      if (!fileState(box)) {
        if (shown.mode === "file") {
          drawFile(box);
        } else if (shown.mode === "step") {
          drawStep(box);
        } else {
          milestoneDate(box, null);
        }
      }
      showProblems();
    } catch (err) {  // a file of a shape not foreseen: said, and the rest of the page goes on
      if (window.console) { console.warn("workbench rules:", err); }
      box.appendChild(el("p", { className: "errors", role: "alert", text: label("load-failed") + " " + err.message }));
    }
    if (focused) {
      const again = document.getElementById(focused);
      if (again && box.contains(again)) { again.focus(); }
    }
  }

  // the file's state when it cannot be edited; false when it can
  function fileState(box) {
    if (status === "loading") {
      box.appendChild(el("p", { className: "muted", text: label("loading") }));
      return true;
    }
    if (status === "failed") {
      box.appendChild(el("p", { className: "errors", role: "alert", text: label("load-failed") + " " + failure }));
      return true;
    }
    if (status === "ok") { return false; }
    const words = status === "missing" ? label("missing", { path: path }) : label("invalid", { path: path });
    box.appendChild(el("p", { "data-testid": "rules-file-state", text: words }));
    if (status === "invalid" && failure) { box.appendChild(el("p", { className: "hint errors", text: failure })); }
    const start = el("button", { type: "button", "data-testid": "rules-start", text: label(status === "missing" ? "start" : "start-over") });
    start.addEventListener("click", function () {
      doc = { rules: [] };
      status = "ok";
      changed();
    });
    box.appendChild(el("p", {}, [start]));
    return true;
  }

  function summaryLine(box) {
    const line = el("p", { className: "rules-status", role: "status", "data-testid": "rules-status" });
    box.appendChild(line);
    shown.other = line;
    shown.jumps = el("ul", { className: "rule-jumps", "data-testid": "rules-jumps" });
    box.appendChild(shown.jumps);
  }

  function drawFile(box) {
    const count = entries().length;
    const forms = [];
    entries().forEach(function (e) { ((isObject(e) && Array.isArray(e.on)) ? e.on : []).forEach(function (f) { if (forms.indexOf(f) < 0) { forms.push(f); } }); });
    box.appendChild(el("p", { text: label("file-count", { count: count, forms: forms.length, path: path }) }));
    box.appendChild(el("p", { className: "hint", text: label("file-hint") }));
    summaryLine(box);
    revertAll(box);
  }

  function drawStep(box) {
    const key = W.propertyOf(shown.element, "formKey");
    if (!key) {
      box.appendChild(el("p", { className: "muted", text: label("no-form") }));
      return;
    }
    box.appendChild(el("p", { className: "hint", text: label("intro", { form: formTitle(key) + " (" + key + ")" }) }));
    summaryLine(box);
    const mine = entries().filter(function (e) {
      return isObject(e) && ((Array.isArray(e.on) && e.on.indexOf(key) >= 0) || touched.has(e));
    });
    const list = el("ul", { className: "rule-list", "data-testid": "rule-bindings" });
    mine.forEach(function (entry) { list.appendChild(card(entry, key)); });
    if (mine.length) { box.appendChild(list); } else { box.appendChild(el("p", { className: "muted", "data-testid": "rules-none", text: label("none") })); }
    drawRemoved(box, key);
    drawChooser(box, key);
    drawOthers(box, key);
    revertAll(box);
  }

  function effectWords(effect) { return label("effect-" + effect); }

  function card(entry, key) {
    const id = uid(entry);
    const kind = kinds[entry.kind];
    const params = isObject(entry.params) ? entry.params : {};
    const item = el("li", { className: "rule-card", "data-testid": "rule-binding", "data-kind": String(entry.kind), id: "rb-" + id });
    const names = kind ? both(kind.title) : [String(entry.kind), ""];
    const heading = el("h5", { className: "rule-title", id: "rb-" + id + "-h" }, [
      el("span", { className: "rule-name", "data-testid": "rule-name", text: names[0] }),
      names[1] ? el("span", { className: "rule-name-other", lang: english ? "zh-CN" : "en", "data-testid": "rule-name-other", text: names[1] }) : null
    ]);
    item.appendChild(heading);
    if (!kind) {
      item.appendChild(el("p", { className: "errors", text: label("unknown-kind", { kind: String(entry.kind) }) }));
    } else {
      item.appendChild(el("p", { className: "rule-meta" }, [
        el("span", { className: "rule-article", "data-testid": "rule-article", text: kind.article }),
        el("span", { className: "rule-effect effect-" + kind.effect, "data-testid": "rule-effect", text: effectWords(kind.effect) }),
        el("code", { className: "rule-code", text: kind.name })
      ]));
    }
    const state = !origin.has(entry) ? label("added") : (JSON.stringify(entry) !== origin.get(entry) ? label("changed") : "");
    const tag = el("p", { className: "rule-change", "data-testid": "rule-change", text: state });
    tag.hidden = !state;
    item.appendChild(tag);
    if (Array.isArray(entry.on) && entry.on.indexOf(key) < 0) {
      item.appendChild(el("p", { className: "hint", text: label("moved-off") }));
    }
    const problems = el("ul", { className: "rule-problems", "data-testid": "rule-problems", id: "rb-" + id + "-problems" });
    item.appendChild(problems);
    const entryCard = { entry: entry, problems: problems, controls: {}, tag: tag, revert: null };
    shown.cards.push(entryCard);
    // its settings folded, unless added here or shown with a problem (showProblems opens it)
    const body = el("details", { className: "rule-body", "data-testid": "rule-body" }, [
      el("summary", { "data-testid": "rule-open", text: label("settings") })]);
    entryCard.body = body;
    // drawn when first unfolded: a step's cards hold hundreds of selects when all are drawn
    function fill() {
      if (entryCard.filled) { return; }
      entryCard.filled = true;
      if (kind && kind.doc) { body.appendChild(el("p", { className: "rule-doc", lang: docOf(kind).lang, text: docOf(kind).text })); }
      if (kind) {
        kind.params.forEach(function (param) { body.appendChild(paramControl(entry, kind, param, params, entryCard)); });
        const unknown = Object.keys(params).filter(function (n) { return !kind.params.some(function (p) { return p.name === n; }); });
        if (unknown.length) { body.appendChild(el("p", { className: "hint", text: label("kept-keys", { keys: unknown.join(", ") }) })); }
      } else if (Object.keys(params).length) {
        body.appendChild(el("pre", { className: "rule-raw", text: JSON.stringify(params, null, 1) }));
      }
      body.appendChild(onChoices(entry, kind, params, key, id));
      markCard(entryCard);
    }
    entryCard.fill = fill;
    body.addEventListener("toggle", function () {
      if (body.open) { opened.add(entry); fill(); } else { opened.delete(entry); }
    });
    if (opened.has(entry) || !origin.has(entry)) {
      body.open = true;
      fill();
    }
    item.appendChild(body);
    const actions = el("p", { className: "rule-actions" });
    const revert = el("button", { type: "button", "data-testid": "rule-revert", text: label(origin.has(entry) ? "revert" : "revert-added"),
                                  "aria-describedby": "rb-" + id + "-h" });
    revert.hidden = !state;
    revert.addEventListener("click", function () { revertEntry(entry); });
    entryCard.revert = revert;
    const remove = el("button", { type: "button", "data-testid": "rule-remove", text: label("remove"), "aria-describedby": "rb-" + id + "-h" });
    remove.addEventListener("click", function () { removeEntry(entry); });
    actions.appendChild(revert);
    actions.appendChild(remove);
    item.appendChild(actions);
    return item;
  }

  function setParam(entry, name, value) {
    if (!isObject(entry.params)) { entry.params = {}; }
    if (value === undefined || value === "" || (Array.isArray(value) && !value.length)) {
      delete entry.params[name];
    } else {
      entry.params[name] = value;
    }
    touched.add(entry);
  }

  function fieldWrap(id, text, control, hints) {
    const wrap = el("div", { className: "field rule-param" });
    wrap.appendChild(el("label", { for: id, text: text }));
    wrap.appendChild(control);
    const described = [];
    (hints || []).forEach(function (h, i) {
      if (!h) { return; }
      const p = el("p", { className: "hint", id: id + "-hint" + i, text: h.text, lang: h.lang || null });
      described.push(p.id);
      wrap.appendChild(p);
    });
    if (described.length) { control.setAttribute("aria-describedby", described.join(" ")); }
    return wrap;
  }

  // what a kind or a parameter is (the catalogue's doc, doc_zh), in the page's language
  function docOf(item) {
    return english || !item.doc_zh ? { text: item.doc, lang: "en" } : { text: item.doc_zh, lang: "zh-CN" };
  }

  function paramName(param) { return param.name + (param.optional ? " " + label("optional") : ""); }

  function paramControl(entry, kind, param, params, entryCard) {
    const id = "rb-" + uid(entry) + "-" + param.name;
    const value = params[param.name];
    const doc = param.doc ? docOf(param) : null;
    const dflt = defaultWords(param, params) ? { text: defaultWords(param, params) } : null;
    let wrap;
    const controls = [];
    if (param.kind === "field") {
      const select = fieldSelect(id, typeof value === "string" ? value : "", param);
      select.addEventListener("change", function () { setParam(entry, param.name, select.value); changed(); });
      controls.push(select);
      wrap = fieldWrap(id, paramName(param), select, [value ? { text: whereWords(value) } : null, doc]);
    } else if (param.kind === "form") {
      const select = el("select", { id: id, "data-param": param.name });
      select.appendChild(el("option", { value: "", text: label(param.optional ? "not-used" : "choose") }));
      let found = false;
      Object.keys(cat.forms).forEach(function (key) {
        const o = el("option", { value: key, text: formTitle(key) + " (" + key + ")" });
        if (key === value) { o.selected = true; found = true; }
        select.appendChild(o);
      });
      if (value && !found) { select.appendChild(el("option", { value: String(value), text: value + " " + label("not-fitting"), selected: true })); }
      select.addEventListener("change", function () { setParam(entry, param.name, select.value); changed(); });
      controls.push(select);
      wrap = fieldWrap(id, paramName(param), select, [doc]);
    } else if (param.kind === "number") {
      const integer = (param.types || []).indexOf("integer") >= 0;
      const input = el("input", { id: id, type: "number", step: integer ? "1" : "any", min: integer ? "0" : null, max: integer ? "10000" : null,
                                  inputmode: integer ? "numeric" : "decimal", "data-param": param.name,
                                  placeholder: param.default !== null && param.default !== undefined ? String(param.default) : null });
      if (typeof value === "number") { input.value = String(value); }
      input.addEventListener("change", function () {
        const raw = input.value.trim();
        const number = raw === "" ? undefined : Number(raw);
        setParam(entry, param.name, number === undefined || isNaN(number) ? (raw === "" ? undefined : raw) : number);
        changed(false);
      });
      controls.push(input);
      wrap = fieldWrap(id, paramName(param), input, [dflt, doc]);
    } else if (param.kind === "text" && param.enum_of && choicesOf(params[param.enum_of])) {
      const select = el("select", { id: id, "data-param": param.name });
      select.appendChild(el("option", { value: "", text: dflt ? dflt.text : label(param.optional ? "not-used" : "choose") }));
      let found = false;
      choicesOf(params[param.enum_of]).forEach(function (c) {
        const o = el("option", { value: String(c.value), text: c.text });
        if (c.value === value) { o.selected = true; found = true; }
        select.appendChild(o);
      });
      if (value !== undefined && !found) { select.appendChild(el("option", { value: String(value), text: value + " " + label("not-a-choice"), selected: true })); }
      select.addEventListener("change", function () { setParam(entry, param.name, select.value); changed(); });
      controls.push(select);
      wrap = fieldWrap(id, paramName(param), select, [{ text: label("choice-of", { param: param.enum_of }) }, doc]);
    } else if (param.kind === "text") {
      const input = el("input", { id: id, type: "text", "data-param": param.name,
                                  placeholder: typeof param.default === "string" ? param.default : null });
      if (typeof value === "string") { input.value = value; }
      input.addEventListener("change", function () { setParam(entry, param.name, input.value.trim()); changed(false); });
      controls.push(input);
      const hints = [dflt, doc];
      if (param.enum_of) { hints.unshift({ text: label("choose-field-first", { param: param.enum_of }) }); }
      wrap = fieldWrap(id, paramName(param), input, hints);
    } else if (param.kind === "texts" && param.enum_of && choicesOf(params[param.enum_of])) {
      wrap = el("fieldset", { className: "field rule-param rule-choices", id: id, "data-param": param.name });
      wrap.appendChild(el("legend", { text: paramName(param) }));
      const current = Array.isArray(value) ? value : (Array.isArray(param.default) ? param.default : []);
      const boxes = el("div", { className: "choices" });
      choicesOf(params[param.enum_of]).forEach(function (c, i) {
        const boxId = id + "-" + i;
        const input = el("input", { type: "checkbox", id: boxId, value: String(c.value) });
        input.checked = current.indexOf(c.value) >= 0;
        input.addEventListener("change", function () {
          const chosen = [];
          boxes.querySelectorAll("input").forEach(function (b, j) { if (b.checked) { chosen.push(choicesOf(params[param.enum_of])[j].value); } });
          setParam(entry, param.name, chosen);
          changed();
        });
        controls.push(input);
        boxes.appendChild(el("label", { className: "check", for: boxId }, [input, c.text]));
      });
      wrap.appendChild(boxes);
      if (value === undefined && dflt) { wrap.appendChild(el("p", { className: "hint", text: dflt.text })); }
      if (doc) { wrap.appendChild(el("p", { className: "hint", lang: doc.lang, text: doc.text })); }
    } else if (param.kind === "texts") {
      const area = el("textarea", { id: id, rows: "3", "data-param": param.name,
                                    placeholder: Array.isArray(param.default) ? param.default.join("\n") : null });
      if (Array.isArray(value)) { area.value = value.join("\n"); }
      area.addEventListener("change", function () {
        setParam(entry, param.name, area.value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean));
        changed(false);
      });
      controls.push(area);
      wrap = fieldWrap(id, paramName(param), area, [{ text: label("one-a-line") }, dflt, doc]);
    } else if (param.kind === "fields" || param.kind === "map" || param.kind === "pairs") {
      wrap = listControl(entry, param, value, id, controls, doc, entryCard);
    } else {
      wrap = el("div", { className: "field rule-param" }, [el("p", { text: param.name + ": " + JSON.stringify(value) })]);
    }
    wrap.setAttribute("data-param", param.name);
    entryCard.controls[param.name] = { wrap: wrap, controls: controls };
    return wrap;
  }

  // Rows of field selects (a list parameter; the step's act dates). A row added is shown but kept out
  // of the file until its field is chosen (its pair's both): `extras`, by the editor's id.
  const extras = {};
  const unfolded = {};  // the editors whose long list the author unfolded, by id

  function rowsEditor(o) {
    const extra = extras[o.id] || (extras[o.id] = []);
    const all = o.rows.concat(extra);
    const box = el("fieldset", { className: "field rule-param rule-rows", id: o.id, "data-param": o.name, "data-testid": o.testid || null });
    box.appendChild(el("legend", { text: o.legend + (o.counted ? " " + label("rows", { count: o.rows.length }) : "") }));
    const folded = all.length > LIST_OPEN && !extra.length && !o.open;
    const holder = folded ? el("details", { className: "rule-fold" }, [el("summary", { text: label("show-rows", { count: all.length }) })]) : box;
    const list = el("ol", { className: "rule-row-list" });
    let built = false;
    if (folded) {
      holder.open = !!unfolded[o.id];
      holder.addEventListener("toggle", function () {
        unfolded[o.id] = holder.open;
        if (holder.open) { build(); }
      });
      box.appendChild(holder);
    }
    function complete(row) { return o.pairs ? row[0] !== "" && row[1] !== "" : row !== ""; }
    // the rows, drawn when shown (a folded list when first unfolded)
    function build() {
      if (built) { return; }
      built = true;
      all.forEach(drawRow);
      if (o.built) { o.built(); }
    }
    function drawRow(row, i) {
      const added = i >= o.rows.length;
      const li = el("li", { className: "rule-row" + (added ? " is-new" : ""), "data-testid": "rule-row" });
      const selects = el("div", { className: "rule-row-fields" });
      if (o.editable && !o.editable(row)) {  // a row the section does not edit (an act date under a condition)
        selects.appendChild(el("p", { text: o.words(row) }));
      } else {
        (o.pairs ? [0, 1] : [null]).forEach(function (part) {
          const selectId = o.id + "-" + i + (part === null ? "" : "-" + part);
          const current = part === null ? row : (Array.isArray(row) ? row[part] : "");
          const select = o.select(selectId, typeof current === "string" ? current : "");
          select.addEventListener("change", function () {
            if (!added) {
              if (part === null) { o.rows[i] = select.value; } else { o.rows[i][part] = select.value; }
              o.write(o.rows.filter(function (r) { return o.pairs || r !== ""; }));
              changed();
              return;
            }
            const j = i - o.rows.length;
            if (part === null) { extra[j] = select.value; } else { extra[j][part] = select.value; }
            if (complete(extra[j])) {
              o.rows.push(extra.splice(j, 1)[0]);
              o.write(o.rows);
              changed();
            } else {
              draw();
            }
          });
          if (o.controls) { o.controls.push(select); }
          const text = o.pairs ? label(part === 0 ? "earlier" : "later") : label("row", { number: i + 1 });
          selects.appendChild(el("div", { className: "rule-row-field" }, [el("label", { for: selectId, text: text }), select,
            current && o.hint ? el("p", { className: "hint", text: o.hint(current) }) : null]));
        });
      }
      li.appendChild(selects);
      const drop = el("button", { type: "button", className: "rule-row-remove", id: o.id + "-" + i + "-remove",
                                  text: label("remove-row"), "aria-label": named(label("remove-row"), o.name + " " + (i + 1)) });
      drop.addEventListener("click", function () {
        if (added) {
          extra.splice(i - o.rows.length, 1);
          draw();
        } else {
          o.rows.splice(i, 1);
          o.write(o.rows);
          changed();
        }
        const add = document.getElementById(o.id + "-add");
        if (add) { add.focus(); }
      });
      li.appendChild(drop);
      list.appendChild(li);
    }
    if (!folded || holder.open) { build(); }
    holder.appendChild(list);
    const addText = label(o.pairs ? "add-pair" : "add-row");
    const add = el("button", { type: "button", id: o.id + "-add", "data-testid": "rule-row-add", text: addText,
                               "aria-label": named(addText, o.name) });
    add.addEventListener("click", function () {
      extra.push(o.pairs ? ["", ""] : "");
      draw();
      const first = document.getElementById(o.id + "-" + (all.length) + (o.pairs ? "-0" : ""));
      if (first) { first.focus(); }
    });
    holder.appendChild(el("p", {}, [add]));
    (o.hints || []).forEach(function (h) { if (h) { box.appendChild(el("p", { className: "hint", lang: h.lang || null, text: h.text })); } });
    return box;
  }

  // a list of field references (fields), of [earlier, later] pairs, or a map form -> field(s)
  function listControl(entry, param, value, id, controls, doc, entryCard) {
    let rows;
    if (param.kind === "map") {
      rows = [];
      Object.keys(isObject(value) ? value : {}).forEach(function (form) {
        (Array.isArray(value[form]) ? value[form] : [value[form]]).forEach(function (name) { rows.push(form + "." + name); });
      });
    } else {
      rows = Array.isArray(value) ? value.map(function (r) { return Array.isArray(r) ? r.slice() : r; }) : [];
    }
    return rowsEditor({
      id: id, name: param.name, legend: paramName(param), rows: rows, pairs: param.kind === "pairs", counted: true,
      controls: controls, hints: [doc], hint: whereWords, built: function () { markCard(entryCard); },
      select: function (selectId, current) { return fieldSelect(selectId, current, param, { empty: label("choose") }); },
      write: function (now) {
        if (param.kind !== "map") { setParam(entry, param.name, now); return; }
        let out = {};
        now.forEach(function (ref) {
          if (typeof ref !== "string" || ref.indexOf(".") < 0) { return; }
          const form = ref.split(".")[0];
          const name = ref.slice(form.length + 1);
          out[form] = out[form] === undefined ? name : [].concat(out[form], [name]);
        });
        if (!Object.keys(out).length) { out = undefined; }
        setParam(entry, param.name, out);
      }
    });
  }

  function onChoices(entry, kind, params, key, id) {
    const on = Array.isArray(entry.on) ? entry.on : [];
    const candidates = [];
    function add(form) { if (typeof form === "string" && candidates.indexOf(form) < 0) { candidates.push(form); } }
    on.forEach(add);
    add(key);
    formsRead(kind, params).forEach(add);
    const box = el("fieldset", { className: "field rule-on", "data-testid": "rule-on" });
    box.appendChild(el("legend", { text: label("on") }));
    const choices = el("div", { className: "choices" });
    candidates.forEach(function (form, i) {
      const boxId = "rb-" + id + "-on-" + i;
      const input = el("input", { type: "checkbox", id: boxId, value: form });
      input.checked = on.indexOf(form) >= 0;
      input.addEventListener("change", function () {
        const now = Array.isArray(entry.on) ? entry.on.slice() : [];
        const at = now.indexOf(form);
        if (input.checked && at < 0) { now.push(form); }
        if (!input.checked && at >= 0) { now.splice(at, 1); }
        entry.on = now;
        touched.add(entry);
        changed();
      });
      choices.appendChild(el("label", { className: "check", for: boxId }, [input, formTitle(form) + " (" + form + ")"]));
    });
    box.appendChild(choices);
    box.appendChild(el("p", { className: "hint", text: label("on-hint") }));
    return box;
  }

  function revertEntry(entry) {
    if (!origin.has(entry)) {  // added here: undone by taking it away
      const at = entries().indexOf(entry);
      if (at >= 0) { doc.rules.splice(at, 1); }
    } else {
      const before = JSON.parse(origin.get(entry));
      Object.keys(entry).forEach(function (k) { delete entry[k]; });
      Object.assign(entry, before);
    }
    changed();
  }

  function removeEntry(entry) {
    const at = entries().indexOf(entry);
    if (at < 0) { return; }
    doc.rules.splice(at, 1);
    if (origin.has(entry)) { removed.push({ entry: entry, index: at }); }
    changed();
    const heading = shown && shown.box.querySelector("h4");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
  }

  function drawRemoved(box, key) {
    const mine = removed.filter(function (r) { return Array.isArray(r.entry.on) && r.entry.on.indexOf(key) >= 0; });
    if (!mine.length) { return; }
    const list = el("ul", { className: "rule-removed", "data-testid": "rules-removed" });
    mine.forEach(function (r) {
      const kind = kinds[r.entry.kind];
      const name = kind ? both(kind.title)[0] : String(r.entry.kind);
      const restore = el("button", { type: "button", "data-testid": "rule-restore", text: label("restore"),
                                     "aria-label": named(label("restore"), name) });
      restore.addEventListener("click", function () {
        removed.splice(removed.indexOf(r), 1);
        if (!Array.isArray(doc.rules)) { doc.rules = []; }
        doc.rules.splice(Math.min(r.index, doc.rules.length), 0, r.entry);
        changed();
      });
      list.appendChild(el("li", {}, [label("removed", { name: name }) + " ", restore]));
    });
    box.appendChild(list);
  }

  // -- adding a kind ------------------------------------------------------------------------------------
  function drawChooser(box, key) {
    const toggle = el("button", { type: "button", id: "rb-add", "data-testid": "rule-add", "aria-expanded": chooser.open ? "true" : "false",
                                  "aria-controls": "rb-chooser", text: label("add") });
    toggle.addEventListener("click", function () {
      chooser.open = !chooser.open;
      draw();
      const search = document.getElementById("rb-search");
      if (chooser.open && search) { search.focus(); }
    });
    box.appendChild(el("p", { className: "rule-add" }, [toggle]));
    if (!chooser.open) { return; }
    const panel = el("div", { className: "rule-chooser", id: "rb-chooser", "data-testid": "rule-chooser" });
    const search = el("input", { type: "search", id: "rb-search", "data-testid": "rule-search", autocomplete: "off" });
    search.value = chooser.query;
    panel.appendChild(fieldWrap("rb-search", label("search"), search, [{ text: label("search-hint") }]));
    const groups = [];
    (cat.rule_groups || []).forEach(function (g) {
      const members = cat.rule_kinds.filter(function (k) { return k.group === g.name; });
      if (!members.length) { return; }
      const names = both(g.title);
      const headingId = "rb-group-" + g.name;
      const group = el("div", { className: "rule-group", "data-group": g.name }, [
        el("p", { className: "rule-group-title", id: headingId }, [el("strong", { text: names[0] }), " ",
          el("span", { className: "muted", lang: english ? "zh-CN" : "en", text: names[1] })])
      ]);
      const list = el("ul", { "aria-labelledby": headingId });
      members.forEach(function (k) {
        const title = both(k.title);
        const pick = el("button", { type: "button", className: "rule-choice", "data-testid": "kind-choice", "data-kind": k.name }, [
          el("span", { className: "rule-name", text: title[0] }), " ",
          el("span", { className: "rule-name-other", lang: english ? "zh-CN" : "en", text: title[1] }), " ",
          el("span", { className: "rule-article", text: k.article }), " ",
          el("span", { className: "rule-effect effect-" + k.effect, text: effectWords(k.effect) })
        ]);
        pick.addEventListener("click", function () {
          const entry = { kind: k.name, on: [key], params: {} };
          if (!Array.isArray(doc.rules)) { doc.rules = []; }
          doc.rules.push(entry);
          touched.add(entry);
          chooser = { open: false, query: "" };
          changed();
          const added = document.getElementById("rb-" + uid(entry) + "-h");
          if (added) { added.setAttribute("tabindex", "-1"); added.focus(); }
        });
        const li = el("li", { className: "rule-kind", "data-words": [title[0], title[1], k.name, k.code, k.article, k.doc, k.doc_zh || ""].join(" ").toLowerCase() }, [
          pick, el("p", { className: "hint", lang: docOf(k).lang, text: docOf(k).text })
        ]);
        list.appendChild(li);
      });
      group.appendChild(list);
      groups.push(group);
      panel.appendChild(group);
    });
    const nothing = el("p", { className: "muted", text: label("search-none") });
    panel.appendChild(nothing);
    function filter() {
      chooser.query = search.value;
      const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      let any = false;
      groups.forEach(function (group) {
        let visible = 0;
        group.querySelectorAll(".rule-kind").forEach(function (li) {
          const hit = words.every(function (w) { return li.getAttribute("data-words").indexOf(w) >= 0; });
          li.hidden = !hit;
          if (hit) { visible += 1; }
        });
        group.hidden = !visible;
        if (visible) { any = true; }
      });
      nothing.hidden = any;
    }
    search.addEventListener("input", filter);
    const close = el("button", { type: "button", text: label("cancel") });
    close.addEventListener("click", function () { chooser = { open: false, query: "" }; draw(); toggle.focus(); });
    panel.appendChild(el("p", {}, [close]));
    box.appendChild(panel);
    filter();
  }

  // -- the file's other parts, where they concern the step ----------------------------------------------
  function conditionWords(c) {
    if (!isObject(c) || typeof c.field !== "string") { return JSON.stringify(c); }
    const field = whereWords(c.field);
    if ("equals" in c) { return label("cond-equals", { field: field, value: valueWords(c.equals, c.field) }); }
    if ("in" in c) { return label("cond-in", { field: field, value: valueWords(c.in, c.field) }); }
    if ("includes" in c) { return label("cond-includes", { field: field, value: valueWords(c.includes, c.field) }); }
    if ("excludes" in c) { return label("cond-excludes", { field: field, value: valueWords(c.excludes, c.field) }); }
    if ("filled" in c) { return label(c.filled ? "cond-filled" : "cond-empty", { field: field }); }
    return JSON.stringify(c);
  }

  function drawOthers(box, key) {
    const part = el("div", { className: "rule-others", "data-testid": "rules-others" });
    part.appendChild(el("h5", { text: label("others") }));
    actDates(part, key);
    milestoneDate(part, key);
    const unless = isObject(doc.overdue_alert_unless) ? doc.overdue_alert_unless[key] : undefined;
    if (Array.isArray(unless) && unless.length) {
      part.appendChild(el("p", { className: "rule-other-title", text: label("unless") }));
      const list = el("ul", { "data-testid": "rules-unless" });
      unless.forEach(function (c) { list.appendChild(el("li", { text: conditionWords(c) })); });
      part.appendChild(list);
    }
    if (isObject(doc.clock)) {
      const said = [];
      ["extension_request", "extension_approval", "excluded_period"].forEach(function (k) {
        if (doc.clock[k] === key) { said.push(label("clock-" + k.replace(/_/g, "-"))); }
      });
      const hearing = isObject(doc.clock.hearing_period) ? doc.clock.hearing_period : {};
      const refs = [].concat(hearing.requested || [], hearing.from || [], hearing.held || []);
      if (refs.some(function (r) { return typeof r === "string" && r.split(".")[0] === key; })) { said.push(label("clock-hearing")); }
      if (said.length) {
        const list = el("ul", { "data-testid": "rules-clock" });
        said.forEach(function (s) { list.appendChild(el("li", { text: s })); });
        part.appendChild(el("p", { className: "rule-other-title", text: label("clock") }));
        part.appendChild(list);
      }
    }
    box.appendChild(part);
  }

  // act_dates: the date of the step's act, the first of its fields recorded
  function actDates(part, key) {
    const declared = isObject(doc.act_dates) ? doc.act_dates[key] : undefined;
    const rows = declared === undefined ? [] : (Array.isArray(declared) ? declared.slice() : [declared]);
    const param = { name: "act_dates", kind: "field", types: ["string"], format: "date", optional: true };
    part.appendChild(rowsEditor({
      id: "rb-act-" + key, name: "act_dates", legend: label("act-dates"), rows: rows, testid: "rules-act-dates", open: true,
      hints: [{ text: label("act-dates-hint") }],
      hint: function (name) { return whereWords(key + "." + name); },
      editable: function (row) { return typeof row === "string"; },
      words: function (row) {
        return isObject(row) ? label("act-date-when", { field: whereWords(key + "." + row.field), when: conditionWords(row.when) })
          : JSON.stringify(row);
      },
      select: function (selectId, current) {
        return fieldSelect(selectId, current, param, { form: key, bare: true, topLevel: true, empty: label("choose") });
      },
      write: function (now) {
        if (!isObject(doc.act_dates)) { doc.act_dates = {}; }
        if (!now.length) {
          delete doc.act_dates[key];
        } else {
          doc.act_dates[key] = now.length === 1 && typeof now[0] === "string" && !Array.isArray(declared) ? now[0] : now;
        }
      }
    }));
  }

  // milestone_dates: the legal date of the step's milestone, as a step records it
  function milestoneDate(part, key) {
    const code = milestoneOf(shown.element);
    const declared = isObject(doc.milestone_dates) ? doc.milestone_dates : {};
    if (code) {
      const id = "rb-milestone";
      const param = { name: "milestone", kind: "field", types: ["string"], format: "date", optional: true };
      const value = typeof declared[code] === "string" ? declared[code] : "";
      const select = fieldSelect(id, value, param, { empty: label("milestone-none") });
      select.setAttribute("data-testid", "rules-milestone-date");
      select.addEventListener("change", function () {
        if (!isObject(doc.milestone_dates)) { doc.milestone_dates = {}; }
        if (select.value) { doc.milestone_dates[code] = select.value; } else { delete doc.milestone_dates[code]; }
        changed();
      });
      part.appendChild(fieldWrap(id, label("milestone-date", { code: code }), select, [value ? { text: whereWords(value) } : null]));
    }
    Object.keys(declared).forEach(function (other) {
      const ref = declared[other];
      if (key && other !== code && typeof ref === "string" && ref.split(".")[0] === key) {
        part.appendChild(el("p", { className: "hint", text: label("milestone-recorded", { code: other, field: whereWords(ref) }) }));
      }
    });
  }

  function revertAll(box) {
    if (status !== "ok" || savedText === null || serialize() === savedText || !changedSinceSave()) { return; }
    const button = el("button", { type: "button", "data-testid": "rules-revert-all", text: label("revert-all") });
    button.addEventListener("click", function () {
      accept(savedText);
      stagedText = savedText;
      W.stage(path, savedText);
      draw();
      runCheck();
    });
    box.appendChild(el("p", { className: "rule-actions" }, [button]));
  }

  // whether the file the page holds differs from the one saved (not only in its layout)
  function changedSinceSave() {
    try { return JSON.stringify(JSON.parse(savedText)) !== JSON.stringify(doc); } catch (err) { return true; }
  }

  // -- the deploy's problems on the bindings --------------------------------------------------------------
  function markChanges() {
    if (!shown) { return; }
    shown.cards.forEach(function (c) {
      const state = !origin.has(c.entry) ? label("added") : (JSON.stringify(c.entry) !== origin.get(c.entry) ? label("changed") : "");
      c.tag.textContent = state;
      c.tag.hidden = !state;
      if (c.revert) { c.revert.hidden = !state; }
    });
  }

  // a card's problems, on it and on the parameters they concern; how many
  function markCard(c) {
    const mine = problemsOf(c.entry);
    c.problems.textContent = "";
    c.problems.hidden = !mine.length;
    mine.forEach(function (p) { c.problems.appendChild(el("li", { className: "errors", "data-testid": "rule-problem", text: p.message })); });
    if (mine.length && c.body && !c.body.open) {
      c.body.open = true;
      c.fill();
    }
    Object.keys(c.controls).forEach(function (name) {
      const bad = mine.some(function (p) { return p.param === name; });
      const part = c.controls[name];
      part.wrap.classList.toggle("has-error", bad);
      part.controls.forEach(function (control) {
        if (bad) { control.setAttribute("aria-invalid", "true"); } else { control.removeAttribute("aria-invalid"); }
      });
    });
    return mine.length;
  }

  function showProblems() {
    if (!shown || !shown.box.isConnected || !shown.other) { return; }
    let here = 0;
    shown.cards.forEach(function (c) { here += markCard(c); });
    // the rules of this step with problems, one click away (they may be far down the panel)
    if (shown.jumps) {
      shown.jumps.textContent = "";
      shown.cards.forEach(function (c) {
        if (!problemsOf(c.entry).length) { return; }
        const heading = document.getElementById("rb-" + uid(c.entry) + "-h");
        const go = el("button", { type: "button", className: "link-button", text: heading ? heading.querySelector(".rule-name").textContent : String(c.entry.kind) });
        go.addEventListener("click", function () {
          if (!heading) { return; }
          heading.setAttribute("tabindex", "-1");
          heading.scrollIntoView({ block: "start" });
          heading.focus();
        });
        shown.jumps.appendChild(el("li", {}, [go]));
      });
    }
    const fileLevel = check.problems.filter(function (p) { return p.rule === null || p.rule === undefined; });
    const elsewhere = check.problems.length - here - fileLevel.length;
    const line = shown.other;
    line.textContent = "";
    line.className = "rules-status";
    if (check.failed) {
      line.textContent = label("check-failed") + " " + check.failed;
      line.classList.add("errors");
      return;
    }
    if (!check.done) { line.textContent = status === "ok" ? label("checking") : ""; return; }
    if (!check.problems.length) {
      line.textContent = label("check-ok");
      line.classList.add("is-ok");
      return;
    }
    const parts = [];
    if (!shown.root) { parts.push(here ? label("problems-here", { count: here }) : label("no-problems-here")); }
    if (elsewhere > 0) { parts.push(label("problems-elsewhere", { count: elsewhere })); }
    if (fileLevel.length) { parts.push(label("problems-file", { count: fileLevel.length })); }
    line.textContent = parts.join(" ");
    line.classList.toggle("errors", here > 0 || (shown.root && check.problems.length > 0));
    if (fileLevel.length) {
      const list = el("ul", { className: "rule-problems", "data-testid": "rules-file-problems" });
      fileLevel.forEach(function (p) { list.appendChild(el("li", { className: "errors", text: p.message })); });
      line.appendChild(list);
    }
    if (shown.root && elsewhere > 0) {
      const list = el("ul", { className: "rule-problems" });
      check.problems.forEach(function (p) { if (p.rule !== null && p.rule !== undefined) { list.appendChild(el("li", { className: "errors", text: p.message })); } });
      line.appendChild(list);
    }
  }

  // -- the page's events --------------------------------------------------------------------------------
  W.on("loaded", function () {  // the draft as saved (first, or again after a refused save)
    load(loading !== null);
  });
  W.on("saved", function () {  // what the page staged is now the draft's: the baseline of "undo"
    if (stagedText !== null && status === "ok") {
      savedText = stagedText;
      stagedText = null;
      origin = new WeakMap();
      entries().forEach(function (entry) { if (isObject(entry)) { origin.set(entry, JSON.stringify(entry)); } });
      removed = [];
    }
    draw();
    runCheck();
  });
  W.addSection(section);
})();
