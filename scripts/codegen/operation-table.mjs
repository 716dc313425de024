// Builds src/generated/operations.ts: the runtime table of every operation and the
// types that turn it into typed methods. Everything here is read from the schema;
// nothing is written per endpoint.

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace", "query"];

/** Resolve a local `#/components/...` reference. */
function deref(doc, node) {
  if (!node?.$ref) return node;
  return node.$ref
    .slice(2)
    .split("/")
    .reduce((at, key) => at[key], doc);
}

function responseKind(doc, op) {
  const codes = Object.keys(op.responses).filter((c) => /^2\d\d$/.test(c));
  const types = codes.flatMap((c) => Object.keys(deref(doc, op.responses[c]).content ?? {}));
  if (types.some((t) => t.includes("json"))) return { kind: "json", codes };
  if (types.includes("text/plain")) return { kind: "text", codes };
  if (types.length > 0) return { kind: "blob", codes };
  return { kind: "none", codes };
}

function isPage(doc, op, codes) {
  const media = deref(doc, op.responses[codes[0]])?.content?.["application/json"];
  const props = deref(doc, media?.schema)?.properties ?? {};
  return "results" in props && "next" in props;
}

/** Every operation in schema order, with what the client needs at run time. */
export function collectOperations(doc) {
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = {};
      const required = [];
      for (const raw of [...(item.parameters ?? []), ...(op.parameters ?? [])]) {
        const p = deref(doc, raw);
        params[p.name] = p.in;
        if (p.required || p.in === "path") required.push(p.name);
      }
      const body = op.requestBody ? deref(doc, op.requestBody) : undefined;
      const bodyType = body ? Object.keys(body.content)[0] : undefined;
      if (body?.required) required.push("body");
      const { kind, codes } = responseKind(doc, op);
      ops.push({
        id: op.operationId,
        method: method.toUpperCase(),
        path,
        params,
        required,
        bodyType,
        response: kind,
        codes,
        paginated: kind === "json" && isPage(doc, op, codes),
      });
    }
  }
  return ops;
}

const q = JSON.stringify;

// Path parameters are the `{names}` of the path template, so the table lists only the
// query and header ones; this keeps the table, which ships in the bundle, small.
function tableEntry(op) {
  const parts = [`method: ${q(op.method)}`, `path: ${q(op.path)}`];
  for (const place of ["query", "header"]) {
    const names = Object.keys(op.params).filter((name) => op.params[name] === place);
    if (names.length) parts.push(`${place}: ${q(names)}`);
  }
  const required = op.required.filter((name) => op.params[name] !== "path");
  if (required.length) parts.push(`required: ${q(required)}`);
  if (op.bodyType) parts.push(`body: ${q(op.bodyType)}`);
  if (op.response !== "json") parts.push(`response: ${q(op.response)}`);
  if (op.paginated) parts.push("paginated: true");
  return `  ${q(op.id)}: { ${parts.join(", ")} },`;
}

function paramsType(op) {
  const O = `operations[${q(op.id)}]`;
  const parts = [];
  const places = new Set(Object.values(op.params));
  for (const place of ["path", "query", "header"]) {
    if (places.has(place)) parts.push(`NonNullable<${O}["parameters"][${q(place)}]>`);
  }
  if (op.bodyType) {
    const content = `NonNullable<${O}["requestBody"]>["content"][${q(op.bodyType)}]`;
    parts.push(op.required.includes("body") ? `{ body: ${content} }` : `{ body?: ${content} }`);
  }
  return parts.length ? parts.join(" & ") : "NoParams";
}

function resultType(op) {
  if (op.response === "none") return "undefined";
  if (op.response === "text") return "string";
  if (op.response === "blob") return "Blob";
  const O = `operations[${q(op.id)}]["responses"]`;
  return op.codes.map((c) => `${O}[${c}]["content"]["application/json"]`).join(" | ");
}

/** The nested method tree, e.g. `webhooks.default.secret.get`, as a type. */
function treeType(ops) {
  const root = {};
  for (const op of ops) {
    const keys = op.id.split(".");
    let at = root;
    for (const k of keys.slice(0, -1)) at = at[k] ??= {};
    at[keys.at(-1)] = op.id;
  }
  const render = (node, indent) =>
    Object.entries(node)
      .map(([k, v]) =>
        typeof v === "string"
          ? `${indent}${k}: M[${q(v)}];`
          : `${indent}${k}: {\n${render(v, `${indent}  `)}\n${indent}};`,
      )
      .join("\n");
  return `export interface OperationTree<M extends Record<OperationId, unknown>> {\n${render(root, "  ")}\n}`;
}

/** The text of src/generated/operations.ts. */
export function renderOperations(ops, header) {
  const lines = (f) => ops.map(f).join("\n");
  return `${header}
import type { operations } from "./schema.js";

/** Where one operation's inputs go on the wire. */
export interface OperationSpec {
  readonly method: string;
  /** Path template; its \`{names}\` are the path parameters, all required. */
  readonly path: string;
  /** Query parameter names. */
  readonly query?: readonly string[];
  /** Header parameter names. */
  readonly header?: readonly string[];
  /** Query and header parameters (and \`body\`) that must be present. */
  readonly required?: readonly string[];
  /** Request content type, when the operation takes a body. */
  readonly body?: string;
  /** How the success body is read. @default "json" */
  readonly response?: "text" | "blob" | "none";
  /** The response is a cursor page: \`{ next, previous, results }\`. */
  readonly paginated?: true;
}

/** All ${ops.length} operations of Replicate's API, keyed by operationId. */
export const operationTable = {
${lines(tableEntry)}
} as const satisfies Record<string, OperationSpec>;

/** An operationId, such as \`"predictions.get"\`. */
export type OperationId = keyof typeof operationTable;

/** For operations that take no input. */
export type NoParams = Record<string, never>;

/** The params object of each operation: path, query and header inputs by name, plus \`body\`. */
export interface OperationParams {
${lines((op) => `  ${q(op.id)}: ${paramsType(op)};`)}
}

/** What each operation resolves to. */
export interface OperationResults {
${lines((op) => `  ${q(op.id)}: ${resultType(op)};`)}
}

/** Operations whose params may be left out entirely. */
export type OptionalParamsId = ${ops
    .filter((op) => op.required.length === 0)
    .map((op) => q(op.id))
    .join(" | ")};

/** Operations that return a cursor page. */
export type PaginatedId = ${ops
    .filter((op) => op.paginated)
    .map((op) => q(op.id))
    .join(" | ")};

${treeType(ops)}
`;
}

const README_START = "<!-- operations:start (generated by npm run generate) -->";
const README_END = "<!-- operations:end -->";

function callExample(op) {
  const names = Object.entries(op.params).map(([name, place]) => {
    const key = /^[a-z_][a-z0-9_]*$/i.test(name) ? name : q(name);
    return op.required.includes(name) || place === "path" ? key : `${key}?`;
  });
  if (op.bodyType) names.push(op.required.includes("body") ? "body" : "body?");
  return `replicate.${op.id}(${names.length ? `{ ${names.join(", ")} }` : ""})`;
}

const RETURNS = { none: "`undefined`", text: "`string`", blob: "`Blob`" };

/** Replace the operations table between the README's markers. */
export function spliceReadme(readme, ops) {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${README_START} … ${README_END} markers`);
  const rows = ops.map((op) => {
    const body = op.bodyType ? ` (${op.bodyType})` : "";
    const returns = op.paginated ? "page, iterable" : (RETURNS[op.response] ?? "JSON");
    return `| \`${callExample(op)}\` | \`${op.method} ${op.path}\`${body} | ${returns} |`;
  });
  const table = ["| Method | HTTP | Resolves to |", "| --- | --- | --- |", ...rows].join("\n");
  return `${readme.slice(0, start + README_START.length)}\n${table}\n${readme.slice(end)}`;
}
