/**
 * The timers around a job: the window a `Prefer: wait` request is held for, and the
 * `Cancel-After` deadline that cancels a job that outlives it.
 */
import { cancelJob, type Job, type JobChange, TERMINAL } from "./jobs.js";

/**
 * Resolve when the job is terminal, or sooner: after `ms` (a `Prefer: wait` window) or
 * when `signal` aborts (the client that held the request went away).
 *
 * @example
 * await settled(job, 5_000, ctx.request.signal)
 */
export function settled(job: Job, ms?: number, signal?: AbortSignal): Promise<void> {
  if (TERMINAL.has(job.record.status)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      job.listeners.delete(listener);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const listener = (change: JobChange) => change === "completed" && done();
    const timer = ms === undefined ? undefined : setTimeout(done, ms);
    job.listeners.add(listener);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** The longest delay one timer holds (about 24.8 days); asked for longer, it fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Cancel `job` when its `Cancel-After` deadline, `ms` from now, passes: in steps a timer
 * can hold, each unref'd so a far deadline does not keep the host process alive.
 */
export function cancelAfter(job: Job, ms: number): void {
  const step = Math.min(ms, MAX_TIMER_MS);
  const timer = setTimeout(() => (ms > step ? cancelAfter(job, ms - step) : cancelJob(job, true)), step);
  (timer as { unref?: () => void }).unref?.();
}
