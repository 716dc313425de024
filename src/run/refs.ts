/**
 * Model references: the forms people write, parsed strictly so a typo is caught before
 * anything is sent (or billed).
 */
import { InputError } from "../core/errors.js";

/**
 * What `run` and `createPrediction` accept:
 * - `"owner/name"`: a model's latest version (official models)
 * - `"owner/name:version"`: one version of a model
 * - `"<64 hex digits>"`: a version id alone
 * - `{ deployment: "owner/name" }`: a deployment
 */
export type ModelRef = string | { deployment: string };

/** A parsed {@link ModelRef}. */
export type ParsedRef =
  | { kind: "model"; owner: string; name: string }
  | { kind: "version"; owner?: string; name?: string; version: string }
  | { kind: "deployment"; owner: string; name: string };

// Owner and model names on Replicate: letters, digits, `-`, `_` and `.`, not starting
// with punctuation.
const NAME = "[A-Za-z0-9][A-Za-z0-9._-]*";
const OWNER_NAME = new RegExp(`^(${NAME})/(${NAME})$`);
/** A version id: 64 lowercase hex digits. */
export const VERSION_ID = /^[0-9a-f]{64}$/;

const FORMS =
  'Accepted forms: "owner/name", "owner/name:<64-hex version>", "<64-hex version>", { deployment: "owner/name" }.';

function bad(ref: unknown, why: string): InputError {
  return new InputError(`Invalid model reference ${JSON.stringify(ref)}: ${why}. ${FORMS}`);
}

function ownerName(ref: unknown, text: string): { owner: string; name: string } {
  const m = OWNER_NAME.exec(text);
  if (!m) throw bad(ref, /\s/.test(text) ? "it contains whitespace" : `"${text}" is not owner/name`);
  return { owner: m[1] as string, name: m[2] as string };
}

/**
 * Parse a model reference, or throw an `InputError` that lists the accepted forms.
 *
 * @example
 * parseRef("meta/llama-3-8b")           // { kind: "model", owner: "meta", name: "llama-3-8b" }
 * parseRef({ deployment: "acme/sdxl" }) // { kind: "deployment", owner: "acme", name: "sdxl" }
 */
export function parseRef(ref: ModelRef): ParsedRef {
  if (typeof ref === "object" && ref !== null && typeof ref.deployment === "string") {
    return { kind: "deployment", ...ownerName(ref, ref.deployment) };
  }
  if (typeof ref !== "string") throw bad(ref, "it is neither a string nor { deployment }");
  if (ref === "") throw bad(ref, "it is empty");
  if (!ref.includes("/")) {
    if (VERSION_ID.test(ref)) return { kind: "version", version: ref };
    throw bad(ref, "a bare version must be 64 lowercase hex digits");
  }
  const parts = ref.split(":");
  if (parts.length > 2) throw bad(ref, "it has more than one ':'");
  const [model = "", version] = parts;
  if (version === undefined) return { kind: "model", ...ownerName(ref, model) };
  if (!VERSION_ID.test(version)) throw bad(ref, `the version "${version}" is not 64 lowercase hex digits`);
  return { kind: "version", ...ownerName(ref, model), version };
}
