/**
 * The fake's account-level routes: account, hardware, the webhook secret, deployments
 * and files. Models are in `model-routes.ts`, predictions and trainings in `job-routes.ts`.
 */
import { json, newId, notFound, now, page, problem } from "./http.js";
import { bodyOf, type Route } from "./route-context.js";
import { type FakeState, fileJson } from "./state.js";

const HARDWARE = [
  { name: "CPU", sku: "cpu" },
  { name: "Nvidia T4 GPU", sku: "gpu-t4" },
  { name: "Nvidia A100 (80GB) GPU", sku: "gpu-a100-large" },
  { name: "Nvidia H100 GPU", sku: "gpu-h100" },
];

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
