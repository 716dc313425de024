import { describe, expect, it } from "vitest";
import { createLimiter, createReplicate, InputError } from "../src/index.js";
import { json } from "./support/fake-fetch.js";

describe("createLimiter", () => {
  it("never has more than the cap in flight, and every call completes", async () => {
    let inFlight = 0;
    let most = 0;
    const fetch = async (request: Request) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      return json(200, { id: new URL(request.url).pathname.split("/").at(-1) });
    };
    const replicate = createReplicate({ auth: "r8", fetch, limiter: createLimiter(3) });
    const ids = Array.from({ length: 20 }, (_, i) => `p${i}`);
    const got = await Promise.all(ids.map((id) => replicate.predictions.get({ prediction_id: id })));
    expect(got.map((p) => p.id)).toEqual(ids);
    expect(most).toBe(3);
  });

  it("a call aborted while queued leaves the queue without sending", async () => {
    const limiter = createLimiter(1);
    const controller = new AbortController();
    const first = await limiter.acquire(controller.signal);
    const queued = limiter.acquire(controller.signal);
    const later = new AbortController();
    const third = limiter.acquire(later.signal);
    controller.abort(new Error("gave up"));
    await expect(queued).rejects.toThrow("gave up");
    first();
    first(); // releasing twice must not free a second slot
    const release = await third; // the slot went to the next one still waiting
    expect(typeof release).toBe("function");
    let fourthGranted = false;
    void limiter.acquire(later.signal).then(() => {
      fourthGranted = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(fourthGranted).toBe(false);
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(fourthGranted).toBe(true);
  });

  it("refuses a cap that is not a whole number ≥ 1", () => {
    expect(() => createLimiter(0)).toThrow(InputError);
    expect(() => createLimiter(1.5)).toThrow(/whole number/);
    expect(() => createLimiter(Number.NaN)).toThrow(InputError);
  });

  it("one limiter shared by two clients caps them together", async () => {
    let inFlight = 0;
    let most = 0;
    const fetch = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      return json(200, { id: "p" });
    };
    const limiter = createLimiter(2);
    const a = createReplicate({ auth: "r8", fetch, limiter });
    const b = createReplicate({ auth: "r8", fetch, limiter });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).predictions.get({ prediction_id: `p${i}` })),
    );
    expect(most).toBe(2);
  });
});
