// @ts-check
// The team's key, the JSON API, and the open view's lifetime: every request a view makes
// is cancelled when the route changes, so a slow answer for one clip never lands in the
// view of another.

/** The key of this tab's session (never on disk, never in a URL). */
export const key = () => sessionStorage.getItem("hingecheck-key");

/** What a view owns: its requests (one AbortController), its timers, its shortcuts and
 * what must be undone when it is left (blob URLs). */
export class View {
  constructor() {
    this.controller = new AbortController();
    /** @type {((e: KeyboardEvent) => void) | null} */
    this.shortcuts = null;
    /** @type {(() => void)[]} */
    this.cleanups = [];
  }
  get signal() { return this.controller.signal; }
  get left() { return this.controller.signal.aborted; }
  /** Throws (an AbortError) once the view has been left: code after an await stops there. */
  check() { this.controller.signal.throwIfAborted(); }
  /** @param {() => void} fn */
  onLeave(fn) { this.cleanups.push(fn); }
  /** Runs ``fn`` every ``ms`` while the view is open; its errors once left are dropped.
   * @param {() => Promise<unknown> | void} fn @param {number} ms */
  every(fn, ms) {
    const id = setInterval(() => { Promise.resolve().then(fn).catch(err => this.ignore(err)); }, ms);
    this.onLeave(() => clearInterval(id));
    return () => clearInterval(id);
  }
  /** A URL for a blob, revoked when the view is left. @param {Blob} blob */
  objectUrl(blob) {
    const url = URL.createObjectURL(blob);
    this.onLeave(() => URL.revokeObjectURL(url));
    return url;
  }
  leave() {
    this.controller.abort();
    for (const fn of this.cleanups.splice(0)) fn();
  }
  /** Whether an error is only this view having been left (nothing to report).
   * @param {unknown} err */
  isLeft(err) { return this.left || (err instanceof DOMException && err.name === "AbortError"); }
  /** Drops an error caused by leaving; anything else is thrown on. @param {unknown} err */
  ignore(err) { if (!this.isLeft(err)) throw err; }
}

/** The open view (replaced by the router on every route change). */
let current = new View();
export const view = () => current;
/** Leaves the open view and opens a new one. */
export function openView() {
  current.leave();
  current = new View();
  return current;
}

/** Called when the server says the key is no longer good (set by the router). */
let onSignedOut = () => {};
/** @param {() => void} fn */
export const whenSignedOut = fn => { onSignedOut = fn; };

/** How long an output being drawn is waited for (the verdict comes first: a clip's
 * annotated video follows its result by a few seconds; 409 "rendering" until then). */
const DRAWN_WITHIN_MS = 10 * 60 * 1000;

/** ``send()``'s answer, asked again while the server says the output is being drawn (409
 * rendering, after its Retry-After), until ``view`` is left or DRAWN_WITHIN_MS pass.
 * Any other answer is returned as it is.
 * @param {View} owner @param {() => Promise<Response>} send */
export async function untilDrawn(owner, send) {
  const until = Date.now() + DRAWN_WITHIN_MS;
  for (;;) {
    const res = await send();
    owner.check();
    if (res.status !== 409 || Date.now() > until) return res;
    const p = await res.clone().json().catch(() => ({}));
    if (!String(p.type).endsWith("/rendering")) return res;
    const wait = Math.max(1, Number(res.headers.get("Retry-After")) || 2);  // seconds
    await new Promise(done => setTimeout(done, 1000 * wait));
    owner.check();
  }
}

/** An authorised request, cancelled with the view that made it.
 * @param {string} path @param {RequestInit} [options] */
export async function api(path, options = {}) {
  const owner = current;
  const res = await untilDrawn(owner, () => fetch(path, {signal: owner.signal, ...options,
    headers: {...(options.headers || {}), Authorization: `Bearer ${key()}`}}));
  if (res.status === 401) { sessionStorage.removeItem("hingecheck-key"); onSignedOut(); throw new Error("signed out"); }
  if (!res.ok) { const p = await res.json().catch(() => ({})); throw new Error(p.detail || res.statusText); }
  return res;
}

/** @param {string} path @param {RequestInit} [options] @returns {Promise<any>} */
export async function json(path, options) {
  const owner = current;
  const body = await (await api(path, options)).json();
  owner.check();
  return body;
}

/** A blob (a clip, a download), cancelled with its view. @param {string} path */
export async function blob(path) {
  const owner = current;
  const body = await (await api(path)).blob();
  owner.check();
  return body;
}

/** JSON sent as a POST. @param {string} path @param {unknown} body */
export const post = (path, body) => json(path, {method: "POST", headers: {"Content-Type": "application/json"},
                                                body: JSON.stringify(body)});
