/**
 * File inputs: `Blob`, `File`, `Uint8Array` (any typed array), `ArrayBuffer`,
 * `ReadableStream` and async iterables of `Uint8Array` chunks (a Node `fs.ReadStream`)
 * anywhere in a model's `input` become URLs the model can read, by upload through the
 * Files API or inlined as `data:` URIs. Web standards only, so the same code runs in
 * browsers and workers.
 */
import type { Replicate } from "../core/client.js";
import { InputError, ReplicateError } from "../core/errors.js";
import { isConnectionError } from "../core/guards.js";
import { provablyNotSent } from "../core/retry.js";
import { type FileValue, readFile } from "./file-values.js";
import { copyInput, invalid, isPlainObject } from "./input-check.js";

/** How file inputs are sent. */
export interface FileInputOptions {
  /**
   * - `"upload"`: through the Files API; the input gets the file's `urls.get`.
   * - `"data-uri"`: inlined as a base64 `data:` URI, up to `maxDataUriBytes`.
   * - `"default"`: upload, falling back to a data URI only for a small file whose upload
   *   never reached the server.
   * @default "default"
   */
  strategy?: "default" | "upload" | "data-uri";
  /**
   * The largest file inlined as a data URI.
   * @default 1_048_576 (1 MiB)
   */
  maxDataUriBytes?: number;
  /**
   * Uploads in flight at once.
   * @default 4
   */
  concurrency?: number;
}

/** Uploads one file and resolves to the URL to put in the input. */
export type Upload = (file: Blob, filename: string, signal?: AbortSignal) => Promise<string>;

/**
 * Uploads through a client's Files API (`files.create`), resolving to the file's URL.
 *
 * @example
 * const input = await (await readInput({ image: blob })).finish(uploader(replicate))
 */
export const uploader =
  (replicate: Replicate): Upload =>
  async (content, filename, signal) => {
    // readFile has given every file a type: its own, one guessed, or application/octet-stream.
    const body = { content, filename, type: content.type };
    const file = await replicate.files.create({ body }, signal ? { signal } : {});
    if (!file.urls?.get) throw new ReplicateError(`The Files API returned no URL for ${file.id}`);
    return file.urls.get;
  };

/**
 * A blob, typed as `readFile` leaves every file, as a base64 `data:` URI. Encoded in
 * 32 KiB slices: `btoa` wants a binary string, and building one character at a time for
 * a large file is slow.
 */
export async function toDataUri(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `data:${blob.type};base64,${btoa(binary)}`;
}

/**
 * Run `task` on each item with at most `limit` in flight; on the first failure, start no
 * more and reject.
 */
async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      await task(items[next++] as T).catch((error: unknown) => {
        next = items.length;
        throw error;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** One file value of an input: where it is, every place to put its URL, and what was read. */
interface Found {
  path: string;
  places: ((url: string) => void)[];
  read?: { blob: Blob; name: string };
}

/**
 * A copy of `input` with every file value replaced by a URL, in two halves. This one
 * sends nothing: the options and the input checked (values JSON cannot carry refused, see
 * `copyInput`) and every stream read to the end, or an InputError. It resolves to the
 * count of files found and the other half, `finish`, which uploads (or inlines) them and
 * resolves to the copy; the caller's object is not modified. Split so a bad input is
 * refused before any request (`train` has others to make first), and so a caller can
 * tell whether time went on files.
 *
 * @example
 * const { finish } = await readInput({ zip: fs.createReadStream("data.zip") }) // InputError here, before any request
 * const input = await finish(uploader(replicate))
 */
export async function readInput<T>(
  input: T,
  options: FileInputOptions = {},
  signal?: AbortSignal,
): Promise<{ files: number; finish: (upload: Upload) => Promise<T> }> {
  // `files: "upload"` would otherwise read as no option at all, and `null` fail as a TypeError.
  if (!isPlainObject(options as unknown)) throw invalid("files", "be an object", options);
  const { strategy = "default", maxDataUriBytes = 1_048_576, concurrency = 4 } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw invalid("files.concurrency", "be a whole number ≥ 1", concurrency);
  }
  if (!(maxDataUriBytes >= 0)) throw invalid("files.maxDataUriBytes", "be a number ≥ 0", maxDataUriBytes);
  if (!["default", "upload", "data-uri"].includes(strategy)) {
    throw invalid("files.strategy", 'be "default", "upload" or "data-uri"', strategy);
  }

  // Each file once, however often it appears: a stream can be read only once.
  const found = new Map<FileValue, Found>();
  const copy = copyInput(input, (value, path, set) => {
    const file = found.get(value);
    if (file) file.places.push(set);
    else found.set(value, { path, places: [set] });
  });
  const files = [...found];

  // Every stream is read before the first upload starts: a bad chunk in the last one
  // must not leave the others uploaded (and stored) for nothing.
  await pool(files, concurrency, async ([value, file]) => {
    const read = await readFile(value, file.path, signal);
    if (strategy === "data-uri" && read.blob.size > maxDataUriBytes) {
      throw new InputError(
        `A ${read.blob.size}-byte file is over the ${maxDataUriBytes}-byte limit for data URIs; use the "upload" strategy.`,
      );
    }
    file.read = read;
  });

  const finish = async (upload: Upload) => {
    const convert = async ({ blob, name }: { blob: Blob; name: string }): Promise<string> => {
      if (strategy !== "data-uri") {
        try {
          return await upload(blob, name, signal);
        } catch (error) {
          // Only when the upload provably never left: a file the server may have stored is not sent twice.
          const unsent = isConnectionError(error) && provablyNotSent(error.cause); // by name: see wait.ts
          if (strategy === "upload" || blob.size > maxDataUriBytes || !unsent) throw error;
        }
      }
      return toDataUri(blob);
    };
    await pool(files, concurrency, async ([, { read, places }]) => {
      const url = await convert(read as { blob: Blob; name: string });
      for (const set of places) set(url);
    });
    return copy.value as T;
  };
  return { files: files.length, finish };
}
