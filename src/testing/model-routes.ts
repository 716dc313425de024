/**
 * The fake's model operations: models, versions, readme, examples, collections and search
 * (GET /search, and QUERY /models).
 */
import { json, notFound, now, problem } from "./http.js";
import { page, positionOf, stamp } from "./pages.js";
import { bodyOf, param, type RouteContext, type Routes, textOf } from "./route-context.js";
import { type FakeModel, modelJson, versionJson } from "./state.js";

const modelOf = (ctx: RouteContext) => ctx.state.models.get(`${param(ctx, "model_owner")}/${param(ctx, "model_name")}`);

export const modelRoutes: Routes = {
  "models.list":
    // Public models only, as the API documents for this list; by default the model with the
    // latest version first (`sort_by`, `sort_direction`, as the schema defaults them).
    (ctx) => {
      const models = [...ctx.state.models.values()].filter((m) => m.visibility === "public");
      const q = ctx.url.searchParams;
      const byModel = q.get("sort_by") === "model_created_at";
      const key = (m: FakeModel) => positionOf((!byModel && m.versions.at(-1)) || m);
      const descending = q.get("sort_direction") !== "asc";
      return page(models, ctx.url, ctx.options.pageSize, { key, descending, show: modelJson });
    },
  "models.search": async (ctx) => {
    const query = (await textOf(ctx)).toLowerCase();
    const found = [...ctx.state.models.values()].filter((m) =>
      `${m.owner}/${m.name} ${m.description}`.toLowerCase().includes(query),
    );
    return page(found, ctx.url, ctx.options.pageSize, { show: modelJson });
  },
  "models.create": async (ctx) => {
    const b = await bodyOf(ctx);
    const key = `${b.owner}/${b.name}`;
    if (typeof b.owner !== "string" || typeof b.name !== "string")
      return problem(400, "Bad request", "owner and name are required");
    if (ctx.state.models.has(key)) return problem(409, "Conflict", `${key} already exists`);
    const model = stamp({
      owner: b.owner,
      name: b.name,
      description: String(b.description ?? ""),
      visibility: b.visibility === "public" ? ("public" as const) : ("private" as const),
      hardware: String(b.hardware ?? "cpu"),
      run_count: 0,
      created_at: now(),
      versions: [],
      readme: "",
    });
    ctx.state.models.set(key, model);
    return json(modelJson(model), 201);
  },
  "models.get": (ctx) => (modelOf(ctx) ? json(modelJson(modelOf(ctx) as never)) : notFound("Model")),
  "models.update": async (ctx) => {
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
  "models.delete": (ctx) => {
    const model = modelOf(ctx);
    if (!model) return notFound("Model");
    // As the operation says: only models without versions can be deleted.
    if (model.versions.length > 0) return problem(409, "Conflict", "Delete the model's versions first");
    ctx.state.models.delete(`${model.owner}/${model.name}`);
    return new Response(null, { status: 204 });
  },
  "models.readme.get": (ctx) =>
    modelOf(ctx)
      ? new Response(modelOf(ctx)?.readme, { headers: { "content-type": "text/plain" } })
      : notFound("Model"),
  "models.examples.list": (ctx) => (modelOf(ctx) ? page([], ctx.url, ctx.options.pageSize) : notFound("Model")),
  "models.versions.list": (ctx) =>
    modelOf(ctx)
      ? page(modelOf(ctx)?.versions ?? [], ctx.url, ctx.options.pageSize, { descending: true, show: versionJson })
      : notFound("Model"),
  "models.versions.get": (ctx) => {
    const version = modelOf(ctx)?.versions.find((v) => v.id === param(ctx, "version_id"));
    return version ? json(versionJson(version)) : notFound("Version");
  },
  "models.versions.delete": (ctx) => {
    const model = modelOf(ctx);
    const at = model?.versions.findIndex((v) => v.id === param(ctx, "version_id")) ?? -1;
    if (!model || at < 0) return notFound("Version");
    model.versions.splice(at, 1);
    return new Response(null, { status: 202 });
  },
  "collections.list": (ctx) =>
    page(ctx.state.collections, ctx.url, ctx.options.pageSize, {
      show: ({ slug, name, description }) => ({ slug, name, description }),
    }),
  "collections.get": (ctx) => {
    const c = ctx.state.collections.find((x) => x.slug === param(ctx, "collection_slug"));
    if (!c) return notFound("Collection");
    const models = c.models.flatMap((key) =>
      ctx.state.models.has(key) ? [modelJson(ctx.state.models.get(key) as never)] : [],
    );
    return json({ slug: c.slug, name: c.name, description: c.description, models });
  },
  search: (ctx) => {
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
};
