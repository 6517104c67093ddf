// Photos taken in a step's page (widget "evidence", templates/web/_form_fields.html): each photo the
// phone's camera takes is sent at once to the case's evidence list, collected at this step (the
// list's own upload, CSRF token in a header), and comes back as a checked box with its thumbnail,
// which the step's form then names. The server decides everything (type, size, the case's state)
// and says why a photo is refused; this only shows it. Without script the page offers the evidence
// list, where the photos are added, and the form lists those collected at the step.
(function () {
  "use strict";

  function setUp(pick) {
    var camera = pick.querySelector("[data-evidence-camera]");
    var input = camera.querySelector('input[type="file"]');
    var choices = pick.querySelector("[data-evidence-choices]");
    var none = pick.querySelector("[data-evidence-none]");
    var progress = pick.querySelector("[data-evidence-progress]");
    var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
    var field = pick.getAttribute("data-field");

    function chosen(id, title, url) {
      var existing = choices.querySelector('input[value="' + id + '"]');
      if (existing) { existing.checked = true; return; }
      var label = document.createElement("label");
      label.className = "check photo";
      var box = document.createElement("input");
      box.type = "checkbox";
      box.name = field;
      box.value = String(id);
      box.checked = true;
      var thumb = document.createElement("img");
      thumb.className = "thumb";
      thumb.alt = "";
      thumb.width = 64;
      thumb.src = url + "/thumbnail.jpg";
      label.appendChild(box);
      label.appendChild(thumb);
      label.appendChild(document.createTextNode(" " + title));
      choices.appendChild(label);
      none.hidden = true;
    }

    function send(file) {
      var li = document.createElement("li");
      li.textContent = file.name + " · " + pick.getAttribute("data-label-sending");
      progress.appendChild(li);
      var data = new FormData();
      data.append("file", file, file.name);
      data.append("task_id", pick.getAttribute("data-task"));
      return fetch(pick.getAttribute("data-upload-url"), {
        method: "POST", body: data, credentials: "same-origin",
        headers: {"X-CSRFToken": token, "X-Requested-With": "fetch"}
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (response.status === 201 || response.status === 200) {
            progress.removeChild(li);
            chosen(answer.id, file.name, answer.url);
            return;
          }
          var reasons = [];
          Object.keys(answer.errors || {}).forEach(function (k) { reasons = reasons.concat(answer.errors[k]); });
          li.className = "upload-failed";
          li.setAttribute("data-testid", "upload-failed");
          li.textContent = file.name + " · " + pick.getAttribute("data-label-failed") + ": " +
            (reasons.join("; ") || answer.message || response.status);
        });
      }, function () {
        li.className = "upload-failed";
        li.textContent = file.name + " · " + pick.getAttribute("data-label-failed");
      });
    }

    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files);
      input.disabled = true;
      // one after another: a site's slow connection gives each photo the whole bandwidth
      files.reduce(function (chain, file) { return chain.then(function () { return send(file); }); }, Promise.resolve())
        .then(function () { input.value = ""; input.disabled = false; });
    });
    camera.hidden = false;
  }

  document.querySelectorAll("[data-evidence-pick]").forEach(setUp);
}());
