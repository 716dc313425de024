/**
 * What a generated `.ts` file registers of a model's output schema: only the keys that
 * output normalisation reads, with every `$ref` resolved by the runtime's own
 * `resolveRef`, so that normalising by the shape gives exactly what normalising by the
 * whole schema gives (`outputSchema: true`), with no document to carry along.
 */
import { type OutputSchema, resolveRef } from "../../run/output.js";
import { isConcatenated, isSchema } from "./cog-schema.js";
import { MAX_NODES } from "./type-text.js";

/**
 * The output shape of a schema node, or undefined when it cannot be registered: a schema
 * that refers to itself (its inlined shape would never end) or one normalisation would
 * stumble on. Keys come in a fixed order (properties by code point), so the generated
 * file does not depend on the order they were written in.
 *
 * @example
 * outputShape({ type: "array", items: { type: "string", format: "uri" }, title: "Output" }, document)
 * // { items: { format: "uri" } }
 */
export function outputShape(node: unknown, root: unknown): OutputSchema | undefined {
  const path = new Set<OutputSchema>();
  let nodes = 0;
  const walk = (raw: unknown): OutputSchema => {
    // A schema that uses a type many times over (no cycle) would be written out in full.
    if (++nodes > MAX_NODES) throw new RangeError("a schema too large to register");
    const schema = resolveRef(isSchema(raw) ? (raw as OutputSchema) : undefined, root);
    // Anything else reads as no schema: the value is left as it is, which `{}` says too.
    if (!isSchema(schema)) return {};
    if (path.has(schema)) throw new RangeError("a schema that refers to itself");
    path.add(schema);
    const shape: OutputSchema = {};
    if (schema.format === "uri") shape.format = "uri";
    if (isConcatenated(schema)) {
      shape["x-cog-array-type"] = "iterator";
      shape["x-cog-array-display"] = "concatenate";
    }
    // An empty shape normalises as no shape does: left out, to keep the file small.
    const items = schema.items === undefined ? {} : walk(schema.items);
    if (Object.keys(items).length > 0) shape.items = items;
    const props = isSchema(schema.properties) ? schema.properties : {};
    const properties = Object.keys(props)
      .sort(byCodePoint)
      .map((name): [string, OutputSchema] => [name, walk(props[name])])
      .filter(([, p]) => Object.keys(p).length > 0);
    if (properties.length > 0) shape.properties = Object.fromEntries(properties);
    path.delete(schema);
    return shape;
  };
  try {
    return walk(node);
  } catch {
    // A recursive or too large schema, or one resolveRef stumbles on (it trusts the document's types:
    // a `$ref` that is not a string, an `anyOf` that is no array): left unregistered.
    return undefined;
  }
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
