// @ts-check
// On the athlete's share link: the notes the coach shared on a clip, each at its moment
// with its drawing painted over the video there, and the athlete's replies (plain text,
// POST /v1/shared/jobs/{id}/replies with the link's own token).
import {el} from "./dom.js";
import {drawingLayer} from "./draw.js";
import {atMoment, clock, drawingWords} from "./notes.js";

/** @typedef {import("./notes.js").Note} Note */

/** @param {import("./api.js").View} view @param {HTMLElement} section @param {string} token
 * @param {string} clipId @param {HTMLVideoElement} video @param {Note[]} notes */
export function sharedNotes(view, section, token, clipId, video, notes) {
  // The video in a box of its own, for the drawing laid over it.
  const stage = el("div", {class: "shared-stage"});
  video.before(stage); stage.append(video);
  const layer = drawingLayer(video);
  view.onLeave(layer.stop);
  const repaint = () => {
    const t = video.currentTime;
    layer.show(notes.filter(n => n.drawing && n.at_s != null && atMoment(t, n.at_s)).flatMap(n => n.drawing || []));
  };
  video.addEventListener("timeupdate", repaint);
  video.addEventListener("seeked", repaint);

  /** Sends a reply; true once it is kept. @param {string} text @param {string | null} to @param {HTMLElement} said */
  const send = async (text, to, said) => {
    try {
      const res = await fetch(`/v1/shared/jobs/${clipId}/replies`, {method: "POST", signal: view.signal,
        headers: {Authorization: `Bearer ${token}`, "Content-Type": "application/json"},
        body: JSON.stringify({text, reply_to: to})});
      view.check();
      if (!res.ok) {
        const p = await res.json().catch(() => ({}));
        said.textContent = res.status === 429 ? "Too many replies for now: try again in a minute."
                                              : `Not sent: ${p.detail || res.statusText}`;
        return null;
      }
      said.textContent = "Sent to your coach.";
      return /** @type {Note} */ (await res.json());
    } catch (err) { if (view.isLeft(err)) return null; said.textContent = "Not sent: the server could not be reached."; return null; }
  };
  /** A reply form: on a note (``to``) or on the clip (null). @param {string | null} to
   * @param {string} name @param {HTMLElement} list */
  const replyForm = (to, name, list) => {
    const box = el("textarea", {id: `reply-${to || "clip"}`, rows: "2", maxlength: "1000", required: ""});
    const said = el("p", {class: "muted", role: "status"});
    const form = el("form", {class: "reply-form"}, el("label", {for: box.id}, name), box,
                    el("button", {type: "submit"}, "Send"), said);
    form.onsubmit = /** @param {SubmitEvent} e */ async e => {
      e.preventDefault();
      const made = await send(box.value, to, said);
      if (made) { list.append(replyItem(made)); box.value = ""; }
    };
    return form;
  };
  /** @param {Note} n */
  const replyItem = n => el("li", {class: "reply", "data-note": n.id}, el("strong", {}, "You: "), el("span", {class: "text"}, n.text));

  const coach = notes.filter(n => n.author !== "athlete");
  const list = el("ul", {class: "notes shared-notes", "aria-label": "your coach's notes on this clip"});
  for (const n of coach) {
    const li = el("li", {"data-note": n.id});
    if (n.at_s != null) {
      const at = /** @type {number} */ (n.at_s);
      const go = el("button", {type: "button", class: "link moment", "aria-label": `Show the moment ${clock(at)}`}, clock(at));
      go.onclick = () => { video.pause(); video.currentTime = at; stage.scrollIntoView({block: "nearest"}); };
      li.append(go, " ");
    }
    li.append(el("span", {class: "text"}, n.text));
    if (n.drawing?.length) li.append(" ", el("span", {class: "muted"}, drawingWords(n.drawing)));
    const replies = el("ul", {class: "replies", "aria-label": "your replies"},
                       ...notes.filter(r => r.author === "athlete" && r.reply_to === n.id).map(replyItem));
    const answer = el("details", {class: "reply-to"}, el("summary", {}, "Reply"));
    answer.append(replyForm(n.id, "Your reply to this note", replies));
    li.append(replies, answer);
    list.append(li);
  }
  const own = el("ul", {class: "replies", "aria-label": "your messages on this clip"},
                 ...notes.filter(r => r.author === "athlete" && !r.reply_to).map(replyItem));
  const block = el("div", {class: "clip-notes"}, el("h3", {}, "From your coach"),
    coach.length ? list : el("p", {class: "muted"}, "No notes on this clip yet."),
    own, replyForm(null, "A message to your coach about this clip", own));
  section.append(block);
  repaint();
}
