// The in-memory `fake.fetch` honours the request's signal as a real `fetch` does, so a test
// of a user's timeout or abort handling against it sees what it would see over the network:
// an aborted call rejects at once with the signal's reason, a held `Prefer: wait` ends, a
// body being streamed errors, and what the fake had already accepted (a created
// prediction) stays, as it would on Replicate.
import { describe, expect, test } from "vitest";
import { createReplicate } from "../src/index.js";
import { createFakeReplicate, type FakeReplicate } from "../src/testing/index.js";
import { serveFake } from "../src/testing/node.js";

const API = "https://api.replicate.com/v1";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fake whose `acme/slow` model takes `ms`, and whose `acme/gated` streams "first", then waits. */
function slowFake(ms = 1_000): { fake: FakeReplicate; open: () => void } {
  const fake = createFakeReplicate({ startDelayMs: 1 });
  fake.model("acme/slow", () => new Promise((resolve) => setTimeout(() => resolve("late"), ms)));
  let open = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  fake.model("acme/gated", async function* () {
    yield "first";
    await gate;
    yield "second";
  });
  return { fake, open };
}

function create(fake: FakeReplicate, model: string, init: { signal?: AbortSignal; prefer?: string } = {}) {
  return fake.fetch(
    new Request(`${API}/models/${model}/predictions`, {
      method: "POST",
      headers: {
        authorization: "Bearer t",
        "content-type": "application/json",
        ...(init.prefer && { prefer: init.prefer }),
      },
      body: '{"input":{}}',
      ...(init.signal && { signal: init.signal }),
    }),
  );
}

describe("fake.fetch and the request's signal", () => {
  test("aborted before the call: rejects at once with the signal's reason, and nothing is created", async () => {
    const { fake } = slowFake();
    const reason = new Error("the user gave up");
    const signal = AbortSignal.abort(reason);
    await expect(create(fake, "acme/slow", { signal })).rejects.toBe(reason);
    await expect(fake.fetch(`${API}/account`, { signal, headers: { authorization: "Bearer t" } })).rejects.toBe(reason);
    expect(fake.state.jobs.size).toBe(0);
  });

  test("aborted while Prefer: wait holds the create: rejects at once; the held window ends; the prediction stays", async () => {
    const { fake } = slowFake();
    const controller = new AbortController();
    const started = Date.now();
    const call = create(fake, "acme/slow", { signal: controller.signal, prefer: "wait=10" });
    await sleep(50);
    const reason = new DOMException("stop", "AbortError");
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(500);
    const [job] = fake.state.jobs.values();
    expect(job?.record.status).toBe("processing"); // accepted before the abort: it stays and runs on
    expect(job?.listeners.size).toBe(0); // the held request stopped listening
    await fake.idle();
    expect(job?.record).toMatchObject({ status: "succeeded", output: "late" });
  });

  test("aborted while the answer waits out injected latency: rejects at once", async () => {
    const { fake } = slowFake();
    fake.faults.latencyMs = 5_000;
    const started = Date.now();
    const call = fake.fetch(`${API}/account`, {
      headers: { authorization: "Bearer t" },
      signal: AbortSignal.timeout(50),
    });
    await expect(call).rejects.toMatchObject({ name: "TimeoutError" });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  test("aborted while a stream's body is being read: the body errors, and the stream stops listening", async () => {
    const { fake, open } = slowFake();
    const { id } = (await (await create(fake, "acme/gated")).json()) as { id: string };
    const controller = new AbortController();
    const response = await fake.fetch(`${API}/stream/${id}`, { signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      text += new TextDecoder().decode(chunk.value);
      if (text.includes("first")) break;
    }
    expect(text).toContain("data: first");
    const job = fake.state.jobs.get(id);
    expect(job?.listeners.size).toBe(1);
    const reason = new Error("navigated away");
    controller.abort(reason);
    await expect(reader.read()).rejects.toBe(reason);
    expect(job?.listeners.size).toBe(0);
    open();
    await fake.idle();
    expect(job?.record.output).toEqual(["first", "second"]);
  });

  test("a body read to its end is not affected by a later abort", async () => {
    const { fake } = slowFake();
    const controller = new AbortController();
    const response = await fake.fetch(`${API}/account`, {
      headers: { authorization: "Bearer t" },
      signal: controller.signal,
    });
    const body = await response.json();
    controller.abort();
    expect(body).toMatchObject({ username: "fake" });
  });

  test("createReplicate({ fetch: fake.fetch, timeoutMs }) times out a held create as it does over HTTP", async () => {
    const { fake } = slowFake(1_000);
    const replicate = createReplicate({ auth: "t", fetch: fake.fetch, timeoutMs: 300, retry: { retries: 0 } });
    const started = Date.now();
    const error = await replicate.models.predictions
      .create({ model_owner: "acme", model_name: "slow", Prefer: "wait=5", body: { input: {} } })
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe("TimeoutError");
    expect(Date.now() - started).toBeLessThan(800); // not the model's 1 s
    expect(fake.state.jobs.size).toBe(1); // created before the timeout: it stays, as on Replicate
    await fake.idle();
    expect([...fake.state.jobs.values()][0]?.record.status).toBe("succeeded");
  });

  test("over serveFake, a client that leaves ends its held request: the in-flight place is freed", async () => {
    const { fake } = slowFake(1_000);
    fake.faults.maxInFlight = 1;
    const server = await serveFake(fake);
    try {
      const held = fetch(`${server.url}/models/acme/slow/predictions`, {
        method: "POST",
        headers: { authorization: "Bearer t", "content-type": "application/json", prefer: "wait=10" },
        body: '{"input":{}}',
        signal: AbortSignal.timeout(100),
      });
      await expect(held).rejects.toMatchObject({ name: "TimeoutError" });
      const [job] = fake.state.jobs.values();
      for (let i = 0; i < 100 && job?.listeners.size !== 0; i++) await sleep(5);
      expect(job?.listeners.size).toBe(0); // the held window ended with the connection
      const next = await fetch(`${server.url}/account`, { headers: { authorization: "Bearer t" } });
      expect(next.status).toBe(200); // not a 429: the limit's place was given back
      await fake.idle();
    } finally {
      await server.close();
    }
  });
});
