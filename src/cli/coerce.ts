/**
 * `key=value` pairs made into a model's input by its Cog schema
 * (`openapi_schema.components.schemas.Input`): integers, numbers, booleans, enums and
 * arrays, read the way Cog writes them (enums behind `allOf: [{ $ref }]`, optional
 * values as `anyOf` with null). Every mistake is found before anything is created, and
 * all of them are told at once, each with the field's own description.
 */
import { InputError } from "../core/errors.js";

/** As much of a JSON Schema as coercion reads. */
interface Field {
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: Field;
  description?: string;
  allOf?: Field[];
  anyOf?: Field[];
  $ref?: string;
}

/** One argument's value: the text after `=`, or a file read for `=@path`. */
export type PairValue = string | Blob;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A local `$ref`, a one-element `allOf` and a nullable `anyOf` resolved to the schema they stand for. */
function resolve(field: Field, root: unknown, depth = 0): Field {
  if (depth > 16) return field;
  const { $ref, allOf, anyOf, ...rest } = field;
  if ($ref?.startsWith("#/")) {
    let at: unknown = root;
    for (const key of $ref.slice(2).split("/")) at = isObject(at) ? at[key] : undefined;
    return resolve({ ...(isObject(at) ? at : {}), ...rest }, root, depth + 1);
  }
  if (allOf?.length === 1 && allOf[0]) return resolve({ ...allOf[0], ...rest }, root, depth + 1);
  const notNull = anyOf?.filter((s) => s.type !== "null");
  if (notNull?.length === 1 && notNull[0]) return resolve({ ...notNull[0], ...rest }, root, depth + 1);
  return field;
}

/** The Input schema's fields, resolved; undefined when the document has none. */
export function inputFields(document: unknown, schemaName = "Input"): Record<string, Field> | undefined {
  const schemas = isObject(document) && isObject(document.components) ? document.components.schemas : undefined;
  const input = isObject(schemas) ? schemas[schemaName] : undefined;
  // No properties describe nothing (a trainer's empty TrainingInput): the input then goes as given.
  if (!isObject(input) || !isObject(input.properties) || Object.keys(input.properties).length === 0) return undefined;
  return Object.fromEntries(Object.entries(input.properties).map(([k, v]) => [k, resolve(v as Field, document)]));
}

const BOOLEAN: Record<string, boolean> = { true: true, false: false, yes: true, no: false, "1": true, "0": false };

/** One value by its field's schema; throws a sentence without the field's name. */
function one(value: unknown, field: Field, root: unknown): unknown {
  const f = resolve(field, root);
  if (value instanceof Blob) {
    if (f.type && f.type !== "string") throw new Error(`is a ${f.type}, not a file`);
    return value;
  }
  let v = value;
  if (typeof v === "string") {
    if (f.type === "integer") {
      if (!/^-?\d+$/.test(v.trim())) throw new Error(`must be an integer, got "${v}"`);
      // Past 2^53 a number is rounded: the model would get another value than the one typed.
      if (!Number.isSafeInteger(Number(v))) throw new Error(`must be between ±${Number.MAX_SAFE_INTEGER}, got ${v}`);
      v = Number(v);
    } else if (f.type === "number") {
      if (v.trim() === "" || !Number.isFinite(Number(v))) throw new Error(`must be a number, got "${v}"`);
      v = Number(v);
    } else if (f.type === "boolean") {
      // Own keys only: "constructor" is no boolean, whatever Object.prototype holds.
      const b = Object.hasOwn(BOOLEAN, v.toLowerCase()) ? BOOLEAN[v.toLowerCase()] : undefined;
      if (b === undefined) throw new Error(`must be true or false, got "${v}"`);
      v = b;
    } else if (f.type === "object") {
      v = json(v, "a JSON object");
    }
  } else if (f.type && typeof v !== (f.type === "integer" ? "number" : f.type)) {
    throw new Error(`must be ${f.type === "integer" ? "an" : "a"} ${f.type}, got ${JSON.stringify(v)}`);
  }
  if (f.enum && !f.enum.includes(v))
    throw new Error(`must be one of ${f.enum.map((e) => JSON.stringify(e)).join(", ")}; got ${JSON.stringify(v)}`);
  return v;
}

function json(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`must be ${what}, got "${text}"`);
  }
}

/** A field's values: repeated keys, or one JSON array. */
function many(values: PairValue[], field: Field, root: unknown): unknown[] {
  const items = field.items ?? {};
  const list =
    values.length === 1 && typeof values[0] === "string" && values[0].trim().startsWith("[")
      ? (json(values[0], "a JSON array") as unknown[])
      : values;
  if (!Array.isArray(list)) throw new Error("must be a JSON array");
  return list.map((v) => one(v, items, root));
}

/** Without a schema: JSON numbers, booleans, arrays and objects are parsed; anything else stays text. */
function untyped(value: PairValue): unknown {
  if (typeof value !== "string") return value;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === "string" ? value : parsed;
  } catch {
    return value;
  }
}

/**
 * Make the pairs (in order; a key may repeat) into an input by `document`'s Input
 * schema, or, without one, pass text through (JSON values parsed). Throws one
 * InputError listing every field at fault.
 *
 * @example
 * coerceInput([["num_outputs", "2"], ["prompt", "a fox"]], version.openapi_schema) // { num_outputs: 2, prompt: "a fox" }
 */
export function coerceInput(
  pairs: [string, PairValue][],
  document: unknown,
  schemaName = "Input",
): Record<string, unknown> {
  const grouped = new Map<string, PairValue[]>();
  for (const [key, value] of pairs) grouped.set(key, [...(grouped.get(key) ?? []), value]);
  const fields = inputFields(document, schemaName);
  // Keys are the user's: `__proto__=x` must be a key like any other, not the object's prototype.
  const input: Record<string, unknown> = Object.create(null);
  const problems: string[] = [];
  for (const [key, values] of grouped) {
    if (!fields) {
      input[key] = values.length === 1 ? untyped(values[0] as PairValue) : values.map(untyped);
      continue;
    }
    // Own fields only: "constructor" or "toString" is not an input because every object has one.
    const field = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (!field) {
      problems.push(`Unknown input "${key}". The model's inputs are: ${Object.keys(fields).join(", ")}.`);
      continue;
    }
    try {
      if (field.type === "array") input[key] = many(values, field, document);
      else if (values.length > 1) throw new Error("is given more than once, but it is not a list");
      else input[key] = one(values[0], field, document);
    } catch (error) {
      const about = field.description ? ` (${key}: ${field.description})` : "";
      problems.push(`${key} ${(error as Error).message}.${about}`);
    }
  }
  if (problems.length > 0) throw new InputError(problems.join("\n"));
  return { ...input }; // a plain object again; spreading defines "__proto__" as an own key
}
