// A PDF item of the evidence list shown in the page with pdf.js (templates/web/evidence_item.html):
// every page drawn on a canvas, at the box's width. pdf.js runs its parsing in a worker; the bytes
// come from the item's own URL (same origin, the reader's session). If it cannot be drawn, the
// page says so and the download link below stays.
const box = document.querySelector("[data-pdf-url]");

async function show() {
  const status = box.querySelector(".pdf-status");
  try {
    const pdfjs = await import(box.dataset.pdfjs);
    pdfjs.GlobalWorkerOptions.workerSrc = box.dataset.pdfjsWorker;
    const pdf = await pdfjs.getDocument({
      url: box.dataset.pdfUrl, cMapUrl: box.dataset.cmaps, cMapPacked: true,
      standardFontDataUrl: box.dataset.fonts, isEvalSupported: false, withCredentials: true,
    }).promise;
    const ratio = window.devicePixelRatio || 1;
    for (let number = 1; number <= pdf.numPages; number += 1) {
      const page = await pdf.getPage(number);
      const unscaled = page.getViewport({scale: 1});
      const scale = Math.min(2, (box.clientWidth || 800) / unscaled.width);
      const viewport = page.getViewport({scale: scale * ratio});
      const canvas = document.createElement("canvas");
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", `${box.dataset.labelPage} ${number} / ${pdf.numPages}`);
      canvas.dataset.page = String(number);
      box.appendChild(canvas);
      await page.render({canvasContext: canvas.getContext("2d"), viewport, canvas}).promise;
    }
    status.textContent = `${pdf.numPages} ${box.dataset.labelPage}`;
    box.dataset.rendered = String(pdf.numPages);
  } catch (error) {
    status.textContent = box.dataset.labelFailed;
    box.dataset.rendered = "failed";
  }
}

if (box) { show(); }
