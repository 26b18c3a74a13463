// @ts-check
// Home: upload a batch (each file's progress, a refused file's reason) and the batches.
import {json, key, post} from "./api.js";
import {fillExercises} from "./catalogue.js";
import {el, show} from "./dom.js";

/** @typedef {{file: File, bar: HTMLProgressElement, state: HTMLElement, athlete: HTMLInputElement,
 *   exercise: HTMLSelectElement, line: HTMLElement}} Item */

/** The files a batch refused at upload, with their reasons: kept for the tab's session,
 * so the batch view still lists them once the upload page is left. @param {string} batch */
export const refusedIn = batch => /** @type {{name: string, reason: string}[]} */ (
  JSON.parse(sessionStorage.getItem(`hingecheck-refused-${batch}`) || "[]"));
/** @param {string} batch @param {string} name @param {string} reason */
const keepRefused = (batch, name, reason) => sessionStorage.setItem(`hingecheck-refused-${batch}`,
  JSON.stringify([...refusedIn(batch), {name, reason}]));

// Names a camera or an app gives a file: they name no athlete (the server's own rule).
const CAMERA_ROLL = /^(img|vid|pxl|mvimg|dsc[fn]?|mov|video|trim|screen[ _-]?recording|screenrecording|whatsapp|signal|telegram|snapchat|rpreplay|gopr|gx|dji)([_\-. ]|\d|$)/i;
/** The athlete a file's name begins with, as the server reads it: "anna_rdl_2026-11-20.mp4"
 * → "Anna"; a camera roll's "IMG_1234.MOV" or "Screen Recording …" names nobody.
 * @param {string} name */
export const athleteFromName = name => {
  const trimmed = name.trim();
  if (!trimmed || CAMERA_ROLL.test(trimmed)) return "";
  const w = trimmed.split(/[_\-. ]/)[0];
  return /\p{L}/u.test(w) ? w[0].toUpperCase() + w.slice(1).toLowerCase() : "";
};

/** @param {import("./api.js").View} view */
export async function home(view) {
  const {$} = show("t-home");
  fillExercises($("#exercise"));
  /** @type {Item[]} */
  const files = [];
  const queue = $("#queue");
  const batchExercise = $("#exercise"), everyone = $("#athlete");
  let added = 0;
  /** @param {Iterable<File>} list */
  const add = list => {
    for (const f of list) if (f.type.startsWith("video/") || /\.(mp4|mov|m4v|webm|mkv)$/i.test(f.name)) {
      const n = added++;
      const bar = /** @type {HTMLProgressElement} */ (el("progress", {max: "100", value: "0", "aria-label": `${f.name} sent`}));
      const state = el("span", {class: "muted state"}, "waiting");
      // Each file's own athlete (the file name's guess, or the one typed for all) and
      // exercise (the batch's), both editable before sending.
      const athlete = /** @type {HTMLInputElement} */ (el("input", {id: `athlete-${n}`, class: "who", value: everyone.value.trim() || athleteFromName(f.name),
        placeholder: "who is it?", "aria-label": `Athlete in ${f.name}`, autocomplete: "off", maxlength: "120"}));
      const exercise = /** @type {HTMLSelectElement} */ (el("select", {id: `exercise-${n}`, class: "what", "aria-label": `Exercise in ${f.name}`}));
      fillExercises(exercise, batchExercise.value);
      exercise.onchange = () => { exercise.dataset.chosen = "1"; };
      const remove = el("button", {type: "button", class: "link", "aria-label": `Leave out ${f.name}`}, "Leave out");
      const line = el("li", {"data-file": f.name}, el("span", {class: "name"}, f.name), athlete, exercise, bar, state, remove);
      const item = {file: f, bar, state, athlete, exercise, line};
      remove.onclick = () => { files.splice(files.indexOf(item), 1); line.remove(); };
      files.push(item); queue.append(line);
    }
  };
  // Typed for all: every file's athlete; the batch's exercise: every file not set apart.
  everyone.oninput = () => { for (const i of files) i.athlete.value = everyone.value.trim() || athleteFromName(i.file.name); };
  batchExercise.onchange = () => { for (const i of files) if (!i.exercise.dataset.chosen) i.exercise.value = batchExercise.value; };
  $("#files").onchange = /** @param {any} e */ e => add(e.target.files);
  const drop = $("#drop");
  drop.ondragover = /** @param {DragEvent} e */ e => { e.preventDefault(); drop.classList.add("over"); };
  drop.ondragleave = () => drop.classList.remove("over");
  drop.ondrop = /** @param {DragEvent} e */ e => { e.preventDefault(); drop.classList.remove("over"); add(e.dataTransfer?.files || []); };
  $("#upload-form").onsubmit = /** @param {SubmitEvent} e */ async e => {
    e.preventDefault();
    if (!files.length) return;
    $("#send").disabled = true;
    try {
      const batch = await post("/v1/batches", {name: $("#batch-name").value});
      let refused = 0;
      for (const item of files) {
        for (const field of [item.athlete, item.exercise, item.line.querySelector("button")]) field.disabled = true;
        // A blank athlete is sent as none: the server then names nobody for a camera roll.
        if (!await upload(item, batch.id, item.exercise.value, item.athlete.value.trim())) {
          refused++; keepRefused(batch.id, item.file.name, item.state.textContent || "");
        }
      }
      if (!refused && !view.left) { location.hash = `#/batch/${batch.id}`; return; }
      // A refused file stays on screen with its reason; the batch is one click away.
      $("#upload-result").replaceChildren(
        el("p", {class: "error", role: "alert"}, `${refused} of ${files.length} files were not accepted (reasons above). `),
        el("a", {href: `#/batch/${batch.id}`}, "Open the batch"));
    } catch (err) {
      if (view.isLeft(err)) return;
      $("#upload-result").replaceChildren(el("p", {class: "error", role: "alert"}, `Not uploaded: ${err instanceof Error ? err.message : err}`));
      $("#send").disabled = false;
      for (const i of files) for (const field of [i.athlete, i.exercise, i.line.querySelector("button")]) field.disabled = false;
    }
  };
  const batches = (await json("/v1/batches")).batches;
  $("#batches").replaceChildren(...batches.map(/** @param {any} b */ b =>
    el("li", {}, el("a", {href: `#/batch/${b.id}`}, b.name), el("span", {class: "muted"}, new Date(b.created_at).toLocaleString()))));
}

// Files above this go straight to storage in parts (where the server stores in S3/MinIO).
const PARTS_FROM_BYTES = 64 * 1024 * 1024;

/** Resolves true once the file is a job, false (its reason shown on its line) if not.
 * @param {Item} item @param {string} batch @param {string} exercise @param {string} athlete */
async function upload(item, batch, exercise, athlete) {
  if (item.file.size > PARTS_FROM_BYTES) {
    const sent = await uploadInParts(item, batch, exercise, athlete);
    if (sent !== null) return sent;
  }
  return uploadWhole(item, batch, exercise, athlete);
}
/** @param {Item} item @param {string} text */
const refuse = (item, text) => { item.state.textContent = text; item.state.className = "error"; return false; };

/** Presigned multipart upload: each part PUT straight to storage, retried on its own.
 * @param {Item} item @param {string} batch @param {string} exercise @param {string} athlete
 * @returns {Promise<boolean | null>} */
async function uploadInParts(item, batch, exercise, athlete) {
  const res = await fetch("/v1/uploads", {method: "POST", headers: {Authorization: `Bearer ${key()}`, "Content-Type": "application/json"},
    body: JSON.stringify({filename: item.file.name, size_bytes: item.file.size, content_type: item.file.type || "video/mp4",
                          exercise, batch, ...(athlete ? {athlete} : {})})});
  if (res.status === 409) return null;  // the server keeps files locally: send it whole
  if (!res.ok) return refuse(item, (await res.json()).detail);
  const plan = await res.json(), etags = [];
  let sent = 0;
  for (const part of plan.parts) {
    const blob = item.file.slice((part.part_number - 1) * plan.part_size, part.part_number * plan.part_size);
    for (let attempt = 1; ; attempt++) {
      try {
        const put = await fetch(part.url, {method: "PUT", body: blob});
        if (!put.ok) throw new Error(put.statusText);
        etags.push(put.headers.get("ETag")); break;
      } catch (e) {
        if (attempt >= 4) return refuse(item, `part ${part.part_number} could not be sent`);
        await new Promise(r => setTimeout(r, 1000 * attempt));
      }
    }
    sent += blob.size; item.bar.value = 100 * sent / item.file.size;
  }
  const done = await fetch(plan.complete, {method: "POST", headers: {Authorization: `Bearer ${key()}`, "Content-Type": "application/json"},
                                           body: JSON.stringify({etags})});
  if (done.status !== 202) return refuse(item, (await done.json()).detail);
  item.state.textContent = "uploaded";
  return true;
}

/** @param {Item} item @param {string} batch @param {string} exercise @param {string} athlete
 * @returns {Promise<boolean>} */
function uploadWhole(item, batch, exercise, athlete, attempt = 1) {
  return new Promise(resolve => {
    const form = new FormData();
    form.append("file", item.file); form.append("exercise", exercise);
    if (athlete) form.append("athlete", athlete);  // none: the server names it from the file
    form.append("batch", batch);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/videos");
    xhr.setRequestHeader("Authorization", `Bearer ${key()}`);
    xhr.setRequestHeader("Idempotency-Key", `${batch}:${item.file.name}:${item.file.size}`);
    xhr.upload.onprogress = e => { if (e.lengthComputable) item.bar.value = 100 * e.loaded / e.total; };
    xhr.onload = () => {
      if (xhr.status === 202) { item.state.textContent = "uploaded"; return resolve(true); }
      let detail = xhr.statusText;
      try { detail = JSON.parse(xhr.responseText).detail || detail; } catch (e) { /* not JSON */ }
      resolve(refuse(item, `not accepted: ${detail}`));
    };
    // A flaky connection: try again (the idempotency key keeps it one job).
    xhr.onerror = () => attempt < 4 ? setTimeout(() => uploadWhole(item, batch, exercise, athlete, attempt + 1).then(resolve), 1000 * attempt)
                                    : resolve(refuse(item, "the connection failed 4 times"));
    xhr.send(form);
  });
}
