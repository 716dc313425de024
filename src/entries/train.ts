/**
 * `replicate-fetch/train`: fine-tune from a base model to a runnable trained version.
 *
 * @example
 * import { train } from "replicate-fetch/train"
 * const { version } = await train(replicate, { model: "owner/trainer", destination: "me/mine", input })
 */
import type { Replicate } from "../client.js";
import { type TrainOptions, type TrainResult, trainerOf } from "../train.js";
import type { Training } from "../types.js";
import type { WaitOptions } from "../wait.js";

/**
 * Fine-tune end to end: check or create the destination, upload file inputs, start the
 * training, wait, and resolve to the new version's reference. See {@link TrainOptions}.
 *
 * @example
 * const { version } = await train(replicate, { model: "ostris/flux-dev-lora-trainer", destination: "me/my-flux", input })
 */
export async function train(replicate: Replicate, options: TrainOptions): Promise<TrainResult> {
  return trainerOf(replicate).train(options);
}

/**
 * Start a training (creating the destination when asked) without waiting.
 *
 * @example
 * const training = await startTraining(replicate, { model: "owner/trainer", destination: "me/mine", input })
 */
export async function startTraining(replicate: Replicate, options: TrainOptions): Promise<Training> {
  return trainerOf(replicate).startTraining(options);
}

/**
 * Poll a training (object or id) until it finishes, with the same waiter as predictions.
 *
 * @example
 * const done = await waitForTraining(replicate, training.id, { timeoutMs: 3_600_000 })
 */
export async function waitForTraining(
  replicate: Replicate,
  training: Training | string,
  options?: WaitOptions<Training>,
): Promise<Training> {
  return trainerOf(replicate).waitForTraining(training, options);
}

export { AbortError, type JobSnapshot, PredictionError, TrainingError } from "../errors.js";
export { isAbortError, isPredictionError, isTrainingError } from "../guards.js";
export type { ModelRef } from "../refs.js";
export { type CreateDestination, type TrainOptions, type TrainResult, trainedVersion } from "../train.js";
export type { WaitOptions } from "../wait.js";
