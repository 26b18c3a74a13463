// @ts-check
// Every batch's analysed clips of the last 7 days, most urgent first: one list to work
// through instead of batch after batch; and the week's worst reps.
import {json} from "./api.js";
import {grade, label} from "./catalogue.js";
import {el, exerciseCell, faultChips, labelCells, rowOpens, scoreCell, show} from "./dom.js";
import {byUrgency, countedOnce, filmedOn, when} from "./rules.js";

/** @param {import("./api.js").View} view */
export async function weekView(view) {
  const {$} = show("t-week");
  const since = new Date(Date.now() - 7 * 864e5).toISOString(), found = [];
  let cursor = null;
  do {  // pages of 200, newest first, up to 1000 clips
    const page = await json(`/v1/jobs?status=succeeded&limit=200&since=${encodeURIComponent(since)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    found.push(...page.jobs); cursor = page.next_cursor;
  } while (cursor && found.length < 1000);
  const batches = Object.fromEntries((await json("/v1/batches")).batches.map(/** @param {any} b */ b => [b.id, b.name]));
  // A clip re-analysed or uploaded again counts once (the job the server counts it under),
  // shown with the batch it came in where that job came without one.
  const rows = countedOnce(found).map(j => ({...j, batch: j.batch || j.batches[0] || null})).sort(byUrgency);
  // The ten lowest-scored reps across those clips that lost points; each opens its clip
  // at that rep.
  const reps = rows.flatMap(j => (/** @type {any} */ (j).rep_scores || [])
    .filter(/** @param {any} r */ r => r.score != null && r.score < 100).map(/** @param {any} r */ r => ({j, r})))
    .sort((a, b) => a.r.score - b.r.score).slice(0, 10);
  $("#week-reps tbody").replaceChildren(...reps.map(({j, r}) => {
    const href = `#/clip/${j.id}/${r.index + 1}`;
    const tr = el("tr", {tabindex: "0", "data-job": j.id, "data-rep": r.index},
      el("td", {}, el("a", {href}, j.athlete || "—")), el("td", {}, `${r.index + 1} of ${/** @type {any} */ (j).rep_scores.length}`),
      el("td", {class: `score grade-${grade(r.score)}`}, String(Math.round(r.score))),
      el("td", {}, ...r.faults.map(/** @param {string} f */ f => el("span", {class: "chip"}, label(f)))),
      el("td", {}, filmedOn(j) || `uploaded ${j.created_at.slice(0, 10)}`));
    return rowOpens(tr, href); }));
  if (!reps.length) $("#week-reps tbody").replaceChildren(el("tr", {}, el("td", {colspan: "5", class: "muted"}, "No rep lost points this week.")));
  labelCells($("#week-reps"));
  // Counted by the day each clip was filmed (as its row shows it; the upload day where
  // that is not known), so the header and the rows say the same thing.
  const day = since.slice(0, 10), filmedThisWeek = rows.filter(j => when(j) >= day).length;
  const earlier = rows.length - filmedThisWeek, faulty = rows.filter(j => (j.faults || []).length).length;
  $("#week-counts").textContent = [`${filmedThisWeek} ${filmedThisWeek === 1 ? "clip" : "clips"} filmed since ${day}`,
    earlier ? `${earlier} filmed earlier, uploaded since then` : "", `${faulty} with a fault`].filter(Boolean).join(" · ");
  $("#week-jobs tbody").replaceChildren(...rows.map(j => {
    const tr = el("tr", {tabindex: "0", "data-job": j.id},
      el("td", {}, el("a", {href: `#/clip/${j.id}`}, j.athlete || "—")),
      el("td", {}, filmedOn(j) || `uploaded ${j.created_at.slice(0, 10)}`), el("td", {}, exerciseCell(/** @type {any} */ (j))),
      scoreCell(j),
      el("td", {}, ...faultChips(j)),
      el("td", {}, j.batch ? el("a", {href: `#/batch/${j.batch}`}, batches[j.batch] || "batch") : "—"));
    return rowOpens(tr, `#/clip/${j.id}`); }));
  labelCells($("#week-jobs"));
}
