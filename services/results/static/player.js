// @ts-check
// The player's own controls, the angle chart under it and an athlete's score trend.

const PHONE = matchMedia("(max-width: 640px)");

/** The player's own play button and clock. On a phone the browser's controls would cover
 * half the picture: there they are turned off, and a tap on the picture plays and pauses.
 * @param {HTMLVideoElement} video @param {HTMLElement} button @param {HTMLElement} clock */
export function playerControls(video, button, clock) {
  const toggle = () => { video.paused ? video.play().catch(() => {}) : video.pause(); };
  /** @param {number} t */
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

/** The picture full screen, or back. @param {HTMLElement} stage */
export function fullscreen(stage) {
  if (document.fullscreenElement) { document.exitFullscreen().catch(() => {}); return; }
  // Full screen, the page's own buttons are out of sight: the browser's controls are on
  // (they also leave full screen), as they were once it is left.
  const video = /** @type {HTMLVideoElement} */ (stage.querySelector("video")), had = video.controls;
  const back = () => { if (document.fullscreenElement) return;
                       video.controls = had; document.removeEventListener("fullscreenchange", back); };
  stage.requestFullscreen?.().then(() => { video.controls = true; document.addEventListener("fullscreenchange", back); })
    .catch(() => {});
}

/** Two fingers on the picture zoom it (1–4×) about the point between them and move it;
 * "Zoom out" (shown while zoomed) puts it back. The page still scrolls with one finger.
 * @param {HTMLElement} stage @param {HTMLElement} reset */
export function pinchZoom(stage, reset) {
  const picture = /** @type {HTMLElement} */ (stage.firstElementChild);
  /** @type {Map<number, {x: number, y: number}>} */
  const fingers = new Map();
  let scale = 1, x = 0, y = 0, start = {d: 0, scale: 1, mx: 0, my: 0, x: 0, y: 0};
  const apply = () => {
    picture.style.transform = scale > 1 ? `translate(${x}px, ${y}px) scale(${scale})` : "";
    reset.hidden = scale <= 1; stage.classList.toggle("zoomed", scale > 1);
  };
  const pair = () => { const [a, b] = [...fingers.values()];
                       return {d: Math.hypot(a.x - b.x, a.y - b.y), mx: (a.x + b.x) / 2, my: (a.y + b.y) / 2}; };
  stage.addEventListener("pointerdown", e => {
    if (e.pointerType !== "touch") return;
    fingers.set(e.pointerId, {x: e.clientX, y: e.clientY});
    if (fingers.size === 2) { const p = pair(); start = {d: p.d || 1, scale, mx: p.mx, my: p.my, x, y}; }
  });
  stage.addEventListener("pointermove", e => {
    if (!fingers.has(e.pointerId)) return;
    fingers.set(e.pointerId, {x: e.clientX, y: e.clientY});
    if (fingers.size !== 2) return;
    e.preventDefault();
    const p = pair(), box = stage.getBoundingClientRect();
    scale = Math.min(4, Math.max(1, start.scale * p.d / start.d));
    // The point that was between the fingers stays between them.
    const ox = start.mx - box.left, oy = start.my - box.top, k = scale / start.scale;
    x = p.mx - box.left - (ox - start.x) * k; y = p.my - box.top - (oy - start.y) * k;
    apply();
  });
  for (const end of ["pointerup", "pointercancel", "pointerleave"])
    stage.addEventListener(end, e => { fingers.delete(/** @type {PointerEvent} */ (e).pointerId); });
  reset.onclick = () => { scale = 1; x = y = 0; apply(); };
}

/** Hip and knee flexion over the clip: degrees up the side, seconds along the bottom, each
 * rep a band, the playhead a line.
 * @param {HTMLCanvasElement} canvas @param {any} result @param {number} t */
export function drawChart(canvas, result, t) {
  const r = devicePixelRatio, w = canvas.width = canvas.clientWidth * r, h = canvas.height = 180 * r;
  const c = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  const times = result.pose.times_s, d = result.video.duration_s || 1;
  const left = 40 * r, bottom = 20 * r, top = 18 * r, plotW = w - left - 8 * r, plotH = h - top - bottom;
  /** @param {number} s */
  const x = s => left + plotW * s / d;
  /** @param {number} deg */
  const y = deg => top + plotH * (1 - Math.max(0, Math.min(deg, 150)) / 150);
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
    series.forEach(/** @param {number | null} v @param {number} i */ (v, i) => {
      if (v == null) { pen = false; return; }
      pen ? c.lineTo(x(times[i]), y(v)) : c.moveTo(x(times[i]), y(v)); pen = true;
    });
    c.stroke(); c.fillStyle = colour; c.fillText(name, left + at * r, 12 * r);
  }
  c.strokeStyle = "#14202b"; c.beginPath(); c.moveTo(x(t), top); c.lineTo(x(t), top + plotH); c.stroke();
}

/** Score per clip, oldest first: 0–100 up the side, each clip placed at its date along
 * the bottom (two clips a week apart sit further apart than two a day apart).
 * @param {HTMLCanvasElement} canvas @param {{score: number}[]} scored
 * @param {(j: any) => string} when the clip's date, "YYYY-MM-DD" */
export function drawTrend(canvas, scored, when) {
  const r = devicePixelRatio, w = canvas.width = canvas.clientWidth * r, h = canvas.height = 160 * r;
  const c = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  const left = 34 * r, top = 10 * r, bottom = 22 * r, right = 16 * r;
  const plotW = w - left - right, plotH = h - top - bottom;
  const days = scored.map(j => Date.parse(when(j)) / 864e5);
  const first = Math.min(...days), span = Math.max(...days) - first;
  /** @param {number} i */
  const x = i => left + (span > 0 ? plotW * (days[i] - first) / span : plotW / 2);
  /** @param {number} score */
  const y = score => top + plotH * (1 - score / 100);
  c.clearRect(0, 0, w, h); c.font = `${11 * r}px sans-serif`; c.lineWidth = r;
  c.strokeStyle = "#d8dee4"; c.fillStyle = "#5b6773"; c.textAlign = "right";
  for (const s of [0, 50, 100]) { c.beginPath(); c.moveTo(left, y(s)); c.lineTo(left + plotW, y(s)); c.stroke(); c.fillText(String(s), left - 5 * r, y(s) + 4 * r); }
  // Dates along the bottom, none overlapping the one before; the first and last kept
  // inside the canvas (aligned to their side).
  let lastRight = -Infinity;
  scored.forEach((j, i) => {
    const text = when(j), width = c.measureText(text).width, at = x(i);
    const align = at - width / 2 < 0 ? "left" : at + width / 2 > w ? "right" : "center";
    const from = align === "left" ? at : align === "right" ? at - width : at - width / 2;
    if (from < lastRight + 6 * r && i !== scored.length - 1) return;
    c.textAlign = align; c.fillText(text, at, h - 6 * r); lastRight = from + width;
  });
  c.strokeStyle = c.fillStyle = "#0b6e4f"; c.lineWidth = 3 * r; c.beginPath();
  scored.forEach((j, i) => { i ? c.lineTo(x(i), y(j.score)) : c.moveTo(x(i), y(j.score)); c.fillRect(x(i) - 4 * r, y(j.score) - 4 * r, 8 * r, 8 * r); });
  c.stroke();
}
