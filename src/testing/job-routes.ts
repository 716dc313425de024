/**
 * The fake's prediction and training routes: the three create routes with
 * `Prefer: wait` and `Cancel-After`, get, list, cancel, the stream, and trainings that
 * add a version to their destination model when they succeed.
 */
import { json, notFound, page, problem } from "./http.js";
import { cancelAfterMs, preferWaitMs } from "./job-headers.js";
import { cancelAfter, cancelJob, createJob, type Job, runJob, settled } from "./jobs.js";
import { bodyOf, type Route, type RouteContext } from "./route-context.js";
import { invalidFields, newVersion } from "./state.js";
import { serveStream } from "./stream-serve.js";

async function createPrediction(
  ctx: RouteContext,
  modelKey: string | undefined,
  deployment?: { ref: string; version: string },
): Promise<Response> {
  // The headers first: a request the schema refuses creates nothing.
  const waitMs = preferWaitMs(ctx.request.headers.get("prefer"));
  const deadlineMs = cancelAfterMs(ctx.request.headers.get("cancel-after"));
  const body = await bodyOf(ctx, { required: true });
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
  const invalid = invalidFields(version.inputSchema, input);
  if (invalid.length) {
    const detail = invalid.map((f) => `- ${f.field}: ${f.description}`).join("\n");
    return problem(422, "Input validation failed", detail, {
      invalid_fields: invalid.map((f) => ({ type: "invalid", ...f })),
    });
  }
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

/** Run a new job; with `waitMs` (`Prefer: wait`), answer once it is done or that time has passed. */
async function start(ctx: RouteContext, job: Job, run: Parameters<typeof runJob>[1], waitMs?: number) {
  ctx.state.jobs.set(job.record.id, job);
  ctx.watch(job);
  for (const listener of job.listeners) listener("start"); // Replicate's `start` webhook: at creation
  runJob(job, run, ctx.options.startDelayMs);
  if (waitMs !== undefined) await settled(job, waitMs);
  return json(job.record, 201);
}

function jobOf(ctx: RouteContext, kind: Job["kind"]): Job | undefined {
  const job = ctx.state.jobs.get(ctx.params[0] as string);
  return job?.kind === kind ? job : undefined;
}

async function createTraining(ctx: RouteContext): Promise<Response> {
  const [owner, name, versionId] = ctx.params as [string, string, string];
  const trainer = ctx.state.models.get(`${owner}/${name}`);
  if (!trainer?.train || !trainer.versions.some((v) => v.id === versionId))
    return notFound(`Trainer ${owner}/${name}:${versionId}`);
  const body = await bodyOf(ctx);
  const destination = ctx.state.models.get(String(body.destination));
  if (!destination) return problem(400, "Bad request", `Destination model ${String(body.destination)} does not exist`);
  const job = createJob("training", ctx.base, {
    model: `${owner}/${name}`,
    version: versionId,
    input: body.input ?? {},
    ...(typeof body.webhook === "string" && { webhook: body.webhook }),
    ...(Array.isArray(body.webhook_events_filter) && { webhook_events_filter: body.webhook_events_filter }),
  });
  const train = trainer.train;
  // The trainer's result is what the new version runs; the training's output names it.
  await start(ctx, job, async (input, context) => {
    const result = await train(input, context);
    const run = typeof result === "function" ? (result as typeof train) : () => result;
    const version = newVersion(run, destination.versions.at(-1)?.inputSchema);
    destination.versions.push(version);
    return {
      version: `${destination.owner}/${destination.name}:${version.id}`,
      weights: `${ctx.base}/files/weights-${version.id}`,
    };
  });
  return json(job.record, 201);
}

/** A list, newest first, filtered as `predictions.list` allows (source, created_after, created_before). */
function list(ctx: RouteContext, kind: Job["kind"]): Response {
  const q = ctx.url.searchParams;
  const after = q.get("created_after");
  const before = q.get("created_before");
  const records = [...ctx.state.jobs.values()]
    .filter((j) => j.kind === kind)
    .map((j) => j.record)
    .filter((r) => !q.get("source") || r.source === q.get("source"))
    .filter((r) => !after || Date.parse(r.created_at as string) > Date.parse(after))
    .filter((r) => !before || Date.parse(r.created_at as string) < Date.parse(before))
    .reverse();
  return page(records, ctx.url, ctx.options.pageSize);
}

export const jobRoutes: Route[] = [
  ["POST", /^\/predictions$/, (ctx) => createPrediction(ctx, undefined)],
  [
    "POST",
    /^\/models\/([^/]+)\/([^/]+)\/predictions$/,
    (ctx) => createPrediction(ctx, `${ctx.params[0]}/${ctx.params[1]}`),
  ],
  [
    "POST",
    /^\/deployments\/([^/]+)\/([^/]+)\/predictions$/,
    (ctx) => {
      const deployment = ctx.state.deployments.get(`${ctx.params[0]}/${ctx.params[1]}`);
      if (!deployment) return notFound(`Deployment ${ctx.params[0]}/${ctx.params[1]}`);
      const ref = `${deployment.owner}/${deployment.name}`;
      return createPrediction(ctx, deployment.model, { ref, version: deployment.version });
    },
  ],
  ["GET", /^\/predictions$/, (ctx) => list(ctx, "prediction")],
  [
    "GET",
    /^\/predictions\/([^/]+)$/,
    (ctx) => (jobOf(ctx, "prediction") ? json(jobOf(ctx, "prediction")?.record) : notFound("Prediction")),
  ],
  ["POST", /^\/predictions\/([^/]+)\/cancel$/, (ctx) => cancelRoute(ctx, "prediction")],
  ["GET", /^\/stream\/([^/]+)$/, (ctx) => streamRoute(ctx)],
  ["POST", /^\/models\/([^/]+)\/([^/]+)\/versions\/([^/]+)\/trainings$/, createTraining],
  ["GET", /^\/trainings$/, (ctx) => list(ctx, "training")],
  [
    "GET",
    /^\/trainings\/([^/]+)$/,
    (ctx) => (jobOf(ctx, "training") ? json(jobOf(ctx, "training")?.record) : notFound("Training")),
  ],
  ["POST", /^\/trainings\/([^/]+)\/cancel$/, (ctx) => cancelRoute(ctx, "training")],
];

function cancelRoute(ctx: RouteContext, kind: Job["kind"]): Response {
  const job = jobOf(ctx, kind);
  if (!job) return notFound(kind === "prediction" ? "Prediction" : "Training");
  cancelJob(job);
  return json(job.record);
}

function streamRoute(ctx: RouteContext): Response {
  const job = jobOf(ctx, "prediction");
  if (!job) return notFound("Stream");
  let drop: number | undefined;
  if (ctx.faults.dropStreams > 0) {
    ctx.faults.dropStreams--;
    drop = ctx.faults.dropAfterEvents;
  }
  return serveStream(job, ctx.request.headers.get("last-event-id"), drop);
}
