// @ts-check
// hingecheck coach page: native modules, no build step, no external assets; talks to the
// JSON API. This module routes: each route change leaves the open view (its requests
// cancelled, its timers stopped) before the next one draws.
import {key, openView, whenSignedOut} from "./api.js";
import {athleteView} from "./athlete.js";
import {batchView} from "./batch.js";
import {loaded} from "./catalogue.js";
import {clipView} from "./clip.js";
import {compareView} from "./compare.js";
import {csvCell, el, show} from "./dom.js";
import {home} from "./home.js";
import {sharedView} from "./shared.js";
import {weekView} from "./week.js";

/** @type {any} */ (window).hingecheck = {csvCell};
const nav = /** @type {HTMLElement} */ (document.getElementById("nav"));
/** @type {import("./api.js").View | null} */
let open = null;
document.addEventListener("keydown", e => { if (open?.shortcuts) open.shortcuts(e); });

function route() {
  const view = open = openView();
  const [, name, id, clip] = location.hash.split("/");
  const arg = decodeURIComponent(id || "");
  // A share link opens its read-only view without the team's key.
  if (name === "shared") { nav.hidden = true; return landed(view, sharedView(view, id, clip)); }
  nav.hidden = !key();
  if (!key()) return landed(view, signIn());
  if (name === "batch") return landed(view, batchView(view, arg));
  if (name === "clip") return landed(view, clipView(view, arg, clip ? Number(clip) : 0));
  if (name === "athlete") return landed(view, athleteView(view, arg));
  if (name === "week") return landed(view, weekView(view));
  if (name === "compare") return landed(view, compareView(view, arg, decodeURIComponent(clip || id)));
  return landed(view, home(view));
}
whenSignedOut(route);

/** Once a view has drawn: its heading names the tab, and focus moves to it (a screen
 * reader hears where it is; the keyboard starts from the top of the new view). A view
 * left before it drew says nothing; one that failed says why, on the page.
 * @param {import("./api.js").View} view @param {Promise<void> | void} drawing */
async function landed(view, drawing) {
  try { await drawing; }
  catch (err) {
    if (view.isLeft(err)) return;
    const app = /** @type {HTMLElement} */ (document.getElementById("app"));
    const said = el("p", {class: "error", role: "alert"}, `This page could not be loaded: ${err instanceof Error ? err.message : err}. `);
    said.append(el("a", {href: location.hash || "#/"}, "Try again"));
    (app.querySelector("section") || app).prepend(said);
  }
  if (view.left) return;
  const heading = /** @type {HTMLElement | null} */ (document.querySelector("#app h1"));
  if (!heading) return;
  document.title = `${heading.textContent?.trim() || "hingecheck"} — hingecheck`;
  heading.tabIndex = -1;
  heading.focus({preventScroll: true});
}

function signIn() {
  const {$} = show("t-signin");
  $("#signin-form").onsubmit = /** @param {SubmitEvent} e */ async e => {
    e.preventDefault();
    sessionStorage.setItem("hingecheck-key", $("#key").value.trim());
    const res = await fetch("/v1/jobs?limit=1", {headers: {Authorization: `Bearer ${key()}`}}).catch(() => null);
    // A shared link (#/clip/…, #/batch/…) opens where it points once signed in.
    if (res?.ok) route();
    else {
      sessionStorage.removeItem("hingecheck-key");
      $("#signin-error").textContent = res ? "That key was not accepted." : "The server could not be reached: try again.";
    }
  };
}

/** @type {HTMLElement} */ (document.getElementById("signout")).onclick = () => {
  sessionStorage.removeItem("hingecheck-key"); location.hash = "#/"; route();
};
// A tab opened from a signed-in one (a row's link, Ctrl-click) starts with empty session
// storage: it asks this page's other open tabs for the key, so the key still never lands
// on disk or in a URL. Without an answer within 300 ms, it asks the coach.
const keyChannel = "BroadcastChannel" in window ? new BroadcastChannel("hingecheck-key") : null;
const keyFromAnotherTab = new Promise(resolve => {
  if (!keyChannel || key()) return resolve(undefined);
  keyChannel.addEventListener("message", e => {  // another tab's own "ask" is no answer
    if (!e.data?.key) return;
    if (!key()) sessionStorage.setItem("hingecheck-key", e.data.key);
    resolve(undefined);
  });
  keyChannel.postMessage("ask");
  setTimeout(resolve, 300);
});
if (keyChannel) keyChannel.addEventListener("message", e => { if (e.data === "ask" && key()) keyChannel.postMessage({key: key()}); });
// Routes once the catalogue (the words, the choices) and the key are in.
Promise.all([loaded, keyFromAnotherTab]).then(() => { window.addEventListener("hashchange", route); route(); });
