// @ts-check
// The coach's drawing on a paused frame: lines, arrows, circles and angles (with their
// degrees). Every point is a fraction of the frame (x from the left, y from the top), so a
// drawing lands on the same spot of the picture at any size; it is painted on a canvas
// laid over the video where the picture is (letterboxed in its box, zoomed with it).

/** @typedef {{x: number, y: number}} Point */
/** @typedef {{kind: string, start?: Point, end?: Point, vertex?: Point, centre?: Point,
 *   radius?: number, degrees?: number, colour?: string}} Shape */

/** How many points each tool takes, in the order they are placed (an angle: one arm's
 * end, the vertex, the other arm's end). */
export const TOOLS = /** @type {Record<string, number>} */ ({line: 2, angle: 3, circle: 2, arrow: 2});
const COLOUR = "#ffd400";

/** A shape from its points. ``aspect``: the frame's width over its height, so that an
 * angle is measured in the frame's pixels, not in fractions.
 * @param {string} kind @param {Point[]} p @param {number} aspect @returns {Shape} */
export function shapeOf(kind, p, aspect) {
  if (kind === "circle")  // the radius is a fraction of the frame's width
    return {kind, centre: p[0], radius: Math.min(1, Math.hypot(p[1].x - p[0].x, (p[1].y - p[0].y) / aspect))};
  if (kind === "angle") {
    const [start, vertex, end] = p;
    const ax = (start.x - vertex.x) * aspect, ay = start.y - vertex.y;
    const bx = (end.x - vertex.x) * aspect, by = end.y - vertex.y;
    const norms = Math.hypot(ax, ay) * Math.hypot(bx, by);
    const cos = norms ? Math.max(-1, Math.min(1, (ax * bx + ay * by) / norms)) : 1;
    return {kind, vertex, start, end, degrees: Math.round(Math.acos(cos) * 1800 / Math.PI) / 10};
  }
  return {kind, start: p[0], end: p[1]};
}

/** A shape in words (the drawing's text for a screen reader and a list). @param {Shape} s */
export const describe = s => s.kind === "angle" ? `angle ${Math.round(s.degrees ?? 0)}°` : s.kind;

/** The canvas over ``video`` (inside its parent, which it positions), with what it shows:
 * ``show(shapes)`` paints them; ``edit(tool)`` takes clicks or drags on the picture as a
 * tool's points (null: the picture is the video's again), each finished shape handed to
 * ``onShape``. ``stop()`` ends its observers.
 * @param {HTMLVideoElement} video @param {(shape: Shape) => void} [onShape] */
export function drawingLayer(video, onShape = () => {}) {
  const host = /** @type {HTMLElement} */ (video.parentElement);
  host.classList.add("drawable");
  const canvas = document.createElement("canvas");
  canvas.className = "drawing";
  canvas.setAttribute("aria-hidden", "true");
  host.append(canvas);
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  /** @type {Shape[]} */
  let shown = [];
  /** @type {string | null} */
  let tool = null;
  /** @type {Point[]} */
  let points = [];
  /** @type {Point | null} */
  let hover = null;
  const aspect = () => (video.videoWidth || 16) / (video.videoHeight || 9);
  // Where the picture is in the canvas (CSS pixels): the video's box, letterboxed.
  const frame = () => {
    const W = canvas.clientWidth, H = canvas.clientHeight, a = aspect();
    const w = Math.min(W, H * a), h = w / a;
    return {x: (W - w) / 2, y: (H - h) / 2, w, h};
  };
  const place = () => {
    canvas.style.left = `${video.offsetLeft}px`; canvas.style.top = `${video.offsetTop}px`;
    canvas.style.width = `${video.clientWidth}px`; canvas.style.height = `${video.clientHeight}px`;
    canvas.style.transform = video.style.transform;  // zoomed with the picture
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(video.clientWidth * dpr); canvas.height = Math.round(video.clientHeight * dpr);
    paint();
  };
  const paint = () => {
    const dpr = window.devicePixelRatio || 1, f = frame();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    /** @param {Point} p @returns {[number, number]} */
    const at = p => [f.x + p.x * f.w, f.y + p.y * f.h];
    const shapes = [...shown];
    if (tool && points.length && hover) {
      const p = [...points, hover];
      shapes.push(tool === "angle" && p.length === 2 ? shapeOf("line", p, aspect()) : shapeOf(tool, p, aspect()));
    }
    for (const s of shapes) paintShape(ctx, s, at, f.w);
    ctx.fillStyle = COLOUR;
    for (const p of points) { const [x, y] = at(p); ctx.beginPath(); ctx.arc(x, y, 4, 0, 2 * Math.PI); ctx.fill(); }
  };
  /** The frame's point under the pointer, kept inside the frame. @param {PointerEvent} e */
  const pointOf = e => {
    const r = canvas.getBoundingClientRect(), f = frame();
    const zoom = r.width / (canvas.clientWidth || 1);
    const clamp = /** @param {number} v */ v => Math.min(1, Math.max(0, Math.round(v * 10000) / 10000));
    return {x: clamp(((e.clientX - r.left) / zoom - f.x) / f.w), y: clamp(((e.clientY - r.top) / zoom - f.y) / f.h)};
  };
  /** @param {Point} p */
  const add = p => {
    points.push(p);
    if (tool && points.length >= TOOLS[tool]) { onShape(shapeOf(tool, points, aspect())); points = []; hover = null; }
    paint();
  };
  /** @type {Point | null} */
  let down = null;
  canvas.onpointerdown = e => { if (!tool) return; e.preventDefault(); down = pointOf(e); add(down); };
  canvas.onpointermove = e => { if (!tool) return; hover = pointOf(e); paint(); };
  // A drag places its end too: a line is one stroke, an angle a stroke and a click.
  canvas.onpointerup = e => {
    if (!tool || !down || !points.length) return;
    const p = pointOf(e), f = frame();
    if (Math.hypot((p.x - down.x) * f.w, (p.y - down.y) * f.h) > 8) add(p);
    down = null;
  };
  const resized = new ResizeObserver(place);
  resized.observe(video);
  const zoomed = new MutationObserver(place);
  zoomed.observe(video, {attributes: true, attributeFilter: ["style"]});
  video.addEventListener("loadedmetadata", place);
  place();
  return {
    /** @param {Shape[]} shapes */
    show(shapes) { shown = shapes; paint(); },
    /** @param {string | null} kind */
    edit(kind) { tool = kind; points = []; hover = null; canvas.classList.toggle("editing", kind != null); paint(); },
    stop() { resized.disconnect(); zoomed.disconnect(); },
  };
}

/** One shape, outlined in black so that it reads on any picture.
 * @param {CanvasRenderingContext2D} ctx @param {Shape} s
 * @param {(p: Point) => [number, number]} at @param {number} width */
function paintShape(ctx, s, at, width) {
  ctx.lineCap = ctx.lineJoin = "round";
  const path = new Path2D();
  if (s.kind === "circle" && s.centre) {
    const [x, y] = at(s.centre);
    path.arc(x, y, (s.radius ?? 0) * width, 0, 2 * Math.PI);
  } else if (s.kind === "angle" && s.vertex && s.start && s.end) {
    const [vx, vy] = at(s.vertex), [ax, ay] = at(s.start), [bx, by] = at(s.end);
    path.moveTo(ax, ay); path.lineTo(vx, vy); path.lineTo(bx, by);
    const a = Math.atan2(ay - vy, ax - vx), b = Math.atan2(by - vy, bx - vx);
    let sweep = b - a;
    while (sweep > Math.PI) sweep -= 2 * Math.PI;
    while (sweep < -Math.PI) sweep += 2 * Math.PI;
    path.moveTo(vx + 22 * Math.cos(a), vy + 22 * Math.sin(a));
    path.arc(vx, vy, 22, a, a + sweep, sweep < 0);
  } else if (s.start && s.end) {
    const [x0, y0] = at(s.start), [x1, y1] = at(s.end);
    path.moveTo(x0, y0); path.lineTo(x1, y1);
    if (s.kind === "arrow") {
      const d = Math.atan2(y1 - y0, x1 - x0);
      for (const side of [-1, 1]) {
        path.moveTo(x1, y1);
        path.lineTo(x1 - 14 * Math.cos(d + side * 0.5), y1 - 14 * Math.sin(d + side * 0.5));
      }
    }
  }
  ctx.strokeStyle = "rgba(0,0,0,.7)"; ctx.lineWidth = 5; ctx.stroke(path);
  ctx.strokeStyle = s.colour || COLOUR; ctx.lineWidth = 2.5; ctx.stroke(path);
  if (s.kind === "angle" && s.vertex) {
    const [vx, vy] = at(s.vertex);
    ctx.font = "bold 16px system-ui, sans-serif"; ctx.lineWidth = 4; ctx.strokeStyle = "rgba(0,0,0,.8)";
    const text = `${Math.round(s.degrees ?? 0)}°`;
    ctx.strokeText(text, vx + 10, vy - 10); ctx.fillStyle = s.colour || COLOUR; ctx.fillText(text, vx + 10, vy - 10);
  }
}
