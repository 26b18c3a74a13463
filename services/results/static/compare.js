// @ts-check
// Two reps side by side, in sync: any rep of any two of the team's clips (by default the
// best and the worst rep of one clip, or the first clip's best and the second's worst).
// One play button and one speed, both shown; a frame step moves each side by the same
// count of frames of its own clip (at its own fps); the scrubber moves both through their
// reps. Each side is named by its athlete and clip.
import {blob, json} from "./api.js";
import {el, repScore, show} from "./dom.js";
import {filmedOn} from "./rules.js";

/** @typedef {{job: any, result: any, fps: number, video: HTMLVideoElement, clip: HTMLSelectElement,
 *   rep: HTMLSelectElement, name: HTMLElement, loads: number}} Side */

/** @param {any[]} reps */
const byScore = reps => [...reps].sort((a, b) => (b.score ?? -1) - (a.score ?? -1));
/** @param {any} job */
const clipName = job => `${job.athlete || "—"} — ${job.source_name}`;

/** @param {import("./api.js").View} view @param {string} idA @param {string} idB */
export async function compareView(view, idA, idB) {
  const {$, root} = show("t-compare");
  const [jobA, jobB, resA, resB] = await Promise.all([json(`/v1/jobs/${idA}`), json(`/v1/jobs/${idB}`),
                                                      json(`/v1/jobs/${idA}/result`), json(`/v1/jobs/${idB}/result`)]);
  if (!resA.summary.judged || !resB.summary.judged) {  // no reps worth setting side by side
    $("#compare-title").textContent = `${clipName(jobA)}: side by side`;
    $(".compare").replaceChildren(el("p", {class: "error", role: "status"},
      "Not judged from this camera angle: there are no reps to compare. Film from the side and upload again."));
    for (const n of root.querySelectorAll(".controls, .compare-help")) /** @type {HTMLElement} */ (n).hidden = true;
    return;
  }
  // The team's judged clips, each once (the job it is counted under), and the two asked for.
  const team = (await json("/v1/jobs?status=succeeded&counted_only=true&limit=200")).jobs
    .filter(/** @param {any} j */ j => j.score != null && j.id !== jobA.id && j.id !== jobB.id);
  const clips = [jobA, ...(jobB.id !== jobA.id ? [jobB] : []), ...team];
  /** @param {string} s @returns {Side} */
  const side = s => ({job: null, result: null, fps: 30, video: $(`#video-${s}`), clip: $(`#clip-${s}`),
                      rep: $(`#rep-${s}`), name: $(`#name-${s}`), loads: 0});
  const a = side("a"), b = side("b"), both = [a, b];
  for (const x of both) x.clip.replaceChildren(...clips.map(j => el("option", {value: j.id},
    `${clipName(j)}${filmedOn(j) ? `, filmed ${filmedOn(j)}` : ""}`)));

  /** Where a side's chosen rep starts and ends, in its own frames. @param {Side} x */
  const rep = x => {
    const r = x.result.reps.find(/** @param {any} r */ r => r.index === Number(x.rep.value)) || x.result.reps[0] || {start_s: 0, end_s: 0};
    return {start: Math.round(r.start_s * x.fps), end: Math.round(r.end_s * x.fps), index: r.index ?? 0};
  };
  /** Frames into its rep the side stands at. @param {Side} x */
  const frameIn = x => Math.floor(x.video.currentTime * x.fps + 1e-3) - rep(x).start;
  /** To ``n`` frames into its rep: the middle of that frame, so no rounding lands on the one before.
   * @param {Side} x @param {number} n */
  const seekFrame = (x, n) => {
    const last = Math.max(0, Math.floor((x.video.duration || x.result.video.duration_s) * x.fps) - 1);
    x.video.currentTime = (Math.min(last, Math.max(0, rep(x).start + n)) + 0.5) / x.fps;
  };
  /** B's frames for A's: the same moment of time into the reps. @param {number} n */
  const bFor = n => Math.round(n * b.fps / a.fps);
  const play = $("#compare-play"), scrub = $("#compare-scrub"), where = $("#compare-where");
  const said = () => {
    scrub.value = String(Math.max(0, frameIn(a)));
    // Each side by what tells them apart: the rep (one clip), the clip (one athlete), the athlete.
    /** @param {Side} x */
    const who = x => a.job.id === b.job.id ? `rep ${rep(x).index + 1}`
      : a.job.athlete === b.job.athlete ? x.job.source_name : x.job.athlete || x.job.source_name;
    where.value = `${who(a)}: frame ${frameIn(a)} · ${who(b)}: frame ${frameIn(b)} · speed ${a.video.playbackRate}×`;
  };
  const named = () => {
    for (const x of both) {
      const r = rep(x), score = x.result.reps.find(/** @param {any} q */ q => q.index === r.index);
      x.name.textContent = `${clipName(x.job)}, rep ${r.index + 1} (score ${score ? repScore(score) : "—"})`;
      x.video.setAttribute("aria-label", `${clipName(x.job)}, rep ${r.index + 1}`);
      x.video.dataset.start = String(r.start / x.fps);  // where this side's rep begins (seconds)
    }
    $("#compare-title").textContent = a.job.id === b.job.id ? `${clipName(a.job)}: two reps side by side`
      : `${a.job.athlete || a.job.source_name} and ${b.job.athlete || b.job.source_name} side by side`;
    const span = Math.max(rep(a).end - rep(a).start, (rep(b).end - rep(b).start) * a.fps / b.fps);
    scrub.max = String(Math.max(1, Math.round(span)));
  };
  const pause = () => { for (const x of both) x.video.pause(); play.textContent = "Play both"; };
  /** Both sides to the start of their reps. */
  const toStart = () => { pause(); for (const x of both) seekFrame(x, 0); named(); said(); };

  /** Loads one side: its clip, its reps, its video (a later pick wins over a slower one).
   * @param {Side} x @param {any} job @param {any} result @param {number} [chosen] */
  const load = async (x, job, result, chosen) => {
    const mine = ++x.loads;
    const video = result ? null : blob(`/v1/jobs/${job.id}/video`);
    result ??= await json(`/v1/jobs/${job.id}/result`);
    const body = await (video || blob(`/v1/jobs/${job.id}/video`));
    if (mine !== x.loads) return;
    x.job = job; x.result = result; x.fps = result.video.fps || 30; x.clip.value = job.id;
    x.rep.replaceChildren(...result.reps.map(/** @param {any} r */ r => el("option", {value: r.index}, `${r.index + 1} (score ${repScore(r)})`)));
    if (chosen != null) x.rep.value = String(chosen);
    const old = x.video.src;
    x.video.src = view.objectUrl(body);
    if (old) URL.revokeObjectURL(old);
    x.video.playbackRate = Number(root.querySelector(".compare-speed[aria-pressed=true]")?.getAttribute("data-rate") || 1);
    x.video.onloadedmetadata = () => { seekFrame(x, 0); if (a.result && b.result) { named(); said(); } };
  };
  const bestA = byScore(resA.reps)[0], worstB = byScore(resB.reps).at(-1);
  await Promise.all([load(a, jobA, resA, bestA?.index), load(b, jobB, resB, worstB?.index)]);
  named(); said();
  for (const x of both) {
    x.rep.onchange = toStart;
    x.clip.onchange = async () => {
      pause();
      const job = clips.find(j => j.id === x.clip.value);
      try { await load(x, job, null, undefined); x.rep.value = String(byScore(x.result.reps)[x === a ? 0 : x.result.reps.length - 1]?.index ?? 0); toStart(); }
      catch (err) { view.ignore(err); }
    };
  }
  // While playing, the second follows the first by time into the reps.
  const align = () => {
    const want = Number(b.video.dataset.start) + (a.video.currentTime - Number(a.video.dataset.start));
    if (Math.abs(b.video.currentTime - want) > 0.08) b.video.currentTime = Math.max(0, want);
  };
  a.video.ontimeupdate = () => { if (!a.video.paused) align(); said(); };
  b.video.onseeked = a.video.onseeked = said;
  a.video.onended = pause;
  play.onclick = async () => {
    if (a.video.paused) {
      align(); play.textContent = "Pause both";
      await Promise.all([a.video.play(), b.video.play()]).catch(() => {});
    } else {  // paused: each side on a whole frame, B at A's moment
      pause(); const n = frameIn(a); seekFrame(a, n); seekFrame(b, bFor(n)); said();
    }
  };
  /** Each side ``k`` frames of its own clip. @param {number} k */
  const step = k => { pause(); const na = frameIn(a), nb = frameIn(b); seekFrame(a, na + k); seekFrame(b, nb + k); said(); };
  $("#compare-back").onclick = () => step(-1);
  $("#compare-fwd").onclick = () => step(1);
  scrub.oninput = () => { pause(); const n = Number(scrub.value); seekFrame(a, n); seekFrame(b, bFor(n)); said(); };
  for (const btn of root.querySelectorAll(".compare-speed")) /** @type {HTMLElement} */ (btn).onclick = () => {
    for (const o of root.querySelectorAll(".compare-speed")) o.setAttribute("aria-pressed", String(o === btn));
    for (const x of both) x.video.playbackRate = Number(/** @type {HTMLElement} */ (btn).dataset.rate);
    said();
  };
  view.shortcuts = e => {
    const target = /** @type {HTMLElement} */ (e.target);
    if (e.ctrlKey || e.metaKey || e.altKey || target.closest("input, textarea, select")) return;
    if (e.key === ",") step(-1); else if (e.key === ".") step(1);
    else if (e.key === " " && !target.closest("button, a")) play.click(); else return;
    e.preventDefault();
  };
}
