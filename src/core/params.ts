/**
 * Turns one flat params object (`{ prediction_id }`, `{ model_owner, model_name, Prefer,
 * body }`) into what goes on the wire: the path with its query string, the header
 * params and the encoded body, using the generated table to know where each name goes.
 * Bad input is refused here, before any request.
 */

import type { OperationSpec } from "../generated/operations.js";
import { kindOf } from "./checks.js";
import { InputError } from "./errors.js";
import { checkHeaderValue } from "./headers.js";

/** One call's params, ready to send. */
export interface WireParams {
  /** The path with its values encoded, then the query string. */
  target: string;
  /** Header params (lower-case names), and the body's content type when there is one. */
  headers: Record<string, string>;
  /** JSON or plain text, or a FormData for multipart operations. */
  body: string | FormData | undefined;
}

interface Template {
  /** Literal text at even indexes, parameter names at odd ones. */
  parts: string[];
  names: string[];
}

const templates = /* @__PURE__ */ new Map<string, Template>();

/** A path template, split once. */
function compile(path: string): Template {
  let template = templates.get(path);
  if (!template) {
    const parts = path.split(/\{([^}]+)\}/);
    template = { parts, names: parts.filter((_, i) => i % 2) };
    templates.set(path, template);
  }
  return template;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function refuse(id: string, message: string): never {
  throw new InputError(`${id}: ${message}`);
}

/**
 * Validate `params` for operation `id` and lay them out for the wire.
 *
 * @example
 * toWire("predictions.get", operationTable["predictions.get"], { prediction_id: "abc" })
 * // { target: "/predictions/abc", headers: {}, body: undefined }
 */
export function toWire(id: string, spec: OperationSpec, params: unknown): WireParams {
  if (params !== undefined && !isRecord(params)) refuse(id, `params must be an object, got ${kindOf(params)}.`);
  const given = (params ?? {}) as Record<string, unknown>;
  const { parts, names } = compile(spec.path);
  const { query = [], header = [], body: type } = spec;
  const values: Record<string, unknown> = {};
  let body: unknown;
  for (const name in given) {
    const value = given[name];
    if (value === undefined || !Object.hasOwn(given, name)) continue;
    if (name === "body" && type) body = value;
    else if (names.includes(name) || query.includes(name) || header.includes(name)) values[name] = value;
    else {
      const accepted = [...names, ...query, ...header, ...(type ? ["body"] : [])];
      refuse(
        id,
        `unknown parameter "${name}". ${accepted.length ? `Accepted: ${accepted.join(", ")}.` : "It takes no parameters."}`,
      );
    }
  }

  let target = parts[0] as string;
  for (let i = 1; i < parts.length; i += 2) {
    target += pathValue(id, parts[i] as string, values[parts[i] as string]) + parts[i + 1];
  }
  for (const name of spec.required ?? []) {
    if ((name === "body" ? body : values[name]) == null) refuse(id, `"${name}" is required.`);
  }
  let sep = "?";
  for (const name of query) {
    const value = values[name];
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      target += `${sep}${encodeURIComponent(name)}=${encodeURIComponent(String(item))}`;
      sep = "&";
    }
  }
  const headers: Record<string, string> = {};
  for (const name of header) {
    if (values[name] === undefined) continue;
    const value = String(values[name]);
    checkHeaderValue(id, name, value); // a CR or LF would otherwise reach fetch, and fail as a connection error
    headers[name.toLowerCase()] = value;
  }
  return { target, headers, body: body === undefined ? undefined : encodeBody(id, type, body, headers) };
}

/** A path value, encoded whole (a `/` in a value stays inside it). */
function pathValue(id: string, name: string, value: unknown): string {
  if (value === undefined) refuse(id, `"${name}" is required.`);
  // Strings only: a number (NaN, say) is almost always a mistake, and would be sent as text.
  if (typeof value !== "string" || value === "") {
    refuse(
      id,
      `path parameter "${name}" must be a non-empty string, got ${value === "" ? "an empty string" : kindOf(value)}.`,
    );
  }
  // URL parsing resolves "." and ".." segments even when encoded, which would send the
  // request to another endpoint: `versions/..` deletes the model, not a version.
  if (/^(\.|%2e){1,2}$/i.test(String(value)))
    refuse(id, `path parameter "${name}" cannot be ${JSON.stringify(value)}.`);
  return encodeURIComponent(value);
}

/** The body as the operation's content type wants it; sets `content-type` for text and JSON. */
function encodeBody(id: string, type: string | undefined, body: unknown, headers: Record<string, string>) {
  const text = type === "text/plain";
  if (text ? typeof body !== "string" : !isRecord(body)) {
    refuse(id, `body must be ${text ? "a string" : "an object"}, got ${kindOf(body)}.`);
  }
  if (type === "multipart/form-data") return toFormData(body as Record<string, unknown>);
  headers["content-type"] = text ? type : "application/json";
  return text ? (body as string) : JSON.stringify(body);
}

/**
 * A multipart body as the schema describes it: `Blob` fields are files, objects (such as
 * `metadata`) are JSON text, everything else is its string form.
 */
function toFormData(body: Record<string, unknown>): FormData {
  const form = new FormData();
  const filename = typeof body.filename === "string" ? body.filename : undefined;
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined) continue;
    if (value instanceof Blob) {
      const ownName = (value as { name?: unknown }).name; // a File knows its name
      form.append(name, value, filename ?? (typeof ownName === "string" ? ownName : "blob"));
    } else form.append(name, typeof value === "object" && value !== null ? JSON.stringify(value) : String(value));
  }
  return form;
}
