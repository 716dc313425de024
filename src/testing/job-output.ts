/**
 * A model's output as the API carries it: through JSON, as it would go over the wire, and
 * with the files a model returns (a Blob, File, Uint8Array, ArrayBuffer) replaced by URLs
 * the fake serves itself, as Replicate replaces them with replicate.delivery URLs. JSON
 * alone would turn a Blob into `{}` and bytes into `{"0":1,"1":2,…}`.
 */
import { describeError } from "./http.js";

/** Where the fake serves model output files, under its own origin: `/fake-delivery/<job id>/<n>.<ext>`. */
export const DELIVERY_PREFIX = "/fake-delivery";

/** Keeps a file and answers the URL it is served at. */
export type KeepFile = (file: Blob) => string;

/** Extensions for the content types models commonly return; others are `bin`. */
const EXTENSIONS: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
  "image/gif": "gif",
  "image/svg+xml": "svg",
  "audio/mpeg": "mp3",
  "audio/wav": "wav",
  "video/mp4": "mp4",
  "application/json": "json",
  "application/zip": "zip",
  "text/plain": "txt",
};

const isFile = (value: unknown): value is Blob | ArrayBuffer | ArrayBufferView =>
  value instanceof Blob || value instanceof ArrayBuffer || ArrayBuffer.isView(value);

/** The bytes as a Blob, copied now: a model that reuses its buffer must not change what was delivered. */
function asBlob(value: Blob | ArrayBuffer | ArrayBufferView): Blob {
  if (value instanceof Blob) return value;
  const view = value instanceof ArrayBuffer ? new Uint8Array(value) : value;
  return new Blob([new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice()], {
    type: "application/octet-stream",
  });
}

/**
 * The name a kept file is served under: its number, and the extension of a File's name
 * or else of its content type.
 *
 * @example
 * deliveryName(0, new Blob([], { type: "image/png" })) // "0.png"
 */
export function deliveryName(index: number, file: Blob): string {
  const name = (file as { name?: unknown }).name; // a File's (File is not global in every runtime)
  const named = typeof name === "string" ? /\.([A-Za-z0-9]{1,8})$/.exec(name)?.[1] : undefined;
  return `${index}.${named ?? EXTENSIONS[file.type.split(";")[0] ?? ""] ?? "bin"}`;
}

/**
 * `value` through JSON, files kept with `keep` and replaced by their URLs. `undefined` and
 * functions in a list become `null`, as on the wire. What JSON cannot encode (a BigInt, a
 * cycle) throws, failing the prediction as Replicate fails one whose output it cannot encode.
 *
 * @example
 * onTheWire({ image: new Blob([png], { type: "image/png" }) }, keep) // { image: "https://…/fake-delivery/p1/0.png" }
 */
export function onTheWire(value: unknown, keep: KeepFile): unknown {
  let text: string | undefined;
  try {
    // `this[key]` is the value before its own toJSON (a Node Buffer has one): files are seen as files.
    text = JSON.stringify(value, function (this: Record<string, unknown>, key, encoded) {
      const original = this[key];
      return isFile(original) ? keep(asBlob(original)) : encoded;
    });
  } catch (error) {
    throw new Error(`The model's output could not be encoded as JSON: ${describeError(error)}`);
  }
  return text === undefined ? null : JSON.parse(text);
}
