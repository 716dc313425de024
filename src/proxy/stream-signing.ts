/**
 * Signed stream URLs: the proxy forwards a stream request (with the server's token) only
 * when the proxy itself issued that URL. Each URL carries its target, an expiry and an
 * HMAC-SHA256 over both, made with WebCrypto alone so the proxy runs in any runtime.
 */

/**
 * How long an issued stream URL is accepted, 24 hours: longer than a prediction streams,
 * short enough that a URL that leaks (a log, a shared link) soon stops working.
 *
 * @example
 * const expires = Date.now() + STREAM_URL_TTL_MS
 * (Written out: arithmetic at a module's top level is kept in every bundle.)
 */
export const STREAM_URL_TTL_MS = 86_400_000;

/**
 * What {@link StreamSigner.verify} found: the target to forward, or why not.
 *
 * @example
 * const verified = await signer.verify(segment)
 * if (!verified.ok) return forbidden(verified.reason)
 */
export type Verified = { ok: true; target: string } | { ok: false; reason: string };

/**
 * Issues and checks the path segment that stands for a stream URL:
 * `base64url(target).expiresAtSeconds.base64url(hmac)`.
 *
 * @example
 * const url = `${base}/__stream/${await signer.sign(prediction.urls.stream)}`
 */
export interface StreamSigner {
  /** The segment for `target`, good for {@link STREAM_URL_TTL_MS}. */
  sign(target: string): Promise<string>;
  /** The target of a segment this signer (or one with the same secret and scope) issued. */
  verify(segment: string): Promise<Verified>;
}

const encoder = /* @__PURE__ */ new TextEncoder();
const decoder = /* @__PURE__ */ new TextDecoder("utf-8", { fatal: true });
const HMAC = { name: "HMAC", hash: "SHA-256" } as const;

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The bytes of a base64url string, or undefined when it is not one. */
function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  try {
    const bytes = Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
    // Only the canonical spelling: the last character's unused low bits would otherwise let
    // several strings stand for one value (an altered URL that still verifies).
    return toBase64Url(bytes) === text ? bytes : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Make a signer. `scope` (the proxy's prefix) is signed too, so a URL issued for one
 * mount is not accepted by another that happens to share the secret. `secret` is read on
 * first use, not at creation (the proxy is usually created at module load, where some
 * runtimes, Cloudflare Workers, refuse randomness and may not have the environment yet);
 * without one the key is 32 random bytes, good on this instance only.
 *
 * @example
 * const signer = createStreamSigner("/api/replicate", () => process.env.PROXY_SECRET)
 * const segment = await signer.sign("https://stream.replicate.com/v1/files/abc")
 * await signer.verify(segment) // { ok: true, target: "https://stream.replicate.com/v1/files/abc" }
 */
export function createStreamSigner(scope: string, secret: () => string | undefined): StreamSigner {
  let key: Promise<CryptoKey> | undefined;
  const getKey = () => {
    key ??= (async () => {
      const shared = secret();
      // From a shared secret every instance derives the same key, so a URL one issued is
      // good on all. Only a hash of the secret keys the MAC: a URL reveals nothing of it.
      // No secret, or an empty one (`auth: ""`), gets random bytes: a key derived from ""
      // is one anyone could compute, and so sign URLs this proxy would follow.
      const raw = !shared
        ? crypto.getRandomValues(new Uint8Array(32))
        : new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(`replicate-kit stream URL\n${shared}`)));
      return crypto.subtle.importKey("raw", raw, HMAC, false, ["sign", "verify"]);
    })();
    return key;
  };
  // A JSON array keeps the three fields apart whatever characters they hold.
  const message = (target: string, expires: string) => encoder.encode(JSON.stringify([scope, expires, target]));

  return {
    async sign(target) {
      const expires = String(Math.floor((Date.now() + STREAM_URL_TTL_MS) / 1000));
      const mac = await crypto.subtle.sign("HMAC", await getKey(), message(target, expires));
      return `${toBase64Url(encoder.encode(target))}.${expires}.${toBase64Url(new Uint8Array(mac))}`;
    },

    async verify(segment) {
      const notIssued: Verified = {
        ok: false,
        reason:
          "This stream URL was not issued by this proxy, or was altered (server instances that share stream URLs need the same token or `secret`)",
      };
      const [encodedTarget = "", expires = "", signature = "", ...rest] = segment.split(".");
      const targetBytes = fromBase64Url(encodedTarget);
      const mac = fromBase64Url(signature);
      if (rest.length > 0 || !/^\d{1,15}$/.test(expires) || !targetBytes || !mac) return notIssued;
      let target: string;
      try {
        target = decoder.decode(targetBytes);
      } catch {
        return notIssued;
      }
      // verify() compares in constant time, unlike comparing two strings.
      if (!(await crypto.subtle.verify("HMAC", await getKey(), mac, message(target, expires)))) return notIssued;
      if (Number(expires) * 1000 <= Date.now()) return { ok: false, reason: "This stream URL has expired" };
      return { ok: true, target };
    },
  };
}
