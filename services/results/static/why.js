// @ts-check
// Why a fault was called, in a coach's words first ("the back rounded at the bottom: its
// outline bulged about 3 times what a neutral back shows"), with a "show me" that seeks
// the clip to it; the numbers and the ranges they were read on one click deeper.
import {EVIDENCE, cue, label} from "./catalogue.js";
import {el, fmt} from "./dom.js";

/** @typedef {import("./catalogue.js").Reference} Reference */

/** What each measured number means on the lifter, as a coach says it: {v} the value, {abs}
 * its size, {ok} the edge of a good rep, {times} how far past that edge ("about 3 times").
 * Keyed by the evidence's key (GET /v1/scoring); a number may judge two ways (more knee
 * bend is a squat, less a locked knee), then by direction.
 * @type {Record<string, string | {rising: string, falling: string}>} */
const SAYS = {
  back_bulge_at_bottom: "the back rounded at the bottom: its outline bulged {times} what a neutral back shows",
  back_bulge_on_the_way: "the back rounded on the way down or up: its outline bulged where a neutral back stays flat",
  back_bulge_standing: "the back was already rounded when standing tall",
  back_bend_deg: "the back's outline curved {v}° from end to end",
  neck_flexion_rise_deg: "the head dropped: the neck bent {v}° more than when standing",
  knee_flexion_deg: {rising: "the knees bent {v}° at the bottom, like a squat (a hinge keeps them under {ok}°)",
                     falling: "the knees were locked straight ({v}°): a hinge keeps them soft, {ok}° or more"},
  trunk_minus_shin_deg: "the chest stayed about as upright as the shins: {v}° more lean where a hinge has {ok}° or more",
  knee_forward_ratio: "the knees travelled forward over the toes, {times} what a hinge allows",
  hip_drop_minus_back_ratio: "the hips sank down more than they went back",
  trunk_deg: "the chest stayed upright at the bottom: {v}° of lean where a hinge leans {ok}° or more",
  trunk_at_bottom_deg: "the chest stayed upright at the bottom: {v}° of lean",
  hip_back_ratio: "the hips hardly travelled back",
  peak_hip_flexion_deg: "the hips bent only {v}° at the deepest point (a hinge reaches {ok}° or more)",
  shoulder_over_hip_rise: "off the floor the hips shot up first: the shoulders rose only {v} times as much",
  trunk_change_deg: "the back angle changed {abs}° as the weight left the floor",
  lockout_trunk_deg: "the lifter leaned back {abs}° at the top",
  up_over_down: "the way down was rushed: lifting took {v} times as long as lowering",
  down_s: "the lowering took only {v} s",
};

/** How far a number is past the edge of a good rep: 0 at the edge, 1 clearly wrong.
 * @param {number} v @param {Reference} r */
const past = (v, r) => (v - r.ok) / (r.bad - r.ok || 1);

/** The fault's main reason in words: the number furthest past its edge, said as a coach
 * would; a number with no words of its own is said with its label.
 * @param {any} f @param {Reference[]} refs */
export function inWords(f, refs) {
  const measured = Object.entries(f.evidence || {}).filter(([, v]) => v != null);
  /** @type {[string, number, Reference | undefined][]} */
  const ranked = measured.map(([k, v]) => [k, /** @type {number} */ (v), refs.find(x => x.fault === f.name && x.evidence === k)]);
  // The first number (the analysis lists the main one first) that was past the call,
  // else the one furthest past it.
  const called = ranked.find(([k, v, r]) => r && SAYS[k] && past(v, r) >= 0.5);
  ranked.sort((a, b) => (b[2] ? past(b[1], b[2]) : -9) - (a[2] ? past(a[1], a[2]) : -9));
  const lead = called || ranked.find(([k]) => SAYS[k]) || ranked[0];
  if (!lead) return "";
  const [k, v, r] = lead, rising = !r || r.ok < r.bad, phrase = SAYS[k];
  const text = typeof phrase === "string" ? phrase : phrase ? phrase[rising ? "rising" : "falling"] : null;
  if (!text) { const info = EVIDENCE[k]; return `${info ? info.label : k.replace(/_/g, " ")}: ${fmt(v)}${info?.unit === "°" ? "°" : ""}`; }
  const ratio = r && r.ok > 0 && v > r.ok ? v / r.ok : 0;
  const times = ratio >= 1.5 ? `about ${fmt(Math.round(ratio * 2) / 2)} times` : "more than";
  return text.replace("{v}", fmt(v)).replace("{abs}", fmt(Math.abs(v)))
    .replace("{ok}", r ? fmt(Math.abs(r.ok)) : "").replace("{times}", times);
}

/** One fault of a rep: its name, the reason in words, a "show me" to its moment in the
 * clip (data-time, wired by the clip view), the cue, and the numbers behind it.
 * @param {any} f @param {Reference[]} refs */
export function faultWhy(f, refs) {
  const words = inWords(f, refs);
  const show = el("button", {type: "button", class: "link show-me", "data-time": f.start_s,
                             "aria-label": `Show me: ${label(f.name)} at ${fmt(f.start_s)} s`}, "Show me");
  return el("div", {class: "fault-why", "data-fault": f.name},
    el("p", {}, el("span", {class: "chip"}, label(f.name)), " ",
       words ? el("span", {class: "words"}, words[0].toUpperCase() + words.slice(1) + ". ") : "", show),
    el("p", {class: "cue-line"}, f.cue || cue(f.name)),
    numbers(f, refs));
}

/** Each number behind the call, with the range it was read on (fine at one end, clearly
 * wrong at the other; the fault is called half way).
 * @param {any} f @param {Reference[]} refs */
function numbers(f, refs) {
  const rows = Object.entries(f.evidence || {}).filter(([, v]) => v != null).map(([k, v]) => {
    const info = EVIDENCE[k] || {label: k.replace(/_/g, " "), unit: ""};
    const unit = info.unit === "°" || info.unit === "×" ? info.unit : ` ${info.unit}`;
    const r = refs.find(x => x.fault === f.name && x.evidence === k), rising = r && r.ok < r.bad;  // "too much" or "too little"
    const range = !r ? "" : rising ? ` (fine up to ${fmt(r.ok)}, clearly wrong from ${fmt(r.bad)})`
                                   : ` (fine from ${fmt(r.ok)}, clearly wrong at ${fmt(r.bad)} or less)`;
    return el("li", {}, `${info.label}: ${fmt(/** @type {number} */ (v))}${unit}`, range ? el("span", {class: "muted"}, range) : "");
  });
  if (!rows.length) return "";
  return el("details", {class: "evidence"}, el("summary", {}, `The numbers behind “${label(f.name)}”`), el("ul", {}, ...rows));
}
