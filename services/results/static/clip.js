// @ts-check
// One clip: the player with its reps and faults on a timeline, the angle chart, each
// rep's card (angles beside the references, why each fault was called, the coach's notes),
// re-analysis and the downloads.
import {api, blob, json, post} from "./api.js";
import {AUTO, CHOICES, cue, fillExercises, grade, label, references} from "./catalogue.js";
import {el, fmt, repScore, saveAs, show} from "./dom.js";
import {drawChart, fullscreen, pinchZoom, playerControls} from "./player.js";
import {manageClip} from "./manage.js";
import {notesFor} from "./notes.js";
import {faultWhy} from "./why.js";

/** @typedef {import("./api.js").View} View */
/** @typedef {ReturnType<typeof show>["$"]} Find */

/** ``rep``: 1-based; the clip opens at that rep's start.
 * @param {View} view @param {string} id @param {number} rep */
export async function clipView(view, id, rep) {
  const {$, root} = show("t-clip");
  const job = await json(`/v1/jobs/${id}`);
  $("#back").href = job.batch ? `#/batch/${job.batch}` : "#/";
  const athleteLink = $("#athlete-link");
  athleteLink.textContent = job.athlete || "athlete"; athleteLink.href = `#/athlete/${encodeURIComponent(job.athlete || "")}`;
  if (job.status !== "succeeded") {  // nothing to play yet, or ever: say why
    $("#clip-title").textContent = `${job.athlete || ""} — ${job.source_name}`;
    const text = job.error ? `Not analysed (${job.status}): ${job.error.message || job.error.code}`
                           : `Not ready yet: ${job.status}${job.status === "running" ? ` ${Math.round(100 * job.progress)}%` : ""}. This page shows it once it is done.`;
    $("#clip-summary").replaceChildren(el("span", {class: job.error ? "error" : "muted", role: "status"}, text));
    // Nothing to play, compare, download or judge again until there is a result.
    for (const n of [$(".player"), ...root.querySelectorAll(".ready-only")]) /** @type {HTMLElement} */ (n).hidden = true;
    if (!job.error) {
      const stop = view.every(async () => {
        if ((await json(`/v1/jobs/${id}`)).status === job.status) return;
        stop(); window.dispatchEvent(new HashChangeEvent("hashchange"));  // drawn again, with its result
      }, 1500);
    }
    return;
  }
  const result = await json(`/v1/jobs/${id}/result`);
  $("#clip-title").textContent = `${job.athlete || ""} — ${result.exercise.label} (${job.source_name})`;
  const ex = result.exercise, s = result.summary, refs = references(ex.name);
  $("#clip-exercise").textContent = ex.requested === AUTO
    ? `Judged as ${ex.label}: guessed by hingecheck, ${Math.round(100 * (ex.guess_confidence ?? 0))}% sure.`
    : `Judged as ${ex.label}, as asked.` + (job.reanalysis_of ? " A re-analysis of an earlier upload." : "");
  clipTools($, id, job, ex.name);
  // Two reps to set side by side: a clip that was not judged, or has one rep, has none.
  const comparable = s.judged && result.reps.length > 1;
  $(".compare-only").hidden = !comparable;
  if (comparable) $("#compare-link").href = `#/compare/${id}/${id}`;
  $("#clip-summary").textContent = s.score == null ? s.reason : `${Math.round(s.score)}/100, grade ${s.grade}: ${s.reason}`;
  $("#cues").replaceChildren(.../** @type {string[]} */ (s.cues).map(c => el("p", {}, c)));
  $("#reps").replaceChildren(...result.reps.map(/** @param {any} r */ r => repCard(r, s.judged, refs)));
  const video = $("#video");
  // The verdict first: the annotated clip may still be drawn; it plays once it is stored.
  const drawing = $("#clip-drawing");
  drawing.hidden = job.outputs_ready;
  blob(`/v1/jobs/${id}/video`).then(body => { video.src = view.objectUrl(body); drawing.hidden = true; })
    .catch(err => {
      if (view.isLeft(err)) return;
      drawing.hidden = false;
      drawing.textContent = `The annotated clip could not be loaded: ${err instanceof Error ? err.message : err}`;
    });
  const duration = result.video.duration_s, fps = result.video.fps || 30;
  const opening = result.reps[rep - 1];
  if (opening) video.addEventListener("loadedmetadata", () => { video.currentTime = opening.start_s; }, {once: true});
  const line = $("#timeline");
  /** @param {number} t */
  const pct = t => `${100 * t / duration}%`;
  /** @param {number} t */
  const seek = t => { video.currentTime = t; };
  for (const r of result.reps) {
    const b = el("button", {class: "rep", style: `left:${pct(r.start_s)};width:${pct(r.end_s - r.start_s)}`,
                            "data-rep": r.index}, el("span", {class: "sr-only"}, "Rep "), `${r.index + 1}: ${repScore(r)}`);
    b.onclick = () => seek(r.start_s); line.append(b);
  }
  for (const r of result.reps) for (const f of r.faults) {
    const m = el("button", {class: "fault", style: `left:${pct(f.start_s)}`, "data-fault": f.name, "data-time": f.start_s,
                            title: `${label(f.name)} (rep ${r.index + 1})`, "aria-label": `${label(f.name)}, rep ${r.index + 1}`});
    m.onclick = () => seek(f.start_s); line.append(m);
  }
  const head = el("div", {class: "head"}); line.append(head);
  // "Show me" on a fault: the clip at its frame, in view (kept in view on a phone).
  for (const b of root.querySelectorAll(".show-me")) /** @type {HTMLElement} */ (b).onclick = () => {
    video.pause(); seek(Number(/** @type {HTMLElement} */ (b).dataset.time));
    $(".player").scrollIntoView({block: "nearest"});
  };
  pinchZoom($(".stage"), $("#zoom-reset"));
  $("#fullscreen").onclick = () => fullscreen($(".stage"));
  const toggle = playerControls(video, $("#play"), $("#clock"));
  /** @param {number} frames */
  const step = frames => { video.pause(); video.currentTime = Math.max(0, video.currentTime + frames / fps); };
  $("#step-back").onclick = () => step(-1);
  $("#step-fwd").onclick = () => step(1);
  // Shortcuts while this clip is open: space plays and pauses, "," and "." step one frame.
  // Not while typing a note, and space stays a button's own key on a button.
  view.shortcuts = e => {
    const target = /** @type {HTMLElement} */ (e.target);
    if (e.ctrlKey || e.metaKey || e.altKey || target.closest("input, textarea, select")) return;
    if (e.key === ",") step(-1);
    else if (e.key === ".") step(1);
    else if (e.key === " " && !target.closest("button, a, video")) toggle();
    else return;
    e.preventDefault();
  };
  for (const b of root.querySelectorAll(".speed")) /** @type {HTMLElement} */ (b).onclick = () => {
    video.playbackRate = Number(/** @type {HTMLElement} */ (b).dataset.rate);
  };
  const canvas = $("#chart"), caption = $("#caption");
  canvas.hidden = !s.judged;  // angles off a refused view would read as measured
  const follow = () => {
    const t = video.currentTime; head.style.left = pct(t);
    const current = result.reps.find(/** @param {any} r */ r => r.start_s <= t && t <= r.end_s);
    for (const n of root.querySelectorAll("[data-rep]"))
      n.classList.toggle("current", current != null && Number(/** @type {HTMLElement} */ (n).dataset.rep) === current.index);
    // The faults under the playhead and their cues, as text under the picture (legible on
    // a phone, where the burned-in labels are small and the controls cover the picture).
    const now = result.reps.flatMap(/** @param {any} r */ r => r.faults
      .filter(/** @param {any} f */ f => f.start_s <= t && t <= Math.max(f.end_s, f.start_s + 2))
      .map(/** @param {any} f */ f => `Rep ${r.index + 1}: ${label(f.name)}. ${f.cue || cue(f.name)}`));
    caption.textContent = now.join("  ");
    if (s.judged) drawChart(canvas, result, t);
  };
  video.ontimeupdate = video.onseeked = follow;
  follow();
  await notesFor(view, root, id, result, video);
  await manageClip(view, root, job);
}

/** @param {any} r @param {boolean} judged @param {import("./catalogue.js").Reference[]} refs */
function repCard(r, judged, refs) {
  return el("div", {class: "rep-card", "data-rep": r.index},
    el("h2", {}, `Rep ${r.index + 1}${r.partial ? " (partial)" : ""}: `, el("span", {class: `score grade-${grade(r.score)}`}, repScore(r))),
    // Angles read off a view that was refused are not shown as if they were measured.
    judged ? repAngles(r, refs) : el("p", {class: "muted"}, "not judged: no angles from this camera angle"),
    ...r.faults.map(/** @param {any} f */ f => faultWhy(f, refs)));
}

/** A rep's angles, each beside the exercise's reference values (the ramps the analysis
 * judged it on): "knee 79° (soft 8–35°; a squat from 60°)". A reference is found by the
 * number it judges and its direction: more knee bend is a squat, less is a locked knee.
 * @param {any} rep @param {import("./catalogue.js").Reference[]} refs */
function repAngles(rep, refs) {
  /** @param {string} evidence @param {boolean} [rising] */
  const ref = (evidence, rising) => refs.find(r => r.evidence === evidence && (rising == null || (r.ok < r.bad) === rising));
  const hinge = ref("peak_hip_flexion_deg"), trunk = ref("trunk_deg");
  const squat = ref("knee_flexion_deg", true), soft = ref("knee_flexion_deg", false);
  const rows = [
    ["hip", rep.peak_hip_flexion_deg, hinge && `a hinge: ${fmt(hinge.ok)}°+`],
    ["knee", rep.knee_flexion_at_bottom_deg,
     squat && `${soft ? `soft ${fmt(soft.ok)}–` : "under "}${fmt(squat.ok)}°; a squat from ${fmt(squat.bad)}°`],
    ["trunk", rep.trunk_at_bottom_deg, trunk && `${fmt(trunk.ok)}°+; a squat at ${fmt(trunk.bad)}° or less`]];
  const list = el("ul", {class: "angles", "aria-label": "angles at the bottom, against this exercise's reference values"});
  for (const [name, value, says] of rows)
    if (value != null) list.append(el("li", {}, `${name} ${Math.round(value)}°`, says ? el("span", {class: "muted"}, ` (${says})`) : ""));
  return list;
}

// A download's file extension, from the media type the server sent it with.
/** @type {Record<string, string>} */
const EXTENSIONS = {"application/json": ".json", "video/mp4": ".mp4", "image/jpeg": ".jpg", "image/png": ".png"};

/** Re-analysis under another exercise (a new job, linked) and the downloads.
 * @param {Find} $ @param {string} id @param {any} job @param {string} judgedAs */
function clipTools($, id, job, judgedAs) {
  const said = $("#clip-tools-said"), pick = $("#reanalyse-exercise");
  // The first other exercise is offered (not "auto": the clip was judged once already).
  fillExercises(pick, CHOICES.find(c => c.name !== judgedAs && c.name !== AUTO)?.name);
  $("#reanalyse-form").onsubmit = /** @param {SubmitEvent} e */ async e => {
    e.preventDefault();
    try { location.hash = `#/clip/${(await post(`/v1/jobs/${id}/reanalyse`, {exercise: pick.value})).id}`; }
    catch (err) { said.textContent = `Not re-analysed: ${err instanceof Error ? err.message : err}`; }
  };
  for (const b of $(".downloads").querySelectorAll(".download")) /** @type {HTMLElement} */ (b).onclick = async () => {
    const {kind, stem: what} = /** @type {HTMLElement} */ (b).dataset;
    said.textContent = `Downloading the ${what}…`;
    try {
      const res = await api(`/v1/jobs/${id}/${kind}`);
      const type = (res.headers.get("Content-Type") || "").split(";")[0].trim();
      const body = await res.blob();
      const stem = job.source_name.replace(/\.[^.]+$/, "").replace(/[^\w-]+/g, "_");
      saveAs(body, `${stem}-${what}${EXTENSIONS[type] || ""}`);
      said.textContent = `The ${what} downloaded.`;
    } catch (err) { said.textContent = `Not downloaded: ${err instanceof Error ? err.message : err}`; }
  };
}
