/**
 * The type of a `stream` output event's `data` for a Cog output schema, following what
 * the stream does at run time: it sends each item of an array output (the whole output
 * otherwise) as text, and makes a FileOutput of text that is an https or data URL.
 */
import { isFile, resolve, withoutNull } from "./cog-schema.js";
import { fileType, MAX_DEPTH, spend, type TypeContext, union } from "./type-text.js";

/**
 * The `data` of a `stream` output event: each item of an array output (a whole output
 * otherwise), sent as text, or as a FileOutput when it is a URL. So a `format: uri`
 * piece is a FileOutput and anything else a string (JSON text for numbers and objects).
 *
 * @example
 * streamText({ type: "array", items: { type: "string" }, "x-cog-array-type": "iterator" }, ctx) // "string"
 */
export function streamText(output: unknown, ctx: TypeContext): string {
  const resolved = resolve(output, ctx.root);
  if ("unknown" in resolved) return anyPiece(ctx);
  // A null output sends no event.
  const whole = resolve(withoutNull(resolved.schema).schema, ctx.root);
  if ("unknown" in whole) return anyPiece(ctx);
  const { schema } = whole;
  const isArray = schema.type === "array" || (schema.type === undefined && schema.items !== undefined);
  return pieceText(isArray ? schema.items : schema, ctx, 0);
}

function pieceText(node: unknown, ctx: TypeContext, depth: number): string {
  const resolved = resolve(node, ctx.root);
  if ("unknown" in resolved || depth > MAX_DEPTH || !spend(ctx)) return anyPiece(ctx);
  const { schema, nullable } = withoutNull(resolved.schema);
  const members = schema.anyOf ?? schema.oneOf ?? (Array.isArray(schema.type) ? schema.type : undefined);
  let pieces: string[];
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1) pieces = [pieceText(schema.allOf[0], ctx, depth + 1)];
  else if (Array.isArray(members)) {
    pieces = members.map((m) => pieceText(typeof m === "string" ? { ...schema, type: m } : m, ctx, depth + 1));
  } else pieces = [isFile(schema) ? fileType("output", ctx) : "string"];
  // A null item is sent as the text "null".
  return union(nullable ? [...pieces, "string"] : pieces);
}

function anyPiece(ctx: TypeContext): string {
  ctx.uses.add("FileOutput");
  return "string | FileOutput";
}
