/**
 * Reading a request body with a size cap. The proxy holds a body in memory before it
 * forwards it, so an uncapped body is a way to exhaust the server's memory.
 */

/**
 * The default cap, 10 MiB: far above any prediction's JSON (even with a few inline data
 * URLs) and enough for modest `files.create` uploads, yet small enough that a handful of
 * concurrent requests cannot exhaust an edge runtime's memory (often 128 MB).
 *
 * @example
 * createProxy({ prefix, allow, maxBodyBytes: 10 * DEFAULT_MAX_BODY_BYTES }) // 100 MiB uploads
 * (Written out: arithmetic at a module's top level is kept in every bundle.)
 */
export const DEFAULT_MAX_BODY_BYTES = 10_485_760;

/**
 * The request's body, or undefined when it is over `max` bytes. A `Content-Length` over the
 * cap is refused before reading anything; but the header may be missing (a streamed body)
 * or false, so the bytes are counted as they arrive and reading stops at the first one over.
 *
 * @example
 * const body = await readCapped(request, DEFAULT_MAX_BODY_BYTES)
 * if (body === undefined) return tooLarge()
 */
export async function readCapped(request: Request, max: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  const reader = request.body?.getReader();
  if (declared > max) {
    await reader?.cancel().catch(() => {});
    return undefined;
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) {
        await reader.cancel().catch(() => {});
        return undefined;
      }
      chunks.push(value);
    }
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}
