/**
 * Names in the generated file: property keys as written in the schema (quoted when they
 * are not identifiers), and one readable, unique type name per model version.
 */

import { escapeUnsafe } from "../terminal-text.js";

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * A property key: bare when it is an identifier, else quoted (bidi and control
 * characters as `\uXXXX` escapes, which name the same key).
 *
 * @example
 * propertyKey("top_k")     // "top_k"
 * propertyKey("image-url") // '"image-url"'
 */
export const propertyKey = (name: string) => (IDENTIFIER.test(name) ? name : escapeUnsafe(JSON.stringify(name)));

/**
 * Words joined in PascalCase, letters and digits only; a name that would start with a
 * digit gets an `M` in front.
 *
 * @example
 * pascal("meta-llama-3-8b-instruct") // "MetaLlama38bInstruct"
 */
export function pascal(text: string): string {
  const joined = text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join("");
  return /^[0-9]/.test(joined) ? `M${joined}` : joined || "Model";
}

// Names the generated file uses or that would shadow a global type it relies on.
const RESERVED = new Set(["Array", "Record", "FileInput", "FileOutput", "Object", "String", "Number", "Boolean"]);

/** One model version to name: `model` is "owner/name". */
export interface Nameable {
  model: string;
  version: string | undefined;
}

/**
 * A type name for each model version, in the order given: the model's name alone when
 * no other model in the file has it, else owner and name; with the version's first
 * eight digits when the file holds several versions of the model; a number at the end
 * if that still clashes. The same models always get the same names.
 *
 * @example
 * typeNames([{ model: "black-forest-labs/flux-schnell", version: undefined }]) // ["FluxSchnell"]
 */
export function typeNames(items: Nameable[]): string[] {
  const byName = new Map<string, Set<string>>();
  const versions = new Map<string, Set<string | undefined>>();
  for (const { model, version } of items) {
    const name = model.split("/")[1] ?? model;
    byName.set(name, (byName.get(name) ?? new Set()).add(model));
    versions.set(model, (versions.get(model) ?? new Set()).add(version));
  }
  const taken = new Set<string>();
  return items.map(({ model, version }) => {
    const [owner = "", name = model] = model.split("/");
    let base = pascal((byName.get(name)?.size ?? 0) > 1 ? `${owner} ${name}` : name);
    if ((versions.get(model)?.size ?? 0) > 1) base += `V${(version ?? "unknown").slice(0, 8)}`;
    // The input interface is named too: a model called "file" would declare FileInput.
    if (RESERVED.has(base) || RESERVED.has(`${base}Input`)) base += "Model";
    let unique = base;
    // `<Name>Input` is taken by the same model, so a clash with it counts too.
    for (let n = 2; taken.has(unique) || taken.has(`${unique}Input`); n++) unique = `${base}${n}`;
    taken.add(unique).add(`${unique}Input`);
    return unique;
  });
}
