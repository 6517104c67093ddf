// The evidence list's upload form (templates/web/evidence.html), with script on: files dropped on
// the form or chosen (several, or a photo from the camera) are sent one by one, each with its own
// progress bar (XHR upload events; a 200 MB video shows how far it is), the CSRF token in a header.
// The server decides everything (type, size, the case's state) and says why a file is refused; this
// only shows it. Without script the form posts all files at once.
(function () {
  "use strict";

  function setUp(form) {
    var inputs = form.querySelectorAll('input[type="file"]');
    var list = form.querySelector(".upload-progress");
    var zone = form.querySelector("[data-testid=drop-zone]");
    var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
    var dropped = [];
    var shownAt = null;  // the list's page that shows the first file sent

    function label(name) { return form.getAttribute("data-label-" + name); }

    function row(file) {
      var li = document.createElement("li");
      var name = document.createElement("span");
      name.className = "upload-name";
      name.textContent = file.name;
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", file.name);
      var state = document.createElement("span");
      state.className = "upload-state";
      state.textContent = label("sending");
      li.appendChild(name);
      li.appendChild(bar);
      li.appendChild(state);
      list.appendChild(li);
      return {li: li, bar: bar, state: state};
    }

    function send(file, fields) {
      return new Promise(function (resolve) {
        var shown = row(file);
        var data = new FormData();
        fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
        data.append("file", file, file.name);
        var xhr = new XMLHttpRequest();
        xhr.open("POST", form.action);
        xhr.setRequestHeader("X-CSRFToken", token);
        xhr.setRequestHeader("X-Requested-With", "fetch");
        xhr.upload.addEventListener("progress", function (event) {
          if (event.lengthComputable) { shown.bar.value = Math.round(event.loaded * 100 / event.total); }
        });
        xhr.addEventListener("load", function () {
          var answer = {};
          try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = {}; }
          if (xhr.status === 201) {
            shown.bar.value = 100;
            shown.state.textContent = answer.created ? label("done") : label("same");
            shown.li.className = "upload-ok";
            shownAt = shownAt || answer.list;
            resolve(true);
          } else {
            var reasons = [];
            Object.keys(answer.errors || {}).forEach(function (k) { reasons = reasons.concat(answer.errors[k]); });
            shown.state.textContent = label("failed") + ": " + (reasons.join("; ") || answer.message || xhr.status);
            shown.li.className = "upload-failed";
            shown.li.setAttribute("data-testid", "upload-failed");
            resolve(false);
          }
        });
        xhr.addEventListener("error", function () {
          shown.state.textContent = label("failed");
          shown.li.className = "upload-failed";
          resolve(false);
        });
        xhr.send(data);
      });
    }

    if (zone) {
      ["dragenter", "dragover"].forEach(function (type) {
        zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("is-over"); });
      });
      ["dragleave", "drop"].forEach(function (type) {
        zone.addEventListener(type, function () { zone.classList.remove("is-over"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        dropped = dropped.concat(Array.prototype.slice.call(event.dataTransfer.files));
        form.requestSubmit();
      });
    }

    form.addEventListener("submit", function (event) {
      var files = dropped.slice();
      inputs.forEach(function (input) { files = files.concat(Array.prototype.slice.call(input.files)); });
      if (!files.length) { return; }  // the server says that a file is needed
      event.preventDefault();
      dropped = [];
      list.textContent = "";
      var fields = [];
      new FormData(form).forEach(function (value, key) { if (key !== "file") { fields.push([key, value]); } });
      var button = form.querySelector("[type=submit]");
      button.disabled = true;
      shownAt = null;
      // one after another: a slow site connection gives each file the whole bandwidth
      files.reduce(function (chain, file) {
        return chain.then(function (okSoFar) { return send(file, fields).then(function (ok) { return okSoFar && ok; }); });
      }, Promise.resolve(true)).then(function (allOk) {
        button.disabled = false;
        inputs.forEach(function (input) { input.value = ""; });
        if (allOk) {
          var done = document.createElement("li");
          done.textContent = label("all-done");
          list.appendChild(done);
          // the page of the list that shows the first file sent (the server says which)
          if (shownAt) { window.location.assign(shownAt); } else { window.location.reload(); }
        }
      });
    });
  }

  document.querySelectorAll("form.evidence-upload").forEach(setUp);
}());
