/**
 * A file a model produced, downloaded only when asked. Existing clients download every
 * output file as soon as a run ends, even when the caller only wants the URL; this one
 * fetches nothing until `blob()`, `arrayBuffer()`, `text()` or `stream()`.
 */
import { strictFetch } from "./operations.js";
import type { Send } from "./transport.js";

/** How a {@link FileOutput} downloads: a Request in, a 2xx Response out (or an ApiError). */
export type Download = (url: string, signal?: AbortSignal) => Promise<Response>;

/**
 * A download with plain `fetch` (looked up at call time) and no credentials, for
 * outputs normalised without a client.
 */
export const plainDownload: Download = (url, signal) =>
  strictFetch((request) => globalThis.fetch(request), { signal, buffer: false })(new Request(url));

/** A download through a client's transport: retries, deadline, and auth for the API's own origin only. */
export function transportDownload(send: Send): Download {
  return (url, signal) => strictFetch(send, { signal, buffer: false })(new Request(url));
}

/** Decode a `data:` URL without a network round trip (and without Node's Buffer). */
export function decodeDataUrl(url: string): Blob {
  const comma = url.indexOf(",");
  const meta = url.slice(5, comma);
  const payload = url.slice(comma + 1);
  const base64 = meta.endsWith(";base64");
  const type = (base64 ? meta.slice(0, -7) : meta) || "text/plain;charset=US-ASCII";
  if (!base64) return new Blob([decodeURIComponent(payload)], { type });
  const binary = atob(payload);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Blob([bytes], { type });
}

/**
 * An output file: its URL now, its bytes on demand. Reads are cached, so reading twice
 * downloads once; `stream()` before any other read streams without buffering.
 *
 * @example
 * const [image] = await replicate.run("black-forest-labs/flux-schnell", { input })
 * console.log(image.url)               // nothing downloaded
 * const bytes = await image.arrayBuffer() // downloaded now
 */
export class FileOutput {
  readonly url: string;
  #download: Download;
  #blob: Promise<Blob> | undefined;

  constructor(url: string, download: Download = plainDownload) {
    this.url = url;
    this.#download = download;
  }

  async #open(signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    if (this.url.startsWith("data:")) return decodeDataUrl(this.url).stream();
    const response = await this.#download(this.url, signal);
    return response.body ?? new Blob([]).stream();
  }

  /** The whole file. Downloaded on the first call, then reused. */
  blob(options: { signal?: AbortSignal } = {}): Promise<Blob> {
    this.#blob ??= this.url.startsWith("data:")
      ? Promise.resolve(decodeDataUrl(this.url))
      : this.#download(this.url, options.signal).then((r) => r.blob());
    // A failed download is not cached: the next call tries again.
    this.#blob.catch(() => {
      this.#blob = undefined;
    });
    return this.#blob;
  }

  /** @example new Uint8Array(await file.arrayBuffer()) */
  async arrayBuffer(options?: { signal?: AbortSignal }): Promise<ArrayBuffer> {
    return (await this.blob(options)).arrayBuffer();
  }

  /** @example JSON.parse(await file.text()) */
  async text(options?: { signal?: AbortSignal }): Promise<string> {
    return (await this.blob(options)).text();
  }

  /**
   * The bytes as a stream. Nothing is fetched until the stream is first read; cancelling
   * it cancels the download.
   *
   * @example
   * await file.stream().pipeTo(Writable.toWeb(fs.createWriteStream("out.png")))
   */
  stream(options: { signal?: AbortSignal } = {}): ReadableStream<Uint8Array> {
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        reader ??= (this.#blob ? (await this.#blob).stream() : await this.#open(options.signal)).getReader();
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader?.cancel(reason),
    });
  }

  /** The URL, so a FileOutput can be used where a string is expected. */
  toString(): string {
    return this.url;
  }

  /** The URL, so `JSON.stringify(output)` shows URLs rather than `{}`. */
  toJSON(): string {
    return this.url;
  }
}
