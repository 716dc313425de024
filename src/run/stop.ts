/**
 * What `run`, `stream`, `train` and `wait` do when their caller or their deadline stops
 * them: cancel the job on Replicate when asked (so billing stops), and reject with an
 * error that carries the job as last seen (so nothing is lost).
 */
import { TERMINAL } from "../core/domain.js";
import { AbortError, type JobSnapshot, ReplicateError, TimeoutError } from "../core/errors.js";
import { isReplicateError } from "../core/guards.js";
import type { Deadline } from "../core/signals.js";

/** How a stopped job is reported. */
export interface Stop {
  /** The function that stopped: `"run"`, `"stream"` or `"train"`. */
  what: "run" | "stream" | "train";
  /** The call's deadline, to tell a timeout from the caller's abort (whose reason, on its signal, is the cause). */
  deadline: Deadline;
  /** What the stopped call threw; a waiting loop's error may carry a fresher job. */
  error: unknown;
  /** The job as last seen, if one was created. */
  last: JobSnapshot | undefined;
  /** Cancels the job by id, or `false` to leave it running. */
  cancel: ((id: string) => Promise<JobSnapshot>) | false;
  /** The caller's `timeoutMs`: undefined when the default deadline applied, which never cancels. */
  timeoutMs: number | undefined;
  /** The deadline in force, the default one included. */
  limitMs: number;
}

/**
 * `error`, carrying `job` as its `prediction` unless it carries one already (an ApiError,
 * a ConnectionError while polling, say), or any other error wrapped in a ReplicateError
 * that does (its `cause`): what `run`, `stream`, `train` and `wait` reject with once the
 * job exists, so its id is never lost.
 *
 * @example
 * if (!d.signal.aborted) throw withJob(error, last)
 */
export function withJob(error: unknown, job: JobSnapshot | undefined): unknown {
  if (!job) return error;
  // Anything else (a stack overflow normalising a hostile, deeply nested output) is
  // wrapped: once a job is billed, the error handed back must carry it.
  const ours = isReplicateError(error) ? error : new ReplicateError(String(error), { cause: error });
  if (!ours.prediction) Object.assign(ours, { prediction: job });
  return ours;
}

/**
 * How long cleanup after a deadline or abort may take (a cancel request): short, since
 * the caller has already waited as long as they allowed.
 */
export const CLEANUP_GRACE_MS = 2000;

/**
 * The rejection for a wait that was stopped, worded one way for `run`, `stream`, `train`
 * and `wait`: a TimeoutError when the deadline `d` expired, else an AbortError with the
 * caller's reason as its cause; either carries the job as last seen. `defaulted`: the
 * deadline was the default one, which stops the waiting but never cancels.
 *
 * @example
 * throw halt(d, `wait for ${id}`, "", limitMs, options.timeoutMs === undefined, last)
 */
export function halt(
  d: Deadline,
  what: string,
  which: string,
  limitMs: number,
  defaulted: boolean,
  job: JobSnapshot | undefined,
): TimeoutError | AbortError {
  const how = defaulted ? " (the default deadline, so it was left running; pass timeoutMs, or Infinity for none)" : "";
  return d.expired()
    ? new TimeoutError(`${what} timed out after ${limitMs} ms${how}${which}`, limitMs, job)
    : new AbortError(`${what} aborted${which}`, job, { cause: d.signal?.reason });
}

/**
 * Whether the caller stopped the job (its signal, or its own `timeoutMs`), so it is to be
 * canceled: the default deadline only stops the waiting, and leaves the job running.
 *
 * @example
 * if (callerStopped(d, options.timeoutMs)) await cancel(id)
 */
export const callerStopped = (d: Deadline, timeoutMs: number | undefined): boolean =>
  !(d.expired() && timeoutMs === undefined);

/**
 * The rejection for a stopped job (see {@link halt}), canceled first when `cancel` is
 * given and the job is still running.
 *
 * @example
 * throw await stopped({ what: "run", deadline: d, error, last, cancel: false, timeoutMs, limitMs })
 */
export async function stopped(stop: Stop): Promise<unknown> {
  const { what, deadline: d, timeoutMs } = stop;
  const cancel = callerStopped(d, timeoutMs) && stop.cancel;
  let latest = (stop.error as { prediction?: JobSnapshot } | null | undefined)?.prediction ?? stop.last;
  if (latest && cancel && !TERMINAL.has(latest.status)) {
    const seen = latest;
    latest = await cancel(seen.id).catch(() => seen);
  }
  const noun = what === "train" ? "training" : "prediction";
  const which = latest ? `${noun} ${latest.id}` : `the ${noun} (no id yet: its create had not answered)`;
  return halt(d, what, `; ${which}`, stop.limitMs, timeoutMs === undefined, latest);
}
