/**
 * `createFakeReplicate`: an in-memory Replicate for tests and demos. Its core is a
 * web-standard handler, `(Request) => Promise<Response>`, so it can be injected as the
 * client's `fetch` in any runtime, or served over HTTP (see `replicate-kit/testing/node`).
 */

import { createHandler } from "./handler.js";
import { newId, newVersionId } from "./http.js";
import { jobRoutes } from "./job-routes.js";
import type { ModelFunction } from "./jobs.js";
import { modelRoutes } from "./model-routes.js";
import type { Faults } from "./route-context.js";
import { resourceRoutes } from "./routes.js";
import { emptyState, type FakeState, type InputSchema, newVersion } from "./state.js";
import { createWebhookSender, type Delivery } from "./webhook-send.js";

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
  /** Sends webhook deliveries. @default `globalThis.fetch`, looked up per delivery */
  deliver?: (request: Request) => Promise<Response>;
}

/** How a model is registered. */
export interface FakeModelOptions {
  /** The version id. @default a random 64-hex id */
  version?: string;
  /** The input schema: inputs that do not match get the API's 422. */
  input?: InputSchema;
  /** The output schema, published in the version's `openapi_schema` as `Output`. */
  output?: unknown;
  description?: string;
  visibility?: "public" | "private";
  /** Makes the model a trainer: returns the trained model's behaviour (a function) or its fixed output. */
  train?: ModelFunction;
}

export interface FakeReplicate {
  /**
   * The handler: pass it as `createReplicate({ fetch: fake.fetch })`. It never rejects:
   * every request gets an answer, errors as problem+json (a 500 for the fake's own failures).
   */
  fetch: (request: Request) => Promise<Response>;
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
  const notify = createWebhookSender(
    secret,
    (r) => (options.deliver ?? globalThis.fetch)(r),
    options.webhookThrottleMs ?? 500,
    deliveries,
  );
  const handle = createHandler({
    routes: [...jobRoutes, ...modelRoutes, ...resourceRoutes],
    state,
    faults,
    settings,
    token: options.token,
    watch: (job) => {
      if (typeof job.record.webhook === "string") job.listeners.add((change) => notify(job, change));
    },
  });

  return {
    fetch: handle,
    model(ref, run, opts = {}) {
      const [owner = "", name = ""] = ref.split("/");
      const existing = state.models.get(ref);
      const version = newVersion(run, opts.input, opts.output, opts.version ?? newVersionId());
      const model = existing ?? {
        owner,
        name,
        description: opts.description ?? `${ref}, a fake model`,
        visibility: opts.visibility ?? "public",
        hardware: "cpu",
        run_count: 0,
        created_at: new Date().toISOString(),
        versions: [],
        readme: `# ${ref}\n\nA model of the fake Replicate.\n`,
      };
      model.versions.push(version);
      if (opts.train) model.train = opts.train;
      state.models.set(ref, model);
      return version.id;
    },
    deployment(ref, model) {
      const [owner = "", name = ""] = ref.split("/");
      const version = state.models.get(model)?.versions.at(-1)?.id ?? "";
      const created_at = new Date().toISOString();
      state.deployments.set(ref, {
        number: 1,
        owner,
        name,
        model,
        version,
        hardware: "cpu",
        min: 0,
        max: 1,
        created_at,
      });
    },
    collection(slug, name, models) {
      state.collections.push({ slug, name, description: `${name} (${newId().slice(0, 4)})`, models });
    },
    faults,
    deliveries,
    secret,
    state,
  };
}
