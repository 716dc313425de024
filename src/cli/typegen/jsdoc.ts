/**
 * JSDoc for a generated field, from the model's own schema: its description and title,
 * its limits and its default. This is what an editor shows on hover, so it says what the
 * model's author wrote, not what the generator knows.
 */
import { escapeUnsafe } from "../terminal-text.js";
import { type CogSchema, isSecret } from "./cog-schema.js";

// Cog's enum schemas all say this; it tells the reader nothing.
const ENUM_BOILERPLATE = "An enumeration.";

/**
 * Text from a schema, safe inside a `/* *\/` comment: `*\/` would end the comment early
 * (what follows would be code), and control or bidi characters would make the file read
 * differently from what it compiles to.
 *
 * @example
 * commentText("a *\/ b") // "a *\\/ b" (the example's own `*\/` is escaped too)
 */
export const commentText = (text: string) => escapeUnsafe(text).replace(/\*\//g, "*\\/");

/**
 * Text from a schema, safe on one `//` line: a line break would end the comment, and
 * what follows it would be code.
 *
 * @example
 * lineCommentText("unresolved $ref #/x\nrun()") // "unresolved $ref #/x run()"
 */
export const lineCommentText = (text: string) => commentText(text.replace(/\r\n|\r|\n/g, " "));

const lineBreak = /\r\n|\r|\n/;

/** Cog titles a field after its name ("top_k" → "Top K"): such a title adds nothing. */
const sameWords = (a: string, b: string) =>
  a.toLowerCase().replace(/[^a-z0-9]/g, "") === b.toLowerCase().replace(/[^a-z0-9]/g, "");

const TAGS = [
  ["minimum", "minimum"],
  ["exclusiveMinimum", "exclusiveMinimum"],
  ["maximum", "maximum"],
  ["exclusiveMaximum", "exclusiveMaximum"],
  ["minLength", "minLength"],
  ["maxLength", "maxLength"],
  ["minItems", "minItems"],
  ["maxItems", "maxItems"],
  ["pattern", "pattern"],
] as const;

/**
 * The lines of a field's doc comment. `own` is the field's schema as written (it holds
 * the description and default of an enum field), `target` what it resolves to (the
 * enum, or the type with its limits).
 *
 * @example
 * docLines("top_p", { description: "Nucleus sampling", minimum: 0, maximum: 1, default: 0.9 }, { type: "number" })
 * // ["Nucleus sampling", "@minimum 0", "@maximum 1", "@default 0.9"]
 */
export function docLines(name: string, own: CogSchema, target: CogSchema): string[] {
  const pick = (key: string): unknown => (own[key] !== undefined ? own[key] : target[key]);
  const lines: string[] = [];
  const title = typeof own.title === "string" ? own.title : undefined;
  if (title && !sameWords(title, name)) lines.push(title.trim());
  const description = [own.description, target.description].find(
    (d): d is string => typeof d === "string" && d.trim() !== "" && d.trim() !== ENUM_BOILERPLATE,
  );
  if (description) lines.push(description.trim());
  if (isSecret(target)) lines.push("A secret: Replicate redacts it once the model has it.");
  if (target.type === "integer") lines.push("An integer.");
  for (const [key, tag] of TAGS) {
    const value = pick(key);
    if (typeof value === "number" || typeof value === "string") lines.push(`@${tag} ${value}`);
  }
  const fallback = pick("default");
  if (fallback !== undefined) lines.push(`@default ${JSON.stringify(fallback)}`);
  const deprecated = pick("deprecated");
  if (deprecated === true || typeof deprecated === "string") {
    lines.push(typeof deprecated === "string" ? `@deprecated ${deprecated}` : "@deprecated");
  }
  // Any of them may hold a line break (a title, a pattern): each line gets its ` * `.
  return lines.flatMap((line) => line.split(lineBreak)).map(commentText);
}

/**
 * A doc comment at `indent`, on one line when it fits; nothing for no lines.
 *
 * @example
 * docComment(["The prompt."], "  ") // '  /** The prompt. *\/\n'
 */
export function docComment(lines: string[], indent: string): string {
  if (lines.length === 0) return "";
  const only = lines[0] ?? "";
  if (lines.length === 1 && indent.length + only.length <= 110) {
    return `${indent}/** ${only} */\n`;
  }
  const body = lines.map((line) => (line.trim() === "" ? `${indent} *` : `${indent} * ${line}`)).join("\n");
  return `${indent}/**\n${body}\n${indent} */\n`;
}
