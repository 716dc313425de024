/**
 * Webhook signatures in the Standard Webhooks scheme Replicate uses, with WebCrypto only:
 * the signing key from a secret, the HMAC of a message, and the comparison. Signed
 * content is `${webhook-id}.${webhook-timestamp}.${raw body}`, HMAC-SHA256 keyed with the
 * base64-decoded secret (after its `whsec_` prefix).
 */
import { ReplicateError } from "../core/errors.js";

/** Why a webhook was refused: stable strings, for logs and metrics. */
export type WebhookFailureReason =
  | "invalid_body" // not raw bytes or text (e.g. an already-parsed object)
  | "invalid_secret" // a secret that is not base64 (after an optional whsec_ prefix)
  | "missing_header" // webhook-id, webhook-timestamp or webhook-signature absent
  | "invalid_timestamp" // webhook-timestamp is not whole seconds
  | "timestamp_too_old"
  | "timestamp_too_new"
  | "no_signature" // no `v1,` entry in webhook-signature
  | "signature_mismatch"
  | "invalid_json"; // authentic, but not JSON

/**
 * A webhook failed verification. `reason` says why, in a stable form.
 *
 * @example
 * catch (e) { if (e instanceof WebhookVerificationError) return new Response(e.reason, { status: 400 }) }
 */
export class WebhookVerificationError extends ReplicateError {
  override name = "WebhookVerificationError" as const;
  declare readonly reason: WebhookFailureReason;
  constructor(reason: WebhookFailureReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** A raw body: the exact bytes received, or their text. */
export type RawBody = string | Uint8Array | ArrayBuffer;

/**
 * The bytes of canonical base64, or undefined.
 *
 * @example
 * base64Bytes("AAEC") // Uint8Array [0, 1, 2]
 */
export function base64Bytes(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    const binary = atob(text);
    // Only the canonical spelling: atob forgives missing padding and whitespace and ignores
    // the unused low bits of the last character, which would let several strings stand
    // for one signature. Only canonical base64 comes back unchanged from btoa.
    return text && btoa(binary) === text ? Uint8Array.from(binary, (c) => c.charCodeAt(0)) : undefined;
  } catch {
    return undefined; // not base64 at all
  }
}

/**
 * Equal contents, in time that depends only on the length: no early exit a timer could see.
 *
 * @example
 * constantTimeEqual(expected, received)
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/**
 * HMAC-SHA256 of `${id}.${timestamp}.${body}`: the signed content of the scheme. A Blob
 * joins the parts, so a text body is encoded as UTF-8 and bytes are taken as they are.
 *
 * @example
 * const signature = await mac(secretKey("whsec_..."), "msg_1", "1700000000", body)
 */
export async function mac(
  key: Uint8Array<ArrayBuffer>,
  id: string,
  timestamp: string,
  body: RawBody,
): Promise<Uint8Array> {
  const hmac = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const content = await new Blob([`${id}.${timestamp}.`, body as BlobPart]).arrayBuffer();
  return new Uint8Array(await crypto.subtle.sign("HMAC", hmac, content));
}

/**
 * The `webhook-signature` value for a payload: what Replicate sends, so you can sign test
 * webhooks for your own handler (the fake Replicate signs its deliveries with it).
 *
 * @example
 * const signature = await signWebhook({ secret, id: "msg_1", timestamp: String(Math.floor(Date.now() / 1000)), body })
 */
export async function signWebhook(options: {
  secret: string;
  id: string;
  timestamp: string;
  body: string;
}): Promise<string> {
  const bytes = await mac(secretKey(options.secret), options.id, options.timestamp, options.body);
  return `v1,${btoa(String.fromCharCode(...bytes))}`;
}

/**
 * The HMAC key of a secret (`whsec_` and base64), or a WebhookVerificationError.
 *
 * @example
 * const key = secretKey(process.env.REPLICATE_WEBHOOK_SECRET)
 */
export function secretKey(secret: unknown): Uint8Array<ArrayBuffer> {
  const key = typeof secret === "string" ? base64Bytes(secret.replace(/^whsec_/, "")) : undefined;
  if (!key) throw new WebhookVerificationError("invalid_secret", "secret must be base64, optionally after whsec_.");
  return key;
}
