/**
 * Which operation a request calls, read from the generated operation table (as the proxy
 * reads it), so that the fake's routes are keyed by operationId and cannot drift from the
 * schema's paths: there is no hand-written pattern to get wrong.
 */
import { type OperationId, operationTable } from "../generated/operations.js";
import { Refusal } from "./http.js";

/** A path parameter in a template, such as `{prediction_id}`: exactly one segment. */
const PARAM = /\{([^}]+)\}/g;

/**
 * A matcher for a path template: the decoded parameters of a path it matches, by name.
 * A parameter with a malformed percent-escape cannot name anything: a 404, as the API gives.
 *
 * @example
 * templateMatcher("/predictions/{prediction_id}")("/predictions/abc") // { prediction_id: "abc" }
 */
export function templateMatcher(template: string): (path: string) => Record<string, string> | undefined {
  const names = [...template.matchAll(PARAM)].map((m) => m[1] as string);
  const pattern = new RegExp(`^${template.replace(PARAM, "([^/]+)")}$`);
  return (path) => {
    const match = pattern.exec(path);
    if (!match) return undefined;
    try {
      return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] as string)]));
    } catch {
      throw new Refusal(404, "Not found", `Malformed path ${path}`);
    }
  };
}

const OPERATIONS = /* @__PURE__ */ Object.entries(operationTable).map(([id, spec]) => ({
  id: id as OperationId,
  method: spec.method as string,
  template: spec.path as string,
  match: templateMatcher(spec.path),
}));

/** An operation a request calls, with its path parameters. */
export interface CalledOperation {
  id: OperationId;
  method: string;
  /** The schema's path template, e.g. `/predictions/{prediction_id}`. */
  template: string;
  params: Record<string, string>;
}

/**
 * The operation `method path` calls (`path` relative to `/v1`), or `undefined` if none.
 * No two operations share a method and a path shape, so the first match is the only one.
 *
 * @example
 * calledOperation("GET", "/predictions/p1") // { id: "predictions.get", params: { prediction_id: "p1" }, … }
 */
export function calledOperation(method: string, path: string): CalledOperation | undefined {
  for (const op of OPERATIONS) {
    if (op.method !== method) continue;
    const params = op.match(path);
    if (params) return { id: op.id, method: op.method, template: op.template, params };
  }
  return undefined;
}
