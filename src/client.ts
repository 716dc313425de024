/**
 * `createReplicate`: resolves the options once and assembles the client from the
 * transport, the generated operations and openapi-fetch.
 */
import createClient, { type Client } from "openapi-fetch";
import { readEnv } from "./env.js";
import { InputError } from "./errors.js";
import type { paths } from "./generated/schema.js";
import { createLimiter } from "./limiter.js";
import { createOperations, type Operations } from "./operations.js";
import { type RetryPolicy, resolveRetry } from "./retry.js";
import { createRunner } from "./run.js";
import { createStreamer } from "./streaming.js";
import { createTrainer } from "./train.js";
import { createTransport, type FetchLike } from "./transport.js";
import { VERSION } from "./version.js";
import { createSecretCache } from "./webhook-secret.js";

/** Options of {@link createReplicate}. Each is resolved once, when the client is made. */
export interface ReplicateOptions {
  /**
   * API token, sent as `Authorization: Bearer <auth>` to the API's origin only.
   * May be omitted with a custom `baseUrl` (a proxy that adds it itself).
   * @default the `REPLICATE_API_TOKEN` environment variable, where the runtime has one
   */
  auth?: string;
  /**
   * Where the API lives. A relative URL (`"/api/replicate"`) is resolved against the
   * page's location in a browser.
   * @default "https://api.replicate.com/v1"
   */
  baseUrl?: string;
  /**
   * The `fetch` to send with. When omitted, `globalThis.fetch` is looked up at each
   * call, so interceptors installed after the client was made still see the calls.
   */
  fetch?: FetchLike;
  /**
   * The `User-Agent` header, or `false` for none.
   * @default `replicate-fetch/<version>` outside browsers; none in browsers, which set their own
   */
  userAgent?: string | false;
  /** Headers added to every request to the API, e.g. `{ "X-Request-Source": "batch" }`. */
  headers?: Record<string, string>;
  /**
   * Deadline for each call, retries and backoff included. Longer than the API's
   * 60-second `Prefer: wait` window by default, so a sync create is not cut short.
   * `Infinity` for none: calls then carry only the signal you pass, if any.
   * @default 120_000
   */
  timeoutMs?: number;
  /**
   * How failed requests are retried, or `false` for never. Creates (POST) are retried
   * only when the server provably did not take them.
   * @default { retries: 2, baseDelayMs: 500, maxDelayMs: 30_000 }
   */
  retry?: RetryPolicy | false;
  /**
   * At most this many requests in flight at once; the rest wait their turn on the client.
   * Set it near your rate limit to turn a burst of calls into a queue instead of 429s.
   * @default unlimited
   */
  maxConcurrency?: number;
}

/** The typed openapi-fetch client over the same transport. */
export type ApiClient = Client<paths>;

type Runner = ReturnType<typeof createRunner>;
type Trainer = ReturnType<typeof createTrainer>;

/** What {@link createReplicate} returns. */
export type Replicate = Operations & {
  /**
   * Run a model to completion and resolve to its normalised output. See `RunOptions`.
   * @example const [image] = await replicate.run<FileOutput[]>("black-forest-labs/flux-schnell", { input: { prompt: "a fox" } })
   */
  readonly run: Runner["run"];
  /**
   * Poll a prediction (object or id) until it finishes. See `WaitOptions`.
   * @example const done = await replicate.wait(prediction.id, { timeoutMs: 60_000 })
   */
  readonly wait: Runner["wait"];
  /**
   * Create a prediction from a model reference (`owner/name`, `owner/name:version`,
   * a version id, or `{ deployment }`), uploading file inputs first.
   * @example const p = await replicate.createPrediction("meta/llama-3-8b", { input: { prompt: "Hi" } })
   */
  readonly createPrediction: Runner["createPrediction"];
  /**
   * A prediction's events as they happen, over SSE, resumed after drops, falling back to
   * polling. See `StreamOptions`.
   * @example for await (const e of replicate.stream("meta/llama-3-8b", { input })) if (e.type === "output") console.log(e.data)
   */
  readonly stream: ReturnType<typeof createStreamer>;
  /**
   * Fine-tune end to end: start, wait, and resolve to the new version's reference. See `TrainOptions`.
   * @example const { version } = await replicate.train({ model: "owner/trainer", destination: "me/mine", input })
   */
  readonly train: Trainer["train"];
  /**
   * Start a training (creating the destination when asked) without waiting.
   * @example const training = await replicate.startTraining({ model: "owner/trainer", destination: "me/mine", input })
   */
  readonly startTraining: Trainer["startTraining"];
  /**
   * Poll a training until it finishes, with the same waiter as predictions.
   * @example const done = await replicate.waitForTraining(training.id, { timeoutMs: 3_600_000 })
   */
  readonly waitForTraining: Trainer["waitForTraining"];
  /**
   * The account's default webhook secret, cached; `{ refresh: true }` after rotating it.
   * @example const secret = await replicate.webhookSecret()
   */
  readonly webhookSecret: ReturnType<typeof createSecretCache>;
  /** Call an operation by its operationId, e.g. `request("predictions.get", { prediction_id })`. */
  readonly request: ReturnType<typeof createOperations>["request"];
  /**
   * The typed openapi-fetch client, with the same auth, retries and timeout. It returns
   * `{ data, error, response }` instead of throwing on HTTP errors.
   */
  readonly api: ApiClient;
  /** The resolved base URL. */
  readonly baseUrl: string;
};

export const DEFAULT_BASE_URL = "https://api.replicate.com/v1";

function resolveBaseUrl(baseUrl: string): string {
  const location = (globalThis as { location?: { href?: string } }).location?.href;
  let url: URL;
  try {
    url = new URL(baseUrl, location);
  } catch {
    throw new InputError(`baseUrl must be an absolute http(s) URL${location ? " or a path" : ""}, got "${baseUrl}".`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new InputError(`baseUrl must use http or https, got "${url.protocol}".`);
  }
  return url.href.replace(/\/+$/, "");
}

/**
 * Make a client. Every operation of Replicate's API is a method on it, named after
 * its operationId.
 *
 * @example
 * import { createReplicate } from "replicate-fetch"
 * const replicate = createReplicate() // token from REPLICATE_API_TOKEN
 * const prediction = await replicate.predictions.get({ prediction_id: "gm3qorzdhgbfurvjtvhg6dckhu" })
 */
export function createReplicate(options: ReplicateOptions = {}): Replicate {
  const baseUrl = resolveBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
  const inBrowser = typeof (globalThis as { document?: unknown }).document !== "undefined";
  const timeoutMs = options.timeoutMs ?? 120_000;
  if (!(timeoutMs > 0)) throw new InputError("timeoutMs must be a number > 0, or Infinity for none.");
  const { maxConcurrency } = options;
  if (maxConcurrency !== undefined && !(Number.isInteger(maxConcurrency) && maxConcurrency >= 1)) {
    throw new InputError("maxConcurrency must be a whole number ≥ 1.");
  }
  const send = createTransport({
    baseUrl,
    auth: options.auth ?? readEnv("REPLICATE_API_TOKEN"),
    fetch: options.fetch,
    userAgent:
      options.userAgent === false
        ? undefined
        : (options.userAgent ?? (inBrowser ? undefined : `replicate-fetch/${VERSION}`)),
    headers: new Headers(options.headers),
    timeoutMs,
    retry: resolveRetry(options.retry),
    limiter: options.maxConcurrency === undefined ? undefined : createLimiter(options.maxConcurrency),
  });
  const api = createClient<paths>({ baseUrl, fetch: (request) => send(request) });
  const { request, operations } = createOperations(send, baseUrl);
  const runner = createRunner(operations, send);
  const { run, wait, createPrediction } = runner;
  const stream = createStreamer(send, runner);
  const { train, startTraining, waitForTraining } = createTrainer(operations, runner);
  const webhookSecret = createSecretCache(operations);
  return Object.assign(operations, {
    ...{ request, api, baseUrl, run, wait, createPrediction, stream },
    ...{ train, startTraining, waitForTraining, webhookSecret },
  });
}
