/**
 * The fake's routes for everything but predictions and trainings: models and versions,
 * files, deployments, collections, hardware, account, search and the webhook secret.
 */
import { json, newId, notFound, now, page, problem } from "./http.js";
import type { Job } from "./jobs.js";
import { type FakeState, fileJson, modelJson, versionJson } from "./state.js";

/** Faults the fake injects on request; see `FakeReplicate.faults`. */
export interface Faults {
  /** Answer the next requests with these statuses, one each (e.g. `[503, 503]`). */
  statuses: number[];
  /** At most this many requests in flight; past it, 429 with `Retry-After: retryAfterSec`. */
  maxInFlight: number;
  retryAfterSec: number;
  /** Extra delay before every answer. */
  latencyMs: number;
  /** The next this-many stream connections drop after `dropAfterEvents` events. */
  dropStreams: number;
  dropAfterEvents: number;
}

export interface RouteContext {
  request: Request;
  url: URL;
  /** The API's base URL as the caller reached it, e.g. `http://127.0.0.1:4010/v1`. */
  base: string;
  params: string[];
  state: FakeState;
  faults: Faults;
  options: { startDelayMs: number; pageSize: number; secret: string; username: string };
  /** Follow a new job's changes (webhooks). */
  watch: (job: Job) => void;
}

export type Route = [method: string, path: RegExp, handle: (ctx: RouteContext) => Response | Promise<Response>];

const HARDWARE = [
  { name: "CPU", sku: "cpu" },
  { name: "Nvidia T4 GPU", sku: "gpu-t4" },
  { name: "Nvidia A100 (80GB) GPU", sku: "gpu-a100-large" },
  { name: "Nvidia H100 GPU", sku: "gpu-h100" },
];

const modelOf = (ctx: RouteContext) => ctx.state.models.get(`${ctx.params[0]}/${ctx.params[1]}`);

function deploymentJson(d: FakeState["deployments"] extends Map<string, infer D> ? D : never) {
  return {
    owner: d.owner,
    name: d.name,
    current_release: {
      number: d.number,
      model: d.model,
      version: d.version,
      created_at: d.created_at,
      created_by: { type: "organization", username: d.owner },
      configuration: { hardware: d.hardware, min_instances: d.min, max_instances: d.max },
    },
  };
}

async function bodyOf(ctx: RouteContext): Promise<Record<string, unknown>> {
  return ((await ctx.request.json().catch(() => ({}))) ?? {}) as Record<string, unknown>;
}

export const resourceRoutes: Route[] = [
  [
    "GET",
    /^\/account$/,
    (ctx) => json({ type: "organization", username: ctx.options.username, name: "Fake Replicate" }),
  ],
  ["GET", /^\/hardware$/, () => json(HARDWARE)],
  ["GET", /^\/webhooks\/default\/secret$/, (ctx) => json({ key: ctx.options.secret })],
  [
    "GET",
    /^\/models$/,
    // Public models only, as the API documents for this list.
    (ctx) => {
      const models = [...ctx.state.models.values()].filter((m) => m.visibility === "public");
      return page(models.map(modelJson), ctx.url, ctx.options.pageSize);
    },
  ],
  [
    "QUERY",
    /^\/models$/,
    async (ctx) => {
      const query = (await ctx.request.text()).toLowerCase();
      const found = [...ctx.state.models.values()].filter((m) =>
        `${m.owner}/${m.name} ${m.description}`.toLowerCase().includes(query),
      );
      return page(found.map(modelJson), ctx.url, ctx.options.pageSize);
    },
  ],
  [
    "POST",
    /^\/models$/,
    async (ctx) => {
      const b = await bodyOf(ctx);
      const key = `${b.owner}/${b.name}`;
      if (typeof b.owner !== "string" || typeof b.name !== "string")
        return problem(400, "Bad request", "owner and name are required");
      if (ctx.state.models.has(key)) return problem(409, "Conflict", `${key} already exists`);
      const model = {
        owner: b.owner,
        name: b.name,
        description: String(b.description ?? ""),
        visibility: b.visibility === "public" ? ("public" as const) : ("private" as const),
        hardware: String(b.hardware ?? "cpu"),
        run_count: 0,
        created_at: now(),
        versions: [],
        readme: "",
      };
      ctx.state.models.set(key, model);
      return json(modelJson(model), 201);
    },
  ],
  [
    "GET",
    /^\/models\/([^/]+)\/([^/]+)$/,
    (ctx) => (modelOf(ctx) ? json(modelJson(modelOf(ctx) as never)) : notFound("Model")),
  ],
  [
    "PATCH",
    /^\/models\/([^/]+)\/([^/]+)$/,
    async (ctx) => {
      const model = modelOf(ctx);
      if (!model) return notFound("Model");
      const b = await bodyOf(ctx);
      if (typeof b.description === "string") model.description = b.description;
      if (typeof b.readme === "string") model.readme = b.readme;
      for (const link of ["github_url", "paper_url", "license_url", "weights_url", "cover_image_url"]) {
        if (typeof b[link] === "string") model.links = { ...model.links, [link]: b[link] as string };
      }
      return json(modelJson(model));
    },
  ],
  [
    "DELETE",
    /^\/models\/([^/]+)\/([^/]+)$/,
    (ctx) => {
      const model = modelOf(ctx);
      if (!model) return notFound("Model");
      // As the operation says: only models without versions can be deleted.
      if (model.versions.length > 0) return problem(409, "Conflict", "Delete the model's versions first");
      ctx.state.models.delete(`${model.owner}/${model.name}`);
      return new Response(null, { status: 204 });
    },
  ],
  [
    "GET",
    /^\/models\/([^/]+)\/([^/]+)\/readme$/,
    (ctx) =>
      modelOf(ctx)
        ? new Response(modelOf(ctx)?.readme, { headers: { "content-type": "text/plain" } })
        : notFound("Model"),
  ],
  [
    "GET",
    /^\/models\/([^/]+)\/([^/]+)\/examples$/,
    (ctx) => (modelOf(ctx) ? page([], ctx.url, ctx.options.pageSize) : notFound("Model")),
  ],
  [
    "GET",
    /^\/models\/([^/]+)\/([^/]+)\/versions$/,
    (ctx) =>
      modelOf(ctx)
        ? page([...(modelOf(ctx)?.versions ?? [])].reverse().map(versionJson), ctx.url, ctx.options.pageSize)
        : notFound("Model"),
  ],
  [
    "GET",
    /^\/models\/([^/]+)\/([^/]+)\/versions\/([^/]+)$/,
    (ctx) => {
      const version = modelOf(ctx)?.versions.find((v) => v.id === ctx.params[2]);
      return version ? json(versionJson(version)) : notFound("Version");
    },
  ],
  [
    "DELETE",
    /^\/models\/([^/]+)\/([^/]+)\/versions\/([^/]+)$/,
    (ctx) => {
      const model = modelOf(ctx);
      const at = model?.versions.findIndex((v) => v.id === ctx.params[2]) ?? -1;
      if (!model || at < 0) return notFound("Version");
      model.versions.splice(at, 1);
      return new Response(null, { status: 202 });
    },
  ],
  [
    "GET",
    /^\/collections$/,
    (ctx) =>
      page(
        ctx.state.collections.map(({ slug, name, description }) => ({ slug, name, description })),
        ctx.url,
        ctx.options.pageSize,
      ),
  ],
  [
    "GET",
    /^\/collections\/([^/]+)$/,
    (ctx) => {
      const c = ctx.state.collections.find((x) => x.slug === ctx.params[0]);
      if (!c) return notFound("Collection");
      const models = c.models.flatMap((key) =>
        ctx.state.models.has(key) ? [modelJson(ctx.state.models.get(key) as never)] : [],
      );
      return json({ slug: c.slug, name: c.name, description: c.description, models });
    },
  ],
  [
    "GET",
    /^\/search$/,
    (ctx) => {
      const query = ctx.url.searchParams.get("query") ?? "";
      // The schema declares application/json (not problem+json) for this operation's 400.
      if (!query) return json({ status: 400, title: "Bad request", detail: "query is required" }, 400);
      const limit = Number(ctx.url.searchParams.get("limit") ?? 20);
      const models = [...ctx.state.models.values()]
        .filter((m) => `${m.owner}/${m.name} ${m.description}`.toLowerCase().includes(query.toLowerCase()))
        .slice(0, limit)
        .map((m) => ({ model: modelJson(m), metadata: { score: 1, tags: [] } }));
      return json({ query, models, collections: [], pages: [] });
    },
  ],
  [
    "GET",
    /^\/deployments$/,
    (ctx) => page([...ctx.state.deployments.values()].map(deploymentJson), ctx.url, ctx.options.pageSize),
  ],
  [
    "POST",
    /^\/deployments$/,
    async (ctx) => {
      const b = await bodyOf(ctx);
      const owner = ctx.options.username;
      const d = {
        number: 1,
        owner,
        name: String(b.name),
        model: String(b.model),
        version: String(b.version),
        hardware: String(b.hardware),
        min: Number(b.min_instances ?? 0),
        max: Number(b.max_instances ?? 1),
        created_at: now(),
      };
      if (!ctx.state.models.has(d.model)) return problem(400, "Bad request", `Model ${d.model} does not exist`);
      ctx.state.deployments.set(`${owner}/${d.name}`, d);
      return json(deploymentJson(d));
    },
  ],
  [
    "GET",
    /^\/deployments\/([^/]+)\/([^/]+)$/,
    (ctx) => {
      const d = ctx.state.deployments.get(`${ctx.params[0]}/${ctx.params[1]}`);
      return d ? json(deploymentJson(d)) : notFound("Deployment");
    },
  ],
  [
    "PATCH",
    /^\/deployments\/([^/]+)\/([^/]+)$/,
    async (ctx) => {
      const d = ctx.state.deployments.get(`${ctx.params[0]}/${ctx.params[1]}`);
      if (!d) return notFound("Deployment");
      const b = await bodyOf(ctx);
      if (typeof b.version === "string") d.version = b.version;
      if (typeof b.hardware === "string") d.hardware = b.hardware;
      if (typeof b.min_instances === "number") d.min = b.min_instances;
      if (typeof b.max_instances === "number") d.max = b.max_instances;
      d.number++; // every update is a new release
      return json(deploymentJson(d));
    },
  ],
  [
    "DELETE",
    /^\/deployments\/([^/]+)\/([^/]+)$/,
    (ctx) =>
      ctx.state.deployments.delete(`${ctx.params[0]}/${ctx.params[1]}`)
        ? new Response(null, { status: 204 })
        : notFound("Deployment"),
  ],
  [
    "GET",
    /^\/files$/,
    (ctx) =>
      page(
        [...ctx.state.files.values()].reverse().map((f) => fileJson(f, ctx.base)),
        ctx.url,
        ctx.options.pageSize,
      ),
  ],
  [
    "POST",
    /^\/files$/,
    async (ctx) => {
      const form = await ctx.request.formData().catch(() => undefined);
      const content = form?.get("content");
      if (!(content instanceof Blob)) return problem(400, "Bad request", "content must be a file");
      const type = String(form?.get("type") ?? (content.type || "application/octet-stream"));
      const metadata = form?.get("metadata");
      let parsed: Record<string, unknown> = {};
      try {
        if (typeof metadata === "string") parsed = JSON.parse(metadata) as Record<string, unknown>;
      } catch {
        return problem(400, "Bad request", "metadata must be JSON");
      }
      const bytes = await content.arrayBuffer();
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
      const file = {
        id: newId(),
        name: String(form?.get("filename") ?? (content as File).name ?? "file"),
        content: new Blob([bytes], { type }),
        metadata: parsed,
        sha256: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
        created_at: now(),
      };
      ctx.state.files.set(file.id, file);
      return json(fileJson(file, ctx.base), 201);
    },
  ],
  [
    "GET",
    /^\/files\/([^/]+)$/,
    (ctx) => {
      const f = ctx.state.files.get(ctx.params[0] as string);
      return f ? json(fileJson(f, ctx.base)) : notFound("File");
    },
  ],
  [
    "DELETE",
    /^\/files\/([^/]+)$/,
    (ctx) => (ctx.state.files.delete(ctx.params[0] as string) ? new Response(null, { status: 204 }) : notFound("File")),
  ],
  [
    "GET",
    /^\/files\/([^/]+)\/download$/,
    (ctx) => {
      const f = ctx.state.files.get(ctx.params[0] as string);
      return f
        ? new Response(f.content, { headers: { "content-type": "application/octet-stream" } })
        : notFound("File");
    },
  ],
];
