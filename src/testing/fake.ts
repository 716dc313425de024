/**
 * `createFakeReplicate`: an in-memory Replicate for tests and demos. Its core is a
 * web-standard handler called as `fetch` is, so it can be injected as any client's `fetch`
 * in any runtime, or served over HTTP (see `replicate-kit/testing/node`). It shares no code
 * with replicate-kit's client, so that it can check it: see test/fake-independence.test.ts.
 */

import type { FakeFetch } from "./abortable.js";
import type { CogDocument } from "./cog-document.js";
import type { InputSchema } from "./cog-input.js";
import { createHandler } from "./handler.js";
import { newId, newVersionId } from "./http.js";
import { jobRoutes } from "./job-routes.js";
import { settled } from "./job-timing.js";
import { type ModelFunction, TERMINAL } from "./jobs.js";
import { modelRoutes } from "./model-routes.js";
import { stamp } from "./pages.js";
import type { Faults, Routes } from "./route-context.js";
import { resourceRoutes } from "./routes.js";
import { emptyState, type FakeModel, type FakeState, newVersion, versionSchema } from "./state.js";
import { createWebhookSender, type Delivery } from "./webhook-send.js";

/** The route of every operation, by operationId. */
export const FAKE_ROUTES: Routes = { ...jobRoutes, ...modelRoutes, ...resourceRoutes };

/** Options of {@link createFakeReplicate}. */
export interface FakeReplicateOptions {
  /** How long a prediction stays `starting` before its model runs. @default 10 */
  startDelayMs?: number;
  /** Items per page of every list. @default 10 */
  pageSize?: number;
  /** The webhook signing secret. @default a random `whsec_…` */
  secret?: string;
  /** The account's username. @default "fake" */
  username?: string;
  /** Require exactly this token. @default any bearer token */
  token?: string;
  /** At most one `output`/`logs` webhook per this interval, as Replicate does. @default 500 */
  webhookThrottleMs?: number;
  /** Sends webhook deliveries. @default `globalThis.fetch` (looked up per delivery), to loopback addresses only */
  deliver?: (request: Request) => Promise<Response>;
  /** Waits before each retry of a failed `completed` delivery, as Replicate retries it; `[]`: none. @default [50, 100, 200] */
  webhookRetryDelaysMs?: number[];
}

/** How a model is registered. */
export interface FakeModelOptions {
  /** The version id. @default a random 64-hex id */
  version?: string;
  /** The input schema: inputs that do not match get the API's 422. */
  input?: InputSchema;
  /** The output schema, published in the version's `openapi_schema` as `Output`. */
  output?: unknown;
  /**
   * Instead of `input` and `output`: the version's whole Cog OpenAPI document, served as
   * its `openapi_schema` as it is; inputs are checked against its `components.schemas.Input`.
   * Without it, the fake builds Cog's document around `input` and `output`.
   */
  openapi?: CogDocument;
  description?: string;
  visibility?: "public" | "private";
  /** Makes the model a trainer: returns the trained model's behaviour (a function) or its fixed output. */
  train?: ModelFunction;
}

export interface FakeReplicate {
  /**
   * The handler, called as `fetch` is: pass it as `createReplicate({ fetch: fake.fetch })`
   * (or to any client that takes a `fetch`). Every request gets an answer, errors as
   * problem+json (a 500 for the fake's own failures). As with a real `fetch`, it rejects
   * with the signal's reason when the request's signal aborts, and the body then errors.
   */
  fetch: FakeFetch;
  /** Register (or add a version to) a model; resolves to its version id. */
  model(ref: string, run: ModelFunction, options?: FakeModelOptions): string;
  /** A deployment `owner/name` serving `model` (`owner/name`). */
  deployment(ref: string, model: string): void;
  /** A collection of models. */
  collection(slug: string, name: string, models: string[]): void;
  /** Faults to inject: change them at any time. */
  faults: Faults;
  /** Every webhook delivery attempted, in order. */
  deliveries: Delivery[];
  /**
   * Resolves once the fake is quiet: every job settled and every webhook delivery answered
   * (or failed). A model that never returns keeps it waiting: cancel it first.
   *
   * @example
   * await fake.idle()
   * expect(fake.deliveries.every((d) => d.status === 204)).toBe(true)
   */
  idle(): Promise<void>;
  /** The webhook signing secret. */
  secret: string;
  /** Everything the fake holds. */
  state: FakeState;
}

function randomSecret(): string {
  return `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(24))))}`;
}

/**
 * Make a fake Replicate.
 *
 * @example
 * const fake = createFakeReplicate()
 * fake.model("acme/echo", (input) => `you said ${input.text}`)
 * const replicate = createReplicate({ auth: "test", fetch: fake.fetch })
 * await run(replicate, "acme/echo", { input: { text: "hi" } }) // "you said hi"
 */
export function createFakeReplicate(options: FakeReplicateOptions = {}): FakeReplicate {
  const state = emptyState();
  const secret = options.secret ?? randomSecret();
  const deliveries: Delivery[] = [];
  const faults: Faults = {
    statuses: [],
    maxInFlight: Number.POSITIVE_INFINITY,
    retryAfterSec: 1,
    latencyMs: 0,
    dropStreams: 0,
    dropAfterEvents: 1,
  };
  const settings = {
    startDelayMs: options.startDelayMs ?? 10,
    pageSize: options.pageSize ?? 10,
    secret,
    username: options.username ?? "fake",
  };
  const sender = createWebhookSender({
    secret,
    deliver: options.deliver,
    throttleMs: options.webhookThrottleMs ?? 500,
    retryDelaysMs: [...(options.webhookRetryDelaysMs ?? [50, 100, 200])],
    deliveries,
  });
  const handle = createHandler({
    routes: FAKE_ROUTES,
    state,
    faults,
    settings,
    token: options.token,
    watch: (job) => {
      if (typeof job.record.webhook === "string") job.listeners.add((change) => sender.notify(job, change));
    },
  });

  return {
    fetch: handle,
    model(ref, run, opts = {}) {
      if (opts.openapi && (opts.input || opts.output)) {
        throw new TypeError(`fake.model("${ref}"): give either openapi, or input and output, not both`);
      }
      const [owner = "", name = ""] = ref.split("/");
      const existing = state.models.get(ref);
      const schema = versionSchema({ ...opts, trainable: Boolean(opts.train ?? existing?.train) });
      const version = newVersion(run, schema, opts.version ?? newVersionId());
      const model =
        existing ??
        stamp<FakeModel>({
          owner,
          name,
          description: opts.description ?? `${ref}, a fake model`,
          visibility: opts.visibility ?? "public",
          hardware: "cpu",
          run_count: 0,
          created_at: new Date().toISOString(),
          versions: [],
          readme: `# ${ref}\n\nA model of the fake Replicate.\n`,
        });
      model.versions.push(version);
      if (opts.train) model.train = opts.train;
      state.models.set(ref, model);
      return version.id;
    },
    deployment(ref, model) {
      const [owner = "", name = ""] = ref.split("/");
      const version = state.models.get(model)?.versions.at(-1)?.id ?? "";
      const created_at = new Date().toISOString();
      state.deployments.set(
        ref,
        stamp({
          number: 1,
          owner,
          name,
          model,
          version,
          hardware: "cpu",
          min: 0,
          max: 1,
          created_at,
        }),
      );
    },
    collection(slug, name, models) {
      state.collections.push(stamp({ slug, name, description: `${name} (${newId().slice(0, 4)})`, models }));
    },
    faults,
    deliveries,
    async idle() {
      // Settling a job sends its `completed` delivery: look again until nothing is left.
      for (;;) {
        const running = [...state.jobs.values()].filter((job) => !TERMINAL.has(job.record.status));
        const waits = [...running.map((job) => settled(job)), ...sender.busy()];
        if (waits.length === 0) return;
        await Promise.all(waits);
      }
    },
    secret,
    state,
  };
}
