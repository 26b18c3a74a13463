// hingecheck coach page: plain JavaScript, no external assets, talks to the JSON API.
"use strict";
// What each fault is called and costs, and the grade bands, come from the server's
// catalogue (GET /v1/scoring).
let WEIGHTS = {}, GRADES = [];
// One CSV cell, quoted; text a spreadsheet would run as a formula (=, +, -, @, tab, CR
// first) is kept as text with a leading apostrophe (OWASP's advice for CSV injection).
const csvCell = v => {
  let s = String(v ?? "");
  if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return `"${s.replace(/"/g, '""')}"`;
};
window.hingecheck = {csvCell};
const NAMES = {}, CUES = {};
// What each number in a fault's evidence is (label, unit), and each exercise's reference
// values: REFS[exercise]["fault evidence"] = {ok, bad}, the ramp the analysis read it on.
let EVIDENCE = {}, REFS = {};
const scoringLoaded = fetch("/v1/scoring").then(r => r.json())
  .then(s => { WEIGHTS = s.fault_weights; GRADES = s.grades; EVIDENCE = s.evidence || {};
               for (const f of s.faults || []) { NAMES[f.name] = f.label; CUES[f.name] = f.cue; }
               for (const e of s.exercises || [])
                 REFS[e.name] = Object.fromEntries(e.references.map(r => [`${r.fault} ${r.evidence}`, r])); })
  .catch(() => {});  // without it batches keep the server's order and scores show no grade
const label = name => NAMES[name] || name.replace(/_/g, " ");
const repScore = rep => rep.score == null ? "—" : Math.round(rep.score);
const EXERCISES = {rdl: "RDL", deadlift: "Deadlift", kettlebell_swing: "KB swing",
                   good_morning: "Good morning", wall_drill: "Wall drill", auto: "auto"};
const app = document.getElementById("app");
let timer = null, shortcuts = null;  // the open view's refresh and keyboard shortcuts
document.addEventListener("keydown", e => { if (shortcuts) shortcuts(e); });

const key = () => sessionStorage.getItem("hingecheck-key");
async function api(path, options = {}) {
  const res = await fetch(path, {...options, headers: {...(options.headers || {}),
                                  Authorization: `Bearer ${key()}`}});
  if (res.status === 401) { sessionStorage.removeItem("hingecheck-key"); route(); throw new Error("signed out"); }
  if (!res.ok) { const p = await res.json().catch(() => ({})); throw new Error(p.detail || res.statusText); }
  return res;
}
const json = async (path, options) => (await api(path, options)).json();
const el = (tag, attrs = {}, ...kids) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) k === "class" ? node.className = v : node.setAttribute(k, v);
  for (const kid of kids) node.append(kid);
  return node;
};
// Each cell carries its column's name: on a phone the rows are laid out as cards, each
// cell under its name (app.css), so that no table scrolls sideways.
const labelCells = table => {
  const names = [...table.querySelectorAll("thead th")].map(th => th.textContent);
  for (const tr of table.querySelectorAll("tbody tr"))
    [...tr.children].forEach((td, i) => { td.dataset.label = names[i] || ""; });
};
const show = id => { app.replaceChildren(document.getElementById(id).content.cloneNode(true)); };
const cost = job => Math.max(0, ...(job.faults || []).map(f => (WEIGHTS[f.name] ?? 0) * f.worst_severity));
const grade = s => s == null ? "" : (GRADES.find(g => s >= g.min_score) || {grade: ""}).grade;
// A table row that opens ``href`` on a click or Enter; a link inside it keeps its own
// click (Ctrl-click opens a new tab).
const rowOpens = (tr, href) => {
  tr.onclick = tr.onkeydown = e => {
    if (e.target.closest("a")) return;
    if (!e.key || e.key === "Enter") location.hash = href;
  };
  return tr;
};
// A clip's score, or that it got none and why (the camera angle, no rep found).
const scoreCell = (j, none = "not judged") => j.score != null ? [String(Math.round(j.score))]
  : [none, j.unscored_reason ? el("div", {class: "muted reason"}, j.unscored_reason) : ""];

// What a clip was judged as: the guess where "auto" was asked ("RDL (guessed)").
const exerciseCell = j => j.exercise === "auto" && j.exercise_found ? `${EXERCISES[j.exercise_found] || j.exercise_found} (guessed)`
                                                                   : EXERCISES[j.exercise_found || j.exercise] || j.exercise;
// The date a clip was filmed, where its file name carries one ("…_2026-11-20.mp4",
// "VID_20261120_…"); null otherwise.
const filmedOn = name => {
  const m = /(20\d\d)-?([01]\d)-?([0-3]\d)/.exec(name || "");
  return m && +m[2] >= 1 && +m[2] <= 12 && +m[3] >= 1 && +m[3] <= 31 ? `${m[1]}-${m[2]}-${m[3]}` : null;
};
// "anna_rdl_2026-11-20.mp4" → "Anna"
const athleteFromName = name => { const w = name.split(/[_\-. ]/)[0]; return w ? w[0].toUpperCase() + w.slice(1).toLowerCase() : "Unknown"; };

function route() {
  clearInterval(timer);
  shortcuts = null;
  const [, view, id, clip] = location.hash.split("/");
  // A share link opens its read-only view without the team's key.
  if (view === "shared") { document.getElementById("nav").hidden = true; return landed(sharedView(id, clip)); }
  document.getElementById("nav").hidden = !key();
  if (!key()) return landed(signIn());
  if (view === "batch") return landed(batchView(decodeURIComponent(id)));
  if (view === "clip") return landed(clipView(decodeURIComponent(id), clip && Number(clip)));
  if (view === "athlete") return landed(athleteView(decodeURIComponent(id)));
  if (view === "week") return landed(weekView());
  if (view === "compare") return landed(compareView(decodeURIComponent(id), decodeURIComponent(clip || id)));
  return landed(home());
}

// Once a view has drawn: its heading names the tab, and focus moves to it (a screen
// reader hears where it is; the keyboard starts from the top of the new view).
async function landed(drawing) {
  await drawing;
  const heading = app.querySelector("h1");
  if (!heading) return;
  document.title = `${heading.textContent.trim() || "hingecheck"} — hingecheck`;
  heading.tabIndex = -1;
  heading.focus({preventScroll: true});
}

function signIn() {
  show("t-signin");
  document.getElementById("signin-form").onsubmit = async e => {
    e.preventDefault();
    sessionStorage.setItem("hingecheck-key", document.getElementById("key").value.trim());
    const res = await fetch("/v1/jobs?limit=1", {headers: {Authorization: `Bearer ${key()}`}});
    // A shared link (#/clip/…, #/batch/…) opens where it points once signed in.
    if (res.ok) route();
    else { sessionStorage.removeItem("hingecheck-key"); document.getElementById("signin-error").textContent = "That key was not accepted."; }
  };
}

async function home() {
  show("t-home");
  const files = [];
  const queue = document.getElementById("queue");
  const add = list => { for (const f of list) if (f.type.startsWith("video/") || /\.(mp4|mov|m4v|webm|mkv)$/i.test(f.name)) {
    const bar = el("progress", {max: "100", value: "0"}); const state = el("span", {class: "muted"}, "waiting");
    files.push({file: f, bar, state}); queue.append(el("li", {}, el("span", {class: "name"}, f.name), bar, state)); } };
  document.getElementById("files").onchange = e => add(e.target.files);
  const drop = document.getElementById("drop");
  drop.ondragover = e => { e.preventDefault(); drop.classList.add("over"); };
  drop.ondragleave = () => drop.classList.remove("over");
  drop.ondrop = e => { e.preventDefault(); drop.classList.remove("over"); add(e.dataTransfer.files); };
  document.getElementById("upload-form").onsubmit = async e => {
    e.preventDefault();
    if (!files.length) return;
    document.getElementById("send").disabled = true;
    const batch = await json("/v1/batches", {method: "POST", headers: {"Content-Type": "application/json"},
                              body: JSON.stringify({name: document.getElementById("batch-name").value})});
    const exercise = document.getElementById("exercise").value;
    const athlete = document.getElementById("athlete").value.trim();
    let refused = 0;
    for (const item of files) if (!await upload(item, batch.id, exercise, athlete || athleteFromName(item.file.name))) refused++;
    if (!refused) { location.hash = `#/batch/${batch.id}`; return; }
    // A refused file stays on screen with its reason; the batch is one click away.
    document.getElementById("upload-result").replaceChildren(
      el("p", {class: "error", role: "alert"}, `${refused} of ${files.length} files were not accepted (reasons above). `),
      el("a", {href: `#/batch/${batch.id}`}, "Open the batch"));
  };
  const batches = (await json("/v1/batches")).batches;
  document.getElementById("batches").replaceChildren(...batches.map(b =>
    el("li", {}, el("a", {href: `#/batch/${b.id}`}, b.name), el("span", {class: "muted"}, new Date(b.created_at).toLocaleString()))));
}

// Files above this go straight to storage in parts (where the server stores in S3/MinIO).
const PARTS_FROM_BYTES = 64 * 1024 * 1024;

// Each resolves true once the file is a job, false (its reason shown on its line) if not.
async function upload(item, batch, exercise, athlete) {
  if (item.file.size > PARTS_FROM_BYTES) {
    const sent = await uploadInParts(item, batch, exercise, athlete);
    if (sent !== null) return sent;
  }
  return uploadWhole(item, batch, exercise, athlete);
}
const refuse = (item, text) => { item.state.textContent = text; item.state.className = "error"; return false; };

// Presigned multipart upload: each part PUT straight to storage, retried on its own.
async function uploadInParts(item, batch, exercise, athlete) {
  const res = await fetch("/v1/uploads", {method: "POST", headers: {Authorization: `Bearer ${key()}`, "Content-Type": "application/json"},
    body: JSON.stringify({filename: item.file.name, size_bytes: item.file.size, content_type: item.file.type || "video/mp4", exercise, athlete, batch})});
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

function uploadWhole(item, batch, exercise, athlete, attempt = 1) {
  return new Promise(resolve => {
    const form = new FormData();
    form.append("file", item.file); form.append("exercise", exercise);
    form.append("athlete", athlete); form.append("batch", batch);
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

async function batchView(id) {
  show("t-batch");
  const filterA = document.getElementById("filter-athlete"), filterF = document.getElementById("filter-fault");
  let rows = [];
  // Most urgent first (the faults' cost) until a column header is pressed.
  let order = {by: "faults", descending: true};
  const SORT = {athlete: j => j.athlete || "", exercise: j => j.exercise, status: j => j.status,
                reps: j => j.reps ?? -1, score: j => j.score ?? -1, faults: j => cost(j),
                clip: j => `${filmedOn(j.source_name) || ""} ${j.source_name}`};
  const sorted = list => {
    const k = SORT[order.by], sign = order.descending ? -1 : 1;
    return [...list].sort((a, b) => { const x = k(a), y = k(b); return sign * (x < y ? -1 : x > y ? 1 : 0) ||
      (a.score ?? 101) - (b.score ?? 101); });
  };
  const sortBy = (by, descending) => {
    order = {by, descending};
    for (const th of document.querySelectorAll("#jobs thead th")) th.removeAttribute("aria-sort");
    document.querySelector(`#jobs .sort[data-sort=${by}]`).parentElement.setAttribute("aria-sort", descending ? "descending" : "ascending");
    document.getElementById("sort-by").value = by;
    draw();
  };
  for (const button of document.querySelectorAll("#jobs .sort")) button.onclick = () =>
    sortBy(button.dataset.sort, order.by === button.dataset.sort ? !order.descending : button.dataset.sort === "faults");
  // On a phone the table is cards without headers: the same orders from a list.
  document.getElementById("sort-by").onchange = e => sortBy(e.target.value, e.target.value === "faults");
  const visible = () => sorted(rows.filter(j => (!filterA.value || j.athlete === filterA.value) &&
                                                (!filterF.value || (j.faults || []).some(f => f.name === filterF.value))));
  const draw = () => {
    // The refresh redraws the rows: the focused one keeps the focus.
    const active = document.activeElement, row = active?.closest?.("#jobs tr[data-job]");
    const onLink = row != null && active.tagName === "A";
    drawRows();
    labelCells(document.getElementById("jobs"));
    if (row) document.querySelector(`#jobs tr[data-job="${row.dataset.job}"]${onLink ? " a" : ""}`)?.focus();
  };
  const drawRows = () => document.querySelector("#jobs tbody").replaceChildren(...visible().map(j => {
    const status = j.status === "running" ? `running ${Math.round(100 * j.progress)}%` : j.status;
    const why = j.error ? el("div", {class: "error reason"}, j.error.message || j.error.code) : "";
    const judged = j.status !== "succeeded" || j.score != null;
    const tr = el("tr", {tabindex: "0", "data-job": j.id},
      el("td", {}, el("a", {href: `#/clip/${j.id}`}, j.athlete || "—")),  // a real link: Ctrl-click, new tab
      el("td", {}, exerciseCell(j)), el("td", {}, status, why),
      el("td", {}, j.reps ?? "—"),
      el("td", {class: `score grade-${grade(j.score)}`}, ...scoreCell(j, judged ? "—" : "not judged")),
      el("td", {}, ...(j.faults || []).map(f => el("span", {class: "chip"}, label(f.name)))),
      el("td", {}, j.source_name, filmedOn(j.source_name) ? el("div", {class: "muted"}, `filmed ${filmedOn(j.source_name)}`) : ""));
    return rowOpens(tr, `#/clip/${j.id}`); }));
  const refresh = async () => {
    const b = await json(`/v1/batches/${id}`);
    document.getElementById("batch-title").textContent = b.name;
    document.getElementById("batch-counts").textContent = Object.entries(b.counts).map(([k, v]) => `${v} ${k}`).join(" · ");
    rows = b.jobs;
    for (const [select, values] of [[filterA, rows.map(r => r.athlete)], [filterF, rows.flatMap(r => (r.faults || []).map(f => f.name))]])
      for (const v of new Set(values)) if (v && ![...select.options].some(o => o.value === v))
        select.append(el("option", {value: v}, label(v)));
    draw();
    if (!rows.some(r => r.status === "queued" || r.status === "running")) clearInterval(timer);
  };
  filterA.onchange = filterF.onchange = draw;
  document.getElementById("export").onclick = () => {
    const esc = csvCell;
    const title = document.getElementById("batch-title").textContent || "batch";
    const lines = [["athlete", "exercise", "status", "reps", "score", "faults", "fault names", "clip", "filmed", "uploaded", "batch", "reason"].join(",")].concat(
      visible().map(j => [j.athlete, exerciseCell(j), j.status, j.reps, j.score,
                          (j.faults || []).map(f => label(f.name)).join("; "), (j.faults || []).map(f => f.name).join(" "),
                          j.source_name, filmedOn(j.source_name) || "", j.created_at, title, j.error ? j.error.message : ""].map(esc).join(",")));
    const a = el("a", {href: URL.createObjectURL(new Blob([lines.join("\n") + "\n"], {type: "text/csv"})),
                       download: `hingecheck-${title.replace(/[^\w-]+/g, "_")}.csv`});
    document.body.append(a); a.click(); a.remove();
  };
  await refresh();
  timer = setInterval(refresh, 1500);
}

// ``rep``: 1-based; the clip opens at that rep's start.
async function clipView(id, rep) {
  show("t-clip");
  const job = await json(`/v1/jobs/${id}`);
  if (job.status !== "succeeded") {  // nothing to play yet, or ever: say why
    document.getElementById("back").href = job.batch ? `#/batch/${job.batch}` : "#/";
    document.getElementById("clip-title").textContent = `${job.athlete || ""} — ${job.source_name}`;
    const text = job.error ? `Not analysed (${job.status}): ${job.error.message || job.error.code}`
                           : `Not ready yet: ${job.status}${job.status === "running" ? ` ${Math.round(100 * job.progress)}%` : ""}. This page shows it once it is done.`;
    document.getElementById("clip-summary").replaceChildren(el("span", {class: job.error ? "error" : "muted", role: "status"}, text));
    const athleteLink = document.getElementById("athlete-link");
    athleteLink.textContent = job.athlete || "athlete"; athleteLink.href = `#/athlete/${encodeURIComponent(job.athlete || "")}`;
    // Nothing to play, compare, download or judge again until there is a result.
    for (const n of [document.querySelector(".player"), ...document.querySelectorAll(".ready-only")]) n.hidden = true;
    if (!job.error) timer = setInterval(async () => { if ((await json(`/v1/jobs/${id}`)).status !== job.status) route(); }, 1500);
    return;
  }
  const result = await json(`/v1/jobs/${id}/result`);
  document.getElementById("back").href = job.batch ? `#/batch/${job.batch}` : "#/";
  const athleteLink = document.getElementById("athlete-link");
  athleteLink.textContent = job.athlete || "athlete"; athleteLink.href = `#/athlete/${encodeURIComponent(job.athlete || "")}`;
  document.getElementById("clip-title").textContent = `${job.athlete || ""} — ${result.exercise.label} (${job.source_name})`;
  const ex = result.exercise;
  document.getElementById("clip-exercise").textContent = ex.requested === "auto"
    ? `Judged as ${ex.label}: guessed by hingecheck, ${Math.round(100 * (ex.guess_confidence ?? 0))}% sure.`
    : `Judged as ${ex.label}, as asked.` + (job.reanalysis_of ? " A re-analysis of an earlier upload." : "");
  clipTools(id, job, ex.name);
  document.getElementById("compare-link").href = `#/compare/${id}/${id}`;
  const s = result.summary;
  document.getElementById("clip-summary").textContent = s.score == null ? s.reason : `${Math.round(s.score)}/100, grade ${s.grade}: ${s.reason}`;
  document.getElementById("cues").replaceChildren(...s.cues.map(c => el("p", {}, c)));
  const video = document.getElementById("video");
  video.src = URL.createObjectURL(await (await api(`/v1/jobs/${id}/video`)).blob());
  const duration = result.video.duration_s, fps = result.video.fps || 30;
  const opening = result.reps[rep - 1];
  if (opening) video.addEventListener("loadedmetadata", () => { video.currentTime = opening.start_s; }, {once: true});
  const line = document.getElementById("timeline");
  const pct = t => `${100 * t / duration}%`;
  const seek = t => { video.currentTime = t; };
  for (const rep of result.reps) {
    const b = el("button", {class: "rep", style: `left:${pct(rep.start_s)};width:${pct(rep.end_s - rep.start_s)}`,
                            "data-rep": rep.index}, el("span", {class: "sr-only"}, "Rep "), `${rep.index + 1}: ${repScore(rep)}`);
    b.onclick = () => seek(rep.start_s); line.append(b);
  }
  for (const rep of result.reps) for (const f of rep.faults) {
    const m = el("button", {class: "fault", style: `left:${pct(f.start_s)}`, "data-fault": f.name, "data-time": f.start_s,
                            title: `${label(f.name)} (rep ${rep.index + 1})`, "aria-label": `${label(f.name)}, rep ${rep.index + 1}`});
    m.onclick = () => seek(f.start_s); line.append(m);
  }
  const head = el("div", {class: "head"}); line.append(head);
  document.getElementById("reps").replaceChildren(...result.reps.map(rep => el("div", {class: "rep-card", "data-rep": rep.index},
    el("h2", {}, `Rep ${rep.index + 1}${rep.partial ? " (partial)" : ""}: `, el("span", {class: `score grade-${grade(rep.score)}`}, repScore(rep))),
    // Angles read off a view that was refused are not shown as if they were measured.
    s.judged ? repAngles(rep, REFS[ex.name] || {}) : el("p", {class: "muted"}, "not judged: no angles from this camera angle"),
    ...rep.faults.map(f => el("div", {class: "fault-why"},
      el("p", {}, el("span", {class: "chip"}, label(f.name)), " ", f.cue || CUES[f.name] || ""),
      faultEvidence(f, REFS[ex.name] || {}))))));
  const toggle = playerControls(video, document.getElementById("play"), document.getElementById("clock"));
  const step = frames => { video.pause(); video.currentTime = Math.max(0, video.currentTime + frames / fps); };
  document.getElementById("step-back").onclick = () => step(-1);
  document.getElementById("step-fwd").onclick = () => step(1);
  // Shortcuts while this clip is open: space plays and pauses, "," and "." step one frame.
  // Not while typing a note, and space stays a button's own key on a button.
  shortcuts = e => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.target.closest("input, textarea, select")) return;
    if (e.key === ",") step(-1);
    else if (e.key === ".") step(1);
    else if (e.key === " " && !e.target.closest("button, a, video")) toggle();
    else return;
    e.preventDefault();
  };
  notesFor(id, result.reps);
  for (const b of document.querySelectorAll(".speed")) b.onclick = () => { video.playbackRate = Number(b.dataset.rate); };
  const canvas = document.getElementById("chart"), caption = document.getElementById("caption");
  canvas.hidden = !s.judged;  // angles off a refused view would read as measured
  const follow = () => {
    const t = video.currentTime; head.style.left = pct(t);
    const current = result.reps.find(r => r.start_s <= t && t <= r.end_s);
    for (const n of document.querySelectorAll("[data-rep]")) n.classList.toggle("current", current != null && Number(n.dataset.rep) === current.index);
    // The faults under the playhead and their cues, as text under the picture (legible on
    // a phone, where the burned-in labels are small and the controls cover the picture).
    const now = result.reps.flatMap(r => r.faults.filter(f => f.start_s <= t && t <= Math.max(f.end_s, f.start_s + 2))
      .map(f => `Rep ${r.index + 1}: ${label(f.name)}. ${f.cue || CUES[f.name] || ""}`));
    caption.textContent = now.join("  ");
    drawChart(canvas, result, t);
  };
  video.ontimeupdate = video.onseeked = follow;
  follow();
}

// A rep's angles, each beside the exercise's reference values (the ramps the analysis
// judged it on): "knee 79° (soft 8–35°, a squat from 60°)".
function repAngles(rep, refs) {
  const ref = (fault, key) => refs[`${fault} ${key}`];
  const hinge = ref("incomplete_hinge", "peak_hip_flexion_deg"), trunk = ref("squat_substitution", "trunk_deg");
  const squat = ref("squat_substitution", "knee_flexion_deg"), soft = ref("locked_knees", "knee_flexion_deg");
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

const fmt = v => Math.abs(v) >= 10 ? String(Math.round(v)) : String(Math.round(v * 100) / 100);

// Why a fault was called: each number behind it, with the range it was read on (fine at
// one end, clearly wrong at the other; the fault is called half way).
function faultEvidence(f, refs) {
  const rows = Object.entries(f.evidence || {}).filter(([, v]) => v != null).map(([k, v]) => {
    const info = EVIDENCE[k] || {label: k.replace(/_/g, " "), unit: ""};
    const unit = info.unit === "°" || info.unit === "×" ? info.unit : ` ${info.unit}`;
    const r = refs[`${f.name} ${k}`], rising = r && r.ok < r.bad;  // "too much" or "too little"
    const range = !r ? "" : rising ? ` (fine up to ${fmt(r.ok)}, clearly wrong from ${fmt(r.bad)})`
                                   : ` (fine from ${fmt(r.ok)}, clearly wrong at ${fmt(r.bad)} or less)`;
    return el("li", {}, `${info.label}: ${fmt(v)}${unit}`, range ? el("span", {class: "muted"}, range) : "");
  });
  if (!rows.length) return "";
  return el("details", {class: "evidence"}, el("summary", {}, `Why “${label(f.name)}”`), el("ul", {}, ...rows));
}

// Re-analysis under another exercise (a new job, linked) and the downloads.
function clipTools(id, job, judgedAs) {
  const said = document.getElementById("clip-tools-said"), pick = document.getElementById("reanalyse-exercise");
  pick.value = judgedAs === "rdl" ? "deadlift" : "rdl";
  document.getElementById("reanalyse-form").onsubmit = async e => {
    e.preventDefault();
    try {
      const again = await json(`/v1/jobs/${id}/reanalyse`, {method: "POST", headers: {"Content-Type": "application/json"},
                                                           body: JSON.stringify({exercise: pick.value})});
      location.hash = `#/clip/${again.id}`;
    } catch (err) { said.textContent = `Not re-analysed: ${err.message}`; }
  };
  for (const b of document.querySelectorAll(".download")) b.onclick = async () => {
    said.textContent = `Downloading ${b.dataset.name}…`;
    try {
      const blob = await (await api(`/v1/jobs/${id}/${b.dataset.kind}`)).blob();
      const stem = job.source_name.replace(/\.[^.]+$/, "").replace(/[^\w-]+/g, "_");
      const a = el("a", {href: URL.createObjectURL(blob), download: `${stem}-${b.dataset.name}`});
      document.body.append(a); a.click(); a.remove();
      said.textContent = `${b.dataset.name} downloaded.`;
    } catch (err) { said.textContent = `Not downloaded: ${err.message}`; }
  };
}

// The coach's notes on each rep (stored with the job: GET/POST/DELETE /v1/jobs/{id}/notes).
async function notesFor(id, reps) {
  const notes = (await json(`/v1/jobs/${id}/notes`)).notes;
  for (const rep of reps) {
    const card = document.querySelector(`.rep-card[data-rep="${rep.index}"]`);
    const list = el("ul", {class: "notes", "aria-label": `notes on rep ${rep.index + 1}`});
    const item = n => {
      const remove = el("button", {type: "button", class: "link", "aria-label": `Remove note: ${n.text}`}, "Remove");
      const li = el("li", {}, el("span", {}, n.text), " ", remove);
      remove.onclick = async () => { await api(`/v1/jobs/${id}/notes/${n.id}`, {method: "DELETE"}); li.remove(); };
      return li;
    };
    list.append(...notes.filter(n => n.rep === rep.index).map(item));
    const box = el("textarea", {id: `note-${rep.index}`, rows: "2", maxlength: "2000", required: ""});
    const said = el("p", {class: "muted", role: "status"});
    const form = el("form", {class: "note-form"}, el("label", {for: box.id}, `Note on rep ${rep.index + 1}`), box,
                    el("button", {type: "submit"}, "Save note"), said);
    form.onsubmit = async e => {
      e.preventDefault();
      try {
        const note = await json(`/v1/jobs/${id}/notes`, {method: "POST", headers: {"Content-Type": "application/json"},
                                                        body: JSON.stringify({rep: rep.index, text: box.value})});
        list.append(item(note)); box.value = ""; said.textContent = "Note saved.";
      } catch (err) { said.textContent = `Not saved: ${err.message}`; }
    };
    card.append(list, form);
  }
}

// Hip and knee flexion over the clip: degrees up the side, seconds along the bottom, each
// rep a band, the playhead a line.
function drawChart(canvas, result, t) {
  const r = devicePixelRatio, w = canvas.width = canvas.clientWidth * r, h = canvas.height = 180 * r;
  const c = canvas.getContext("2d"), times = result.pose.times_s, d = result.video.duration_s || 1;
  const left = 40 * r, bottom = 20 * r, top = 18 * r, plotW = w - left - 8 * r, plotH = h - top - bottom;
  const x = s => left + plotW * s / d, y = deg => top + plotH * (1 - Math.max(0, Math.min(deg, 150)) / 150);
  c.clearRect(0, 0, w, h); c.font = `${11 * r}px sans-serif`; c.lineWidth = r;
  for (const rep of result.reps) {
    c.fillStyle = "#e4f3ec"; c.fillRect(x(rep.start_s), top, x(rep.end_s) - x(rep.start_s), plotH);
    c.fillStyle = "#2f5d4a"; c.fillText(`rep ${rep.index + 1}`, x(rep.start_s) + 3 * r, top + 11 * r);
  }
  c.strokeStyle = "#d8dee4"; c.fillStyle = "#5b6773"; c.textAlign = "right";
  for (const deg of [0, 50, 100, 150]) {
    c.beginPath(); c.moveTo(left, y(deg)); c.lineTo(left + plotW, y(deg)); c.stroke();
    c.fillText(`${deg}°`, left - 5 * r, y(deg) + 4 * r);
  }
  c.textAlign = "center";
  const every = d > 20 ? 5 : d > 8 ? 2 : 1;
  for (let s = 0; s <= d; s += every) c.fillText(`${s} s`, x(s), h - 5 * r);
  c.textAlign = "left"; c.lineWidth = 2 * r;
  for (const [series, colour, name, at] of [[result.series.hip_flexion_deg, "#1f77b4", "hip flexion", 0],
                                            [result.series.knee_flexion_deg, "#2ca02c", "knee flexion", 90]]) {
    c.strokeStyle = colour; c.beginPath(); let pen = false;
    series.forEach((v, i) => { if (v == null) { pen = false; return; } pen ? c.lineTo(x(times[i]), y(v)) : c.moveTo(x(times[i]), y(v)); pen = true; });
    c.stroke(); c.fillStyle = colour; c.fillText(name, left + at * r, 12 * r);
  }
  c.strokeStyle = "#14202b"; c.beginPath(); c.moveTo(x(t), top); c.lineTo(x(t), top + plotH); c.stroke();
}

// Every batch's analysed clips of the last 7 days, most urgent first: one list to work
// through instead of batch after batch.
async function weekView() {
  show("t-week");
  const since = new Date(Date.now() - 7 * 864e5).toISOString(), found = [];
  let cursor = null;
  do {  // pages of 200, newest first, up to 1000 clips
    const page = await json(`/v1/jobs?status=succeeded&limit=200&since=${encodeURIComponent(since)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    found.push(...page.jobs); cursor = page.next_cursor;
  } while (cursor && found.length < 1000);
  const batches = Object.fromEntries((await json("/v1/batches")).batches.map(b => [b.id, b.name]));
  // A clip re-analysed or uploaded again (the same athlete and file name, as in the
  // athlete's view) counts once: its newest job (the list is newest first), shown with the
  // batch it came in where the newest came without one.
  const clips = new Map();
  for (const j of found) {
    const k = `${j.athlete}|${j.source_name}`, kept = clips.get(k);
    if (!kept) clips.set(k, {...j});
    else if (!kept.batch && j.batch) kept.batch = j.batch;
  }
  const rows = [...clips.values()].sort((x, y) => cost(y) - cost(x) || (x.score ?? 101) - (y.score ?? 101));
  // The ten lowest-scored reps across those clips; each opens its clip at that rep.
  const reps = rows.flatMap(j => (j.rep_scores || []).filter(r => r.score != null).map(r => ({j, r})))
    .sort((a, b) => a.r.score - b.r.score).slice(0, 10);
  document.querySelector("#week-reps tbody").replaceChildren(...reps.map(({j, r}) => {
    const href = `#/clip/${j.id}/${r.index + 1}`;
    const tr = el("tr", {tabindex: "0", "data-job": j.id, "data-rep": r.index},
      el("td", {}, el("a", {href}, j.athlete || "—")), el("td", {}, `${r.index + 1} of ${j.rep_scores.length}`),
      el("td", {class: `score grade-${grade(r.score)}`}, String(Math.round(r.score))),
      el("td", {}, ...r.faults.map(f => el("span", {class: "chip"}, label(f)))),
      el("td", {}, filmedOn(j.source_name) || `uploaded ${j.created_at.slice(0, 10)}`));
    return rowOpens(tr, href); }));
  labelCells(document.getElementById("week-reps"));
  document.getElementById("week-counts").textContent =
    `${rows.length} clips analysed since ${since.slice(0, 10)}, ${rows.filter(j => (j.faults || []).length).length} with a fault`;
  document.querySelector("#week-jobs tbody").replaceChildren(...rows.map(j => {
    const tr = el("tr", {tabindex: "0", "data-job": j.id},
      el("td", {}, el("a", {href: `#/clip/${j.id}`}, j.athlete || "—")),
      el("td", {}, filmedOn(j.source_name) || `uploaded ${j.created_at.slice(0, 10)}`), el("td", {}, exerciseCell(j)),
      el("td", {class: `score grade-${grade(j.score)}`}, ...scoreCell(j)),
      el("td", {}, ...(j.faults || []).map(f => el("span", {class: "chip"}, label(f.name)))),
      el("td", {}, j.batch ? el("a", {href: `#/batch/${j.batch}`}, batches[j.batch] || "batch") : "—"));
    return rowOpens(tr, `#/clip/${j.id}`); }));
  labelCells(document.getElementById("week-jobs"));
}

async function athleteView(name) {
  show("t-athlete");
  document.getElementById("athlete-title").textContent = name;
  // A clip uploaded again (same file name) or re-analysed counts once: its newest analysed
  // job (newest of all while none is done yet).
  const newest = new Map();
  for (const j of (await json(`/v1/jobs?athlete=${encodeURIComponent(name)}&limit=200`)).jobs) {
    const kept = newest.get(j.source_name), upload = j.reanalysis_of ? 0 : 1;  // a re-analysis is no upload
    if (!kept) newest.set(j.source_name, {...j, uploads: upload});
    else { kept.uploads += upload; if (kept.status !== "succeeded" && j.status === "succeeded") newest.set(j.source_name, {...j, uploads: kept.uploads}); }
  }
  const when = j => filmedOn(j.source_name) || j.created_at.slice(0, 10);
  const jobs = [...newest.values()].sort((a, b) => when(a) < when(b) ? -1 : when(a) > when(b) ? 1 : 0);
  const tally = {};
  for (const j of jobs) for (const f of j.faults || []) tally[f.name] = (tally[f.name] || 0) + 1;
  const top = Object.entries(tally).sort((a, b) => b[1] - a[1])[0];
  document.getElementById("athlete-recurring").textContent = top ? `Recurring: ${label(top[0])} in ${top[1]} of ${jobs.length} clips` : `${jobs.length} clips, no recurring fault`;
  document.querySelector("#athlete-jobs tbody").replaceChildren(...jobs.map(j => { const tr = el("tr", {tabindex: "0"},
    el("td", {}, filmedOn(j.source_name) || `uploaded ${new Date(j.created_at).toLocaleDateString()}`),
    el("td", {}, j.source_name, j.uploads > 1 ? el("div", {class: "muted"}, `uploaded ${j.uploads}×, counted once`) : ""),
    el("td", {}, exerciseCell(j)),
    el("td", {class: `score grade-${grade(j.score)}`}, j.score == null ? "—" : Math.round(j.score)),
    el("td", {}, ...(j.faults || []).map(f => el("span", {class: "chip"}, label(f.name)))));
    return rowOpens(tr, `#/clip/${j.id}`); }));
  labelCells(document.getElementById("athlete-jobs"));
  const analysed = jobs.filter(j => j.score != null);
  drawTrend(document.getElementById("trend"), analysed, when);
  if (analysed.length > 1)  // the first clip against the latest: what changed
    document.getElementById("athlete-compare").replaceChildren(el("a", {href: `#/compare/${analysed[0].id}/${analysed.at(-1).id}`},
      `Compare the first clip (${when(analysed[0])}) with the latest (${when(analysed.at(-1))}) side by side`));
  shareSection(name);
}

// Two reps side by side, in sync: of one clip (best against worst, by default) or of two
// clips (the first's best against the second's worst). One play button, one speed, frame
// steps on both; the second follows the first from the start of its chosen rep.
async function compareView(idA, idB) {
  show("t-compare");
  const [jobA, jobB] = await Promise.all([json(`/v1/jobs/${idA}`), json(`/v1/jobs/${idB}`)]);
  const [resA, resB] = await Promise.all([json(`/v1/jobs/${idA}/result`), json(`/v1/jobs/${idB}/result`)]);
  document.getElementById("compare-title").textContent = idA === idB
    ? `${jobA.athlete || ""}: two reps of ${jobA.source_name} side by side`
    : `${jobA.athlete || ""}: ${jobA.source_name} and ${jobB.source_name} side by side`;
  const byScore = reps => [...reps].sort((a, b) => (b.score ?? -1) - (a.score ?? -1));
  const sides = [[resA, jobA, "a", byScore(resA.reps)[0]], [resB, jobB, "b", byScore(resB.reps).at(-1)]];
  const videos = [];
  for (const [result, job, side, chosen] of sides) {
    document.getElementById(`label-${side}`).textContent = `${side === "a" ? "Left" : "Right"}: ${job.source_name}, rep`;
    const pick = document.getElementById(`rep-${side}`);
    pick.replaceChildren(...result.reps.map(r => el("option", {value: r.index}, `${r.index + 1} (score ${repScore(r)})`)));
    if (chosen) pick.value = chosen.index;
    const video = document.getElementById(`video-${side}`);
    video.src = URL.createObjectURL(await (await api(`/v1/jobs/${job.id}/video`)).blob());
    const start = () => (result.reps.find(r => r.index === Number(pick.value)) || {start_s: 0}).start_s;
    video.dataset.start = start();  // where this side's rep begins (seconds)
    pick.onchange = () => { video.dataset.start = start(); for (const v of videos) { v.el.pause(); v.el.currentTime = v.start(); } };
    videos.push({el: video, start});
  }
  const [a, b] = videos;
  const align = () => { const want = b.start() + (a.el.currentTime - a.start());
                        if (Math.abs(b.el.currentTime - want) > 0.08) b.el.currentTime = Math.max(0, want); };
  for (const v of videos) v.el.onloadedmetadata = () => { v.el.currentTime = v.start(); };
  a.el.ontimeupdate = align;
  const play = document.getElementById("compare-play");
  play.onclick = async () => {
    if (a.el.paused) { align(); await Promise.all([a.el.play(), b.el.play()]); play.textContent = "Pause both"; }
    else { a.el.pause(); b.el.pause(); align(); play.textContent = "Play both"; }
  };
  const fps = resA.video.fps || 30;
  const step = n => { a.el.pause(); b.el.pause(); play.textContent = "Play both";
                      a.el.currentTime = Math.max(0, a.el.currentTime + n / fps); align(); };
  document.getElementById("compare-back").onclick = () => step(-1);
  document.getElementById("compare-fwd").onclick = () => step(1);
  for (const btn of document.querySelectorAll(".compare-speed"))
    btn.onclick = () => { for (const v of videos) v.el.playbackRate = Number(btn.dataset.rate); };
  shortcuts = e => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.target.closest("input, textarea, select")) return;
    if (e.key === ",") step(-1); else if (e.key === ".") step(1);
    else if (e.key === " " && !e.target.closest("button, a")) play.click(); else return;
    e.preventDefault();
  };
}

// Read-only links for one athlete: made here (POST /v1/shares), listed and revoked.
async function shareSection(name) {
  const list = document.getElementById("shares"), said = document.getElementById("share-said");
  const draw = async () => {
    const mine = (await json("/v1/shares")).shares.filter(x => x.athlete === name);
    list.replaceChildren(...mine.map(x => {
      const live = new Date(x.expires_at) > new Date();
      const revoke = el("button", {type: "button", class: "link", "aria-label": `Revoke the link made ${x.created_at.slice(0, 10)}`}, "Revoke");
      revoke.onclick = async () => { await api(`/v1/shares/${x.id}`, {method: "DELETE"}); said.textContent = "Link revoked."; draw(); };
      return el("li", {"data-share": x.id}, el("span", {}, `Made ${x.created_at.slice(0, 10)}, ${live ? "works until" : "expired"} ${x.expires_at.slice(0, 10)}`), revoke);
    }));
  };
  document.getElementById("share-form").onsubmit = async e => {
    e.preventDefault();
    try {
      const made = await json("/v1/shares", {method: "POST", headers: {"Content-Type": "application/json"},
                                             body: JSON.stringify({athlete: name, days: Number(document.getElementById("share-days").value)})});
      document.getElementById("share-made").hidden = false;
      const url = document.getElementById("share-url");
      url.value = location.origin + made.link; url.focus(); url.select();
      said.textContent = `Link made: it works until ${made.expires_at.slice(0, 10)}.`;
      draw();
    } catch (err) { said.textContent = `No link made: ${err.message}`; }
  };
  document.getElementById("share-copy").onclick = async () => {
    const url = document.getElementById("share-url");
    try { await navigator.clipboard.writeText(url.value); said.textContent = "Copied."; }
    catch (err) { url.select(); said.textContent = "Select the link and copy it (the browser did not allow copying)."; }
  };
  await draw();
}

// What the athlete sees from a share link: their analysed clips, read-only, with the
// link's own token (never the team's key).
async function sharedView(token, clipId) {
  show("t-shared");
  const get = async path => {
    const res = await fetch(path, {headers: {Authorization: `Bearer ${token}`}});
    if (!res.ok) throw new Error(res.status === 401 ? "This link has expired or was revoked: ask your coach for a new one." : res.statusText);
    return res;
  };
  const title = document.getElementById("shared-title");
  let shared;
  try { shared = await (await get("/v1/shared")).json(); }
  catch (err) { title.textContent = "Link not valid"; document.getElementById("shared-note").textContent = err.message; return; }
  title.textContent = `${shared.athlete}: your analysed lifts`;
  document.getElementById("shared-note").textContent = `Shared by your coach, read-only, until ${shared.expires_at.slice(0, 10)}.`;
  document.querySelector("#shared-jobs tbody").replaceChildren(...shared.jobs.map(j => el("tr", {},
    el("td", {}, el("a", {href: `#/shared/${token}/${j.id}`}, filmedOn(j.source_name) || j.created_at.slice(0, 10))),
    el("td", {}, exerciseCell(j)),
    el("td", {class: `score grade-${grade(j.score)}`}, ...scoreCell(j)),
    el("td", {}, ...(j.faults || []).map(f => el("span", {class: "chip"}, label(f.name)))))));
  labelCells(document.getElementById("shared-jobs"));
  if (!clipId) return;
  const result = await (await get(`/v1/shared/jobs/${clipId}/result`)).json();
  document.getElementById("shared-clip").hidden = false;
  document.getElementById("shared-clip-title").textContent = `${result.exercise.label} (${result.source_name})`;
  const sum = result.summary;
  document.getElementById("shared-clip-summary").textContent = sum.score == null ? sum.reason : `${Math.round(sum.score)}/100: ${sum.reason}`;
  const sharedVideo = document.getElementById("shared-video");
  sharedVideo.src = URL.createObjectURL(await (await get(`/v1/shared/jobs/${clipId}/video`)).blob());
  playerControls(sharedVideo, document.getElementById("shared-play"), document.getElementById("shared-clock"));
  document.getElementById("shared-reps").replaceChildren(...result.reps.map(rep => el("div", {class: "rep-card"},
    el("h3", {}, `Rep ${rep.index + 1}: `, el("span", {class: `score grade-${grade(rep.score)}`}, repScore(rep))),
    ...rep.faults.map(f => el("p", {}, el("span", {class: "chip"}, label(f.name)), " ", f.cue || CUES[f.name] || "")))));
}

// The player's own play button and clock. On a phone the browser's controls would cover
// half the picture: there they are turned off, and a tap on the picture plays and pauses.
const PHONE = matchMedia("(max-width: 640px)");
function playerControls(video, button, clock) {
  const toggle = () => { video.paused ? video.play() : video.pause(); };
  const clockText = t => `${Math.floor(t / 60)}:${(t % 60).toFixed(1).padStart(4, "0")}`;
  const update = () => {
    button.textContent = video.paused ? "Play" : "Pause";
    clock.textContent = `${clockText(video.currentTime)} / ${clockText(video.duration || 0)}`;
  };
  const fit = () => { video.controls = !PHONE.matches; };
  button.onclick = toggle;
  video.onclick = () => { if (!video.controls) toggle(); };
  video.onplay = video.onpause = video.onloadedmetadata = update;
  video.addEventListener("timeupdate", update);
  PHONE.onchange = fit; fit(); update();
  return toggle;
}

// Score per clip, oldest first: 0–100 up the side, the filming dates along the bottom.
function drawTrend(canvas, scored, when) {
  const r = devicePixelRatio, w = canvas.width = canvas.clientWidth * r, h = canvas.height = 160 * r;
  const c = canvas.getContext("2d"), left = 34 * r, top = 10 * r, bottom = 22 * r;
  const plotW = w - left - 16 * r, plotH = h - top - bottom;
  const x = i => left + (scored.length > 1 ? plotW * i / (scored.length - 1) : plotW / 2);
  const y = score => top + plotH * (1 - score / 100);
  c.clearRect(0, 0, w, h); c.font = `${11 * r}px sans-serif`; c.lineWidth = r;
  c.strokeStyle = "#d8dee4"; c.fillStyle = "#5b6773"; c.textAlign = "right";
  for (const s of [0, 50, 100]) { c.beginPath(); c.moveTo(left, y(s)); c.lineTo(left + plotW, y(s)); c.stroke(); c.fillText(String(s), left - 5 * r, y(s) + 4 * r); }
  c.textAlign = "center";
  const step = Math.max(1, Math.ceil(scored.length / 6));
  scored.forEach((j, i) => { if (i % step === 0 || i === scored.length - 1) c.fillText(when(j), x(i), h - 6 * r); });
  c.strokeStyle = c.fillStyle = "#0b6e4f"; c.lineWidth = 3 * r; c.beginPath();
  scored.forEach((j, i) => { i ? c.lineTo(x(i), y(j.score)) : c.moveTo(x(i), y(j.score)); c.fillRect(x(i) - 4 * r, y(j.score) - 4 * r, 8 * r, 8 * r); });
  c.stroke();
}

document.getElementById("signout").onclick = () => { sessionStorage.removeItem("hingecheck-key"); location.hash = "#/"; route(); };
window.addEventListener("hashchange", route);
// A tab opened from a signed-in one (a row's link, Ctrl-click) starts with empty session
// storage: it asks this page's other open tabs for the key, so the key still never lands
// on disk or in a URL. Without an answer within 300 ms, it asks the coach.
const keyChannel = "BroadcastChannel" in window ? new BroadcastChannel("hingecheck-key") : null;
const keyFromAnotherTab = new Promise(resolve => {
  if (!keyChannel || key()) return resolve();
  keyChannel.addEventListener("message", e => {  // another tab's own "ask" is no answer
    if (!e.data?.key) return;
    if (!key()) sessionStorage.setItem("hingecheck-key", e.data.key);
    resolve();
  });
  keyChannel.postMessage("ask");
  setTimeout(resolve, 300);
});
if (keyChannel) keyChannel.addEventListener("message", e => { if (e.data === "ask" && key()) keyChannel.postMessage({key: key()}); });
Promise.all([scoringLoaded, keyFromAnotherTab]).then(route);
