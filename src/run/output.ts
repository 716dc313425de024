/**
 * Output normalisation: URL strings become lazy {@link FileOutput}s; with the model
 * version's output schema, token iterators are joined and only `format: uri` values
 * become files. Pure: no request is made here.
 */
import { type Download, FileOutput, plainDownload } from "./file-output.js";
import { isPlainObject } from "./input-check.js";

/** The parts of a JSON Schema (as Cog writes them) that normalisation reads. */
export interface OutputSchema {
  type?: string;
  format?: string;
  items?: OutputSchema;
  properties?: Record<string, OutputSchema>;
  allOf?: OutputSchema[];
  anyOf?: OutputSchema[];
  oneOf?: OutputSchema[];
  $ref?: string;
  "x-cog-array-type"?: string;
  "x-cog-array-display"?: string;
  [key: string]: unknown;
}

/** Options of {@link normalizeOutput}. */
export interface NormalizeOptions {
  /**
   * The version's output schema: `openapi_schema.components.schemas.Output`. Without
   * it, only `https:` and `data:` strings are converted.
   */
  schema?: OutputSchema | undefined;
  /** The whole `openapi_schema`, to resolve `$ref`s in `schema`. */
  root?: unknown;
  /** How files download. @default plain `fetch`, without credentials */
  download?: Download;
}

/**
 * A loopback http URL: what a local server (the fake over HTTP, a dev proxy) hands out,
 * and the one place plain http is accepted, for output files and webhooks alike.
 *
 * @example
 * LOCAL_HTTP.test("http://localhost:3000/hook") // true
 */
export const LOCAL_HTTP = /^http:\/\/(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?\//;

/**
 * {@link isFileUrl}'s rule in one pattern, made once (it runs on every output value and
 * event), the prefix first so prose fails at once. It spells out {@link LOCAL_HTTP} again:
 * built from its `source` at load time, it would be kept in every bundle, used or not.
 */
const FILE_URL = /^(?:https:|data:[^,\s]*,|http:\/\/(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?\/)\S*$/;

/**
 * Whether a string is a file's URL: https and data URLs (with the comma that starts their
 * data), and http on loopback only (a local server; plain http anywhere else is no file
 * host of Replicate's). Never one with whitespace: a model's prose that merely starts with
 * "https:" or "data:" ("https://example.com has it") is text, not a file.
 *
 * @example
 * isFileUrl("https://replicate.delivery/x/out.png") // true
 * isFileUrl("data: 42 rows")                        // false
 */
export const isFileUrl = (v: unknown): v is string => typeof v === "string" && FILE_URL.test(v);

/**
 * The schema a node stands for, as normalisation reads it: `$ref`s followed, Cog's
 * one-element `allOf` and `Optional` (`anyOf` of one type and null) looked through.
 * Exported for the type generator, which resolves with it what it registers.
 *
 * @example
 * resolveRef({ anyOf: [{ type: "string", format: "uri" }, { type: "null" }] }, root) // { type: "string", format: "uri" }
 */
export function resolveRef(schema: OutputSchema | undefined, root: unknown, depth = 0): OutputSchema | undefined {
  if (!schema || depth > 16) return schema;
  if (schema.$ref?.startsWith("#/")) {
    let at: unknown = root;
    for (const key of schema.$ref.slice(2).split("/")) at = (at as Record<string, unknown> | undefined)?.[key];
    return resolveRef(at as OutputSchema | undefined, root, depth + 1);
  }
  // Cog wraps referenced schemas in a one-element allOf.
  if (schema.allOf?.length === 1 && !schema.type) return resolveRef(schema.allOf[0], root, depth + 1);
  // Newer Cog writes `Optional[T]` as an anyOf of T and null: the value, when present, is a T.
  const members = (schema.anyOf ?? schema.oneOf)?.filter((s) => s.type !== "null");
  if (members?.length === 1 && !schema.type) return resolveRef(members[0], root, depth + 1);
  return schema;
}

/**
 * Turn a prediction's raw output into something to use directly.
 *
 * @example
 * normalizeOutput(["https://replicate.delivery/a.png"]) // [FileOutput { url: "https://replicate.delivery/a.png" }]
 * normalizeOutput(["Hel", "lo"], { schema: { type: "array", items: { type: "string" },
 *   "x-cog-array-type": "iterator", "x-cog-array-display": "concatenate" } }) // "Hello"
 */
export function normalizeOutput(output: unknown, options: NormalizeOptions = {}): unknown {
  const { schema: top, root, download = plainDownload } = options;
  // One walk for both modes: with a schema, only what it describes is converted (a part it
  // leaves out stays as it is); without one, every file URL anywhere becomes a file.
  const walk = (value: unknown, raw?: OutputSchema): unknown => {
    const schema = resolveRef(raw, root);
    if (top && !schema) return value;
    if (Array.isArray(value)) {
      const joined = schema?.["x-cog-array-type"] === "iterator" && schema["x-cog-array-display"] === "concatenate";
      if (joined && value.every((v) => typeof v === "string")) return value.join("");
      return value.map((v) => walk(v, schema?.items));
    }
    if (isFileUrl(value) && (!top || schema?.format === "uri")) return new FileOutput(value, download);
    if (isPlainObject(value) && (!top || schema?.properties)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, schema?.properties?.[k])]));
    }
    return value;
  };
  return walk(output, top);
}
