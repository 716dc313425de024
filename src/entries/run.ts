/**
 * `replicate-fetch/run`: run a model and get its output, or create and wait for a
 * prediction yourself. Each function takes the client from `createReplicate()` first.
 *
 * @example
 * import { createReplicate } from "replicate-fetch"
 * import { run } from "replicate-fetch/run"
 * const replicate = createReplicate()
 * const [image] = await run<FileOutput[]>(replicate, "black-forest-labs/flux-schnell", { input: { prompt: "a fox" } })
 */
import type { Replicate } from "../client.js";
import type { CreatePredictionOptions } from "../create.js";
import type { ModelRef } from "../refs.js";
import { type RunOptions, runnerOf } from "../run.js";
import type { Prediction } from "../types.js";
import type { WaitOptions } from "../wait.js";

/**
 * Run a model to completion and resolve to its normalised output: created with a sync
 * window, then polled, cancelled on abort or timeout. See {@link RunOptions}.
 *
 * @example
 * const text = await run<string[]>(replicate, "meta/meta-llama-3-8b-instruct", { input: { prompt: "Hi" } })
 */
export async function run<Output = unknown>(replicate: Replicate, ref: ModelRef, options: RunOptions): Promise<Output> {
  return runnerOf(replicate).run<Output>(ref, options);
}

/**
 * Poll a prediction (object or id) until it finishes. See {@link WaitOptions}.
 *
 * @example
 * const done = await wait(replicate, prediction.id, { timeoutMs: 60_000 })
 */
export async function wait(
  replicate: Replicate,
  prediction: Prediction | string,
  options?: WaitOptions<Prediction>,
): Promise<Prediction> {
  return runnerOf(replicate).wait(prediction, options);
}

/**
 * Create a prediction from a model reference (`owner/name`, `owner/name:version`, a
 * version id, or `{ deployment }`), uploading file inputs first.
 *
 * @example
 * const prediction = await createPrediction(replicate, "meta/meta-llama-3-8b", { input: { prompt: "Hi" } })
 */
export async function createPrediction(
  replicate: Replicate,
  ref: ModelRef,
  options: CreatePredictionOptions,
): Promise<Prediction> {
  return runnerOf(replicate).createPrediction(ref, options);
}

export type { CreatePredictionOptions, WebhookEvent } from "../create.js";
export { AbortError, type JobSnapshot, PredictionError } from "../errors.js";
export type { FileInputOptions } from "../file-inputs.js";
export { type Download, decodeDataUrl, FileOutput } from "../file-output.js";
export { isAbortError, isPredictionError } from "../guards.js";
export { type NormalizeOptions, normalizeOutput, type OutputSchema } from "../output.js";
export { type Progress, parseProgress } from "../progress.js";
export { type ModelRef, type ParsedRef, parseRef } from "../refs.js";
export type { RunOptions } from "../run.js";
export { type PollInterval, TERMINAL, type WaitOptions } from "../wait.js";
