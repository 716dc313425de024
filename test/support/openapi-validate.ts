// Replicate's OpenAPI schema as ajv validators: `nullable: true` is rewritten to a JSON
// Schema type union, the component schemas are registered under one id so every `$ref`
// resolves, and formats ajv-formats does not know (binary, int64) are accepted as they are.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

const root = new URL("../../", import.meta.url).pathname;

/** Where the schema snapshot lives: `../shared/openapi/` next to the repository. */
export const SCHEMA_PATH = join(root, "../shared/openapi/replicate.openapi.json");

export interface OpenApiResponse {
  content?: Record<string, { schema?: unknown }>;
}

export interface OpenApiOperation {
  operationId: string;
  method: string;
  path: string;
  responses: Record<string, OpenApiResponse>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, OpenApiResponse> }>>;
  components: { schemas: Record<string, unknown> };
}

/** The schema, or the reason it cannot be had. */
export function loadSchema(): { doc: OpenApiDocument } | { reason: string } {
  if (!existsSync(SCHEMA_PATH)) return { reason: `${SCHEMA_PATH} does not exist` };
  try {
    return { doc: JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as OpenApiDocument };
  } catch (error) {
    return { reason: `${SCHEMA_PATH} could not be read: ${String(error)}` };
  }
}

/** Every operation of the document (QUERY included), in document order. */
export function operationsOf(doc: OpenApiDocument): OpenApiOperation[] {
  const out: OpenApiOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (op && typeof op === "object" && typeof op.operationId === "string") {
        out.push({ operationId: op.operationId, method: method.toUpperCase(), path, responses: op.responses ?? {} });
      }
    }
  }
  return out;
}

const COMPONENTS_ID = "https://replicate.invalid/openapi.json";

/**
 * OpenAPI 3.0's `nullable: true` as JSON Schema: `{ type: X, nullable: true }` becomes
 * `{ type: [X, "null"] }` (and an `enum` gains `null`), recursively. Local `$ref`s are
 * pointed at the registered components.
 */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "example" || key === "examples") continue; // data, not schema
    out[key] = toJsonSchema(value);
  }
  if (typeof out.$ref === "string" && out.$ref.startsWith("#/")) out.$ref = `${COMPONENTS_ID}${out.$ref}`;
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === "string") out.type = [out.type, "null"];
    else if (Array.isArray(out.type) && !out.type.includes("null")) out.type = [...out.type, "null"];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  } else if (out.nullable === false) {
    delete out.nullable;
  }
  return out;
}

function formatsIn(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) formatsIn(item, found);
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "format" && typeof value === "string") found.add(value);
      else formatsIn(value, found);
    }
  }
  return found;
}

export interface ResponseValidator {
  /** The compiled validator for `operationId`'s response with `status` and `contentType`. */
  schemaFor(operationId: string, status: number): { contentType: string; schema: unknown } | undefined;
  /** The ajv errors of `body` against that response's schema, as readable lines. */
  check(operationId: string, status: number, body: unknown): string[];
}

export function createValidator(doc: OpenApiDocument): ResponseValidator {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  for (const format of formatsIn(doc)) if (!ajv.formats[format]) ajv.addFormat(format, true);
  ajv.addSchema({ $id: COMPONENTS_ID, components: toJsonSchema(doc.components) as object });
  const ops = new Map(operationsOf(doc).map((op) => [op.operationId, op]));
  const compiled = new Map<string, ValidateFunction>();

  function schemaFor(operationId: string, status: number) {
    const response = ops.get(operationId)?.responses[String(status)];
    if (!response) return undefined;
    const [contentType, media] = Object.entries(response.content ?? {})[0] ?? ["", {}];
    return { contentType, schema: media.schema };
  }

  function check(operationId: string, status: number, body: unknown): string[] {
    const found = schemaFor(operationId, status);
    if (!found) return [`${operationId}: no ${status} response in the schema`];
    if (found.schema === undefined) return [];
    const key = `${operationId} ${status}`;
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile(toJsonSchema(found.schema) as object);
      compiled.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || "/"} ${e.message ?? e.keyword}`);
  }

  return { schemaFor, check };
}
