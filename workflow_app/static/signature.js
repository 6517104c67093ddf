// The party's signature drawn on the screen (templates/web/_form_fields.html, widget "signature"):
// pointer events, so a finger, a stylus and a mouse all draw; the page does not scroll while one
// draws in the box (touch-action: none in web.css). On submit the drawing goes with the form as a
// PNG data URL (`<field>-png`); the server checks and keeps it (services/attachments.py).
(function () {
  "use strict";

  function setUp(pad) {
    var canvas = pad.querySelector("canvas");
    var png = pad.querySelector("[data-signature-png]");
    var state = pad.querySelector("[data-signature-state]");
    var clear = pad.querySelector("[data-signature-clear]");
    var form = pad.closest("form");
    var ctx = canvas.getContext("2d");
    var drawn = false;
    var last = null;

    function size() {
      // the bitmap follows the box's size on screen at the device's pixel density; a drawing
      // already made is kept (scaled) when the box changes size (a phone turned)
      var ratio = window.devicePixelRatio || 1;
      var width = Math.round(canvas.clientWidth * ratio);
      var height = Math.round(canvas.clientHeight * ratio);
      if (!width || !height || (width === canvas.width && height === canvas.height)) { return; }
      var copy = null;
      if (drawn) {
        copy = document.createElement("canvas");
        copy.width = canvas.width;
        copy.height = canvas.height;
        copy.getContext("2d").drawImage(canvas, 0, 0);
      }
      canvas.width = width;
      canvas.height = height;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
      ctx.lineWidth = 2.5 * ratio;
      if (copy) { ctx.drawImage(copy, 0, 0, width, height); }
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {x: (event.clientX - box.left) * canvas.width / box.width,
              y: (event.clientY - box.top) * canvas.height / box.height};
    }

    function mark(signed) {
      drawn = signed;
      pad.classList.toggle("is-signed", signed);
      if (state) { state.textContent = signed ? state.dataset.signed : state.dataset.empty; }
      if (!signed) { png.value = ""; }
    }

    canvas.addEventListener("pointerdown", function (event) {
      if (event.button !== undefined && event.button > 0) { return; }
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      last = point(event);
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, 2 * Math.PI);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fill();
      mark(true);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (last === null) { return; }
      event.preventDefault();
      var next = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(next.x, next.y);
      ctx.stroke();
      last = next;
    });
    function stop() { last = null; }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("lostpointercapture", stop);

    clear.addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      mark(false);
    });
    if (form) {
      form.addEventListener("submit", function () {
        png.value = drawn ? canvas.toDataURL("image/png") : "";
      });
    }
    window.addEventListener("resize", size);
    size();
    pad.classList.add("is-ready");
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-signature]"), setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
