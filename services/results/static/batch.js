// @ts-check
// A batch: its clips, most urgent first (or by any column), filters, counts and the CSV.
import {json} from "./api.js";
import {label} from "./catalogue.js";
import {csvCell, el, exerciseCell, faultChips, labelCells, rowOpens, saveAs, scoreCell, show} from "./dom.js";
import {refusedIn} from "./home.js";
import {manageBatch} from "./manage.js";
import {byUrgency, filmedOn, urgency} from "./rules.js";

/** @typedef {import("./rules.js").Job & Record<string, any>} Row */

/** How many clips stand where: the ones judged and the ones not judged apart (a clip
 * analysed without a verdict is no success for the coach), each clip once.
 * @param {Row[]} rows @param {number} refused */
export function countsLine(rows, refused) {
  /** @type {Record<string, number>} */
  const n = {};
  for (const j of rows) {
    const k = j.status !== "succeeded" ? j.status : j.score == null ? "not judged" : "judged";
    n[k] = (n[k] || 0) + 1;
  }
  if (refused) n["refused at upload"] = refused;
  const order = ["judged", "not judged", "running", "queued", "failed", "rejected", "refused at upload"];
  return Object.entries(n).sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([k, v]) => `${v} ${k}`).join(" · ");
}

/** @param {import("./api.js").View} view @param {string} id */
export async function batchView(view, id) {
  const {$, root} = show("t-batch");
  const filterA = $("#filter-athlete"), filterF = $("#filter-fault");
  /** @type {Row[]} */
  let rows = [];
  // Most urgent first (the server's urgency) until a column header is pressed.
  let order = {by: "faults", descending: true};
  /** @type {Record<string, (j: Row) => string | number>} */
  const SORT = {athlete: j => j.athlete || "", exercise: j => j.exercise, status: j => j.status,
                reps: j => j.reps ?? -1, score: j => j.score ?? -1, faults: j => urgency(j) ?? -1,
                clip: j => `${filmedOn(j) || ""} ${j.source_name}`};
  /** @param {Row[]} list */
  const sorted = list => {
    if (order.by === "faults" && order.descending) return [...list].sort(byUrgency);
    const k = SORT[order.by], sign = order.descending ? -1 : 1;
    return [...list].sort((a, b) => { const x = k(a), y = k(b); return sign * (x < y ? -1 : x > y ? 1 : 0) ||
      (a.score ?? 101) - (b.score ?? 101); });
  };
  /** @param {string} by @param {boolean} descending */
  const sortBy = (by, descending) => {
    order = {by, descending};
    for (const th of root.querySelectorAll("#jobs thead th")) th.removeAttribute("aria-sort");
    $(`#jobs .sort[data-sort=${by}]`).parentElement.setAttribute("aria-sort", descending ? "descending" : "ascending");
    $("#sort-by").value = by;
    draw();
  };
  for (const button of root.querySelectorAll("#jobs .sort")) /** @type {HTMLElement} */ (button).onclick = () => {
    const by = /** @type {string} */ (/** @type {HTMLElement} */ (button).dataset.sort);
    sortBy(by, order.by === by ? !order.descending : by === "faults");
  };
  // On a phone the table is cards without headers: the same orders from a list.
  $("#sort-by").onchange = /** @param {any} e */ e => sortBy(e.target.value, e.target.value === "faults");
  const visible = () => sorted(rows.filter(j => (!filterA.value || j.athlete === filterA.value) &&
                                                (!filterF.value || (j.faults || []).some(f => f.name === filterF.value))));
  const draw = () => {
    // The refresh redraws the rows: the focused one keeps the focus.
    const active = /** @type {HTMLElement | null} */ (document.activeElement), row = /** @type {HTMLElement | null} */ (active?.closest?.("#jobs tr[data-job]"));
    const onLink = row != null && active?.tagName === "A";
    $("#jobs tbody").replaceChildren(...visible().map(drawRow));
    labelCells($("#jobs"));
    if (row) /** @type {HTMLElement | null} */ (root.querySelector(`#jobs tr[data-job="${row.dataset.job}"]${onLink ? " a" : ""}`))?.focus();
  };
  const refused = refusedIn(id);
  let last = "";
  const refresh = async () => {
    const b = await json(`/v1/batches/${id}`), seen = JSON.stringify(b);
    // Redrawn only when something changed: a row on screen stays the same element (what
    // a screen reader, a keyboard or a finger is on is not replaced under it).
    if (seen === last) return rows.some(r => r.status === "queued" || r.status === "running");
    last = seen;
    $("#batch-title").textContent = b.name;
    // A clip uploaded again or re-analysed is counted once, under the job the server
    // counts it by (superseded_by: null); the older ones stay reachable from the clip.
    rows = b.jobs.filter(/** @param {Row} j */ j => !j.superseded_by);
    $("#batch-counts").textContent = countsLine(rows, refused.length);
    for (const [select, values] of /** @type {[HTMLSelectElement, (string | null)[]][]} */ (
      [[filterA, rows.map(r => r.athlete)], [filterF, rows.flatMap(r => (r.faults || []).map(f => f.name))]]))
      for (const v of new Set(values)) if (v && ![...select.options].some(o => o.value === v))
        select.append(el("option", {value: v}, select === filterF ? label(v) : v));
    draw();
    return rows.some(r => r.status === "queued" || r.status === "running");
  };
  filterA.onchange = filterF.onchange = draw;
  $("#export").onclick = () => {
    const title = $("#batch-title").textContent || "batch";
    const lines = [["athlete", "exercise", "status", "reps", "score", "faults", "fault names", "clip", "filmed", "uploaded", "batch", "reason"].join(",")].concat(
      visible().map(j => [j.athlete, exerciseCell(j), j.status, j.reps, j.score,
                          (j.faults || []).map(f => label(f.name)).join("; "), (j.faults || []).map(f => f.name).join(" "),
                          j.source_name, filmedOn(j) || "", j.created_at, title, j.error ? j.error.message : j.unscored_reason || ""].map(csvCell).join(",")));
    saveAs(new Blob([lines.join("\n") + "\n"], {type: "text/csv"}), `hingecheck-${title.replace(/[^\w-]+/g, "_")}.csv`);
  };
  if (refused.length) $("#batch-refused").replaceChildren(el("h2", {}, "Not accepted at upload"),
    el("ul", {class: "list"}, ...refused.map(r => el("li", {}, el("span", {class: "name"}, r.name), el("span", {class: "error reason"}, r.reason)))));
  if (await refresh()) { const stop = view.every(async () => { if (!await refresh()) stop(); }, 1500); }
  await manageBatch(view, root, id, $("#batch-title").textContent || "");
}

/** @param {Row} j */
function drawRow(j) {
  const status = j.status === "running" ? `running ${Math.round(100 * j.progress)}%` : j.status;
  const why = j.error ? el("div", {class: "error reason"}, j.error.message || j.error.code) : "";
  const judged = j.status !== "succeeded" || j.score != null;
  const filmed = filmedOn(j);
  const tr = el("tr", {tabindex: "0", "data-job": j.id},
    el("td", {}, el("a", {href: `#/clip/${j.id}`}, j.athlete || "—")),  // a real link: Ctrl-click, new tab
    el("td", {}, exerciseCell(j)), el("td", {}, status, why),
    el("td", {}, j.reps ?? "—"),
    scoreCell(j, judged ? "—" : "not judged"),
    el("td", {}, ...faultChips(j)),
    el("td", {}, j.source_name, filmed ? el("div", {class: "muted"}, `filmed ${filmed}`) : ""));
  return rowOpens(tr, `#/clip/${j.id}`);
}
