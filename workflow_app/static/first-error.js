// After a refused submit the page comes back with its errors: the keyboard and the screen reader
// start at the first field in error (or, with none, at the refusal's banner), not at the top of
// the page. A page that opens clean is left as it is.
document.addEventListener("DOMContentLoaded", () => {
  const field = document.querySelector('main [aria-invalid="true"]');
  if (field) {
    field.focus();
    return;
  }
  const banner = document.querySelector('main [data-testid="refusal"], main .flash.error');
  if (banner) {
    banner.setAttribute("tabindex", "-1");
    banner.focus();
  }
});
