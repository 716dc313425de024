/**
 * The one waiting loop, for predictions and trainings alike: polls until a terminal
 * status, within one deadline, abortable, reporting each change once.
 */
import type { Replicate } from "../core/client.js";
import { TERMINAL } from "../core/domain.js";
import { AbortError, type JobSnapshot, TimeoutError } from "../core/errors.js";
import { isApiError } from "../core/guards.js";
import { partsOf } from "../core/parts.js";
import { deadline, sleep } from "../core/signals.js";
import type { Prediction } from "../core/types.js";
import { type Progress, parseProgress } from "./progress.js";

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
  /** One deadline for the whole wait; on it, a `TimeoutError` carries the job as last seen. */
  timeoutMs?: number | undefined;
  /** Aborts the wait, and every HTTP call in it. */
  signal?: AbortSignal | undefined;
  /** Called once for each change seen (not once per poll), with any progress bar parsed from the logs. */
  onProgress?: ((job: T, progress: Progress | null) => void) | undefined;
  /**
   * Polling intervals. The defaults (0.5 s, growing 1.5× per poll, at most 5 s) answer
   * short jobs quickly without hammering the API during long ones.
   */
  interval?: PollInterval | undefined;
}

/** Fetches the job again. */
export type Refresh<T> = (id: string, signal: AbortSignal) => Promise<T>;

/**
 * Poll `job` with `refresh` until its status is terminal, and resolve to it. Unknown
 * statuses keep the loop going. A 429 waits as long as the server asked (or one
 * interval) and goes on.
 *
 * @example
 * const done = await waitFor(prediction, (id, signal) => replicate.predictions.get({ prediction_id: id }, { signal }))
 */
export async function waitFor<T extends JobSnapshot>(
  job: T | string,
  refresh: Refresh<T>,
  options: WaitOptions<T> = {},
): Promise<T> {
  const { initialMs = 500, factor = 1.5, maxMs = 5000 } = options.interval ?? {};
  // Always a signal, even without a caller's or a deadline: the loop below listens to it.
  const d = deadline(options.signal ?? new AbortController().signal, options.timeoutMs);
  const id = typeof job === "string" ? job : job.id;
  let last: T | undefined = typeof job === "string" ? undefined : job;
  let seen = "";
  const report = (current: T) => {
    const key = JSON.stringify(current);
    if (key === seen) return;
    seen = key;
    options.onProgress?.(current, parseProgress(current.logs as string | undefined));
  };
  let next = Math.min(initialMs, maxMs);
  const step = () => {
    const wait = next;
    next = Math.min(maxMs, next * factor);
    return wait;
  };
  try {
    if (last) report(last);
    let pause = last ? step() : 0; // starting from an id alone, GET at once
    while (!last || !TERMINAL.has(last.status)) {
      if (pause > 0) await sleep(pause, d.signal);
      try {
        last = await refresh(id, d.signal);
      } catch (error) {
        // By name, not instanceof: the client may come from another copy of the package.
        if (!(isApiError(error) && error.status === 429) || d.signal.aborted) throw error;
        pause = error.retryAfterMs ?? next; // as long as the server asked, nothing on top
        continue;
      }
      report(last);
      pause = step();
    }
    return last;
  } catch (error) {
    if (d.expired()) {
      throw new TimeoutError(`Gave up waiting for ${id} after ${options.timeoutMs} ms`, options.timeoutMs ?? 0, last);
    }
    if (d.signal.aborted) throw new AbortError(`Stopped waiting for ${id}`, last, { cause: d.signal.reason });
    throw error;
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
 * or `aborted`. It never cancels anything; on its deadline or abort it rejects with the
 * prediction as last seen, so the wait can be resumed. See {@link WaitOptions}.
 *
 * @example
 * const done = await wait(replicate, prediction.id, { timeoutMs: 60_000 })
 */
export async function wait(
  replicate: Replicate,
  prediction: Prediction | string,
  options?: WaitOptions<Prediction>,
): Promise<Prediction> {
  partsOf(replicate);
  return waitFor(prediction, predictionRefresh(replicate), options);
}
