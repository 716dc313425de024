/**
 * Creating a prediction from a model reference: validates every option before anything
 * is sent, uploads file inputs, and routes to the right one of the three create operations.
 */

import { checkSignal, mustBe } from "../core/checks.js";
import type { Replicate } from "../core/client.js";
import { WEBHOOK_EVENTS, type WebhookEvent } from "../core/domain.js";
import { InputError } from "../core/errors.js";
import { partsOf } from "../core/parts.js";
import type { Prediction } from "../core/types.js";
import { type FileInputOptions, prepareInput, uploader } from "./file-inputs.js";
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
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) {
    throw new InputError(`wait must be a number of seconds, got ${String(seconds)}.`);
  }
  return Math.min(60, Math.max(1, Math.round(seconds)));
}

/**
 * The longest sync window, in whole seconds, that ends at least a second before every
 * given deadline (ms), so the create's answer, and with it the prediction's id, comes
 * back in time; undefined when not even a 1 s window fits: then the create is sent
 * without `Prefer: wait` and answers at once.
 *
 * @example
 * fitWindow(60, 30_000) // 29
 * fitWindow(60, 1_500)  // undefined
 */
export function fitWindow(seconds: number, ...deadlinesMs: number[]): number | undefined {
  const fit = Math.min(seconds, ...deadlinesMs.map((ms) => Math.floor(ms / 1000) - 1));
  return fit >= 1 ? fit : undefined;
}

const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/**
 * Seconds in a `Cancel-After` duration (`"90"`, `"30s"`, `"1h30m"`), or undefined when it
 * is not one. Shared with the fake, which reads the header the client writes.
 *
 * @example
 * durationSeconds("1h30m") // 5400
 */
export function durationSeconds(text: string): number | undefined {
  const m = /^\d+$/.test(text) ? [text, "0", "0", text] : DURATION.exec(text);
  if (!m || text === "") return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** A valid `Cancel-After` value, or an InputError. */
export function cancelAfterHeader(value: number | string): string {
  if (typeof value !== "number" && typeof value !== "string") {
    throw mustBe("cancelAfter", "a number of seconds or a duration string", value);
  }
  const text = typeof value === "number" ? `${value}s` : value.trim();
  const seconds = durationSeconds(text);
  if (seconds === undefined || (typeof value === "number" && !Number.isInteger(value))) {
    throw new InputError(
      `cancelAfter must be whole seconds or a duration like "30s", "5m", "1h30m"; got ${JSON.stringify(value)}.`,
    );
  }
  if (seconds < 5) throw new InputError(`cancelAfter must be at least 5 seconds; got ${JSON.stringify(value)}.`);
  return text;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/** An https webhook URL (http only for loopback), or an InputError. */
export function checkWebhook(webhook: string): void {
  let url: URL;
  try {
    url = new URL(webhook);
  } catch {
    throw new InputError(`webhook must be an absolute URL, got ${JSON.stringify(webhook)}.`);
  }
  if (url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.test(url.hostname))) return;
  throw new InputError(`webhook must use https (http only for localhost), got ${JSON.stringify(webhook)}.`);
}

/** Only the four event names, or an InputError. */
export function checkEvents(events: unknown): void {
  if (!Array.isArray(events) || events.some((e) => !(WEBHOOK_EVENTS as readonly unknown[]).includes(e))) {
    const names = WEBHOOK_EVENTS.map((e) => `"${e}"`).join(", ");
    throw new InputError(`webhookEventsFilter must list only ${names}; got ${JSON.stringify(events)}.`);
  }
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
  const { timeoutMs: requestMs } = partsOf(replicate);
  const ops = replicate;
  const target = parseRef(ref);
  if (typeof options !== "object" || options === null) {
    throw new InputError("Expected options with the model's input as the third argument: { input: { ... } }.");
  }
  const { input, signal } = options;
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new InputError("input must be an object of the model's input fields.");
  }
  checkSignal(signal);
  const header: { Prefer?: string; "Cancel-After"?: string } = {};
  if (options.wait !== undefined) {
    // The window must end before the client's per-request deadline, or the answer is cut off.
    const fit = fitWindow(windowSeconds(options.wait), requestMs);
    if (fit !== undefined) header.Prefer = `wait=${fit}`;
  }
  if (options.cancelAfter !== undefined) header["Cancel-After"] = cancelAfterHeader(options.cancelAfter);
  if (options.webhook !== undefined) checkWebhook(options.webhook);
  if (options.webhookEventsFilter !== undefined) checkEvents(options.webhookEventsFilter);

  const body = {
    input: (await prepareInput(input, uploader(replicate), options.files, signal)) as Record<string, unknown>,
    ...(options.webhook !== undefined && { webhook: options.webhook }),
    ...(options.webhookEventsFilter !== undefined && { webhook_events_filter: options.webhookEventsFilter }),
  };
  const call = signal ? { signal } : {};
  if (target.kind === "model") {
    return ops.models.predictions.create({ model_owner: target.owner, model_name: target.name, ...header, body }, call);
  }
  if (target.kind === "deployment") {
    const params = { deployment_owner: target.owner, deployment_name: target.name, ...header, body };
    return ops.deployments.predictions.create(params, call);
  }
  return ops.predictions.create({ ...header, body: { ...body, version: target.version } }, call);
}
