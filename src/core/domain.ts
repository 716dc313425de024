/**
 * Facts about Replicate itself, written once: every module that needs one imports it
 * from here, so a change (a new terminal status, a new host) is made in one place.
 */

/** Where the API lives. */
export const DEFAULT_BASE_URL = "https://api.replicate.com/v1";

/** The API's host: only there is a missing token an error (a proxy may add it itself). */
export const API_HOST = "api.replicate.com";

/**
 * Statuses after which a prediction or training never changes. `aborted` is one: it
 * must never be polled forever.
 *
 * @example
 * if (TERMINAL.has(prediction.status)) return prediction
 */
export const TERMINAL: ReadonlySet<string> = /* @__PURE__ */ new Set(["succeeded", "failed", "canceled", "aborted"]);

/** The events a webhook can be sent for, in the order they happen. */
export const WEBHOOK_EVENTS = ["start", "output", "logs", "completed"] as const;

/** One of {@link WEBHOOK_EVENTS}. */
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * Whether `url` is on one of Replicate's own https hosts (`replicate.com` and its
 * subdomains, where the API's stream URLs live). Only such a host may receive the token
 * for a URL that did not come from the API in the same call.
 *
 * @example
 * isReplicateHost(new URL("https://stream.replicate.com/v1/files/abc")) // true
 */
export function isReplicateHost(url: URL): boolean {
  const { protocol, hostname } = url;
  return protocol === "https:" && (hostname === "replicate.com" || hostname.endsWith(".replicate.com"));
}
