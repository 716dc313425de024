/**
 * A file a model produced, downloaded only when asked. Existing clients download every
 * output file as soon as a run ends, even when the caller only wants the URL; this one
 * fetches nothing until `blob()`, `arrayBuffer()`, `text()` or `stream()`.
 */
import { strictFetch } from "../core/methods.js";
import { resolveRetry } from "../core/retry.js";
import { createTransport, type Send } from "../core/transport.js";

/** How a {@link FileOutput} downloads: a Request in, a 2xx Response out (or an ApiError). */
export type Download = (url: string, signal?: AbortSignal) => Promise<Response>;

/** The transport of downloads made without a client, made on first use. */
let plain: Send | undefined;

/**
 * A download for outputs normalised without a client (`new FileOutput(url)`,
 * `normalizeOutput(output)`): `fetch` looked up at call time, no credentials to any host,
 * and the client's defaults otherwise, a 120 s deadline over headers and body included,
 * so a stalled download rejects instead of hanging.
 *
 * @example
 * const response = await plainDownload("https://replicate.delivery/x/out.png")
 */
export const plainDownload: Download = (url, signal) => {
  // A base URL no download can be on: no request is ever the API's, so none gets a token.
  plain ??= createTransport({
    baseUrl: "https://no-api.invalid",
    auth: undefined,
    fetch: undefined,
    userAgent: undefined,
    headers: {},
    timeoutMs: 120_000,
    retry: resolveRetry(undefined),
  });
  return downloader(plain)(url, signal);
};

/** A download through a client's transport: retries, deadline, and auth for the API's own origin only. */
export function downloader(send: Send): Download {
  return (url, signal) => strictFetch(send, { signal, buffer: false })({ url, method: "GET", headers: {} });
}

/**
 * Decode a `data:` URL without a network round trip, with web APIs only. As the
 * Fetch standard says, `%XX` escapes are raw bytes, not UTF-8 text.
 */
export function decodeDataUrl(url: string): Blob {
  const comma = url.indexOf(",");
  const meta = url.slice(5, comma);
  const payload = url.slice(comma + 1);
  const base64 = /;base64$/i.test(meta);
  const type = (base64 ? meta.slice(0, -7) : meta) || "text/plain;charset=US-ASCII";
  let bytes: Uint8Array;
  if (base64) {
    const binary = atob(payload);
    bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } else {
    const raw = new TextEncoder().encode(payload);
    const out: number[] = [];
    for (let i = 0; i < raw.length; i++) {
      const hex = raw[i] === 0x25 ? String.fromCharCode(raw[i + 1] ?? 0, raw[i + 2] ?? 0) : "";
      if (/^[0-9a-f]{2}$/i.test(hex)) {
        out.push(Number.parseInt(hex, 16));
        i += 2;
      } else out.push(raw[i] as number);
    }
    bytes = Uint8Array.from(out);
  }
  return new Blob([bytes.slice()], { type });
}

/**
 * An output file: its URL now, its bytes on demand. Reads are cached, so reading twice
 * downloads once; `stream()` before any other read streams without buffering.
 *
 * @example
 * const [image] = await run(replicate, "black-forest-labs/flux-schnell", { input })
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
    if (this.#blob) return this.#blob;
    const pending = this.url.startsWith("data:")
      ? Promise.resolve(decodeDataUrl(this.url))
      : this.#download(this.url, options.signal).then((r) => r.blob());
    this.#blob = pending;
    // A failed download is not cached (unless a newer read has replaced it): the next call tries again.
    pending.catch(() => {
      if (this.#blob === pending) this.#blob = undefined;
    });
    return pending;
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
    // Our own controller, so cancelling the stream aborts a download still on its way.
    const controller = new AbortController();
    options.signal?.addEventListener("abort", () => controller.abort(options.signal?.reason), { once: true });
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    return new ReadableStream<Uint8Array>(
      {
        pull: async (sink) => {
          reader ??= (this.#blob ? (await this.#blob).stream() : await this.#open(controller.signal)).getReader();
          if (controller.signal.aborted) {
            await reader.cancel(controller.signal.reason);
            return;
          }
          const { done, value } = await reader.read();
          if (done) sink.close();
          else sink.enqueue(value);
        },
        cancel: async (reason) => {
          controller.abort(reason);
          await reader?.cancel(reason);
        },
      },
      // No read-ahead: nothing is fetched until the first read.
      { highWaterMark: 0 },
    );
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
