/* What the workbench's scripts share (workbench-editor.js, workbench-rules.js, workbench-forms.js):
   the page's words, building elements, the API with the page's CSRF token and language, and a
   refusal's reasons. Loaded before them (defer keeps the order); it draws nothing itself. */
(function () {
  "use strict";

  // a word the page put on `root` as data-label-<name>, its {placeholders} filled from `values`
  function label(root, name, values) {
    let text = root.getAttribute("data-label-" + name) || name;
    Object.keys(values || {}).forEach(function (key) { text = text.split("{" + key + "}").join(String(values[key])); });
    return text;
  }

  // an element: attrs (text: its text; className; true: a bare attribute; null, undefined, false: none) and children
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      const value = attrs[key];
      if (value === null || value === undefined || value === false) { return; }
      if (key === "text") { node.textContent = value; } else if (key === "className") { node.className = value; } else { node.setAttribute(key, value === true ? "" : value); }
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined && child !== false) { node.appendChild(typeof child === "string" ? document.createTextNode(child) : child); }
    });
    return node;
  }

  // a request to the API: the session's cookie, the CSRF token, and the page's language (the API
  // answers in it: the problems, a refusal's reasons)
  function api(url, options) {
    const meta = document.querySelector('meta[name="csrf-token"]');
    const headers = Object.assign({ "X-CSRFToken": meta ? meta.getAttribute("content") : "", "X-Requested-With": "fetch",
                                    "Accept-Language": document.documentElement.lang || "zh-CN" },
                                  (options && options.headers) || {});
    return fetch(url, Object.assign({ credentials: "same-origin" }, options || {}, { headers: headers }));
  }

  // what a refusal says: each field's reasons, else its message
  function reasons(answer) {
    let said = [];
    Object.keys((answer && answer.errors) || {}).forEach(function (key) { said = said.concat(answer.errors[key]); });
    return said.length ? said.join("；") : ((answer && answer.message) || "");
  }

  function isObject(value) { return value !== null && typeof value === "object" && !Array.isArray(value); }

  window.ZhifaCommon = { label: label, el: el, api: api, reasons: reasons, isObject: isObject };
}());
