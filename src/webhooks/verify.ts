/**
 * Webhook verification, in the Standard Webhooks scheme Replicate uses. WebCrypto only,
 * so it runs unchanged in Node, Deno, Bun, browsers and workers.
 *
 * Signed content is `${webhook-id}.${webhook-timestamp}.${raw body}`, HMAC-SHA256 keyed
 * with the base64-decoded secret (after its `whsec_` prefix). The body must be the exact
 * bytes received: re-serialising a parsed object changes them and breaks the signature.
 */

import type { WebhookEvent } from "../core/domain.js";
import { InputError, ReplicateError } from "../core/errors.js";
import type { Prediction, Training } from "../core/types.js";

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
    Object.assign(this, { reason });
  }
}

/** What Replicate posts: the prediction (or training) as `get` returns it. */
export type WebhookPayload = Prediction | Training;

/** Header values as web `Headers` or a plain record in any casing (Node's `req.headers`). */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/** Options of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /** The raw body, exactly as received. */
  body: string | Uint8Array | ArrayBuffer;
  headers: WebhookHeaders;
  /** The signing secret (`whsec_…`), or several while rotating: any one matching is enough. */
  secret: string | readonly string[];
  /** How far the timestamp may be from now, either way. @default 300 */
  toleranceSec?: number;
}

const encoder = /* @__PURE__ */ new TextEncoder();

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value.join(" ") : value;
  }
  return undefined;
}

function base64Bytes(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const binary = atob(text);
  // Only the canonical spelling: atob ignores the unused low bits of the last character,
  // which would let several strings stand for one signature.
  if (btoa(binary) !== text) return undefined;
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Equal contents, in time that depends only on the length: no early exit a timer could see. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** HMAC-SHA256 of `${id}.${timestamp}.${body}`: the signed content of the scheme. */
async function mac(key: Uint8Array<ArrayBuffer>, id: string, timestamp: string, body: Uint8Array): Promise<Uint8Array> {
  const prefix = encoder.encode(`${id}.${timestamp}.`);
  const content = new Uint8Array(prefix.length + body.length);
  content.set(prefix);
  content.set(body, prefix.length);
  const hmac = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
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
  const bytes = await mac(secretKey(options.secret), options.id, options.timestamp, encoder.encode(options.body));
  return `v1,${btoa(String.fromCharCode(...bytes))}`;
}

/** The HMAC key of a secret (`whsec_` and base64), or a WebhookVerificationError. */
function secretKey(secret: unknown): Uint8Array<ArrayBuffer> {
  const key = typeof secret === "string" ? base64Bytes(secret.replace(/^whsec_/, "")) : undefined;
  if (!key) throw new WebhookVerificationError("invalid_secret", "secret must be base64, optionally after whsec_.");
  return key;
}

function bodyBytes(body: unknown): Uint8Array {
  if (typeof body === "string") return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new WebhookVerificationError(
    "invalid_body",
    "body must be the raw request body (string, Uint8Array or ArrayBuffer). A parsed object cannot be verified: " +
      "serialising it again does not reproduce the bytes that were signed. Read the body as text first.",
  );
}

/**
 * Verify a webhook and return its payload. Throws {@link WebhookVerificationError} with
 * a `reason` when it is not authentic or not fresh.
 *
 * @example
 * const prediction = await verifyWebhook({ body: rawText, headers: req.headers, secret: process.env.WEBHOOK_SECRET })
 */
export async function verifyWebhook<T = WebhookPayload>(options: VerifyWebhookOptions): Promise<T> {
  const { headers, toleranceSec = 300 } = options;
  // NaN would switch the freshness check off: fail closed instead.
  if (!(toleranceSec >= 0)) throw new InputError(`toleranceSec must be a number ≥ 0, got ${toleranceSec}.`);
  const bytes = bodyBytes(options.body);
  const { secret } = options;
  const keys = (Array.isArray(secret) ? secret : [secret]).map(secretKey);
  if (keys.length === 0) throw new WebhookVerificationError("invalid_secret", "no secret given.");

  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  // An empty id or signature is as good as none; an empty timestamp is a malformed one.
  if (!id || timestamp === undefined || !signatures) {
    const absent = {
      "webhook-id": !id,
      "webhook-timestamp": timestamp === undefined,
      "webhook-signature": !signatures,
    };
    const missing = Object.keys(absent).filter((h) => absent[h as keyof typeof absent]);
    throw new WebhookVerificationError("missing_header", `missing header: ${missing.join(", ")}.`);
  }
  if (!/^\d{1,15}$/.test(timestamp))
    throw new WebhookVerificationError("invalid_timestamp", "webhook-timestamp is not whole seconds.");
  const skew = Math.floor(Date.now() / 1000) - Number(timestamp);
  if (skew > toleranceSec) throw new WebhookVerificationError("timestamp_too_old", `timestamp is ${skew} s old.`);
  if (-skew > toleranceSec)
    throw new WebhookVerificationError("timestamp_too_new", `timestamp is ${-skew} s in the future.`);

  // Other versions (`v1a,…`) are not ours to judge: only `v1,` entries count.
  // Space-separated; a header sent twice arrives joined with ", ".
  const candidates = signatures
    .split(/,?\s+/)
    .filter((entry) => entry.startsWith("v1,"))
    .map((entry) => base64Bytes(entry.slice(3)))
    .filter((sig) => sig !== undefined);
  if (candidates.length === 0)
    throw new WebhookVerificationError("no_signature", "no v1 signature in webhook-signature.");

  let valid = false;
  for (const key of keys) {
    const expected = await mac(key, id, timestamp, bytes);
    // Check every pair (no early exit) so timing does not say which one matched.
    for (const candidate of candidates) valid = constantTimeEqual(expected, candidate) || valid;
  }
  if (!valid) throw new WebhookVerificationError("signature_mismatch", "no signature matches.");
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch {
    throw new WebhookVerificationError("invalid_json", "the webhook is authentic but its body is not JSON.");
  }
}

/**
 * Verify a web-standard `Request` (Next.js route handlers, Hono, Deno, Bun, workers),
 * reading its raw body once.
 *
 * @example
 * export async function POST(request: Request) {
 *   const prediction = await verifyWebhookRequest(request, process.env.REPLICATE_WEBHOOK_SECRET!)
 *   return new Response(null, { status: 204 })
 * }
 */
export async function verifyWebhookRequest<T = WebhookPayload>(
  request: Request,
  secret: string | readonly string[],
  options: { toleranceSec?: number } = {},
): Promise<T> {
  const body = new Uint8Array(await request.arrayBuffer());
  return verifyWebhook<T>({ body, headers: request.headers, secret, ...options });
}

/**
 * Which of the four webhook events a payload is. Replicate does not label them, so it is
 * read from the status: `starting` is `start`; a finished job is `completed`; while
 * processing, a payload with output is `output`, one without is `logs`.
 *
 * @example
 * switch (webhookEvent(payload)) { case "completed": await save(payload.output) }
 */
export function webhookEvent(payload: WebhookPayload): WebhookEvent {
  if (payload.status === "starting") return "start";
  if (payload.status === "processing")
    return payload.output === null || payload.output === undefined ? "logs" : "output";
  return "completed";
}
