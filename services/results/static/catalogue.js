// @ts-check
// What the server calls things: the faults (label, cue, weight), the grade bands, what
// each evidence number is, each exercise's reference values and the exercises a coach may
// pick, all from GET /v1/scoring. Nothing here names an exercise or a fault by hand.

/** @typedef {{name: string, label: string}} Choice */
/** @typedef {{fault: string, evidence: string, ok: number, bad: number}} Reference */

/** @type {Record<string, number>} */
export let WEIGHTS = {};
/** @type {{grade: string, min_score: number}[]} */
let GRADES = [];
/** @type {Record<string, string>} */
const NAMES = {};
/** @type {Record<string, string>} */
const CUES = {};
/** @type {Record<string, {label: string, unit: string}>} */
export let EVIDENCE = {};
/** Each exercise's reference values (the ramps the analysis judged on).
 * @type {Record<string, Reference[]>} */
const REFS = {};
/** The choice that asks hingecheck to guess the exercise. */
export const AUTO = "auto";
/** The exercises a coach may ask for, then "auto" (hingecheck guesses); only the guess
 * until the catalogue has loaded.
 * @type {Choice[]} */
export let CHOICES = [{name: AUTO, label: "Let hingecheck guess"}];

/** Loads the catalogue once; the page still works without it (no grades, server order). */
export const loaded = fetch("/v1/scoring").then(r => r.json()).then(s => {
  WEIGHTS = s.fault_weights || {}; GRADES = s.grades || []; EVIDENCE = s.evidence || {};
  for (const f of s.faults || []) { NAMES[f.name] = f.label; CUES[f.name] = f.cue; }
  for (const e of s.exercises || []) REFS[e.name] = e.references || [];
  CHOICES = s.exercise_choices
    || [...(s.exercises || []).map(/** @param {Choice} e */ e => ({name: e.name, label: e.label})),
        {name: AUTO, label: "Let hingecheck guess"}];
  for (const c of CHOICES) NAMES[`exercise ${c.name}`] = c.label;
}).catch(() => {});

/** A fault's name for people. @param {string} name */
export const label = name => NAMES[name] || name.replace(/_/g, " ");
/** A fault's cue. @param {string} name */
export const cue = name => CUES[name] || "";
/** An exercise's name for people. @param {string} name */
export const exerciseLabel = name => NAMES[`exercise ${name}`] || name.replace(/_/g, " ");
/** The grade letter of a score ("" without one). @param {number | null | undefined} score */
export const grade = score => score == null ? "" : (GRADES.find(g => score >= g.min_score) || {grade: ""}).grade;
/** One exercise's reference values. @param {string} exercise */
export const references = exercise => REFS[exercise] || [];

/** Fills a select with the exercise choices, keeping ``value`` selected where it is one.
 * @param {HTMLSelectElement} select @param {string} [value] */
export function fillExercises(select, value) {
  select.replaceChildren(...CHOICES.map(c => new Option(c.label, c.name)));
  if (value && CHOICES.some(c => c.name === value)) select.value = value;
}
