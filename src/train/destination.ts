/**
 * A training's destination: the model its new version goes to. It must exist before the
 * paid training starts, and the reference handed back at the end names a version in it.
 */
import type { Replicate } from "../core/client.js";
import { InputError, type JobSnapshot, ReplicateError, TrainingError } from "../core/errors.js";
import { isApiError } from "../core/guards.js";
import type { Training } from "../core/types.js";
import { type ParsedRef, parseRef, VERSION_ID } from "../run/refs.js";

/** How to create the destination model when it does not exist yet. */
export interface CreateDestination {
  visibility: "public" | "private";
  /** Hardware SKU for the model, e.g. `"cpu"` or `"gpu-a100-large"` (see `replicate.hardware.list()`). */
  hardware: string;
  description?: string;
}

/**
 * The destination's owner and name, or an InputError. A replicate.com URL is read as the
 * model it names, as everywhere else; what is sent and handed back is always `owner/name`.
 *
 * @example
 * parseDestination("https://replicate.com/me/flux-me") // { owner: "me", name: "flux-me" }
 */
export function parseDestination(destination: string): { owner: string; name: string } {
  let dest: ParsedRef | undefined;
  try {
    dest = parseRef(destination);
  } catch {}
  if (dest?.kind !== "model") {
    throw new InputError(`destination must be "owner/name", got ${JSON.stringify(destination)}.`);
  }
  return { owner: dest.owner, name: dest.name };
}

/** Whether the model exists: false on a 404, any other failure as it is. */
async function exists(replicate: Replicate, owner: string, name: string, call: { signal?: AbortSignal }) {
  try {
    await replicate.models.get({ model_owner: owner, model_name: name }, call);
    return true;
  } catch (error) {
    if (isApiError(error) && error.status === 404) return false; // by name: the client may be another copy's
    throw error;
  }
}

/**
 * Make sure the destination exists: create it when `create` says how, else an InputError
 * before any training.
 *
 * @example
 * await ensureDestination(replicate, "me", "flux-me", { visibility: "private", hardware: "cpu" })
 */
export async function ensureDestination(
  replicate: Replicate,
  owner: string,
  name: string,
  create: CreateDestination | undefined,
  signal?: AbortSignal,
): Promise<void> {
  const call = signal ? { signal } : {};
  if (await exists(replicate, owner, name, call)) return;
  if (!create) {
    throw new InputError(
      `The destination model ${owner}/${name} does not exist, so the training's result could not be saved; ` +
        "nothing was started. Create it on replicate.com, or pass createDestination: " +
        '{ visibility: "private", hardware: "cpu" } to have it created first.',
    );
  }
  try {
    await replicate.models.create({ body: { owner, name, ...create } }, call);
  } catch (error) {
    // A 409: created since the check, by another train() into the same new destination,
    // say. There now: train on. Not there (Replicate also answers 409 for a deleted
    // model's name): the 409 says why.
    if (!(isApiError(error) && error.status === 409 && (await exists(replicate, owner, name, call)))) throw error;
  }
}

/**
 * The runnable reference of a succeeded training's new version, always
 * `"owner/name:version"`: from a bare version id (in `destination`) or a full reference.
 *
 * @example
 * await run(replicate, trainedVersion(training, "me/my-flux"), { input: { prompt: "TOK as a pilot" } })
 */
export function trainedVersion(training: Pick<Training, "id" | "status" | "output">, destination: string): string {
  if (training.status !== "succeeded") throw new TrainingError(training as JobSnapshot);
  const dest = parseDestination(destination);
  const version: unknown = training.output?.version;
  if (!version) throw new ReplicateError(`Training ${training.id} succeeded but named no output.version`);
  let ref: ParsedRef | undefined;
  try {
    ref =
      typeof version === "string" && VERSION_ID.test(version)
        ? { kind: "version", ...dest, version }
        : parseRef(version as string);
  } catch {}
  // Only a version will do: "owner/name" would run the model's latest version, which
  // another training may already have replaced. Malformed answers are reported here, not
  // at the next run, and as the server's fault, not an InputError.
  if (ref?.kind !== "version" || !ref.owner) {
    throw new ReplicateError(`Training ${training.id} named a malformed version: ${JSON.stringify(version)}`);
  }
  return `${ref.owner}/${ref.name}:${ref.version}`;
}
