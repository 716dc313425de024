/**
 * Turns one flat params object (`{ prediction_id }`, `{ model_owner, model_name, Prefer,
 * body }`) into what goes on the wire: the path with its query string, the header
 * params and the encoded body, using the generated table to know where each name goes.
 * Bad input is refused here, before any request.
 */

import type { OperationSpec } from "../generated/operations.js";
import { kindOf, mustBe } from "./checks.js";
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

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

// Made once: a regular expression literal inside a function is a new object per call.
/**
 * A path template's `{name}` placeholders, read once per operation (by `layoutOf`) and by
 * the openapi-fetch client's path serialiser.
 *
 * @example
 * "/predictions/{prediction_id}".split(PLACEHOLDER) // ["/predictions/", "prediction_id", ""]
 */
export const PLACEHOLDER = /\{([^}]+)\}/g;
/** Ids and names: characters encoding leaves alone, and no leading dot (so never "." or ".."). */
const PLAIN = /^\w[\w.~-]*$/;

/**
 * What each operation's spec says, worked out once: the names it accepts (its path
 * parameters, query, header, and `body`), and its path cut at the placeholders. A call
 * then joins strings: `path.replace(PLACEHOLDER, callback)` on every call (a global
 * regular expression with a function, which the engine runs through its slow path, calling
 * back into JavaScript per match) measured about 2 % of a loopback `predictions.get`.
 */
interface Layout {
  accepted: string[];
  /** The literal pieces of the path around its placeholders: one more than `names`. */
  pieces: string[];
  /** The path parameters, in order. */
  names: string[];
}
const layouts = /* @__PURE__ */ new Map<OperationSpec, Layout>();

function layoutOf(spec: OperationSpec): Layout {
  let layout = layouts.get(spec);
  if (layout) return layout;
  // "/a/{x}/b" splits into ["/a/", "x", "/b"]: odd indexes are the names.
  const split = spec.path.split(PLACEHOLDER);
  const pieces = split.filter((_, i) => i % 2 === 0);
  const names = split.filter((_, i) => i % 2 === 1);
  const { query = [], header = [], body } = spec;
  layout = { accepted: [...names, ...query, ...header, ...(body ? ["body"] : [])], pieces, names };
  layouts.set(spec, layout);
  return layout;
}

/** Refuse the input of operation `id` with an InputError saying why. */
const refuse = (id: string, message: string): never => {
  throw new InputError(`${id}: ${message}`);
};

/** A value encoded for a URL; a lone UTF-16 surrogate cannot be, so a clear error rather than a URIError. */
function encode(id: string, name: string, value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return refuse(id, `"${name}" has a lone UTF-16 surrogate, which a URL cannot carry.`);
  }
}

/**
 * One path parameter's value for the wire, encoded whole (a `/` in it stays inside it),
 * or an InputError: it must be a non-empty string, and not "." or "..", which URL parsing
 * resolves even encoded, sending the request to another endpoint (`versions/..` deletes
 * the model, not a version). The operations and the openapi-fetch client both use it.
 *
 * @example
 * pathValue("predictions.get", "prediction_id", "abc") // "abc"
 */
export function pathValue(id: string, name: string, value: unknown): string {
  // Passed as they are: the checks below cost about 1 % of a loopback call.
  if (typeof value === "string" && PLAIN.test(value)) return value;
  if (value === undefined) refuse(id, `"${name}" is required.`);
  // Strings only: a number (NaN, say) is almost always a mistake, and would be sent as text.
  if (typeof value !== "string" || value === "") {
    refuse(
      id,
      `path parameter "${name}" must be a non-empty string, got ${value === "" ? "an empty string" : kindOf(value)}.`,
    );
  }
  if (/^(\.|%2e){1,2}$/i.test(value as string))
    refuse(id, `path parameter "${name}" cannot be ${JSON.stringify(value)}.`);
  return encode(id, name, value as string);
}

/**
 * Validate `params` for operation `id` and lay them out for the wire.
 *
 * @example
 * toWire("predictions.get", operationTable["predictions.get"], { prediction_id: "abc" })
 * // { target: "/predictions/abc", headers: {}, body: undefined }
 */
export function toWire(id: string, spec: OperationSpec, params: unknown): WireParams {
  if (params !== undefined && !isRecord(params)) throw mustBe(`${id}: params`, "an object", params);
  const { query = [], header = [], body: type } = spec;
  const { accepted, pieces, names } = layoutOf(spec);
  // Own names only, as given: `values.body` is the body. (Every name looked up below comes
  // from the schema, none an Object.prototype name, so `in` is exact.)
  const values: Record<string, unknown> = {};
  for (const name in params) {
    const value = params[name];
    if (value === undefined || !Object.hasOwn(params, name)) continue;
    if (!accepted.includes(name)) {
      refuse(
        id,
        `unknown parameter "${name}". ${accepted.length ? `Accepted: ${accepted.join(", ")}.` : "It takes no parameters."}`,
      );
    }
    values[name] = value;
  }
  let target = pieces[0] as string;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    target += pathValue(id, name, values[name]) + (pieces[i + 1] as string);
  }
  for (const name of spec.required ?? []) if (values[name] == null) refuse(id, `"${name}" is required.`);
  let sep = "?";
  for (const name of query) {
    if (!(name in values)) continue;
    for (const item of [values[name]].flat()) {
      target += `${sep}${name}=${encode(id, name, String(item))}`;
      sep = "&";
    }
  }
  const headers: Record<string, string> = {};
  for (const name of header) {
    if (!(name in values)) continue;
    const value = String(values[name]);
    checkHeaderValue(id, name, value); // a CR or LF would otherwise reach fetch, and fail as a connection error
    headers[name.toLowerCase()] = value;
  }
  // The body as the operation's content type wants it; `content-type` set for text and JSON.
  let { body } = values;
  if (body !== undefined) {
    const text = type === "text/plain";
    if (text ? typeof body !== "string" : !isRecord(body)) {
      throw mustBe(`${id}: body`, text ? "a string" : "an object", body);
    }
    if (type === "multipart/form-data") body = toFormData(body as Record<string, unknown>);
    else {
      headers["content-type"] = text ? type : "application/json";
      if (!text) body = JSON.stringify(body);
    }
  }
  return { target, headers, body: body as WireParams["body"] };
}

/**
 * A multipart body as the schema describes it: `Blob` fields are files, and so are bytes
 * (a Uint8Array, Node's byte arrays too, an ArrayBuffer), which as objects would go as JSON text
 * (`{"0":104,...}`) and upload garbage; other objects (such as `metadata`) are JSON text,
 * everything else is its string form.
 */
function toFormData(body: Record<string, unknown>): FormData {
  const form = new FormData();
  const { filename } = body;
  for (let [name, value] of Object.entries(body)) {
    if (value === undefined) continue;
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) value = new Blob([value as ArrayBuffer]);
    if (value instanceof Blob) {
      const ownName = (value as { name?: unknown }).name; // a File knows its name
      const file = [filename, ownName, "blob"].find((n) => typeof n === "string") as string;
      form.append(name, value, file);
    } else form.append(name, typeof value === "object" && value !== null ? JSON.stringify(value) : String(value));
  }
  return form;
}
