/**
 * A Cog schema node as TypeScript type text, in one of the ways a value of it reaches
 * the caller. The output modes follow the library's runtime exactly (`normalizeOutput`
 * in src/run/output.ts, and the stream's events), so a type never promises what the
 * runtime does not give.
 */

import { escapeUnsafe } from "../terminal-text.js";
import {
  type CogSchema,
  isConcatenated,
  isFile,
  isLiteral,
  isSchema,
  orderedProperties,
  requiredNames,
  resolve,
  withoutNull,
} from "./cog-schema.js";
import { commentText, docComment, docLines } from "./jsdoc.js";
import { propertyKey } from "./names.js";

/**
 * - `input`: what the caller may pass (a file: a URL or a file value to upload);
 * - `raw`: the JSON the API sends (`prediction.output`);
 * - `output`: what `run` resolves to by default: every https/data URL string becomes a
 *   FileOutput (the types assume only `format: uri` strings hold URLs), arrays stay arrays;
 * - `schemaOutput`: what `run` resolves to with `outputSchema: true`: `format: uri` values
 *   become FileOutputs and token iterators (`concatenate`) one string.
 */
export type Mode = "input" | "raw" | "output" | "schemaOutput";

/** What the walk needs: the whole document for `$ref`s, and a record of the library types used. */
export interface TypeContext {
  root: unknown;
  uses: Set<"FileInput" | "FileOutput">;
  /** How many more schema nodes one type may be written from (see {@link withBudget}). */
  budget?: { left: number } | undefined;
}

/** How deep the walk goes before it calls a schema recursive. */
export const MAX_DEPTH = 24;

/** The most schema nodes one type is written from: real models' take tens (fixtures/cog-schemas: at most 44). */
export const MAX_NODES = 1000;

/**
 * `ctx` with a fresh budget, for one type. `$ref`s are written out in place, so a schema
 * that uses a type twice at each level (a tree's `left` and `right`) doubles at every
 * level down to {@link MAX_DEPTH}: 2^24 nodes, a hang. Past the budget, `unknown`.
 *
 * @example
 * typeText(output, "raw", withBudget(ctx))
 */
export const withBudget = (ctx: TypeContext): TypeContext => ({ ...ctx, budget: { left: MAX_NODES } });

/** Whether one more node may be written; counts it. */
export const spend = (ctx: TypeContext) => !ctx.budget || ctx.budget.left-- > 0;

/**
 * `unknown`, with the reason as a comment, for whatever the emitter does not understand.
 *
 * @example
 * unknownType("allOf with 2 schemas") // "unknown /* allOf with 2 schemas *\/"
 */
export const unknownType = (why: string) => `unknown /* ${commentText(why)} */`;

/**
 * Types joined into a union, each once; `unknown` (with its reason) absorbs the rest.
 *
 * @example
 * union(["string", "null", "string"]) // "string | null"
 */
export function union(types: string[]): string {
  const unknown = types.find((t) => t === "unknown" || t.startsWith("unknown /*"));
  return unknown ?? [...new Set(types)].join(" | ");
}

const SIMPLE = /^(?:[A-Za-z_$][\w$]*(?:\[\])*|"(?:[^"\\]|\\.)*"|-?[\d.e+]+)$/;
const arrayOf = (item: string) => (SIMPLE.test(item) ? `${item}[]` : `Array<${item}>`);
// JSON leaves bidi and line-separator characters raw in a string; as `\uXXXX` they mean the same.
const literal = (value: string | number | boolean | null) => escapeUnsafe(JSON.stringify(value));

/**
 * The type of a schema node in `mode`, written at `indent` (for multi-line objects).
 *
 * @example
 * typeText({ type: "array", items: { type: "string", format: "uri" } }, "output", ctx) // "FileOutput[]"
 */
export function typeText(node: unknown, mode: Mode, ctx: TypeContext, indent = "", depth = 0): string {
  if (depth > MAX_DEPTH) return unknownType("nested too deeply: a recursive schema?");
  if (!spend(ctx)) return unknownType("too large to write out: the schema repeats its types too often");
  const resolved = resolve(node, ctx.root);
  if ("unknown" in resolved) return unknownType(resolved.unknown);
  const { schema, nullable, wrapped } = withoutNull(resolved.schema);
  // normalizeOutput looks through an anyOf/oneOf of one type (with null: Cog's Optional),
  // not through a choice of several types: what is under one comes back as sent.
  const choice = schema.anyOf ?? schema.oneOf;
  const single = Array.isArray(choice) && choice.length === 1 && !schema.type;
  const inner = mode === "schemaOutput" && choice && !single ? "raw" : mode;
  const type = wrapped && Array.isArray(schema.allOf) ? typeText(schema, inner, ctx, indent, depth + 1) : base();
  return nullable ? union([type, "null"]) : type;

  function base(): string {
    const members = schema.anyOf ?? schema.oneOf;
    if (members !== undefined) {
      if (!Array.isArray(members) || members.length === 0) return unknownType("an empty anyOf/oneOf");
      return union(members.map((m) => typeText(m, inner, ctx, indent, depth + 1)));
    }
    // Cog writes only the one-element allOf that `resolve` unwraps.
    if (Array.isArray(schema.allOf)) return unknownType(`allOf with ${schema.allOf.length} schemas`);
    if ("const" in schema) return isLiteral(schema.const) ? literal(schema.const) : unknownType("a non-literal const");
    if (schema.enum !== undefined) {
      if (!Array.isArray(schema.enum) || schema.enum.length === 0) return unknownType("an empty enum");
      if (!schema.enum.every(isLiteral)) return unknownType("an enum of non-literal values");
      const members = [...new Set(schema.enum.map(literal))];
      // A long enum reads best one value a line; the line break starts the type.
      const oneLine = members.join(" | ");
      return oneLine.length <= 80 ? oneLine : `\n${members.map((m) => `${indent}  | ${m}`).join("\n")}`;
    }
    if (Array.isArray(schema.type)) {
      return union(schema.type.map((t) => typeText({ ...schema, type: t }, inner, ctx, indent, depth + 1)));
    }
    const type = schema.type ?? (schema.properties ? "object" : schema.items ? "array" : undefined);
    switch (type) {
      case "string":
        return isFile(schema) ? fileType(inner, ctx) : "string";
      case "integer":
      case "number":
        return "number";
      case "boolean":
        return "boolean";
      case "null":
        return "null";
      case "array":
        return array();
      case "object":
        return object();
      case undefined:
        return unknownType("no type");
      default:
        return unknownType(`type ${JSON.stringify(type)}`);
    }
  }

  function array(): string {
    if (schema.items === undefined) return "unknown[]";
    if (inner === "schemaOutput" && isConcatenated(schema)) {
      // Joined only when every item is a string (an empty array too: it becomes "").
      const item = typeText(schema.items, "raw", ctx, indent, depth + 1);
      if (item === "string") return "string";
      return union(["string", arrayOf(typeText(schema.items, inner, ctx, indent, depth + 1))]);
    }
    return arrayOf(typeText(schema.items, inner, ctx, indent, depth + 1));
  }

  function object(): string {
    const props = orderedProperties(schema);
    if (props.length === 0) {
      const extra = schema.additionalProperties;
      const value = isSchema(extra) ? typeText(extra, inner, ctx, indent, depth + 1) : "unknown";
      return `{ [key: string]: ${value} }`;
    }
    return objectText(schema, inner, ctx, indent, depth);
  }
}

/**
 * A file field's type in `mode`, recording the library type it uses.
 *
 * @example
 * fileType("input", ctx) // "FileInput"
 */
export function fileType(mode: Mode, ctx: TypeContext): string {
  if (mode === "raw") return "string";
  const name = mode === "input" ? "FileInput" : "FileOutput";
  ctx.uses.add(name);
  return name;
}

/**
 * An object schema's properties as a multi-line object type, each with its doc comment.
 * On input, a field is optional unless it is required without a default; on output, a
 * field that is not required may be missing or `null` (Cog sends unset fields as null).
 *
 * @example
 * objectText({ properties: { caption: { type: "string" } }, required: ["caption"] }, "output", ctx, "")
 * // "{\n  caption: string;\n}"
 */
export function objectText(schema: CogSchema, mode: Mode, ctx: TypeContext, indent: string, depth = 0): string {
  const required = requiredNames(schema);
  const step = `${indent}  `;
  let text = "{\n";
  for (const [name, node] of orderedProperties(schema)) {
    const own = isSchema(node) ? node : {};
    const resolved = resolve(node, ctx.root);
    const target = "schema" in resolved ? withoutNull(resolved.schema).schema : {};
    const optional = !required.has(name) || (mode === "input" && own.default !== undefined);
    let type = typeText(node, mode, ctx, step, depth + 1);
    if (optional && mode !== "input") type = union([type, "null"]);
    text += docComment(docLines(name, own, target), step);
    text += `${step}${member(propertyKey(name) + (optional ? "?" : ""), type)}\n`;
  }
  return `${text}${indent}}`;
}

/**
 * One member of an object type, `key: type;`; a type that starts with a line break
 * (a long enum, one value a line) follows the colon directly.
 *
 * @example
 * member("prompt?", "string") // "prompt?: string;"
 */
export const member = (key: string, type: string) => `${key}:${type.startsWith("\n") ? "" : " "}${type};`;
