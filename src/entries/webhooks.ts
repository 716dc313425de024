/**
 * `replicate-fetch/webhooks`: verify the webhooks Replicate sends (Standard Webhooks
 * scheme, WebCrypto), and fetch the account's signing secret.
 *
 * @example
 * import { verifyWebhookRequest, webhookSecret } from "replicate-fetch/webhooks"
 * const prediction = await verifyWebhookRequest(request, await webhookSecret(replicate))
 */
import type { Replicate } from "../client.js";
import { secretOf } from "../webhook-secret.js";

/**
 * The account's default webhook secret (`whsec_…`), cached per client. After rotating
 * it on Replicate, call with `{ refresh: true }` and verify with `[newSecret, oldSecret]`
 * until webhooks signed with the old one stop arriving.
 *
 * @example
 * const secret = await webhookSecret(replicate)
 */
export async function webhookSecret(replicate: Replicate, options?: { refresh?: boolean }): Promise<string> {
  return secretOf(replicate)(options);
}

export {
  signWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
  verifyWebhookRequest,
  type WebhookFailureReason,
  type WebhookHeaders,
  type WebhookPayload,
  WebhookVerificationError,
  webhookEvent,
} from "../webhooks.js";
