/**
 * The fake's stream endpoint: Server-Sent Events with ids, resumable from
 * `Last-Event-ID`, ending with `done`; and, on request, a connection that drops mid-event.
 */
import type { Job, JobEvent } from "./jobs.js";

const encoder = new TextEncoder();

function format(event: JobEvent): string {
  // SSE ends lines at CR, LF or CRLF, so each becomes a line break between `data:` lines.
  const data = event.data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join("");
  return `id: ${event.id}\nevent: ${event.type}\n${data}\n`;
}

/**
 * Serve `job`'s events after `lastEventId`. With `dropAfter`, the connection breaks after
 * that many events, halfway through the next one, as a flaky network would.
 */
export function serveStream(job: Job, lastEventId: string | null, dropAfter?: number): Response {
  const seen = lastEventId ? job.events.findIndex((e) => e.id === lastEventId) : -1;
  let next = seen + 1;
  let sent = 0;
  let listener: (() => void) | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode("retry: 50\n\n")); // reconnect quickly: this is a local fake
      const flush = () => {
        while (next < job.events.length) {
          const event = job.events[next++] as JobEvent;
          if (dropAfter !== undefined && sent >= dropAfter) {
            // Half an event, then the end, without `done`: a dropped connection. Closing
            // (not erroring) keeps the chunks already queued, as a network would deliver them.
            controller.enqueue(encoder.encode(format(event).slice(0, 12)));
            job.listeners.delete(listener as () => void);
            controller.close();
            return;
          }
          controller.enqueue(encoder.encode(format(event)));
          sent++;
          if (event.type === "done") {
            job.listeners.delete(listener as () => void);
            controller.close();
            return;
          }
        }
      };
      listener = flush;
      // Resumed after `done`: there is nothing more to send.
      if (job.events.at(-1)?.type === "done" && next >= job.events.length) return controller.close();
      job.listeners.add(listener);
      flush();
    },
    cancel() {
      if (listener) job.listeners.delete(listener);
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-store" } });
}
