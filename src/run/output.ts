/**
 * Output normalisation: URL strings become lazy {@link FileOutput}s; with the model
 * version's output schema, token iterators are joined and only `format: uri` values
 * become files. Pure: no request is made here.
 */
import { type Download, FileOutput, plainDownload } from "./file-output.js";

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

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" &&
  v !== null &&
  (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/** A loopback http URL: what a local server (the fake over HTTP, a dev proxy) hands out. */
const LOCAL_HTTP = /^http:\/\/(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?\//;

/**
 * Whether a string is a file's URL: https and data URLs, and http on loopback only (a
 * local server; plain http anywhere else is no file host of Replicate's).
 *
 * @example
 * isFileUrl("https://replicate.delivery/x/out.png") // true
 */
export const isFileUrl = (v: unknown): v is string =>
  typeof v === "string" && (v.startsWith("https:") || v.startsWith("data:") || LOCAL_HTTP.test(v));

function resolveRef(schema: OutputSchema | undefined, root: unknown, depth = 0): OutputSchema | undefined {
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
  const download = options.download ?? plainDownload;
  const bySchema = (value: unknown, raw: OutputSchema | undefined): unknown => {
    const schema = resolveRef(raw, options.root);
    if (!schema) return value;
    if (Array.isArray(value)) {
      const joined = schema["x-cog-array-type"] === "iterator" && schema["x-cog-array-display"] === "concatenate";
      if (joined && value.every((v) => typeof v === "string")) return value.join("");
      return value.map((v) => bySchema(v, schema.items));
    }
    if (typeof value === "string")
      return schema.format === "uri" && isFileUrl(value) ? new FileOutput(value, download) : value;
    if (isPlainObject(value) && schema.properties) {
      const props = schema.properties;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bySchema(v, props[k])]));
    }
    return value;
  };
  const byUrls = (value: unknown): unknown => {
    if (isFileUrl(value)) return new FileOutput(value, download);
    if (Array.isArray(value)) return value.map(byUrls);
    if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, byUrls(v)]));
    return value;
  };
  return options.schema ? bySchema(output, options.schema) : byUrls(output);
}
