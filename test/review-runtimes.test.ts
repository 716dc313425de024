// Runtime portability, as found by running the packed package in workerd (ecosystem-tests/).
// Each case stands in for one way a runtime differs from Node, with the smallest stub of
// that difference: what the library must do there is checked here, in Node, and the real
// runtime checks the same in `npm run test:consumers`.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createReplicate, stream } from "../src/index.js";

afterEach(() => {
  vi.unstubAllGlobals();
});

const sse = (text: string) => new Response(text, { headers: { "content-type": "text/event-stream" } });

describe("Last-Event-ID past ASCII", () => {
  // A stream that sets a non-ASCII id, drops, and then ends: what was the id sent as?
  async function resumeHeader(): Promise<string | null> {
    const sent: (string | null)[] = [];
    const fetch = async (request: Request) => {
      sent.push(request.headers.get("last-event-id"));
      return sse(sent.length === 1 ? "id: été\nevent: output\ndata: a\n\n" : "event: done\ndata: {}\n\n");
    };
    const replicate = createReplicate({ auth: "t", fetch, retry: false });
    const source = { id: "p1", status: "processing", urls: { stream: "https://stream.replicate.com/v1/files/s" } };
    for await (const _ of stream(replicate, source as never, { reconnect: { delayMs: 1 } }));
    return sent[1] ?? null;
  }

  it("goes as its UTF-8 bytes, one character per byte, where headers are byte strings (Node, Deno, Bun, browsers)", async () => {
    expect(await resumeHeader()).toBe("\u00c3\u00a9t\u00c3\u00a9");
  });

  it("goes as the id itself where the runtime writes header values as UTF-8 (workerd): not encoded twice", async () => {
    // workerd's Headers take any string and send it UTF-8 encoded (observed: "é" goes as
    // C3 A9, "Ã©" as C3 83 C2 A9); standard Headers refuse a character past U+00FF.
    class Utf8Headers extends Headers {
      constructor(init?: HeadersInit) {
        // What workerd accepts (and would send as UTF-8): a stand-in that keeps no value.
        const values = init && !Array.isArray(init) && !(init instanceof Headers) ? Object.values(init) : [];
        const wide = values.some((v: string) => [...v].some((c) => (c.codePointAt(0) as number) > 0xff));
        super(wide ? undefined : init);
      }
    }
    vi.stubGlobal("Headers", Utf8Headers);
    expect(await resumeHeader()).toBe("été");
  });
});

describe("the shared deadline, where a timer cannot be unref'd (workerd, Deno, browsers)", () => {
  it("two calls at once get signals of their own: in workerd a timer armed by a request that ended never fires", async () => {
    // workerd's setTimeout returns a number, and a timer belongs to the request that armed
    // it: once that request has answered, the timer is dropped. A signal shared with a call
    // of another request would then never abort (observed: a 10 s deadline still hanging at 30 s).
    const real = globalThis.setTimeout;
    const realClear = globalThis.clearTimeout;
    const handles = new Map<number, ReturnType<typeof setTimeout>>();
    let next = 1;
    vi.stubGlobal("setTimeout", (fn: () => void, ms?: number) => {
      const id = next++;
      handles.set(id, real(fn, ms));
      return id;
    });
    vi.stubGlobal("clearTimeout", (id: number) => realClear(handles.get(id)));
    const signals: AbortSignal[] = [];
    const fetch = async (request: Request) => {
      signals.push(request.signal);
      return Response.json({ id: "p1", status: "succeeded" });
    };
    // Each Request has a signal of its own that follows the one given: record what was given.
    const replicate = createReplicate({ auth: "t", retry: false, fetch: (r) => fetch(r) });
    const given: (AbortSignal | null | undefined)[] = [];
    vi.stubGlobal(
      "Request",
      class extends Request {
        constructor(input: RequestInfo | URL, init?: RequestInit) {
          super(input, init);
          given.push(init?.signal);
        }
      },
    );
    await Promise.all([
      replicate.predictions.get({ prediction_id: "p1" }),
      replicate.predictions.get({ prediction_id: "p2" }),
    ]);
    expect(given).toHaveLength(2);
    expect(given[0]).toBeInstanceOf(AbortSignal);
    expect(given[0]).not.toBe(given[1]);
  });
});
