/**
 * The arguments of `replicate-kit types`, read and checked before anything is fetched
 * or written: every mistake in them is an InputError (exit 2) that names the argument.
 */
import { parseArgs } from "node:util";
import { InputError } from "../../core/errors.js";
import { parseRef } from "../../run/refs.js";
import type { CliIO } from "../cli-io.js";
import { type ModelTarget, parseTarget } from "../typegen/sources.js";

/** The command's help text. */
export const TYPES_HELP = `Usage: replicate-kit types <owner/name[:version]>... --out <file> [options]

Write TypeScript types for models, generated from each version's schema (openapi_schema).
Import the file once and run(), stream() and createPrediction() check each model's input
and infer its output. A .ts file also registers each model's output shape, so run()
returns a language model's tokens joined into one string; a .d.ts file only declares
types (run() then joins them only with outputSchema: true). A model given as owner/name
is typed from its latest version.

Options:
  -o, --out <file>            the file to write, .ts or .d.ts ("-": standard output, as .ts)
      --check                 write nothing; exit 1 if a model has a newer version than
                              the file records (with no models given: every one it records)
      --deployment <d>=<m>    type deployment d (owner/name) as model m, one of those given
      --schema <file.json>    read a saved schema (an openapi_schema, a version or a model)
      --model <owner/name>    the model of each --schema, in the same order
      --base-url <url>        the API (default: REPLICATE_BASE_URL, else Replicate's)
      --date <YYYY-MM-DD>     the date in the header (default: SOURCE_DATE_EPOCH, else today)
  -h, --help                  this help

The token is read from REPLICATE_API_TOKEN.
Exit codes: 0 done, 1 out of date (--check), 2 usage error, 3 API or network error, 4 other.

Example:
  npx replicate-kit types black-forest-labs/flux-schnell meta/meta-llama-3-8b-instruct \\
    --out src/replicate-models.ts
`;

/** The arguments, checked. */
export interface TypesArgs {
  /** Models to fetch, as given. */
  targets: ModelTarget[];
  /** Saved schemas, each with the model it is of. */
  files: { path: string; target: ModelTarget }[];
  out: string;
  check: boolean;
  /** Deployment `owner/name` to the registry key of its model. */
  deployments: Record<string, string>;
  baseUrl: string | undefined;
  date: string;
  /** The command that makes the same file again, for the header. */
  command: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The header's date: `--date`, else SOURCE_DATE_EPOCH (reproducible builds), else today (UTC). */
function dateOf(given: string | undefined, env: CliIO["env"]): string {
  if (given !== undefined) {
    if (!DATE.test(given) || Number.isNaN(Date.parse(given)))
      throw new InputError(`--date must be YYYY-MM-DD, got "${given}".`);
    return given;
  }
  const epoch = env.SOURCE_DATE_EPOCH;
  const seconds = epoch !== undefined && /^\d+$/.test(epoch) ? Number(epoch) : undefined;
  return (seconds === undefined ? new Date() : new Date(seconds * 1000)).toISOString().slice(0, 10);
}

/** `acme/sdxl=stability-ai/sdxl`, both sides checked as model references. */
function deployment(text: string): [string, string] {
  const [name = "", model = "", ...more] = text.split("=");
  const ref = parseRef(name);
  if (more.length > 0 || ref.kind !== "model" || model === "") {
    throw new InputError(`--deployment must be <owner/name>=<model>, e.g. acme/sdxl=stability-ai/sdxl; got "${text}".`);
  }
  const target = parseTarget(model);
  return [`${ref.owner}/${ref.name}`, target.version ? `${target.model}:${target.version}` : target.model];
}

const quote = (text: string) => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`);

/**
 * Read the command's arguments, or "help". Throws an InputError for anything wrong.
 *
 * @example
 * parseTypesArgs(["acme/echo", "--out", "m.ts"], io) // { targets: [{ model: "acme/echo" }], out: "m.ts", ... }
 */
export function parseTypesArgs(args: string[], io: CliIO): TypesArgs | "help" {
  let parsed: ReturnType<typeof read>;
  try {
    parsed = read(args);
  } catch (error) {
    // node:util's own messages ("Unknown option '--outt'") are clear; only the class is changed.
    throw new InputError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  const out = values.out;
  if (out === undefined || out === "") throw new InputError("--out <file> is required.");
  if (out !== "-" && !/\.[cm]?ts$/.test(out))
    throw new InputError(`--out must name a .ts or .d.ts file, got "${out}".`);
  const schemas = values.schema ?? [];
  const models = values.model ?? [];
  if (schemas.length !== models.length) throw new InputError("Give each --schema its --model, in the same order.");
  const targets = positionals.map(parseTarget);
  const files = schemas.map((path, i) => ({ path, target: parseTarget(models[i] as string) }));
  if (targets.length === 0 && files.length === 0 && !values.check) {
    throw new InputError("Name at least one model (owner/name or owner/name:version), or a --schema with its --model.");
  }
  const deployments = Object.fromEntries((values.deployment ?? []).map(deployment));
  // Found before anything is fetched: the model a deployment serves must be one given.
  const given = new Set(
    [...targets, ...files.map((f) => f.target)].map((t) => (t.version ? `${t.model}:${t.version}` : t.model)),
  );
  for (const [name, model] of Object.entries(deployments)) {
    if (!given.has(model))
      throw new InputError(`--deployment ${name}=${model}: ${model} is not among the models given.`);
  }
  const baseUrl = values["base-url"] ?? (io.env.REPLICATE_BASE_URL || undefined);
  // Without --base-url, --date and --check: the same file comes from any API and day.
  const argv = [
    ...positionals,
    ...(values.deployment ?? []).flatMap((d) => ["--deployment", d]),
    ...files.flatMap((f, i) => ["--schema", f.path, "--model", models[i] as string]),
    ...["--out", out],
  ];
  const command = `npx replicate-kit types ${argv.map(quote).join(" ")}`;
  return {
    targets,
    files,
    out,
    check: values.check ?? false,
    deployments,
    baseUrl,
    date: dateOf(values.date, io.env),
    command,
  };
}

function read(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: "string", short: "o" },
      check: { type: "boolean" },
      deployment: { type: "string", multiple: true },
      schema: { type: "string", multiple: true },
      model: { type: "string", multiple: true },
      "base-url": { type: "string" },
      date: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
