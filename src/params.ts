/**
 * Turns one flat params object (`{ prediction_id }`, `{ model_owner, model_name, Prefer,
 * body }`) into openapi-fetch's path/query/header/body parts, using the generated
 * table to know where each name goes. Bad input is refused here, before any request.
 */
import { InputError } from "./errors.js";
import type { OperationSpec } from "./generated/operations.js";

/** The request parts openapi-fetch expects. */
export interface SplitParams {
  path: Record<string, string | number>;
  query: Record<string, unknown>;
  header: Record<string, string>;
  body: unknown;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "an array" : typeof value;
}

/**
 * Split and validate `params` for operation `id`.
 *
 * @example
 * splitParams("predictions.get", operationTable["predictions.get"], { prediction_id: "abc" })
 * // { path: { prediction_id: "abc" }, query: {}, header: {}, body: undefined }
 */
export function splitParams(id: string, spec: OperationSpec, params: unknown): SplitParams {
  if (params !== undefined && (typeof params !== "object" || params === null || Array.isArray(params))) {
    throw new InputError(`${id}: params must be an object, got ${kindOf(params)}.`);
  }
  const given = (params ?? {}) as Record<string, unknown>;
  const pathNames = pathParamNames(spec.path);
  const out: SplitParams = { path: {}, query: {}, header: {}, body: undefined };

  for (const name in given) {
    if (!Object.hasOwn(given, name)) continue;
    const value = given[name];
    if (value === undefined) continue;
    if (name === "body" && spec.body) out.body = value;
    else if (pathNames.includes(name)) out.path[name] = pathValue(id, name, value);
    else if (spec.header?.includes(name)) out.header[name] = String(value);
    else if (spec.query?.includes(name)) out.query[name] = value;
    else {
      const accepted = [...pathNames, ...(spec.query ?? []), ...(spec.header ?? []), ...(spec.body ? ["body"] : [])];
      throw new InputError(
        `${id}: unknown parameter "${name}". ${accepted.length ? `Accepted: ${accepted.join(", ")}.` : "It takes no parameters."}`,
      );
    }
  }

  for (const name of pathNames) if (out.path[name] === undefined) missing(id, name);
  for (const name of spec.required ?? []) {
    const value = name === "body" ? out.body : (out.path[name] ?? out.query[name] ?? out.header[name]);
    if (value === undefined || value === null) missing(id, name);
  }
  if (out.body !== undefined) checkBody(id, spec.body, out.body);
  return out;
}

function missing(id: string, name: string): never {
  throw new InputError(`${id}: "${name}" is required.`);
}

const pathNamesCache = new Map<string, string[]>();

/** The `{names}` in a path template; worked out once per template. */
function pathParamNames(template: string): string[] {
  let names = pathNamesCache.get(template);
  if (!names) {
    names = Array.from(template.matchAll(/\{([^}]+)\}/g), (m) => m[1] as string);
    pathNamesCache.set(template, names);
  }
  return names;
}

function pathValue(id: string, name: string, value: unknown): string | number {
  if ((typeof value !== "string" && typeof value !== "number") || value === "") {
    const got = value === "" ? "an empty string" : kindOf(value);
    throw new InputError(`${id}: path parameter "${name}" must be a non-empty string, got ${got}.`);
  }
  // URL parsing resolves "." and ".." segments even when encoded, which would send the
  // request to another endpoint: `versions/..` deletes the model, not a version.
  if (/^(\.|%2e){1,2}$/i.test(String(value))) {
    throw new InputError(`${id}: path parameter "${name}" cannot be ${JSON.stringify(value)}.`);
  }
  return value;
}

function checkBody(id: string, contentType: string | undefined, body: unknown): void {
  if (contentType === "text/plain" && typeof body !== "string") {
    throw new InputError(`${id}: body must be a string, got ${kindOf(body)}.`);
  }
  if (contentType !== "text/plain" && (typeof body !== "object" || body === null || Array.isArray(body))) {
    throw new InputError(`${id}: body must be an object, got ${kindOf(body)}.`);
  }
}

/**
 * A multipart body as the schema describes it: `Blob` fields are files, objects (such as
 * `metadata`) are JSON text, everything else is its string form.
 */
export function toFormData(body: Record<string, unknown>): FormData {
  const form = new FormData();
  const filename = typeof body.filename === "string" ? body.filename : undefined;
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined) continue;
    if (value instanceof Blob) {
      const ownName = (value as { name?: unknown }).name; // a File knows its name
      form.append(name, value, filename ?? (typeof ownName === "string" ? ownName : "blob"));
    } else if (typeof value === "object" && value !== null) {
      form.append(name, JSON.stringify(value));
    } else {
      form.append(name, String(value));
    }
  }
  return form;
}
