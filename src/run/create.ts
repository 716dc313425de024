/**
 * Creating a prediction from a model reference: validates every option before anything
 * is sent, uploads file inputs, and routes to the right one of the three create operations.
 */

import { checkSignal } from "../core/checks.js";
import type { Replicate } from "../core/client.js";
import { WEBHOOK_EVENTS, type WebhookEvent } from "../core/domain.js";
import { InputError } from "../core/errors.js";
import { partsOf } from "../core/parts.js";
import { abortable, abortReason } from "../core/signals.js";
import { untilSent } from "../core/transport.js";
import type { Prediction } from "../core/types.js";
import { type FileInputOptions, readInput, uploader } from "./file-inputs.js";
import { invalid, isPlainObject } from "./input-check.js";
import { LOCAL_HTTP } from "./output.js";
import { type ModelRef, parseRef } from "./refs.js";
import type { ModelInput, ModelPrediction } from "./registry.js";

/**
 * Options of `createPrediction`. `Input` is the model's input type: taken from the model
 * registry for a registered model, else any object.
 */
export interface CreatePredictionOptions<Input = Record<string, unknown>> {
  /** The model's input. File values (`Blob`, bytes, streams) are sent as `files` says. */
  input: Input;
  /** Hold the request up to this many seconds for the result (`Prefer: wait=N`), clamped to 1–60. */
  wait?: number | undefined;
  /**
   * Have Replicate cancel the prediction after this lifetime (`Cancel-After`): seconds,
   * or a duration such as `"90s"`, `"5m"`, `"1h30m"`. At least 5 seconds.
   */
  cancelAfter?: number | string | undefined;
  /** An https URL to notify (http only for loopback addresses, for local testing). */
  webhook?: string | undefined;
  /** Which events reach the webhook. @default all */
  webhookEventsFilter?: WebhookEvent[] | undefined;
  /** Aborts the uploads and the create request. */
  signal?: AbortSignal | undefined;
  /** How file inputs are sent. */
  files?: FileInputOptions | undefined;
}

/** A sync window in seconds, rounded and clamped to the 1–60 the API accepts; or an InputError. */
export function windowSeconds(seconds: unknown): number {
  if (!Number.isFinite(seconds)) throw invalid("wait", "be a number of seconds", seconds);
  return Math.min(60, Math.max(1, Math.round(seconds as number)));
}

/**
 * The longest sync window, in whole seconds, that ends at least a second before the
 * given deadline (ms; the earliest of several), so the create's answer, and with it the
 * prediction's id, comes back in time; undefined when not even a 1 s window fits: then
 * the create is sent without `Prefer: wait` and answers at once.
 *
 * @example
 * fitWindow(60, 30_000) // 29
 * fitWindow(60, 1_500)  // undefined
 */
export function fitWindow(seconds: number, deadlineMs: number): number | undefined {
  const fit = Math.min(seconds, Math.floor(deadlineMs / 1000) - 1);
  return fit >= 1 ? fit : undefined;
}

// Hours, minutes, seconds, each optional but in that order; or whole seconds alone ("90").
// A number is taken as seconds: 2.5 or -1 matches neither.
const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$|^(\d+)$/;

/**
 * A valid `Cancel-After` value, or an InputError.
 *
 * @example
 * cancelAfterHeader(" 1h30m ") // "1h30m"
 * cancelAfterHeader(90)        // "90s"
 */
export function cancelAfterHeader(value: number | string): string {
  const text = typeof value === "number" ? `${value}s` : typeof value === "string" ? value.trim() : "";
  const m = DURATION.exec(text);
  // m[0] is empty for "", which the pattern matches.
  if (!m?.[0]) throw invalid("cancelAfter", 'be whole seconds or a duration like "30s", "5m", "1h30m"', value);
  if ((+(m[1] ?? 0) * 60 + +(m[2] ?? 0)) * 60 + +(m[3] ?? m[4] ?? 0) < 5) {
    throw invalid("cancelAfter", "be at least 5 seconds", value);
  }
  return text;
}

/** An https webhook URL (http only for loopback), or an InputError. */
export function checkWebhook(webhook: string): void {
  let url: URL | undefined;
  try {
    url = new URL(webhook);
  } catch {}
  // The parsed href, so that a host is matched as the URL parser reads it.
  if (url?.protocol === "https:" || LOCAL_HTTP.test(url?.href ?? "")) return;
  throw invalid("webhook", "be an absolute https URL (http only for localhost)", webhook);
}

/** Only the four event names, or an InputError naming the first other value. */
export function checkEvents(events: unknown): void {
  const wrong = Array.isArray(events)
    ? events.filter((e) => !(WEBHOOK_EVENTS as readonly unknown[]).includes(e))
    : [events];
  if (wrong.length > 0) throw invalid("webhookEventsFilter", `list only "${WEBHOOK_EVENTS.join('", "')}"`, wrong[0]);
}

/**
 * Create a prediction from a model reference (`owner/name`, `owner/name:version`, a
 * version id, or `{ deployment }`), without waiting beyond the optional sync window.
 * Every option is checked and file inputs are uploaded before the create is sent. For a
 * model in the registry (see `replicate-kit types`), `input` is checked against the
 * model's input and the prediction's `output` is typed as the API sends it.
 *
 * @example
 * const prediction = await createPrediction(replicate, "meta/meta-llama-3-8b", { input: { prompt: "Hi" }, wait: 10 })
 * const onDeployment = await createPrediction(replicate, { deployment: "acme/sdxl" }, { input: { prompt: "a fox" } })
 */
export function createPrediction<const Ref extends ModelRef = ModelRef>(
  replicate: Replicate,
  ref: Ref,
  options: CreatePredictionOptions<ModelInput<Ref>>,
): Promise<ModelPrediction<Ref>>;
// The implementation takes any object as input: a generated input interface has no index
// signature, so it is not a Record<string, unknown>.
export async function createPrediction(
  replicate: Replicate,
  ref: ModelRef,
  options: CreatePredictionOptions<object>,
): Promise<Prediction> {
  return createBefore(replicate, ref, options, Infinity);
}

/**
 * `createPrediction` for a caller with a deadline of its own (`run`): the sync window is
 * fitted as the create is sent, to end a second before `deadlineMs` less the time the
 * file inputs took to read and upload (as well as before the client's per-request
 * deadline), so the create's answer, with the prediction's id, comes back in time.
 *
 * With `late`, the create request, once sent, is not aborted by `options.signal` (see
 * `untilSent`): a create held for its sync window is running, and billed, on Replicate
 * whether or not its answer is read, and aborting the request would only lose its id.
 * Before it is sent the signal stops it as any other. The promise rejects at the abort as
 * before, and `late` gets the prediction when the answer comes (to cancel it).
 *
 * @example
 * const prediction = await createBefore(replicate, "acme/model", { input: { image: blob }, wait: 60 }, 30_000)
 */
export async function createBefore(
  replicate: Replicate,
  ref: ModelRef,
  options: CreatePredictionOptions<object>,
  deadlineMs: number,
  late?: (prediction: Prediction) => void,
): Promise<Prediction> {
  const { timeoutMs: requestMs } = partsOf(replicate);
  const target = parseRef(ref);
  if (typeof options !== "object" || options === null) {
    throw new InputError("Expected options with the model's input as the third argument: { input: { ... } }.");
  }
  const { input, signal, wait, cancelAfter, webhook, webhookEventsFilter: events } = options;
  // A plain object: copyInput would take a file or a Date here as a value, not as fields.
  if (!isPlainObject(input)) throw invalid("input", "be an object of the model's input fields", input);
  checkSignal(signal);
  const seconds = wait === undefined ? undefined : windowSeconds(wait);
  const cancel = cancelAfter === undefined ? undefined : cancelAfterHeader(cancelAfter);
  if (webhook !== undefined) checkWebhook(webhook);
  if (events !== undefined) checkEvents(events);

  const started = Date.now();
  const { files, finish } = await readInput(input, options.files, signal);
  const body = {
    input: (await finish(uploader(replicate))) as Record<string, unknown>,
    ...(webhook !== undefined && { webhook }),
    ...(events !== undefined && { webhook_events_filter: events }),
  };
  // Only files take time before the create (checks alone would flicker the window by a
  // millisecond); the window must also end before the per-request deadline, or the
  // answer is cut off.
  const left = files > 0 ? deadlineMs - (Date.now() - started) : deadlineMs;
  const fit = seconds === undefined ? undefined : fitWindow(seconds, Math.min(requestMs, left));
  const header = {
    ...(fit !== undefined && { Prefer: `wait=${fit}` }),
    ...(cancel !== undefined && { "Cancel-After": cancel }),
  };
  // Stopped while the files went up: nothing is sent.
  if (signal?.aborted) throw abortReason(signal);
  const call = signal ? { signal: late ? untilSent(signal) : signal } : {};
  const params = { ...header, body };
  const posting =
    target.kind === "version"
      ? replicate.predictions.create({ ...header, body: { ...body, version: target.version } }, call)
      : target.kind === "model"
        ? replicate.models.predictions.create({ model_owner: target.owner, model_name: target.name, ...params }, call)
        : replicate.deployments.predictions.create(
            { deployment_owner: target.owner, deployment_name: target.name, ...params },
            call,
          );
  if (!late || !signal) return posting;
  return abortable(posting, signal).catch((error: unknown) => {
    if (signal.aborted) posting.then(late, () => {});
    throw error;
  });
}
