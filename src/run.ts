/**
 * `run`, `wait` and `createPrediction` bound to one client: create with a sync window,
 * keep polling whatever state the window ends in, stop billing on abort or timeout, and
 * hand back a usable output.
 */
import { type CreatePredictionOptions, createPrediction } from "./create.js";
import { AbortError, type JobSnapshot, PredictionError, ReplicateError, TimeoutError } from "./errors.js";
import type { Upload } from "./file-inputs.js";
import { type Download, transportDownload } from "./file-output.js";
import { perClient } from "./internals.js";
import type { Operations } from "./operations.js";
import { normalizeOutput, type OutputSchema } from "./output.js";
import type { ModelRef } from "./refs.js";
import { abortable, type Deadline, deadline } from "./signals.js";
import type { Send } from "./transport.js";
import type { Prediction } from "./types.js";
import { TERMINAL, type WaitOptions, waitFor } from "./wait.js";

/** Options of `run`. */
export interface RunOptions extends Omit<CreatePredictionOptions, "signal" | "wait">, WaitOptions<Prediction> {
  /**
   * The sync window in seconds (`Prefer: wait`), shortened to fit `timeoutMs`.
   * @default 60, the most the API allows
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
   * Normalise by the model version's output schema (fetched once per version and
   * cached): token iterators are joined into one string, and only `format: uri` values
   * become files. Without it, every https/data URL string becomes a FileOutput.
   * @default false
   */
  outputSchema?: boolean;
}

interface SchemaInfo {
  schema: OutputSchema;
  root: unknown;
}

export function createRunner(ops: Operations, send: Send) {
  const download: Download = transportDownload(send);
  const schemas = new Map<string, Promise<SchemaInfo | undefined>>();
  const upload: Upload = async (content, filename, signal) => {
    const body = { content, filename, type: content.type || "application/octet-stream" };
    const file = await ops.files.create({ body }, signal ? { signal } : {});
    if (!file.urls?.get) throw new ReplicateError(`The Files API returned no URL for ${file.id}`);
    return file.urls.get;
  };
  const refresh = (id: string, signal: AbortSignal) => ops.predictions.get({ prediction_id: id }, { signal });
  // Cancel with a deadline of its own: the caller's signal has already fired.
  const cancelPrediction = (id: string) => ops.predictions.cancel({ prediction_id: id }, { timeoutMs: 10_000 });

  /**
   * The version's output schema, fetched once per version and shared by every run of it;
   * undefined when it cannot be had. The lookup is nobody's in particular, so no one
   * caller's signal can cancel it: each caller waits on it with its own signal instead.
   */
  function outputSchemaOf(prediction: Prediction): Promise<SchemaInfo | undefined> {
    const [owner, name] = (prediction.model ?? "").split("/");
    const version = prediction.version;
    if (!owner || !name || !version || !/^[0-9a-f]{64}$/.test(version)) return Promise.resolve(undefined);
    let info = schemas.get(version);
    if (!info) {
      info = ops.models.versions.get({ model_owner: owner, model_name: name, version_id: version }).then(
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
   * The rejection for a job its caller or deadline stopped. The prediction is canceled on
   * Replicate first, when asked and still running, so billing stops; the error carries
   * it, as last seen, so nothing is lost.
   */
  async function stopped(
    what: string,
    d: Deadline,
    error: unknown,
    last: JobSnapshot | undefined,
    cancel: ((id: string) => Promise<JobSnapshot>) | false,
    options: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined },
  ): Promise<unknown> {
    let latest = (error as { prediction?: JobSnapshot }).prediction ?? last;
    if (latest && cancel && !TERMINAL.has(latest.status)) {
      latest = await cancel(latest.id).catch(() => latest);
    }
    const noun = what === "train" ? "training" : "prediction";
    const which = latest ? `${noun} ${latest.id}` : `the ${noun} (not created yet)`;
    if (d.expired()) {
      return new TimeoutError(
        `${what} timed out after ${options.timeoutMs} ms; ${which}`,
        options.timeoutMs ?? 0,
        latest,
      );
    }
    return new AbortError(`${what} aborted; ${which}`, latest, { cause: options.signal?.reason });
  }

  /**
   * Run a model and resolve to its output. The output's shape depends on the model:
   * name it with the type parameter.
   *
   * @example
   * const [image] = await run<FileOutput[]>(replicate, "black-forest-labs/flux-schnell", { input: { prompt: "a fox" } })
   */
  async function run<Output = unknown>(ref: ModelRef, options: RunOptions): Promise<Output> {
    const { timeoutMs, signal } = options;
    const d = deadline(signal, timeoutMs);
    // The sync window must end before the deadline, so the prediction's id comes back in time.
    const windowSec = Math.min(options.wait ?? 60, timeoutMs === undefined ? 60 : Math.floor(timeoutMs / 1000) - 1);
    let last: JobSnapshot | undefined;
    try {
      last = await createPrediction(ops, upload, ref, { ...options, wait: Math.max(1, windowSec), signal: d.signal });
      const done = await waitFor(last as Prediction, refresh, { ...options, timeoutMs: undefined, signal: d.signal });
      if (done.status !== "succeeded") throw new PredictionError(done);
      if (options.raw) return done.output as Output;
      const info = options.outputSchema ? await abortable(outputSchemaOf(done), d.signal) : undefined;
      return normalizeOutput(done.output, { download, schema: info?.schema, root: info?.root }) as Output;
    } catch (error) {
      if (!d.signal?.aborted) throw error;
      throw await stopped("run", d, error, last, options.cancelOnAbort !== false && cancelPrediction, options);
    } finally {
      d.dispose();
    }
  }

  /**
   * Wait for a prediction to finish, by object or id.
   *
   * @example
   * const done = await wait(replicate, prediction.id, { timeoutMs: 60_000 })
   */
  function wait(prediction: Prediction | string, options: WaitOptions<Prediction> = {}): Promise<Prediction> {
    return waitFor(prediction, refresh, options);
  }

  /**
   * Create a prediction from a model reference, without waiting past the sync window.
   *
   * @example
   * const p = await createPrediction(replicate, { deployment: "acme/sdxl" }, { input: { prompt: "a fox" } })
   */
  function create(ref: ModelRef, options: CreatePredictionOptions): Promise<Prediction> {
    return createPrediction(ops, upload, ref, options);
  }

  return { run, wait, createPrediction: create, download, refresh, stopped, upload, cancelPrediction };
}

/** The runner of a client, made on its first use by `run`, `stream` or `train`. */
export const runnerOf = /* @__PURE__ */ perClient((client, { send }) => createRunner(client, send));
