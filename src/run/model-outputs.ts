/**
 * Output shapes registered at run time by files that `replicate-kit types` generates
 * (`.ts` ones: a `.d.ts` has no run time). With one registered for a model reference,
 * `run` normalises by it by default, as `outputSchema: true` would, without fetching the
 * version's schema: so a language model's tokens come back as one string, which is what
 * the generated types say (issue 15). Empty until a generated file is imported, so `run`
 * pays only a Map lookup; the registering function is dropped from apps that never call it.
 */
import type { OutputSchema } from "./output.js";
import type { ModelRef } from "./refs.js";

/**
 * The registry: shapes keyed exactly as the ModelRegistry is (`owner/name`,
 * `owner/name:<version>`), so a reference is normalised by its shape exactly when its types
 * come from the registry; and, under a space and its `owner/name` (no model reference has
 * a space), each deployment's model key. One per process under a `Symbol.for` key, not one
 * per copy of this module: an app that loads the package both ways (its generated file
 * imported, `run` required) sees the shapes from either. Made on first use.
 */
const registry = (): Map<string, OutputSchema | string> =>
  ((globalThis as Record<symbol, never>)[Symbol.for("replicate-kit.outputs.v1")] ??= new Map() as never);

/** Options of {@link registerModelOutputs}. */
export interface RegisterOutputsOptions {
  /** Deployments (`owner/name`) and the key of the model each serves. */
  deployments?: Record<string, string>;
}

/**
 * Register the output shape of models, by registry key: what `run` needs to normalise
 * their output by their schema (the output schema, `$ref`s resolved, only the keys
 * normalisation reads). Called by the `.ts` files `replicate-kit types` writes; a key
 * registered again takes the newer shape.
 *
 * @example
 * registerModelOutputs(
 *   { "meta/meta-llama-3-8b-instruct": { "x-cog-array-type": "iterator", "x-cog-array-display": "concatenate" } },
 *   { deployments: { "acme/llama": "meta/meta-llama-3-8b-instruct" } },
 * )
 * await run(replicate, "meta/meta-llama-3-8b-instruct", { input }) // "Hello", not ["Hel", "lo"]
 */
export function registerModelOutputs(
  outputs: Record<string, OutputSchema>,
  options: RegisterOutputsOptions = {},
): void {
  const shapes = registry();
  for (const [key, shape] of Object.entries(outputs)) shapes.set(key, shape);
  for (const [name, key] of Object.entries(options.deployments ?? {})) shapes.set(` ${name}`, key);
}

/**
 * The output shape registered for a model reference, or undefined. Only the exact key
 * counts: a URL or a bare version id is not in the registry's types either.
 *
 * @example
 * registeredOutput({ deployment: "acme/llama" }) // the shape of meta/meta-llama-3-8b-instruct, once registered
 */
export function registeredOutput(ref: ModelRef): OutputSchema | undefined {
  const shapes = registry();
  const key = typeof ref === "string" ? ref : shapes.get(` ${ref.deployment}`);
  return typeof key === "string" ? (shapes.get(key) as OutputSchema | undefined) : undefined;
}
