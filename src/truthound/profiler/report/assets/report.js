// truthound profile report: filter and sort the overview, open column sections. Reads only the
// DOM (data-* attributes and text); the page holds no data as JavaScript.
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const table = $("ov"), body = table.tBodies[0], query = $("q"), warnOnly = $("wo");
  const rows = Array.from(body.rows), total = rows.length;
  const fmt = (n) => n.toLocaleString("en");
  const section = (row) => $("c-" + row.dataset.i);

  function filter() {
    const terms = query.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const row of rows) {
      const text = row.dataset.s;
      const ok = (!warnOnly.checked || row.dataset.w !== "0") && terms.every((t) => text.includes(t));
      row.hidden = !ok;
      section(row).hidden = !ok;
      shown += ok;
    }
    $("shown").textContent = fmt(shown) + " of " + fmt(total) + " columns";
    $("none").hidden = shown > 0;
  }
  query.addEventListener("input", filter);
  warnOnly.addEventListener("change", filter);
  const more = $("more"); // "and N more" columns to look at: show just those
  if (more) more.addEventListener("click", () => { warnOnly.checked = true; filter(); });

  const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
  table.tHead.addEventListener("click", (event) => {
    const th = event.target.closest("th[data-sort]");
    if (!th) return;
    const col = th.cellIndex, numeric = th.dataset.sort === "num";
    const dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    for (const h of th.parentNode.cells) h.removeAttribute("aria-sort");
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    const keyed = rows.map((row) => {
      const cell = row.cells[col];
      return [numeric ? parseFloat(cell.dataset.v) : cell.textContent, +row.dataset.i, row];
    });
    keyed.sort((a, b) => {
      let c;
      if (numeric) {
        const an = Number.isNaN(a[0]), bn = Number.isNaN(b[0]);
        c = an || bn ? an - bn : (a[0] - b[0]) * dir; // unknown values last either way
      } else {
        c = collator.compare(a[0], b[0]) * dir;
      }
      return c || a[1] - b[1];
    });
    body.append(...keyed.map((k) => k[2]));
  });

  const openAll = (open) => {
    for (const d of document.querySelectorAll("details.col")) if (!d.hidden) d.open = open;
  };
  $("ex").addEventListener("click", () => openAll(true));
  $("co").addEventListener("click", () => openAll(false));

  // Open a column's section before the browser scrolls to it.
  const reveal = (hash) => {
    const d = hash.startsWith("#c-") ? $(hash.slice(1)) : null;
    if (d) { d.hidden = false; d.open = true; }
    return d;
  };
  document.addEventListener("click", (event) => {
    const a = event.target.closest('a[href^="#c-"]');
    if (a) reveal(a.getAttribute("href"));
  });
  window.addEventListener("hashchange", () => reveal(location.hash));
  if (reveal(location.hash)) $(location.hash.slice(1)).scrollIntoView();

  document.addEventListener("keydown", (event) => {
    if (event.key === "/" && !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName)) {
      event.preventDefault();
      query.focus();
    }
  });
  // Heatmaps too large to carry a tooltip per cell keep each row's values in data-v: the
  // tooltip (pair and value) is made when the pointer reaches a cell.
  document.addEventListener("mouseover", (event) => {
    const td = event.target.closest("table.hm td");
    if (!td || td.title) return;
    const tr = td.parentElement;
    const table = td.closest("table.hm");
    const values = (tr.dataset.v || "").split(",");
    const j = td.cellIndex - 1;
    const head = table.tHead.rows[0].cells[j + 1];
    const v = values[j] === "" || values[j] === undefined ? "—" : values[j];
    td.title = `${tr.cells[0].title} ~ ${head.title}: ${v}`;
  });
})();
