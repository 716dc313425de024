/**
 * One generated file for several models: for each model version an input interface and
 * an entry with its output types, then a `declare module "replicate-kit"` block that
 * adds the entries to the library's ModelRegistry under each key. The text depends only
 * on the schemas and the options (the date among them), never on the order models were
 * asked in, so running the command again gives the same file.
 */
import { InputError } from "../../core/errors.js";
import { isSchema, resolve } from "./cog-schema.js";
import { headerText, type Recorded, type Source } from "./header.js";
import { typeNames } from "./names.js";
import { streamText } from "./stream-text.js";
import { member, objectText, type TypeContext, typeText, unknownType } from "./type-text.js";

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

const schemasOf = (document: unknown): Record<string, unknown> => {
  const components = isSchema(document) ? document.components : undefined;
  const schemas = isSchema(components) ? components.schemas : undefined;
  return isSchema(schemas) ? schemas : {};
};

/** The input type's declaration: an interface of the fields, or an alias when there are none. */
function inputDeclaration(name: string, label: string, document: unknown, ctx: TypeContext): string {
  const doc = `/** The input of ${label}. */\n`;
  const node = schemasOf(document).Input;
  if (node === undefined) return `${doc}export type ${name} = Record<string, unknown>; // the schema has no Input\n`;
  const resolved = resolve(node, document);
  if ("unknown" in resolved) return `${doc}export type ${name} = Record<string, unknown>; // ${resolved.unknown}\n`;
  const props = resolved.schema.properties;
  if (!isSchema(props) || Object.keys(props).length === 0)
    return `${doc}export type ${name} = Record<string, never>;\n`;
  return `${doc}export interface ${name} ${objectText(resolved.schema, "input", ctx, "")}\n`;
}

/** The entry: the input, and the output as each way of running the model gives it. */
function entryDeclaration(name: string, group: Group, label: string, ctx: TypeContext): string {
  const output = schemasOf(group.document).Output;
  const of = (mode: "raw" | "output" | "schemaOutput") =>
    output === undefined ? unknownType("the schema has no Output") : typeText(output, mode, ctx, "  ");
  const about = group.description
    ?.trim()
    .split(/\r\n|\r|\n/)[0]
    ?.replace(/\*\//g, "*\\/");
  return [
    `/** ${label}${about ? `: ${about}` : ""} */`,
    `export interface ${name} {`,
    `  input: ${name}Input;`,
    "  /** What `run` resolves to: URLs as FileOutputs, token iterators as arrays. */",
    `  ${member("output", of("output"))}`,
    "  /** What `run` resolves to with `outputSchema: true`: token iterators joined, `format: uri` values as FileOutputs. */",
    `  ${member("schemaOutput", of("schemaOutput"))}`,
    "  /** `prediction.output` as the API sends it: `createPrediction`, `wait`, `run` with `raw: true`. */",
    `  ${member("raw", of("raw"))}`,
    "  /** The `data` of each `output` event of `stream`. */",
    `  ${member("stream", streamText(output, ctx))}`,
    "}",
    "",
  ].join("\n");
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
  const names = typeNames(groups);
  const uses: TypeContext["uses"] = new Set();
  const sections = groups.map((group, i) => {
    const name = names[i] as string;
    const ctx: TypeContext = { root: group.document, uses };
    const label = `${group.model}${group.version ? `, version ${group.version}` : ""}`;
    return `${inputDeclaration(`${name}Input`, label, group.document, ctx)}\n${entryDeclaration(name, group, label, ctx)}`;
  });
  const registry = groups.flatMap((group, i) =>
    [...group.keys].sort().map((key) => `    ${JSON.stringify(key)}: ${names[i]};`),
  );
  const keys = new Set(groups.flatMap((g) => [...g.keys]));
  const deployments = Object.entries(options.deployments ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([deployment, key]) => {
      if (!keys.has(key))
        throw new InputError(`Deployment ${deployment} serves ${key}, which is not among the models.`);
      return `    ${JSON.stringify(deployment)}: ${JSON.stringify(key)};`;
    });
  const recorded: Recorded[] = models.map((m) => ({
    ref: m.source === "pinned" ? `${m.model}:${m.version}` : m.model,
    version: m.version,
    source: m.source,
  }));
  const imports = [...uses].sort();
  return [
    headerText(recorded, options.date, options.command),
    ...(imports.length ? [`import type { ${imports.join(", ")} } from "replicate-kit";\n`] : []),
    ...sections,
    'declare module "replicate-kit" {',
    "  interface ModelRegistry {",
    ...registry,
    "  }",
    ...(deployments.length ? ["  interface DeploymentRegistry {", ...deployments, "  }"] : []),
    "}",
    "",
  ].join("\n");
}
