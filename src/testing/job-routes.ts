/**
 * The fake's prediction and training operations: the three create operations with
 * `Prefer: wait` and `Cancel-After`, get, list, cancel, and trainings that add a version
 * to their destination model when they succeed. (The stream is in `open-routes.ts`.)
 */

import { type InputSchema, type InvalidField, invalidFields } from "./cog-input.js";
import { json, notFound, problem } from "./http.js";
import { cancelAfterMs, preferWaitMs } from "./job-headers.js";
import { cancelAfter, settled } from "./job-timing.js";
import { cancelJob, createJob, type Job, runJob } from "./jobs.js";
import { page } from "./pages.js";
import { bodyOf, param, type RouteContext, type Routes } from "./route-context.js";
import { newVersion, versionSchema } from "./state.js";

/**
 * The fields every create request shares, as the schema's request bodies type them (a
 * prediction's and a training's alike): what does not match creates nothing.
 */
const JOB_REQUEST: InputSchema = {
  type: "object",
  properties: {
    input: { type: "object" },
    webhook: { type: "string" },
    webhook_events_filter: { type: "array", items: { type: "string", enum: ["start", "output", "logs", "completed"] } },
  },
};

/** The API's 422 for what a create got wrong. */
function invalid(fields: InvalidField[]): Response {
  const detail = fields.map((f) => `- ${f.field}: ${f.description}`).join("\n");
  return problem(422, "Input validation failed", detail, {
    invalid_fields: fields.map((f) => ({ type: "invalid", ...f })),
  });
}

async function createPrediction(
  ctx: RouteContext,
  modelKey: string | undefined,
  deployment?: { ref: string; version: string },
): Promise<Response> {
  // The headers first: a request the schema refuses creates nothing.
  const waitMs = preferWaitMs(ctx.request.headers.get("prefer"));
  const deadlineMs = cancelAfterMs(ctx.request.headers.get("cancel-after"));
  const body = await bodyOf(ctx, { required: true });
  const malformed = invalidFields(JOB_REQUEST, body, undefined, "");
  if (malformed.length) return invalid(malformed);
  let key = modelKey;
  let versionId = deployment?.version; // a deployment runs its own release's version
  if (!key) {
    // `version` may be "owner/name" (an official model), "owner/name:<id>" or "<id>".
    const given = String(body.version ?? "");
    if (given.includes("/") && !given.includes(":")) key = given;
    else {
      versionId = given.split(":").at(-1);
      const owning = [...ctx.state.models.values()].find((m) => m.versions.some((v) => v.id === versionId));
      key = owning && `${owning.owner}/${owning.name}`;
    }
  }
  const model = key ? ctx.state.models.get(key) : undefined;
  const version = model && (versionId ? model.versions.find((v) => v.id === versionId) : model.versions.at(-1));
  if (!model || !version) return problem(404, "Not found", `No model or version for ${key ?? String(body.version)}`);
  const input = (body.input ?? {}) as Record<string, unknown>;
  const wrong = invalidFields(version.inputSchema, input, version.openapi_schema);
  if (wrong.length) return invalid(wrong);
  const job = createJob("prediction", ctx.base, {
    model: `${model.owner}/${model.name}`,
    version: version.id,
    input,
    data_removed: false,
    ...(deployment && { deployment: deployment.ref }),
    ...(typeof body.webhook === "string" && { webhook: body.webhook }),
    ...(Array.isArray(body.webhook_events_filter) && { webhook_events_filter: body.webhook_events_filter }),
  });
  model.run_count++;
  if (deadlineMs !== undefined) {
    // Measured from the creation, as the API documents: exactly `created_at` plus the duration.
    job.record.deadline = new Date(Date.parse(job.record.created_at as string) + deadlineMs).toISOString();
    cancelAfter(job, deadlineMs);
  }
  return start(ctx, job, version.run, waitMs);
}

/**
 * Run a new job and answer 201; with `waitMs` (`Prefer: wait`), once it is done, that time
 * has passed, or the client has gone. Replicate's create answer says `logs: ""` where
 * later reads of a job that has logged nothing say `null`: so does the fake's.
 */
async function start(ctx: RouteContext, job: Job, run: Parameters<typeof runJob>[1], waitMs?: number) {
  ctx.state.jobs.set(job.record.id, job);
  ctx.watch(job);
  for (const listener of job.listeners) listener("start"); // Replicate's `start` webhook: at creation
  runJob(job, run, ctx.options.startDelayMs);
  if (waitMs !== undefined) await settled(job, waitMs, ctx.request.signal);
  return json({ ...job.record, logs: job.record.logs ?? "" }, 201);
}

function jobOf(ctx: RouteContext, kind: Job["kind"]): Job | undefined {
  const job = ctx.state.jobs.get(param(ctx, kind === "prediction" ? "prediction_id" : "training_id"));
  return job?.kind === kind ? job : undefined;
}

async function createTraining(ctx: RouteContext): Promise<Response> {
  const [owner, name, versionId] = ["model_owner", "model_name", "version_id"].map((p) => param(ctx, p));
  const trainer = ctx.state.models.get(`${owner}/${name}`);
  if (!trainer?.train || !trainer.versions.some((v) => v.id === versionId))
    return notFound(`Trainer ${owner}/${name}:${versionId}`);
  const body = await bodyOf(ctx);
  const malformed = invalidFields(JOB_REQUEST, body, undefined, "");
  if (malformed.length) return invalid(malformed);
  const destination = ctx.state.models.get(String(body.destination));
  // Replicate's answer, word for word.
  if (!destination) return problem(404, "Not found", "The specified training destination does not exist");
  const job = createJob("training", ctx.base, {
    model: `${owner}/${name}`,
    version: versionId,
    input: body.input ?? {},
    ...(typeof body.webhook === "string" && { webhook: body.webhook }),
    ...(Array.isArray(body.webhook_events_filter) && { webhook_events_filter: body.webhook_events_filter }),
  });
  const train = trainer.train;
  // The trainer's result is what the new version runs; the training's output names it.
  return start(ctx, job, async (input, context) => {
    const result = await train(input, context);
    const run = typeof result === "function" ? (result as typeof train) : () => result;
    // The trained version takes what the destination's versions took.
    const latest = destination.versions.at(-1);
    const schema = latest ? { document: latest.openapi_schema, input: latest.inputSchema } : versionSchema({});
    const version = newVersion(run, schema);
    destination.versions.push(version);
    return {
      version: `${destination.owner}/${destination.name}:${version.id}`,
      weights: `${ctx.base}/files/weights-${version.id}`,
    };
  });
}

/** A list, newest first, filtered as `predictions.list` allows (source, created_after, created_before). */
function list(ctx: RouteContext, kind: Job["kind"]): Response {
  const q = ctx.url.searchParams;
  const after = q.get("created_after");
  const before = q.get("created_before");
  const jobs = [...ctx.state.jobs.values()].filter(({ kind: k, record: r }) => {
    if (k !== kind || (q.get("source") && r.source !== q.get("source"))) return false;
    const created = Date.parse(r.created_at as string);
    return (!after || created > Date.parse(after)) && (!before || created < Date.parse(before));
  });
  return page(jobs, ctx.url, ctx.options.pageSize, { descending: true, show: (job) => job.record });
}

function cancelRoute(ctx: RouteContext, kind: Job["kind"]): Response {
  const job = jobOf(ctx, kind);
  if (!job) return notFound(kind === "prediction" ? "Prediction" : "Training");
  cancelJob(job);
  return json(job.record);
}

function getRoute(ctx: RouteContext, kind: Job["kind"]): Response {
  const job = jobOf(ctx, kind);
  return job ? json(job.record) : notFound(kind === "prediction" ? "Prediction" : "Training");
}

export const jobRoutes: Routes = {
  "predictions.create": (ctx) => createPrediction(ctx, undefined),
  "models.predictions.create": (ctx) =>
    createPrediction(ctx, `${param(ctx, "model_owner")}/${param(ctx, "model_name")}`),
  "deployments.predictions.create": (ctx) => {
    const ref = `${param(ctx, "deployment_owner")}/${param(ctx, "deployment_name")}`;
    const deployment = ctx.state.deployments.get(ref);
    if (!deployment) return notFound(`Deployment ${ref}`);
    return createPrediction(ctx, deployment.model, { ref, version: deployment.version });
  },
  "predictions.list": (ctx) => list(ctx, "prediction"),
  "predictions.get": (ctx) => getRoute(ctx, "prediction"),
  "predictions.cancel": (ctx) => cancelRoute(ctx, "prediction"),
  "trainings.create": createTraining,
  "trainings.list": (ctx) => list(ctx, "training"),
  "trainings.get": (ctx) => getRoute(ctx, "training"),
  "trainings.cancel": (ctx) => cancelRoute(ctx, "training"),
};
