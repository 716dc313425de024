/**
 * File values: which values in a model's input are files, and reading one into a named
 * Blob with a media type. Streams of bytes (a `ReadableStream`, or any async iterable of
 * `Uint8Array` chunks such as a Node `fs.ReadStream`) are read to the end. Web standards
 * only: a Node stream is recognised by shape, not by importing node:fs.
 */
import { InputError } from "../core/errors.js";
import { abortable } from "../core/signals.js";

/**
 * A value sent as a file: bytes, a Blob or File, or a stream of bytes (such as a Node `fs.ReadStream`).
 *
 * @example
 * const image: FileValue = fs.createReadStream("photo.png")
 */
export type FileValue = Blob | ArrayBuffer | ArrayBufferView | ReadableStream | AsyncIterable<unknown>;

/**
 * Whether `value` is sent as a file. A `ReadableStream` is also async-iterable in some
 * runtimes; it counts as a file either way.
 *
 * @example
 * isFileValue(fs.createReadStream("photo.png")) // true
 * isFileValue({ prompt: "a fox" })              // false
 */
export function isFileValue(value: unknown): value is FileValue {
  return (
    value instanceof Blob ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    value instanceof ReadableStream ||
    (typeof value === "object" &&
      typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === "function")
  );
}

/**
 * A value's type for a message: its class for an object, else its `typeof`.
 *
 * @example
 * typeName(new Map()) // "Map"
 * typeName("text")    // "string"
 */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name || "object";
}

// A copy: the view may sit on a SharedArrayBuffer, which Blob does not take.
const ownBytes = (view: ArrayBufferView) => new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();

// By tag rather than instanceof, so a Node buffer from another realm (a vm, a test runner's) counts.
const isUint8Array = (chunk: unknown): chunk is Uint8Array =>
  ArrayBuffer.isView(chunk) && Object.prototype.toString.call(chunk) === "[object Uint8Array]";

/** Every chunk of a stream, each checked to be bytes. An abort ends the wait for the next one. */
async function readChunks(
  source: ReadableStream | AsyncIterable<unknown>,
  path: string,
  signal?: AbortSignal,
): Promise<Uint8Array<ArrayBuffer>[]> {
  let iterator: { next(): Promise<IteratorResult<unknown>>; return?(): unknown };
  if (source instanceof ReadableStream) {
    // Read with a reader: not every runtime iterates streams.
    const reader = source.getReader();
    iterator = { next: () => reader.read(), return: () => reader.cancel() };
  } else iterator = source[Symbol.asyncIterator]();
  const parts: Uint8Array<ArrayBuffer>[] = [];
  try {
    for (;;) {
      const { done, value } = await abortable(iterator.next(), signal);
      if (done) return parts;
      if (!isUint8Array(value)) {
        throw new InputError(
          `${path} yielded a chunk of type ${typeName(value)}; a file stream must yield Uint8Array chunks (a stream opened with an encoding yields strings).`,
        );
      }
      parts.push(ownBytes(value));
    }
  } catch (error) {
    // Close the source (an fs.ReadStream lets go of its file), without waiting on it.
    Promise.resolve()
      .then(() => iterator.return?.())
      .catch(() => {});
    throw error;
  }
}

// A few common types by extension; anything else is sent as application/octet-stream.
const TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  svg: "image/svg+xml",
  wav: "audio/wav",
  mp3: "audio/mpeg",
  mp4: "video/mp4",
  zip: "application/zip",
  json: "application/json",
  txt: "text/plain",
};

/** A file value's name: a File's own, a stream's `path` base name (split on / and \\), else "file". */
function nameOf(value: FileValue): string {
  const { name, path } = value as { name?: unknown; path?: unknown };
  if (typeof name === "string" && name) return name;
  if (typeof path === "string") return path.split(/[\\/]/).pop() || "file";
  return "file";
}

/**
 * A file value as a named Blob with a media type: its own, else one guessed from the
 * name's extension (a few common types), else `application/octet-stream`. A stream is read
 * to the end; a chunk that is not a `Uint8Array` is an `InputError` naming `path`.
 *
 * @example
 * await readFile(fs.createReadStream("/tmp/out.svg"), "input.image")
 * // { blob: Blob { type: "image/svg+xml", … }, name: "out.svg" }
 */
export async function readFile(
  value: FileValue,
  path: string,
  signal?: AbortSignal,
): Promise<{ blob: Blob; name: string }> {
  const name = nameOf(value);
  if (value instanceof Blob && value.type) return { blob: value, name };
  const parts =
    value instanceof Blob || value instanceof ArrayBuffer
      ? [value]
      : ArrayBuffer.isView(value)
        ? [ownBytes(value)]
        : await readChunks(value, path, signal);
  // Two to four characters: no key of Object.prototype ("x.constructor") is looked up.
  const type = TYPES[/\.(\w{2,4})$/.exec(name)?.[1]?.toLowerCase() ?? ""] ?? "application/octet-stream";
  return { blob: new Blob(parts, { type }), name };
}
