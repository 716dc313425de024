/**
 * Reading a Cog schema: the small subset of JSON Schema that Cog writes in a version's
 * `openapi_schema`, with its extensions (`x-order`, `x-cog-array-type`, ...). Pure and
 * runtime-neutral. Nothing here throws on a schema it does not understand: it reports
 * why, and the emitter writes `unknown` with that reason.
 */

/** One schema node, as far as the emitter reads it. Other keys are ignored. */
export interface CogSchema {
  type?: string | string[];
  format?: string;
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  items?: unknown;
  properties?: Record<string, unknown>;
  required?: unknown;
  additionalProperties?: unknown;
  allOf?: unknown[];
  anyOf?: unknown[];
  oneOf?: unknown[];
  $ref?: string;
  nullable?: boolean;
  [key: string]: unknown;
}

/** A node read: the schema it comes to, or why it cannot be typed. */
export type Resolved = { schema: CogSchema } | { unknown: string };

/**
 * Whether `value` can be a schema node: an object, not an array.
 *
 * @example
 * isSchema({ type: "string" }) // true
 */
export const isSchema = (value: unknown): value is CogSchema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The node a local `$ref` (`#/components/schemas/Name`) points at, or undefined. */
function lookup(root: unknown, ref: string): unknown {
  let at: unknown = root;
  // JSON Pointer (RFC 6901): `~1` is `/`, `~0` is `~`.
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    at = isSchema(at) && Object.hasOwn(at, key) ? at[key] : undefined;
  }
  return at;
}

/**
 * Follow `$ref`s and Cog's one-element `allOf` wrapper (how it writes an enum field:
 * `allOf: [{ $ref: "#/components/schemas/<name>" }]` beside the field's own `default`
 * and `description`), as the runtime's normalisation does. A cycle or a dangling
 * reference is reported, not followed for ever.
 *
 * @example
 * resolve({ allOf: [{ $ref: "#/components/schemas/size" }] }, root) // { schema: { enum: ["1x1", "2x2"], ... } }
 */
export function resolve(node: unknown, root: unknown): Resolved {
  let at = node;
  for (let hops = 0; hops < 32; hops++) {
    if (!isSchema(at)) return { unknown: at === undefined ? "no schema" : "not a schema object" };
    if (typeof at.$ref === "string") {
      if (!at.$ref.startsWith("#/")) return { unknown: `external $ref ${at.$ref}` };
      const target = lookup(root, at.$ref);
      if (target === undefined) return { unknown: `unresolved $ref ${at.$ref}` };
      at = target;
      continue;
    }
    if (Array.isArray(at.allOf) && at.allOf.length === 1 && at.type === undefined) {
      at = at.allOf[0];
      continue;
    }
    return { schema: at };
  }
  return { unknown: "a $ref cycle" };
}

const isNullType = (node: unknown) => isSchema(node) && node.type === "null";

/**
 * A schema without its `null`: Cog writes `Optional[T]` as `nullable: true` (OpenAPI
 * 3.0, newer Cog) or as `anyOf: [T, { type: "null" }]` (the pydantic 2 releases); JSON
 * Schema also allows `type: [T, "null"]`. `wrapped` says whether the null came in an
 * `anyOf`/`oneOf`, which the runtime's normalisation does not look inside.
 *
 * @example
 * withoutNull({ anyOf: [{ type: "string" }, { type: "null" }] }) // { schema: { type: "string" }, nullable: true, wrapped: true }
 */
export function withoutNull(schema: CogSchema): { schema: CogSchema; nullable: boolean; wrapped: boolean } {
  if (schema.nullable === true) {
    const { nullable: _, ...rest } = schema;
    return { schema: rest, nullable: true, wrapped: false };
  }
  if (Array.isArray(schema.type) && schema.type.includes("null")) {
    const types = schema.type.filter((t) => t !== "null");
    return {
      schema: { ...schema, type: types.length === 1 ? (types[0] as string) : types },
      nullable: true,
      wrapped: false,
    };
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    const members = schema[key];
    if (!Array.isArray(members) || !members.some(isNullType)) continue;
    const rest = members.filter((m) => !isNullType(m));
    const { [key]: _, ...outer } = schema;
    // One member left: the field is that type (its own title and description stay outside).
    const inner: CogSchema = rest.length === 1 ? { ...outer, allOf: [rest[0]] } : { ...outer, [key]: rest };
    return { schema: inner, nullable: true, wrapped: true };
  }
  return { schema, nullable: false, wrapped: false };
}

/**
 * A schema's properties in Cog's order: by `x-order`, then by name. Names are compared
 * by code point, not locale, so the order is the same on every machine.
 *
 * @example
 * orderedProperties({ properties: { b: { "x-order": 0 }, a: { "x-order": 1 } } }) // [["b", …], ["a", …]]
 */
export function orderedProperties(schema: CogSchema): [string, unknown][] {
  const props = isSchema(schema.properties) ? Object.entries(schema.properties) : [];
  const order = (node: unknown) => {
    const n = isSchema(node) ? node["x-order"] : undefined;
    return typeof n === "number" && Number.isFinite(n) ? n : Number.POSITIVE_INFINITY;
  };
  return props.sort(([a, x], [b, y]) => order(x) - order(y) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The names a schema lists in `required` (anything else there is ignored).
 *
 * @example
 * requiredNames({ required: ["prompt"] }) // Set { "prompt" }
 */
export const requiredNames = (schema: CogSchema): Set<string> =>
  new Set(Array.isArray(schema.required) ? schema.required.filter((n) => typeof n === "string") : []);

/**
 * A string that holds a file: Cog's `Path` and `File`, written `format: uri`.
 *
 * @example
 * isFile({ type: "string", format: "uri" }) // true
 */
export const isFile = (schema: CogSchema) => schema.type === "string" && schema.format === "uri";

/**
 * A secret: Cog's `Secret`, written `format: password` with `writeOnly` (older Cog) and
 * `x-cog-secret: true` (newer).
 *
 * @example
 * isSecret({ type: "string", format: "password", "x-cog-secret": true }) // true
 */
export const isSecret = (schema: CogSchema) =>
  schema.type === "string" && (schema["x-cog-secret"] === true || schema.format === "password");

/**
 * A token iterator meant to be joined: `x-cog-array-type: iterator` with `x-cog-array-display: concatenate`.
 *
 * @example
 * isConcatenated({ type: "array", "x-cog-array-type": "iterator", "x-cog-array-display": "concatenate" }) // true
 */
export const isConcatenated = (schema: CogSchema) =>
  schema["x-cog-array-type"] === "iterator" && schema["x-cog-array-display"] === "concatenate";

/**
 * Whether a value can be written as a TypeScript literal type.
 *
 * @example
 * isLiteral("16:9") // true; isLiteral({ a: 1 }) // false
 */
export const isLiteral = (value: unknown): value is string | number | boolean | null =>
  typeof value === "string" || typeof value === "boolean" || value === null || Number.isFinite(value);
