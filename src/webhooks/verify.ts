/**
 * Webhook verification, in the Standard Webhooks scheme Replicate uses. WebCrypto only,
 * so it runs unchanged in Node, Deno, Bun, browsers and workers.
 *
 * Signed content is `${webhook-id}.${webhook-timestamp}.${raw body}`, HMAC-SHA256 keyed
 * with the base64-decoded secret (after its `whsec_` prefix). The body must be the exact
 * bytes received: re-serialising a parsed object changes them and breaks the signature.
 */

import type { WebhookEvent } from "../core/domain.js";
import { InputError } from "../core/errors.js";
import type { Prediction, Training } from "../core/types.js";
import { base64Bytes, constantTimeEqual, mac, type RawBody, secretKey, WebhookVerificationError } from "./signature.js";

/** What Replicate posts: the prediction (or training) as `get` returns it. */
export type WebhookPayload = Prediction | Training;

/** Header values as web `Headers` or a plain record in any casing (Node's `req.headers`). */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/** Options of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /** The raw body, exactly as received. */
  body: RawBody;
  headers: WebhookHeaders;
  /** The signing secret (`whsec_…`), or several while rotating: any one matching is enough. */
  secret: string | readonly string[];
  /** How far the timestamp may be from now, either way. @default 300 */
  toleranceSec?: number;
}

const NAMES = ["webhook-id", "webhook-timestamp", "webhook-signature"] as const;

/** A header's value; one sent several times (a Node array) has its values joined with spaces. */
function header(headers: WebhookHeaders, name: string): string | undefined {
  // By its get(), not instanceof: a Headers from a polyfill or another realm is not ours.
  const value: unknown =
    typeof (headers as Headers).get === "function"
      ? (headers as Headers).get(name)
      : Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  if (Array.isArray(value)) return value.join(" ");
  // A record built by hand may hold a number (the timestamp); anything else that is not
  // text counts as absent, so it fails as a WebhookVerificationError, not a TypeError.
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}

/** A verified delivery: its `webhook-id` (the same on every retry of one delivery), its time, its payload. */
export interface WebhookDelivery<T = WebhookPayload> {
  /** `webhook-id`: Replicate retries a delivery with the same id, so a handler de-duplicates on it. */
  id: string;
  /** `webhook-timestamp`, in Unix seconds. */
  timestamp: number;
  payload: T;
}

/**
 * Verify a webhook and return it with its `webhook-id`, for handlers that must act once
 * per delivery: verification is stateless, so a delivery sent twice (a retry, or a
 * replay within the tolerance) passes twice. Throws {@link WebhookVerificationError}
 * with a `reason` when it is not authentic or not fresh.
 *
 * @example
 * const { id, payload } = await verifyWebhookDelivery({ body: rawText, headers: req.headers, secret })
 * if (await alreadyHandled(id)) return new Response(null, { status: 204 })
 */
export async function verifyWebhookDelivery<T = WebhookPayload>(
  options: VerifyWebhookOptions,
): Promise<WebhookDelivery<T>> {
  if (typeof options !== "object" || options === null) {
    throw new InputError("Expected webhook options: { body, headers, secret }.");
  }
  const { body, headers, secret, toleranceSec = 300 } = options;
  if (typeof headers !== "object" || headers === null) {
    throw new InputError("headers must be the request's headers: a Headers or a plain record.");
  }
  // NaN would switch the freshness check off: fail closed instead.
  if (!(toleranceSec >= 0)) throw new InputError(`toleranceSec must be a number ≥ 0, got ${toleranceSec}.`);
  // By tag, not instanceof: bytes from another realm (vm-based test runners, whose byte
  // arrays and Request hand out the outer realm's) are raw bytes too.
  if (typeof body !== "string" && !/^\[object (Uint8Array|ArrayBuffer)\]$/.test(Object.prototype.toString.call(body))) {
    throw new WebhookVerificationError(
      "invalid_body",
      "body must be the raw request body (string, Uint8Array or ArrayBuffer). A parsed object cannot be verified: " +
        "serialising it again does not reproduce the bytes that were signed. Read the body as text first.",
    );
  }
  const keys = [secret].flat().map(secretKey);
  if (keys.length === 0) throw new WebhookVerificationError("invalid_secret", "no secret given.");

  const values = NAMES.map((name) => header(headers, name));
  // An empty id or signature is as good as none; an empty timestamp is a malformed one.
  const missing = NAMES.filter((_, i) => (i === 1 ? values[i] == null : !values[i]));
  if (missing.length > 0)
    throw new WebhookVerificationError("missing_header", `missing header: ${missing.join(", ")}.`);
  const [id, timestamp, signatures] = values as [string, string, string];
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
    .map((entry) => (entry.startsWith("v1,") ? base64Bytes(entry.slice(3)) : undefined))
    .filter((sig) => sig !== undefined);
  if (candidates.length === 0)
    throw new WebhookVerificationError("no_signature", "no v1 signature in webhook-signature.");

  let valid = false;
  for (const key of keys) {
    const expected = await mac(key, id, timestamp, body);
    // Check every pair (no early exit) so timing does not say which one matched.
    for (const candidate of candidates) valid = constantTimeEqual(expected, candidate) || valid;
  }
  if (!valid) throw new WebhookVerificationError("signature_mismatch", "no signature matches.");
  let payload: T;
  try {
    // Decoded as UTF-8 from the bytes, as they were signed.
    payload = JSON.parse(await new Blob([body as BlobPart]).text()) as T;
  } catch {
    throw new WebhookVerificationError("invalid_json", "the webhook is authentic but its body is not JSON.");
  }
  return { id, timestamp: Number(timestamp), payload };
}

/**
 * Verify a webhook and return its payload. Throws {@link WebhookVerificationError} with
 * a `reason` when it is not authentic or not fresh. To act once per delivery, use
 * {@link verifyWebhookDelivery}, which also gives the `webhook-id`.
 *
 * @example
 * const prediction = await verifyWebhook({ body: rawText, headers: req.headers, secret: process.env.WEBHOOK_SECRET })
 */
export async function verifyWebhook<T = WebhookPayload>(options: VerifyWebhookOptions): Promise<T> {
  return (await verifyWebhookDelivery<T>(options)).payload;
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
  if (typeof request?.arrayBuffer !== "function" || typeof request.headers !== "object") {
    throw new InputError("verifyWebhookRequest(request, secret): request must be the incoming web Request.");
  }
  // The usual mistake, `await request.json()` first: say so, not the runtime's "Body is unusable".
  if (request.bodyUsed) {
    throw new WebhookVerificationError(
      "invalid_body",
      "the request's body was already read. Verify before reading it, or pass the raw text you read to verifyWebhook.",
    );
  }
  return verifyWebhook<T>({ body: await request.arrayBuffer(), headers: request.headers, secret, ...options });
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
  if (payload.status === "processing") return payload.output == null ? "logs" : "output";
  return "completed";
}
