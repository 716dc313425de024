/**
 * The fake's webhook deliveries: signed in the Standard Webhooks scheme with the fake's
 * secret, filtered by `webhook_events_filter`, with `output` and `logs` throttled to one
 * per interval, and a failed `completed` delivery retried, as Replicate does. Every delivery
 * still on its way (waiting out the throttle or a retry, or waiting for the receiver's
 * answer) is known, so a test can wait for them.
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

/** How deliveries are sent; see {@link createWebhookSender}. */
export interface WebhookSending {
  secret: string;
  /** Sends one delivery. @default `globalThis.fetch` (looked up per delivery), to loopback addresses only */
  deliver?: ((request: Request) => Promise<Response>) | undefined;
  /** At most one `output`/`logs` delivery per this interval. */
  throttleMs: number;
  /** The waits before each retry of a `completed` delivery that failed; its length is the number of retries. */
  retryDelaysMs: readonly number[];
  /** Where every attempt is recorded. */
  deliveries: Delivery[];
}

/** What {@link createWebhookSender} gives: the job listener, and the deliveries not yet answered. */
export interface WebhookSender {
  /** Called on every change of a job that has a webhook. */
  notify(job: Job, change: JobChange): void;
  /** Settles once every delivery now on its way has been answered (or has failed). */
  busy(): Promise<void>[];
}

/**
 * Whether `url` names this machine. Without a `deliver` of their own, tests must not post
 * predictions to the internet (an example's `https://example.com/hook`, a real endpoint):
 * the fake delivers to loopback receivers only.
 */
function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || /^127(\.\d+){3}$/.test(host);
}

/**
 * Deliveries for jobs with a webhook, every attempt recorded in `deliveries`. A `completed`
 * delivery that cannot be made or gets a 4xx or 5xx is retried after each of
 * `retryDelaysMs`, as Replicate retries the final webhook (and no other); a retry is the
 * same message (id and body), signed anew.
 *
 * @example
 * const sender = createWebhookSender({ secret, throttleMs: 500, retryDelaysMs: [50, 100], deliveries })
 * job.listeners.add((change) => sender.notify(job, change))
 */
export function createWebhookSender(sending: WebhookSending): WebhookSender {
  const { secret, deliver, throttleMs, retryDelaysMs, deliveries } = sending;
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
  async function post(job: Job, event: JobChange, delivering?: () => void) {
    const url = String(job.record.webhook);
    // The record as it is now, not when the answer comes.
    const message = { id: `msg_${newId()}`, body: JSON.stringify(job.record) };
    for (let attempt = 0; ; attempt++) {
      const failed = await send(url, event, message, delivering);
      const wait = retryDelaysMs[attempt];
      if (!failed || event !== "completed" || wait === undefined) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** One attempt; resolves to whether it failed in a way Replicate retries (no request made, or 4xx/5xx). */
  async function send(
    url: string,
    event: JobChange,
    message: { id: string; body: string },
    delivering?: () => void,
  ): Promise<boolean> {
    // Recorded when sent, so `deliveries` is in sending order whatever order the answers come in.
    const delivery: Delivery = { url, event, status: "pending", body: message.body };
    deliveries.push(delivery);
    let reached = false;
    try {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers = {
        "content-type": "application/json",
        "webhook-id": message.id,
        "webhook-timestamp": timestamp,
        "webhook-signature": await signDelivery(secret, message.id, timestamp, message.body),
      };
      const request = new Request(url, { method: "POST", headers, body: message.body });
      if (!deliver && !isLoopback(url)) {
        throw new Error(`fake: webhooks go to loopback addresses only, not ${url}; pass \`deliver\` to send elsewhere`);
      }
      reached = true; // from here a failure is the receiver's or the network's: worth a retry
      delivering?.();
      const response = await (deliver ?? globalThis.fetch)(request);
      await response.body?.cancel();
      delivery.status = response.status;
      return response.status >= 400;
    } catch (error) {
      delivery.status = "error";
      delivery.error = describeError(error);
      return reached;
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
    // The window runs from when the receiver is sent the last one (after signing, which
    // may take a while on a busy machine), so the receiver never sees two closer than it.
    const stamp = () => last.set(job, Date.now());
    const send = () => {
      stamp();
      return post(job, change, stamp);
    };
    if (wait === 0) return void track(send());
    track(
      new Promise<void>((resolve) => {
        const drop = () => {
          clearTimeout(timer);
          throttled.delete(job);
          resolve();
        };
        const fire = () => {
          // The last one may have gone out later than its window was reckoned from.
          const left = (last.get(job) ?? 0) + throttleMs - Date.now();
          if (left > 0) {
            timer = setTimeout(fire, left);
            return;
          }
          throttled.delete(job);
          void send().then(resolve);
        };
        let timer = setTimeout(fire, wait);
        throttled.set(job, drop);
      }),
    );
  }

  return { notify, busy: () => [...inFlight] };
}
