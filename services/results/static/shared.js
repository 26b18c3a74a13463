// @ts-check
// What the athlete sees from a share link: their analysed clips, read-only, with the
// link's own token (never the team's key).
import {untilDrawn} from "./api.js";
import {cue, grade, label} from "./catalogue.js";
import {el, exerciseCell, faultChips, labelCells, repScore, scoreCell, show} from "./dom.js";
import {playerControls} from "./player.js";
import {sharedNotes} from "./replies.js";
import {filmedOn} from "./rules.js";

/** @param {import("./api.js").View} view @param {string} token @param {string | undefined} clipId */
export async function sharedView(view, token, clipId) {
  const {$} = show("t-shared");
  /** @param {string} path */
  const get = async path => {
    const res = await untilDrawn(view, () => fetch(path, {headers: {Authorization: `Bearer ${token}`}, signal: view.signal}));
    if (!res.ok) throw new Error(res.status === 401 ? "This link has expired or was revoked: ask your coach for a new one." : res.statusText);
    return res;
  };
  const title = $("#shared-title");
  let shared;
  try { shared = await (await get("/v1/shared")).json(); view.check(); }
  catch (err) {
    if (view.isLeft(err)) return;
    title.textContent = "Link not valid"; $("#shared-note").textContent = err instanceof Error ? err.message : String(err);
    return;
  }
  title.textContent = `${shared.athlete}: your analysed lifts`;
  $("#shared-note").textContent = `Shared by your coach, read-only, until ${shared.expires_at.slice(0, 10)}.`;
  $("#shared-jobs tbody").replaceChildren(...shared.jobs.map(/** @param {any} j */ j => el("tr", {},
    el("td", {}, el("a", {href: `#/shared/${token}/${j.id}`}, filmedOn(j) || j.created_at.slice(0, 10)),
      j.notes?.some(/** @param {any} n */ n => n.author !== "athlete") ? el("div", {class: "muted"}, "notes from your coach") : ""),
    el("td", {}, exerciseCell(j)),
    scoreCell(j),
    el("td", {}, ...faultChips(j)))));
  labelCells($("#shared-jobs"));
  if (!clipId) return;
  const result = await (await get(`/v1/shared/jobs/${clipId}/result`)).json();
  view.check();
  const section = $("#shared-clip");
  section.hidden = false;
  $("#shared-clip-title").textContent = `${result.exercise.label} (${result.source_name})`;
  const sum = result.summary;
  $("#shared-clip-summary").textContent = sum.score == null ? sum.reason : `${Math.round(sum.score)}/100: ${sum.reason}`;
  $("#shared-reps").replaceChildren(...result.reps.map(/** @param {any} rep */ rep => el("div", {class: "rep-card"},
    el("h3", {}, `Rep ${rep.index + 1}: `, el("span", {class: `score grade-${grade(rep.score)}`}, repScore(rep))),
    ...rep.faults.map(/** @param {any} f */ f => el("p", {}, el("span", {class: "chip"}, label(f.name)), " ", f.cue || cue(f.name))))));
  // The chosen clip is what the athlete came for: brought into view (below the list on a phone).
  section.scrollIntoView({block: "start"});
  const video = $("#shared-video");
  const chosen = shared.jobs.find(/** @param {any} j */ j => j.id === clipId);
  sharedNotes(view, section, token, clipId, video, chosen?.notes || []);
  const clip = await (await get(`/v1/shared/jobs/${clipId}/video`)).blob();
  view.check();
  video.src = view.objectUrl(clip);
  playerControls(video, $("#shared-play"), $("#shared-clock"));
}
