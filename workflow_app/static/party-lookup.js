// The new-case page's party lookup, as the officer types: the server's list of matching parties
// (GET /parties/lookup?q=, the same fragment the page's Find button renders without script) is put
// under the search box. The server decides what matches and what is shown; this only asks.
document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("input[data-lookup]");
  if (!input) return;
  let timer = null;
  let asked = 0;
  const lookup = async () => {
    const q = input.value.trim();
    const mine = ++asked;
    const response = await fetch(`${input.dataset.lookup}?q=${encodeURIComponent(q)}`, {
      credentials: "same-origin", headers: { Accept: "text/html" },
    });
    if (!response.ok || mine !== asked) return; // a later keystroke's answer wins
    const holder = document.getElementById("party-matches");
    const template = document.createElement("template");
    template.innerHTML = (await response.text()).trim();
    const fresh = template.content.getElementById("party-matches");
    if (holder && fresh) holder.replaceWith(fresh);
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(lookup, 250);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { // look up, rather than submit the whole form
      event.preventDefault();
      clearTimeout(timer);
      lookup();
    }
  });
});
