/**
 * The declarations of one model version in a generated file: its input interface, and
 * its entry with the output as each way of running it gives it.
 */
import type { OutputSchema } from "../../run/output.js";
import { isSchema, resolve } from "./cog-schema.js";
import { commentText, lineCommentText } from "./jsdoc.js";
import { streamText } from "./stream-text.js";
import { member, objectText, type TypeContext, typeText, unknownType, withBudget } from "./type-text.js";

/** What an entry is written from. */
export interface EntrySource {
  /** The version's `openapi_schema`. */
  document: unknown;
  description: string | undefined;
  /** What the file registers of the output schema; undefined when it registers nothing. */
  shape?: OutputSchema | undefined;
}

/**
 * The named schemas of a Cog document (`components.schemas`), or none.
 *
 * @example
 * schemasOf(document).Output // the output schema, when there is one
 */
export const schemasOf = (document: unknown): Record<string, unknown> => {
  const components = isSchema(document) ? document.components : undefined;
  const schemas = isSchema(components) ? components.schemas : undefined;
  return isSchema(schemas) ? schemas : {};
};

/**
 * The input type's declaration: an interface of the fields, or an alias when there are none.
 *
 * @example
 * inputDeclaration("FluxSchnellInput", "black-forest-labs/flux-schnell", document, ctx) // "export interface FluxSchnellInput {…}"
 */
export function inputDeclaration(name: string, label: string, document: unknown, ctx: TypeContext): string {
  const doc = `/** The input of ${label}. */\n`;
  const node = schemasOf(document).Input;
  if (node === undefined) return `${doc}export type ${name} = Record<string, unknown>; // the schema has no Input\n`;
  const resolved = resolve(node, document);
  if ("unknown" in resolved)
    return `${doc}export type ${name} = Record<string, unknown>; // ${lineCommentText(resolved.unknown)}\n`;
  const props = resolved.schema.properties;
  if (!isSchema(props) || Object.keys(props).length === 0)
    return `${doc}export type ${name} = Record<string, never>;\n`;
  return `${doc}export interface ${name} ${objectText(resolved.schema, "input", withBudget(ctx), "")}\n`;
}

/**
 * The entry: the input, and the output as each way of running the model gives it. With
 * its shape registered, `run`'s default is by the schema, and `outputSchema: false` gives
 * `urlOutput`; without, the default gives URLs as files and `outputSchema: true` `schemaOutput`.
 *
 * @example
 * entryDeclaration("Llama", { document, description: undefined, shape }, "meta/llama", ctx) // "export interface Llama {…}"
 */
export function entryDeclaration(name: string, group: EntrySource, label: string, ctx: TypeContext): string {
  const output = schemasOf(group.document).Output;
  const of = (mode: "raw" | "output" | "schemaOutput") =>
    output === undefined ? unknownType("the schema has no Output") : typeText(output, mode, withBudget(ctx), "  ");
  const firstLine = group.description?.trim().split(/\r\n|\r|\n/)[0];
  const about = firstLine === undefined ? undefined : commentText(firstLine);
  const outputs = group.shape
    ? [
        "  /** What `run` resolves to: by the schema this file registers, token iterators joined, `format: uri` values as FileOutputs. */",
        `  ${member("output", of("schemaOutput"))}`,
        "  /** What `run` resolves to with `outputSchema: false`: URLs as FileOutputs, token iterators as arrays. */",
        `  ${member("urlOutput", of("output"))}`,
      ]
    : [
        "  /** What `run` resolves to: URLs as FileOutputs, token iterators as arrays. */",
        `  ${member("output", of("output"))}`,
        "  /** What `run` resolves to with `outputSchema: true`: token iterators joined, `format: uri` values as FileOutputs. */",
        `  ${member("schemaOutput", of("schemaOutput"))}`,
      ];
  return [
    `/** ${label}${about ? `: ${about}` : ""} */`,
    `export interface ${name} {`,
    `  input: ${name}Input;`,
    ...outputs,
    "  /** `prediction.output` as the API sends it: `createPrediction`, `wait`, `run` with `raw: true`. */",
    `  ${member("raw", of("raw"))}`,
    "  /** The `data` of each `output` event of `stream`. */",
    `  ${member("stream", streamText(output, withBudget(ctx)))}`,
    "}",
    "",
  ].join("\n");
}
