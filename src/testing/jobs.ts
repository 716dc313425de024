/**
 * The fake's job engine, shared by predictions and trainings: `starting` → `processing` →
 * a terminal status, running the user's model function, collecting logs and output, and
 * recording the SSE events a stream serves (with ids, so a resumed stream can replay).
 */

import { describeError, newId, now } from "./http.js";
import { DELIVERY_PREFIX, deliveryName, onTheWire } from "./job-output.js";
import { stamp } from "./pages.js";

/**
 * The statuses a job ends in. The fake's own list, not the client's: a mistake in one
 * must not hide in both, where no test would see it.
 */
export const TERMINAL: ReadonlySet<string> = new Set(["succeeded", "failed", "canceled", "aborted"]);

/** What a model function gets besides its input. */
export interface RunContext {
  /** Append a line to the prediction's logs (and emit a `logs` event). */
  log(line: string): void;
  /** Aborted when the prediction is canceled. */
  signal: AbortSignal;
}

/**
 * A model: return the output (sync or async), or yield it piece by piece (an async
 * generator) for a token stream or several files. A Blob, File, Uint8Array or ArrayBuffer
 * in the output becomes the URL of a file the fake serves. Throwing fails the prediction.
 */
export type ModelFunction = (input: Record<string, unknown>, context: RunContext) => unknown;

export interface JobEvent {
  id: string;
  type: "output" | "logs" | "error" | "done";
  data: string;
}

/** What webhooks are sent for. */
export type JobChange = "start" | "output" | "logs" | "completed";

export interface Job {
  /** `logs` is null until something is logged, as in Replicate's answers. */
  record: Record<string, unknown> & { id: string; status: string; logs: string | null; output?: unknown };
  events: JobEvent[];
  /** Called on every change: streams and held `Prefer: wait` requests listen here. */
  listeners: Set<(change: JobChange) => void>;
  controller: AbortController;
  kind: "prediction" | "training";
  /** The files the model returned, by their name under {@link DELIVERY_PREFIX}. */
  files: Map<string, Blob>;
  /** The origin the job was created through: its files are served there. */
  origin: string;
}

export function createJob(kind: Job["kind"], base: string, fields: Record<string, unknown>): Job {
  const id = newId();
  const path = kind === "prediction" ? "predictions" : "trainings";
  const urls: Record<string, string> = { get: `${base}/${path}/${id}`, cancel: `${base}/${path}/${id}/cancel` };
  if (kind === "prediction") {
    urls.web = `https://replicate.com/p/${id}`;
    urls.stream = `${base}/stream/${id}`;
  }
  return stamp({
    kind,
    record: {
      id,
      ...fields,
      status: "starting",
      logs: null,
      // Present and null until there is one, for trainings too (as recorded, though the
      // schema does not declare them nullable); a training's completed_at as well.
      output: null,
      ...(kind === "training" && { completed_at: null }),
      error: null,
      source: "api",
      created_at: now(),
      metrics: {},
      urls,
    },
    events: [],
    listeners: new Set(),
    controller: new AbortController(),
    files: new Map(),
    origin: new URL(base).origin,
  });
}

function emit(job: Job, type: JobEvent["type"], data: string, change?: JobChange) {
  // `<whole seconds>:<n>`, as Replicate's ids (`1690212292:0`): a client may parse them as such.
  const seconds = Math.floor(Date.parse(job.record.created_at as string) / 1000);
  job.events.push({ id: `${seconds}:${job.events.length}`, type, data });
  for (const listener of job.listeners) {
    try {
      listener(change ?? (type === "done" ? "completed" : type === "logs" ? "logs" : "output"));
    } catch {
      // A listener is an onlooker (a stream, a held request, webhooks): its failure must
      // neither change the job's outcome nor stop the others hearing of it.
    }
  }
}

function finish(job: Job, status: string, error?: string) {
  if (TERMINAL.has(job.record.status)) return;
  const r = job.record;
  r.status = status;
  r.completed_at = now();
  const started = Date.parse((r.started_at as string | undefined) ?? (r.created_at as string));
  r.metrics = {
    predict_time: (Date.now() - started) / 1000,
    total_time: (Date.now() - Date.parse(r.created_at as string)) / 1000,
  };
  if (error !== undefined) {
    r.error = error;
    emit(job, "error", error);
  }
  const reason = status === "succeeded" ? {} : { reason: status === "failed" ? "error" : "canceled" };
  emit(job, "done", JSON.stringify(reason), "completed");
}

/** An output piece as an SSE event's data: text as is, anything else as JSON. */
const text = (piece: unknown) => (typeof piece === "string" ? piece : JSON.stringify(piece));

/** Run `fn` for `job` after `startDelayMs`; the job's record and events follow along. */
export function runJob(job: Job, fn: ModelFunction, startDelayMs: number): void {
  const r = job.record;
  const context: RunContext = {
    log(line) {
      if (TERMINAL.has(r.status)) return; // a canceled model that goes on cannot change the record
      const logged = String(line); // a model in JavaScript may log anything
      r.logs = `${r.logs ?? ""}${logged}\n`;
      emit(job, "logs", logged);
    },
    signal: job.controller.signal,
  };
  const keep = (file: Blob) => {
    const name = deliveryName(job.files.size, file);
    job.files.set(name, file);
    return `${job.origin}${DELIVERY_PREFIX}/${r.id}/${name}`;
  };
  setTimeout(async () => {
    if (TERMINAL.has(r.status)) return;
    r.status = "processing";
    r.started_at = now();
    try {
      const result = await fn(r.input as Record<string, unknown>, context);
      if (TERMINAL.has(r.status)) return; // canceled while running: the result is dropped
      if (result && typeof result === "object" && Symbol.asyncIterator in result) {
        r.output = [];
        for await (const piece of result as AsyncIterable<unknown>) {
          if (TERMINAL.has(r.status)) return;
          const wire = onTheWire(piece, keep); // before it is kept: the record must stay encodable
          (r.output as unknown[]).push(wire);
          emit(job, "output", text(wire));
        }
      } else {
        const wire = onTheWire(result, keep);
        r.output = wire;
        const pieces = Array.isArray(wire) ? wire : result === undefined ? [] : [wire];
        for (const piece of pieces) emit(job, "output", text(piece));
      }
      finish(job, "succeeded");
    } catch (error) {
      if (!TERMINAL.has(r.status)) finish(job, "failed", describeError(error));
    }
  }, startDelayMs);
}

/** Cancel `job`: `aborted` if it never started (a deadline), else `canceled`. */
export function cancelJob(job: Job, byDeadline = false): void {
  if (TERMINAL.has(job.record.status)) return;
  job.controller.abort();
  finish(job, byDeadline && job.record.status === "starting" ? "aborted" : "canceled");
}
