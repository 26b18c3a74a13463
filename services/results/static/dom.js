// @ts-check
// Small helpers to build the page: elements, table cells, the CSV.
import {AUTO, exerciseLabel, grade, label} from "./catalogue.js";

/** An element with attributes and children.
 * @param {string} tag @param {Record<string, string | number>} [attrs]
 * @param {(Node | string | number)[]} kids @returns {HTMLElement & Record<string, any>} */
export function el(tag, attrs = {}, ...kids) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) k === "class" ? node.className = String(v) : node.setAttribute(k, String(v));
  for (const kid of kids) node.append(typeof kid === "number" ? String(kid) : kid);
  return /** @type {any} */ (node);
}

/** Draws a view from its template into ``app`` and returns the view's own root: a view
 * looks its elements up under that root, so one left behind writes nowhere on screen.
 * @param {string} id */
export function show(id) {
  const root = el("div", {class: "view"});
  root.append(/** @type {HTMLTemplateElement} */ (document.getElementById(id)).content.cloneNode(true));
  /** @type {HTMLElement} */ (document.getElementById("app")).replaceChildren(root);
  /** One element of this view (its template has it): any kind of element, so typed loosely.
   * @param {string} selector @returns {any} */
  const $ = selector => root.querySelector(selector);
  return {root, $};
}

/** One CSV cell, quoted; text a spreadsheet would run as a formula (=, +, -, an at sign, tab, CR
 * first) is kept as text with a leading apostrophe (OWASP's advice for CSV injection).
 * @param {unknown} v */
export const csvCell = v => {
  let s = String(v ?? "");
  if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return `"${s.replace(/"/g, '""')}"`;
};

/** Each cell carries its column's name: on a phone the rows are laid out as cards, each
 * cell under its name (app.css), so that no table scrolls sideways.
 * @param {HTMLElement} table */
export const labelCells = table => {
  const names = [...table.querySelectorAll("thead th")].map(th => th.textContent || "");
  for (const tr of table.querySelectorAll("tbody tr"))
    [...tr.children].forEach((td, i) => { /** @type {HTMLElement} */ (td).dataset.label = names[i] || ""; });
};

/** A table row that opens ``href`` on a click or Enter; a link inside it keeps its own
 * click (Ctrl-click opens a new tab). @param {HTMLElement} tr @param {string} href */
export const rowOpens = (tr, href) => {
  tr.onclick = tr.onkeydown = /** @param {any} e */ e => {
    if (e.target.closest("a")) return;
    if (!e.key || e.key === "Enter") location.hash = href;
  };
  return tr;
};

/** A rep's score, or a dash. @param {{score: number | null}} rep */
export const repScore = rep => rep.score == null ? "—" : String(Math.round(rep.score));

/** A clip's score, or that it got none and why (the camera angle, no rep found).
 * @param {{score: number | null, unscored_reason?: string | null}} j */
export const scoreCell = (j, none = "not judged") => el("td", {class: `score grade-${grade(j.score)}`},
  ...(j.score != null ? [String(Math.round(j.score))]
                      : [none, j.unscored_reason ? el("div", {class: "muted reason"}, j.unscored_reason) : ""]));

/** What a clip was judged as: the guess where "auto" was asked ("Deadlift (guessed)").
 * @param {{exercise: string, exercise_found?: string | null}} j */
export const exerciseCell = j => j.exercise === AUTO && j.exercise_found
  ? `${exerciseLabel(j.exercise_found)} (guessed)` : exerciseLabel(j.exercise_found || j.exercise);

/** A clip's faults as chips. @param {{faults?: {name: string}[]}} j */
export const faultChips = j => (j.faults || []).map(f => el("span", {class: "chip"}, label(f.name)));

/** A number as the page writes it: whole from 10 up, two decimals below. @param {number} v */
export const fmt = v => Math.abs(v) >= 10 ? String(Math.round(v)) : String(Math.round(v * 100) / 100);

/** Offers a file to save. @param {Blob} blob @param {string} name */
export function saveAs(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el("a", {href: url, download: name});
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
