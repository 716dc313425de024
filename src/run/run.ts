/**
 * `run`: create with a sync window, keep polling whatever state the window ends in, stop
 * billing on abort or timeout, and hand back a usable output.
 */

import { checkCallback, checkSignal, checkTimeout } from "../core/checks.js";
import type { Replicate } from "../core/client.js";
import { TERMINAL } from "../core/domain.js";
import { InputError, PredictionError } from "../core/errors.js";
import { partsOf } from "../core/parts.js";
import { abortable, deadline } from "../core/signals.js";
import type { Prediction } from "../core/types.js";
import { type CreatePredictionOptions, createBefore, windowSeconds } from "./create.js";
import { downloader } from "./file-output.js";
import { registeredOutput } from "./model-outputs.js";
import { normalizeOutput, type OutputSchema } from "./output.js";
import { type ModelRef, VERSION_ID } from "./refs.js";
import type { FromRegistry, ModelInput, RunFlags, RunResult } from "./registry.js";
import { CLEANUP_GRACE_MS, callerStopped, stopped, withJob } from "./stop.js";
import { checkInterval, PREDICTION_TIMEOUT_MS, predictionRefresh, type WaitOptions, waitFor } from "./wait.js";

/**
 * Options of `run`. `Input` is the model's input type: taken from the model registry
 * for a registered model, else any object.
 */
export interface RunOptions<Input = Record<string, unknown>>
  extends Omit<CreatePredictionOptions<Input>, "signal" | "wait">,
    WaitOptions<Prediction> {
  /**
   * The sync window in seconds (`Prefer: wait`), shortened to end before `timeoutMs` and
   * the client's per-request deadline (and left out when not even 1 s fits).
   * @default 60, the most the API allows; 1 with `onProgress`, so progress shows while it runs
   */
  wait?: number;
  /**
   * Cancel the prediction on Replicate when the run is aborted or times out, so billing stops.
   * @default true
   */
  cancelOnAbort?: boolean;
  /** Resolve to the output exactly as the API returned it. @default false */
  raw?: boolean;
  /**
   * Normalise by the model version's output schema: token iterators are joined into one
   * string, and only `format: uri` values become files. With `false`, every https/data
   * URL string becomes a FileOutput and arrays stay arrays. The schema is the one a
   * generated `.ts` file registered for the reference (see `replicate-kit types`), else
   * it is fetched once per version and cached.
   * @default true for a reference a generated `.ts` file registered, else false
   */
  outputSchema?: boolean;
}

interface SchemaInfo {
  schema: OutputSchema;
  root: unknown;
}

/** Output schemas by version id, per client: a version's schema never changes. */
const schemaCache = /* @__PURE__ */ new WeakMap<object, Map<string, Promise<SchemaInfo | undefined>>>();

/**
 * The version's output schema, fetched once per version and shared by every run of it;
 * undefined when it cannot be had. The lookup is nobody's in particular, so no one
 * caller's signal can cancel it: each caller waits on it with its own signal instead.
 */
function outputSchemaOf(replicate: Replicate, prediction: Prediction): Promise<SchemaInfo | undefined> {
  const [owner, name] = (prediction.model ?? "").split("/");
  const version = prediction.version;
  if (!owner || !name || !version || !VERSION_ID.test(version)) return Promise.resolve(undefined);
  let schemas = schemaCache.get(replicate);
  if (!schemas) {
    schemas = new Map();
    schemaCache.set(replicate, schemas);
  }
  let info = schemas.get(version);
  if (!info) {
    const params = { model_owner: owner, model_name: name, version_id: version };
    info = replicate.models.versions.get(params).then(
      (v) => {
        const root = v.openapi_schema as { components?: { schemas?: { Output?: OutputSchema } } } | null;
        const schema = root?.components?.schemas?.Output;
        return schema ? { schema, root } : undefined;
      },
      () => {
        schemas.delete(version); // not cached: the next run asks again
        return undefined; // this run falls back to URL detection
      },
    );
    schemas.set(version, info);
  }
  return info;
}

/**
 * Run a model to completion and resolve to its normalised output: created with a sync
 * window, then polled whether the window ended in `starting` or `processing`, and
 * cancelled on Replicate on abort or on your `timeoutMs` (unless `cancelOnAbort: false`).
 * Without `timeoutMs` it gives up after an hour and leaves the prediction running; the
 * error carries it.
 *
 * For a model in the registry (see `replicate-kit types`), `input` is checked against
 * the model's input and the output type is inferred, following `outputSchema` and
 * `raw`; a generated `.ts` file also registers the output's shape, so a language model's
 * tokens come back joined into one string. For any other reference the input is any
 * object and the output `unknown`: name it with the type parameter, which also overrides
 * the registry's.
 *
 * @example
 * const [image] = await run(replicate, "black-forest-labs/flux-schnell", { input: { prompt: "a fox" } }) // registered: FileOutput[]
 * const text = await run(replicate, "meta/meta-llama-3-8b-instruct", { input: { prompt: "hi" } }) // registered: string
 * const [file] = await run<FileOutput[]>(replicate, "acme/unregistered", { input: { prompt: "a fox" } })
 */
export function run<
  Output = FromRegistry,
  const Ref extends ModelRef = ModelRef,
  Schema extends boolean | undefined = undefined,
  Raw extends boolean = false,
>(
  replicate: Replicate,
  ref: Ref,
  options: RunOptions<ModelInput<Ref>> & RunFlags<Output, Schema, Raw>,
): Promise<RunResult<Output, Ref, Schema, Raw>>;
// Input as in createPrediction's implementation: any object.
export async function run(replicate: Replicate, ref: ModelRef, options: RunOptions<object>): Promise<unknown> {
  const { send } = partsOf(replicate);
  if (typeof options !== "object" || options === null) {
    throw new InputError("Expected options with the model's input as the third argument: { input: { ... } }.");
  }
  const { timeoutMs, signal } = options;
  checkTimeout("timeoutMs", timeoutMs);
  checkSignal(signal);
  checkCallback("onProgress", options.onProgress);
  checkInterval(options.interval);
  const limitMs = timeoutMs ?? PREDICTION_TIMEOUT_MS;
  // With onProgress, a short window: the progress shows while polling, not all at the end.
  const asked = options.wait === undefined ? (options.onProgress ? 1 : 60) : windowSeconds(options.wait);
  const d = deadline(signal, limitMs);
  const cancel = options.cancelOnAbort !== false && cancelPrediction(replicate);
  // A create held for its window runs on Replicate whether its answer is read or not: an
  // abort then does not cut the request off (which would only lose the id), and the
  // prediction is canceled when the answer comes, by the rule of `stopped` (never for the
  // default deadline, which only stops waiting).
  const late = (p: Prediction) => {
    if (cancel && callerStopped(d, timeoutMs) && !TERMINAL.has(p.status)) void cancel(p.id).catch(() => {});
  };
  let last: Prediction | undefined;
  try {
    // The window ends before the run's deadline (less the time its files took) and the
    // client's per-request one, so the prediction's id always comes back in time; with no
    // room, no window at all.
    const create = { ...options, wait: asked, signal: d.signal } as CreatePredictionOptions;
    last = await createBefore(replicate, ref, create, limitMs, late);
    const refresh = predictionRefresh(replicate);
    const done = await waitFor(last, refresh, { ...options, timeoutMs: Infinity, signal: d.signal });
    last = done; // what an error from here on carries
    if (done.status !== "succeeded") throw new PredictionError(done);
    if (options.raw) return done.output;
    // A registered shape is the generated types' promise: used unless `outputSchema: false`,
    // and with no request, as a generated file already holds what the schema says.
    const shape = options.outputSchema === false ? undefined : registeredOutput(ref);
    const info = shape
      ? { schema: shape, root: undefined }
      : options.outputSchema
        ? await abortable(outputSchemaOf(replicate, done), d.signal)
        : undefined;
    const download = downloader(send);
    return normalizeOutput(done.output, { download, schema: info?.schema, root: info?.root });
  } catch (error) {
    if (!d.signal?.aborted) throw withJob(error, last);
    throw await stopped({ what: "run", deadline: d, error, last, cancel, timeoutMs, limitMs });
  } finally {
    d.dispose();
  }
}

/**
 * Cancels a prediction after its caller stopped: with a short deadline of its own
 * ({@link CLEANUP_GRACE_MS}), since the caller's signal has already fired.
 */
export const cancelPrediction = (replicate: Replicate) => (id: string) =>
  replicate.predictions.cancel({ prediction_id: id }, { timeoutMs: CLEANUP_GRACE_MS });
