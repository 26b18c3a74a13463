// @ts-check
// One athlete: every clip once (oldest first), the recurring fault, the score trend, and
// read-only links to share with them.
import {api, json, post} from "./api.js";
import {label} from "./catalogue.js";
import {el, exerciseCell, faultChips, labelCells, rowOpens, scoreCell, show} from "./dom.js";
import {countedOnce, filmedOn, when} from "./rules.js";
import {manageAthlete} from "./manage.js";
import {drawTrend} from "./player.js";

/** @typedef {ReturnType<typeof show>["$"]} Find */

/** @param {import("./api.js").View} view @param {string} name */
export async function athleteView(view, name) {
  const {$, root} = show("t-athlete");
  $("#athlete-title").textContent = name;
  // A clip uploaded again (same file name) or re-analysed counts once, under the job the
  // server counts it by.
  const found = (await json(`/v1/jobs?athlete=${encodeURIComponent(name)}&limit=200`)).jobs;
  const jobs = countedOnce(found).sort((a, b) => when(a) < when(b) ? -1 : when(a) > when(b) ? 1 : 0);
  /** @type {Record<string, number>} */
  const tally = {};
  for (const j of jobs) for (const f of j.faults || []) tally[f.name] = (tally[f.name] || 0) + 1;
  const top = Object.entries(tally).sort((a, b) => b[1] - a[1])[0];
  $("#athlete-recurring").textContent = top ? `Recurring: ${label(top[0])} in ${top[1]} of ${jobs.length} clips` : `${jobs.length} clips, no recurring fault`;
  $("#athlete-jobs tbody").replaceChildren(...jobs.map(j => { const tr = el("tr", {tabindex: "0"},
    el("td", {}, filmedOn(j) || `uploaded ${new Date(j.created_at).toLocaleDateString()}`),
    el("td", {}, j.source_name, j.uploads > 1 ? el("div", {class: "muted"}, `uploaded ${j.uploads}×, counted once`) : ""),
    el("td", {}, exerciseCell(/** @type {any} */ (j))),
    scoreCell(j, "—"),
    el("td", {}, ...faultChips(j)));
    return rowOpens(tr, `#/clip/${j.id}`); }));
  labelCells($("#athlete-jobs"));
  const analysed = /** @type {(typeof jobs[number] & {score: number})[]} */ (jobs.filter(j => j.score != null));
  drawTrend($("#trend"), analysed, when);
  if (analysed.length > 1)  // the first clip against the latest: what changed
    $("#athlete-compare").replaceChildren(el("a", {href: `#/compare/${analysed[0].id}/${analysed[analysed.length - 1].id}`},
      `Compare the first clip (${when(analysed[0])}) with the latest (${when(analysed[analysed.length - 1])}) side by side`));
  await shareSection(view, $, name);
  await manageAthlete(view, root, name);
}

/** Read-only links for one athlete: made here (POST /v1/shares), listed and revoked.
 * @param {import("./api.js").View} view @param {Find} $ @param {string} name */
async function shareSection(view, $, name) {
  const list = $("#shares"), said = $("#share-said");
  const draw = async () => {
    const mine = (await json("/v1/shares")).shares.filter(/** @param {any} x */ x => x.athlete === name);
    list.replaceChildren(...mine.map(/** @param {any} x */ x => {
      const live = new Date(x.expires_at) > new Date();
      const revoke = el("button", {type: "button", class: "link", "aria-label": `Revoke the link made ${x.created_at.slice(0, 10)}`}, "Revoke");
      revoke.onclick = async () => {
        try { await api(`/v1/shares/${x.id}`, {method: "DELETE"}); said.textContent = "Link revoked."; await draw(); }
        catch (err) { if (view.isLeft(err)) return; said.textContent = `Not revoked: ${err instanceof Error ? err.message : err}`; }
      };
      return el("li", {"data-share": x.id}, el("span", {}, `Made ${x.created_at.slice(0, 10)}, ${live ? "works until" : "expired"} ${x.expires_at.slice(0, 10)}`), revoke);
    }));
  };
  $("#share-form").onsubmit = /** @param {SubmitEvent} e */ async e => {
    e.preventDefault();
    try {
      const made = await post("/v1/shares", {athlete: name, days: Number($("#share-days").value)});
      $("#share-made").hidden = false;
      const url = $("#share-url");
      url.value = location.origin + made.link; url.focus(); url.select();
      said.textContent = `Link made: it works until ${made.expires_at.slice(0, 10)}.`;
      await draw();
    } catch (err) { if (view.isLeft(err)) return; said.textContent = `No link made: ${err instanceof Error ? err.message : err}`; }
  };
  $("#share-copy").onclick = async () => {
    const url = $("#share-url");
    try { await navigator.clipboard.writeText(url.value); said.textContent = "Copied."; }
    catch (err) { url.select(); said.textContent = "Select the link and copy it (the browser did not allow copying)."; }
  };
  await draw();
}
