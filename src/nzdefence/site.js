// nzdefence site: sortable columns and a filter box for record tables, and highlighting of
// a span whose address is in the URL. Progressive enhancement: every page reads fully
// without it. Nothing is fetched from anywhere.
"use strict";

function enhanceTable(table) {
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const texts = new Map(rows.map((row) => [row, row.textContent.toLowerCase()]));
  const box = document.createElement("div");
  box.className = "filter";
  const input = document.createElement("input");
  input.type = "search";
  input.placeholder = "Filter rows: type any words";
  input.setAttribute("aria-label", "Filter rows");
  const count = document.createElement("span");
  count.className = "muted";
  count.setAttribute("aria-live", "polite");
  count.textContent = rows.length + " rows";
  box.append(input, count);
  table.closest(".scroll").before(box);
  input.addEventListener("input", () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const row of rows) {
      const text = texts.get(row);
      const hit = words.every((word) => text.includes(word));
      row.hidden = !hit;
      shown += hit ? 1 : 0;
    }
    count.textContent = shown + " of " + rows.length + " rows";
  });
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  const headers = Array.from(table.tHead.rows[0].cells);
  headers.forEach((header, column) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = header.textContent;
    header.textContent = "";
    header.append(button);
    button.addEventListener("click", () => {
      const ascending = header.getAttribute("aria-sort") !== "ascending";
      headers.forEach((other) => other.removeAttribute("aria-sort"));
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const numeric = header.dataset.type === "number";
      const value = (row) => row.cells[column].textContent.trim();
      const sorted = rows.slice().sort((a, b) => {
        const x = value(a), y = value(b);
        if (x === "" || y === "") return (x === "") - (y === "");  // empty cells last
        const order = numeric ? Number(x) - Number(y) : collator.compare(x, y);
        return ascending ? order : -order;
      });
      body.append(...sorted);
    });
  });
}

function highlightTarget() {
  for (const old of document.querySelectorAll("mark.target")) old.classList.remove("target");
  const id = decodeURIComponent(location.hash.slice(1));
  if (!id) return;
  for (const piece of document.querySelectorAll('mark[data-spans~="' + CSS.escape(id) + '"]')) {
    piece.classList.add("target");
  }
}

document.addEventListener("DOMContentLoaded", () => {
  for (const table of document.querySelectorAll("table.records")) enhanceTable(table);
  highlightTarget();
  window.addEventListener("hashchange", highlightTarget);
});
