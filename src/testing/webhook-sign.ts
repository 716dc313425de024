/**
 * The fake's own webhook signer, in the Standard Webhooks scheme Replicate uses: HMAC-SHA256
 * of `${webhook-id}.${webhook-timestamp}.${body}`, keyed with the base64-decoded secret
 * after its `whsec_` prefix, sent as `v1,<base64>`. WebCrypto only, so it runs anywhere.
 * It is written apart from the client's verifier on purpose: a mistake made once in shared
 * code would sign and verify alike, and no test would see it.
 */

const encoder = new TextEncoder();

/** The HMAC key of a `whsec_…` secret; a secret that is not base64 cannot sign. */
function keyOf(secret: string): Uint8Array<ArrayBuffer> {
  const text = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  if (text === "" || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    throw new Error("The webhook secret must be base64 (after an optional whsec_ prefix)");
  }
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/**
 * The `webhook-signature` header for one delivery.
 *
 * @example
 * await signDelivery("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", '{"test": 2432232314}')
 * // "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
 */
export async function signDelivery(secret: string, id: string, timestamp: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", keyOf(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(`${id}.${timestamp}.${body}`)));
  let binary = "";
  for (const byte of mac) binary += String.fromCharCode(byte);
  return `v1,${btoa(binary)}`;
}
