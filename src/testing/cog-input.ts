/**
 * Checking a prediction's input against the model's `Input` schema, as Replicate does
 * before it creates anything: what does not match gets the API's 422 with the fields at
 * fault. Read the way Cog writes schemas: enums behind `allOf: [{ $ref }]`, optional
 * values as `anyOf` with `null`, lists with `items`.
 */

/** A JSON Schema, as much of it as the fake checks inputs against. */
export interface InputSchema {
  type?: string;
  properties?: Record<string, InputSchema>;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  items?: InputSchema;
  allOf?: InputSchema[];
  anyOf?: InputSchema[];
  $ref?: string;
  [key: string]: unknown;
}

/** One field an input got wrong, as a 422's `invalid_fields` lists it. */
export interface InvalidField {
  field: string;
  description: string;
}

/** How deep `$ref`s are followed: a schema that refers to itself must not loop. */
const MAX_DEPTH = 16;

/** `schema` with a local `$ref` or a one-element `allOf` (Cog's wrapping of a named enum) resolved. */
function resolve(schema: InputSchema, root: unknown, depth = 0): InputSchema {
  if (depth > MAX_DEPTH) return schema;
  const { $ref, allOf, ...rest } = schema;
  if (typeof $ref === "string" && $ref.startsWith("#/")) {
    let at: unknown = root;
    for (const key of $ref.slice(2).split("/")) {
      at = (at as Record<string, unknown> | undefined)?.[key.replace(/~1/g, "/").replace(/~0/g, "~")];
    }
    return resolve({ ...((at ?? {}) as InputSchema), ...rest }, root, depth + 1);
  }
  if (allOf?.length === 1 && schema.type === undefined) return resolve({ ...allOf[0], ...rest }, root, depth + 1);
  return schema;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function hasType(type: string | undefined, value: unknown): boolean {
  switch (type) {
    case undefined:
      return true;
    case "integer":
      return Number.isInteger(value);
    case "array":
      return Array.isArray(value);
    case "object":
      return isObject(value);
    case "null":
      return value === null;
    default:
      return typeof value === type;
  }
}

/** The name of `value`'s JSON type, as a validation message gives it. */
const jsonType = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value);

/** The path of a property, `field.name`, or `name` at the top. */
const at = (field: string, name: string | number) => (field ? `${field}.${name}` : String(name));

function problemsOf(raw: InputSchema, value: unknown, field: string, root: unknown): InvalidField[] {
  const s = resolve(raw, root);
  if (s.anyOf) {
    const fits = s.anyOf.some((option) => problemsOf(option, value, field, root).length === 0);
    return fits ? [] : [{ field, description: "Does not match any of the allowed types" }];
  }
  if (!hasType(s.type, value)) {
    return [{ field, description: `Invalid type. Expected: ${s.type}, given: ${jsonType(value)}` }];
  }
  const out: InvalidField[] = [];
  if (s.enum && !s.enum.includes(value)) out.push({ field, description: `must be one of ${JSON.stringify(s.enum)}` });
  if (typeof value === "number" && s.minimum !== undefined && value < s.minimum) {
    out.push({ field, description: `Must be greater than or equal to ${s.minimum}` });
  }
  if (typeof value === "number" && s.maximum !== undefined && value > s.maximum) {
    out.push({ field, description: `Must be less than or equal to ${s.maximum}` });
  }
  if (Array.isArray(value) && s.items) {
    for (const [i, item] of value.entries()) out.push(...problemsOf(s.items, item, at(field, i), root));
  }
  if (isObject(value) && s.properties) {
    for (const name of s.required ?? []) {
      if (value[name] === undefined) out.push({ field: at(field, name), description: `${name} is required` });
    }
    for (const [name, inner] of Object.entries(s.properties)) {
      if (value[name] !== undefined) out.push(...problemsOf(inner, value[name], at(field, name), root));
    }
  }
  return out;
}

/**
 * What is wrong with `input` for a model whose Input schema is `schema`; `root` is the
 * whole document its `$ref`s point into; fields are named from `field` (`""`: a request
 * body's own fields). Empty when it is fine, or when there is no schema.
 *
 * @example
 * invalidFields({ type: "object", properties: { n: { type: "integer" } } }, { n: "1" })
 * // [{ field: "input.n", description: "Invalid type. Expected: integer, given: string" }]
 */
export function invalidFields(
  schema: InputSchema | undefined,
  input: unknown,
  root?: unknown,
  field = "input",
): InvalidField[] {
  if (!schema) return [];
  return problemsOf({ type: "object", ...resolve(schema, root) }, input, field, root);
}
