// @ts-check
// The page's rules are the server's: how urgent a clip is, which job of a clip uploaded
// again counts, when it was filmed. Each job view carries them (urgency, superseded_by,
// filmed_on); a server from before they were served gets today's reading instead.
import {WEIGHTS} from "./catalogue.js";

/** @typedef {{name: string, worst_severity: number | null}} JobFault */
/** @typedef {{id: string, status: string, athlete: string | null, source_name: string, exercise: string,
 *   score: number | null, faults?: JobFault[], urgency?: number | null,
 *   filmed_on?: string | null, superseded_by?: string | null, reanalysis_of?: string | null,
 *   created_at: string, batch?: string | null}} Job */

/** How badly a clip needs the coach: its worst fault's weight × severity.
 * @param {Job} job @returns {number | null} */
export function urgency(job) {
  if (job.urgency !== undefined) return job.urgency;
  if (job.status !== "succeeded" || job.score == null) return null;
  return Math.max(0, ...(job.faults || []).map(f => (WEIGHTS[f.name] ?? 0) * (f.worst_severity ?? 0)));
}

/** Most urgent first, then the lowest score; clips not judged last.
 * @param {Job} a @param {Job} b */
export const byUrgency = (a, b) => (urgency(b) ?? -1) - (urgency(a) ?? -1) || (a.score ?? 101) - (b.score ?? 101);

/** The date the clip was filmed, or null.
 * @param {Job} job @returns {string | null} */
export function filmedOn(job) {
  if (job.filmed_on !== undefined) return job.filmed_on;
  const m = /(20\d\d)-?([01]\d)-?([0-3]\d)/.exec(job.source_name || "");
  return m && +m[2] >= 1 && +m[2] <= 12 && +m[3] >= 1 && +m[3] <= 31 ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

/** When a clip was filmed, or uploaded where that is not known ("2026-11-20").
 * @param {Job} job */
export const when = job => filmedOn(job) || job.created_at.slice(0, 10);

/** Each clip once: the job it is counted under, with ``uploads`` (how many times it was
 * uploaded; a re-analysis is no upload) and ``batches`` (each job's batch, newest first).
 * ``jobs`` is newest first, as the API lists them.
 * @param {Job[]} jobs @returns {(Job & {uploads: number, batches: string[]})[]} */
export function countedOnce(jobs) {
  const served = jobs.some(j => j.superseded_by !== undefined);
  const byId = new Map(jobs.map(j => [j.id, j]));
  /** @param {Job} j */
  const keyOf = j => {
    if (!served) return `${j.athlete}|${j.source_name}`;
    let end = j;  // follow the chain to the job that counts
    for (let n = 0; end.superseded_by && byId.has(end.superseded_by) && n < 50; n++) end = /** @type {Job} */ (byId.get(end.superseded_by));
    return end.superseded_by ? end.superseded_by : end.id;
  };
  /** @type {Map<string, Job & {uploads: number, batches: string[]}>} */
  const clips = new Map();
  for (const j of jobs) {
    const k = keyOf(j), kept = clips.get(k), upload = j.reanalysis_of ? 0 : 1;
    const counts = served ? !j.superseded_by : !kept || (kept.status !== "succeeded" && j.status === "succeeded");
    if (!kept) clips.set(k, {...j, uploads: upload, batches: j.batch ? [j.batch] : []});
    else {
      const merged = counts ? {...j, uploads: kept.uploads, batches: kept.batches} : kept;
      merged.uploads += upload;
      if (j.batch) merged.batches.push(j.batch);
      clips.set(k, merged);
    }
  }
  return [...clips.values()];
}
