// Where the schema comes from and where the pulled copy lives. Shared by pull and
// generate so both agree on paths and hashing.
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DEFAULT_SOURCE = "https://api.replicate.com/openapi.json";
/** The pulled schema: a local working copy, ignored by git (Replicate owns it). */
export const PULLED = `${ROOT}openapi/replicate.openapi.json`;
/** The committed record of which schema the generated code came from. */
export const LOCK = `${ROOT}openapi/schema.lock.json`;
export const GENERATED_DIR = `${ROOT}src/generated`;
/** The README carries a generated table of operations between two markers. */
export const README = `${ROOT}README.md`;

export function sha256(text) {
  return createHash("sha256").update(text).digest("hex");
}
