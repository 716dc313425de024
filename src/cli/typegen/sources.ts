/**
 * Where schemas come from: the API through the library's own client (a model's latest
 * version, or one version), or a saved JSON file. Runtime-neutral: reading the file is
 * the caller's business; this only makes sense of its contents.
 */
import type { Replicate } from "../../core/client.js";
import { InputError, ReplicateError } from "../../core/errors.js";
import { parseRef, VERSION_ID } from "../../run/refs.js";
import { isSchema } from "./cog-schema.js";
import type { ModelSchema } from "./emit-file.js";

/** A model to read: `owner/name`, and a version when one was asked for. */
export interface ModelTarget {
  model: string;
  version?: string | undefined;
}

/**
 * A model reference as the command takes it: `owner/name`, `owner/name:<version>`, or
 * a replicate.com model or version page. A version id alone cannot be fetched (the API
 * needs the model's name), so it is an InputError, as is any other form.
 *
 * @example
 * parseTarget("meta/meta-llama-3-8b-instruct") // { model: "meta/meta-llama-3-8b-instruct" }
 */
export function parseTarget(text: string): ModelTarget {
  const ref = parseRef(text);
  if (ref.kind === "model") return { model: `${ref.owner}/${ref.name}` };
  if (ref.kind === "version" && ref.owner && ref.name)
    return { model: `${ref.owner}/${ref.name}`, version: ref.version };
  throw new InputError(`"${text}": name the model too, as "owner/name:<version>".`);
}

const hasSchemas = (document: unknown) =>
  isSchema(document) && isSchema(document.components) && isSchema(document.components.schemas);

function checked(document: unknown, where: string): unknown {
  if (!hasSchemas(document))
    throw new ReplicateError(`${where} has no Cog schema (openapi_schema.components.schemas).`);
  return document;
}

/**
 * A version id from the API, checked: it is written into the generated file (its header,
 * comments and registry keys), which must hold only what the file means to say.
 */
function versionId(id: string, model: string): string {
  if (!VERSION_ID.test(id)) throw new ReplicateError(`${model}: the API sent "${id}" as a version id.`);
  return id;
}

/**
 * A model's schema from the API: its latest version (`models.get`), or the version asked
 * for (`models.versions.get`). API errors propagate as the client throws them.
 *
 * @example
 * const schema = await fetchModelSchema(createReplicate(), { model: "black-forest-labs/flux-schnell" })
 */
export async function fetchModelSchema(replicate: Replicate, target: ModelTarget): Promise<ModelSchema> {
  const [model_owner = "", model_name = ""] = target.model.split("/");
  if (target.version) {
    const params = { model_owner, model_name, version_id: target.version };
    const version = await replicate.models.versions.get(params);
    const document = checked(version.openapi_schema, `${target.model}:${target.version}`);
    return {
      model: target.model,
      version: versionId(version.id ?? target.version, target.model),
      source: "pinned",
      document,
    };
  }
  const found = await replicate.models.get({ model_owner, model_name });
  const latest = found.latest_version;
  if (!isSchema(latest)) throw new ReplicateError(`${target.model} has no version yet.`);
  const version = typeof latest.id === "string" ? versionId(latest.id, target.model) : undefined;
  const document = checked(latest.openapi_schema, `${target.model}'s latest version`);
  return { model: target.model, version, source: "latest", description: found.description ?? undefined, document };
}

/**
 * A schema from a saved JSON file, which may hold a Cog document (`openapi_schema`), a
 * version (`models.versions.get`) or a model (`models.get`). The version id comes from
 * the target, else the file, else a file name that is one (`<64 hex digits>.json`).
 * Anything else is an InputError naming the file.
 *
 * @example
 * schemaFromFile(JSON.parse(text), { model: "acme/sdxl" }, "sdxl.json")
 */
export function schemaFromFile(json: unknown, target: ModelTarget, fileName: string): ModelSchema {
  const wrapped = isSchema(json) && isSchema(json.latest_version) ? json.latest_version : json;
  const isVersion = isSchema(wrapped) && "openapi_schema" in wrapped;
  const document = isVersion ? wrapped.openapi_schema : wrapped;
  if (!hasSchemas(document)) {
    throw new InputError(`${fileName} holds no Cog schema: expected openapi_schema.components.schemas.`);
  }
  const inFile = isVersion && typeof wrapped.id === "string" ? wrapped.id : undefined;
  const named = /(?:^|[\\/])([0-9a-f]{64})\.json$/.exec(fileName)?.[1];
  if (target.version && inFile && inFile !== target.version) {
    throw new InputError(`${fileName} holds version ${inFile}, not ${target.version}.`);
  }
  const version = target.version ?? inFile ?? named;
  if (version !== undefined && !VERSION_ID.test(version))
    throw new InputError(`${fileName}: "${version}" is not a version id.`);
  return { model: target.model, version, source: "file", document };
}
