/**
 * What the fake remembers, and the shapes it answers with. Kept apart from the routes so
 * tests and the demo can read the state directly.
 */
import { type CogDocument, cogDocument } from "./cog-document.js";
import type { InputSchema } from "./cog-input.js";
import { newVersionId, now } from "./http.js";
import type { Job, ModelFunction } from "./jobs.js";
import { stamp } from "./pages.js";

export interface FakeVersion {
  id: string;
  created_at: string;
  cog_version: string;
  /** The whole Cog OpenAPI document, served as the version's `openapi_schema`. */
  openapi_schema: CogDocument;
  /** What runs for this version. */
  run: ModelFunction;
  /** The Input schema inputs are checked against (its `$ref`s point into `openapi_schema`); none: any input. */
  inputSchema?: InputSchema | undefined;
}

/** What a version is described by: its Cog document, and the Input schema that is enforced, if any. */
export interface VersionSchema {
  document: CogDocument;
  input: InputSchema | undefined;
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
  md5: string;
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

/**
 * How a version registered with these options is described: a whole Cog document as given
 * (copied, so that changing it afterwards does not change what the fake serves), its Input
 * enforced; or a document built around `input` (enforced when given) and `output`.
 *
 * @example
 * versionSchema({ openapi: JSON.parse(readFileSync("cog-schema.json", "utf8")) })
 */
export function versionSchema(options: {
  input?: InputSchema | undefined;
  output?: unknown;
  openapi?: CogDocument | undefined;
  trainable?: boolean;
}): VersionSchema {
  if (options.openapi) {
    const document = JSON.parse(JSON.stringify(options.openapi)) as CogDocument;
    return { document, input: document.components?.schemas?.Input as InputSchema | undefined };
  }
  return { document: cogDocument(options.input, options.output, options.trainable ?? false), input: options.input };
}

/**
 * A new version running `run`, described by `schema`.
 *
 * @example
 * model.versions.push(newVersion(run, { document: cogDocument(input, output, false), input }))
 */
export function newVersion(run: ModelFunction, schema: VersionSchema, id = newVersionId()): FakeVersion {
  return stamp({
    id,
    created_at: now(),
    cog_version: "0.9.0",
    openapi_schema: schema.document,
    run,
    inputSchema: schema.input,
  });
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
    // Beyond the schema, as recorded answers carry them.
    weights_url: m.links?.weights_url ?? null,
    created_at: m.created_at,
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
    etag: f.md5, // as recorded: the md5 in hex, beside the checksums
    checksums: { sha256: f.sha256, md5: f.md5 },
    metadata: f.metadata,
    created_at: f.created_at,
    expires_at: new Date(Date.parse(f.created_at) + 86_400_000).toISOString(),
    urls: { get: `${base}/files/${f.id}` },
  };
}
