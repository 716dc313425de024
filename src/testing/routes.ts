/**
 * The fake's account-level operations: account, hardware, the webhook secret, deployments
 * and files. Models are in `model-routes.ts`, predictions and trainings in `job-routes.ts`.
 */
import { json, newId, notFound, now, problem } from "./http.js";
import { md5Hex } from "./md5.js";
import { page, stamp } from "./pages.js";
import { bodyOf, param, type RouteContext, type Routes } from "./route-context.js";
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

const deploymentKey = (ctx: RouteContext) => `${param(ctx, "deployment_owner")}/${param(ctx, "deployment_name")}`;

/**
 * A multipart field as text. Clients send `metadata` either as a text field or as a part
 * with `Content-Type: application/json` (OpenAPI's encoding of an object property, and
 * what the official client sends), which FormData reads as a File.
 */
async function fieldText(value: FormDataEntryValue | null | undefined): Promise<string | undefined> {
  if (value === null || value === undefined) return undefined;
  return typeof value === "string" ? value : await value.text();
}

const hex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

export const resourceRoutes: Routes = {
  "account.get": (ctx) => json({ type: "organization", username: ctx.options.username, name: "Fake Replicate" }),
  "hardware.list": () => json(HARDWARE),
  "webhooks.default.secret.get": (ctx) => json({ key: ctx.options.secret }),
  "deployments.list": (ctx) =>
    // Most recent first, as the operation documents.
    page(ctx.state.deployments.values(), ctx.url, ctx.options.pageSize, { descending: true, show: deploymentJson }),
  "deployments.create": async (ctx) => {
    const b = await bodyOf(ctx);
    const owner = ctx.options.username;
    const d = stamp({
      number: 1,
      owner,
      name: String(b.name),
      model: String(b.model),
      version: String(b.version),
      hardware: String(b.hardware),
      min: Number(b.min_instances ?? 0),
      max: Number(b.max_instances ?? 1),
      created_at: now(),
    });
    if (!ctx.state.models.has(d.model)) return problem(400, "Bad request", `Model ${d.model} does not exist`);
    ctx.state.deployments.set(`${owner}/${d.name}`, d);
    return json(deploymentJson(d));
  },
  "deployments.get": (ctx) => {
    const d = ctx.state.deployments.get(deploymentKey(ctx));
    return d ? json(deploymentJson(d)) : notFound("Deployment");
  },
  "deployments.update": async (ctx) => {
    const d = ctx.state.deployments.get(deploymentKey(ctx));
    if (!d) return notFound("Deployment");
    const b = await bodyOf(ctx);
    if (typeof b.version === "string") d.version = b.version;
    if (typeof b.hardware === "string") d.hardware = b.hardware;
    if (typeof b.min_instances === "number") d.min = b.min_instances;
    if (typeof b.max_instances === "number") d.max = b.max_instances;
    d.number++; // every update is a new release
    return json(deploymentJson(d));
  },
  "deployments.delete": (ctx) =>
    ctx.state.deployments.delete(deploymentKey(ctx)) ? new Response(null, { status: 204 }) : notFound("Deployment"),
  "files.list": (ctx) =>
    page(ctx.state.files.values(), ctx.url, ctx.options.pageSize, {
      descending: true, // most recent first, as the operation documents
      show: (f) => fileJson(f, ctx.base),
    }),
  "files.create": async (ctx) => {
    const form = await ctx.request.formData().catch(() => undefined);
    const content = form?.get("content");
    if (!(content instanceof Blob)) return problem(400, "Bad request", "content must be a file");
    const type = (await fieldText(form?.get("type"))) ?? (content.type || "application/octet-stream");
    const metadata = await fieldText(form?.get("metadata"));
    let parsed: Record<string, unknown> = {};
    try {
      if (metadata !== undefined) parsed = JSON.parse(metadata) as Record<string, unknown>;
    } catch {
      return problem(400, "Bad request", "metadata must be JSON");
    }
    const bytes = await content.arrayBuffer();
    const file = stamp({
      id: newId(),
      name: (await fieldText(form?.get("filename"))) ?? ((content as File).name || "file"),
      content: new Blob([bytes], { type }),
      metadata: parsed,
      sha256: hex(await crypto.subtle.digest("SHA-256", bytes)),
      md5: md5Hex(new Uint8Array(bytes)),
      created_at: now(),
    });
    ctx.state.files.set(file.id, file);
    return json(fileJson(file, ctx.base), 201);
  },
  "files.get": (ctx) => {
    const f = ctx.state.files.get(param(ctx, "file_id"));
    return f ? json(fileJson(f, ctx.base)) : notFound("File");
  },
  "files.delete": (ctx) =>
    ctx.state.files.delete(param(ctx, "file_id")) ? new Response(null, { status: 204 }) : notFound("File"),
  "files.download": (ctx) => {
    const f = ctx.state.files.get(param(ctx, "file_id"));
    return f ? new Response(f.content, { headers: { "content-type": "application/octet-stream" } }) : notFound("File");
  },
};
