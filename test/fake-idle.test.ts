// `await fake.idle()`: a test can wait until the fake is quiet, every job settled and every
// webhook delivery answered, instead of polling `fake.deliveries` for "pending" to go away.
import { describe, expect, test } from "vitest";
import { createPrediction, createReplicate } from "../src/index.js";
import { createFakeReplicate } from "../src/testing/index.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("fake.idle()", () => {
  test("resolves at once when nothing is running", async () => {
    const fake = createFakeReplicate();
    const started = Date.now();
    await fake.idle();
    expect(Date.now() - started).toBeLessThan(50);
  });

  test("waits for running jobs and for receivers that are slow to answer", async () => {
    const answered: string[] = [];
    const fake = createFakeReplicate({
      startDelayMs: 1,
      deliver: async (request) => {
        await sleep(80); // a slow receiver: its answer comes well after the job is done
        answered.push(((await request.json()) as { status: string }).status);
        return new Response(null, { status: 204 });
      },
    });
    fake.model("acme/slow", async (_input, ctx) => {
      ctx.log("working");
      await sleep(60);
      return "done";
    });
    const replicate = createReplicate({ auth: "t", fetch: fake.fetch });
    const p = await createPrediction(replicate, "acme/slow", { input: {}, webhook: "https://hooks.example/r" });
    expect(fake.deliveries.map((d) => d.status)).toEqual(["pending"]); // the start delivery, on its way
    await fake.idle();
    expect(fake.state.jobs.get(p.id)?.record.status).toBe("succeeded");
    expect(fake.deliveries.length).toBeGreaterThanOrEqual(2);
    expect(fake.deliveries.every((d) => d.status === 204)).toBe(true);
    expect(fake.deliveries.at(-1)?.event).toBe("completed");
    expect(answered.at(-1)).toBe("succeeded");
  });

  test("waits out a throttled delivery, and nothing more comes after it resolves", async () => {
    const fake = createFakeReplicate({ startDelayMs: 1, webhookThrottleMs: 100, deliver: async () => new Response() });
    fake.model("acme/chatty", async function* () {
      yield "a"; // sent at once
      yield "b"; // throttled: waits for the window
      await sleep(250); // the window ends while the model still runs
      yield "c";
    });
    const replicate = createReplicate({ auth: "t", fetch: fake.fetch });
    await createPrediction(replicate, "acme/chatty", {
      input: {},
      webhook: "https://hooks.example/r",
      webhookEventsFilter: ["output", "completed"],
    });
    await fake.idle();
    const seen = fake.deliveries.map((d) => `${d.event} ${d.status}`);
    expect(seen.every((s) => s.endsWith(" 200"))).toBe(true);
    expect(seen.at(-1)).toBe("completed 200");
    expect(seen.filter((s) => s.startsWith("output")).length).toBeGreaterThanOrEqual(2);
    await sleep(150);
    expect(fake.deliveries.map((d) => `${d.event} ${d.status}`)).toEqual(seen);
  });

  test("a delivery that fails settles as an error", async () => {
    const fake = createFakeReplicate({ startDelayMs: 1, deliver: () => Promise.reject(new TypeError("fetch failed")) });
    fake.model("acme/echo", () => "x");
    const replicate = createReplicate({ auth: "t", fetch: fake.fetch });
    await createPrediction(replicate, "acme/echo", { input: {}, webhook: "https://hooks.example/r" });
    await fake.idle();
    expect(fake.deliveries.map((d) => d.event)).toContain("completed");
    expect(fake.deliveries.every((d) => d.status === "error" && d.error === "fetch failed")).toBe(true);
  });
});
