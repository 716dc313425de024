/**
 * A command's input from its arguments: `key=value` pairs, `key=@path` for a file (the
 * library uploads it, as it does any Blob in an input), `key=@-` for standard input, and
 * `--input file.json` underneath them for anything complex.
 */
import { readFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { InputError } from "../core/errors.js";
import { type CliIO, messageOf } from "./cli-io.js";
import { coerceInput, type PairValue } from "./coerce.js";

/** File types by extension, so an uploaded file keeps its type (the Files API records it). */
export const TYPES: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  gif: "image/gif",
  svg: "image/svg+xml",
  mp3: "audio/mpeg",
  wav: "audio/wav",
  mp4: "video/mp4",
  zip: "application/zip",
  txt: "text/plain",
  json: "application/json",
};

async function fileValue(path: string, io: CliIO): Promise<File> {
  if (path === "-") {
    if (!io.stdin) throw new InputError("@- reads standard input, which this command does not have.");
    return new File([(await io.stdin()) as BlobPart], "stdin");
  }
  try {
    const bytes = await readFile(resolve(io.cwd, path));
    const ext = path.split(".").pop()?.toLowerCase() ?? "";
    // Own keys only: a file named `x.constructor` is no function's type.
    const type = (Object.hasOwn(TYPES, ext) && TYPES[ext]) || "application/octet-stream";
    return new File([bytes], basename(path), { type });
  } catch (error) {
    throw new InputError(`Cannot read @${path}: ${messageOf(error)}`);
  }
}

/**
 * The pairs, with files read. A positional without `=` is an InputError.
 *
 * @example
 * await readPairs(["prompt=a fox", "image=@photo.jpg"], io) // [["prompt", "a fox"], ["image", File]]
 */
export async function readPairs(args: string[], io: CliIO): Promise<[string, PairValue][]> {
  const pairs: [string, PairValue][] = [];
  for (const arg of args) {
    const at = arg.indexOf("=");
    if (at <= 0) throw new InputError(`Expected key=value (or key=@file), got "${arg}".`);
    const key = arg.slice(0, at);
    const value = arg.slice(at + 1);
    pairs.push([key, value.startsWith("@") ? await fileValue(value.slice(1), io) : value]);
  }
  return pairs;
}

/**
 * The whole input: `--input`'s JSON object, with the pairs, coerced by the schema, over it.
 *
 * @example
 * const input = await buildInput(["num_outputs=2"], "base.json", version.openapi_schema, io)
 */
export async function buildInput(
  args: string[],
  inputFile: string | undefined,
  document: unknown,
  io: CliIO,
  schemaName = "Input",
): Promise<Record<string, unknown>> {
  let base: unknown = {};
  if (inputFile !== undefined) {
    try {
      base = JSON.parse(await readFile(resolve(io.cwd, inputFile), "utf8"));
    } catch (error) {
      throw new InputError(`--input ${inputFile}: ${messageOf(error)}`);
    }
    if (typeof base !== "object" || base === null || Array.isArray(base))
      throw new InputError(`--input ${inputFile} must hold a JSON object.`);
  }
  return { ...(base as object), ...coerceInput(await readPairs(args, io), document, schemaName) };
}
