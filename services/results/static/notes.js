// @ts-check
// The coach's notes on a clip (GET/POST/DELETE /v1/jobs/{id}/notes): on a rep or on the
// whole clip, optionally at the moment shown and with a drawing on that frame, optionally
// shared with the athlete; the athlete's replies under the note they answer. A note's
// drawing is painted over the video while it is at that moment.
import {api, json, post} from "./api.js";
import {el} from "./dom.js";
import {TOOLS, describe, drawingLayer} from "./draw.js";

/** @typedef {import("./draw.js").Shape} Shape */
/** @typedef {{id: string, rep: number | null, text: string, at_s: number | null, shared: boolean,
 *   drawing: Shape[] | null, author: string, reply_to: string | null, created_at: string}} Note */

/** A moment as the player's clock writes it. @param {number} t */
export const clock = t => `${Math.floor(t / 60)}:${(t % 60).toFixed(1).padStart(4, "0")}`;

/** Whether the video at ``t`` is at a note's moment (its frame, and a second after it
 * while playing). @param {number} t @param {number} at */
export const atMoment = (t, at) => t >= at - 0.05 && t <= at + 1;

/** A note's drawing in words. @param {Shape[] | null} drawing */
export const drawingWords = drawing => drawing?.length ? `drawing: ${drawing.map(describe).join(", ")}` : "";

/** @param {import("./api.js").View} view @param {HTMLElement} root @param {string} id
 * @param {any} result @param {HTMLVideoElement} video */
export async function notesFor(view, root, id, result, video) {
  /** @type {Note[]} */
  const notes = (await json(`/v1/jobs/${id}/notes`)).notes;
  /** @type {Shape[]} the drawing being made, for the next note saved */
  let draft = [];
  let draftAt = 0;
  const layer = drawingLayer(video, shape => { draft.push(shape); drafted(); });
  view.onLeave(layer.stop);
  const repaint = () => {
    const t = video.currentTime;
    layer.show([...notes.filter(n => n.drawing && n.at_s != null && atMoment(t, n.at_s)).flatMap(n => n.drawing || []),
                ...draft]);
    for (const f of forms) f.moment();
  };

  // The tools, under the player's controls: shown while drawing.
  const drawButton = el("button", {type: "button", id: "draw", "aria-pressed": "false"}, "Draw on the frame");
  const toolButtons = Object.keys(TOOLS).map(kind => el("button", {type: "button", class: "tool", "data-tool": kind, "aria-pressed": "false"},
    kind[0].toUpperCase() + kind.slice(1)));
  const undo = el("button", {type: "button", id: "draw-undo"}, "Undo"), clear = el("button", {type: "button", id: "draw-clear"}, "Clear");
  const drawSaid = el("p", {class: "muted draw-said", role: "status"});
  const tools = el("div", {class: "draw-tools", role: "group", "aria-label": "drawing tools", hidden: ""}, ...toolButtons, undo, clear);
  /** @param {string | null} kind */
  const pick = kind => {
    layer.edit(kind);
    for (const b of toolButtons) b.setAttribute("aria-pressed", String(b.dataset.tool === kind));
  };
  const drawing = () => drawButton.getAttribute("aria-pressed") === "true";
  /** @param {boolean} on */
  const setDrawing = on => {
    drawButton.setAttribute("aria-pressed", String(on)); drawButton.textContent = on ? "Stop drawing" : "Draw on the frame";
    tools.hidden = !on;
    if (on) {  // the whole picture in view to draw on
      video.pause(); if (!draft.length) draftAt = video.currentTime; pick("line");
      video.scrollIntoView({block: "nearest"});
    } else pick(null);
    drafted();
  };
  function drafted() {
    drawSaid.textContent = draft.length
      ? `Drawing at ${clock(draftAt)}: ${draft.map(describe).join(", ")}. Write a note and save it to keep the drawing.`
      : drawing() ? "Pick a tool, then click or drag on the picture (an angle: one arm's end, the corner, the other arm's end)." : "";
    repaint();
  }
  drawButton.onclick = () => setDrawing(!drawing());
  for (const b of toolButtons) b.onclick = () => pick(b.dataset.tool || null);
  undo.onclick = () => { draft.pop(); drafted(); };
  clear.onclick = () => { draft = []; drafted(); };
  const controls = root.querySelector(".player .controls");
  controls?.after(el("div", {class: "draw-bar"}, drawButton, tools), drawSaid);

  /** Removes a note (a reply too). @param {Note} n @param {HTMLElement} li @param {HTMLElement} said */
  const removeButton = (n, li, said) => {
    const b = el("button", {type: "button", class: "link", "aria-label": `Remove ${n.author === "athlete" ? "reply" : "note"}: ${n.text}`}, "Remove");
    b.onclick = async () => {
      try {
        await api(`/v1/jobs/${id}/notes/${n.id}`, {method: "DELETE"});
        notes.splice(notes.indexOf(n), 1); li.remove(); repaint();
      } catch (err) { if (view.isLeft(err)) return; said.textContent = `Not removed: ${err instanceof Error ? err.message : err}`; }
    };
    return b;
  };
  /** @param {Note} n @param {HTMLElement} said */
  const replyItem = (n, said) => {
    const li = el("li", {class: "reply", "data-note": n.id}, el("strong", {}, "Athlete's reply: "), el("span", {class: "text"}, n.text), " ");
    li.append(removeButton(n, li, said));
    return li;
  };
  /** @param {Note} n @param {HTMLElement} said */
  const noteItem = (n, said) => {
    const li = el("li", {"data-note": n.id});
    if (n.at_s != null) {
      const at = /** @type {number} */ (n.at_s);
      const go = el("button", {type: "button", class: "link moment", "aria-label": `Show the moment ${clock(at)}`}, clock(at));
      go.onclick = () => { video.pause(); video.currentTime = at; };
      li.append(go, " ");
    }
    li.append(el("span", {class: "text"}, n.text), " ",
              el("span", {class: n.shared ? "badge shared" : "badge"}, n.shared ? "shared with the athlete" : "only you"));
    if (n.drawing?.length) li.append(" ", el("span", {class: "muted"}, drawingWords(n.drawing)));
    li.append(" ", removeButton(n, li, said));
    const replies = notes.filter(r => r.author === "athlete" && r.reply_to === n.id);
    if (replies.length) li.append(el("ul", {class: "replies"}, ...replies.map(r => replyItem(r, said))));
    return li;
  };

  /** @type {{moment: () => void}[]} */
  const forms = [];
  /** A list of notes and the form for one more, on ``rep`` (null: the whole clip).
   * @param {HTMLElement} host @param {number | null} rep */
  const notesBlock = (host, rep) => {
    const name = rep == null ? "the whole clip" : `rep ${rep + 1}`;
    const said = el("p", {class: "muted", role: "status"});
    const list = el("ul", {class: "notes", "aria-label": `notes on ${name}`});
    const mine = notes.filter(n => n.author !== "athlete" && n.rep === rep);
    list.append(...mine.map(n => noteItem(n, said)));
    // The athlete's replies to the clip itself (not to one note) go with its notes.
    if (rep == null) list.append(...notes.filter(n => n.author === "athlete" && !n.reply_to).map(n => replyItem(n, said)));
    const box = el("textarea", {id: `note-${rep ?? "clip"}`, rows: "2", maxlength: "2000", required: ""});
    const atBox = el("input", {type: "checkbox", class: "at-moment"}), atText = el("span", {});
    const shareBox = el("input", {type: "checkbox", class: "share-note"});
    const form = el("form", {class: "note-form"}, el("label", {for: box.id}, `Note on ${name}`), box,
      el("div", {class: "note-options"}, el("button", {type: "submit"}, "Save note"),
        el("label", {class: "check"}, atBox, atText), el("label", {class: "check"}, shareBox, "share with the athlete")),
      said);
    // Ticked while there is a drawing to save; unticked again once it went with a note.
    let ticked = false;
    atBox.onchange = () => { ticked = false; };
    forms.push({moment: () => {
      atText.textContent = draft.length ? `at ${clock(draftAt)}, with the drawing` : `at ${clock(video.currentTime)}, the moment shown`;
      if (draft.length && !atBox.checked) atBox.checked = ticked = true;
      else if (!draft.length && ticked) atBox.checked = ticked = false;
    }});
    form.onsubmit = /** @param {SubmitEvent} e */ async e => {
      e.preventDefault();
      const withDrawing = atBox.checked && draft.length > 0;
      const at = withDrawing ? draftAt : atBox.checked ? Math.round(video.currentTime * 1000) / 1000 : null;
      try {
        /** @type {Note} */
        const n = await post(`/v1/jobs/${id}/notes`, {rep, text: box.value, at_s: at, shared: shareBox.checked,
                                                      ...(withDrawing ? {drawing: draft} : {})});
        notes.push(n); list.append(noteItem(n, said));
        box.value = ""; atBox.checked = shareBox.checked = false;
        said.textContent = `Note saved${n.shared ? ", shared with the athlete" : ""}.`;
        if (withDrawing) { draft = []; setDrawing(false); }
        repaint();
      } catch (err) { if (view.isLeft(err)) return; said.textContent = `Not saved: ${err instanceof Error ? err.message : err}`; }
    };
    host.append(list, form);
  };
  for (const rep of result.reps) {
    const card = root.querySelector(`.rep-card[data-rep="${rep.index}"]`);
    if (card) notesBlock(/** @type {HTMLElement} */ (card), rep.index);
  }
  const whole = el("div", {class: "clip-notes"}, el("h2", {}, "Notes on the whole clip"));
  root.querySelector("#reps")?.after(whole);
  notesBlock(whole, null);
  video.addEventListener("timeupdate", repaint);
  video.addEventListener("seeked", repaint);
  repaint();
}
