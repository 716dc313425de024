/**
 * The run-time part of a generated `.ts` file: one `registerModelOutputs` call with each
 * model's output shape under each registry key, written as a person would (identifier
 * keys bare, short objects on one line), so a review of the file can read it.
 */
import type { OutputSchema } from "../../run/output.js";
import { propertyKey } from "./names.js";

/** The width a line may take before an object in it is written one member a line (as biome formats). */
const WIDTH = 120;

// `"__proto__": value` in an object literal sets the prototype instead of a member.
const keyText = (key: string) => (key === "__proto__" ? '["__proto__"]' : propertyKey(key));

/**
 * A JSON value as a TypeScript literal: on one line when `prefix` (what precedes it on
 * its line) and it fit in {@link WIDTH}, else each member on a line of its own.
 *
 * @example
 * literalText({ items: { format: "uri" } }, "  ") // '{ items: { format: "uri" } }'
 */
export function literalText(value: unknown, prefix: string, suffix = ","): string {
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  const entries = Array.isArray(value) ? value.map((v) => [undefined, v] as const) : Object.entries(value);
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0) return `${open}${close}`;
  const member = ([key, v]: readonly [string | undefined, unknown], at: string) => {
    const head = `${at}${key === undefined ? "" : `${keyText(key)}: `}`;
    return `${head.trimStart()}${literalText(v, head)}`;
  };
  const pad = Array.isArray(value) ? "" : " ";
  const line = `${open}${pad}${entries.map((e) => member(e, "")).join(", ")}${pad}${close}`;
  if (prefix.length + line.length + suffix.length <= WIDTH && !line.includes("\n")) return line;
  const indent = `${/^ */.exec(prefix)?.[0] ?? ""}  `;
  return `${open}\n${entries.map((e) => `${indent}${member(e, indent)},\n`).join("")}${indent.slice(2)}${close}`;
}

/**
 * The registration call: `shapes` by registry key, and the deployments of registered models.
 *
 * @example
 * registrationText([["acme/llm", { "x-cog-array-type": "iterator", "x-cog-array-display": "concatenate" }]], [])
 */
export function registrationText(shapes: [string, OutputSchema][], deployments: [string, string][]): string {
  const outputs = Object.fromEntries(shapes);
  const comment = [
    "// What `run` needs to normalise each model's output by its schema, registered when this",
    "// file is imported: with it, `run` joins a language model's tokens into one string and",
    "// makes FileOutputs of `format: uri` values, as `output` above says, without fetching",
    "// the version. `outputSchema: false` gives `urlOutput`.",
  ];
  const call = "registerModelOutputs(";
  if (deployments.length === 0) return [...comment, `${call}${literalText(outputs, call, ");")});`, ""].join("\n");
  const options = { deployments: Object.fromEntries(deployments) };
  return [...comment, call, `  ${literalText(outputs, "  ")},`, `  ${literalText(options, "  ")},`, ");", ""].join(
    "\n",
  );
}
