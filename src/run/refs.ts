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
 * - `"https://replicate.com/owner/name"`: a model's page, as pasted from the browser
 *   (also `http://`, or no scheme; a query or fragment is ignored)
 * - `"https://replicate.com/owner/name/versions/<64 hex digits>"`: a version's page
 * - `{ deployment: "owner/name" }`: a deployment
 */
export type ModelRef = string | { deployment: string };

/** A parsed {@link ModelRef}. */
export type ParsedRef =
  | { kind: "model"; owner: string; name: string }
  | { kind: "version"; owner?: string; name?: string; version: string }
  | { kind: "deployment"; owner: string; name: string };

// Owner and model names on Replicate: letters, digits, `-`, `_` and `.`, not starting
// with punctuation. Regex literals, not `new RegExp` from a shared piece: a template
// built at the top level is kept in every bundle, even one that never parses a ref.
const OWNER_NAME = /^([A-Za-z0-9][A-Za-z0-9._-]*)\/([A-Za-z0-9][A-Za-z0-9._-]*)$/;
/** A version id: 64 lowercase hex digits. */
export const VERSION_ID = /^[0-9a-f]{64}$/;

// A page URL on replicate.com: scheme optional, the host nothing but replicate.com.
const URL_LIKE = /^(?:[a-z][a-z0-9+.-]*:\/\/|replicate\.com\/)/i;
const PAGE = /^\/([A-Za-z0-9][A-Za-z0-9._-]*)\/([A-Za-z0-9][A-Za-z0-9._-]*)(?:\/versions\/([^/]*))?\/?$/;

const FORMS =
  'Accepted forms: "owner/name", "owner/name:<64-hex version>", "<64-hex version>", ' +
  '"https://replicate.com/owner/name", "https://replicate.com/owner/name/versions/<64-hex version>", ' +
  '{ deployment: "owner/name" }.';

function bad(ref: unknown, why: string): InputError {
  return new InputError(`Invalid model reference ${JSON.stringify(ref)}: ${why}. ${FORMS}`);
}

function ownerName(ref: unknown, text: string): { owner: string; name: string } {
  const m = OWNER_NAME.exec(text);
  if (!m) throw bad(ref, /\s/.test(text) ? "it contains whitespace" : `"${text}" is not owner/name`);
  return { owner: m[1] as string, name: m[2] as string };
}

/** A version id, or the InputError saying why `version` is not one. */
function versionId(ref: string, version: string): string {
  if (!VERSION_ID.test(version)) throw bad(ref, `the version "${version}" is not 64 lowercase hex digits`);
  return version;
}

/**
 * A model or version page on replicate.com. Only that host: a URL elsewhere names no
 * model here, and guessing from its path would run something the caller did not mean.
 */
function fromPage(ref: string): ParsedRef {
  let url: URL | undefined;
  try {
    url = new URL(/^replicate\.com\//i.test(ref) ? `https://${ref}` : ref);
  } catch {}
  if (!url || !/^https?:$/.test(url.protocol) || url.host !== "replicate.com") {
    throw bad(ref, 'only replicate.com model URLs are accepted, such as "https://replicate.com/owner/name"');
  }
  const m = PAGE.exec(url.pathname);
  if (!m) throw bad(ref, 'it is not a model or version page on replicate.com; write the model as "owner/name"');
  const [, owner = "", name = "", version] = m;
  if (version === undefined) return { kind: "model", owner, name };
  return { kind: "version", owner, name, version: versionId(ref, version) };
}

/**
 * Parse a model reference, or throw an `InputError` that says what is wrong and lists
 * the accepted forms.
 *
 * @example
 * parseRef("meta/llama-3-8b")                        // { kind: "model", owner: "meta", name: "llama-3-8b" }
 * parseRef("https://replicate.com/meta/llama-3-8b") // the same
 * parseRef({ deployment: "acme/sdxl" })              // { kind: "deployment", owner: "acme", name: "sdxl" }
 * parseRef("flux-schnell") // InputError: … the owner is missing; write it as "owner/name", …
 */
export function parseRef(ref: ModelRef): ParsedRef {
  if (typeof ref === "object" && ref !== null && typeof ref.deployment === "string") {
    return { kind: "deployment", ...ownerName(ref, ref.deployment) };
  }
  if (typeof ref !== "string") throw bad(ref, "it is neither a string nor { deployment }");
  if (ref === "") throw bad(ref, "it is empty");
  if (URL_LIKE.test(ref)) {
    // new URL() would trim it and accept it; a stray space is refused here as everywhere.
    if (/\s/.test(ref)) throw bad(ref, "it contains whitespace");
    return fromPage(ref);
  }
  if (!ref.includes("/")) {
    if (VERSION_ID.test(ref)) return { kind: "version", version: ref };
    // 64 characters, or a long run of hex digits, was meant as a version id; a word is a
    // model name without its owner.
    if (ref.length === 64 || /^[0-9a-f]{16,}$/i.test(ref)) {
      throw bad(ref, "it is not a valid version, which is 64 lowercase hex digits");
    }
    throw bad(ref, 'the owner is missing; write it as "owner/name", e.g. "black-forest-labs/flux-schnell"');
  }
  const parts = ref.split(":");
  if (parts.length > 2) throw bad(ref, "it has more than one ':'");
  const [model = "", version] = parts;
  if (version === undefined) return { kind: "model", ...ownerName(ref, model) };
  return { kind: "version", ...ownerName(ref, model), version: versionId(ref, version) };
}
