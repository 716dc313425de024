/**
 * The schema a `run` or `train` reads its `key=value` pairs by: the model's latest
 * version, the version named, or the version a deployment currently serves.
 */
import type { Replicate } from "../core/client.js";
import { InputError } from "../core/errors.js";
import { parseRef } from "../run/refs.js";
import { fetchModelSchema } from "./typegen/sources.js";

/** A model's version and its Cog document (`openapi_schema`). */
export interface VersionSchema {
  model: string;
  version: string | undefined;
  document: unknown;
}

/**
 * The schema of `ref` (`owner/name` or `owner/name:version`). A bare version id cannot
 * be looked up (the API needs the model's name), so it is an InputError.
 *
 * @example
 * const { document } = await modelSchema(replicate, "black-forest-labs/flux-schnell")
 */
export async function modelSchema(replicate: Replicate, ref: string): Promise<VersionSchema> {
  const parsed = parseRef(ref);
  if (parsed.kind === "deployment" || (parsed.kind === "version" && !parsed.owner))
    throw new InputError(`"${ref}": name the model too, as owner/name or owner/name:<version>.`);
  const model = `${parsed.owner}/${parsed.name}`;
  const version = parsed.kind === "version" ? parsed.version : undefined;
  const found = await fetchModelSchema(replicate, { model, version });
  return { model, version: found.version, document: found.document };
}

/**
 * The schema of the version a deployment serves, or undefined when it cannot be read
 * (a deployment the token may run but not inspect): its input then goes as given.
 *
 * @example
 * const schema = await deploymentSchema(replicate, "acme", "sdxl")
 */
export async function deploymentSchema(
  replicate: Replicate,
  owner: string,
  name: string,
): Promise<VersionSchema | undefined> {
  try {
    const d = await replicate.deployments.get({ deployment_owner: owner, deployment_name: name });
    const release = d.current_release as { model?: string; version?: string } | null | undefined;
    if (!release?.model || !release.version) return undefined;
    return await modelSchema(replicate, `${release.model}:${release.version}`);
  } catch {
    return undefined;
  }
}

/**
 * Whether the output is a token stream (Cog's `concatenate` iterator): a language model,
 * whose tokens print as they arrive.
 *
 * @example
 * if (streamsText(document)) for await (const e of stream(replicate, ref, { input })) ...
 */
export function streamsText(document: unknown): boolean {
  const output = (document as { components?: { schemas?: { Output?: Record<string, unknown> } } } | undefined)
    ?.components?.schemas?.Output;
  return output?.["x-cog-array-type"] === "iterator" && output["x-cog-array-display"] === "concatenate";
}
