/**
 * The fake's webhook deliveries: signed in the Standard Webhooks scheme with the fake's
 * secret, filtered by `webhook_events_filter`, with `output` and `logs` throttled to one
 * per interval as Replicate does. Every delivery still on its way (waiting out the
 * throttle, or waiting for the receiver's answer) is known, so a test can wait for them.
 */
import { describeError, newId } from "./http.js";
import type { Job, JobChange } from "./jobs.js";
import { signDelivery } from "./webhook-sign.js";

/** One delivery attempt, kept for tests to inspect. */
export interface Delivery {
  url: string;
  event: JobChange;
  /** The receiver's answer; `"pending"` until it comes, `"error"` if it never does. */
  status: number | "pending" | "error";
  body: string;
  /** Why the status is `"error"`: the receiver was down, the secret cannot sign, … */
  error?: string;
}

/** What {@link createWebhookSender} gives: the job listener, and the deliveries not yet answered. */
export interface WebhookSender {
  /** Called on every change of a job that has a webhook. */
  notify(job: Job, change: JobChange): void;
  /** Settles once every delivery now on its way has been answered (or has failed). */
  busy(): Promise<void>[];
}

/**
 * Deliveries for jobs with a webhook, recorded in `deliveries`.
 *
 * @example
 * const sender = createWebhookSender(secret, fetch, 500, deliveries)
 * job.listeners.add((change) => sender.notify(job, change))
 */
export function createWebhookSender(
  secret: string,
  deliver: (request: Request) => Promise<Response>,
  throttleMs: number,
  deliveries: Delivery[],
): WebhookSender {
  const last = new WeakMap<Job, number>();
  /** Per job, how to drop its throttled delivery still waiting for its window. */
  const throttled = new WeakMap<Job, () => void>();
  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    inFlight.add(work);
    void work.then(() => inFlight.delete(work));
  };

  // Never rejects: it runs detached, where a rejection would be unhandled and end the host
  // process. Whatever fails is the delivery's `error`.
  async function post(job: Job, event: JobChange) {
    // Recorded when sent, so `deliveries` is in sending order whatever order the answers come in.
    const delivery: Delivery = { url: String(job.record.webhook), event, status: "pending", body: "" };
    deliveries.push(delivery);
    try {
      const body = JSON.stringify(job.record); // the record as it is now, not when the answer comes
      delivery.body = body;
      const id = `msg_${newId()}`;
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = await signDelivery(secret, id, timestamp, body);
      const headers = {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": timestamp,
        "webhook-signature": signature,
      };
      const response = await deliver(new Request(delivery.url, { method: "POST", headers, body }));
      await response.body?.cancel();
      delivery.status = response.status;
    } catch (error) {
      delivery.status = "error";
      delivery.error = describeError(error);
    }
  }

  function notify(job: Job, change: JobChange): void {
    const filter = (job.record.webhook_events_filter as JobChange[] | undefined) ?? [
      "start",
      "output",
      "logs",
      "completed",
    ];
    if (!filter.includes(change)) return;
    if (change === "start" || change === "completed") {
      throttled.get(job)?.(); // the completed delivery carries everything the pending one would
      track(post(job, change));
      return;
    }
    // output and logs: at most one per throttleMs; the last change in a window is sent at its end.
    if (throttled.has(job)) return;
    const wait = Math.max(0, (last.get(job) ?? 0) + throttleMs - Date.now());
    const send = () => {
      last.set(job, Date.now());
      return post(job, change);
    };
    if (wait === 0) return void track(send());
    track(
      new Promise<void>((resolve) => {
        const drop = () => {
          clearTimeout(timer);
          throttled.delete(job);
          resolve();
        };
        const timer = setTimeout(() => {
          throttled.delete(job);
          void send().then(resolve);
        }, wait);
        throttled.set(job, drop);
      }),
    );
  }

  return { notify, busy: () => [...inFlight] };
}
