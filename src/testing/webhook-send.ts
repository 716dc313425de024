/**
 * The fake's webhook deliveries: signed in the Standard Webhooks scheme with the fake's
 * secret, filtered by `webhook_events_filter`, with `output` and `logs` throttled to one
 * per interval as Replicate does.
 */
import { signWebhook } from "../webhooks/signature.js";
import { describeError, newId } from "./http.js";
import type { Job, JobChange } from "./jobs.js";

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

export function createWebhookSender(
  secret: string,
  deliver: (request: Request) => Promise<Response>,
  throttleMs: number,
  deliveries: Delivery[],
) {
  const last = new WeakMap<Job, number>();
  const pending = new WeakMap<Job, ReturnType<typeof setTimeout>>();

  // Never rejects: it runs detached (`void post(…)`), where a rejection would be unhandled
  // and end the host process. Whatever fails is the delivery's `error`.
  async function post(job: Job, event: JobChange) {
    // Recorded when sent, so `deliveries` is in sending order whatever order the answers come in.
    const delivery: Delivery = { url: String(job.record.webhook), event, status: "pending", body: "" };
    deliveries.push(delivery);
    try {
      const body = JSON.stringify(job.record); // the record as it is now, not when the answer comes
      delivery.body = body;
      const id = `msg_${newId()}`;
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = await signWebhook({ secret, id, timestamp, body });
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

  /** Called on every change of a job that has a webhook. */
  return function notify(job: Job, change: JobChange): void {
    const filter = (job.record.webhook_events_filter as JobChange[] | undefined) ?? [
      "start",
      "output",
      "logs",
      "completed",
    ];
    if (!filter.includes(change)) return;
    if (change === "start" || change === "completed") {
      clearTimeout(pending.get(job));
      pending.delete(job);
      void post(job, change);
      return;
    }
    // output and logs: at most one per throttleMs; the last change in a window is sent at its end.
    if (pending.has(job)) return;
    const wait = Math.max(0, (last.get(job) ?? 0) + throttleMs - Date.now());
    const send = () => {
      pending.delete(job);
      last.set(job, Date.now());
      void post(job, change);
    };
    if (wait === 0) send();
    else pending.set(job, setTimeout(send, wait));
  };
}
