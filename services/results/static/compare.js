// @ts-check
// Two reps side by side, in sync: of one clip (best against worst, by default) or of two
// clips (the first's best against the second's worst). One play button, one speed, frame
// steps on both; the second follows the first from the start of its chosen rep.
import {blob, json} from "./api.js";
import {el, repScore, show} from "./dom.js";

/** @param {import("./api.js").View} view @param {string} idA @param {string} idB */
export async function compareView(view, idA, idB) {
  const {$, root} = show("t-compare");
  const [jobA, jobB, resA, resB] = await Promise.all([json(`/v1/jobs/${idA}`), json(`/v1/jobs/${idB}`),
                                                      json(`/v1/jobs/${idA}/result`), json(`/v1/jobs/${idB}/result`)]);
  $("#compare-title").textContent = idA === idB
    ? `${jobA.athlete || ""}: two reps of ${jobA.source_name} side by side`
    : `${jobA.athlete || ""}: ${jobA.source_name} and ${jobB.source_name} side by side`;
  if (!resA.summary.judged || !resB.summary.judged) {  // no reps worth setting side by side
    $(".compare").replaceChildren(el("p", {class: "error", role: "status"},
      "Not judged from this camera angle: there are no reps to compare. Film from the side and upload again."));
    for (const n of root.querySelectorAll(".controls, .compare-help")) /** @type {HTMLElement} */ (n).hidden = true;
    return;
  }
  /** @param {any[]} reps */
  const byScore = reps => [...reps].sort((a, b) => (b.score ?? -1) - (a.score ?? -1));
  const sides = [[resA, jobA, "a", byScore(resA.reps)[0]], [resB, jobB, "b", byScore(resB.reps).at(-1)]];
  const [blobA, blobB] = await Promise.all([blob(`/v1/jobs/${jobA.id}/video`), blob(`/v1/jobs/${jobB.id}/video`)]);
  /** @type {{el: HTMLVideoElement, start: () => number}[]} */
  const videos = [];
  for (const [result, job, side, chosen] of sides) {
    $(`#label-${side}`).textContent = `${side === "a" ? "First" : "Second"}: ${job.source_name}, rep`;
    const pick = $(`#rep-${side}`);
    pick.replaceChildren(...result.reps.map(/** @param {any} r */ r => el("option", {value: r.index}, `${r.index + 1} (score ${repScore(r)})`)));
    if (chosen) pick.value = chosen.index;
    const video = $(`#video-${side}`);
    video.src = view.objectUrl(side === "a" ? blobA : blobB);
    const start = () => (result.reps.find(/** @param {any} r */ r => r.index === Number(pick.value)) || {start_s: 0}).start_s;
    video.dataset.start = start();  // where this side's rep begins (seconds)
    pick.onchange = () => { video.dataset.start = start(); for (const v of videos) { v.el.pause(); v.el.currentTime = v.start(); } };
    videos.push({el: video, start});
  }
  const [a, b] = videos;
  const align = () => { const want = b.start() + (a.el.currentTime - a.start());
                        if (Math.abs(b.el.currentTime - want) > 0.08) b.el.currentTime = Math.max(0, want); };
  for (const v of videos) v.el.onloadedmetadata = () => { v.el.currentTime = v.start(); };
  a.el.ontimeupdate = align;
  const play = $("#compare-play");
  play.onclick = async () => {
    if (a.el.paused) { align(); await Promise.all([a.el.play(), b.el.play()]).catch(() => {}); play.textContent = "Pause both"; }
    else { a.el.pause(); b.el.pause(); align(); play.textContent = "Play both"; }
  };
  const fps = resA.video.fps || 30;
  /** @param {number} n */
  const step = n => { a.el.pause(); b.el.pause(); play.textContent = "Play both";
                      a.el.currentTime = Math.max(0, a.el.currentTime + n / fps); align(); };
  $("#compare-back").onclick = () => step(-1);
  $("#compare-fwd").onclick = () => step(1);
  for (const btn of root.querySelectorAll(".compare-speed")) /** @type {HTMLElement} */ (btn).onclick = () => {
    for (const v of videos) v.el.playbackRate = Number(/** @type {HTMLElement} */ (btn).dataset.rate);
  };
  view.shortcuts = e => {
    const target = /** @type {HTMLElement} */ (e.target);
    if (e.ctrlKey || e.metaKey || e.altKey || target.closest("input, textarea, select")) return;
    if (e.key === ",") step(-1); else if (e.key === ".") step(1);
    else if (e.key === " " && !target.closest("button, a")) play.click(); else return;
    e.preventDefault();
  };
}
