/**
 * `replicate-kit types`: fetch each model's schema with the library's own client (or
 * read a saved one), write one generated file of their types, or with `--check` only
 * compare the versions the file records with the newest ones, for CI.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { createReplicate, type Replicate } from "../../core/client.js";
import { InputError } from "../../core/errors.js";
import { isApiError, isInputError, isReplicateError } from "../../core/guards.js";
import { type CliIO, EXIT, messageOf } from "../cli-io.js";
import { emitModelTypes, type ModelSchema } from "../typegen/emit-file.js";
import { recordedModels, sameButDate } from "../typegen/header.js";
import { fetchModelSchema, type ModelTarget, schemaFromFile } from "../typegen/sources.js";
import { parseTypesArgs, TYPES_HELP, type TypesArgs } from "./types-args.js";

/** A failed request, with the model it was for. */
class FetchFailed extends Error {
  constructor(
    readonly ref: string,
    override readonly cause: unknown,
  ) {
    super(`${ref}: ${messageOf(cause)}`);
  }
}

const refOf = (t: ModelTarget) => (t.version ? `${t.model}:${t.version}` : t.model);
const short = (version: string | undefined) => version?.slice(0, 8) ?? "unknown";

/** A client as an app would make one: token from REPLICATE_API_TOKEN, the base URL given. */
function client(args: TypesArgs, io: CliIO): Replicate {
  // An empty `auth` is no token; without this, the client would read the process's own env.
  const auth = io.env.REPLICATE_API_TOKEN ?? "";
  return createReplicate({
    auth,
    ...(args.baseUrl && { baseUrl: args.baseUrl }),
    ...(io.fetch && { fetch: io.fetch }),
  });
}

async function fetchOne(replicate: Replicate, target: ModelTarget): Promise<ModelSchema> {
  try {
    return await fetchModelSchema(replicate, target);
  } catch (error) {
    throw new FetchFailed(refOf(target), error);
  }
}

/** Every schema: the saved ones first (a bad file is found before any request), then the API's. */
async function collect(args: TypesArgs, io: CliIO): Promise<ModelSchema[]> {
  const schemas: ModelSchema[] = [];
  for (const { path, target } of args.files) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(resolve(io.cwd, path), "utf8"));
    } catch (error) {
      throw new InputError(`--schema ${path}: ${messageOf(error)}`);
    }
    schemas.push(schemaFromFile(json, target, path));
  }
  const replicate = args.targets.length > 0 ? client(args, io) : undefined;
  for (const target of args.targets) schemas.push(await fetchOne(replicate as Replicate, target));
  return schemas;
}

async function generate(args: TypesArgs, io: CliIO): Promise<number> {
  const models = await collect(args, io);
  const text = emitModelTypes(models, {
    date: args.date,
    deployments: args.deployments,
    command: args.command,
    // A .d.ts file has no run time: types only. Standard output is written as a .ts file.
    declaration: /\.d\.[cm]?ts$/.test(args.out),
  });
  if (args.out === "-") {
    io.out(text);
    return EXIT.ok;
  }
  const path = resolve(io.cwd, args.out);
  const old = await readFile(path, "utf8").catch(() => undefined);
  // Only the date would change: leave the file alone, so running again changes nothing.
  if (old !== undefined && sameButDate(old, text)) {
    io.out(`${args.out} is up to date.\n`);
    return EXIT.ok;
  }
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  } catch (error) {
    io.err(`replicate-kit types: could not write ${args.out}: ${messageOf(error)}\n`);
    return EXIT.failed;
  }
  const refs = models.map((m) => (m.source === "pinned" ? refOf(m) : m.model));
  const width = Math.max(...refs.map((r) => r.length));
  const list = models.map((m, i) => `  ${(refs[i] as string).padEnd(width)}  ${short(m.version)}`);
  io.out(`Wrote ${args.out}:\n${list.join("\n")}\n`);
  return EXIT.ok;
}

/** `--check`: is every model's recorded version still its newest? Pinned versions only need to be there. */
async function check(args: TypesArgs, io: CliIO): Promise<number> {
  const text = await readFile(resolve(io.cwd, args.out), "utf8").catch(() => undefined);
  if (text === undefined) {
    io.err(`${args.out} does not exist: run the command without --check to write it.\n`);
    return EXIT.outdated;
  }
  const recorded = recordedModels(text);
  const targets =
    args.targets.length > 0
      ? args.targets
      : recorded.filter((r) => r.source === "latest").map((r): ModelTarget => ({ model: r.ref }));
  const replicate = client(args, io);
  const stale: string[] = [];
  for (const target of targets) {
    const ref = refOf(target);
    const found = recorded.find((r) => r.ref === ref && (r.source === "latest") === !target.version);
    if (!found) stale.push(`${ref} is not in ${args.out}.`);
    else if (!target.version) {
      const { version } = await fetchOne(replicate, target);
      if (version !== found.version)
        stale.push(`${ref}: ${args.out} has version ${found.version}, the newest is ${version}.`);
    }
  }
  if (stale.length > 0) {
    io.err(`${stale.join("\n")}\nRun the command again without --check to update ${args.out}.\n`);
    return EXIT.outdated;
  }
  io.out(`${args.out} is up to date (${targets.length} model${targets.length === 1 ? "" : "s"} checked).\n`);
  return EXIT.ok;
}

/** What to tell the user about a failure, and the exit code it earns; rethrows a bug. */
function failure(error: unknown): [string, number] {
  if (isInputError(error))
    return [`${messageOf(error)}\nRun \`replicate-kit types --help\` for the options.`, EXIT.usage];
  const cause = error instanceof FetchFailed ? error.cause : error;
  const where = error instanceof FetchFailed ? `${error.ref}: ` : "";
  if (isApiError(cause)) {
    const hint =
      cause.status === 401 || cause.status === 403
        ? " (set REPLICATE_API_TOKEN to a token that can read this model)"
        : cause.status === 404
          ? " (no such model or version; a private model needs its owner's token)"
          : "";
    return [`${where}${cause.message}${hint}`, EXIT.api];
  }
  if (isReplicateError(cause)) return [`${where}${messageOf(cause)}`, EXIT.api];
  throw error;
}

/**
 * The `types` command.
 *
 * @example
 * const code = await typesCommand(["black-forest-labs/flux-schnell", "--out", "src/replicate-models.ts"], io)
 */
export async function typesCommand(argv: string[], io: CliIO): Promise<number> {
  try {
    const args = parseTypesArgs(argv, io);
    if (args === "help") {
      io.out(TYPES_HELP);
      return EXIT.ok;
    }
    return args.check ? await check(args, io) : await generate(args, io);
  } catch (error) {
    const [message, code] = failure(error);
    io.err(`replicate-kit types: ${message}\n`);
    return code;
  }
}
