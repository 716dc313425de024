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
const OWNER_NAME = /^([A-Za-z0-9][\w.-]*)\/([A-Za-z0-9][\w.-]*)$/;
/** A version id: 64 lowercase hex digits. */
export const VERSION_ID = /^[0-9a-f]{64}$/;

// A URL on replicate.com and nowhere else (scheme optional, no port or user): its path
// before any query or fragment. A URL elsewhere names no model here, and guessing from
// its path would run something the caller did not mean.
const ON_SITE = /^(?:https?:\/\/)?replicate\.com(\/[^?#]*)?(?:[?#].*)?$/i;
// A model's page, or a version's: the path rewritten as "owner/name" or "owner/name:version".
const PAGE = /^\/([^/:]+\/[^/:]+)(?:\/versions\/([^/]*))?\/?$/;

const FORMS =
  'Accepted forms: "owner/name", "owner/name:<64-hex version>", "<64-hex version>", ' +
  '"https://replicate.com/owner/name", "https://replicate.com/owner/name/versions/<64-hex version>", ' +
  '{ deployment: "owner/name" }.';

function bad(ref: unknown, why: string): InputError {
  return new InputError(`Invalid model reference ${JSON.stringify(ref)}: ${why}. ${FORMS}`);
}

function ownerName(ref: unknown, text: string): { owner: string; name: string } {
  const m = OWNER_NAME.exec(text);
  if (!m) throw bad(ref, `"${text}" is not owner/name`);
  return { owner: m[1] as string, name: m[2] as string };
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
  const deployment = typeof ref === "object" && ref !== null ? ref.deployment : undefined;
  let text = deployment ?? ref;
  if (typeof text !== "string") throw bad(ref, "it is neither a string nor { deployment }");
  // Before anything else: new URL() would trim a stray space, and the regexes name it less clearly.
  if (/\s/.test(text)) throw bad(ref, "it contains whitespace");
  if (deployment !== undefined) return { kind: "deployment", ...ownerName(ref, text) };
  if (text === "") throw bad(ref, "it is empty");
  const site = ON_SITE.exec(text);
  if (site) {
    const page = PAGE.exec(site[1] ?? "");
    if (!page) throw bad(ref, 'it is not a model or version page on replicate.com; write the model as "owner/name"');
    text = page[2] === undefined ? (page[1] as string) : `${page[1]}:${page[2]}`;
  } else if (text.includes("://")) {
    throw bad(ref, 'only replicate.com model URLs are accepted, such as "https://replicate.com/owner/name"');
  }
  let on: { owner: string; name: string } | undefined;
  let version = text;
  if (text.includes("/")) {
    const [model = "", after, more] = text.split(":");
    if (more !== undefined) throw bad(ref, "it has more than one ':'");
    on = ownerName(ref, model);
    if (after === undefined) return { kind: "model", ...on };
    version = after;
  } else if (text.length !== 64 && !/^[0-9a-f]{16,}$/i.test(text)) {
    // 64 characters, or a long run of hex digits, was meant as a version id (checked
    // below); a word is a model name without its owner.
    throw bad(ref, 'the owner is missing; write it as "owner/name", e.g. "black-forest-labs/flux-schnell"');
  }
  if (!VERSION_ID.test(version)) throw bad(ref, `the version "${version}" is not 64 lowercase hex digits`);
  return { kind: "version", ...on, version };
}
