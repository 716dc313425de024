/**
 * One generated file for several models: for each model version an input interface and
 * an entry with its output types, then a `declare module "replicate-kit"` block that
 * adds the entries to the library's ModelRegistry under each key, and (in a `.ts` file)
 * the registration of each output's shape, so `run`'s default output is what the entry
 * says. The text depends only on the schemas and the options (the date among them),
 * never on the order models were asked in, so running the command again gives the same file.
 */
import { InputError } from "../../core/errors.js";
import type { OutputSchema } from "../../run/output.js";
import { entryDeclaration, inputDeclaration, schemasOf } from "./entry-text.js";
import { headerText, type Recorded, type Source } from "./header.js";
import { commentText } from "./jsdoc.js";
import { typeNames } from "./names.js";
import { outputShape } from "./output-shape.js";
import { registrationText } from "./register-text.js";
import type { TypeContext } from "./type-text.js";

/** One model's schema, and how it was had. */
export interface ModelSchema {
  /** `owner/name`. */
  model: string;
  /** The version id, when known. */
  version: string | undefined;
  source: Source;
  /** The model's description, when it was fetched. */
  description?: string | undefined;
  /** The version's `openapi_schema`: a Cog document with `components.schemas.Input` and `Output`. */
  document: unknown;
}

/** Options of {@link emitModelTypes}. */
export interface EmitOptions {
  /** The date in the header, `YYYY-MM-DD`. */
  date: string;
  /** Deployments (`owner/name`) and the registry key of the model each serves. */
  deployments?: Record<string, string> | undefined;
  /** The command that makes the file again, shown in the header. */
  command?: string | undefined;
  /**
   * Write a declaration file (`.d.ts`): types only. It cannot register output shapes, so
   * `run`'s default output stays URLs as FileOutputs and token iterators as arrays.
   * @default false: a `.ts` file, which registers them
   */
  declaration?: boolean | undefined;
}

/** The registry keys a model is filed under: `owner/name` unless pinned, and `owner/name:<version>`. */
function keysOf(m: ModelSchema): string[] {
  const versioned = m.version ? [`${m.model}:${m.version}`] : [];
  return m.source === "pinned" ? versioned : [m.model, ...versioned];
}

interface Group {
  model: string;
  version: string | undefined;
  description: string | undefined;
  document: unknown;
  keys: Set<string>;
  /** What the file registers of the output schema; undefined when it registers nothing. */
  shape?: OutputSchema | undefined;
}

/** One group per model version (asked for twice, or as latest and pinned: once), in a fixed order. */
function groupByVersion(models: ModelSchema[]): Group[] {
  const groups = new Map<string, Group>();
  const owner = new Map<string, string>();
  for (const [i, m] of models.entries()) {
    // Two schemas of one model with no version id are never taken for the same one.
    const id = `${m.model}\n${m.version ?? `?${i}`}`;
    const group = groups.get(id) ?? {
      model: m.model,
      version: m.version,
      description: undefined,
      document: m.document,
      keys: new Set(),
    };
    group.description ??= m.description;
    for (const key of keysOf(m)) {
      const other = owner.get(key);
      if (other !== undefined && other !== id) throw new InputError(`"${key}" is given twice, with different schemas.`);
      owner.set(key, id);
      group.keys.add(key);
    }
    groups.set(id, group);
  }
  const order = (g: Group) => `${g.model}\n${g.version ?? ""}`;
  return [...groups.values()].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/**
 * The generated file's text for `models`.
 *
 * @example
 * const text = emitModelTypes([{ model: "acme/echo", version, source: "latest", document }], { date: "2025-01-31" })
 */
export function emitModelTypes(models: ModelSchema[], options: EmitOptions): string {
  if (models.length === 0) throw new InputError("No models to generate types for.");
  const groups = groupByVersion(models);
  for (const group of groups) {
    const output = schemasOf(group.document).Output;
    // As `run` with `outputSchema: true`, which normalises by URLs when there is no Output.
    if (!options.declaration && output) group.shape = outputShape(output, group.document);
  }
  const names = typeNames(groups);
  const uses: TypeContext["uses"] = new Set();
  const sections = groups.map((group, i) => {
    const name = names[i] as string;
    const ctx: TypeContext = { root: group.document, uses };
    const label = commentText(`${group.model}${group.version ? `, version ${group.version}` : ""}`);
    return `${inputDeclaration(`${name}Input`, label, group.document, ctx)}\n${entryDeclaration(name, group, label, ctx)}`;
  });
  const registry = groups.flatMap((group, i) =>
    [...group.keys].sort().map((key) => `    ${JSON.stringify(key)}: ${names[i]};`),
  );
  const keys = new Set(groups.flatMap((g) => [...g.keys]));
  const served = Object.entries(options.deployments ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const deployments = served.map(([deployment, key]) => {
    if (!keys.has(key)) throw new InputError(`Deployment ${deployment} serves ${key}, which is not among the models.`);
    return `    ${JSON.stringify(deployment)}: ${JSON.stringify(key)};`;
  });
  const shapes = groups.flatMap((g) =>
    g.shape ? [...g.keys].map((key): [string, OutputSchema] => [key, g.shape as OutputSchema]) : [],
  );
  shapes.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const registered = new Set(shapes.map(([key]) => key));
  // A deployment's output is registered with the model it serves (as its types are).
  const registration = shapes.length
    ? registrationText(
        shapes,
        served.filter(([, key]) => registered.has(key)),
      )
    : undefined;
  const recorded: Recorded[] = models.map((m) => ({
    ref: m.source === "pinned" ? `${m.model}:${m.version}` : m.model,
    version: m.version,
    source: m.source,
  }));
  const imports = [...uses].sort();
  const importLine = shapes.length
    ? `import { ${[...imports.map((name) => `type ${name}`), "registerModelOutputs"].join(", ")} } from "replicate-kit";\n`
    : imports.length
      ? `import type { ${imports.join(", ")} } from "replicate-kit";\n`
      : undefined;
  return [
    headerText(
      recorded,
      options.date,
      options.command,
      options.declaration ? "declaration" : registration ? "registers" : "none",
    ),
    ...(importLine ? [importLine] : []),
    ...sections,
    'declare module "replicate-kit" {',
    "  interface ModelRegistry {",
    ...registry,
    "  }",
    ...(deployments.length ? ["  interface DeploymentRegistry {", ...deployments, "  }"] : []),
    "}",
    "",
    ...(registration ? [registration] : []),
  ].join("\n");
}
