/**
 * The one waiting loop, for predictions and trainings alike: polls until a terminal
 * status, within one deadline, abortable, reporting each change once, and polling on
 * through Replicate's passing failures.
 */

import { checkCallback, checkSignal, checkTimeout } from "../core/checks.js";
import type { Replicate } from "../core/client.js";
import { TERMINAL } from "../core/domain.js";
import { InputError, type JobSnapshot } from "../core/errors.js";
import { isApiError, isConnectionError, isTimeoutError } from "../core/guards.js";
import { partsOf } from "../core/parts.js";
import { deadline, sleep } from "../core/signals.js";
import type { Prediction } from "../core/types.js";
import { typeName } from "./file-values.js";
import { invalid } from "./input-check.js";
import { type Progress, parseProgress } from "./progress.js";
import { halt, withJob } from "./stop.js";

/** How often to poll: from `initialMs`, times `factor` after each poll, at most `maxMs`. */
export interface PollInterval {
  /** @default 500 */
  initialMs?: number;
  /** @default 1.5 */
  factor?: number;
  /** @default 5000 */
  maxMs?: number;
}

/** Options of `wait`, and the waiting part of `run`. */
export interface WaitOptions<T = JobSnapshot> {
  /**
   * One deadline for the whole wait; on it, a `TimeoutError` carries the job as last
   * seen. `Infinity` for none.
   * @default 3_600_000 (1 hour) for predictions, 86_400_000 (24 hours) for trainings
   */
  timeoutMs?: number | undefined;
  /** Aborts the wait, and every HTTP call in it. */
  signal?: AbortSignal | undefined;
  /**
   * Called once for each change seen (not once per poll), with any progress bar parsed
   * from the logs. What it throws (or rejects with) is caught and dropped: a bug in a
   * progress display never stops, or loses, a paid job.
   */
  onProgress?: ((job: T, progress: Progress | null) => unknown) | undefined;
  /**
   * Polling intervals. The defaults (0.5 s, growing 1.5× per poll, at most 5 s) answer
   * short jobs quickly without hammering the API during long ones. Polls are never
   * closer than {@link MIN_POLL_MS}, whatever is asked.
   */
  interval?: PollInterval | undefined;
}

/** Fetches the job again. */
export type Refresh<T> = (id: string, signal: AbortSignal) => Promise<T>;

/** The least time between two polls, after a 429 too (even `Retry-After: 0`). */
export const MIN_POLL_MS = 100;

/** How long `wait`, `run` and `stream` wait for a prediction when no `timeoutMs` is given: 1 hour. */
export const PREDICTION_TIMEOUT_MS = 3_600_000;

/**
 * Numbers that make sense as an interval, or an InputError: called before anything is
 * sent by every function that polls.
 *
 * @example
 * checkInterval({ initialMs: 250 }) // { initialMs: 250, factor: 1.5, maxMs: 5000 }
 */
export function checkInterval(interval: unknown): Required<PollInterval> {
  if (interval !== undefined && (typeof interval !== "object" || interval === null)) {
    throw invalid("interval", "be an object like { initialMs: 500, factor: 1.5, maxMs: 5000 }", interval);
  }
  const { initialMs = 500, factor = 1.5, maxMs = 5000 } = (interval ?? {}) as PollInterval;
  for (const [name, value, least] of [
    ["initialMs", initialMs, 0],
    ["maxMs", maxMs, 0],
    ["factor", factor, 1],
  ] as const) {
    if (!Number.isFinite(value) || value < least)
      throw invalid(`interval.${name}`, `be a finite number ≥ ${least}`, value);
  }
  return { initialMs, factor, maxMs };
}

/**
 * Whether a failed poll is Replicate's passing trouble rather than the job's end: a 429,
 * a 408 or 5xx, a connection lost, a request over its own deadline. The transport has
 * already retried it; a poll is a GET, safe to send again, so the loop goes on and its
 * deadline decides, and the job already paid for is not dropped over a bad minute. By
 * name, not instanceof: the client may come from another copy of the package.
 */
const passing = (error: unknown): boolean =>
  isApiError(error)
    ? error.status === 429 || error.status === 408 || error.status >= 500
    : isConnectionError(error) || isTimeoutError(error);

/**
 * Poll `job` with `refresh` until its status is terminal, and resolve to it. Unknown
 * statuses keep the loop going. A 429 waits as long as the server asked (at least
 * {@link MIN_POLL_MS}) and goes on; so does a 5xx or a lost connection, at the next
 * interval. `defaultTimeoutMs` applies when the caller gave none.
 *
 * @example
 * const done = await waitFor(prediction, (id, signal) => replicate.predictions.get({ prediction_id: id }, { signal }))
 */
export async function waitFor<T extends JobSnapshot>(
  job: T | string,
  refresh: Refresh<T>,
  options: WaitOptions<T> = {},
  defaultTimeoutMs = PREDICTION_TIMEOUT_MS,
): Promise<T> {
  const id = typeof job === "string" ? job : (job as T | null)?.id;
  if (typeof id !== "string" || id === "") {
    throw new InputError(
      `Expected a prediction (or training) or its id, got ${job === "" ? "an empty string" : typeName(job)}.`,
    );
  }
  checkTimeout("timeoutMs", options.timeoutMs);
  checkSignal(options.signal);
  checkCallback("onProgress", options.onProgress);
  const { initialMs, factor, maxMs } = checkInterval(options.interval);
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  // Always a signal, even without a caller's or a deadline: the loop below listens to it.
  const d = deadline(options.signal ?? new AbortController().signal, timeoutMs);
  let last: T | undefined = typeof job === "string" ? undefined : job;
  let seen = "";
  const report = (current: T) => {
    // Only for a callback: a large (or hostilely deep) output is not serialised every poll.
    if (!options.onProgress) return;
    const key = JSON.stringify(current);
    if (key === seen) return;
    seen = key;
    // Whatever the callback does (throw, reject) is dropped: see WaitOptions.onProgress.
    try {
      Promise.resolve(options.onProgress?.(current, parseProgress(current.logs as string))).catch(() => {});
    } catch {}
  };
  let next = Math.min(initialMs, maxMs);
  const step = () => {
    const wait = next;
    next = Math.min(maxMs, next * factor);
    return Math.max(MIN_POLL_MS, wait);
  };
  try {
    if (last) report(last);
    let pause = last ? step() : 0; // starting from an id alone, GET at once
    while (!last || !TERMINAL.has(last.status)) {
      if (pause > 0) await sleep(pause, d.signal);
      try {
        last = await refresh(id, d.signal);
      } catch (error) {
        if (d.signal.aborted || !passing(error)) throw error;
        // As long as the server asked, never less than the floor (a `Retry-After: 0`
        // would otherwise poll in a tight loop); the deadline ends an absurd ask.
        pause = Math.max(MIN_POLL_MS, (isApiError(error) ? error.retryAfterMs : undefined) ?? step());
        continue;
      }
      report(last);
      pause = step();
    }
    return last;
  } catch (error) {
    throw d.signal.aborted
      ? halt(d, `wait for ${id}`, "", timeoutMs, options.timeoutMs === undefined, last)
      : withJob(error, last);
  } finally {
    d.dispose();
  }
}

/** Fetches a prediction again: the refresh of `wait`, `run` and `stream`. */
export const predictionRefresh =
  (replicate: Replicate): Refresh<Prediction> =>
  (id, signal) =>
    replicate.predictions.get({ prediction_id: id }, { signal });

/**
 * Poll a prediction (object or id) until it finishes: `succeeded`, `failed`, `canceled`
 * or `aborted`. It never cancels anything; on its deadline (an hour by default) or abort
 * it rejects with the prediction as last seen, so the wait can be resumed. See
 * {@link WaitOptions}. A typed prediction (from `createPrediction` on a registered model)
 * keeps its type; from an id alone it is a plain `Prediction`.
 *
 * @example
 * const done = await wait(replicate, prediction.id, { timeoutMs: 60_000 })
 */
export async function wait<P extends Prediction = Prediction>(
  replicate: Replicate,
  prediction: P | string,
  options?: WaitOptions<P>,
): Promise<P> {
  partsOf(replicate);
  // The same prediction fetched again: its output is still the model's, so its type holds.
  return waitFor(prediction, predictionRefresh(replicate) as Refresh<P>, options);
}
