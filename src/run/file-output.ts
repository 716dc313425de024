/**
 * A file a model produced, downloaded only when asked. Existing clients download every
 * output file as soon as a run ends, even when the caller only wants the URL; this one
 * fetches nothing until `blob()`, `arrayBuffer()`, `text()` or `stream()`.
 */
import { strictFetch } from "../core/methods.js";
import { resolveRetry } from "../core/retry.js";
import { abortable, whenAborted } from "../core/signals.js";
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
    headers: {},
    timeoutMs: 120_000,
    retry: resolveRetry(undefined),
  });
  return downloader(plain)(url, signal);
};

/**
 * A download through a client's transport: retries, deadline, and auth for the API's own
 * files only (a model's output may name any URL of the API's, which must not get the token).
 *
 * @example
 * const file = new FileOutput(url, downloader(partsOf(replicate).send))
 */
export function downloader(send: Send): Download {
  return (url, signal) =>
    strictFetch(send, { signal, buffer: false, output: true })({ url, method: "GET", headers: {} });
}

/**
 * Decode a `data:` URL without a network round trip, with web APIs only. As the
 * Fetch standard says, `%XX` escapes are raw bytes, not UTF-8 text.
 *
 * @example
 * await decodeDataUrl("data:text/plain,a%20b").text() // "a b"
 */
export function decodeDataUrl(url: string): Blob {
  const comma = url.indexOf(",");
  const meta = url.slice(5, comma);
  const payload = url.slice(comma + 1);
  const base64 = /;base64$/i.test(meta);
  const type = (base64 ? meta.slice(0, -7) : meta) || "text/plain;charset=US-ASCII";
  const utf8 = new TextEncoder();
  // Split on escapes: the odd pieces are the escapes' hex digits, the even ones text.
  const bytes = base64
    ? Array.from(atob(payload), (c) => c.charCodeAt(0))
    : payload
        .split(/%([\da-f]{2})/i)
        .flatMap((piece, i) => (i % 2 ? Number.parseInt(piece, 16) : [...utf8.encode(piece)]));
  return new Blob([new Uint8Array(bytes)], { type });
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
  /** The signal of the read that started the download in `#blob`. */
  #by: AbortSignal | undefined;

  constructor(url: string, download: Download = plainDownload) {
    this.url = url;
    this.#download = download;
  }

  /** The file as a Response: a data: URL decoded here, any other URL downloaded. */
  async #fetch(signal?: AbortSignal): Promise<Response> {
    return this.url.startsWith("data:") ? new Response(decodeDataUrl(this.url)) : this.#download(this.url, signal);
  }

  /** The whole file. Downloaded on the first call, then reused. */
  blob(options: { signal?: AbortSignal } = {}): Promise<Blob> {
    const { signal } = options;
    const shared = this.#blob;
    if (shared) {
      const by = this.#by;
      // A read that joins another's download waits under its own signal; when the other
      // read's abort stopped that download, this one (not aborted) downloads again.
      return abortable(shared, signal).catch((error: unknown) => {
        if (by?.aborted && !signal?.aborted) return this.blob(options);
        throw error;
      });
    }
    const pending = this.#fetch(signal).then((r) => r.blob());
    this.#blob = pending;
    this.#by = signal;
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
    const { signal } = controller;
    // Let go of the caller's signal when the stream ends: a long-lived one (an app's
    // shutdown signal) would otherwise keep every file ever streamed alive through it.
    const unlisten = whenAborted(options.signal, () => controller.abort(options.signal?.reason));
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    return new ReadableStream<Uint8Array>(
      {
        pull: async (sink) => {
          try {
            reader ??= (
              (this.#blob ? new Response(await this.blob({ signal })) : await this.#fetch(signal)).body ??
              new Blob().stream()
            ).getReader();
            if (signal.aborted) {
              // Stopped while the file was on its way: let go of it, and end the stream with the reason.
              await reader.cancel(signal.reason);
              throw signal.reason;
            }
            const { done, value } = await reader.read();
            if (!done) return sink.enqueue(value);
            unlisten();
            sink.close();
          } catch (error) {
            unlisten();
            throw error;
          }
        },
        cancel: async (reason) => {
          unlisten();
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
