// @ts-check
// After upload: a clip renamed, moved to another batch or judged as another exercise
// (PATCH /v1/jobs/{id}), a clip or a batch deleted (DELETE, after a confirmation), and two
// athletes merged into one (POST /v1/athletes/merge; a rename is a merge into a new name).
import {api, json} from "./api.js";
import {fillExercises} from "./catalogue.js";
import {el} from "./dom.js";

/** @param {unknown} err */
const why = err => err instanceof Error ? err.message : String(err);
/** The open route drawn again (after a change the view's data is the server's). */
const redraw = () => window.dispatchEvent(new HashChangeEvent("hashchange"));

/** The team's athletes, for the name fields' suggestions. */
async function athletes() {
  const jobs = (await json("/v1/jobs?limit=200")).jobs;
  return [.../** @type {Set<string>} */ (new Set(jobs.map(/** @param {any} j */ j => j.athlete).filter(Boolean)))].sort();
}

/** A datalist of names (suggestions for a free name field). @param {string} id @param {string[]} names */
const nameList = (id, names) => el("datalist", {id}, ...names.map(n => el("option", {value: n})));

/** A button that asks before it acts: pressed once, it shows what will go and a second
 * button that does it, and one that keeps everything.
 * @param {string} label @param {string} question @param {string} yes @param {() => Promise<void>} act */
export function confirmed(label, question, yes, act) {
  const open = el("button", {type: "button", class: "danger"}, label);
  const go = el("button", {type: "button", class: "danger confirm-yes"}, yes);
  const keep = el("button", {type: "button", class: "confirm-no"}, "Keep it");
  const ask = el("div", {class: "confirm", role: "group", "aria-label": question, hidden: ""}, el("p", {}, question), go, keep);
  open.onclick = () => { ask.hidden = false; open.hidden = true; keep.focus(); };
  keep.onclick = () => { ask.hidden = true; open.hidden = false; open.focus(); };
  go.onclick = async () => { go.setAttribute("disabled", ""); await act(); go.removeAttribute("disabled"); };
  return el("div", {class: "confirm-wrap"}, open, ask);
}

/** A section of the view, folded: "what it does" as its summary. @param {string} summary */
const folded = summary => el("details", {class: "manage"}, el("summary", {}, summary));

/** The clip's athlete, batch and exercise, changed; the clip deleted.
 * @param {import("./api.js").View} view @param {HTMLElement} root @param {any} job */
export async function manageClip(view, root, job) {
  const box = folded("Rename, move, judge again or delete this clip");
  const said = el("p", {class: "muted", role: "status"});
  const who = el("input", {id: "manage-athlete", list: "manage-athletes", autocomplete: "off", maxlength: "200", value: job.athlete || ""});
  const where = el("select", {id: "manage-batch"}, el("option", {value: ""}, "no batch"));
  const what = el("select", {id: "manage-exercise"});
  const judged = job.exercise_found || job.exercise;
  fillExercises(what, job.exercise);
  const form = el("form", {class: "row manage-form"},
    el("label", {}, "Athlete", who), el("label", {}, "Batch", where), el("label", {}, "Exercise", what),
    el("button", {type: "submit"}, "Save changes"));
  box.append(form, confirmed("Delete this clip…", `Delete ${job.source_name}, its results, notes and stored files? This cannot be undone.`,
    "Delete the clip", async () => {
      try { await api(`/v1/jobs/${job.id}`, {method: "DELETE"}); location.hash = job.batch ? `#/batch/${job.batch}` : "#/"; }
      catch (err) { if (view.isLeft(err)) return; said.textContent = `Not deleted: ${why(err)}`; }
    }), said);
  (root.querySelector("section") || root).append(box);
  const [names, batches] = await Promise.all([athletes(), json("/v1/batches")]);
  box.append(nameList("manage-athletes", names));
  where.append(...batches.batches.map(/** @param {any} b */ b => el("option", {value: b.id}, b.name)));
  where.value = job.batch || "";
  form.onsubmit = /** @param {SubmitEvent} e */ async e => {
    e.preventDefault();
    /** @type {Record<string, string | null>} */
    const change = {};
    if (who.value.trim() !== (job.athlete || "")) change.athlete = who.value.trim() || null;
    if (where.value !== (job.batch || "")) change.batch = where.value || null;
    if (what.value !== job.exercise && what.value !== judged) change.exercise = what.value;
    if (!Object.keys(change).length) { said.textContent = "Nothing to change."; return; }
    try {
      const done = await json(`/v1/jobs/${job.id}`, {method: "PATCH", headers: {"Content-Type": "application/json"},
                                                     body: JSON.stringify(change)});
      if (done.reanalysis) location.hash = `#/clip/${done.reanalysis.id}`;  // judged again: the new judgement
      else redraw();
    } catch (err) { if (view.isLeft(err)) return; said.textContent = `Not changed: ${why(err)}`; }
  };
}

/** One athlete merged into another (every clip of ``from`` becomes ``into``'s): a rename
 * when ``into`` is a new name. @param {string} from @param {string} into */
const merge = (from, into) => json("/v1/athletes/merge", {method: "POST", headers: {"Content-Type": "application/json"},
                                                          body: JSON.stringify({from, into})});

/** The batch deleted with its clips; two of the team's athletes merged.
 * @param {import("./api.js").View} view @param {HTMLElement} root @param {string} id @param {string} name */
export async function manageBatch(view, root, id, name) {
  const box = folded("Merge two athletes or delete this batch");
  const said = el("p", {class: "muted", role: "status"});
  const from = el("select", {id: "merge-from"});
  const into = el("input", {id: "merge-into", list: "merge-names", autocomplete: "off", maxlength: "200", required: ""});
  const form = el("form", {class: "row manage-form"}, el("label", {}, "Athlete", from),
    el("label", {}, "becomes (another athlete's name, or a new one)", into), el("button", {type: "submit"}, "Merge"));
  box.append(form, confirmed("Delete this batch…", `Delete the batch “${name}” with every clip in it, their results, notes and stored files? This cannot be undone.`,
    "Delete the batch", async () => {
      try { await api(`/v1/batches/${id}`, {method: "DELETE"}); location.hash = "#/"; }
      catch (err) { if (view.isLeft(err)) return; said.textContent = `Not deleted: ${why(err)}`; }
    }), said);
  (root.querySelector("section") || root).append(box);
  const names = await athletes();
  from.append(...names.map(n => el("option", {value: n}, n)));
  box.append(nameList("merge-names", names));
  form.onsubmit = /** @param {SubmitEvent} e */ async e => {
    e.preventDefault();
    try {
      const done = await merge(from.value, into.value.trim());
      said.textContent = `${done.jobs} clips of ${done.from} are now ${done.into}'s.`;
      redraw();
    } catch (err) { if (view.isLeft(err)) return; said.textContent = `Not merged: ${why(err)}`; }
  };
}

/** This athlete renamed, or merged into another athlete.
 * @param {import("./api.js").View} view @param {HTMLElement} root @param {string} name */
export async function manageAthlete(view, root, name) {
  const box = folded("Rename this athlete or merge them into another");
  const said = el("p", {class: "muted", role: "status"});
  const into = el("input", {id: "rename-athlete", list: "rename-names", autocomplete: "off", maxlength: "200", required: ""});
  const form = el("form", {class: "row manage-form"},
    el("label", {}, `Every clip of ${name} becomes (a new name, or another athlete's)`, into), el("button", {type: "submit"}, "Rename or merge"));
  box.append(form, said);
  (root.querySelector("section") || root).append(box);
  const names = (await athletes()).filter(n => n !== name);
  box.append(nameList("rename-names", names));
  form.onsubmit = /** @param {SubmitEvent} e */ async e => {
    e.preventDefault();
    try { const done = await merge(name, into.value.trim()); location.hash = `#/athlete/${encodeURIComponent(done.into)}`; }
    catch (err) { if (view.isLeft(err)) return; said.textContent = `Not renamed: ${why(err)}`; }
  };
}
