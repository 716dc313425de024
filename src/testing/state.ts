/**
 * What the fake remembers, and the shapes it answers with. Kept apart from the routes so
 * tests and the demo can read the state directly.
 */
import { newVersionId, now } from "./http.js";
import type { Job, ModelFunction } from "./jobs.js";

/** A JSON Schema, as much of it as the fake checks inputs against. */
export interface InputSchema {
  type?: string;
  properties?: Record<string, InputSchema>;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  items?: InputSchema;
  [key: string]: unknown;
}

export interface FakeVersion {
  id: string;
  created_at: string;
  cog_version: string;
  openapi_schema: Record<string, unknown>;
  /** What runs for this version. */
  run: ModelFunction;
  inputSchema?: InputSchema | undefined;
}

export interface FakeModel {
  owner: string;
  name: string;
  description: string;
  visibility: "public" | "private";
  hardware: string;
  run_count: number;
  created_at: string;
  versions: FakeVersion[];
  /** Trainer behaviour, when the model can be trained. */
  train?: ModelFunction | undefined;
  readme: string;
  /** `github_url`, `paper_url`, `license_url`, `weights_url`, `cover_image_url`, as set by `models.update`. */
  links?: Record<string, string>;
}

export interface FakeFile {
  id: string;
  sha256: string;
  name: string;
  content: Blob;
  metadata: Record<string, unknown>;
  created_at: string;
}

export interface FakeState {
  models: Map<string, FakeModel>;
  deployments: Map<
    string,
    {
      number: number;
      owner: string;
      name: string;
      model: string;
      version: string;
      hardware: string;
      min: number;
      max: number;
      created_at: string;
    }
  >;
  jobs: Map<string, Job>;
  files: Map<string, FakeFile>;
  collections: { slug: string; name: string; description: string; models: string[] }[];
}

export function emptyState(): FakeState {
  return { models: new Map(), deployments: new Map(), jobs: new Map(), files: new Map(), collections: [] };
}

export function newVersion(
  run: ModelFunction,
  inputSchema?: InputSchema,
  outputSchema?: unknown,
  id = newVersionId(),
): FakeVersion {
  const schemas: Record<string, unknown> = { Input: inputSchema ?? { type: "object", properties: {} } };
  if (outputSchema) schemas.Output = outputSchema;
  return {
    id,
    created_at: now(),
    cog_version: "0.9.0",
    openapi_schema: { openapi: "3.0.2", info: { title: "Cog", version: "0.1.0" }, components: { schemas } },
    run,
    inputSchema,
  };
}

export function versionJson(v: FakeVersion) {
  return { id: v.id, created_at: v.created_at, cog_version: v.cog_version, openapi_schema: v.openapi_schema };
}

export function modelJson(m: FakeModel) {
  const latest = m.versions.at(-1);
  return {
    url: `https://replicate.com/${m.owner}/${m.name}`,
    owner: m.owner,
    name: m.name,
    description: m.description,
    visibility: m.visibility,
    github_url: m.links?.github_url ?? null,
    paper_url: m.links?.paper_url ?? null,
    license_url: m.links?.license_url ?? null,
    cover_image_url: m.links?.cover_image_url ?? null,
    default_example: null,
    is_official: false,
    run_count: m.run_count,
    latest_version: latest ? versionJson(latest) : null,
  };
}

export function fileJson(f: FakeFile, base: string) {
  return {
    id: f.id,
    name: f.name,
    content_type: f.content.type || "application/octet-stream",
    size: f.content.size,
    checksums: { sha256: f.sha256 },
    metadata: f.metadata,
    created_at: f.created_at,
    expires_at: new Date(Date.parse(f.created_at) + 86_400_000).toISOString(),
    urls: { get: `${base}/files/${f.id}` },
  };
}

/** Check `input` against a model's input schema; the list is what a 422 reports. */
export function invalidFields(
  schema: InputSchema | undefined,
  input: unknown,
): { field: string; description: string }[] {
  if (!schema) return [];
  const problems: { field: string; description: string }[] = [];
  const check = (s: InputSchema, value: unknown, field: string) => {
    const type = s.type;
    const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
    const ok =
      type === undefined ||
      (type === "integer" && Number.isInteger(value)) ||
      (type === "array" && Array.isArray(value)) ||
      (type === "object" && isObject) ||
      (type !== "object" && type !== "array" && type !== "integer" && typeof value === type);
    if (!ok) return problems.push({ field, description: `Invalid type. Expected: ${type}, given: ${typeof value}` });
    if (s.enum && !s.enum.includes(value))
      problems.push({ field, description: `must be one of ${JSON.stringify(s.enum)}` });
    if (typeof value === "number" && s.minimum !== undefined && value < s.minimum) {
      problems.push({ field, description: `Must be greater than or equal to ${s.minimum}` });
    }
    if (typeof value === "number" && s.maximum !== undefined && value > s.maximum) {
      problems.push({ field, description: `Must be less than or equal to ${s.maximum}` });
    }
    if (type === "object" && s.properties) {
      const v = value as Record<string, unknown>;
      for (const name of s.required ?? [])
        if (v[name] === undefined) problems.push({ field: `${field}.${name}`, description: `${name} is required` });
      for (const [name, inner] of Object.entries(s.properties))
        if (v[name] !== undefined) check(inner, v[name], `${field}.${name}`);
    }
    return 0;
  };
  check({ type: "object", ...schema }, input, "input");
  return problems;
}
