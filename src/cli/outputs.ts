/**
 * A finished job's output, where the user wants it: files saved into `--out` (named
 * after the job and their index, with their real extension) with their paths printed,
 * text as it is on stdout (so `run ... > answer.txt` works), anything else as JSON.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { FileOutput } from "../run/file-output.js";
import type { CliIO } from "./cli-io.js";
import { TYPES } from "./inputs.js";

const EXTENSIONS = Object.fromEntries(Object.entries(TYPES).map(([ext, type]) => [type, ext]));
EXTENSIONS["image/jpeg"] = "jpg";

/** The file's extension: from its URL's path, else from its type; "bin" when neither tells. */
function extensionOf(url: string, type: string): string {
  if (!url.startsWith("data:")) {
    const path = new URL(url).pathname;
    const ext = /\.([a-z0-9]{1,5})$/i.exec(path)?.[1];
    if (ext) return ext.toLowerCase();
  }
  const bare = type.split(";")[0]?.trim().toLowerCase() ?? "";
  return EXTENSIONS[bare] ?? /^[a-z]+\/([a-z0-9]+)$/.exec(bare)?.[1] ?? "bin";
}

/**
 * `output` with each FileOutput saved into `dir` as `<id>-<index>.<ext>` and replaced by
 * its path (relative to the working directory, as the user would type it).
 *
 * @example
 * await saveFiles([image], "p0123", "out", io) // ["out/p0123-0.webp"]
 */
export async function saveFiles(output: unknown, id: string, dir: string, io: CliIO): Promise<unknown> {
  let index = 0;
  const folder = resolve(io.cwd, dir);
  // The id comes from the API: a `/`, `\\` or `..` in it must not put a file outside `dir`.
  const name = id.replace(/[^\w-]+/g, "_") || "output";
  const walk = async (value: unknown): Promise<unknown> => {
    if (value instanceof FileOutput) {
      const blob = await value.blob();
      const path = join(folder, `${name}-${index++}.${extensionOf(value.url, blob.type)}`);
      await mkdir(folder, { recursive: true });
      await writeFile(path, new Uint8Array(await blob.arrayBuffer()));
      return relative(io.cwd, path) || path;
    }
    if (Array.isArray(value)) {
      const saved = [];
      for (const item of value) saved.push(await walk(item)); // in order: the indexes follow the output
      return saved;
    }
    if (typeof value === "object" && value !== null) {
      const saved: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) saved[key] = await walk(item);
      return saved;
    }
    return value;
  };
  return walk(output);
}

/**
 * Print an output on stdout: text as it is, a list of texts (the saved paths) one a
 * line, anything else as JSON.
 *
 * @example
 * printOutput(["out/p0123-0.webp"], io) // out/p0123-0.webp
 */
export function printOutput(value: unknown, io: CliIO): void {
  if (value === null || value === undefined) return;
  const text =
    typeof value === "string"
      ? value
      : Array.isArray(value) && value.every((v) => typeof v === "string")
        ? value.join("\n")
        : JSON.stringify(value, null, 2);
  if (text !== "") io.out(text.endsWith("\n") ? text : `${text}\n`);
}

/**
 * A finished job, delivered: with `json`, the job alone on stdout (files saved only when
 * `out` asks for them); else its files saved into `out` (default: here) and the output printed.
 *
 * @example
 * await deliver(output, prediction, { json: values.json, out: values.out }, io)
 */
export async function deliver(
  output: unknown,
  job: { id: string } | undefined,
  options: { json?: boolean | undefined; out?: string | undefined },
  io: CliIO,
): Promise<void> {
  const id = job?.id ?? "output";
  if (options.json) {
    if (options.out !== undefined) await saveFiles(output, id, options.out, io);
    io.out(`${JSON.stringify(job, null, 2)}\n`);
    return;
  }
  printOutput(await saveFiles(output, id, options.out ?? ".", io), io);
}
