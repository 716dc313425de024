/**
 * Fine-tuning end to end: from a base model to a runnable reference of the trained
 * version. Everything that can fail cheaply (bad references, a missing destination) fails
 * before the paid training starts; a training that could not be saved is never started.
 */
import { checkCallback, checkSignal, checkTimeout } from "../core/checks.js";
import type { Replicate } from "../core/client.js";
import type { WebhookEvent } from "../core/domain.js";
import { InputError, ReplicateError, TrainingError } from "../core/errors.js";
import { partsOf } from "../core/parts.js";
import { deadline } from "../core/signals.js";
import type { Training } from "../core/types.js";
import { checkEvents, checkWebhook } from "../run/create.js";
import { type FileInputOptions, readInput, uploader } from "../run/file-inputs.js";
import { parseRef } from "../run/refs.js";
import { CLEANUP_GRACE_MS, stopped, withJob } from "../run/stop.js";
import { checkInterval, type Refresh, type WaitOptions, waitFor } from "../run/wait.js";
import { type CreateDestination, ensureDestination, parseDestination, trainedVersion } from "./destination.js";

export { type CreateDestination, trainedVersion };

/** Options of `startTraining` and `train`. */
export interface TrainOptions extends WaitOptions<Training> {
  /** The trainer: `"owner/name:version"`, or `"owner/name"` for its latest version (looked up). */
  model: string;
  /** Where the trained version goes: `"owner/name"`, a model you own. */
  destination: string;
  /** The trainer's input. File values are uploaded, as for `run`. */
  input: Record<string, unknown>;
  webhook?: string;
  webhookEventsFilter?: WebhookEvent[];
  /** Create the destination model if it does not exist. Without it, a missing destination is an error. */
  createDestination?: CreateDestination;
  files?: FileInputOptions;
  /** `train` only: cancel the training on Replicate when aborted or timed out. @default true */
  cancelOnAbort?: boolean;
}

/** What `train` resolves to. */
export interface TrainResult {
  training: Training;
  /** The new version, ready for `run`: `"owner/name:version"`. */
  version: string;
}

/** Fetches a training again. The API always sends its id and status, though the schema marks them optional. */
const trainingRefresh =
  (replicate: Replicate): Refresh<Training> =>
  async (id, signal) =>
    (await replicate.trainings.get({ training_id: id }, { signal })) as Training;

/** Cancels a training with a deadline of its own: the caller's signal has already fired. */
const cancelTraining = (replicate: Replicate) => async (id: string) =>
  (await replicate.trainings.cancel({ training_id: id }, { timeoutMs: CLEANUP_GRACE_MS })) as Training;

/** How long `train` and `waitForTraining` wait when no `timeoutMs` is given: 24 hours. */
export const TRAINING_TIMEOUT_MS = 86_400_000;

/** The parsed trainer and destination, or an InputError before anything is sent. */
function check(options: TrainOptions) {
  if (typeof options !== "object" || options === null) {
    throw new InputError("Expected training options as the second argument: { model, destination, input }.");
  }
  checkSignal(options.signal);
  checkTimeout("timeoutMs", options.timeoutMs);
  checkInterval(options.interval);
  checkCallback("onProgress", options.onProgress);
  const trainer = parseRef(options.model);
  if (trainer.kind === "deployment" || !trainer.owner || !trainer.name) {
    throw new InputError(`model must be "owner/name" or "owner/name:version", got ${JSON.stringify(options.model)}.`);
  }
  const dest = parseDestination(options.destination);
  const { input } = options;
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new InputError("input must be an object of the trainer's input fields.");
  }
  const create = options.createDestination;
  if (create && (!["public", "private"].includes(create.visibility) || typeof create.hardware !== "string")) {
    throw new InputError('createDestination needs visibility ("public" or "private") and a hardware SKU.');
  }
  if (options.webhook !== undefined) checkWebhook(options.webhook);
  if (options.webhookEventsFilter !== undefined) checkEvents(options.webhookEventsFilter);
  return { trainer: { ...trainer, owner: trainer.owner, name: trainer.name }, dest };
}

/**
 * Start a training (creating the destination when asked) and return it at once, without
 * waiting.
 *
 * @example
 * const training = await startTraining(replicate, { model: "ostris/flux-dev-lora-trainer", destination: "me/flux-me", input })
 */
export async function startTraining(replicate: Replicate, options: TrainOptions): Promise<Training> {
  partsOf(replicate);
  const { trainer, dest } = check(options);
  const { signal } = options;
  const call = signal ? { signal } : {};
  // The input is checked (and its streams read) first: a bad one is refused before the
  // lookups, and before a destination is created for a training that cannot start.
  const { finish } = await readInput(options.input, options.files, signal);
  let version = trainer.kind === "version" ? trainer.version : undefined;
  if (!version) {
    const model = await replicate.models.get({ model_owner: trainer.owner, model_name: trainer.name }, call);
    version = (model.latest_version as { id?: string } | null)?.id;
    if (!version) throw new ReplicateError(`${trainer.owner}/${trainer.name} has no version to train from`);
  }
  await ensureDestination(replicate, dest.owner, dest.name, options.createDestination, signal);
  const body = {
    destination: `${dest.owner}/${dest.name}`,
    input: await finish(uploader(replicate)),
    ...(options.webhook !== undefined && { webhook: options.webhook }),
    ...(options.webhookEventsFilter !== undefined && { webhook_events_filter: options.webhookEventsFilter }),
  };
  const params = { model_owner: trainer.owner, model_name: trainer.name, version_id: version, body };
  return (await replicate.trainings.create(params, call)) as Training;
}

/**
 * Poll a training (object or id) until it finishes, with the same waiter as predictions.
 * It never cancels anything.
 *
 * @example
 * const done = await waitForTraining(replicate, training.id, { timeoutMs: 3_600_000 })
 */
export async function waitForTraining(
  replicate: Replicate,
  training: Training | string,
  options?: WaitOptions<Training>,
): Promise<Training> {
  partsOf(replicate);
  return waitFor(training, trainingRefresh(replicate), options, TRAINING_TIMEOUT_MS);
}

/**
 * Fine-tune end to end: check or create the destination, upload file inputs, start the
 * training, wait, and resolve to the new version's reference. A failed or canceled
 * training rejects with a TrainingError (with logs); on abort or your `timeoutMs` the
 * training is canceled (unless `cancelOnAbort: false`) and the error carries it. Without
 * `timeoutMs` it gives up after 24 hours and leaves the training running.
 *
 * @example
 * const { version } = await train(replicate, { model: "ostris/flux-dev-lora-trainer", destination: "me/flux-me",
 *   input: { input_images: zip }, createDestination: { visibility: "private", hardware: "gpu-h100" } })
 * const [image] = await run(replicate, version, { input: { prompt: "TOK on a beach" } })
 */
export async function train(replicate: Replicate, options: TrainOptions): Promise<TrainResult> {
  partsOf(replicate);
  check(options);
  const { timeoutMs, signal } = options;
  const limitMs = timeoutMs ?? TRAINING_TIMEOUT_MS;
  const d = deadline(signal, limitMs);
  let last: Training | undefined;
  try {
    last = await startTraining(replicate, { ...options, signal: d.signal });
    const done = await waitFor(last, trainingRefresh(replicate), {
      ...options,
      timeoutMs: Infinity,
      signal: d.signal,
    });
    last = done; // what an error from here on carries
    if (done.status !== "succeeded") throw new TrainingError(done);
    return { training: done, version: trainedVersion(done, options.destination) };
  } catch (error) {
    if (!d.signal?.aborted) throw withJob(error, last);
    const cancel = options.cancelOnAbort !== false && cancelTraining(replicate);
    throw await stopped({ what: "train", deadline: d, error, last, cancel, timeoutMs, limitMs });
  } finally {
    d.dispose();
  }
}
